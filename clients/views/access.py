"""The client's right of inspection (NEN 7513): who accessed this client's record.

The page, the CSV and the PDF show the access-log entries of one client. Looking at them is
itself an access to the record and is logged: a VIEW, an EXPORT (CSV) or a PRINT (PDF).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients import selectors
from clients.models import Client
from clients.views.clients import tab_context
from vpt.audit.models import AccessLog
from vpt.audit.selectors import access_log_list
from vpt.audit.services import record_access
from vpt.core.csv_export import safe_cell
from vpt.core.pdf import render_pdf
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm

PAGE_SIZE = 50
# Excel runs cells starting with these as formulas; a description is free text.


class PeriodForm(forms.Form):
    van = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    tot = forms.DateField(label=gettext_lazy("Up to and including"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("van") and data.get("tot") and data["van"] > data["tot"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


def _period(request: HttpRequest) -> tuple[PeriodForm, date | None, date | None]:
    form = PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["van"], form.cleaned_data["tot"]
    return form, None, None


def _entries(client: Client, day_from: date | None, day_to: date | None) -> QuerySet[AccessLog]:
    # The active tenant scope limits the log to this organisation; client_id to this client.
    return access_log_list(client_id=client.pk, day_from=day_from, day_to=day_to)


def _period_text(day_from: date | None, day_to: date | None, first: datetime | None) -> str:
    start = day_from or (timezone.localtime(first).date() if first else None)
    end = day_to or timezone.localdate()
    if start is None:
        return _("up to and including %(end)s") % {"end": end.strftime("%d-%m-%Y")}
    return f"{start:%d-%m-%Y} – {end:%d-%m-%Y}"


def _period_description(day_from: date | None, day_to: date | None) -> str:
    if not (day_from or day_to):
        return "all"
    return f"{day_from.isoformat() if day_from else '…'} to {day_to.isoformat() if day_to else '…'}"


def _filename(client: Client, extension: str) -> str:
    return f"toegang-client-{client.pk}-{timezone.localdate():%Y%m%d}.{extension}"


@requires(Perm.VIEW_AUDIT_LOG)
def client_access_log(request: HttpRequest, client_id: int) -> HttpResponse:
    client = selectors.access_client_by_id(request, client_id)
    form, day_from, day_to = _period(request)
    record_access(action=AccessLog.Action.VIEW, request=request, client_id=client.pk, obj=client,
                  description=f"access log of the client ({_period_description(day_from, day_to)})")
    page = Paginator(_entries(client, day_from, day_to), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "clients/access_log.html#results" if request.htmx else "clients/access_log.html"
    return render(request, template, tab_context(
        request, client, "access", form=form, page=page, export_query=query.urlencode(),
    ))


@requires(Perm.VIEW_AUDIT_LOG)
def client_access_log_csv(request: HttpRequest, client_id: int) -> HttpResponse:
    """Semicolon-separated UTF-8 with a byte-order mark: opens as-is in Dutch Excel."""
    client = selectors.access_client_by_id(request, client_id)
    _form, day_from, day_to = _period(request)
    record_access(action=AccessLog.Action.EXPORT, request=request, client_id=client.pk, obj=client,
                  description=f"access log of the client as CSV ({_period_description(day_from, day_to)})")
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Date"), _("Time"), _("User"), _("Role"), _("On behalf of"), _("Action"),
                     _("Description"), _("IP address")])
    for entry in _entries(client, day_from, day_to).iterator(chunk_size=2000):
        at = timezone.localtime(entry.at)
        writer.writerow([
            at.strftime("%d-%m-%Y"), at.strftime("%H:%M:%S"), safe_cell(entry.username), entry.get_role_display(),
            safe_cell(entry.on_behalf_of), entry.get_action_display(), safe_cell(entry.description), entry.ip_address or "",
        ])
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(client, "csv")}"'
    return response




@requires(Perm.VIEW_AUDIT_LOG)
def client_access_log_pdf(request: HttpRequest, client_id: int) -> HttpResponse:
    """The overview a client receives on request: who accessed the record, when and how.
    Name and date of birth identify the client; the BSN is never printed."""
    client = selectors.access_client_by_id(request, client_id)
    _form, day_from, day_to = _period(request)
    record_access(action=AccessLog.Action.PRINT, request=request, client_id=client.pk, obj=client,
                  description=f"access log of the client as PDF ({_period_description(day_from, day_to)})")
    entries = list(_entries(client, day_from, day_to))
    first = entries[-1].at if entries else None
    # Translators: the Dutch title is "Inzageoverzicht toegang cliëntdossier".
    title = _("Inspection overview: access to the client record")
    pdf = render_pdf("pdf/access_log.html", {
        "title": title,
        "organization": request.organization,
        "printed_at": timezone.now(),
        "printed_by": request.user.get_full_name() or request.user.get_username(),
        "client": client,
        "period": _period_text(day_from, day_to, first),
        "entries": entries,
    })
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(client, "pdf")}"'
    return response
