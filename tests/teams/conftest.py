"""Fixtures of the teams tests: two teams of one provider, a manager and a coach (with their
employee records), clients in care with an active arrangement and a task division."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from arrangements.models import Arrangement, ArrangementLine, MenuItem, TaskAgreement
from clients.models import Client
from tests.conftest import Persona
from tests.factories import (
    ArrangementFactory,
    ArrangementLineFactory,
    ClientFactory,
    EmployeeFactory,
    MenuItemFactory,
    NetworkMemberFactory,
    TaskAgreementFactory,
    TeamFactory,
)
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope


@pytest.fixture(autouse=True)
def english_ui(request, settings):  # noqa: ANN001, ANN201
    """These tests read messages in the English source text (pages and services); the Dutch
    catalogue is checked for completeness in tests/test_translations.py. Browser tests use
    the default Dutch UI, as a user would."""
    if request.node.get_closest_marker("browser"):
        yield
        return
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def team_north(org_a):  # noqa: ANN001, ANN201
    return TeamFactory(organization=org_a, name="Team Noord", district="Noord")


@pytest.fixture
def team_south(org_a):  # noqa: ANN001, ANN201
    return TeamFactory(organization=org_a, name="Team Zuid", district="Zuid")


@pytest.fixture
def manager_north(org_a, team_north, make_persona) -> Persona:  # noqa: ANN001
    persona = make_persona(org_a, Role.TEAM_MANAGER)
    with tenant_scope(org_a):
        team_north.members.add(persona.membership)
        team_north.manager = persona.membership
        team_north.save()
    return persona


def _field_persona(make_persona, org, team, role, level, first_name):  # noqa: ANN001, ANN202
    persona = make_persona(org, role)
    with tenant_scope(org):
        team.members.add(persona.membership)
    EmployeeFactory(organization=org, team=team, membership=persona.membership, first_name=first_name,
                    role=role, function_level=level, contract_hours=Decimal("28"))
    return persona


@pytest.fixture
def coach_north(org_a, team_north, make_persona) -> Persona:  # noqa: ANN001
    """A client coach (level 3) of team North with an employee record."""
    return _field_persona(make_persona, org_a, team_north, Role.CLIENT_COACH, 3, "Cora")


@pytest.fixture
def coach_south(org_a, team_south, make_persona) -> Persona:  # noqa: ANN001
    return _field_persona(make_persona, org_a, team_south, Role.CLIENT_COACH, 3, "Zoë")


@pytest.fixture
def support_north(org_a, team_north):  # noqa: ANN001, ANN201
    """A client support worker (level 2) of team North without a user account."""
    return EmployeeFactory(organization=org_a, team=team_north, first_name="Sam", last_name="Steun",
                           role="client_support", function_level=2, contract_hours=Decimal("24"))


@pytest.fixture
def care_menu(org_a):  # noqa: ANN001, ANN201
    return {
        "personal-care": MenuItemFactory(organization=org_a, code="personal-care", name="Persoonlijke verzorging",
                                         kind=MenuItem.Kind.PERSONAL_CARE, function_level=2),
        "support": MenuItemFactory(organization=org_a, code="support", name="Begeleiding",
                                   kind=MenuItem.Kind.SUPPORT, function_level=3, cost_price=Decimal("58.00")),
        "alarm": MenuItemFactory(organization=org_a, code="alarm", name="Persoonsalarmering",
                                 kind=MenuItem.Kind.PERSONAL_ALARM, unit=MenuItem.Unit.PER_MONTH, function_level=None,
                                 cost_price=Decimal("30.00"), is_fixed=True),
    }


def make_client_in_care(org, team, care_menu, today, *, coach=None, first_name="Jan", last_name="Noorderling",
                        personal_care="7", support="3.5"):  # noqa: ANN001, ANN201
    """A client in care for 200 days with an active arrangement (personal care at level 2,
    support at level 3, the personal alarm as fixed element) and a task division."""
    start = today - dt.timedelta(days=200)
    client = ClientFactory(organization=org, primary_team=team, first_name=first_name, last_name=last_name,
                           status=Client.Status.IN_CARE, care_start=start,
                           client_coach=coach.membership if coach else None)
    arrangement = ArrangementFactory(organization=org, client=client, status=Arrangement.Status.ACTIVE,
                                     valid_from=start, note="Houdt van koffie om tien uur.")
    ArrangementLineFactory(organization=org, arrangement=arrangement, menu_item=care_menu["personal-care"],
                           quantity=Decimal(personal_care))
    ArrangementLineFactory(organization=org, arrangement=arrangement, menu_item=care_menu["support"],
                           quantity=Decimal(support))
    ArrangementLineFactory(organization=org, arrangement=arrangement, menu_item=care_menu["alarm"],
                           quantity=Decimal("1"), delivered_by=ArrangementLine.DeliveredBy.TEAM)
    daughter = NetworkMemberFactory(organization=org, client=client, name="Els (dochter)")
    TaskAgreementFactory(organization=org, arrangement=arrangement, task="Boodschappen doen",
                         done_by=TaskAgreement.DoneBy.NETWORK, network_member=daughter, frequency="2× per week")
    TaskAgreementFactory(organization=org, arrangement=arrangement, task="Medicatie aanreiken",
                         done_by=TaskAgreement.DoneBy.TEAM, frequency="dagelijks")
    return client


@pytest.fixture
def client_north(org_a, team_north, care_menu, today, coach_north):  # noqa: ANN001, ANN201
    return make_client_in_care(org_a, team_north, care_menu, today, coach=coach_north)


@pytest.fixture
def client_south(org_a, team_south, care_menu, today, coach_south):  # noqa: ANN001, ANN201
    return make_client_in_care(org_a, team_south, care_menu, today, coach=coach_south,
                               first_name="Piet", last_name="Zuiderling")
