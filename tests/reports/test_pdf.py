"""Report PDFs (reports/pdf.py, reports/views/pdf.py): the cover, the table of contents of
the annual report with page numbers, "pagina X van Y", the frozen figures, the draft
watermark, the same text on every rendering, and 404 for the wrong party. Text is read
back with pdftotext; the first pages are rendered to PNG in /tmp/reports_pdf/ to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from reports import pdf
from reports.models import ProviderReport
from tests.factories import (
    ContractFactory,
    OrganizationFactory,
    ProviderReportFactory,
    ReportVersionFactory,
    ZorgkantoorFactory,
)
from tests.reports.samples import sample_figures
from vpt.tenancy.roles import Role

S = ProviderReport.Status
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)"),
]
PNG_DIR = Path("/tmp/reports_pdf")


def url(name: str, *args: int) -> str:
    return reverse(name, args=args)


def text_of(content: bytes, *, mode: str = "-layout") -> str:
    return subprocess.run(["pdftotext", mode, "-", "-"], input=content, capture_output=True,
                          check=True).stdout.decode()


def pages_of(content: bytes) -> list[str]:
    return text_of(content).split("\f")


def to_png(content: bytes, name: str) -> list[Path]:
    """Pages 1-2 at 60 dpi in /tmp/reports_pdf/ (for a look at the layout)."""
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    source = PNG_DIR / f"{name}.pdf"
    source.write_bytes(content)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(source), str(PNG_DIR / name)],
                       check=True)
    return sorted(PNG_DIR.glob(f"{name}-*.png"))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def zk_org():  # noqa: ANN201
    return ZorgkantoorFactory(name="Zorgkantoor Haaglanden")


@pytest.fixture
def provider():  # noqa: ANN201
    return OrganizationFactory(name="Thuiszorg De Linde", agb_code="73730001")


def make_report(provider, zk, *, quarter=3, status=S.SUBMITTED, versions=1):  # noqa: ANN001, ANN201
    contract = ContractFactory(organization=provider, zorgkantoor=zk, year=2026)
    figures = sample_figures(provider=provider.name, zorgkantoor=zk.name, year=2026, quarter=quarter)
    report = ProviderReportFactory(organization=provider, contract=contract, year=2026, quarter=quarter,
                                   kind="quarter" if quarter else "year", status=status, draft_figures=figures)
    report.made_versions = []
    if status != S.DRAFT:
        for number in range(1, versions + 1):
            changed = sample_figures(provider=provider.name, zorgkantoor=zk.name, year=2026, quarter=quarter)
            changed["respite"]["nights"] = 17 + number - 1
            report.made_versions.append(ReportVersionFactory(
                organization=provider, report=report, number=number, figures=changed,
                submitted_by_name="Fien Financiën", message=f"Toelichting versie {number}", source_run_id=41 + number))
    return report


# --------------------------------------------------------------------------- the document


def test_annual_report_has_cover_contents_with_page_numbers_and_footer(provider, zk_org):  # noqa: ANN001
    report = make_report(provider, zk_org, quarter=None)
    with translation.override("nl"):
        version = report.made_versions[0]
        content = pdf.report_pdf(report, version)
        title = pdf.report_title(ProviderReport.Kind.YEAR)
        annual_label = translation.gettext("Annual report VPT")
    assert content.startswith(b"%PDF")
    pages = pages_of(content)
    pages = [p for p in pages if p.strip()]
    total = len(pages)
    assert total >= 4
    cover = squash(pages[0])
    assert title == annual_label
    for expected in (title, "Thuiszorg De Linde", "12345678", "Zorgkantoor Haaglanden", "2026", "01-01-2026",
                     "31-12-2026", "Fien Financiën", "run 42", version.figures_sha256[:12], "Ingediend"):
        assert expected in cover, expected
    assert f"pagina 1 van {total}" in cover
    # The contents: every section with the page it starts on, pointing at real pages.
    contents = pages[1]
    from reports.sections import SECTIONS

    with translation.override("nl"):
        labels = [str(label) for _key, label in SECTIONS]
    starts = {}
    for number, label in enumerate(labels, 1):
        match = re.search(rf"{number}\s+{re.escape(label)}\s+(\d+)", contents)
        assert match, f"{label} not in the contents:\n{contents}"
        starts[label] = int(match.group(1))
    assert list(starts.values()) == sorted(starts.values())
    for label, page in starts.items():
        assert label in pages[page - 1], f"{label} is not on page {page}"
    # Running footer on every page: provider, period, "pagina X van Y".
    for number, page in enumerate(pages, 1):
        assert f"pagina {number} van {total}" in page
        assert "Thuiszorg De Linde" in page and "2026" in page
    print("annual PNGs:", to_png(content, "annual"))


def test_quarterly_report_renders_the_frozen_figures(provider, zk_org):  # noqa: ANN001
    report = make_report(provider, zk_org, quarter=3)
    with translation.override("nl"):
        content = pdf.report_pdf(report, report.made_versions[0])
        title = pdf.report_title(ProviderReport.Kind.QUARTER)
    text = squash(text_of(content))
    assert title in text and "Q3 2026" in text and "01-07-2026" in text
    assert "Inhoud" not in text and "Contents" not in text  # no table of contents on a quarterly report
    # Figures from the version's JSON, formatted in Dutch.
    for expected in ("5VV", "6VV", "€ 244.930,00", "€ 362.930,00", "€ 2.500.000,00", "1390", "93,2 %",
                     "Toelichting versie 1", "64,5", "juli 2026"):
        assert expected in text, expected
    print("quarter PNGs:", to_png(content, "quarter"))


def test_same_version_renders_the_same_text_twice(provider, zk_org):  # noqa: ANN001
    report = make_report(provider, zk_org, quarter=2)
    version = report.made_versions[0]
    with translation.override("nl"):
        first, second = (text_of(pdf.report_pdf(report, version)) for _ in range(2))

    def stable(text: str) -> str:  # the print time is the only thing that may differ
        return re.sub(r"\d\d-\d\d-\d{4} \d\d:\d\d", "", text)

    assert stable(first) == stable(second)


def test_draft_renders_its_draft_figures_with_a_watermark(provider, zk_org, make_persona):  # noqa: ANN001
    report = make_report(provider, zk_org, status=S.DRAFT)
    finance = make_persona(provider, Role.FINANCE)
    with translation.override("nl"):
        response = finance.client.get(url("reports:pdf", report.pk), HTTP_ACCEPT_LANGUAGE="nl")
        watermark = translation.gettext("DRAFT")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="rapportage-73730001-2026-q3-concept.pdf"' in response["Content-Disposition"]
    text = squash(text_of(response.content))
    assert "€ 362.930,00" in text  # the stored draft figures
    # The watermark is set at an angle: read in content order, without spaces.
    assert watermark.replace(" ", "") in re.sub(r"\s", "", text_of(response.content, mode="-raw"))
    to_png(response.content, "draft")


# --------------------------------------------------------------------------- the views


def test_provider_downloads_a_version_by_number(provider, zk_org, make_persona):  # noqa: ANN001
    report = make_report(provider, zk_org, versions=2)
    finance = make_persona(provider, Role.FINANCE)
    latest = finance.client.get(url("reports:pdf", report.pk))
    assert latest.status_code == 200
    assert latest["Content-Disposition"] == 'attachment; filename="rapportage-73730001-2026-q3-v2.pdf"'
    first = finance.client.get(url("reports:pdf", report.pk), {"v": 1})
    assert "v1.pdf" in first["Content-Disposition"]
    assert "Toelichting versie 1" in text_of(first.content)
    assert finance.client.get(url("reports:pdf", report.pk), {"v": 7}).status_code == 404
    assert finance.client.get(url("reports:pdf", report.pk), {"v": "x"}).status_code == 404


def test_zorgkantoor_downloads_received_reports_only(provider, zk_org, make_persona):  # noqa: ANN001
    reviewer = make_persona(zk_org, Role.ZK_REVIEWER)
    received = make_report(provider, zk_org)
    response = reviewer.client.get(url("zk:pdf", received.pk))
    assert response.status_code == 200
    assert "Zorgkantoor Haaglanden" in text_of(response.content)
    draft = make_report(OrganizationFactory(), zk_org, status=S.DRAFT)
    elsewhere = make_report(OrganizationFactory(), ZorgkantoorFactory())
    assert reviewer.client.get(url("zk:pdf", draft.pk)).status_code == 404
    assert reviewer.client.get(url("zk:pdf", elsewhere.pk)).status_code == 404
    assert reviewer.client.get(url("zk:pdf", 987654)).status_code == 404


def test_wrong_party_gets_404(provider, zk_org, make_persona):  # noqa: ANN001
    report = make_report(provider, zk_org)
    finance = make_persona(provider, Role.FINANCE)
    admin = make_persona(provider, Role.ADMIN)
    reviewer = make_persona(zk_org, Role.ZK_REVIEWER)
    assert finance.client.get(url("zk:pdf", report.pk)).status_code == 404
    assert admin.client.get(url("zk:pdf", report.pk)).status_code == 404
    assert finance.client.get(url("zk:region_pdf")).status_code == 404
    assert reviewer.client.get(url("reports:pdf", report.pk)).status_code == 404
    other = make_persona(OrganizationFactory(), Role.FINANCE)
    assert other.client.get(url("reports:pdf", report.pk)).status_code == 404


def test_region_pdf(provider, zk_org, make_persona):  # noqa: ANN001
    make_report(provider, zk_org, quarter=3)
    ContractFactory(organization=OrganizationFactory(name="Zorggroep Stil"), zorgkantoor=zk_org, year=2026)
    reviewer = make_persona(zk_org, Role.ZK_REVIEWER)
    with translation.override("nl"):
        response = reviewer.client.get(url("zk:region_pdf"), {"year": 2026, "quarter": 3},
                                       HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    assert 'filename="regio-overzicht-Q3-2026.pdf"' in response["Content-Disposition"]
    text = squash(text_of(response.content))
    for expected in ("Thuiszorg De Linde", "Zorggroep Stil", "Q3 2026", "€ 362.930,00", "1/2", "pagina 1 van"):
        assert expected in text, expected
    to_png(response.content, "region")

