"""Demo data of the teams app (teams/demo.py, run by `manage.py demo_seed`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from arrangements.models import Arrangement, ArrangementLine
from clients.models import Absence, Client
from teams.models import Employee, FixedFace, LevelRate, Visit, VisitRevision
from teams.selectors import capacity_for, today_for, week_start
from vpt.audit.models import AccessLog
from vpt.tenancy.models import Membership, Organization, Team
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope


@pytest.fixture
def small_demo(db) -> str:  # noqa: ANN001
    out = StringIO()
    call_command("demo_seed", size="small", stdout=out)
    return out.getvalue()


def providers() -> list[Organization]:
    return list(Organization.objects.filter(kind=Organization.Kind.PROVIDER).order_by("pk"))


def demo_coach(org: Organization) -> Membership:
    return Membership.objects.filter(organization=org, role=Role.CLIENT_COACH).order_by("pk").first()


def test_small_demo_has_rates_staff_and_fixed_faces(small_demo):  # noqa: ANN001
    assert small_demo.count("Teams ") >= 3, "a line per provider"
    for org in providers():
        with tenant_scope(org):
            assert dict(LevelRate.objects.values_list("function_level", "cost_per_hour")) == {
                2: Decimal("46.00"), 3: Decimal("54.00"), 4: Decimal("63.00")}
            for team in Team.objects.all():
                employees = list(Employee.objects.filter(team=team))
                assert 4 <= len(employees) <= 5, "small: 4–5 employees per team"
                assert any(e.function_level == 2 for e in employees)
                assert all(16 <= e.contract_hours <= 32 for e in employees)
                for employee in employees:
                    if employee.membership_id:
                        assert employee.membership.role in (Role.CLIENT_COACH, Role.CLIENT_SUPPORT)
                        assert team.members.filter(pk=employee.membership_id).exists()
                        level = 3 if employee.membership.role == Role.CLIENT_COACH else 2
                        assert employee.function_level == level
            assert not Employee.objects.filter(membership__role=Role.TEAM_MANAGER).exists()
            coach = demo_coach(org)
            employee = Employee.objects.get(membership=coach)
            assert employee.role == Employee.Role.CLIENT_COACH and employee.function_level == 3

            for client in Client.objects.filter(status=Client.Status.IN_CARE):
                faces = list(FixedFace.objects.filter(client=client).select_related("employee"))
                assert 3 <= len(faces) <= 4
                assert {f.employee.team_id for f in faces} == {client.primary_team_id}
                coach_employee = Employee.objects.filter(membership_id=client.client_coach_id).first()
                if coach_employee is not None:
                    assert coach_employee.pk in {f.employee_id for f in faces}, "the primary coach is a fixed face"
            assert not FixedFace.objects.exclude(client__status=Client.Status.IN_CARE).exists()


def _in_force(client: Client, versions: list[tuple[Arrangement, set[str]]], day: dt.date) -> set[str] | None:
    for arrangement, codes in versions:
        if arrangement.covers(day):
            return codes
    return None


def test_small_demo_visits_follow_the_rules(small_demo):  # noqa: ANN001
    today = timezone.localdate()
    now = timezone.now()
    for org in providers():
        with tenant_scope(org):
            visits = list(Visit.objects.select_related("client", "employee"))
            assert visits
            assert {v.source for v in visits} == {Visit.Source.DEMO}
            assert not VisitRevision.objects.exists(), "no revisions for demo visits"
            versions: dict[int, list[tuple[Arrangement, set[str]]]] = defaultdict(list)
            for arrangement in Arrangement.objects.filter(status__in=(Arrangement.Status.ACTIVE,
                                                                      Arrangement.Status.ENDED)):
                codes = set(ArrangementLine.objects.filter(arrangement=arrangement)
                            .values_list("menu_item__code", flat=True))
                versions[arrangement.client_id].append((arrangement, codes))
            away = defaultdict(list)
            for absence in Absence.objects.all():
                away[absence.client_id].append(absence)
            faces = set(FixedFace.objects.values_list("client_id", "employee_id"))

            by_employee = defaultdict(list)
            by_fixed_face = 0
            for visit in visits:
                client = visit.client
                assert client.status == Client.Status.IN_CARE
                assert client.care_start <= visit.date and (client.care_end is None or visit.date <= client.care_end)
                assert not any(a.left_on < visit.date and (a.returned_on is None or visit.date < a.returned_on)
                               for a in away[client.pk]), "no visits while the client is away"
                codes = _in_force(client, versions[client.pk], visit.date)
                assert codes is not None and visit.activities and set(visit.activities) <= codes
                assert 15 <= visit.duration_minutes <= 120
                assert visit.employee.team_id == client.primary_team_id
                assert dt.time(7, 30) <= visit.start and visit.ends_at <= dt.datetime.combine(visit.date, dt.time(22, 30))
                if visit.status == Visit.Status.DELIVERED:
                    assert visit.date < today and visit.delivered_at is not None and visit.delivered_at <= now
                    assert timezone.make_aware(visit.ends_at) <= visit.delivered_at
                    assert visit.planned_minutes
                elif visit.status == Visit.Status.PLANNED:
                    assert today <= visit.date <= today + dt.timedelta(days=7)
                    assert visit.delivered_at is None and visit.planned_minutes == visit.duration_minutes
                else:
                    assert visit.date < today
                if visit.status != Visit.Status.CANCELLED:
                    by_employee[visit.employee_id].append(visit)
                by_fixed_face += (client.pk, visit.employee_id) in faces
            assert by_fixed_face / len(visits) > 0.5, "mostly by the client's fixed faces"
            assert min(v.date for v in visits) >= week_start(today) - dt.timedelta(weeks=8)

            for own in by_employee.values():  # what the exclusion constraint also guards
                own.sort(key=lambda v: v.starts_at)
                for earlier, later in zip(own, own[1:], strict=False):
                    assert earlier.ends_at <= later.starts_at, f"overlap: {earlier.pk} and {later.pk}"

            # Generating demo data is nobody's access to a client's record.
            assert not AccessLog.objects.filter(client_id__isnull=False).exists()


def test_small_demo_today_view_and_capacity(small_demo):  # noqa: ANN001
    today = timezone.localdate()
    linde = Organization.objects.get(slug="linde")
    with tenant_scope(linde):
        coach = demo_coach(linde)
        assert coach.user.username == "coach@linde.demo"
        view = today_for(coach, today)
        assert view.employee is not None and view.employee.membership_id == coach.pk
        assert 2 <= view.planned_count <= 8, "the demo coach has a day of planned visits (small seed: few clients)"
        assert all(v.status == Visit.Status.PLANNED for v in view.visits)

        team = view.employee.team
        capacity = capacity_for([team], week_start(today) - dt.timedelta(days=7))[team.pk]
        assert capacity.agreed_hours > 0 and capacity.delivered_hours > 0
        assert 50 <= capacity.realisation_pct <= 150
        assert capacity.contract_hours > 0
    for org in providers():
        with tenant_scope(org):
            teams = list(Team.objects.all())
            agreed = delivered = Decimal(0)
            for weeks in range(1, 9):
                for capacity in capacity_for(teams, week_start(today) - dt.timedelta(weeks=weeks)).values():
                    agreed += capacity.agreed_hours
                    delivered += capacity.delivered_hours
            assert agreed > 0 and 0.75 <= delivered / agreed <= 1.1, "over eight weeks: mostly delivered as agreed"
