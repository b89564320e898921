"""The zorgkantoor's pages: inbox, report page with the review actions, comparison, region
overview with exports, contracts. The zorgkantoor sees only reports addressed to it that
are not drafts; every other report is 404."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports import services
from reports.models import ProviderReport, ReportComment, ReportEvent
from tests.factories import (
    ContractFactory,
    OrganizationFactory,
    ProviderReportFactory,
    RegionFactory,
    ReportVersionFactory,
    ZorgkantoorFactory,
)
from tests.reports.samples import sample_figures
from vpt.tenancy.models import Contract
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

S = ProviderReport.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def zk_org():  # noqa: ANN201
    return ZorgkantoorFactory(name="Zorgkantoor Haaglanden")


@pytest.fixture
def reviewer(zk_org, make_persona):  # noqa: ANN001, ANN201
    return make_persona(zk_org, Role.ZK_REVIEWER)


def submitted(provider, zk, *, year=2026, quarter=3, status=S.SUBMITTED, figures=None, contract=None):  # noqa: ANN001, ANN201
    """A provider's report to `zk` with version 1 (no version for a draft)."""
    contract = contract or ContractFactory(organization=provider, zorgkantoor=zk, year=year)
    figures = figures or sample_figures(provider=provider.name, year=year, quarter=quarter)
    report = ProviderReportFactory(organization=provider, contract=contract, year=year, quarter=quarter,
                                   kind="quarter" if quarter else "year", status=status, draft_figures=figures)
    if status != S.DRAFT:
        ReportVersionFactory(organization=provider, report=report, number=1, figures=figures,
                             message="Toelichting bij Q3")
    return report


def detail_url(report: ProviderReport) -> str:
    return reverse("zk:detail", args=[report.pk])


def events(report: ProviderReport) -> list[str]:
    with tenant_scope(report.organization):
        return list(ReportEvent.objects.filter(report_id=report.pk).order_by("at", "pk").values_list("action", flat=True))


def status_of(report: ProviderReport) -> str:
    with tenant_scope(report.organization):
        return ProviderReport.objects.get(pk=report.pk).status


# --------------------------------------------------------------------------- inbox and access


def test_inbox_lists_only_reports_addressed_here_and_no_drafts(zk_org, reviewer):  # noqa: ANN001
    mine = submitted(OrganizationFactory(name="Zorg Eigen"), zk_org)
    draft = submitted(OrganizationFactory(name="Zorg Concept"), zk_org, status=S.DRAFT)
    other = submitted(OrganizationFactory(name="Zorg Elders"), ZorgkantoorFactory())
    response = reviewer.client.get(reverse("zk:inbox"))
    assert response.status_code == 200
    body = response.content.decode().split('id="results"')[1]  # the provider filter lists contracts
    assert "Zorg Eigen" in body and detail_url(mine) in body
    assert "Zorg Concept" not in body and detail_url(draft) not in body
    assert "Zorg Elders" not in body and detail_url(other) not in body

    # The "all" tab shows handled reports too; waiting is the default.
    approved = submitted(OrganizationFactory(name="Zorg Klaar"), zk_org, status=S.APPROVED)
    assert detail_url(approved) not in reviewer.client.get(reverse("zk:inbox")).content.decode()
    body = reviewer.client.get(reverse("zk:inbox"), {"tab": "all"}).content.decode()
    assert detail_url(approved) in body and detail_url(mine) in body


def test_inbox_filters(zk_org, reviewer):  # noqa: ANN001
    a = submitted(OrganizationFactory(name="Zorg Alfa", agb_code="01011111"), zk_org)
    b = submitted(OrganizationFactory(name="Zorg Beta", agb_code="02022222"), zk_org, quarter=2)
    url = reverse("zk:inbox")
    body = reviewer.client.get(url, {"tab": "all", "q": "02022"}).content.decode()
    assert detail_url(b) in body and detail_url(a) not in body
    body = reviewer.client.get(url, {"tab": "all", "quarter": "3"}).content.decode()
    assert detail_url(a) in body and detail_url(b) not in body
    body = reviewer.client.get(url, {"tab": "all", "provider": str(b.organization_id)}).content.decode()
    assert detail_url(b) in body and detail_url(a) not in body
    body = reviewer.client.get(url, {"tab": "all", "status": "approved"}).content.decode()
    assert detail_url(a) not in body and detail_url(b) not in body


