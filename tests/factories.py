"""Factories for the foundation's models and the registry the isolation walker uses.

Every model with an `organization` field must appear in FACTORIES; the isolation test
fails for a model that does not, so a new tenant-owned model cannot skip the walker.
"""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from vpt.audit.models import AccessLog
from vpt.tenancy.models import Membership, Organization, Region
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

PASSWORD = "test-wachtwoord-123"


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"R{n:03d}")
    name = factory.Sequence(lambda n: f"Regio {n}")


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Zorgaanbieder {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    kind = Organization.Kind.PROVIDER
    agb_code = factory.Sequence(lambda n: f"{10000000 + n}")


class ZorgkantoorFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"Zorgkantoor {n}")
    kind = Organization.Kind.ZORGKANTOOR
    agb_code = ""


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@test.vpt")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Gebruiker{n}")
    email = factory.LazyAttribute(lambda u: u.username)
    password = factory.django.Password(PASSWORD)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.ADMIN


class TenantFactory(DjangoModelFactory):
    """Creates tenant-owned rows inside their organisation's scope (RLS WITH CHECK)."""

    class Meta:
        abstract = True

    organization = factory.SubFactory(OrganizationFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN206
        with tenant_scope(kwargs["organization"]):
            return super()._create(model_class, *args, **kwargs)


class AccessLogFactory(TenantFactory):
    class Meta:
        model = AccessLog

    user = factory.SubFactory(UserFactory)
    username = factory.LazyAttribute(lambda o: o.user.username)
    role = Role.ADMIN
    action = AccessLog.Action.VIEW
    object_type = "test.object"
    object_id = "1"
    description = "test entry"


# model -> factory(organization=...) for every organisation-owned model (isolation walker).
FACTORIES: dict[type, type[DjangoModelFactory]] = {
    Membership: MembershipFactory,
    AccessLog: AccessLogFactory,
}
