"""Pinned SQL query counts of the report pages, at N and 5×N providers (or reports).

Every page is measured once with N contracted providers that have submitted reports, the
data is grown to 5×N, and the page is measured again: the count may not grow by more than
one (no query per provider, report, version or comment), and stays under the pinned
ceiling (the count measured when the pages were written; a page that needs more queries
should say why in its diff, not slip past).

Zorgkantoor side (a `zk_reviewer`): the inbox, the region overview, the comparison (both
modes), a report page (3 versions, comments with answers in several sections, history),
the API list. Provider side (`finance`): the report list and a report page.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reports.models import ProviderReport, ReportComment, ReportEvent
from tests.factories import (
    ContractFactory,
    OrganizationFactory,
    ProviderReportFactory,
    RegionFactory,
    ReportCommentFactory,
    ReportEventFactory,
    ReportVersionFactory,
    ZorgkantoorFactory,
)
from tests.reports.samples import sample_figures
from vpt.tenancy.roles import Role

S = ProviderReport.Status
A = ReportEvent.Action
PROVIDER, ZK = ReportComment.Side.PROVIDER, ReportComment.Side.ZORGKANTOOR
pytestmark = pytest.mark.django_db

N = 3
YEAR = 2026

# The most queries each page may run, at any size (measured: the same at N and 5×N). Every
# request has 13 fixed statements: session, user, membership (twice: the middleware and the
# `tenancy` context processor's other memberships), the tenant scope's two SAVEPOINT/RELEASE
# pairs and set_config twice, and the session UPDATE in its SAVEPOINT/RELEASE (the API has
# no template, so no second membership); the rest is the page's own.
PINNED = {
    "zk:inbox": 18,
    "zk:inbox ?tab=all": 18,
    "zk:region": 17,
    "zk:compare providers": 18,
    "zk:compare periods": 17,
    "zk:detail": 18,
    "api reports list": 14,
    "api report detail": 16,
    "reports:list": 16,
    "reports:detail": 17,
}


def count_queries(client, url: str, params: dict | None = None) -> int:  # noqa: ANN001
    """Queries of one GET (after a warm-up request: session, caches)."""
    assert client.get(url, params or {}).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries)


def add_provider(zk, region, i: int, *, statuses=(S.SUBMITTED, S.IN_REVIEW)) -> ProviderReport:  # noqa: ANN001
    """A provider with a 2026 contract with `zk` and submitted Q2 and Q3 reports (Q3 with two
    versions and a comment with its answer), a draft Q4; returns the Q3 report."""
    org = OrganizationFactory(name=f"Zorg Meting {i:03d}", region=region)
    contract = ContractFactory(organization=org, zorgkantoor=zk, year=YEAR, products=["754", "755"])
    report = None
    for quarter, status in zip((2, 3), statuses, strict=True):
        figures = sample_figures(provider=org.name, year=YEAR, quarter=quarter)
        report = ProviderReportFactory(organization=org, contract=contract, year=YEAR, quarter=quarter,
                                       status=status, draft_figures=figures)
        for number in range(1, quarter):  # Q2: one version, Q3: two
            ReportVersionFactory(organization=org, report=report, number=number, figures=figures)
        ReportEventFactory(organization=org, report=report)
    question = ReportCommentFactory(organization=org, report=report, section="production", version_number=1)
    ReportCommentFactory(organization=org, report=report, section="production", side=PROVIDER, answers=question)
    ProviderReportFactory(organization=org, contract=contract, year=YEAR, quarter=4, status=S.DRAFT)
    return report


def add_review(report: ProviderReport, sections: tuple[str, ...]) -> None:
    """A zorgkantoor comment per section with the provider's answer, and their events."""
    org = report.organization
    for key in sections:
        question = ReportCommentFactory(organization=org, report=report, section=key, version_number=2,
                                        body=f"Vraag over {key}")
        ReportEventFactory(organization=org, report=report, action=A.COMMENTED, side=ZK, to_status="")
        ReportCommentFactory(organization=org, report=report, section=key, side=PROVIDER, answers=question,
                             version_number=2, body=f"Antwoord over {key}")
        ReportEventFactory(organization=org, report=report, action=A.ANSWERED, side=PROVIDER, to_status="")


@pytest.fixture
def zk():  # noqa: ANN201
    return ZorgkantoorFactory(name="Zorgkantoor Meting")


@pytest.fixture
def reviewer(zk, make_persona):  # noqa: ANN001, ANN201
    return make_persona(zk, Role.ZK_REVIEWER)


def zk_pages(first_provider_id: int, report: ProviderReport) -> list[tuple[str, str, dict]]:
    return [
        ("zk:inbox", reverse("zk:inbox"), {}),
        ("zk:inbox ?tab=all", reverse("zk:inbox"), {"tab": "all"}),
        ("zk:region", reverse("zk:region"), {"year": YEAR, "quarter": 3}),
        ("zk:compare providers", reverse("zk:compare"), {"mode": "providers", "year": YEAR, "quarter": 3}),
        ("zk:compare periods", reverse("zk:compare"), {"mode": "periods", "provider": first_provider_id,
                                                       "year": YEAR}),
        ("zk:detail", reverse("zk:detail", args=[report.pk]), {}),
        ("api reports list", reverse("api-v1:report-list"), {}),
        ("api report detail", reverse("api-v1:report-detail", args=[report.pk]), {}),
    ]