def test_inbox_paginates(zk_org, reviewer):  # noqa: ANN001
    for i in range(27):
        submitted(OrganizationFactory(name=f"Zorg {i:02d}"), zk_org)
    first = reviewer.client.get(reverse("zk:inbox"))
    assert first.content.decode().count('data-report="') == 25
    second = reviewer.client.get(reverse("zk:inbox"), {"page": 2})
    assert second.content.decode().count('data-report="') == 2


def test_detail_404_for_other_zorgkantoor_draft_and_guessed_id(zk_org, reviewer):  # noqa: ANN001
    other = submitted(OrganizationFactory(), ZorgkantoorFactory())
    draft = submitted(OrganizationFactory(), zk_org, status=S.DRAFT)
    assert reviewer.client.get(detail_url(other)).status_code == 404
    assert reviewer.client.get(detail_url(draft)).status_code == 404
    assert reviewer.client.get(reverse("zk:detail", args=[999_999])).status_code == 404
    # Nor can it act on them.
    assert reviewer.client.post(reverse("zk:start_review", args=[other.pk])).status_code == 404
    assert reviewer.client.post(reverse("zk:comment_add", args=[draft.pk]),
                                {"section": "general", "body": "x"}).status_code == 404
    assert status_of(other) == S.SUBMITTED


def test_provider_users_get_404_on_zorgkantoor_pages(zk_org, org_a, admin_a, make_persona):  # noqa: ANN001
    report = submitted(org_a, zk_org)
    finance = make_persona(org_a, Role.FINANCE)
    for persona in (admin_a, finance):
        for url in (reverse("zk:inbox"), detail_url(report), reverse("zk:region"), reverse("zk:compare"),
                    reverse("zk:contracts"), reverse("zk:region_export") + "?format=csv"):
            assert persona.client.get(url).status_code == 404, url
        assert persona.client.post(reverse("zk:approve", args=[report.pk])).status_code == 404


def test_actions_are_post_only(zk_org, reviewer):  # noqa: ANN001
    report = submitted(OrganizationFactory(), zk_org)
    for name in ("start_review", "approve", "clarify", "comment_add"):
        assert reviewer.client.get(reverse(f"zk:{name}", args=[report.pk])).status_code == 405


# --------------------------------------------------------------------------- the report page and the workflow


def test_detail_shows_the_version(zk_org, reviewer):  # noqa: ANN001
    report = submitted(OrganizationFactory(name="Zorg Detail", agb_code="12121212"), zk_org)
    response = reviewer.client.get(detail_url(report))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Zorg Detail" in body and "12121212" in body
    assert "Toelichting bij Q3" in body
    for key in ("clients", "production", "flow", "hours", "mantelzorg", "alarms", "respite", "general"):
        assert f'id="section-{key}"' in body
    assert "5VV" in body and "6VV" in body
    assert 'data-testid="hours-chart"' in body and 'data-testid="production-chart"' in body
    with tenant_scope(report.organization):
        version = report.versions.get()
    assert version.data_version in body
    assert reverse("zk:start_review", args=[report.pk]) in body
    assert f'{reverse("zk:pdf", args=[report.pk])}?v=1' in body


def test_version_switcher(zk_org, reviewer):  # noqa: ANN001
    report = submitted(OrganizationFactory(), zk_org, status=S.RESUBMITTED)
    figures = sample_figures(year=2026, quarter=3)
    figures["respite"]["nights"] = 4242
    ReportVersionFactory(organization=report.organization, report=report, number=2, figures=figures,
                         message="Tweede versie")
    latest = reviewer.client.get(detail_url(report)).content.decode()
    assert "4242" in latest and "Tweede versie" in latest
    first = reviewer.client.get(detail_url(report), {"v": 1}).content.decode()
    assert "4242" not in first and 'data-testid="old-version"' in first
    assert reviewer.client.get(detail_url(report), {"v": 9}).status_code == 404


def test_partial_figures_do_not_crash(zk_org, reviewer):  # noqa: ANN001
    figures = {"schema": 1, "profiles": [], "clients": {"rows": [{"profile": "754"}]},
               "production": {"year": {}}, "hours": {"rows": [{"profile": "754", "planned_per_week": None}]}}
    report = submitted(OrganizationFactory(), zk_org, figures=figures)
    assert reviewer.client.get(detail_url(report)).status_code == 200
    report2 = submitted(OrganizationFactory(), zk_org, figures={"schema": 1})
    assert reviewer.client.get(detail_url(report2)).status_code == 200


