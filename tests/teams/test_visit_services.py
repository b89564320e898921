"""The rules of the teams services, tested through the services themselves: what a visit may
be (duration, time, care period, activities), that visits of one employee never overlap
(the service's check and PostgreSQL's exclusion constraint behind it), late edits with
their reason and history, who may act for whom, and employees, teams and fixed faces."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from arrangements.models import Arrangement
from clients.models import Client
from teams import services
from teams.models import MAX_VISIT_MINUTES, Employee, FixedFace, Visit, VisitRevision
from tests.conftest import Persona
from tests.factories import (
    ArrangementFactory,
    ArrangementLineFactory,
    ClientFactory,
    EmployeeFactory,
    MenuItemFactory,
)
from tests.teams.conftest import make_client_in_care
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True)
def noon(today):  # noqa: ANN001, ANN201
    """Now is today at 12:00 (Amsterdam), whatever the hour the tests run."""
    with time_machine.travel(dt.datetime.combine(today, dt.time(12, 0), tzinfo=AMS), tick=False):
        yield


@pytest.fixture
def yesterday(today):  # noqa: ANN001, ANN201
    return today - dt.timedelta(days=1)


def employee_of(persona: Persona) -> Employee:
    with tenant_scope(persona.organization):
        return Employee.objects.get(membership=persona.membership)


def create(persona: Persona, client: Client, employee: Employee, day: dt.date, start: str, minutes: int = 45, *,
           delivered: bool = True, activities: list | None = None, note: str = "") -> Visit:
    with tenant_scope(persona.organization):
        return services.visit_create(
            acting=persona.membership, client=client, employee=employee, date=day, start=dt.time.fromisoformat(start),
            duration_minutes=minutes, delivered=delivered, activities=activities or [], note=note,
        )


def refused(persona: Persona, *args, **kwargs) -> dict[str, list[str]]:  # noqa: ANN002, ANN003
    """Create a visit that the service must refuse; its errors per field."""
    with pytest.raises(ValidationError) as exc:
        create(persona, *args, **kwargs)
    return exc.value.message_dict


def update(persona: Persona, visit: Visit, **changes) -> Visit:  # noqa: ANN003
    with tenant_scope(persona.organization):
        return services.visit_update(acting=persona.membership, visit=visit, **changes)


def cancel(persona: Persona, visit: Visit, reason: str = "") -> Visit:
    with tenant_scope(persona.organization):
        return services.visit_cancel(acting=persona.membership, visit=visit, reason=reason)


def reload(visit: Visit) -> None:
    with tenant_scope(visit.organization):
        visit.refresh_from_db()


def revisions(visit: Visit) -> list[VisitRevision]:
    with tenant_scope(visit.organization):
        return list(VisitRevision.objects.filter(visit=visit))


def visit_count(org) -> int:  # noqa: ANN001
    with tenant_scope(org):
        return Visit.objects.count()


# --- what a visit may be ---------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [0, -5, MAX_VISIT_MINUTES + 1])
def test_duration_must_be_positive_and_at_most_twelve_hours(coach_north, client_north, yesterday, minutes):  # noqa: ANN001
    errors = refused(coach_north, client_north, employee_of(coach_north), yesterday, "08:00", minutes)
    assert set(errors) == {"duration_minutes"}
    assert visit_count(coach_north.organization) == 0


def test_a_visit_of_twelve_hours_is_allowed(coach_north, client_north, yesterday):  # noqa: ANN001
    visit = create(coach_north, client_north, employee_of(coach_north), yesterday, "08:00", MAX_VISIT_MINUTES)
    assert visit.ends_at == dt.datetime.combine(yesterday, dt.time(20, 0))


def test_a_delivered_visit_cannot_start_in_the_future(coach_north, client_north, today):  # noqa: ANN001
    employee = employee_of(coach_north)
    assert set(refused(coach_north, client_north, employee, today + dt.timedelta(days=1), "09:00")) == {"date"}
    # Later today (it is 12:00) is the future as well.
    assert set(refused(coach_north, client_north, employee, today, "12:05")) == {"date"}
    visit = create(coach_north, client_north, employee, today, "11:30", 30)  # started: may be registered
    assert visit.status == Visit.Status.DELIVERED and visit.delivered_at is not None
    assert visit.planned_minutes is None


def test_a_planned_visit_cannot_be_on_a_past_day(coach_north, client_north, today, yesterday):  # noqa: ANN001
    employee = employee_of(coach_north)
    assert set(refused(coach_north, client_north, employee, yesterday, "09:00", delivered=False)) == {"date"}
    # Today is not a past day: a visit planned this morning is still open to be confirmed.
    visit = create(coach_north, client_north, employee, today, "08:00", delivered=False)
    assert visit.status == Visit.Status.PLANNED and visit.planned_minutes == 45 and visit.delivered_at is None


def test_the_client_must_be_in_care_on_the_date(coach_north, client_north, team_north, org_a, today):  # noqa: ANN001
    employee = employee_of(coach_north)
    before_start = client_north.care_start - dt.timedelta(days=1)
    assert set(refused(coach_north, client_north, employee, before_start, "09:00")) == {"date"}
    create(coach_north, client_north, employee, client_north.care_start, "09:00")  # the first day counts

    intake = ClientFactory(organization=org_a, primary_team=team_north, status=Client.Status.INTAKE)
    assert set(refused(coach_north, intake, employee, today + dt.timedelta(days=1), "09:00", delivered=False)) == {
        "date"}

    ended = ClientFactory(organization=org_a, primary_team=team_north, status=Client.Status.ENDED,
                          care_start=today - dt.timedelta(days=100), care_end=today - dt.timedelta(days=10),
                          end_reason=Client.EndReason.OTHER)
    assert set(refused(coach_north, ended, employee, today - dt.timedelta(days=9), "09:00")) == {"date"}
    create(coach_north, ended, employee, today - dt.timedelta(days=10), "09:00")  # the last day counts


def test_activities_come_from_the_arrangement_in_force_on_the_date(coach_north, client_north, yesterday):  # noqa: ANN001
    employee = employee_of(coach_north)
    errors = refused(coach_north, client_north, employee, yesterday, "09:00", activities=["personal-care", "dancing"])
    assert set(errors) == {"activities"} and "dancing" in errors["activities"][0]
    assert "personal-care" not in errors["activities"][0]
    visit = create(coach_north, client_north, employee, yesterday, "09:00",
                   activities=["personal-care", "support", "personal-care"])
    assert visit.activities == ["personal-care", "support"]  # once each, in order
    assert set(refused(coach_north, client_north, employee, yesterday, "11:00", activities=[3])) == {"activities"}


def test_an_older_versions_element_is_allowed_on_an_older_date(org_a, team_north, care_menu, coach_north, today):  # noqa: ANN001
    """Version 1 (ended 30 days ago) had household help, version 2 has not; a draft version 3
    with day activities is not in force at all."""
    client = make_client_in_care(org_a, team_north, care_menu, today, coach=coach_north, first_name="Nel")
    household = MenuItemFactory(organization=org_a, code="household", name="Huishouden", function_level=2)
    day_care = MenuItemFactory(organization=org_a, code="day-care", name="Dagbesteding", function_level=2)
    with tenant_scope(org_a):
        first = Arrangement.objects.get(client=client)
        first.status, first.valid_to = Arrangement.Status.ENDED, today - dt.timedelta(days=31)
        first.save()
    ArrangementLineFactory(organization=org_a, arrangement=first, menu_item=household, quantity=Decimal("2"))
    second = ArrangementFactory(organization=org_a, client=client, version=2, status=Arrangement.Status.ACTIVE,
                                valid_from=today - dt.timedelta(days=30))
    ArrangementLineFactory(organization=org_a, arrangement=second, menu_item=care_menu["personal-care"])
    draft = ArrangementFactory(organization=org_a, client=client, version=3, status=Arrangement.Status.DRAFT,
                               valid_from=today - dt.timedelta(days=20))
    ArrangementLineFactory(organization=org_a, arrangement=draft, menu_item=day_care)
    employee = employee_of(coach_north)

    create(coach_north, client, employee, today - dt.timedelta(days=60), "09:00", activities=["household"])
    create(coach_north, client, employee, today - dt.timedelta(days=31), "09:00", activities=["household"])
    for code in ("household", "support", "day-care"):
        errors = refused(coach_north, client, employee, today - dt.timedelta(days=10), "09:00", activities=[code])
        assert set(errors) == {"activities"}, code
    create(coach_north, client, employee, today - dt.timedelta(days=10), "09:00", activities=["personal-care"])


# --- visits of one employee never overlap -----------------------------------------------------


def test_overlapping_visits_of_one_employee_are_refused(coach_north, client_north, yesterday):  # noqa: ANN001
    employee = employee_of(coach_north)
    create(coach_north, client_north, employee, yesterday, "09:00", 60)
    for start, minutes in (("09:30", 15), ("08:30", 31), ("08:00", 180), ("09:59", 30)):
        errors = refused(coach_north, client_north, employee, yesterday, start, minutes)
        assert set(errors) == {"start"}
        assert "09:00" in errors["start"][0] and "10:00" in errors["start"][0], "names the visit in the way"
    assert visit_count(coach_north.organization) == 1


def test_overlap_across_midnight_is_refused_both_ways(coach_north, client_north, today, yesterday):  # noqa: ANN001
    employee = employee_of(coach_north)
    create(coach_north, client_north, employee, yesterday, "23:30", 60)  # until 00:30 today
    errors = refused(coach_north, client_north, employee, today, "00:15", 30)
    assert set(errors) == {"start"} and "23:30" in errors["start"][0]

    earlier = today - dt.timedelta(days=3)
    create(coach_north, client_north, employee, earlier, "00:15", 30)
    # The late visit of the day before is checked against the next day too (the service's
    # own check with its clear message, not only the database constraint behind it).
    errors = refused(coach_north, client_north, employee, earlier - dt.timedelta(days=1), "23:30", 60)
    assert set(errors) == {"start"} and "00:15" in errors["start"][0]
    assert visit_count(coach_north.organization) == 2


def test_touching_visits_and_other_employees_are_fine(coach_north, manager_north, support_north, client_north,
                                                      yesterday):  # noqa: ANN001
    employee = employee_of(coach_north)
    create(coach_north, client_north, employee, yesterday, "09:00", 60)
    create(coach_north, client_north, employee, yesterday, "10:00", 30)  # starts when the other ends
    create(coach_north, client_north, employee, yesterday, "08:30", 30)  # ends when the other starts
    create(manager_north, client_north, support_north, yesterday, "09:00", 60)  # a colleague, same time
    assert visit_count(coach_north.organization) == 4


def test_a_cancelled_visit_does_not_block_the_time(coach_north, client_north, yesterday):  # noqa: ANN001
    employee = employee_of(coach_north)
    first = create(coach_north, client_north, employee, yesterday, "09:00", 60)
    cancel(coach_north, first, reason="Cliënt afgezegd")
    second = create(coach_north, client_north, employee, yesterday, "09:00", 60)
    assert second.status == Visit.Status.DELIVERED
    with pytest.raises(ValidationError):  # a cancelled visit stays cancelled
        update(coach_north, first, reason="Toch wel", note="x")


def test_moving_a_visit_onto_another_is_refused(coach_north, client_north, yesterday):  # noqa: ANN001
    employee = employee_of(coach_north)
    create(coach_north, client_north, employee, yesterday, "09:00", 60)
    other = create(coach_north, client_north, employee, yesterday, "11:00", 30)
    with pytest.raises(ValidationError) as exc:
        update(coach_north, other, reason="Tijd verbeterd", start=dt.time(9, 45))
    assert set(exc.value.message_dict) == {"start"}
    reload(other)
    assert other.start == dt.time(11, 0)


def test_the_database_refuses_overlapping_rows_written_past_the_service(coach_north, client_north, org_a,
                                                                        yesterday):  # noqa: ANN001
    """The second guard: PostgreSQL's exclusion constraint, for writes that skip the service
    (a concurrent request, a bulk import)."""
    employee = employee_of(coach_north)
    create(coach_north, client_north, employee, yesterday, "09:00", 60)

    def row(start: str, minutes: int, status: str = Visit.Status.DELIVERED) -> Visit:
        return Visit(organization=org_a, client=client_north, employee=employee, date=yesterday,
                     start=dt.time.fromisoformat(start), duration_minutes=minutes, status=status,
                     delivered_at=dt.datetime.combine(yesterday, dt.time(11, 0), tzinfo=AMS))

    with tenant_scope(org_a):
        with pytest.raises(IntegrityError), transaction.atomic():
            Visit.objects.bulk_create([row("09:30", 30)])
        with pytest.raises(IntegrityError), transaction.atomic():
            row("08:30", 45).save()
        Visit.objects.bulk_create([row("10:00", 30), row("09:15", 30, Visit.Status.CANCELLED)])  # touching, cancelled
        assert Visit.objects.count() == 3


# --- late edits, confirmation, cancellation and history ----------------------------------------


def test_todays_visit_can_be_changed_without_a_reason(coach_north, client_north, today):  # noqa: ANN001
    visit = create(coach_north, client_north, employee_of(coach_north), today, "09:00", 45)
    update(coach_north, visit, duration_minutes=50, note="Dochter was er")
    latest = revisions(visit)[0]
    assert latest.action == "changed" and not latest.is_late and latest.reason == ""
    assert latest.changes == {"duration_minutes": [45, 50], "note": ["", "Dochter was er"]}


def test_yesterdays_visit_needs_a_reason(coach_north, client_north, yesterday):  # noqa: ANN001
    visit = create(coach_north, client_north, employee_of(coach_north), yesterday, "09:00", 45,
                   activities=["personal-care"])
    with pytest.raises(ValidationError) as exc:
        update(coach_north, visit, duration_minutes=60, reason="   ")
    assert set(exc.value.message_dict) == {"reason"}
    reload(visit)
    assert visit.duration_minutes == 45 and len(revisions(visit)) == 1

    update(coach_north, visit, duration_minutes=60, activities=["personal-care", "support"],
           reason="Vergeten: ook begeleiding gegeven")
    reload(visit)
    assert visit.duration_minutes == 60
    late = revisions(visit)[0]
    assert late.action == "changed" and late.is_late and late.reason == "Vergeten: ook begeleiding gegeven"
    assert late.changes == {"duration_minutes": [45, 60],
                            "activities": [["personal-care"], ["personal-care", "support"]]}
    assert late.changed_by == coach_north.user


def test_moving_a_visit_onto_an_earlier_day_needs_a_reason(coach_north, client_north, today, yesterday):  # noqa: ANN001
    """The past is only rewritten with a reason, also when the visit comes from today."""
    visit = create(coach_north, client_north, employee_of(coach_north), today, "09:00", 45)
    with pytest.raises(ValidationError) as exc:
        update(coach_north, visit, date=yesterday)
    assert set(exc.value.message_dict) == {"reason"}
    reload(visit)
    assert visit.date == today
    update(coach_north, visit, date=yesterday, reason="Gisteren geweest, verkeerd ingevoerd")
    assert revisions(visit)[0].is_late


def test_confirming_a_planned_visit_keeps_what_was_planned(coach_north, client_north, today):  # noqa: ANN001
    visit = create(coach_north, client_north, employee_of(coach_north), today, "08:00", 45, delivered=False)
    update(coach_north, visit, confirm=True, duration_minutes=55)
    reload(visit)
    assert visit.status == Visit.Status.DELIVERED
    assert (visit.planned_minutes, visit.duration_minutes) == (45, 55)
    assert visit.delivered_at == dt.datetime.combine(today, dt.time(12, 0), tzinfo=AMS)
    confirmed = revisions(visit)[0]
    assert confirmed.action == "confirmed" and not confirmed.is_late
    assert confirmed.changes == {"duration_minutes": [45, 55], "status": ["planned", "delivered"]}
    with pytest.raises(ValidationError):  # once
        update(coach_north, visit, confirm=True)


def test_a_visit_later_today_cannot_be_confirmed_yet(coach_north, client_north, today):  # noqa: ANN001
    visit = create(coach_north, client_north, employee_of(coach_north), today, "15:00", 45, delivered=False)
    with pytest.raises(ValidationError) as exc:
        update(coach_north, visit, confirm=True)
    assert set(exc.value.message_dict) == {"date"}
    reload(visit)
    assert visit.status == Visit.Status.PLANNED and visit.delivered_at is None


def test_cancelling_a_visit(coach_north, client_north, today, yesterday):  # noqa: ANN001
    employee = employee_of(coach_north)
    planned = create(coach_north, client_north, employee, today, "16:00", 45, delivered=False)
    cancel(coach_north, planned)
    reload(planned)
    assert planned.status == Visit.Status.CANCELLED
    cancelled = revisions(planned)[0]
    assert cancelled.action == "cancelled" and not cancelled.is_late
    assert cancelled.changes == {"status": ["planned", "cancelled"]}
    assert cancel(coach_north, planned).status == Visit.Status.CANCELLED and len(revisions(planned)) == 2

    past = create(coach_north, client_north, employee, yesterday, "09:00", 45)
    with pytest.raises(ValidationError) as exc:
        cancel(coach_north, past)
    assert set(exc.value.message_dict) == {"reason"}
    reload(past)
    assert past.status == Visit.Status.DELIVERED
    cancel(coach_north, past, reason="Dubbel ingevoerd")
    assert revisions(past)[0].is_late and revisions(past)[0].reason == "Dubbel ingevoerd"


def test_history_lists_the_newest_change_first(coach_north, client_north, today):  # noqa: ANN001
    visit = create(coach_north, client_north, employee_of(coach_north), today, "08:00", 45, delivered=False)
    update(coach_north, visit, note="Eerst koffie")
    update(coach_north, visit, confirm=True)
    update(coach_north, visit, start=dt.time(8, 0))  # no change: no revision
    history = revisions(visit)
    assert [r.action for r in history] == ["confirmed", "changed", "created"]
    assert history[-1].changes["status"] == [None, "planned"] and history[-1].changes["duration_minutes"] == [None, 45]


# --- who may act for whom ------------------------------------------------------------------------


def test_a_coach_registers_only_own_visits(coach_north, manager_north, support_north, client_north, today,
                                           yesterday):  # noqa: ANN001
    assert coach_north.membership.role == Role.CLIENT_COACH
    with pytest.raises(PermissionDenied):
        create(coach_north, client_north, support_north, yesterday, "09:00")
    theirs = create(manager_north, client_north, support_north, today, "15:00", delivered=False)
    with pytest.raises(PermissionDenied):
        update(coach_north, theirs, note="Niet van mij")
    with pytest.raises(PermissionDenied):
        cancel(coach_north, theirs)
    mine = create(coach_north, client_north, employee_of(coach_north), today, "16:00", delivered=False)
    with pytest.raises(PermissionDenied):  # nor hand a visit over to a colleague
        update(coach_north, mine, employee=support_north)
    reload(theirs)
    reload(mine)
    assert theirs.note == "" and theirs.status == Visit.Status.PLANNED and mine.employee_id == employee_of(coach_north).pk


def test_a_planner_acts_for_every_employee(coach_north, manager_north, support_north, client_north, today):  # noqa: ANN001
    coach_visit = create(coach_north, client_north, employee_of(coach_north), today, "09:00")
    update(manager_north, coach_visit, note="Aangevuld door de teammanager")
    update(manager_north, coach_visit, employee=support_north)
    reload(coach_visit)
    assert coach_visit.employee_id == support_north.pk and coach_visit.note == "Aangevuld door de teammanager"
    assert revisions(coach_visit)[0].changed_by == manager_north.user
    planned = create(manager_north, client_north, employee_of(coach_north), today, "17:00", delivered=False)
    cancel(manager_north, planned)


# --- employees, teams and fixed faces -----------------------------------------------------------


def save_employee(acting: Persona, employee: Employee | None = None, **fields) -> Employee:  # noqa: ANN003
    with tenant_scope(acting.organization):
        return services.employee_save(acting=acting.membership, employee=employee, **fields)


def members(team) -> set[int]:  # noqa: ANN001
    with tenant_scope(team.organization):
        return set(team.members.values_list("pk", flat=True))


def test_linking_an_account_makes_it_a_member_and_moves_it_with_the_employee(
        org_a, manager_north, team_north, team_south, make_persona):  # noqa: ANN001
    account = make_persona(org_a, Role.CLIENT_SUPPORT).membership
    employee = save_employee(manager_north, first_name="Fenna", last_name="Vos", team=team_north,
                             role=Employee.Role.CLIENT_SUPPORT, function_level=2, contract_hours=Decimal("24"),
                             membership=account)
    assert account.pk in members(team_north) and account.pk not in members(team_south)

    with tenant_scope(org_a):
        employee = Employee.objects.get(pk=employee.pk)
    save_employee(manager_north, employee, team=team_south)
    assert account.pk in members(team_south) and account.pk not in members(team_north)
    assert manager_north.membership.pk in members(team_north), "the manager stays"


def test_an_account_is_linked_to_one_employee_only(org_a, org_b, manager_north, coach_north, team_north,
                                                   make_persona):  # noqa: ANN001
    fields = {"first_name": "Kees", "last_name": "Dubbel", "team": team_north, "role": Employee.Role.CLIENT_SUPPORT,
              "function_level": 2, "contract_hours": Decimal("20")}
    with pytest.raises(ValidationError) as exc:
        save_employee(manager_north, membership=coach_north.membership, **fields)
    assert set(exc.value.message_dict) == {"membership"}
    with pytest.raises(ValidationError) as exc:
        save_employee(manager_north, membership=make_persona(org_b, Role.CLIENT_SUPPORT).membership, **fields)
    assert set(exc.value.message_dict) == {"membership"}
    with tenant_scope(org_a):
        assert not Employee.objects.filter(last_name="Dubbel").exists()
    # The employee itself may be saved again with its own account.
    coach = employee_of(coach_north)
    save_employee(manager_north, coach, membership=coach_north.membership, contract_hours=Decimal("30"))
    assert employee_of(coach_north).contract_hours == Decimal("30")


def test_a_team_manager_must_be_a_manager_of_the_organisation(org_a, org_b, admin_a, coach_north, manager_north,
                                                              team_north, make_persona):  # noqa: ANN001
    def save(**kwargs) -> object:  # noqa: ANN003
        with tenant_scope(org_a):
            return services.team_save(acting=admin_a.membership, **kwargs)

    for wrong in (coach_north.membership, make_persona(org_b, Role.TEAM_MANAGER).membership):
        with pytest.raises(ValidationError) as exc:
            save(name="Team Oost", manager=wrong)
        assert set(exc.value.message_dict) == {"manager"}
    with pytest.raises(ValidationError) as exc:
        save(name="team noord")  # the name is taken, whatever the case
    assert set(exc.value.message_dict) == {"name"}

    east = save(name="  Team Oost ", district="Oost", manager=manager_north.membership)
    assert east.name == "Team Oost" and east.manager == manager_north.membership
    assert manager_north.membership.pk in members(east)
    save(team=east, name="Team Oost", manager=admin_a.membership)  # an admin may manage a team as well
    assert admin_a.membership.pk in members(east)


def test_fixed_faces_are_unique_and_few(org_a, org_b, manager_north, client_north, team_north, coach_north):  # noqa: ANN001
    def add(employee: Employee) -> FixedFace:
        with tenant_scope(org_a):
            return services.fixed_face_add(acting=manager_north.membership, client=client_north, employee=employee)

    coach = employee_of(coach_north)
    add(coach)
    with pytest.raises(ValidationError) as exc:
        add(coach)
    assert set(exc.value.message_dict) == {"employee"}
    inactive = EmployeeFactory(organization=org_a, team=team_north, is_active=False)
    with pytest.raises(ValidationError):
        add(inactive)
    with pytest.raises(ValidationError):
        add(EmployeeFactory(organization=org_b))
    for _ in range(services.MAX_FIXED_FACES - 1):
        add(EmployeeFactory(organization=org_a, team=team_north))
    with pytest.raises(ValidationError) as exc:
        add(EmployeeFactory(organization=org_a, team=team_north))
    assert set(exc.value.message_dict) == {"employee"}
    with tenant_scope(org_a):
        assert FixedFace.objects.filter(client=client_north).count() == services.MAX_FIXED_FACES
