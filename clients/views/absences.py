"""The absences tab of the client file: holidays, admissions and respite stays."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients import absence_rules, selectors, services
from clients.forms import DateInput
from clients.models import Absence, Client
from clients.views.clients import add_errors, tab_context
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm


class AbsenceForm(forms.ModelForm):
    class Meta:
        model = Absence
        fields = ["kind", "left_on", "returned_on", "zorgkantoor_consent", "extension_granted_on", "note"]
        widgets = {"left_on": DateInput(), "returned_on": DateInput(), "extension_granted_on": DateInput()}

    def clean(self) -> dict:
        data = super().clean()
        # Say it in the rule's words before the database constraint's generic message.
        for message in absence_rules.date_order_errors(data.get("left_on"), data.get("returned_on")):
            self.add_error(message.field, str(message))
        return data


def _save(request: HttpRequest, client: Client, form: AbsenceForm, absence: Absence | None = None) -> bool:
    try:
        _absence, warnings = services.absence_save(acting=request.membership, client=client, absence=absence,
                                                   request=request, **form.cleaned_data)
    except ValidationError as exc:
        add_errors(form, exc)
        return False
    messages.success(request, _("The absence has been saved."))
    for warning in warnings:
        messages.warning(request, warning)
    return True


@requires(Perm.VIEW_CLIENTS)
def absence_tab(request: HttpRequest, client_id: int) -> HttpResponse:
    client = selectors.access_client_by_id(request, client_id)
    can_update = request.membership.has_perm(Perm.UPDATE_CLIENT_CARE)
    form = AbsenceForm(request.POST or None) if can_update else None
    if request.method == "POST":
        if not can_update:
            return render(request, "403.html", status=403)
        if form.is_valid() and _save(request, client, form):
            return redirect("clients:absences", client_id=client.pk)
    else:
        services.record_client_view(request=request, client=client, what="absences")
    today = timezone.localdate()
    absences = list(client.absences.all())
    rows = [(a, absence_rules.counted(a, today)) for a in absences]
    totals = absence_rules.year_totals(absences, year=today.year, today=today)
    return render(request, "clients/absences.html", tab_context(request, client, "absences", form=form, rows=rows,
                                                                 totals=totals, today=today))


@requires(Perm.UPDATE_CLIENT_CARE)
def absence_edit(request: HttpRequest, client_id: int, absence_id: int) -> HttpResponse:
    client = selectors.access_client_by_id(request, client_id)
    absence = selectors.access_absence_by_id(request, client, absence_id)
    form = AbsenceForm(request.POST or None, instance=None if request.method == "POST" else absence)
    if request.method == "POST" and form.is_valid() and _save(request, client, form, absence):
        return redirect("clients:absences", client_id=client.pk)
    return render(request, "clients/absence_edit.html", tab_context(request, client, "absences", form=form, absence=absence))


@require_POST
@requires(Perm.UPDATE_CLIENT_CARE)
def absence_delete(request: HttpRequest, client_id: int, absence_id: int) -> HttpResponse:
    client = selectors.access_client_by_id(request, client_id)
    absence = selectors.access_absence_by_id(request, client, absence_id)
    services.absence_delete(acting=request.membership, absence=absence, request=request)
    messages.success(request, _("The absence has been removed."))
    return redirect("clients:absences", client_id=client.pk)