def test_review_workflow_through_the_views(zk_org, reviewer, org_a, make_persona):  # noqa: ANN001
    report = submitted(org_a, zk_org)
    provider = make_persona(org_a, Role.FINANCE)
    client = reviewer.client

    response = client.post(reverse("zk:start_review", args=[report.pk]), follow=True)
    assert response.redirect_chain[-1][0] == detail_url(report)
    assert status_of(report) == S.IN_REVIEW

    # A comment on a section while in review.
    client.post(reverse("zk:comment_add", args=[report.pk]), {"section": "hours", "body": "Waarom minder uren?"})
    # Clarification needs a section and a body.
    response = client.post(reverse("zk:clarify", args=[report.pk]), {"section": "production", "body": ""},
                           follow=True)
    assert status_of(report) == S.IN_REVIEW
    assert "alert" in response.content.decode() or "message-error" in response.content.decode()
    client.post(reverse("zk:clarify", args=[report.pk]),
                {"section": "production", "body": "Licht de daling van de cliëntdagen toe."})
    assert status_of(report) == S.CLARIFICATION
    body = client.get(detail_url(report)).content.decode()
    assert "Licht de daling van de cliëntdagen toe." in body and "Waarom minder uren?" in body

    # The provider answers every comment and resubmits (services: the provider pages are elsewhere).
    with tenant_scope(org_a):
        fresh = ProviderReport.objects.get(pk=report.pk)
        for comment in ReportComment.objects.filter(report=fresh, side=ReportComment.Side.ZORGKANTOOR):
            services.comment_answer(acting=provider.membership, report=fresh, comment=comment, body="Antwoord")
        services.report_resubmit(acting=provider.membership, report=fresh, message="Toegelicht")
    assert status_of(report) == S.RESUBMITTED
    body = client.get(detail_url(report)).content.decode()
    assert "Toegelicht" in body and "Antwoord" in body

    client.post(reverse("zk:start_review", args=[report.pk]))
    response = client.post(reverse("zk:approve", args=[report.pk]), {"note": "Akkoord"}, follow=True)
    assert status_of(report) == S.APPROVED
    body = response.content.decode()
    assert "Akkoord" in body  # the note in the history
    assert events(report) == [
        "review_started", "commented", "commented", "clarification", "answered", "answered", "resubmitted",
        "review_started", "approved",
    ]
    # Approved: no more comments.
    client.post(reverse("zk:comment_add", args=[report.pk]), {"section": "general", "body": "Nog iets"})
    assert "Nog iets" not in client.get(detail_url(report)).content.decode()


def test_approve_without_review_is_refused_with_a_message(zk_org, reviewer):  # noqa: ANN001
    report = submitted(OrganizationFactory(), zk_org)
    response = reviewer.client.post(reverse("zk:approve", args=[report.pk]), {"note": ""}, follow=True)
    assert response.status_code == 200
    assert status_of(report) == S.SUBMITTED
    messages = [str(m) for m in response.context["messages"]]
    assert messages and "goedkeuren is nu niet mogelijk" in messages[0]  # the UI is Dutch by default
    assert events(report) == []


def test_comment_with_unknown_section_is_a_message_not_a_500(zk_org, reviewer):  # noqa: ANN001
    report = submitted(OrganizationFactory(), zk_org)
    response = reviewer.client.post(reverse("zk:comment_add", args=[report.pk]), {"section": "nope", "body": "x"},
                                    follow=True)
    assert response.status_code == 200
    assert list(response.context["messages"])
    assert events(report) == []


def test_frozen_report_renders_from_its_figures(zk_org, reviewer, org_a):  # noqa: ANN001
    report = submitted(org_a, zk_org)
    with tenant_scope(org_a):
        Contract.objects.filter(pk=report.contract_id).update(production_agreement=Decimal("9876543.00"),
                                                               products=["753"])
    body = reviewer.client.get(detail_url(report)).content.decode()
    assert "9876543" not in body and "9.876.543" not in body and "9,876,543" not in body
    assert "2.500.000,00" in body or "2,500,000.00" in body
    assert "4VV" not in body


