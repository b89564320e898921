from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from vpt.audit import selectors
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm


class LogFilterForm(forms.Form):
    username = forms.CharField(label=_("User"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", _("All actions")), *AccessLog.Action.choices])
    client = forms.IntegerField(label=_("Client number"), required=False, min_value=1)
    day_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    day_to = forms.DateField(label=_("Up to and including"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("day_from") and data.get("day_to") and data["day_from"] > data["day_to"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


@requires(Perm.VIEW_AUDIT_LOG)
def log(request: HttpRequest) -> HttpResponse:
    form = LogFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        d = form.cleaned_data
        filters = {
            "username": d["username"],
            "action": d["action"],
            "client_id": d["client"],
            "day_from": d["day_from"],
            "day_to": d["day_to"],
        }
    qs = selectors.access_log_list(**filters) if form.is_bound and form.is_valid() else selectors.access_log_list()
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    # Reading the log is itself logged (NEN 7513: access to the log is restricted and logged).
    record_access(action=AccessLog.Action.VIEW, request=request, object_type="audit.accesslog",
                  description="access log list " + request.GET.urlencode()[:400])
    template = "audit/log.html#results" if request.htmx else "audit/log.html"
    return render(request, template, {"form": form, "page": page})


@requires(Perm.VIEW_AUDIT_LOG)
def entry(request: HttpRequest, accesslog_id: int) -> HttpResponse:
    item = selectors.access_accesslog_by_id(request, accesslog_id)
    record_access(action=AccessLog.Action.VIEW, request=request, obj=item, description="access log entry")
    return render(request, "audit/entry.html", {"entry": item})
