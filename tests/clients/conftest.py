from __future__ import annotations

import pytest

from tests.conftest import Persona
from tests.factories import ClientFactory, TeamFactory
from vpt.tenancy.roles import Role


@pytest.fixture
def team_north(org_a, admin_a):  # noqa: ANN001, ANN201
    return TeamFactory(organization=org_a, name="Team Noord")


@pytest.fixture
def team_south(org_a):  # noqa: ANN001, ANN201
    return TeamFactory(organization=org_a, name="Team Zuid")


@pytest.fixture
def manager_north(org_a, team_north, make_persona) -> Persona:  # noqa: ANN001
    persona = make_persona(org_a, Role.TEAM_MANAGER)
    team_north.members.add(persona.membership)
    return persona


@pytest.fixture
def coach_north(org_a, team_north, make_persona) -> Persona:  # noqa: ANN001
    persona = make_persona(org_a, Role.CLIENT_COACH)
    team_north.members.add(persona.membership)
    return persona


@pytest.fixture
def client_north(org_a, team_north):  # noqa: ANN001, ANN201
    return ClientFactory(organization=org_a, primary_team=team_north, first_name="Jan", last_name="Noorderling")


@pytest.fixture
def client_south(org_a, team_south):  # noqa: ANN001, ANN201
    return ClientFactory(organization=org_a, primary_team=team_south, first_name="Piet", last_name="Zuiderling")