# --------------------------------------------------------------------------- compare, region, contracts


def test_compare_providers_shows_latest_versions_of_contracted_providers(zk_org, reviewer):  # noqa: ANN001
    a = submitted(OrganizationFactory(name="Zorg Alfa"), zk_org, status=S.RESUBMITTED)
    newer = sample_figures(year=2026, quarter=3)
    newer["respite"]["nights"] = 777
    ReportVersionFactory(organization=a.organization, report=a, number=2, figures=newer)
    submitted(OrganizationFactory(name="Zorg Beta"), zk_org)
    submitted(OrganizationFactory(name="Zorg Elders"), ZorgkantoorFactory())
    response = reviewer.client.get(reverse("zk:compare"), {"mode": "providers", "year": 2026, "quarter": 3})
    body = response.content.decode()
    assert "Zorg Alfa" in body and "Zorg Beta" in body and "Zorg Elders" not in body
    assert "777" in body
    assert 'data-metric="clients-754"' in body

    # Only the chosen providers.
    body = reviewer.client.get(reverse("zk:compare"), {"mode": "providers", "year": 2026, "quarter": 3,
                                                       "providers": [a.organization_id]}).content.decode()
    assert "Zorg Beta" not in body.split('data-testid="compare-table"')[1]


def test_compare_periods_of_one_provider(zk_org, reviewer):  # noqa: ANN001
    provider = OrganizationFactory(name="Zorg Perioden")
    contract = ContractFactory(organization=provider, zorgkantoor=zk_org, year=2026)
    q2 = submitted(provider, zk_org, quarter=2, contract=contract)
    q3 = submitted(provider, zk_org, quarter=3, contract=contract)
    submitted(provider, zk_org, quarter=1, contract=contract, status=S.DRAFT)
    body = reviewer.client.get(reverse("zk:compare"), {"mode": "periods", "provider": provider.pk,
                                                       "year": 2026}).content.decode()
    table = body.split('data-testid="compare-table"')[1]
    assert "Q2 2026" in table and "Q3 2026" in table and "Q1 2026" not in table
    assert table.index(f'data-column="{q2.pk}"') < table.index(f'data-column="{q3.pk}"')


def test_region_overview_page(zk_org, reviewer):  # noqa: ANN001
    region = RegionFactory(name="Haaglanden", zorgkantoor=zk_org)
    a = submitted(OrganizationFactory(name="Zorg Alfa", region=region), zk_org)
    silent = OrganizationFactory(name="Zorg Stil")
    ContractFactory(organization=silent, zorgkantoor=zk_org, year=2026)
    submitted(OrganizationFactory(name="Zorg Concept"), zk_org, status=S.DRAFT)  # contract, only a draft
    stranger = OrganizationFactory(name="Zorg Zonder Contract")
    submitted(stranger, ZorgkantoorFactory())
    response = reviewer.client.get(reverse("zk:region"), {"year": 2026, "quarter": 3})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Zorg Alfa" in body and "Haaglanden" in body and detail_url(a) in body
    assert "Zorg Stil" in body and "Zorg Concept" in body
    assert body.count('data-testid="no-report"') == 2
    assert "Zorg Zonder Contract" not in body
    assert 'data-testid="realisation-chart"' in body and 'data-testid="clients-chart"' in body
    assert reverse("zk:region_pdf") in body
    overview = response.context["overview"]
    row = next(r for r in overview.rows if r.provider_name == "Zorg Alfa")
    assert row.figures.realisation_pct == Decimal("44.0") and row.figures.clients_total == 15
    assert row.clients_by_profile == [11, 4]
    assert overview.totals.reported == 1 and overview.totals.providers == 3


