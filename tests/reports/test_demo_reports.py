"""The demo (`manage.py demo_seed --size small`, every seeder, reports last): each
provider's contracts have their products, and each provider has two quarters of
submitted reports made through the services — the earlier approved, the later in
clarification (the first provider, with a question on the production section) or
waiting for review (the others)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from reports.demo import ended_quarters, seed_reports
from reports.models import ProviderReport, ReportComment, ReportEvent, ReportVersion
from vpt.core.management.commands.demo_seed import PROVIDERS
from vpt.tenancy.models import Contract, Organization
from vpt.tenancy.scope import tenant_scope
from vpt.wlz import codes

S = ProviderReport.Status


@pytest.fixture
def demo(db) -> str:  # noqa: ANN001
    out = StringIO()
    call_command("demo_seed", size="small", stdout=out)
    return out.getvalue()


def test_ended_quarters():
    import datetime as dt

    assert ended_quarters(dt.date(2026, 11, 23)) == [(2026, 2), (2026, 3)]
    assert ended_quarters(dt.date(2026, 2, 1)) == [(2025, 3), (2025, 4)]
    assert ended_quarters(dt.date(2026, 4, 1)) == [(2025, 4), (2026, 1)]


def test_demo_has_two_quarters_of_reports_per_provider(demo):  # noqa: ANN001
    assert "Reports:" in demo and "skipped" not in demo.split("Reports:")[1].splitlines()[0], demo
    (year_a, q_a), (year_b, q_b) = ended_quarters(timezone.localdate())
    zorgkantoor = Organization.objects.get(kind=Organization.Kind.ZORGKANTOOR)
    first_slug = PROVIDERS[0].slug
    for org in Organization.objects.filter(kind=Organization.Kind.PROVIDER):
        with tenant_scope(org):
            contracts = list(Contract.objects.filter(zorgkantoor=zorgkantoor))
            assert contracts and all(c.products for c in contracts), org.name
            assert all(set(c.products) <= set(codes.TARGET_ZORGPROFIELEN) for c in contracts)
            reports = {(r.year, r.quarter): r for r in ProviderReport.objects.filter(kind="quarter")}
            assert set(reports) == {(year_a, q_a), (year_b, q_b)}, org.name
            earlier, later = reports[(year_a, q_a)], reports[(year_b, q_b)]
            assert earlier.status == S.APPROVED
            expected = S.CLARIFICATION if org.slug == first_slug else S.SUBMITTED
            assert later.status == expected, org.name
            for report in (earlier, later):
                version = ReportVersion.objects.get(report=report)
                assert version.number == 1 and version.figures["schema"] == 1
                assert version.figures["period"]["label"] == report.period_label
                assert version.source_run_id is not None and version.computed_through >= report.last_day
            actions = list(ReportEvent.objects.filter(report=earlier).order_by("at", "pk")
                           .values_list("action", flat=True))
            assert actions == ["submitted", "review_started", "approved"]
            comments = list(ReportComment.objects.filter(report=later))
            if org.slug == first_slug:
                assert [(c.section, c.side) for c in comments] == [("production", "zorgkantoor")]
            else:
                assert comments == []
    # The zorgkantoor sees them all (never a draft), three of them waiting or in clarification.
    with tenant_scope(zorgkantoor):
        statuses = sorted(ProviderReport.funder_objects.values_list("status", flat=True))
    assert statuses.count(S.APPROVED) == len(PROVIDERS)
    assert statuses.count(S.CLARIFICATION) == 1 and statuses.count(S.SUBMITTED) == len(PROVIDERS) - 1


def test_reports_seeder_is_idempotent(demo):  # noqa: ANN001
    zorgkantoor = Organization.objects.get(kind=Organization.Kind.ZORGKANTOOR)
    providers = list(Organization.objects.filter(kind=Organization.Kind.PROVIDER).order_by("pk"))
    out = StringIO()
    seed_reports(organizations=providers, zorgkantoor=zorgkantoor, stdout=out)
    assert "0 reports made" in out.getvalue()
    with tenant_scope(zorgkantoor):
        assert ProviderReport.funder_objects.count() == 2 * len(providers)


def test_demo_report_renders_as_pdf(demo):  # noqa: ANN001
    """The templates render real computed figures (not only the sample)."""
    import shutil
    import subprocess

    from reports.pdf import report_pdf

    org = Organization.objects.get(slug=PROVIDERS[0].slug)
    with tenant_scope(org):
        report = ProviderReport.objects.select_related("organization").filter(status=S.CLARIFICATION).get()
        version = ReportVersion.objects.get(report=report)
    content = report_pdf(report, version)
    assert content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True,
                              check=True).stdout.decode()
        assert org.name in text and report.period_label in text and "pagina 1 van" in text
