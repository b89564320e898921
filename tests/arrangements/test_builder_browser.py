"""The arrangement builder on a tablet, in a real chromium: a team manager creates a draft,
composes it with htmx (the budget fit updates without a page reload) and activates it."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from arrangements.models import MenuItem
from clients.models import Client
from tests.factories import (
    ClientFactory,
    ContractFactory,
    MembershipFactory,
    MenuItemFactory,
    OrganizationFactory,
    RegionFactory,
    TeamFactory,
    UserFactory,
    WlzIndicationFactory,
    ZorgkantoorFactory,
)
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope
from vpt.wlz.models import Tariff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("test-artifacts")


def setup_client() -> tuple[Client, MenuItem]:
    """A provider with a contract and an (illustrative) tariff for this year, a small menu
    card, and a 5VV client in care of Team Centrum, whose manager logs in."""
    year = timezone.localdate().year
    Tariff.objects.create(
        prestatiecode="V754B", description="VPT 5VV zonder behandeling, met dagbesteding",
        component=Tariff.Component.BASE, zorgprofiel="754", with_behandeling=False, with_dagbesteding=True,
        amount=Decimal("224.80"), valid_from=datetime.date(year, 1, 1), valid_to=datetime.date(year, 12, 31),
        source="test", is_illustrative=True,
    )
    zorgkantoor = ZorgkantoorFactory()
    org = OrganizationFactory(name="Thuiszorg Bouwen", region=RegionFactory(zorgkantoor=zorgkantoor))
    ContractFactory(organization=org, zorgkantoor=zorgkantoor, year=year, percentage=Decimal("96.50"))
    manager = MembershipFactory(user=UserFactory(username="tm@bouwen.test"), organization=org, role=Role.TEAM_MANAGER)
    team = TeamFactory(organization=org, name="Team Centrum", members=[manager])
    start = datetime.date(year, 1, 1)
    MenuItemFactory(organization=org, code="alarm", name="Personenalarmering", kind=MenuItem.Kind.PERSONAL_ALARM,
                    unit=MenuItem.Unit.PER_MONTH, function_level=None, cost_price=Decimal("36.50"), is_fixed=True,
                    active_from=start)
    care = MenuItemFactory(organization=org, code="care", name="Persoonlijke verzorging", unit=MenuItem.Unit.HOURS_PER_WEEK,
                    function_level=3, cost_price=Decimal("56.00"), active_from=start)
    client = ClientFactory(organization=org, primary_team=team, first_name="Truus", last_name="Visser")
    WlzIndicationFactory(organization=org, client=client, zorgprofiel="754", valid_from=datetime.date(year - 1, 1, 1))
    with tenant_scope(org):
        Client.objects.filter(pk=client.pk).update(status=Client.Status.IN_CARE, care_start=start)
    return client, care


def test_build_and_activate_an_arrangement_on_a_tablet(live_server, browser):  # noqa: ANN001
    client, care = setup_client()
    context = browser.new_context(viewport={"width": 768, "height": 1024})
    page = context.new_page()
    page.set_default_timeout(10_000)
    SHOTS.mkdir(exist_ok=True)

    page.goto(f"{live_server.url}/account/inloggen/")
    page.fill("#id_username", "tm@bouwen.test")
    page.fill("#id_password", "test-wachtwoord-123")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(lambda url: "inloggen" not in url)

    # 1. No arrangement yet: create a draft (valid from today, the default).
    page.goto(f"{live_server.url}/clienten/{client.pk}/arrangement/")
    expect(page.get_by_test_id("no-arrangement")).to_be_visible()
    page.get_by_test_id("create-draft").click()
    page.wait_for_url("**/bouwen/")
    expect(page.get_by_test_id("line-alarm")).to_be_visible()  # the fixed element is already there
    margin = page.get_by_test_id("margin")
    before = margin.inner_text()
    assert "215,73" in before  # 216.93 contracted - 1.20 for the alarm

    # 2. Add 30 hours of care with htmx: the margin changes without a page reload.
    page.evaluate("window.__marker = 'same page'")
    page.select_option("#id_menu_item", value=str(care.pk))
    page.fill("#id_quantity", "30")
    page.select_option("#id_delivered_by", value="team")
    page.get_by_test_id("add-line").click()
    expect(page.get_by_test_id("line-care")).to_be_visible()
    expect(margin).not_to_have_text(before)
    assert "-24,27" in margin.inner_text()  # 216.93 - 240.00 - 1.20
    expect(page.get_by_test_id("over-budget")).to_be_visible()
    assert page.evaluate("window.__marker") == "same page"
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    page.screenshot(path=str(SHOTS / "arrangement-builder-tablet.png"), full_page=True)

    # 3. Inline edit: 30 -> 20 hours, saved on change; within the tariff again.
    quantity = page.get_by_test_id("line-care").locator("input[name$='-quantity']")
    quantity.fill("20")
    quantity.press("Tab")
    expect(page.get_by_test_id("over-budget")).to_have_count(0)
    assert "55,73" in margin.inner_text()  # 216.93 - 160.00 - 1.20
    assert page.evaluate("window.__marker") == "same page"

    # 4. Activate.
    page.get_by_test_id("to-activate").click()
    page.wait_for_url("**/activeren/")
    page.get_by_test_id("activate").click()
    page.wait_for_url(f"**/clienten/{client.pk}/arrangement/")
    assert page.get_by_test_id("status").get_attribute("data-status") == "active"
    expect(page.get_by_test_id("line-care")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    page.screenshot(path=str(SHOTS / "arrangement-detail-tablet.png"), full_page=True)
    context.close()