def test_region_export_csv_and_xlsx(zk_org, reviewer):  # noqa: ANN001
    submitted(OrganizationFactory(name="=Zorg Formule", agb_code="03033333"), zk_org)
    ContractFactory(organization=OrganizationFactory(name="Zorg Stil"), zorgkantoor=zk_org, year=2026)
    url = reverse("zk:region_export")
    response = reviewer.client.get(url, {"format": "csv", "year": 2026, "quarter": 3})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][0] == "Provider" or rows[0][0] == "Zorgaanbieder"
    by_name = {r[0]: r for r in rows[1:]}
    assert "'=Zorg Formule" in by_name  # neutralised formula
    formula = by_name["'=Zorg Formule"]
    assert formula[1] == "03033333" and "362930,00" in formula and "44,0" in formula
    assert "Zorg Stil" in by_name
    assert len(rows) == 4  # header, two providers, total

    response = reviewer.client.get(url, {"format": "xlsx", "year": 2026, "quarter": 3})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    names = [v[0] for v in values[1:]]
    assert "'=Zorg Formule" in names and "Zorg Stil" in names
    formula = values[1 + names.index("'=Zorg Formule")]
    assert Decimal(str(formula[6])) == Decimal("362930.00")

    assert reviewer.client.get(url, {"format": "pdfx"}).status_code == 404


def test_contracts_page(zk_org, reviewer):  # noqa: ANN001
    ContractFactory(organization=OrganizationFactory(name="Zorg Contract", agb_code="04044444"), zorgkantoor=zk_org,
                    year=2026, products=["754", "755"], note="Proefjaar")
    ContractFactory(organization=OrganizationFactory(name="Zorg Oud"), zorgkantoor=zk_org, year=2025)
    ContractFactory(organization=OrganizationFactory(name="Zorg Elders"), year=2026)
    body = reviewer.client.get(reverse("zk:contracts")).content.decode()
    assert "Zorg Contract" in body and "04044444" in body and "5VV" in body and "Proefjaar" in body
    assert "Zorg Oud" in body and "Zorg Elders" not in body
    body = reviewer.client.get(reverse("zk:contracts"), {"year": 2026}).content.decode()
    assert "Zorg Contract" in body and "Zorg Oud" not in body


def test_dashboards_show_what_waits_on_each_side(zk_org, reviewer, make_persona):  # noqa: ANN001
    from django.conf import settings

    from tests.factories import ReportCommentFactory

    provider = OrganizationFactory()
    waiting = submitted(provider, zk_org)
    sent_back = submitted(provider, zk_org, quarter=2, contract=waiting.contract)
    with tenant_scope(provider):
        ProviderReport.objects.filter(pk=sent_back.pk).update(status=S.CLARIFICATION)
    ReportCommentFactory(organization=provider, report=sent_back)
    submitted(OrganizationFactory(), ZorgkantoorFactory())  # another zorgkantoor's: not counted
    finance = make_persona(provider, Role.FINANCE)
    for persona in (reviewer, finance):
        persona.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    cards = {c.title: c for c in reviewer.client.get(reverse("core:dashboard")).context["cards"]}
    assert cards["Reports waiting for review"].value == 1
    assert ("Clarification requested, with the provider", 1) in cards["Reports waiting for review"].rows
    cards = {c.title: c for c in finance.client.get(reverse("core:dashboard")).context["cards"]}
    assert cards["Reports to the zorgkantoor"].value == 1
    assert ("Comments waiting for your answer", 1) in cards["Reports to the zorgkantoor"].rows


def test_the_navigation_marks_the_most_specific_entry(reviewer):  # noqa: ANN001
    from django.conf import settings

    reviewer.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    nav = reviewer.client.get(reverse("zk:region")).context["nav_items"]
    assert [e["label"] for e in nav if e["active"]] == ["Region"]


def test_compare_shows_at_most_a_dozen_providers_unless_chosen(zk_org, reviewer):  # noqa: ANN001
    from django.conf import settings

    from reports.views.zk import MAX_DEFAULT_COLUMNS

    providers = [OrganizationFactory(name=f"Aanbieder {i:02d}") for i in range(MAX_DEFAULT_COLUMNS + 2)]
    for provider in providers:
        submitted(provider, zk_org)
    reviewer.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = reviewer.client.get(reverse("zk:compare"), {"mode": "providers", "year": 2026, "quarter": 3})
    assert [c.title for c in response.context["columns"]] == [p.name for p in providers[:MAX_DEFAULT_COLUMNS]]
    assert "Showing the first 12 of 14 contracted providers" in response.content.decode()
    chosen = reviewer.client.get(reverse("zk:compare"), {"mode": "providers", "year": 2026, "quarter": 3,
                                                         "providers": [providers[-1].pk]})
    assert [c.title for c in chosen.context["columns"]] == [providers[-1].name]
    assert not chosen.context["capped_from"]
