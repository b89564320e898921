"""The review round trip in a real browser (chromium), as the two parties use it: a
zorgkantoor reviewer opens a submitted report from the inbox, starts the review and asks
for clarification on a section; the provider's finance user answers the comment and
resubmits; the reviewer sees the answer and the new version."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from playwright.sync_api import expect

from reports.models import ProviderReport, ReportEvent, ReportVersion
from tests.factories import (
    ContractFactory,
    ProviderReportFactory,
    ReportEventFactory,
    ReportVersionFactory,
    ZorgkantoorFactory,
)
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("VPT_SHOTS", "")


def open_as(browser, live_server, persona, *, width: int = 1280, height: int = 900):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                          "value": persona.client.cookies[settings.SESSION_COOKIE_NAME].value},
                         {"name": settings.LANGUAGE_COOKIE_NAME, "url": live_server.url, "value": "en"}])
    return context


def test_reviewer_asks_for_clarification_and_the_provider_resubmits(live_server, browser, org_a, make_persona):  # noqa: ANN001
    zk = ZorgkantoorFactory(name="Zorgkantoor Regio A")
    contract = ContractFactory(organization=org_a, zorgkantoor=zk)
    report = ProviderReportFactory(organization=org_a, contract=contract, quarter=3)
    ReportVersionFactory(organization=org_a, report=report, number=1, message="Q3 zoals afgesproken")
    ReportEventFactory(organization=org_a, report=report)
    reviewer = make_persona(zk, Role.ZK_REVIEWER)
    finance = make_persona(org_a, Role.FINANCE)

    # The reviewer: inbox → report → start review → ask about the production section.
    context = open_as(browser, live_server, reviewer)
    page = context.new_page()
    page.goto(f"{live_server.url}/zorgkantoor/")
    page.get_by_role("link", name=org_a.name).click()
    expect(page.locator("h1")).to_contain_text("Q3 2026")
    expect(page.locator("#section-production")).to_contain_text("362,930.00")  # the frozen figures
    page.get_by_role("button", name="Start review").click()
    clarify = page.get_by_test_id("clarify-form")
    clarify.locator("select[name=section]").select_option("production")
    clarify.locator("textarea[name=body]").fill("Waarom ligt 5VV onder de afspraak?")
    clarify.get_by_role("button", name="Send back to the provider").click()
    expect(page.get_by_test_id("waiting-provider")).to_be_visible()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/zk-report-clarification.png", full_page=True)
    context.close()

    # The provider: the report asks for an answer; answer it, then resubmit.
    context = open_as(browser, live_server, finance, width=768, height=1024)  # on a tablet
    page = context.new_page()
    page.goto(f"{live_server.url}/rapportages/")
    page.get_by_role("link", name="Q3 2026").first.click()
    expect(page.get_by_test_id("clarification")).to_contain_text("1 comment waiting")
    section = page.locator("#section-production")
    expect(section).to_contain_text("Waarom ligt 5VV onder de afspraak?")
    section.locator("textarea[name=body]").fill("Twee cliënten verhuisden in augustus naar een verpleeghuis.")
    section.get_by_role("button", name="Send answer").click()
    expect(page.get_by_test_id("clarification")).to_contain_text("Every comment has been answered")
    page.locator("textarea[name=message]").fill("Toelichting bij de productie gegeven.")
    page.get_by_role("button", name="Resubmit").click()
    expect(page.locator("main")).to_contain_text("Resubmitted")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/provider-report-resubmitted-tablet.png", full_page=True)
    context.close()

    # The reviewer sees the answer, version 2 and the history.
    context = open_as(browser, live_server, reviewer)
    page = context.new_page()
    page.goto(f"{live_server.url}/zorgkantoor/rapportages/{report.pk}/")
    expect(page.locator("#section-production")).to_contain_text("verhuisden in augustus")
    expect(page.locator("main")).to_contain_text("Resubmitted")
    page.get_by_role("button", name="Start review").click()
    page.get_by_test_id("approve-form").get_by_role("button", name="Approve report").click()
    expect(page.get_by_test_id("approved")).to_be_visible()
    context.close()

    with tenant_scope(org_a):
        assert ProviderReport.objects.get(pk=report.pk).status == ProviderReport.Status.APPROVED
        assert list(ReportVersion.objects.filter(report=report).values_list("number", flat=True)) == [1, 2]
        actions = list(ReportEvent.objects.filter(report=report).values_list("action", flat=True))
    A = ReportEvent.Action
    assert actions == [A.SUBMITTED, A.REVIEW_STARTED, A.COMMENTED, A.CLARIFICATION, A.ANSWERED, A.RESUBMITTED,
                       A.REVIEW_STARTED, A.APPROVED]
