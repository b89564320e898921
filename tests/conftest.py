from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from vpt.tenancy.models import Membership, Organization
from vpt.tenancy.roles import Role


@dataclass
class Persona:
    membership: Membership
    client: Client

    @property
    def organization(self) -> Organization:
        return self.membership.organization

    @property
    def user(self):  # noqa: ANN201
        return self.membership.user


def login(membership: Membership) -> Persona:
    # force_login: django-axes wants a request for password logins; the login form itself
    # is tested in test_accounts.py.
    client = Client()
    client.force_login(membership.user)
    return Persona(membership=membership, client=client)


@pytest.fixture
def org_a(db) -> Organization:  # noqa: ANN001
    return OrganizationFactory(name="Zorg QQALPHAQQ", slug="alpha")


@pytest.fixture
def org_b(db) -> Organization:  # noqa: ANN001
    return OrganizationFactory(name="Zorg Bravo", slug="bravo")


@pytest.fixture
def make_persona(db):  # noqa: ANN001, ANN201
    def make(organization: Organization, role: str = Role.ADMIN, username: str | None = None) -> Persona:
        user = UserFactory(**({"username": username} if username else {}))
        return login(MembershipFactory(user=user, organization=organization, role=role))

    return make


@pytest.fixture
def admin_a(org_a, make_persona) -> Persona:  # noqa: ANN001
    return make_persona(org_a, Role.ADMIN, username="admin-qqalphaqq@test.vpt")


@pytest.fixture
def admin_b(org_b, make_persona) -> Persona:  # noqa: ANN001
    return make_persona(org_b, Role.ADMIN)
