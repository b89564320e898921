from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from vpt.core.management.commands.demo_seed import DEMO_PASSWORD, ROLE_LOGIN
from vpt.tenancy.models import Membership, Organization
from vpt.tenancy.roles import Role


@pytest.fixture
def demo(db) -> str:  # noqa: ANN001
    out = StringIO()
    call_command("demo_seed", size="small", stdout=out)
    return out.getvalue()


def test_demo_creates_providers_regions_and_a_zorgkantoor(demo):  # noqa: ANN001
    providers = Organization.objects.filter(kind="provider")
    assert providers.count() >= 3
    assert providers.values("region").distinct().count() >= 2
    assert Organization.objects.filter(kind="zorgkantoor").count() == 1
    assert {m.role for m in Membership.objects.all()} == set(Role.values)


def test_demo_is_idempotent(demo):  # noqa: ANN001
    before = Membership.objects.count()
    out = StringIO()
    call_command("demo_seed", size="small", stdout=out)
    assert Membership.objects.count() == before
    assert "already present" in out.getvalue()


@pytest.mark.parametrize("role", list(Role))
def test_printed_login_of_each_role_reaches_its_dashboard(demo, role):  # noqa: ANN001
    org = "zorgkantoor-holland" if role == Role.ZK_REVIEWER else "linde"
    username = f"{ROLE_LOGIN[role]}@{org}.demo"
    assert username in demo
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD}, follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == reverse("core:dashboard")
    assert response.context["membership"].role == role
    assert response.context["cards"], "the dashboard shows figures from the database"


def test_user_with_two_memberships_can_switch(demo):  # noqa: ANN001
    client = Client()
    client.post(reverse("accounts:login"), {"username": "consulent@vpt.demo", "password": DEMO_PASSWORD})
    first = client.get(reverse("core:dashboard")).context["membership"]
    other = Membership.objects.filter(user=first.user).exclude(pk=first.pk).get()
    response = client.post(reverse("tenancy:switch", args=[other.pk]), follow=True)
    assert response.context["membership"] == other
    assert response.context["organization"] == other.organization


def test_demo_computes_the_daily_run_and_declares(demo):  # noqa: ANN001
    """The demo start fills the finance screens: every provider's nightly run up to
    yesterday, AW35s for its clients, a submitted and answered declaration and a draft."""
    from django.utils import timezone

    from billing import daily
    from billing.models import BudgetDay, CareNotification, DayLine, Declaration
    from vpt.tenancy.scope import tenant_scope

    assert "Daily run: 3 providers" in demo
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for org in Organization.objects.filter(kind="provider"):
        assert daily.computed_through(org) == yesterday
        with tenant_scope(org):
            assert DayLine.objects.filter(day=yesterday).exists()
            assert BudgetDay.objects.filter(day=yesterday).exists()
            assert CareNotification.objects.filter(kind="start", status="sent").exists()
            assert set(Declaration.objects.values_list("status", flat=True)) == {"partly_rejected", "draft"}
