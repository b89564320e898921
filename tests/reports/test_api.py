"""The report API (/api/v1/reports/): a zorgkantoor reads the reports addressed to it (never
drafts, never another zorgkantoor's), a provider its own; guessed ids are 404; filters,
pagination, versions, figures and comments; the OpenAPI schema lists the paths."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports.models import ProviderReport, ReportComment
from tests.factories import (
    ContractFactory,
    OrganizationFactory,
    ProviderReportFactory,
    ReportCommentFactory,
    ReportVersionFactory,
    ZorgkantoorFactory,
)
from tests.reports.samples import sample_figures
from vpt.tenancy.models import Contract
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

S = ProviderReport.Status
pytestmark = pytest.mark.django_db

LIST = "api-v1:report-list"


def detail(report: ProviderReport) -> str:
    return reverse("api-v1:report-detail", args=[report.pk])


def make_report(provider, zk, *, year=2026, quarter=3, status=S.SUBMITTED, versions=1):  # noqa: ANN001, ANN201
    with tenant_scope(provider):
        contract = Contract.objects.filter(zorgkantoor=zk, year=year).first()
    contract = contract or ContractFactory(organization=provider, zorgkantoor=zk, year=year)
    report = ProviderReportFactory(organization=provider, contract=contract, year=year, quarter=quarter,
                                   kind="quarter" if quarter else "year", status=status,
                                   draft_figures=sample_figures(provider=provider.name, year=year, quarter=quarter))
    if status != S.DRAFT:
        for number in range(1, versions + 1):
            figures = sample_figures(provider=provider.name, year=year, quarter=quarter)
            figures["respite"]["nights"] = 100 + number
            ReportVersionFactory(organization=provider, report=report, number=number, figures=figures,
                                 submitted_by_name="Fien Financiën", source_run_id=7)
    return report


@pytest.fixture
def zk_org():  # noqa: ANN201
    return ZorgkantoorFactory(name="Zorgkantoor Haaglanden")


@pytest.fixture
def reviewer(zk_org, make_persona):  # noqa: ANN001, ANN201
    return make_persona(zk_org, Role.ZK_REVIEWER)


@pytest.fixture
def linde():  # noqa: ANN201
    return OrganizationFactory(name="Thuiszorg De Linde", agb_code="73730001")


@pytest.fixture
def duinrand():  # noqa: ANN201
    return OrganizationFactory(name="Zorggroep Duinrand", agb_code="73730002")


def ids(response) -> set[int]:  # noqa: ANN001
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --------------------------------------------------------------------------- zorgkantoor side


def test_zorgkantoor_lists_only_reports_addressed_to_it_and_no_drafts(zk_org, reviewer, linde, duinrand):  # noqa: ANN001
    mine = make_report(linde, zk_org)
    approved = make_report(duinrand, zk_org, quarter=2, status=S.APPROVED)
    draft = make_report(linde, zk_org, quarter=4, status=S.DRAFT)
    elsewhere = make_report(OrganizationFactory(), ZorgkantoorFactory())
    seen = ids(reviewer.client.get(reverse(LIST)))
    assert seen == {mine.pk, approved.pk}
    assert draft.pk not in seen and elsewhere.pk not in seen
    row = next(r for r in reviewer.client.get(reverse(LIST)).json()["results"] if r["id"] == mine.pk)
    assert row["provider"] == {"id": linde.pk, "name": "Thuiszorg De Linde", "agb_code": "73730001"}
    assert row["zorgkantoor"]["name"] == "Zorgkantoor Haaglanden"
    assert row["period"] == {"label": "Q3 2026", "first": "2026-07-01", "last": "2026-09-30"}
    assert row["kind"] == "quarter" and row["status"] == "submitted" and row["latest_version"] == 1


def test_zorgkantoor_detail_has_versions_figures_and_comments(zk_org, reviewer, linde):  # noqa: ANN001
    report = make_report(linde, zk_org, versions=2)
    question = ReportCommentFactory(organization=linde, report=report, section="production",
                                    body="Waarom daalt het aantal cliëntdagen?", author_name="Bea Beoordelaar")
    answer = ReportCommentFactory(organization=linde, report=report, section="production",
                                  side=ReportComment.Side.PROVIDER, answers=question, body="Twee overlijdens.")
    data = reviewer.client.get(detail(report)).json()
    assert data["id"] == report.pk and data["provider"]["agb_code"] == "73730001"
    assert [v["number"] for v in data["versions"]] == [1, 2]
    v1 = data["versions"][0]
    assert v1["submitted_by"] == "Fien Financiën" and len(v1["figures_sha256"]) == 64
    assert v1["data_version"].startswith("run 7")
    assert data["figures_version"] == 2 and data["figures"]["respite"]["nights"] == 102
    assert data["figures"]["period"]["label"] == "Q3 2026"
    first = reviewer.client.get(detail(report), {"version": 1}).json()
    assert first["figures_version"] == 1 and first["figures"]["respite"]["nights"] == 101
    assert reviewer.client.get(detail(report), {"version": 9}).status_code == 404
    comments = {c["id"]: c for c in data["comments"]}
    assert comments[question.pk]["side"] == "zorgkantoor" and comments[question.pk]["answers"] is None
    assert comments[question.pk]["author"] == "Bea Beoordelaar"
    assert comments[answer.pk]["answers"] == question.pk and comments[answer.pk]["section"] == "production"


def test_zorgkantoor_gets_404_for_drafts_other_zorgkantoren_and_guessed_ids(zk_org, reviewer, linde):  # noqa: ANN001
    draft = make_report(linde, zk_org, status=S.DRAFT)
    elsewhere = make_report(OrganizationFactory(), ZorgkantoorFactory())
    assert reviewer.client.get(detail(draft)).status_code == 404
    assert reviewer.client.get(detail(elsewhere)).status_code == 404
    assert reviewer.client.get(reverse("api-v1:report-detail", args=[998877])).status_code == 404


def test_zorgkantoor_filters(zk_org, reviewer, linde, duinrand):  # noqa: ANN001
    q3_linde = make_report(linde, zk_org, quarter=3)
    q2_linde = make_report(linde, zk_org, quarter=2, status=S.APPROVED)
    q3_duinrand = make_report(duinrand, zk_org, quarter=3, status=S.IN_REVIEW)
    annual = make_report(duinrand, zk_org, quarter=None, year=2025)
    url = reverse(LIST)
    assert ids(reviewer.client.get(url, {"quarter": 3})) == {q3_linde.pk, q3_duinrand.pk}
    assert ids(reviewer.client.get(url, {"status": "approved"})) == {q2_linde.pk}
    assert ids(reviewer.client.get(url, {"provider": "73730002"})) == {q3_duinrand.pk, annual.pk}
    assert ids(reviewer.client.get(url, {"year": 2025})) == {annual.pk}
    assert ids(reviewer.client.get(url, {"year": 2026, "provider": "73730001", "quarter": 2})) == {q2_linde.pk}
    assert reviewer.client.get(url, {"quarter": 7}).status_code == 400
    assert reviewer.client.get(url, {"status": "nonsense"}).status_code == 400


def test_list_is_paginated(zk_org, reviewer):  # noqa: ANN001
    for _ in range(3):
        make_report(OrganizationFactory(), zk_org)
    data = reviewer.client.get(reverse(LIST)).json()
    assert data["count"] == 3 and data["next"] is None and len(data["results"]) == 3
    assert reviewer.client.get(reverse(LIST), {"page": 2}).status_code == 404  # beyond the last page


# --------------------------------------------------------------------------- provider side


def test_provider_sees_only_its_own_reports_drafts_included(zk_org, linde, duinrand, make_persona):  # noqa: ANN001
    finance = make_persona(linde, Role.FINANCE)
    own = make_report(linde, zk_org)
    own_draft = make_report(linde, zk_org, quarter=4, status=S.DRAFT)
    other = make_report(duinrand, zk_org)
    assert ids(finance.client.get(reverse(LIST))) == {own.pk, own_draft.pk}
    assert ids(finance.client.get(reverse(LIST), {"status": "draft"})) == {own_draft.pk}
    assert ids(finance.client.get(reverse(LIST), {"quarter": 3})) == {own.pk}
    assert ids(finance.client.get(reverse(LIST), {"provider": "73730002"})) == set()
    assert finance.client.get(detail(other)).status_code == 404
    draft = finance.client.get(detail(own_draft)).json()
    assert draft["versions"] == [] and draft["figures_version"] is None and draft["latest_version"] is None
    assert draft["figures"]["period"]["label"] == "Q4 2026"
    assert finance.client.get(detail(own)).json()["figures_version"] == 1


def test_roles_without_the_permission_are_refused(zk_org, linde, make_persona):  # noqa: ANN001
    report = make_report(linde, zk_org)
    coach = make_persona(linde, Role.CLIENT_COACH)
    assert coach.client.get(reverse(LIST)).status_code == 403
    zk_admin = make_persona(zk_org, Role.ADMIN)  # may administer the zorgkantoor, not review reports
    assert zk_admin.client.get(reverse(LIST)).status_code == 403
    assert zk_admin.client.get(detail(report)).status_code == 403
    from django.test import Client

    assert Client().get(reverse(LIST)).status_code in (401, 403)


def test_schema_lists_the_report_paths(admin_a):  # noqa: ANN001
    response = admin_a.client.get(reverse("api-v1:schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/reports/" in schema["paths"]
    assert "/api/v1/reports/{providerreport_id}/" in schema["paths"]
    components = str(schema["components"]["schemas"])
    assert "figures_sha256" in components and "figures_version" in components


def test_the_report_endpoints_are_in_the_schema_without_warnings():
    from django.urls import include, path
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    patterns = [path("api/v1/", include("reports.api_urls"))]
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache, (
        list(GENERATOR_STATS._warn_cache) + list(GENERATOR_STATS._error_cache))
    assert set(schema["paths"]) == {"/api/v1/reports/", "/api/v1/reports/{providerreport_id}/"}
    assert all(op.get("summary") for ops in schema["paths"].values() for op in ops.values())
