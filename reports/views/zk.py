"""The zorgkantoor's side of provider reports: the review inbox, the report page with the
review actions and comments, comparisons, the region overview (page and exports) and the
contracts. Thin: the rules are in reports.services; every read goes through
reports.selectors / reports.region, which read only through the `funder_objects` managers
(reports addressed to this zorgkantoor, never drafts, never a provider's own tables)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.exports import Table, write_csv, write_xlsx
from reports import region, selectors, services
from reports.forms_zk import (
    ApproveForm,
    ClarifyForm,
    CommentForm,
    CompareForm,
    InboxFilterForm,
    PeriodForm,
    YearForm,
    default_period,
)
from reports.models import ProviderReport, ReportComment, period_label
from reports.sections import section_label
from reports.views.common import requested_version, run_action, zorgkantoor_only
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm
from vpt.wlz import codes

PAGE_SIZE = 25
ZK = ReportComment.Side.ZORGKANTOOR
A = services.A
MAX_DEFAULT_COLUMNS = 12  # providers compared when none are chosen






def _to_detail(report: ProviderReport) -> HttpResponse:
    return redirect("zk:detail", providerreport_id=report.pk)


def _contract_years() -> set[int]:
    return set(selectors.funder_contracts().values_list("year", flat=True))


# --------------------------------------------------------------------------- inbox


@zorgkantoor_only
@requires(Perm.REVIEW_REPORTS)
def inbox(request: HttpRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET or None, providers=selectors.contracted_providers(), years=_contract_years())
    filters = form.filters()
    page = Paginator(selectors.inbox(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    waiting_count = selectors.inbox(waiting_only=True).count()
    context = {
        "form": form, "page": page, "waiting_tab": filters["waiting_only"], "waiting_count": waiting_count,
        "filtered": any(filters[k] for k in ("status", "year", "quarter", "provider_id", "search")),
    }
    template = "reports/zk/inbox.html#results" if request.htmx else "reports/zk/inbox.html"
    return render(request, template, context)


# --------------------------------------------------------------------------- the report




@zorgkantoor_only
@requires(Perm.REVIEW_REPORTS)
def detail(request: HttpRequest, providerreport_id: int) -> HttpResponse:
    report = selectors.access_report_by_id(request, providerreport_id)
    versions = selectors.versions(report, ZK)
    if not versions:
        raise Http404
    version = selectors.access_version(report, ZK, requested_version(request))
    actions = {t.action: t for t in services.available_actions(report, ZK)}
    can_comment = report.status in services.COMMENTABLE
    comments = selectors.comments_by_section(report, ZK)
    context = {
        "report": report,
        "version": version,
        "versions": versions,
        "is_latest": version.number == versions[-1].number,
        "figures": version.figures if isinstance(version.figures, dict) else {},
        "side": ZK,
        "comments": comments,
        "can_comment": can_comment,
        "can_answer": False,
        "events": selectors.history(report, ZK),
        "actions": actions,
        "can_start": A.REVIEW_STARTED in actions,
        "can_approve": A.APPROVED in actions,
        "can_clarify": A.CLARIFICATION in actions,
        "approve_form": ApproveForm(),
        "clarify_form": ClarifyForm(),
        "comment_form": CommentForm(),
        "open_comments": sum(sc.open_count for sc in comments.values()),
        "pdf_url": _pdf_url(report, version),
    }
    return render(request, "reports/zk/detail.html", context)


def _pdf_url(report: ProviderReport, version: object) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return f"{reverse('zk:pdf', args=[report.pk])}?v={version.number}"
    except NoReverseMatch:
        return ""


@zorgkantoor_only
@requires(Perm.REVIEW_REPORTS)
@require_POST
def start_review(request: HttpRequest, providerreport_id: int) -> HttpResponse:
    report = selectors.access_report_by_id(request, providerreport_id)
    run_action(request, None, lambda _data: services.review_start(acting=request.membership, report=report),
               _("Review started. Approve the report or ask for clarification."))
    return _to_detail(report)


@zorgkantoor_only
@requires(Perm.REVIEW_REPORTS)
@require_POST
def approve(request: HttpRequest, providerreport_id: int) -> HttpResponse:
    report = selectors.access_report_by_id(request, providerreport_id)
    run_action(request, ApproveForm(request.POST),
               lambda data: services.review_approve(acting=request.membership, report=report, note=data["note"]),
               _("The report is approved."))
    return _to_detail(report)


@zorgkantoor_only
@requires(Perm.REVIEW_REPORTS)
@require_POST
def clarify(request: HttpRequest, providerreport_id: int) -> HttpResponse:
    report = selectors.access_report_by_id(request, providerreport_id)
    run_action(request, ClarifyForm(request.POST),
               lambda data: services.review_request_clarification(acting=request.membership, report=report, **data),
               _("Clarification requested: the report went back to the provider."))
    return _to_detail(report)


@zorgkantoor_only
@requires(Perm.REVIEW_REPORTS)
@require_POST
def comment_add(request: HttpRequest, providerreport_id: int) -> HttpResponse:
    report = selectors.access_report_by_id(request, providerreport_id)
    comment = run_action(request, CommentForm(request.POST),
                         lambda data: services.comment_add(acting=request.membership, report=report, **data),
                         lambda c: _("Comment added to “%(section)s”.") % {"section": section_label(c.section)})
    anchor = f"#section-{comment.section}" if comment else ""
    return redirect(f"{_to_detail(report).url}{anchor}")


# --------------------------------------------------------------------------- compare


@zorgkantoor_only
@requires(Perm.REVIEW_REPORTS)
def compare(request: HttpRequest) -> HttpResponse:
    providers = selectors.contracted_providers()
    year, quarter = default_period()
    data = request.GET if "year" in request.GET or "mode" in request.GET else None
    form = CompareForm(data, providers=providers, years=_contract_years(),
                       initial={"year": year, "quarter": quarter, "mode": CompareForm.PROVIDERS})
    mode, columns, chosen, capped_from = CompareForm.PROVIDERS, [], None, 0
    if form.is_valid():
        year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
        mode = form.cleaned_data["mode"] or CompareForm.PROVIDERS
    if mode == CompareForm.PERIODS:
        provider_id = form.cleaned_data.get("provider") if form.is_bound and form.is_valid() else None
        chosen = next((p for p in providers if p.pk == provider_id), None)
        if chosen is not None:
            columns = region.compare_periods(provider_id=chosen.pk)
    else:
        contracted = [p.pk for p in selectors.contracted_providers(year=year)]  # by name
        picked = form.cleaned_data.get("providers") if form.is_bound and form.is_valid() else None
        if not picked and len(contracted) > MAX_DEFAULT_COLUMNS:
            # Side by side stops being readable (and fast) beyond a dozen: the first by name,
            # with a note to choose.
            capped_from, picked = len(contracted), contracted[:MAX_DEFAULT_COLUMNS]
        columns = region.compare_providers(year=year, quarter=quarter,
                                           provider_ids=[pk for pk in (picked or contracted) if pk in contracted])
    context = {"form": form, "mode": mode, "columns": columns, "rows": region.compare_rows(columns),
               "chosen": chosen, "period_label": period_label(year, quarter), "capped_from": capped_from,
               "max_columns": MAX_DEFAULT_COLUMNS}
    return render(request, "reports/zk/compare.html", context)


# --------------------------------------------------------------------------- region


def _period_form(request: HttpRequest) -> tuple[PeriodForm, int, int | None]:
    year, quarter = default_period()
    data = request.GET if "year" in request.GET else None
    form = PeriodForm(data, years=_contract_years(), initial={"year": year, "quarter": quarter})
    if form.is_valid():
        year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
    return form, year, quarter


@zorgkantoor_only
@requires(Perm.REVIEW_REPORTS)
def region_page(request: HttpRequest) -> HttpResponse:
    form, year, quarter = _period_form(request)
    overview = region.region_overview(year=year, quarter=quarter)
    context = {
        "form": form, "overview": overview,
        "realisation_chart": region.realisation_chart(overview) if overview.rows else None,
        "clients_chart": region.clients_chart(overview) if overview.rows and overview.profiles else None,
        "export_query": f"year={year}" + (f"&quarter={quarter}" if quarter else ""),
        "pdf_url": _region_pdf_url(),
    }
    return render(request, "reports/zk/region.html", context)


def _region_pdf_url() -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("zk:region_pdf")
    except NoReverseMatch:
        return ""


@zorgkantoor_only
@requires(Perm.REVIEW_REPORTS)
def region_export(request: HttpRequest) -> HttpResponse:
    _form, year, quarter = _period_form(request)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    overview = region.region_overview(year=year, quarter=quarter)
    header, rows = region.region_table(overview)
    slug = overview.period_label.replace(" ", "-")
    if fmt == "csv":
        content, content_type = write_csv(header, rows), "text/csv; charset=utf-8"
    else:
        title = _("Region overview")
        content = write_xlsx([Table(title, header, rows, frozenset({len(rows) - 1}), {0: 30})],
                             organization=request.organization, title=title, period=overview.period_label)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="regio-overzicht-{slug}.{fmt}"'
    return response


# --------------------------------------------------------------------------- contracts


@zorgkantoor_only
@requires(Perm.REVIEW_REPORTS)
def contracts(request: HttpRequest) -> HttpResponse:
    form = YearForm(request.GET or None, years=_contract_years())
    year = form.cleaned_data["year"] if form.is_valid() else None
    rows = [(c, [(code, codes.zorgprofiel_short(code)) for code in (c.products or [])])
            for c in selectors.funder_contracts(year=year)]
    return render(request, "reports/zk/contracts.html", {"form": form, "rows": rows, "year": year})
