"""The coach's Today view on a tablet, in a real chromium: one tap confirms a planned visit,
a few taps register an unplanned one for another client; nothing scrolls sideways on a
tablet or a phone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from arrangements.models import MenuItem
from teams import services
from teams.models import Visit
from tests.factories import (
    PASSWORD,
    EmployeeFactory,
    MembershipFactory,
    MenuItemFactory,
    OrganizationFactory,
    TeamFactory,
    UserFactory,
)
from tests.teams.conftest import make_client_in_care
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("test-artifacts")
AMS = ZoneInfo("Europe/Amsterdam")


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def setup_day(today: dt.date):  # noqa: ANN201
    """A coach of Team Oost with an employee record, two of her clients in care (one with
    a visit planned at 09:00, 45 minutes) and a third with a planned visit by nobody else."""
    org = OrganizationFactory(name="Thuiszorg Vandaag")
    user = UserFactory(username="coach@vandaag.test", first_name="Cora", last_name="Coach")
    coach = MembershipFactory(user=user, organization=org, role=Role.CLIENT_COACH)
    team = TeamFactory(organization=org, name="Team Oost", members=[coach])
    employee = EmployeeFactory(organization=org, team=team, membership=coach, first_name="Cora", last_name="Coach",
                               role="client_coach", function_level=3)
    menu = {
        "personal-care": MenuItemFactory(organization=org, code="personal-care", name="Persoonlijke verzorging",
                                         kind=MenuItem.Kind.PERSONAL_CARE, function_level=2),
        "support": MenuItemFactory(organization=org, code="support", name="Begeleiding",
                                   kind=MenuItem.Kind.SUPPORT, function_level=3, cost_price=Decimal("58.00")),
        "alarm": MenuItemFactory(organization=org, code="alarm", name="Persoonsalarmering",
                                 kind=MenuItem.Kind.PERSONAL_ALARM, unit=MenuItem.Unit.PER_MONTH, function_level=None,
                                 cost_price=Decimal("30.00"), is_fixed=True),
    }
    me = SimpleNamespace(membership=coach)
    planned_for = make_client_in_care(org, team, menu, today, coach=me, first_name="Truus", last_name="de Vries")
    unplanned_for = make_client_in_care(org, team, menu, today, coach=me, first_name="Henk", last_name="Bakker")
    with tenant_scope(org):
        visit = services.visit_create(acting=coach, client=planned_for, employee=employee, date=today,
                                      start=dt.time(9, 0), duration_minutes=45, delivered=False,
                                      activities=["personal-care"])
    return org, employee, visit, planned_for, unplanned_for


def test_confirm_and_register_on_a_tablet(live_server, browser):  # noqa: ANN001
    today = timezone.localdate()
    # 14:00 today for the server (the visit at 09:00 has taken place); the clock runs on.
    with time_machine.travel(dt.datetime.combine(today, dt.time(14, 0), tzinfo=AMS), tick=True):
        org, employee, visit, planned_for, unplanned_for = setup_day(today)
        context = browser.new_context(viewport={"width": 768, "height": 1024}, locale="nl-NL")
        page = context.new_page()
        page.set_default_timeout(10_000)
        SHOTS.mkdir(exist_ok=True)

        page.goto(f"{live_server.url}/account/inloggen/")
        page.fill("#id_username", "coach@vandaag.test")
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_url(lambda url: "inloggen" not in url)

        page.goto(f"{live_server.url}/vandaag/")
        card = page.get_by_test_id(f"card-{planned_for.pk}")
        expect(card).to_be_visible()
        expect(card.get_by_text("Boodschappen doen")).to_be_visible()  # the task division
        expect(page.get_by_test_id("planned-count")).to_have_text("1")
        assert no_sideways_scroll(page)
        page.screenshot(path=str(SHOTS / "today-tablet.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})  # a phone, with the forms open
        card.locator("summary").click()
        assert no_sideways_scroll(page)
        page.screenshot(path=str(SHOTS / "today-phone-planned.png"), full_page=True)
        page.set_viewport_size({"width": 768, "height": 1024})

        # 1. One tap: delivered, as planned. Only the card changes (no page load).
        page.evaluate("window.__marker = 'same page'")
        deliver = page.get_by_test_id(f"deliver-{visit.pk}")
        assert deliver.bounding_box()["height"] >= 44
        deliver.click()
        expect(page.get_by_test_id(f"visit-{visit.pk}")).to_have_attribute("data-status", "delivered")
        expect(page.get_by_test_id("planned-count")).to_have_text("0")
        expect(page.get_by_test_id("delivered-time")).to_contain_text("0:45")
        assert page.evaluate("window.__marker") == "same page"

        # 2. Register an unplanned visit of 60 minutes for the other client, with an activity.
        page.get_by_test_id("others").locator("summary").click()
        page.get_by_test_id(f"register-{unplanned_for.pk}").click()
        form = page.get_by_test_id("register-form")
        expect(form).to_be_visible()
        form.locator("label.chip", has_text="60").click()
        form.locator("label.check", has_text="Begeleiding").click()
        form.locator("input[name='note']").fill("Samen boodschappen gedaan")
        assert no_sideways_scroll(page)
        page.screenshot(path=str(SHOTS / "today-register-tablet.png"), full_page=True)
        page.get_by_test_id("register-submit").click()
        other_card = page.get_by_test_id(f"card-{unplanned_for.pk}")
        expect(other_card.locator("[data-status='delivered']")).to_have_count(1)
        expect(page.get_by_test_id("register-form")).to_have_count(0)
        expect(page.get_by_test_id("delivered-time")).to_contain_text("1:45")
        assert page.evaluate("window.__marker") == "same page"

        with tenant_scope(org):
            visit.refresh_from_db()
            assert (visit.status, visit.duration_minutes, visit.activities) == (
                Visit.Status.DELIVERED, 45, ["personal-care"])
            [registered] = Visit.objects.filter(client=unplanned_for)
            assert registered.status == Visit.Status.DELIVERED and registered.employee_id == employee.pk
            assert (registered.date, registered.duration_minutes) == (today, 60)
            assert registered.activities == ["support"] and registered.note == "Samen boodschappen gedaan"
            assert registered.start <= dt.time(13, 0)  # ended just now: about 14:00 minus an hour

        # 3. After a reload, the day as saved; and on a phone nothing scrolls sideways either.
        page.reload()
        expect(page.get_by_test_id(f"card-{unplanned_for.pk}")).to_be_visible()
        assert no_sideways_scroll(page)
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        expect(page.get_by_test_id(f"card-{planned_for.pk}")).to_be_visible()
        assert no_sideways_scroll(page)
        page.screenshot(path=str(SHOTS / "today-phone.png"), full_page=True)
        context.close()

