"""Benchmark: the zorgkantoor's pages at 10, 100 and 1,000 contracted providers.

Not part of the default run (testpaths excludes benchmarks/). Run with:

    PYTEST_WORKERS=0 bin/test benchmarks/test_zk_pages.py -s -q

Every provider has a 2026 contract with the zorgkantoor and submitted reports for Q2 and
Q3 2026 (one version each, the figures of tests/reports/samples.py, statuses spread over
submitted / in review / approved / clarification / resubmitted), made with bulk_create in
the provider's tenant scope. Measured as the reviewer (`zk_reviewer`): the inbox (the
"waiting for me" tab and all reports, 25 a page), the region overview of Q3 (every
provider a row, two charts), the comparison of all contracted providers in Q3 (the
default: every provider a column), the comparison of one provider's periods, and a report
page (3 versions, comments in three sections, history). Prints SQL queries per request and
the median / p95 server time over REPEAT requests (Django test client, in-process,
PostgreSQL as the app role with RLS). Ratios are against the 10-provider baseline measured
in the same run.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reports.models import ProviderReport, ReportComment, ReportVersion
from reports.services import fingerprint
from tests.factories import (
    MembershipFactory,
    RegionFactory,
    ReportCommentFactory,
    ReportEventFactory,
    ReportVersionFactory,
    ZorgkantoorFactory,
)
from tests.reports.samples import sample_figures
from vpt.tenancy.models import Contract, Organization
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

SIZES = (10, 100, 1_000)
REPEAT = 15
YEAR = 2026
S = ProviderReport.Status
STATUSES = (S.SUBMITTED, S.IN_REVIEW, S.APPROVED, S.CLARIFICATION, S.RESUBMITTED)


def _grow(zk: Organization, region, have: int, total: int) -> None:  # noqa: ANN001
    orgs = Organization.objects.bulk_create(
        Organization(name=f"Zorgaanbieder {i:05d}", slug=f"bench-zk-{i:05d}", kind=Organization.Kind.PROVIDER,
                     agb_code=f"{73000000 + i}", region=region)
        for i in range(have, total)
    )
    now = timezone.now()
    for n, org in enumerate(orgs, start=have):
        with tenant_scope(org):
            contract = Contract.objects.create(organization=org, zorgkantoor=zk, year=YEAR, products=["754", "755"],
                                               production_agreement=Decimal("2500000.00"), percentage=Decimal("96.50"))
            reports, versions = [], []
            for quarter in (2, 3):
                figures = sample_figures(provider=org.name, year=YEAR, quarter=quarter)
                figures["clients"]["rows"][0]["at_end"] = 5 + n % 17  # not every provider the same
                reports.append(ProviderReport(
                    organization=org, contract=contract, zorgkantoor=zk, kind=ProviderReport.Kind.QUARTER,
                    year=YEAR, quarter=quarter, status=STATUSES[(n + quarter) % len(STATUSES)],
                    draft_figures=figures, draft_computed_at=now, submitted_at=now,
                    status_changed_at=now - dt.timedelta(minutes=n * 2 + quarter)))
                versions.append(figures)
            ProviderReport.objects.bulk_create(reports)
            ReportVersion.objects.bulk_create(
                ReportVersion(organization=org, report=r, zorgkantoor=zk, number=1, figures=f,
                              figures_sha256=fingerprint(f), computed_at=now, submitted_at=now,
                              submitted_by_name="Financiën Bench", source_run_id=1,
                              computed_through=r.last_day)
                for r, f in zip(reports, versions, strict=True))


def _review(report: ProviderReport) -> None:
    """Versions 2 and 3, comments with answers in three sections, history."""
    org = report.organization
    for number in (2, 3):
        ReportVersionFactory(organization=org, report=report, number=number, figures=report.draft_figures)
    for section in ("clients", "production", "hours"):
        question = ReportCommentFactory(organization=org, report=report, section=section, version_number=2)
        ReportCommentFactory(organization=org, report=report, section=section, version_number=2,
                             side=ReportComment.Side.PROVIDER, answers=question, body="Toelichting")
    for _ in range(6):
        ReportEventFactory(organization=org, report=report)


def _measure(http: HttpClient, url: str, params: dict | None = None) -> tuple[int, float, float]:
    with CaptureQueriesContext(connection) as ctx:
        assert http.get(url, params or {}).status_code == 200
    queries = len(ctx.captured_queries)  # read now: the next request resets the log
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        http.get(url, params or {})
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return queries, statistics.median(times), times[int(len(times) * 0.95) - 1]


@pytest.mark.django_db(transaction=True)
def test_zk_pages_scale():
    zk = ZorgkantoorFactory(name="Zorgkantoor Benchmark")
    region = RegionFactory(zorgkantoor=zk, name="Benchmark")
    reviewer = MembershipFactory(organization=zk, role=Role.ZK_REVIEWER)
    http = HttpClient()
    http.force_login(reviewer.user)
    rows, have, shown = [], 0, None
    for size in SIZES:
        started = time.perf_counter()
        _grow(zk, region, have, size)
        have = size
        if shown is None:
            first = Organization.objects.get(slug="bench-zk-00000")
            with tenant_scope(first):
                shown = ProviderReport.objects.select_related("organization").get(organization=first, quarter=3)
            _review(shown)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"\n{size} providers built in {time.perf_counter() - started:.1f} s", flush=True)
        for label, url, params in (
            ("inbox (waiting)", reverse("zk:inbox"), None),
            ("inbox (all)", reverse("zk:inbox"), {"tab": "all"}),
            ("region Q3", reverse("zk:region"), {"year": YEAR, "quarter": 3}),
            ("compare providers Q3", reverse("zk:compare"), {"mode": "providers", "year": YEAR, "quarter": 3}),
            ("compare periods", reverse("zk:compare"), {"mode": "periods", "provider": shown.organization_id,
                                                        "year": YEAR}),
            ("report page", reverse("zk:detail", args=[shown.pk]), None),
        ):
            queries, median, p95 = _measure(http, url, params)
            rows.append((size, label, queries, median, p95))
    # The pages show what was built (so the big run measured big pages).
    body = http.get(reverse("zk:region"), {"year": YEAR, "quarter": 3}).content.decode()
    assert "Zorgaanbieder 00999" in body and "Zorgaanbieder 00000" in body

    base = {label: median for size, label, _q, median, _p in rows if size == SIZES[0]}
    print(f"\n{'providers':>9} {'page':<22} {'queries':>7} {'median ms':>10} {'p95 ms':>8} {'x 10':>6}")
    for size, label, queries, median, p95 in rows:
        print(f"{size:>9} {label:<22} {queries:>7} {median:>10.1f} {p95:>8.1f} {median / base[label]:>6.2f}")
    by_label: dict[str, set[int]] = {}
    for _size, label, queries, *_ in rows:
        by_label.setdefault(label, set()).add(queries)
    assert all(max(q) - min(q) <= 1 for q in by_label.values()), by_label
