"""The provider's report pages: list, make a report, the report page, and the POST actions
(recompute, delete, submit, resubmit, answer a comment) through the real services —
permissions, tenant isolation, and the refusals shown as clear messages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation

from reports.models import ProviderReport, ReportComment, ReportEvent, ReportVersion
from tests.conftest import Persona
from tests.factories import (
    ContractFactory,
    DailyRunFactory,
    ProviderReportFactory,
    RegionFactory,
    ReportCommentFactory,
    ReportVersionFactory,
    ZorgkantoorFactory,
)
from tests.reports.samples import sample_figures
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

S = ProviderReport.Status
LAST_YEAR = timezone.localdate().year - 1  # its quarters have all ended
NEXT_YEAR = timezone.localdate().year + 1  # none of its quarters has ended
POST_ONLY = ["reports:recompute", "reports:delete", "reports:submit", "reports:resubmit"]


@pytest.fixture(autouse=True)
def english(settings):  # noqa: ANN001, ANN201
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def english_ui(persona: Persona) -> Persona:
    persona.client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return persona


@pytest.fixture
def zorgkantoor(db):  # noqa: ANN001, ANN201
    return ZorgkantoorFactory(name="Zorgkantoor Haaglanden")


@pytest.fixture
def provider(org_a, zorgkantoor):  # noqa: ANN001, ANN201
    org_a.region = RegionFactory(zorgkantoor=zorgkantoor)
    org_a.save(update_fields=["region"])
    return org_a


@pytest.fixture
def contract(provider, zorgkantoor):  # noqa: ANN001, ANN201
    return ContractFactory(organization=provider, zorgkantoor=zorgkantoor, year=LAST_YEAR)


@pytest.fixture
def finance(provider, make_persona) -> Persona:  # noqa: ANN001
    return english_ui(make_persona(provider, Role.FINANCE))


@pytest.fixture
def draft(provider, contract):  # noqa: ANN001, ANN201
    return ProviderReportFactory(organization=provider, contract=contract, status=S.DRAFT, submitted_at=None,
                                 status_changed_at=None)


@pytest.fixture
def in_clarification(provider, contract):  # noqa: ANN001, ANN201
    """A report the zorgkantoor sent back with one question on the production section."""
    report = ProviderReportFactory(organization=provider, contract=contract, quarter=2, status=S.CLARIFICATION)
    ReportVersionFactory(organization=provider, report=report, number=1)
    comment = ReportCommentFactory(organization=provider, report=report, section="production",
                                   body="Why did the client-days drop in May?")
    return report, comment


@pytest.fixture
def foreign_report(org_b):  # noqa: ANN001, ANN201
    zk = ZorgkantoorFactory(name="Zorgkantoor Bravo-Noord")
    contract = ContractFactory(organization=org_b, zorgkantoor=zk, year=LAST_YEAR)
    report = ProviderReportFactory(organization=org_b, contract=contract, status=S.CLARIFICATION)
    ReportVersionFactory(organization=org_b, report=report, number=1)
    comment = ReportCommentFactory(organization=org_b, report=report)
    return report, comment


def flash(response) -> list[str]:  # noqa: ANN001
    """The messages this request added (earlier ones wait in the cookie until a page shows them)."""
    return [str(m) for m in get_messages(response.wsgi_request)._queued_messages]


def computed_through(org, last: dt.date) -> None:  # noqa: ANN001
    DailyRunFactory(organization=org, first_day=dt.date(LAST_YEAR, 1, 1), last_day=last)


# --- access ------------------------------------------------------------------------------


def test_list_shows_own_reports_only(finance, draft, in_clarification, foreign_report):  # noqa: ANN001
    response = finance.client.get(reverse("reports:list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-report="{draft.pk}"' in body and f'data-report="{in_clarification[0].pk}"' in body
    assert f'data-report="{foreign_report[0].pk}"' not in body
    assert "Zorgkantoor Haaglanden" in body and "Zorgkantoor Bravo-Noord" not in body
    assert "Clarification requested" in body and reverse("reports:create") in body


def test_list_filters_on_status_and_year(finance, draft, in_clarification):  # noqa: ANN001
    body = finance.client.get(reverse("reports:list"), {"status": "draft"}).content.decode()
    assert f'data-report="{draft.pk}"' in body and f'data-report="{in_clarification[0].pk}"' not in body
    body = finance.client.get(reverse("reports:list"), {"year": LAST_YEAR + 1}).content.decode()
    assert f'data-report="{draft.pk}"' in body  # not a year of any report: the filter is ignored
    body = finance.client.get(reverse("reports:list"), {"year": LAST_YEAR, "status": "clarification"},
                              headers={"HX-Request": "true"}).content.decode()
    assert f'data-report="{in_clarification[0].pk}"' in body and "<html" not in body


def test_list_paginates(finance, provider, contract):  # noqa: ANN001
    for year in range(LAST_YEAR - 7, LAST_YEAR):
        other = ContractFactory(organization=provider, zorgkantoor=contract.zorgkantoor, year=year)
        for quarter in (1, 2, 3, 4):
            ProviderReportFactory(organization=provider, contract=other, quarter=quarter, status=S.DRAFT)
    body = finance.client.get(reverse("reports:list")).content.decode()
    assert body.count("data-report=") == 25 and "Page 1 of 2" in body
    assert finance.client.get(reverse("reports:list"), {"page": 2}).content.decode().count("data-report=") == 3


@pytest.mark.parametrize("extra", [0, 30])
def test_list_query_count_does_not_grow(finance, provider, contract, extra, django_assert_max_num_queries):  # noqa: ANN001
    for i in range(extra):
        other = ContractFactory(organization=provider, zorgkantoor=contract.zorgkantoor, year=LAST_YEAR - 1 - i)
        ProviderReportFactory(organization=provider, contract=other, status=S.DRAFT)
    with django_assert_max_num_queries(16):
        assert finance.client.get(reverse("reports:list")).status_code == 200


def test_another_providers_report_is_404(finance, foreign_report):  # noqa: ANN001
    report, comment = foreign_report
    assert finance.client.get(reverse("reports:detail", args=[report.pk])).status_code == 404
    for name in POST_ONLY:
        assert finance.client.post(reverse(name, args=[report.pk]), {"message": "x"}).status_code == 404, name
    url = reverse("reports:comment_answer", args=[report.pk, comment.pk])
    assert finance.client.post(url, {"body": "x"}).status_code == 404
    with tenant_scope(report.organization):
        assert not ReportComment.objects.filter(side="provider").exists()


def test_guessed_comment_id_is_404(finance, in_clarification, foreign_report):  # noqa: ANN001
    report, _comment = in_clarification
    url = reverse("reports:comment_answer", args=[report.pk, foreign_report[1].pk])
    assert finance.client.post(url, {"body": "x"}).status_code == 404


def test_coach_gets_403(provider, make_persona, draft):  # noqa: ANN001
    coach = make_persona(provider, Role.CLIENT_COACH)
    for url in (reverse("reports:list"), reverse("reports:create"), reverse("reports:detail", args=[draft.pk])):
        assert coach.client.get(url).status_code == 403, url
    assert coach.client.post(reverse("reports:delete", args=[draft.pk])).status_code == 403


def test_zorgkantoor_user_gets_404_on_the_provider_pages(zorgkantoor, make_persona, in_clarification):  # noqa: ANN001
    zk_admin = make_persona(zorgkantoor, Role.ADMIN)  # holds SUBMIT_REPORTS, but is no provider
    report, comment = in_clarification
    for url in (reverse("reports:list"), reverse("reports:create"), reverse("reports:detail", args=[report.pk])):
        assert zk_admin.client.get(url).status_code == 404, url
    assert zk_admin.client.post(reverse("reports:comment_answer", args=[report.pk, comment.pk]),
                                {"body": "x"}).status_code == 404
    reviewer = make_persona(zorgkantoor, Role.ZK_REVIEWER)  # no SUBMIT_REPORTS: still 404, not 403
    assert reviewer.client.get(reverse("reports:list")).status_code == 404
    assert reviewer.client.get(reverse("reports:detail", args=[report.pk])).status_code == 404
    assert reviewer.client.post(reverse("reports:resubmit", args=[report.pk]), {"message": "x"}).status_code == 404


@pytest.mark.parametrize("name", POST_ONLY)
def test_actions_are_post_only(finance, draft, name):  # noqa: ANN001
    assert finance.client.get(reverse(name, args=[draft.pk])).status_code == 405


def test_comment_answer_is_post_only(finance, in_clarification):  # noqa: ANN001
    report, comment = in_clarification
    assert finance.client.get(reverse("reports:comment_answer", args=[report.pk, comment.pk])).status_code == 405


# --- create ------------------------------------------------------------------------------


def test_create_form_offers_own_contracts(finance, contract, foreign_report):  # noqa: ANN001
    body = finance.client.get(reverse("reports:create")).content.decode()
    assert f"Zorgkantoor Haaglanden {LAST_YEAR}" in body
    assert "Zorgkantoor Bravo-Noord" not in body and "Whole year" in body


def test_create_makes_a_draft(finance, contract):  # noqa: ANN001
    response = finance.client.post(reverse("reports:create"), {"contract": contract.pk, "period": "2"})
    with tenant_scope(finance.organization):
        report = ProviderReport.objects.get(organization=finance.organization)
    assert response.status_code == 302 and response.url == reverse("reports:detail", args=[report.pk])
    assert (report.status, report.kind, report.year, report.quarter) == (S.DRAFT, "quarter", LAST_YEAR, 2)
    assert report.draft_figures["schema"] == 1 and report.draft_computed_at is not None


def test_create_whole_year(finance, contract):  # noqa: ANN001
    finance.client.post(reverse("reports:create"), {"contract": contract.pk, "period": "year"})
    with tenant_scope(finance.organization):
        report = ProviderReport.objects.get(organization=finance.organization)
    assert (report.kind, report.quarter) == ("year", None)


def test_create_shows_a_clear_error_for_a_duplicate_period(finance, contract, draft):  # noqa: ANN001
    response = finance.client.post(reverse("reports:create"), {"contract": contract.pk, "period": str(draft.quarter)})
    assert response.status_code == 200
    assert "There is already a report for this period and zorgkantoor; open it instead." in response.content.decode()
    with tenant_scope(finance.organization):
        assert ProviderReport.objects.count() == 1


def test_create_refuses_another_providers_contract(finance, contract, foreign_report):  # noqa: ANN001
    response = finance.client.post(reverse("reports:create"),
                                   {"contract": foreign_report[0].contract_id, "period": "1"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    with tenant_scope(finance.organization):
        assert not ProviderReport.objects.filter(organization=finance.organization).exists()


# --- the report page -----------------------------------------------------------------------


def test_draft_page_shows_the_draft_and_why_it_cannot_be_submitted(finance, provider, contract):  # noqa: ANN001
    report = ProviderReportFactory(organization=provider, contract=contract, status=S.DRAFT, quarter=4,
                                   submitted_at=None)
    body = finance.client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "Draft — not yet submitted" in body
    assert reverse("reports:recompute", args=[report.pk]) in body and reverse("reports:delete", args=[report.pk]) in body
    assert "The daily run has not computed the whole period yet" in body
    assert 'data-testid="submission-problems"' in body and "disabled" in body


def test_draft_page_without_problems_enables_submit(finance, provider, draft):  # noqa: ANN001
    computed_through(provider, dt.date(LAST_YEAR, 12, 31))
    body = finance.client.get(reverse("reports:detail", args=[draft.pk])).content.decode()
    assert 'data-testid="submission-problems"' not in body
    assert reverse("reports:submit", args=[draft.pk]) in body


def test_version_switcher(finance, provider, contract):  # noqa: ANN001
    report = ProviderReportFactory(organization=provider, contract=contract, status=S.RESUBMITTED)
    ReportVersionFactory(organization=provider, report=report, number=1,
                         figures=sample_figures(year=LAST_YEAR, provider="Eerste versie"))
    ReportVersionFactory(organization=provider, report=report, number=2)
    url = reverse("reports:detail", args=[report.pk])
    body = finance.client.get(url).content.decode()
    assert "Version 2" in body and "?v=1" in body and "You are looking at version" not in body
    assert reverse("reports:pdf", args=[report.pk]) + "?v=2" in body
    body = finance.client.get(url, {"v": 1}).content.decode()
    assert "Version 1" in body and "You are looking at version 1; the latest version is 2." in body
    assert finance.client.get(url, {"v": 9}).status_code == 404
    assert finance.client.get(url, {"v": "x"}).status_code == 404


def test_clarification_page_shows_the_open_comment_and_answer_form(finance, in_clarification):  # noqa: ANN001
    report, comment = in_clarification
    body = finance.client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "Why did the client-days drop in May?" in body
    assert "The zorgkantoor has 1 comment waiting for your answer." in body
    assert reverse("reports:comment_answer", args=[report.pk, comment.pk]) in body
    assert reverse("reports:resubmit", args=[report.pk]) in body
    assert "Recompute the figures from current data" in body


# --- actions -----------------------------------------------------------------------------


def test_recompute_a_draft(finance, draft):  # noqa: ANN001
    before = draft.draft_computed_at
    response = finance.client.post(reverse("reports:recompute", args=[draft.pk]))
    assert response.url == reverse("reports:detail", args=[draft.pk])
    assert flash(response) == ["The figures have been computed again from the current data."]
    with tenant_scope(draft.organization):
        draft.refresh_from_db()
    assert draft.draft_computed_at > before


def test_delete_only_drafts(finance, draft, in_clarification):  # noqa: ANN001
    response = finance.client.post(reverse("reports:delete", args=[draft.pk]))
    assert response.url == reverse("reports:list")
    report, _comment = in_clarification
    response = finance.client.post(reverse("reports:delete", args=[report.pk]))
    assert response.url == reverse("reports:detail", args=[report.pk])
    assert flash(response) == ["Only a draft can be deleted; a submitted report stays."]
    with tenant_scope(finance.organization):
        assert list(ProviderReport.objects.values_list("pk", flat=True)) == [report.pk]


def test_submit_refused_before_the_period_ends(finance, provider, zorgkantoor):  # noqa: ANN001
    contract = ContractFactory(organization=provider, zorgkantoor=zorgkantoor, year=NEXT_YEAR)
    report = ProviderReportFactory(organization=provider, contract=contract, status=S.DRAFT, submitted_at=None)
    response = finance.client.post(reverse("reports:submit", args=[report.pk]), {"message": ""})
    assert response.url == reverse("reports:detail", args=[report.pk])
    assert "The period has not ended yet" in flash(response)[0]
    with tenant_scope(provider):
        report.refresh_from_db()
        assert report.status == S.DRAFT and not report.versions.exists()


def test_submit_freezes_version_1(finance, provider, draft):  # noqa: ANN001
    computed_through(provider, dt.date(LAST_YEAR, 12, 31))
    response = finance.client.post(reverse("reports:submit", args=[draft.pk]), {"message": "Alles compleet."})
    assert flash(response) == ["The report has been submitted to Zorgkantoor Haaglanden as version 1."]
    with tenant_scope(provider):
        draft.refresh_from_db()
        assert draft.status == S.SUBMITTED
        version = ReportVersion.objects.get(report=draft)
        assert (version.number, version.message) == (1, "Alles compleet.")
        assert version.figures == draft.draft_figures
    body = finance.client.get(reverse("reports:detail", args=[draft.pk])).content.decode()
    assert "Version 1" in body and "Alles compleet." in body and version.figures_sha256[:12] in body


def test_answer_a_comment(finance, in_clarification):  # noqa: ANN001
    report, comment = in_clarification
    url = reverse("reports:comment_answer", args=[report.pk, comment.pk])
    response = finance.client.post(url, {"body": "  "})
    assert flash(response) == ["Write a comment."]
    response = finance.client.post(url, {"body": "Two clients moved to a nursing home."})
    assert response.url == reverse("reports:detail", args=[report.pk]) + "#section-production"
    assert flash(response) == ["Your answer has been saved."]
    with tenant_scope(finance.organization):
        answer = ReportComment.objects.get(answers=comment)
        assert (answer.side, answer.section, answer.body) == ("provider", "production",
                                                              "Two clients moved to a nursing home.")
        assert ReportEvent.objects.filter(report=report, action="answered").exists()
    response = finance.client.post(url, {"body": "Once more"})
    assert flash(response) == ["This comment has already been answered."]


def test_resubmit_needs_every_comment_answered(finance, in_clarification):  # noqa: ANN001
    report, comment = in_clarification
    url = reverse("reports:resubmit", args=[report.pk])
    response = finance.client.post(url, {"message": "Toegelicht."})
    assert flash(response) == ["Answer every comment of the zorgkantoor first (1 open)."]
    with tenant_scope(finance.organization):
        report.refresh_from_db()
        assert report.status == S.CLARIFICATION and report.versions.count() == 1

    finance.client.post(reverse("reports:comment_answer", args=[report.pk, comment.pk]), {"body": "Verhuisd."})
    response = finance.client.post(url, {"message": ""})
    assert flash(response) == ["Tell the zorgkantoor what you clarified or changed."]

    response = finance.client.post(url, {"message": "Toegelicht in de opmerking."})
    assert response.url == reverse("reports:detail", args=[report.pk])
    assert flash(response) == ["The report has been resubmitted to Zorgkantoor Haaglanden as version 2."]
    with tenant_scope(finance.organization):
        report.refresh_from_db()
        assert report.status == S.RESUBMITTED
        first, second = ReportVersion.objects.filter(report=report).order_by("number")
        assert second.number == 2 and second.message == "Toegelicht in de opmerking."
        assert second.figures == first.figures and second.figures_sha256 == first.figures_sha256
        assert ReportEvent.objects.filter(report=report, action="resubmitted").exists()
