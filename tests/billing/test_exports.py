"""Finance exports (billing.exports, billing.export_tasks, billing.views.exports): the monthly
statement per client and its bundle for a month, the declaration overview and the team
budget report as PDF (text read back with pdftotext: totals, page numbers), CSV and XLSX
(the same totals), and the job flow: request -> made (eager Celery) -> download, failures,
progress, purge and sweep, tenant isolation and roles.

Set VPT_EXPORT_SHOTS=/tmp/shots to keep every PDF and a PNG of each page for a look."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from playwright.sync_api import expect

from billing import export_tasks, exports
from billing.models import BudgetDay, DayLine, Declaration, DeclarationLine, ExportJob
from tests.conftest import Persona
from tests.factories import (
    ClientFactory,
    ContractFactory,
    DeclarationFactory,
    DeclarationLineFactory,
    ExportJobFactory,
    TeamFactory,
)
from vpt.audit.models import AccessLog
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")

MARCH = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
SHOTS = os.environ.get("VPT_EXPORT_SHOTS", "")


@pytest.fixture(autouse=True)
def english(settings):  # noqa: ANN001, ANN201
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def eager():  # noqa: ANN201
    """Tasks run in-process, as in the embedded demo (the test settings name a Redis broker)."""
    from vpt.celery import app

    saved = {name: app.conf[name] for name in ("task_always_eager", "task_eager_propagates")}
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    app.conf.update(saved)


def english_ui(persona: Persona) -> Persona:
    persona.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return persona


@pytest.fixture
def finance(regional, make_persona) -> Persona:  # noqa: ANN001
    return english_ui(make_persona(regional, Role.FINANCE))


# --- data: three clients in two teams, March 2025 --------------------------------------------------


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def add_days(org, client, team, first, last, *, amount, planned, realised, billable=True, reason="",  # noqa: ANN001, ANN201
             absence="", declared_line=None, zorgprofiel="754", prestatiecode="V754B", superseded=False):
    now = timezone.now()
    with tenant_scope(org):
        DayLine.objects.bulk_create([
            DayLine(organization=org, client=client, day=day, zorgprofiel=zorgprofiel, prestatiecode=prestatiecode,
                    max_amount=Decimal("215.00"), amount=amount, billable=billable, reason=reason,
                    absence_kind=absence, declared_line=declared_line, computed_at=now,
                    superseded_at=now if superseded else None)
            for day in days(first, last)
        ])
        if superseded:
            return
        BudgetDay.objects.bulk_create([
            BudgetDay(organization=org, client=client, team=team, day=day,
                      tariff=amount if billable else Decimal("0.00"), planned_cost=planned, realised_cost=realised,
                      computed_at=now)
            for day in days(first, last)
        ])


class Data:
    pass


@pytest.fixture
def data(regional, zorgkantoor):  # noqa: ANN001, ANN201
    """Anna (Noord): 29 billable days of 31 at 207.48 (two days of admission beyond the limit),
    days 1-10 declared; Bram (Noord): 31 days at 215.00, over budget; Cees (Zuid): 15 days."""
    org = regional
    d = Data()
    d.org = org
    d.noord = TeamFactory(organization=org, name="Team Noord")
    d.zuid = TeamFactory(organization=org, name="Team Zuid")
    d.anna = ClientFactory(organization=org, first_name="Anna", last_name="Jansen", primary_team=d.noord)
    d.bram = ClientFactory(organization=org, first_name="Bram", name_prefix="de", last_name="Vries",
                           primary_team=d.noord)
    d.cees = ClientFactory(organization=org, first_name="Cees", last_name="Bakker", primary_team=d.zuid)
    d.contract = ContractFactory(organization=org, zorgkantoor=zorgkantoor, year=2025)
    february = DeclarationFactory(organization=org, contract=d.contract, zorgkantoor=zorgkantoor, year=2025, month=2,
                                  reference="D2025-02-001", status=Declaration.Status.SUBMITTED)
    earlier = DeclarationLineFactory(organization=org, declaration=february, number=1, client=d.cees,
                                     begin=dt.date(2025, 2, 24), end=dt.date(2025, 2, 28), days=5,
                                     tariff=Decimal("207.48"), amount=Decimal("1037.40"), prestatiecode="V754B")
    d.declaration = DeclarationFactory(organization=org, contract=d.contract, zorgkantoor=zorgkantoor, year=2025,
                                       month=3, reference="D2025-03-001", status=Declaration.Status.SUBMITTED,
                                       submitted_at=timezone.now())
    d.line_anna = DeclarationLineFactory(organization=org, declaration=d.declaration, number=1, client=d.anna,
                                         begin=dt.date(2025, 3, 1), end=dt.date(2025, 3, 10), days=10,
                                         tariff=Decimal("207.48"), amount=Decimal("2074.80"), prestatiecode="V754B")
    DeclarationLineFactory(organization=org, declaration=d.declaration, number=2, client=d.bram,
                           begin=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31), days=31, tariff=Decimal("215.00"),
                           amount=Decimal("6665.00"), prestatiecode="V754B")
    DeclarationLineFactory(organization=org, declaration=d.declaration, number=3, client=d.cees,
                           begin=dt.date(2025, 2, 24), end=dt.date(2025, 2, 28), days=5, tariff=Decimal("207.48"),
                           amount=Decimal("1037.40"), side=DeclarationLine.Side.CREDIT, corrects=earlier,
                           prestatiecode="V754B")

    p, r = Decimal("150.00"), Decimal("160.00")
    tariff = Decimal("207.48")
    add_days(org, d.anna, d.noord, dt.date(2025, 3, 1), dt.date(2025, 3, 10), amount=tariff, planned=p, realised=r,
             declared_line=d.line_anna)
    add_days(org, d.anna, d.noord, dt.date(2025, 3, 11), dt.date(2025, 3, 13), amount=tariff, planned=p, realised=r,
             absence="admission")
    add_days(org, d.anna, d.noord, dt.date(2025, 3, 14), dt.date(2025, 3, 15), amount=tariff, planned=p, realised=r,
             absence="admission", billable=False, reason="admission_limit")
    add_days(org, d.anna, d.noord, dt.date(2025, 3, 16), dt.date(2025, 3, 31), amount=tariff, planned=p, realised=r)
    # An old version of a recomputed day: never counted.
    add_days(org, d.anna, d.noord, dt.date(2025, 3, 20), dt.date(2025, 3, 20), amount=Decimal("999.00"), planned=p,
             realised=r, superseded=True)
    add_days(org, d.bram, d.noord, *MARCH, amount=Decimal("215.00"), planned=Decimal("200.00"),
             realised=Decimal("230.00"))
    add_days(org, d.cees, d.zuid, dt.date(2025, 3, 1), dt.date(2025, 3, 15), amount=tariff, planned=Decimal("100.00"),
             realised=Decimal("90.00"))
    # Another month and another organisation's rows stay out.
    add_days(org, d.cees, d.zuid, dt.date(2025, 4, 1), dt.date(2025, 4, 3), amount=tariff, planned=p, realised=r)
    return d


# --- helpers ---------------------------------------------------------------------------------------


def pdf_text(pdf: bytes, name: str = "") -> str:
    assert pdf.startswith(b"%PDF")
    if SHOTS and name:
        folder = Path(SHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(folder / f"{name}.pdf"), str(folder / name)], check=True)
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def pages(text: str) -> list[str]:
    return [page for page in text.split("\f") if page.strip()]


def job(org, kind, fmt, **params) -> ExportJob:  # noqa: ANN001
    return ExportJob(organization=org, kind=kind, format=fmt, params=params, title="Test export")


def build(org, kind, fmt, **params) -> exports.Built:  # noqa: ANN001
    return exports.build(job(org, kind, fmt, **params))


def read_csv(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def read_xlsx(content: bytes) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}


def money(value) -> Decimal:  # noqa: ANN001
    return Decimal(str(value)).quantize(Decimal("0.01"))


def statement_job(org, client, fmt="pdf") -> exports.Built:  # noqa: ANN001
    return build(org, ExportJob.Kind.CLIENT_STATEMENT, fmt, client_id=client.pk, year=2025, month=3)


# --- the documents -----------------------------------------------------------------------------------


def test_client_statement_pdf_shows_periods_reasons_budget_and_page_numbers(data):  # noqa: ANN001
    built = statement_job(data.org, data.anna)
    assert built.filename == f"maandoverzicht-client-{data.anna.pk}-2025-03.pdf"
    assert built.client_ids == [data.anna.pk]
    text = pdf_text(built.content, "statement")
    flat = " ".join(text.split())
    assert "Monthly statement" in text and "Anna Jansen · March 2025" in flat
    assert data.org.name in text and f"AGB code {data.org.agb_code}" in text
    assert "01-03-2025 – 31-03-2025" in flat
    assert "••••••" + data.anna.bsn_last4[-3:] in text and data.anna.reveal_bsn() not in text
    # Periods: 1-13 billable (11-13 absent), 14-15 not billable with the reason, 16-31.
    assert "01-03-2025 – 10-03-2025" in flat and "11-03-2025 – 13-03-2025" in flat
    assert "14-03-2025 – 15-03-2025" in flat and "16-03-2025 – 31-03-2025" in flat
    assert "Admission beyond 91 days without extension" in flat and "Admission" in text
    assert "5VV" in text and "V754B" in text
    # 29 billable days x 207.48; declared: days 1-10; the superseded 999.00 never counts.
    assert "6,016.92" in text and "29 days billable" in flat
    assert "Already part of a declaration: 10 days, € 2,074.80." in flat
    assert "999.00" not in text
    # Budget: earned 6,016.92, planned 31 x 150, realised 31 x 160, margin 1,056.92 (17.6 %).
    assert "4,650.00" in text and "4,960.00" in text and "1,056.92" in text and "17.6 %" in text
    assert "Page 1 of 1" in text or "page 1 of 1" in text


def test_statement_of_a_month_without_results_says_so(data):  # noqa: ANN001
    built = build(data.org, ExportJob.Kind.CLIENT_STATEMENT, "pdf", client_id=data.anna.pk, year=2025, month=1)
    assert "The daily calculation has no results for this client in this month." in " ".join(
        pdf_text(built.content).split())


def test_bundle_of_statements_has_a_cover_with_totals_and_an_index(data):  # noqa: ANN001
    progress = []
    built = exports.build(job(data.org, ExportJob.Kind.CLIENT_STATEMENT, "pdf", year=2025, month=3),
                          progress=progress.append)
    assert built.filename == "maandoverzichten-2025-03.pdf"
    assert sorted(built.client_ids) == sorted([data.anna.pk, data.bram.pk, data.cees.pk])
    assert progress == sorted(progress) and progress[-1] == 95
    text = pdf_text(built.content, "statements")
    doc = pages(text)
    cover, rest = doc[0], doc[1:]
    assert "Monthly statements" in cover and "All teams" in cover
    # Billable amounts: Anna 6,016.92 + Bram 6,665.00 + Cees 3,112.20 = 15,794.12; margin 2,354.12.
    assert "15,794.12" in cover and "2,354.12" in cover and "13,440.00" in cover
    # Index by name: Bakker, Jansen, Vries; each statement starts on the page the index says.
    names = ["Bakker, Cees", "Jansen, Anna", "Vries, Bram de"]
    assert [cover.index(n) for n in names] == sorted(cover.index(n) for n in names)
    assert len(rest) == 3
    for name, page in zip(["Cees Bakker", "Anna Jansen", "Bram de Vries"], rest, strict=True):
        assert name in page and "page 1 of 1" in page
    assert "-465.00" in text  # Bram's margin


def test_bundle_for_one_team_leaves_the_other_team_out(data):  # noqa: ANN001
    built = build(data.org, ExportJob.Kind.CLIENT_STATEMENT, "pdf", year=2025, month=3, team_id=data.zuid.pk)
    assert built.client_ids == [data.cees.pk]
    text = pdf_text(built.content)
    assert "Team Zuid" in text and "Cees Bakker" in text and "Anna Jansen" not in text
    assert built.filename == f"maandoverzichten-2025-03-team-{data.zuid.pk}.pdf"


def test_a_bundle_too_large_for_one_pdf_asks_for_a_team(data, monkeypatch):  # noqa: ANN001
    monkeypatch.setattr(exports, "MAX_BUNDLE_CLIENTS", 2)
    with pytest.raises(exports.ExportError, match="3 clients are too many for one PDF"):
        build(data.org, ExportJob.Kind.CLIENT_STATEMENT, "pdf", year=2025, month=3)
    assert build(data.org, ExportJob.Kind.CLIENT_STATEMENT, "pdf", year=2025, month=3,
                 team_id=data.zuid.pk).client_ids == [data.cees.pk]
    assert build(data.org, ExportJob.Kind.CLIENT_STATEMENT, "csv", year=2025, month=3).content


def test_declaration_overview_pdf_has_totals_and_masked_bsn(data):  # noqa: ANN001
    built = build(data.org, ExportJob.Kind.DECLARATION, "pdf", declaration_id=data.declaration.pk)
    assert built.filename == "declaratie-D2025-03-001.pdf"
    assert sorted(built.client_ids) == sorted([data.anna.pk, data.bram.pk, data.cees.pk])
    text = pdf_text(built.content, "declaration")
    flat = " ".join(text.split())
    assert "Declaration overview" in text and "D2025-03-001" in text and "Zorgkantoor Haaglanden" in text
    assert "Submitted" in text and "March 2025" in text
    assert "Jansen, Anna" in text and "••••••" + data.anna.bsn_last4[-3:] in text
    assert data.anna.reveal_bsn() not in text
    assert "corrects line 1" in flat
    # Debit 2,074.80 + 6,665.00 = 8,739.80; credit 1,037.40; net 7,702.40.
    assert "8,739.80" in text and "1,037.40" in text and "7,702.40" in text
    assert "Total debit" in text and "Total credit" in text and "Net (debit − credit)" in flat
    assert "page 1 of 1" in text


def test_long_declaration_breaks_across_pages_with_repeated_headers(data):  # noqa: ANN001
    with tenant_scope(data.org):
        DeclarationLine.objects.bulk_create([
            DeclarationLine(organization=data.org, declaration=data.declaration, number=n, reference=f"L{n}",
                            client=data.bram, zorgprofiel="754", prestatiecode="V754B",
                            begin=dt.date(2025, 3, 1), end=dt.date(2025, 3, 1), days=1, tariff=Decimal("215.00"),
                            amount=Decimal("215.00"))
            for n in range(4, 124)
        ])
    text = pdf_text(build(data.org, ExportJob.Kind.DECLARATION, "pdf", declaration_id=data.declaration.pk).content,
                    "declaration-long")
    doc = pages(text)
    assert len(doc) >= 3
    for number, page in enumerate(doc, 1):
        assert f"page {number} of {len(doc)}" in page
        assert "Prestatie" in page and "D/C" in page  # the table header on every page
    # 120 more debit lines of 215.00: debit 8,739.80 + 25,800.00.
    assert "34,539.80" in doc[-1] and "33,502.40" in doc[-1]


def test_team_budget_pdf_per_team_and_client_with_totals(data):  # noqa: ANN001
    built = build(data.org, ExportJob.Kind.TEAM_BUDGET, "pdf", year=2025, month=3)
    assert built.filename == "teambudget-2025-03.pdf"
    text = pdf_text(built.content, "team-budget")
    flat = " ".join(text.split())
    assert "Team budget report" in text and "March 2025" in text
    # Noord: 62 days, 12,681.92 earned, 10,850.00 planned, 12,090.00 realised, margin 591.92 (4.7 %).
    assert "12,681.92" in text and "10,850.00" in text and "12,090.00" in text and "591.92" in text
    assert "4.7 %" in text and "Total Team Noord" in flat
    # Zuid: 15 days, 3,112.20, margin 1,762.20 (56.6 %); grand total 77 days, margin 2,354.12 (14.9 %).
    assert "1,762.20" in text and "56.6 %" in text
    assert "15,794.12" in text and "2,354.12" in text and "14.9 %" in text and "Grand total" in text
    assert "-465.00" in text and "-7.0 %" in text  # Bram, over budget
    assert "page 1 of" in text


def test_team_budget_over_a_range_for_one_team(data):  # noqa: ANN001
    built = build(data.org, ExportJob.Kind.TEAM_BUDGET, "pdf", first="2025-03-10", last="2025-03-20",
                  team_id=data.zuid.pk)
    assert built.filename == f"teambudget-20250310-20250320-team-{data.zuid.pk}.pdf"
    text = pdf_text(built.content)
    # Cees: days 10-15, 6 x 207.48 = 1,244.88.
    assert "10-03-2025 – 20-03-2025" in " ".join(text.split()) and "1,244.88" in text
    assert "Team Noord" not in text and built.client_ids == [data.cees.pk]


def test_documents_are_dutch_in_the_dutch_ui(data):  # noqa: ANN001
    with translation.override("nl"):
        text = pdf_text(statement_job(data.org, data.anna).content)
    assert "pagina 1 van 1" in text and "6.016,92" in text and "maart 2025" in text


def test_illustrative_tariffs_are_labelled(data, tariffs):  # noqa: ANN001
    text = pdf_text(build(data.org, ExportJob.Kind.TEAM_BUDGET, "pdf", year=2025, month=3).content)
    assert "Illustrative — not the official NZa amounts." in text


# --- sheets: the same figures --------------------------------------------------------------------------


def test_statement_csv_and_xlsx_carry_the_same_totals(data):  # noqa: ANN001
    rows = read_csv(build(data.org, ExportJob.Kind.CLIENT_STATEMENT, "csv", year=2025, month=3).content)
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header[:4] == ["Client", "Client number", "BSN", "Date"]
    assert len(body) == 31 + 31 + 15
    assert total[0] == "Total" and total[11:] == ["15794,12", "15794,12", "12350,00", "13440,00", "2354,12"]
    anna_14 = next(r for r in body if r[0] == "Jansen, Anna" and r[3] == "14-03-2025")
    assert anna_14[7] == "no" and anna_14[8] == "Admission beyond 91 days without extension"
    assert anna_14[9] == "Admission" and anna_14[11] == "0,00"

    sheets = read_xlsx(build(data.org, ExportJob.Kind.CLIENT_STATEMENT, "xlsx", year=2025, month=3).content)
    assert list(sheets) == ["Days", "Clients", "About"]
    days_total = sheets["Days"][-1]
    assert days_total[0] == "Total" and [money(v) for v in days_total[11:]] == [
        Decimal("15794.12"), Decimal("15794.12"), Decimal("12350.00"), Decimal("13440.00"), Decimal("2354.12")]
    assert isinstance(sheets["Days"][1][3], dt.datetime)  # dates are dates
    clients = {row[0]: row for row in sheets["Clients"][1:]}
    assert money(clients["Jansen, Anna"][6]) == Decimal("6016.92") and clients["Jansen, Anna"][5] == 29
    assert money(clients["Jansen, Anna"][7]) == Decimal("2074.80")
    assert money(clients["Total"][11]) == Decimal("2354.12") and float(clients["Total"][12]) == 14.9


def test_declaration_csv_and_xlsx(data):  # noqa: ANN001
    rows = read_csv(build(data.org, ExportJob.Kind.DECLARATION, "csv", declaration_id=data.declaration.pk).content)
    assert rows[-3][0] == "Total debit" and rows[-3][11] == "8739,80"
    assert rows[-2][0] == "Total credit" and rows[-2][11] == "1037,40"
    assert rows[-1][0] == "Net" and rows[-1][11] == "7702,40"
    credit = rows[3]
    assert credit[12] == "C" and credit[13] == "1" and credit[4] == "••••••" + data.cees.bsn_last4[-3:]
    sheet = read_xlsx(build(data.org, ExportJob.Kind.DECLARATION, "xlsx",
                            declaration_id=data.declaration.pk).content)["Declaration"]
    assert [(r[0], money(r[11])) for r in sheet[-3:]] == [
        ("Total debit", Decimal("8739.80")), ("Total credit", Decimal("1037.40")), ("Net", Decimal("7702.40"))]


def test_team_budget_csv_and_xlsx(data):  # noqa: ANN001
    rows = read_csv(build(data.org, ExportJob.Kind.TEAM_BUDGET, "csv", year=2025, month=3).content)
    by_label = {(r[0], r[1]): r for r in rows[1:]}
    assert by_label[("Team Noord", "Team total")][3:] == ["62", "12681,92", "10850,00", "12090,00", "591,92", "4,7"]
    assert by_label[("Team Noord", "Vries, Bram de")][7:] == ["-465,00", "-7,0"]  # a number, not text
    assert rows[-1][0] == "Grand total" and rows[-1][3:] == ["77", "15794,12", "12350,00", "13440,00", "2354,12",
                                                             "14,9"]
    sheets = read_xlsx(build(data.org, ExportJob.Kind.TEAM_BUDGET, "xlsx", year=2025, month=3).content)
    assert list(sheets) == ["Teams", "Clients", "About"]
    teams = sheets["Teams"]
    assert teams[-1][0] == "Grand total" and teams[-1][1] == 3 and teams[-1][2] == 77
    assert money(teams[-1][6]) == Decimal("2354.12")
    assert money(sheets["Clients"][-1][7]) == Decimal("2354.12")
    assert [r[0] for r in teams[1:-1]] == ["Team Noord", "Team Zuid"]


def test_sheets_never_carry_a_formula(data):  # noqa: ANN001
    with tenant_scope(data.org):
        data.cees.last_name = "=HYPERLINK(\"http://x\")"
        data.cees.save(update_fields=["last_name"])
    rows = read_csv(build(data.org, ExportJob.Kind.TEAM_BUDGET, "csv", year=2025, month=3).content)
    assert any(r[1].startswith("'=HYPERLINK") for r in rows)
    workbook = load_workbook(io.BytesIO(build(data.org, ExportJob.Kind.TEAM_BUDGET, "xlsx", year=2025,
                                              month=3).content))
    cells = [c for row in workbook["Clients"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(c.value.startswith("'=HYPERLINK") for c in cells)
    assert all(c.data_type != "f" for c in cells)


# --- the job flow ------------------------------------------------------------------------------------


def post_export(persona: Persona, capture, **fields) -> object:  # noqa: ANN001
    key = fields.pop("kind")
    data = {"kind": key, **{f"{key}-{name}": value for name, value in fields.items() if name != "now"}}
    if fields.get("now"):
        data["now"] = "1"
    with capture(execute=True):
        return persona.client.post(reverse("billing:exports"), data)


def test_request_made_at_once_and_downloaded_with_access_log(finance, data, eager,  # noqa: ANN001
                                                             django_capture_on_commit_callbacks):
    response = post_export(finance, django_capture_on_commit_callbacks, kind="statements", month="2025-03",
                           team="", format="pdf")
    assert response.status_code == 302
    with tenant_scope(data.org):
        job = ExportJob.objects.get()
    assert response["Location"] == reverse("billing:export_detail", args=[job.pk])
    assert job.status == ExportJob.Status.DONE and job.progress == 100 and job.finished_at is not None
    assert job.title == "Monthly statements March 2025, all teams" and job.requested_by == finance.user
    assert job.params["language"] == "en" and sorted(job.params["involved_client_ids"]) == sorted(
        [data.anna.pk, data.bram.pk, data.cees.pk])

    page = finance.client.get(reverse("billing:export_detail", args=[job.pk]))
    body = page.content.decode()
    assert "The document is ready." in body and reverse("billing:export_download", args=[job.pk]) in body
    assert 'hx-trigger="every 2s"' not in body  # finished: no more polling

    download = finance.client.get(reverse("billing:export_download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="maandoverzichten-2025-03.pdf"'
    assert "15,794.12" in pdf_text(download.content)
    with tenant_scope(data.org):
        printed = AccessLog.objects.filter(action=AccessLog.Action.PRINT, object_type="billing.exportjob")
        assert sorted(printed.values_list("client_id", flat=True)) == sorted([data.anna.pk, data.bram.pk, data.cees.pk])

    listing = finance.client.get(reverse("billing:exports")).content.decode()
    assert "Monthly statements March 2025, all teams" in listing and "Ready" in listing


@pytest.mark.parametrize(("fmt", "content_type"), [
    ("csv", "text/csv; charset=utf-8"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_sheets_download_with_their_content_type(finance, data, eager, fmt, content_type,  # noqa: ANN001
                                                 django_capture_on_commit_callbacks):
    post_export(finance, django_capture_on_commit_callbacks, kind="declaration", declaration=data.declaration.pk,
                format=fmt)
    with tenant_scope(data.org):
        job = ExportJob.objects.get()
    download = finance.client.get(reverse("billing:export_download", args=[job.pk]))
    assert download["Content-Type"] == content_type
    assert download["Content-Disposition"] == f'attachment; filename="declaratie-D2025-03-001.{fmt}"'
    with tenant_scope(data.org):
        assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, object_id=str(job.pk)).count() == 3


def test_every_form_makes_its_job(finance, data, eager, django_capture_on_commit_callbacks):  # noqa: ANN001
    capture = django_capture_on_commit_callbacks
    assert post_export(finance, capture, kind="statement", client=data.anna.pk, month="2025-03",
                       format="xlsx").status_code == 302
    assert post_export(finance, capture, kind="team_budget", team=data.noord.pk, month="2025-03", first="",
                       last="", format="csv").status_code == 302
    assert post_export(finance, capture, kind="team_budget", team="", month="", first="2025-03-01",
                       last="2025-03-15", format="pdf").status_code == 302
    with tenant_scope(data.org):
        jobs = list(ExportJob.objects.order_by("pk").values_list("kind", "format", "status", "filename", "title"))
    assert jobs == [
        ("client_statement", "xlsx", "done", f"maandoverzicht-client-{data.anna.pk}-2025-03.xlsx",
         "Monthly statement Anna Jansen, March 2025"),
        ("team_budget", "csv", "done", f"teambudget-2025-03-team-{data.noord.pk}.csv",
         "Team budget report March 2025, Team Noord"),
        ("team_budget", "pdf", "done", "teambudget-20250301-20250315.pdf",
         "Team budget report 01-03-2025 – 15-03-2025, all teams"),
    ]


def test_pdf_now_for_one_client(finance, data, django_capture_on_commit_callbacks):  # noqa: ANN001
    response = post_export(finance, django_capture_on_commit_callbacks, kind="statement", client=data.anna.pk,
                           month="2025-03", format="pdf", now=True)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "6,016.92" in pdf_text(response.content)
    with tenant_scope(data.org):
        assert not ExportJob.objects.exists()
        assert AccessLog.objects.filter(action=AccessLog.Action.PRINT, client_id=data.anna.pk).count() == 1


def test_invalid_requests_are_refused_with_a_message(finance, data, django_capture_on_commit_callbacks):  # noqa: ANN001
    capture = django_capture_on_commit_callbacks
    body = post_export(finance, capture, kind="statement", client="", month="2025-03", format="pdf").content.decode()
    assert "Search for the client and choose one." in body
    body = post_export(finance, capture, kind="team_budget", team="", month="", first="2025-03-10",
                       last="2025-03-01", format="pdf").content.decode()
    assert "The last day comes before the first day." in body
    body = post_export(finance, capture, kind="team_budget", team="", month="", first="2024-01-01",
                       last="2025-03-01", format="pdf").content.decode()
    assert "A period covers at most 366 days." in body
    other = ClientFactory(organization=TeamFactory().organization)  # another organisation's client
    body = post_export(finance, capture, kind="statement", client=other.pk, month="2025-03",
                       format="pdf").content.decode()
    assert "Search for the client and choose one." in body
    with tenant_scope(data.org):
        assert not ExportJob.objects.exists()
    assert finance.client.post(reverse("billing:exports"), {"kind": "nonsense"}).status_code == 400


def test_a_failing_job_ends_failed_with_the_error(data, eager):  # noqa: ANN001
    declaration_job = ExportJobFactory(organization=data.org, kind=ExportJob.Kind.DECLARATION, format="pdf",
                                       params={"declaration_id": 999999}, status=ExportJob.Status.QUEUED,
                                       progress=0, content=None, filename="")
    with pytest.raises(exports.ExportError):
        export_tasks.make_export(data.org.pk, declaration_job.pk)
    with tenant_scope(data.org):
        declaration_job.refresh_from_db()
    assert declaration_job.status == ExportJob.Status.FAILED
    assert declaration_job.error == "The declaration no longer exists." and declaration_job.finished_at


def test_an_unexpected_error_is_recorded_and_reraised(data, eager, monkeypatch):  # noqa: ANN001
    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "team_budget_pdf", broken)
    failing = ExportJobFactory(organization=data.org, kind=ExportJob.Kind.TEAM_BUDGET, format="pdf",
                               params={"year": 2025, "month": 3}, status=ExportJob.Status.QUEUED, progress=0,
                               content=None, filename="")
    with pytest.raises(RuntimeError):
        export_tasks.make_export(data.org.pk, failing.pk)
    with tenant_scope(data.org):
        failing.refresh_from_db()
    assert failing.status == ExportJob.Status.FAILED and "RuntimeError: disk full" in failing.error
    assert failing.progress == 40  # how far it came


def test_failed_job_page_shows_the_error(finance, data, eager, monkeypatch,  # noqa: ANN001
                                         django_capture_on_commit_callbacks):
    monkeypatch.setattr(exports, "declaration_pdf", lambda *a, **k: (_ for _ in ()).throw(ValueError("bad")))
    response = post_export(finance, django_capture_on_commit_callbacks, kind="declaration",
                           declaration=data.declaration.pk, format="pdf")
    assert response.status_code == 302  # the request itself succeeded; the job records the failure
    with tenant_scope(data.org):
        failed = ExportJob.objects.get()
    assert failed.status == ExportJob.Status.FAILED
    body = finance.client.get(response["Location"]).content.decode()
    assert "The document could not be made." in body and "ValueError: bad" in body
    download = finance.client.get(reverse("billing:export_download", args=[failed.pk]))
    assert download.status_code == 302


def test_progress_is_written_per_client_and_reaches_100(data, eager, monkeypatch):  # noqa: ANN001
    seen = []
    original = export_tasks._ProgressReporter.__call__  # noqa: SLF001

    def spy(self, percent):  # noqa: ANN001, ANN202
        original(self, percent)
        with tenant_scope(data.org):
            seen.append(ExportJob.objects.filter(pk=self.job_id).values_list("progress", flat=True).first())

    monkeypatch.setattr(export_tasks._ProgressReporter, "__call__", spy)  # noqa: SLF001
    monkeypatch.setattr(exports, "CHUNK_CLIENTS", 1)
    bundle = ExportJobFactory(organization=data.org, kind=ExportJob.Kind.CLIENT_STATEMENT, format="pdf",
                              params={"year": 2025, "month": 3}, status=ExportJob.Status.QUEUED, progress=0,
                              content=None, filename="")
    assert export_tasks.make_export(data.org.pk, bundle.pk) == "done"
    # Reading: one step per client (chunks of one); rendering: one per client.
    assert seen == sorted(seen) and len(set(seen)) >= 6 and seen[-1] == 95
    with tenant_scope(data.org):
        bundle.refresh_from_db()
    assert bundle.progress == 100 and bundle.status == ExportJob.Status.DONE


def test_running_job_page_polls_every_two_seconds(finance, data):  # noqa: ANN001
    running = ExportJobFactory(organization=data.org, requested_by=finance.user, status=ExportJob.Status.RUNNING,
                               progress=42, content=None, filename="")
    body = finance.client.get(reverse("billing:export_detail", args=[running.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in body and 'value="42"' in body
    partial = finance.client.get(reverse("billing:export_detail", args=[running.pk]), HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<div id="job-status"')
    listing = finance.client.get(reverse("billing:exports")).content.decode()
    assert 'hx-trigger="every 2s"' in listing and "42 %" in listing


def test_a_job_is_made_once(data, eager):  # noqa: ANN001
    done = ExportJobFactory(organization=data.org)
    assert export_tasks.make_export(data.org.pk, done.pk) == "skipped"
    assert export_tasks.make_export(data.org.pk, 999999) == "skipped"


def test_purge_removes_jobs_older_than_seven_days(data):  # noqa: ANN001
    old = ExportJobFactory(organization=data.org)
    fresh = ExportJobFactory(organization=data.org)
    with tenant_scope(data.org):
        ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    assert export_tasks.purge_exports()[data.org.pk] == 1
    with tenant_scope(data.org):
        assert list(ExportJob.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_sweep_resends_lost_jobs_and_fails_dead_ones(data, eager):  # noqa: ANN001
    lost = ExportJobFactory(organization=data.org, kind=ExportJob.Kind.TEAM_BUDGET, format="csv",
                            params={"year": 2025, "month": 3}, status=ExportJob.Status.QUEUED, progress=0,
                            content=None, filename="")
    dead = ExportJobFactory(organization=data.org, status=ExportJob.Status.RUNNING, progress=30, content=None,
                            params={"started_at": (timezone.now() - dt.timedelta(hours=1)).isoformat()})
    busy = ExportJobFactory(organization=data.org, status=ExportJob.Status.RUNNING, progress=30, content=None,
                            params={"started_at": timezone.now().isoformat()})
    with tenant_scope(data.org):
        ExportJob.objects.update(created_at=timezone.now() - dt.timedelta(hours=1))
    assert export_tasks.sweep_exports() == {"resent": 1, "failed": 1}
    with tenant_scope(data.org):
        statuses = dict(ExportJob.objects.values_list("pk", "status"))
        error = ExportJob.objects.filter(pk=dead.pk).values_list("error", flat=True).first()
    assert statuses == {lost.pk: "done", dead.pk: "failed", busy.pk: "running"}
    assert "interrupted" in error


# --- who sees what ----------------------------------------------------------------------------------


def test_another_organisation_gets_404(data, admin_b):  # noqa: ANN001
    theirs = ExportJobFactory(organization=data.org)
    for name in ("billing:export_detail", "billing:export_download"):
        assert admin_b.client.get(reverse(name, args=[theirs.pk])).status_code == 404


def test_coach_and_team_manager_get_403(data, make_persona):  # noqa: ANN001
    theirs = ExportJobFactory(organization=data.org)
    for role in (Role.CLIENT_COACH, Role.TEAM_MANAGER):
        persona = make_persona(data.org, role)
        assert persona.client.get(reverse("billing:exports")).status_code == 403
        assert persona.client.get(reverse("billing:export_client_search")).status_code == 403
        for name in ("billing:export_detail", "billing:export_download"):
            assert persona.client.get(reverse(name, args=[theirs.pk])).status_code == 403


def test_admin_sees_own_and_finance_jobs_only(data, finance, make_persona):  # noqa: ANN001
    admin = english_ui(make_persona(data.org, Role.ADMIN))
    other_admin = make_persona(data.org, Role.ADMIN)
    of_finance = ExportJobFactory(organization=data.org, requested_by=finance.user, title="Finance job")
    of_admin = ExportJobFactory(organization=data.org, requested_by=admin.user, title="Own job")
    of_other = ExportJobFactory(organization=data.org, requested_by=other_admin.user, title="Colleague job")
    listing = admin.client.get(reverse("billing:exports")).content.decode()
    assert "Finance job" in listing and "Own job" in listing and "Colleague job" not in listing
    assert admin.client.get(reverse("billing:export_detail", args=[of_other.pk])).status_code == 404
    assert admin.client.get(reverse("billing:export_detail", args=[of_finance.pk])).status_code == 200
    # Finance sees every export of the organisation.
    listing = finance.client.get(reverse("billing:exports")).content.decode()
    assert all(t in listing for t in ("Finance job", "Own job", "Colleague job"))
    assert finance.client.get(reverse("billing:export_download", args=[of_admin.pk])).status_code == 200


def test_client_search_offers_visible_clients_and_logs_the_search(finance, data):  # noqa: ANN001
    partial = finance.client.get(reverse("billing:export_client_search"), {"q": "jans"}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "Jansen, Anna" in body and f'value="{data.anna.pk}"' in body and "Vries" not in body
    assert "<html" not in body
    with tenant_scope(data.org):
        entry = AccessLog.objects.filter(action=AccessLog.Action.SEARCH).get()
    assert "jans" not in entry.description
    page = finance.client.get(reverse("billing:export_client_search"), {"q": "jans"})
    assert "<html" in page.content.decode() and "Jansen, Anna" in page.content.decode()


def test_exports_page_renders_every_form(finance, data):  # noqa: ANN001
    body = finance.client.get(reverse("billing:exports")).content.decode()
    for text in ("Monthly statement of one client", "Monthly statements of all clients", "Declaration overview",
                 "Team budget report", "D2025-03-001", "Team Noord", "PDF now"):
        assert text in body


# --- in a real browser: the progress page follows the job -------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_progress_page_follows_the_job_until_the_download(live_server, browser, data, finance):  # noqa: ANN001
    running = ExportJobFactory(organization=data.org, requested_by=finance.user, status=ExportJob.Status.RUNNING,
                               progress=42, content=None, filename="", title="Monthly statements March 2025")
    context = browser.new_context(viewport={"width": 768, "height": 1024})
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                          "value": finance.client.cookies[settings.SESSION_COOKIE_NAME].value},
                         {"name": settings.LANGUAGE_COOKIE_NAME, "url": live_server.url, "value": "en"}])
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('billing:export_detail', args=[running.pk])}")
    assert page.locator("progress").get_attribute("value") == "42"
    with tenant_scope(data.org):
        ExportJob.objects.filter(pk=running.pk).update(progress=80)
    expect(page.locator("progress")).to_have_attribute("value", "80", timeout=6000)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/page-detail-running.png", full_page=True)
    with tenant_scope(data.org):
        ExportJob.objects.filter(pk=running.pk).update(status=ExportJob.Status.DONE, progress=100, content=b"a;b\r\n",
                                                       filename="export.csv", format="csv")
    page.get_by_test_id("download").wait_for(timeout=6000)
    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    assert download.value.suggested_filename == "export.csv"
    page.wait_for_timeout(2500)  # finished: no further polling replaces the block
    assert page.get_by_test_id("download").is_visible()
    context.close()
