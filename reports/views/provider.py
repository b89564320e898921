"""The provider's reports to its zorgkantoor: the list, "make a report", the report page
(figures of a version or of the draft, the actions, the comments, the history) and the
POST actions. Thin: the rules are in reports.services, the reads in reports.selectors."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reports import selectors, services
from reports.forms import AnswerForm, ReportCreateForm, ReportFilterForm, ResubmitForm, SubmitForm
from reports.models import ProviderReport, ReportComment
from reports.views.common import provider_only, requested_version, run_action
from vpt.core.forms import add_errors
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm

PAGE_SIZE = 25
PROVIDER = ReportComment.Side.PROVIDER
S = ProviderReport.Status






def _to_detail(report: ProviderReport) -> HttpResponse:
    return redirect("reports:detail", providerreport_id=report.pk)


@provider_only
@requires(Perm.SUBMIT_REPORTS)
def report_list(request: HttpRequest) -> HttpResponse:
    organization = request.organization
    filter_form = ReportFilterForm(request.GET or None, organization=organization)
    filters = filter_form.cleaned_data if filter_form.is_valid() else {}
    reports = selectors.provider_reports(organization=organization, status=filters.get("status") or "",
                                         year=filters.get("year"))
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filter_form": filter_form, "page": page, "filtered": bool(filters.get("status") or filters.get("year"))}
    template = "reports/provider/list.html#results" if request.htmx else "reports/provider/list.html"
    return render(request, template, context)


@provider_only
@requires(Perm.SUBMIT_REPORTS)
def report_create(request: HttpRequest) -> HttpResponse:
    form = ReportCreateForm(request.POST or None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        contract = form.cleaned_data["contract"]
        try:
            report = services.report_create(acting=request.membership, contract=contract, year=contract.year,
                                            quarter=form.quarter(), request=request)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The draft report %(period)s for %(zorgkantoor)s has been made. Check the "
                                        "figures before you submit it.")
                             % {"period": report.period_label, "zorgkantoor": contract.zorgkantoor.name})
            return _to_detail(report)
    return render(request, "reports/provider/create.html", {"form": form})




@provider_only
@requires(Perm.SUBMIT_REPORTS)
def report_detail(request: HttpRequest, providerreport_id: int) -> HttpResponse:
    """The report as a version (?v=N, default the latest) or, for a draft, its working figures."""
    report = selectors.access_report_by_id(request, providerreport_id)
    versions = selectors.versions(report, PROVIDER)
    number = requested_version(request)
    version = None
    if versions:
        version = next((v for v in versions if v.number == number), None) if number else versions[-1]
        if version is None:
            raise Http404
    elif number is not None:
        raise Http404
    comments = None if report.is_draft else selectors.comments_by_section(report, PROVIDER)
    open_comments = sum(section.open_count for section in comments.values()) if comments else 0
    actions = {t.action for t in services.available_actions(report, PROVIDER)}
    context = {
        "report": report,
        "versions": versions,
        "version": version,
        "latest": versions[-1] if versions else None,
        "figures": version.figures if version else report.draft_figures,
        "side": PROVIDER,
        "comments": comments,
        "open_comments": open_comments,
        "can_comment": False,
        "can_answer": report.status in services.COMMENTABLE,
        "events": selectors.history(report, PROVIDER),
        "can_submit": services.A.SUBMITTED in actions,
        "can_resubmit": services.A.RESUBMITTED in actions,
        "problems": services.submission_problems(report) if report.is_draft else [],
        "submit_form": SubmitForm(),
        "resubmit_form": ResubmitForm(),
    }
    return render(request, "reports/provider/detail.html", context)


@require_POST
@provider_only
@requires(Perm.SUBMIT_REPORTS)
def report_recompute(request: HttpRequest, providerreport_id: int) -> HttpResponse:
    report = selectors.access_report_by_id(request, providerreport_id)
    run_action(request, None, lambda _data: services.report_recompute(acting=request.membership, report=report),
               _("The figures have been computed again from the current data."))
    return _to_detail(report)


@require_POST
@provider_only
@requires(Perm.SUBMIT_REPORTS)
def report_delete(request: HttpRequest, providerreport_id: int) -> HttpResponse:
    report = selectors.access_report_by_id(request, providerreport_id)
    deleted = run_action(
        request, None,
        lambda _data: services.report_delete(acting=request.membership, report=report, request=request) or True,
        _("The draft report %(period)s has been deleted.") % {"period": report.period_label})
    return redirect("reports:list") if deleted else _to_detail(report)


@require_POST
@provider_only
@requires(Perm.SUBMIT_REPORTS)
def report_submit(request: HttpRequest, providerreport_id: int) -> HttpResponse:
    report = selectors.access_report_by_id(request, providerreport_id)
    run_action(request, SubmitForm(request.POST),
               lambda data: services.report_submit(acting=request.membership, report=report, request=request, **data),
               lambda version: _("The report has been submitted to %(zorgkantoor)s as version %(n)s.")
               % {"zorgkantoor": report.zorgkantoor.name, "n": version.number})
    return _to_detail(report)


@require_POST
@provider_only
@requires(Perm.SUBMIT_REPORTS)
def report_resubmit(request: HttpRequest, providerreport_id: int) -> HttpResponse:
    report = selectors.access_report_by_id(request, providerreport_id)
    run_action(request, ResubmitForm(request.POST),
               lambda data: services.report_resubmit(acting=request.membership, report=report, request=request,
                                                     **data),
               lambda version: _("The report has been resubmitted to %(zorgkantoor)s as version %(n)s.")
               % {"zorgkantoor": report.zorgkantoor.name, "n": version.number})
    return _to_detail(report)


@require_POST
@provider_only
@requires(Perm.SUBMIT_REPORTS)
def comment_answer(request: HttpRequest, providerreport_id: int, reportcomment_id: int) -> HttpResponse:
    report = selectors.access_report_by_id(request, providerreport_id)
    comment = selectors.access_comment(report, PROVIDER, reportcomment_id)
    run_action(request, AnswerForm(request.POST),
               lambda data: services.comment_answer(acting=request.membership, report=report, comment=comment,
                                                    body=data["body"]),
               _("Your answer has been saved."))
    response = _to_detail(report)
    response["Location"] += f"#section-{comment.section}"
    return response
