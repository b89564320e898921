"""The alarm setup of the organisation (MANAGE_ALARM_SETUP: admins of a provider): the
alarm policy (norms, night window, escalation chain) and the alarm centres and device
platforms with their keys. Mounted at /alarmen/instellingen/.

A centre's secret is shown exactly once, in the answer to the POST that created or
replaced it (never cached); after that it can only be replaced.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from alarms.forms_setup import CentreForm, PolicyForm
from alarms.models import AlarmCentre
from alarms.services import policy_for
from alarms.services_setup import (
    access_alarmcentre_by_id,
    centre_create,
    centre_rotate_secret,
    centre_rows,
    centre_update,
    policy_save,
)
from vpt.core.forms import add_errors
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm

INTAKE_DOC = "docs/alarm-intake.md"


def _provider_only(request: HttpRequest) -> None:
    """Alarm centres belong to care providers; a zorgkantoor admin has the permission too."""
    if not request.organization.is_provider:
        raise PermissionDenied


@requires(Perm.MANAGE_ALARM_SETUP)
def index(request: HttpRequest) -> HttpResponse:
    _provider_only(request)
    policy = policy_for(request.organization)
    form = PolicyForm(request.POST or None, membership=request.membership, initial=PolicyForm.initial_for(policy))
    if request.method == "POST" and form.is_valid():
        try:
            policy_save(acting=request.membership, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The alarm policy has been saved."))
            return redirect("alarm_setup:index")
    rows = centre_rows(request.organization.pk)
    return render(request, "alarms/setup.html", {
        "form": form, "policy": policy, "rows": rows, "quiet": sum(1 for r in rows if r.is_quiet),
    })


def _secret_page(request: HttpRequest, centre: AlarmCentre, secret: str, *, created: bool) -> HttpResponse:
    response = render(request, "alarms/centre_secret.html", {
        "centre": centre, "secret": secret, "created": created, "intake_doc": INTAKE_DOC,
    })
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@requires(Perm.MANAGE_ALARM_SETUP)
def centre_create_view(request: HttpRequest) -> HttpResponse:
    _provider_only(request)
    form = CentreForm(request.POST or None, initial={"kind": AlarmCentre.Kind.ALARM_CENTRE, "heartbeat_seconds": 300})
    if request.method == "POST" and form.is_valid():
        try:
            centre, secret = centre_create(acting=request.membership, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return _secret_page(request, centre, secret, created=True)
    return render(request, "alarms/centre_form.html", {"form": form, "centre": None, "intake_doc": INTAKE_DOC})


@requires(Perm.MANAGE_ALARM_SETUP)
def centre_edit(request: HttpRequest, alarmcentre_id: int) -> HttpResponse:
    _provider_only(request)
    centre = access_alarmcentre_by_id(request, alarmcentre_id)
    form = CentreForm(request.POST or None, editing=True, initial=CentreForm.initial_for(centre))
    if request.method == "POST" and form.is_valid():
        try:
            centre_update(acting=request.membership, centre=centre, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("alarm_setup:index")
    row = next((r for r in centre_rows(request.organization.pk) if r.centre.pk == centre.pk), None)
    return render(request, "alarms/centre_form.html", {
        "form": form, "centre": centre, "row": row, "intake_doc": INTAKE_DOC,
    })


@never_cache
@require_POST
@requires(Perm.MANAGE_ALARM_SETUP)
def centre_new_secret(request: HttpRequest, alarmcentre_id: int) -> HttpResponse:
    _provider_only(request)
    centre = access_alarmcentre_by_id(request, alarmcentre_id)
    secret = centre_rotate_secret(acting=request.membership, centre=centre, request=request)
    return _secret_page(request, centre, secret, created=False)
