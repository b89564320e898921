"""Demo data of the client file (clients/demo.py, run by `manage.py demo_seed`)."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from clients.models import Absence, Client, EligibilityAssessment, WlzIndication
from clients.selectors import current_indication
from clients.validation import clean_bsn
from vpt.audit.models import AccessLog
from vpt.tenancy.models import Organization, Team
from vpt.tenancy.roles import ORGANISATION_WIDE_CLIENT_ROLES, Role
from vpt.tenancy.scope import tenant_scope


@pytest.fixture
def small_demo(db) -> str:  # noqa: ANN001
    out = StringIO()
    call_command("demo_seed", size="small", stdout=out)
    return out.getvalue()


def providers() -> list[Organization]:
    return list(Organization.objects.filter(kind=Organization.Kind.PROVIDER).order_by("pk"))


def test_small_demo_gives_every_provider_teams_and_clients(small_demo):  # noqa: ANN001
    assert "Clients: " in small_demo
    for org in providers():
        with tenant_scope(org):
            teams = list(Team.objects.prefetch_related("members"))
            assert 2 <= len(teams) <= 3 and all(t.name.startswith("Team ") for t in teams)
            assert all(t.members.exists() for t in teams)
            for team in teams:
                assert not [m for m in team.members.all() if m.role in ORGANISATION_WIDE_CLIENT_ROLES]
            clients = list(Client.objects.all())
            assert 6 <= len(clients) <= 10
            assert {c.status for c in clients} == set(Client.Status.values)
            assert WlzIndication.objects.count() >= len(clients)
            # Generating demo data is nobody's access to a record.
            assert not AccessLog.objects.filter(client_id__isnull=False).exists()


def test_small_demo_clients_are_consistent(small_demo):  # noqa: ANN001
    for org in providers():
        with tenant_scope(org):
            for client in Client.objects.select_related("primary_team", "client_coach"):
                if client.status == Client.Status.INTAKE:
                    continue
                assert current_indication(client, client.care_start) is not None, "a VPT indication covers the start"
                assessment = client.assessments.order_by("-assessed_on").first()
                assert assessment.is_positive and assessment.assessed_on < client.care_start
                assert client.client_coach.role in (Role.CLIENT_COACH, Role.TEAM_MANAGER)
                assert client.primary_team.members.filter(pk=client.client_coach_id).exists()
                if client.status == Client.Status.IN_CARE:
                    network = list(client.network.all())
                    assert 1 <= len(network) <= 3
                    assert [m.is_contact_person for m in network].count(True) == 1
                    assert all(m.consent_to_share for m in network if m.is_contact_person)
                else:
                    assert client.care_end and client.end_reason


def test_normal_demo_has_hundreds_of_realistic_clients(db):  # noqa: ANN001
    out = StringIO()
    call_command("demo_seed", size="normal", stdout=out)
    today = timezone.localdate()
    profiles: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    expiring = total = 0
    for org in providers():
        with tenant_scope(org):
            clients = list(Client.objects.all())
            bsns = [c.reveal_bsn() for c in clients]
            assert all(clean_bsn(b) == b for b in bsns)
            assert len(set(bsns)) == len(bsns)
            assert all(1930 <= c.date_of_birth.year <= 1960 for c in clients)
            statuses.update(c.status for c in clients)
            total += len(clients)
            current = {}
            for ind in WlzIndication.objects.vpt().order_by("client_id", "valid_from"):
                current[ind.client_id] = ind  # the latest VPT indication of each client
            profiles.update(ind.zorgprofiel for ind in current.values())
            expiring += sum(1 for ind in current.values() if ind.valid_to and today <= ind.valid_to
                            <= today + timezone.timedelta(days=60))
            for absence in Absence.objects.filter(kind=Absence.Kind.RESPITE):
                assert len(absence.nights()) <= 3
            for absence in Absence.objects.filter(kind=Absence.Kind.HOLIDAY):
                assert len(absence.absence_days()) <= 14
            assert not EligibilityAssessment.objects.filter(decision="conditional", conditions="").exists()
    assert total >= 300
    assert profiles.most_common(1)[0][0] == "754"  # 5VV
    assert set(profiles) <= {"753", "754", "755", "826", "828", "830"}
    assert 0.4 <= profiles["754"] / total <= 0.6
    assert statuses[Client.Status.IN_CARE] > 0.75 * total
    assert statuses[Client.Status.INTAKE] and statuses[Client.Status.ENDED]
    assert 0.05 <= expiring / total <= 0.16
