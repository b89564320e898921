"""A submitted report is frozen: after the data it was computed from changes (a client added
in the period, a respite stay recorded, the contract's agreement changed, the daily run
re-run), the submitted version's figures, fingerprint, page and PDF stay exactly as they
were — while a fresh computation does change, which proves the change mattered."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from billing import daily
from billing.models import DailyRun
from reports import services
from reports.figures import compute
from reports.models import ReportVersion
from reports.pdf import report_pdf
from tests.factories import AbsenceFactory, ClientFactory, MembershipFactory, WlzIndicationFactory
from tests.reports.test_figures import build, regional, tariffs, zorgkantoor  # noqa: F401 (fixtures)
from vpt.tenancy.models import Contract
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope


def body_html(report, version) -> str:  # noqa: ANN001
    with translation.override("nl"):
        return render_to_string("reports/_report_body.html", {
            "report": report, "figures": version.figures, "side": "zorgkantoor", "comments": None,
            "can_comment": False, "can_answer": False,
        })


def pdf_text(report, version) -> str:  # noqa: ANN001
    with translation.override("nl"):
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=report_pdf(report, version),
                              capture_output=True, check=True).stdout.decode()
    # The print moment and the live status are the only things that may differ.
    return re.sub(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}", "<time>", text)


def test_a_submitted_report_does_not_change_with_its_data(regional, zorgkantoor, tariffs):  # noqa: ANN001, F811
    data = build(regional, zorgkantoor)
    finance = MembershipFactory(organization=regional, role=Role.FINANCE)
    with tenant_scope(regional):
        report = services.report_create(acting=finance, contract=data["contract"], year=2026, quarter=1)
        version = services.report_submit(acting=finance, report=report)
        before = {"figures": version.figures, "sha": version.figures_sha256, "html": body_html(report, version),
                  "pdf": pdf_text(report, version)}

    # The data changes after submission.
    with tenant_scope(regional):
        newcomer = ClientFactory(organization=regional, primary_team=data["clients"][0].primary_team,
                                 status="in_care", care_start=dt.date(2026, 2, 1))
        WlzIndicationFactory(organization=regional, client=newcomer, zorgprofiel="755",
                             valid_from=dt.date(2026, 1, 1))
        AbsenceFactory(organization=regional, client=data["clients"][0], kind="respite",
                       left_on=dt.date(2026, 3, 2), returned_on=dt.date(2026, 3, 9))
        Contract.objects.filter(pk=data["contract"].pk).update(production_agreement=Decimal("1.00"))
    daily.run_days(regional, dt.date(2026, 1, 1), dt.date(2026, 3, 31), kind=DailyRun.Kind.RERUN)

    with tenant_scope(regional):
        contract = Contract.objects.get(pk=data["contract"].pk)
        now_figures = compute(regional, contract, 2026, 1)
        assert now_figures["clients"]["total"] != before["figures"]["clients"]["total"]
        assert now_figures["respite"] != before["figures"]["respite"]
        assert now_figures["production"]["year"]["agreement"] == "1.00"

        frozen = ReportVersion.objects.get(pk=version.pk)
        assert frozen.figures == before["figures"]
        assert frozen.figures_sha256 == before["sha"] == services.fingerprint(frozen.figures)
        assert body_html(report, frozen) == before["html"]
        assert pdf_text(report, frozen) == before["pdf"]
        assert "300.000,00" in before["pdf"]  # the agreement as submitted, not the changed one


@pytest.mark.parametrize("statement", [
    "UPDATE reports_reportversion SET figures = '{}'",
    "DELETE FROM reports_reportversion",
])
def test_the_database_refuses_to_change_a_version(org_a, statement):  # noqa: ANN001
    from django.db import DatabaseError, connection, transaction

    from tests.factories import ReportVersionFactory

    ReportVersionFactory(organization=org_a)
    with tenant_scope(org_a), pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
