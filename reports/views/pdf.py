"""Report PDFs for both parties and the zorgkantoor's region overview as PDF.

- provider side (`reports:pdf`): the provider's own report, any version (`?v=N`, default
  the latest); a draft renders its draft figures under a "draft" watermark;
- zorgkantoor side (`zk:pdf`): a report addressed to it (never a draft), any version;
- `zk:region_pdf`: the region overview of a period (`?year=&quarter=`, as the page).

The wrong kind of organisation gets 404 before the permission check (as for any object
that is not its own), so a provider's administrator never learns the zorgkantoor pages
exist. Reports hold aggregated figures only; every PDF leaves a PRINT entry in the
access log all the same.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from reports import pdf, selectors
from reports.forms_zk import PeriodForm, default_period
from reports.models import ProviderReport, ReportVersion
from reports.views.common import provider_only, requested_version, zorgkantoor_only
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm


def _attachment(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _report_response(request: HttpRequest, report: ProviderReport, version: ReportVersion | None) -> HttpResponse:
    what = f"v{version.number}" if version is not None else "draft"
    record_access(action=AccessLog.Action.PRINT, request=request, obj=report,
                  description=f"report {report.period_label} ({what}) as PDF")
    return _attachment(pdf.report_pdf(report, version), pdf.report_filename(report, version))


@provider_only
@requires(Perm.SUBMIT_REPORTS)
def provider_report_pdf(request: HttpRequest, providerreport_id: int) -> HttpResponse:
    report = selectors.access_report_by_id(request, providerreport_id)
    number = requested_version(request)
    if report.is_draft and number is None:
        return _report_response(request, report, None)
    version = selectors.access_version(report, selectors.PROVIDER, number)
    return _report_response(request, report, version)


@zorgkantoor_only
@requires(Perm.REVIEW_REPORTS)
def zk_report_pdf(request: HttpRequest, providerreport_id: int) -> HttpResponse:
    report = selectors.access_report_by_id(request, providerreport_id)
    version = selectors.access_version(report, selectors.ZK, requested_version(request))
    return _report_response(request, report, version)


@zorgkantoor_only
@requires(Perm.REVIEW_REPORTS)
def zk_region_pdf(request: HttpRequest) -> HttpResponse:
    from reports import region

    year, quarter = default_period()
    if "year" in request.GET:
        years = set(selectors.funder_contracts().values_list("year", flat=True))
        form = PeriodForm(request.GET, years=years)
        if form.is_valid():
            year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
    overview = region.region_overview(year=year, quarter=quarter)
    record_access(action=AccessLog.Action.PRINT, request=request, object_type="reports.region",
                  description=f"region overview {overview.period_label} as PDF ({overview.totals.reported} reports)")
    return _attachment(pdf.region_pdf(overview, organization=request.organization), pdf.region_filename(overview))