def test_zorgkantoor_pages_do_not_grow_with_providers(zk, reviewer):  # noqa: ANN001
    region = RegionFactory(zorgkantoor=zk, name="Meting")
    reports = [add_provider(zk, region, i) for i in range(N)]
    # The report on show: 3 versions, comments with answers in 2 sections, its history.
    shown = reports[0]
    org = shown.organization
    ReportVersionFactory(organization=org, report=shown, number=3, figures=shown.draft_figures)
    add_review(shown, ("clients", "hours"))
    pages = zk_pages(org.pk, shown)
    small = {label: count_queries(reviewer.client, url, params) for label, url, params in pages}

    for i in range(N, 5 * N):
        add_provider(zk, region, i, statuses=(S.APPROVED, S.RESUBMITTED) if i % 2 else (S.SUBMITTED, S.CLARIFICATION))
    # The same report, now with comments in five sections, more history, and more periods of
    # its provider (compare periods): Q1 and the annual report of 2025 under a 2025 contract.
    add_review(shown, ("production", "alarms", "respite"))
    old = ContractFactory(organization=org, zorgkantoor=zk, year=YEAR - 1)
    for quarter in (1, None):
        figures = sample_figures(provider=org.name, year=YEAR - 1, quarter=quarter)
        old_report = ProviderReportFactory(organization=org, contract=old, year=YEAR - 1, quarter=quarter,
                                           kind="quarter" if quarter else "year", status=S.APPROVED,
                                           draft_figures=figures)
        ReportVersionFactory(organization=org, report=old_report, number=1, figures=figures)
    big = {label: count_queries(reviewer.client, url, params) for label, url, params in pages}

    # The pages really list the 5×N providers (so the second measurement is of a bigger page).
    body = reviewer.client.get(reverse("zk:region"), {"year": YEAR, "quarter": 3}).content.decode()
    assert all(f"Zorg Meting {i:03d}" in body for i in range(5 * N))
    assert len(reviewer.client.get(reverse("api-v1:report-list")).json()["results"]) == 2 * 5 * N + 2

    report_table(small, big)
    for label, _url, _params in pages:
        assert big[label] - small[label] <= 1, (label, small[label], big[label])
        assert big[label] <= PINNED[label], (label, big[label], PINNED[label])


def test_provider_pages_do_not_grow_with_reports(make_persona):  # noqa: ANN001
    provider = OrganizationFactory(name="Zorg Eigen Meting")
    finance = make_persona(provider, Role.FINANCE)
    zks = [ZorgkantoorFactory(name=f"Zorgkantoor {i}") for i in range(5)]

    def add_reports(zorgkantoor, year: int, quarters) -> ProviderReport:  # noqa: ANN001
        contract = ContractFactory(organization=provider, zorgkantoor=zorgkantoor, year=year)
        report = None
        for quarter in quarters:
            figures = sample_figures(provider=provider.name, year=year, quarter=quarter)
            report = ProviderReportFactory(organization=provider, contract=contract, year=year, quarter=quarter,
                                           kind="quarter" if quarter else "year", draft_figures=figures,
                                           status=S.CLARIFICATION if quarter == 3 else S.SUBMITTED)
            ReportVersionFactory(organization=provider, report=report, number=1, figures=figures)
            ReportEventFactory(organization=provider, report=report)
            ReportCommentFactory(organization=provider, report=report, section="clients")
        return report

    shown = add_reports(zks[0], YEAR, (1, 2, 3))  # N = 3 reports
    for number in (2, 3):
        ReportVersionFactory(organization=provider, report=shown, number=number, figures=shown.draft_figures,
                             submitted_at=timezone.now() + dt.timedelta(minutes=number))
    add_review(shown, ("production", "hours"))
    pages = [("reports:list", reverse("reports:list"), {}),
             ("reports:detail", reverse("reports:detail", args=[shown.pk]), {})]
    small = {label: count_queries(finance.client, url, params) for label, url, params in pages}

    for zorgkantoor in zks[1:]:  # 5×N = 15 reports, under 5 contracts
        add_reports(zorgkantoor, YEAR, (1, 2, 3))
    add_review(shown, ("alarms", "respite", "mantelzorg"))
    big = {label: count_queries(finance.client, url, params) for label, url, params in pages}

    assert finance.client.get(reverse("reports:list")).content.decode().count("Zorgkantoor ") >= 5
    report_table(small, big)
    for label, _url, _params in pages:
        assert big[label] - small[label] <= 1, (label, small[label], big[label])
        assert big[label] <= PINNED[label], (label, big[label], PINNED[label])


def report_table(small: dict[str, int], big: dict[str, int]) -> None:
    print(f"\n{'page':<24} {'N':>4} {'5xN':>4}")  # visible with -s
    for label in small:
        print(f"{label:<24} {small[label]:>4} {big[label]:>4}")
