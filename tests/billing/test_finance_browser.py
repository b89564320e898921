"""Finance's main flow in a real browser (chromium): after the nightly run, make the
declaration of a month, validate it, submit it, and see the run ledger."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from billing import daily
from billing.models import CareNotification, DailyRun, Declaration
from clients.models import Client
from tests.billing.daily_data import FIRST, LAST, build_scenarios
from tests.factories import CareNotificationFactory
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("VPT_SHOTS", "")


@pytest.fixture
def provider(regional, zorgkantoor, tariffs):  # noqa: ANN001, ANN201
    build_scenarios(regional, zorgkantoor)
    with tenant_scope(regional):
        for client in Client.objects.filter(care_start__isnull=False):
            CareNotificationFactory(organization=regional, client=client, kind="start", date=client.care_start,
                                    status=CareNotification.Status.SENT, xml="<AW35/>", sent_at=timezone.now())
    daily.run_days(regional, FIRST, LAST, kind=DailyRun.Kind.NIGHTLY)
    return regional


def test_finance_declares_a_month_in_the_browser(live_server, browser, provider, make_persona):  # noqa: ANN001
    finance = make_persona(provider, Role.FINANCE)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                          "value": finance.client.cookies[settings.SESSION_COOKIE_NAME].value},
                         {"name": settings.LANGUAGE_COOKIE_NAME, "url": live_server.url, "value": "en"}])
    page = context.new_page()

    page.goto(f"{live_server.url}/financien/dagrun/")
    expect(page.get_by_text("30-04-2026").first).to_be_visible()  # computed through

    page.goto(f"{live_server.url}/financien/declaraties/")
    page.select_option("select[name=month]", "2026-03")
    page.get_by_role("button", name="Make declaration").click()
    expect(page.locator("h1")).to_contain_text("D2026-03-001")
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("main")).not_to_contain_text("not yet")  # validated
    expect(page.locator(".alert-error")).to_have_count(0)  # nothing blocks
    page.locator("#confirm-submit").check()
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.locator("main")).to_contain_text("Submitted")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/declaration-submitted.png", full_page=True)
    context.close()

    with tenant_scope(provider):
        declaration = Declaration.objects.filter(year=2026, month=3).first()
        assert declaration.status == Declaration.Status.SUBMITTED and declaration.total_debit > 0
        assert declaration.lines.filter(day_lines__isnull=False).exists()
