"""Finance exports: request a document (monthly statement per client or for all clients of a
month, declaration overview, team budget report; PDF, CSV or XLSX), follow its progress and
download it. The documents are made by billing.export_tasks.make_export; the rules and
builders live in billing.exports.

Downloading is access to client records: one EXPORT (sheets) or PRINT (PDF) entry per
client in the document (NEN 7513)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from billing import exports
from billing.models import Declaration, ExportJob
from billing.views.common import require_provider
from clients.selectors import client_list, visible_clients
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access, record_access_many
from vpt.tenancy.decorators import requires
from vpt.tenancy.models import Membership, Team
from vpt.tenancy.roles import Perm

PAGE_SIZE = 50
MONTHS_BACK = 24
CLIENT_CHOICES = 8
ACTIVE = (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)


# --------------------------------------------------------------------------- forms


def month_choices(today: dt.date | None = None) -> list[tuple[str, str]]:
    """This month and the 24 before it, newest first: ("2025-03", "maart 2025")."""
    today = today or timezone.localdate()
    year, month = today.year, today.month
    choices = []
    for _i in range(MONTHS_BACK + 1):
        choices.append((f"{year:04d}-{month:02d}", exports.month_label(dt.date(year, month, 1))))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return choices


def previous_month(today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    last = today.replace(day=1) - dt.timedelta(days=1)
    return f"{last:%Y-%m}"


def _teams(membership: Membership):  # noqa: ANN202
    return Team.objects.filter(organization=membership.organization).order_by("-is_active", "name")


class ExportForm(forms.Form):
    """The forms share one page: each has its key as prefix (unique field ids) and is told
    apart by a plain `kind` input (the template writes it)."""

    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=ExportJob.Format.choices,
                               initial=ExportJob.Format.PDF)

    key = ""

    def __init__(self, *args, membership: Membership, **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs.setdefault("prefix", self.key)
        super().__init__(*args, **kwargs)
        self.membership = membership

    def _month(self) -> tuple[int, int]:
        year, month = self.cleaned_data["month"].split("-")
        return int(year), int(month)


class MonthField(forms.ChoiceField):
    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(label=gettext_lazy("Month"), choices=month_choices, **kwargs)


class StatementForm(ExportForm):
    """One client, one month."""

    key = "statement"
    client = forms.IntegerField(label=gettext_lazy("Client"), widget=forms.HiddenInput,
                                error_messages={"required": gettext_lazy("Search for the client and choose one.")})
    month = MonthField(initial=previous_month)

    field_order = ["client", "month", "format"]

    def clean_client(self):  # noqa: ANN201
        client = visible_clients(self.membership).filter(pk=self.cleaned_data["client"]).first()
        if client is None:
            raise forms.ValidationError(_("Search for the client and choose one."))
        return client

    def export_request(self) -> dict:
        client, (year, month) = self.cleaned_data["client"], self._month()
        return {
            "kind": ExportJob.Kind.CLIENT_STATEMENT,
            "params": {"client_id": client.pk, "year": year, "month": month},
            "title": _("Monthly statement %(client)s, %(month)s") % {
                "client": client.full_name, "month": exports.month_label(dt.date(year, month, 1))},
        }


class StatementsForm(ExportForm):
    """Every client of a month, optionally of one team: one bundle."""

    key = "statements"
    month = MonthField(initial=previous_month)
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=Team.objects.none(), required=False,
                                  empty_label=gettext_lazy("All teams"))

    field_order = ["month", "team", "format"]

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = _teams(self.membership)

    def export_request(self) -> dict:
        team, (year, month) = self.cleaned_data["team"], self._month()
        return {
            "kind": ExportJob.Kind.CLIENT_STATEMENT,
            "params": {"year": year, "month": month, "team_id": team.pk if team else None},
            "title": _("Monthly statements %(month)s, %(team)s") % {
                "month": exports.month_label(dt.date(year, month, 1)), "team": team.name if team else _("all teams")},
        }


class DeclarationExportForm(ExportForm):
    key = "declaration"
    declaration = forms.ModelChoiceField(label=gettext_lazy("Declaration"), queryset=Declaration.objects.none(),
                                         empty_label=None)

    field_order = ["declaration", "format"]

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        field = self.fields["declaration"]
        field.queryset = (Declaration.objects.filter(organization=self.membership.organization)
                          .select_related("zorgkantoor").order_by("-year", "-month", "-pk"))
        field.label_from_instance = lambda d: (
            f"{d.reference} · {exports.month_label(dt.date(d.year, d.month, 1))} · {d.zorgkantoor.name}"
            f" · {d.get_status_display()}")

    def export_request(self) -> dict:
        declaration = self.cleaned_data["declaration"]
        return {
            "kind": ExportJob.Kind.DECLARATION,
            "params": {"declaration_id": declaration.pk},
            "title": _("Declaration overview %(reference)s, %(month)s") % {
                "reference": declaration.reference,
                "month": exports.month_label(dt.date(declaration.year, declaration.month, 1))},
        }


class TeamBudgetExportForm(ExportForm):
    key = "team_budget"
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=Team.objects.none(), required=False,
                                  empty_label=gettext_lazy("All teams"))
    month = MonthField(initial=previous_month, required=False,
                       help_text=gettext_lazy("Or give a period below."))
    first = forms.DateField(label=gettext_lazy("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    last = forms.DateField(label=gettext_lazy("Until"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    field_order = ["team", "month", "first", "last", "format"]

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = _teams(self.membership)

    def clean(self) -> dict:
        data = super().clean()
        first, last = data.get("first"), data.get("last")
        if first or last:
            if not (first and last):
                raise forms.ValidationError(_("Give both the first and the last day of the period."))
            if last < first:
                self.add_error("last", _("The last day comes before the first day."))
            elif (last - first).days + 1 > exports.MAX_RANGE_DAYS:
                self.add_error("last", _("A period covers at most %(days)s days.") % {"days": exports.MAX_RANGE_DAYS})
        elif not data.get("month"):
            self.add_error("month", _("Choose a month or give a period."))
        return data

    def export_request(self) -> dict:
        team, first, last = self.cleaned_data["team"], self.cleaned_data.get("first"), self.cleaned_data.get("last")
        if first and last:
            params = {"first": first.isoformat(), "last": last.isoformat()}
        else:
            year, month = self._month()
            first, last = exports.month_bounds(year, month)
            params = {"year": year, "month": month}
        params["team_id"] = team.pk if team else None
        return {
            "kind": ExportJob.Kind.TEAM_BUDGET,
            "params": params,
            "title": _("Team budget report %(period)s, %(team)s") % {
                "period": exports.period_label(first, last), "team": team.name if team else _("all teams")},
        }


FORMS: dict[str, type[ExportForm]] = {
    form.key: form for form in (StatementForm, StatementsForm, DeclarationExportForm, TeamBudgetExportForm)
}


# --------------------------------------------------------------------------- views


def _jobs_page(request: HttpRequest):  # noqa: ANN202
    jobs = exports.visible_export_jobs(request.membership).select_related("requested_by").defer("content")
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    # The list refreshes itself (htmx, every 2 s) while a job on it is being made.
    page.polling = any(job.status in ACTIVE for job in page.object_list)
    return page


def _chosen_client(request: HttpRequest, form: StatementForm):  # noqa: ANN202
    """The client picked in a (bound) statement form, to show it again after an error."""
    value = form.data.get(form.add_prefix("client")) if form.is_bound else None
    if not value or not str(value).isdigit():
        return None
    return visible_clients(request.membership).select_related("primary_team").filter(pk=value).first()


@require_http_methods(["GET", "POST"])
@requires(Perm.MANAGE_FINANCE)
def export_list(request: HttpRequest) -> HttpResponse:
    """The exports page: the forms to request each document and the jobs (own and finance's)."""
    require_provider(request)
    membership = request.membership
    bound = None
    if request.method == "POST":
        form_class = FORMS.get(request.POST.get("kind", ""))
        if form_class is None:
            return HttpResponseBadRequest()
        bound = form_class(request.POST, membership=membership)
        if bound.is_valid():
            wanted = bound.export_request()
            if isinstance(bound, StatementForm) and "now" in request.POST:
                return _statement_now(request, bound)
            params = {**wanted["params"], "language": request.LANGUAGE_CODE}
            job = exports.request_export(acting=membership, kind=wanted["kind"], format=bound.cleaned_data["format"],
                                         params=params, title=wanted["title"])
            messages.success(request, _("Requested: %(title)s.") % {"title": job.title})
            return redirect("billing:export_detail", exportjob_id=job.pk)

    page = _jobs_page(request)
    if request.htmx and request.method == "GET":
        return render(request, "billing/exports/list.html#jobs", {"page": page})
    forms_by_key = {key: (bound if bound is not None and bound.key == key else cls(membership=membership))
                    for key, cls in FORMS.items()}
    record_access(action=AccessLog.Action.VIEW, request=request, object_type="billing.exportjob",
                  description="exports page")
    return render(request, "billing/exports/list.html", {
        "page": page, "forms": forms_by_key, "chosen_client": _chosen_client(request, forms_by_key["statement"]),
        "has_declarations": forms_by_key["declaration"].fields["declaration"].queryset.exists(),
        "retention_days": exports.RETENTION_DAYS,
    })


def _statement_now(request: HttpRequest, form: StatementForm) -> HttpResponse:
    """The single statement as PDF at once, whatever format was chosen (the button says PDF)."""
    client, (year, month) = form.cleaned_data["client"], form._month()  # noqa: SLF001
    pdf = exports.statement_pdf_now(organization=request.organization, client_id=client.pk, year=year, month=month)
    record_access(action=AccessLog.Action.PRINT, request=request, client_id=client.pk, object_type="billing.dayline",
                  description=f"monthly statement {year}-{month:02d} as PDF")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="maandoverzicht-client-{client.pk}-{year}-{month:02d}.pdf"'
    return response


@requires(Perm.MANAGE_FINANCE)
def export_client_search(request: HttpRequest) -> HttpResponse:
    """Clients to choose for a monthly statement (htmx; without JavaScript the whole page)."""
    require_provider(request)
    search = request.GET.get("q", "").strip()[:100]
    found = list(client_list(membership=request.membership, search=search)[:CLIENT_CHOICES]) if search else []
    if search:
        record_access(action=AccessLog.Action.SEARCH, request=request, object_type="clients.client",
                      description=f"client search for a monthly statement ({len(search)} characters)")
    context = {"found": found, "searched": search, "chosen_client": None}
    if request.htmx:
        return render(request, "billing/exports/list.html#client_choices", context)
    membership = request.membership
    return render(request, "billing/exports/list.html", {
        **context, "page": _jobs_page(request), "forms": {key: cls(membership=membership) for key, cls in FORMS.items()},
        "has_declarations": Declaration.objects.filter(organization=membership.organization).exists(),
        "retention_days": exports.RETENTION_DAYS,
    })


@requires(Perm.MANAGE_FINANCE)
def export_detail(request: HttpRequest, exportjob_id: int) -> HttpResponse:
    """One job: its progress (polled every 2 s by htmx while it runs), then the download."""
    require_provider(request)
    job = exports.access_export_job_by_id(request, exportjob_id)
    context = {"job": job, "active": job.status in ACTIVE,
               "expires_at": job.created_at + dt.timedelta(days=exports.RETENTION_DAYS)}
    if request.htmx:
        return render(request, "billing/exports/detail.html#status", context)
    return render(request, "billing/exports/detail.html", context)


@requires(Perm.MANAGE_FINANCE)
def export_download(request: HttpRequest, exportjob_id: int) -> HttpResponse:
    require_provider(request)
    job = exports.access_export_job_by_id(request, exportjob_id, with_content=True)
    if job.status != ExportJob.Status.DONE or job.content is None:
        messages.error(request, _("This document is not ready."))
        return redirect("billing:export_detail", exportjob_id=job.pk)
    action = AccessLog.Action.PRINT if job.format == ExportJob.Format.PDF else AccessLog.Action.EXPORT
    description = f"{job.get_kind_display()} ({job.format}): {job.filename}"
    client_ids = job.params.get("involved_client_ids") or []
    if client_ids:
        record_access_many(action=action, client_ids=client_ids, request=request, obj=job, description=description)
    else:
        record_access(action=action, request=request, obj=job, description=description)
    response = HttpResponse(bytes(job.content), content_type=exports.CONTENT_TYPES[job.format])
    response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    response["Content-Length"] = str(len(job.content))
    response["Cache-Control"] = "private, no-store"
    return response
