"""A client's devices: the personal alarm, door access and the monitoring devices (with
the consent or Wzd decision they need). Mounted at /clienten/<client_id>/apparaten/.

Reading needs VIEW_CLIENTS (coaches see what is installed at their clients' homes);
adding and changing needs MANAGE_DEVICES (admins, team managers). A client outside what
the member may see is 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from alarms.forms_setup import DeviceForm
from alarms.models import Device
from alarms.services_devices import access_device_by_id, device_save, device_summary
from clients.models import Client
from clients.selectors import access_client_by_id
from clients.services import record_client_view
from clients.views.clients import tab_context
from vpt.core.forms import add_errors
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm


def _form_page(request: HttpRequest, client: Client, form: DeviceForm, device: Device | None) -> HttpResponse:
    return render(request, "alarms/device_form.html", tab_context(
        request, client, "devices", form=form, device=device,
        monitoring_labels=[Device.Kind(k).label for k in Device.MONITORING],
    ))


@requires(Perm.VIEW_CLIENTS)
def device_list(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    record_client_view(request=request, client=client, what="devices")
    summary = device_summary(client)
    return render(request, "alarms/devices.html", tab_context(
        request, client, "devices", devices=summary.devices, has_working_alarm=summary.has_working_alarm,
        can_manage_devices=request.membership.has_perm(Perm.MANAGE_DEVICES),
    ))


@requires(Perm.MANAGE_DEVICES)
def device_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    kind = request.GET.get("kind", "")
    initial = {"kind": kind if kind in Device.Kind.values else "", "status": Device.Status.PLANNED}
    form = DeviceForm(request.POST or None, membership=request.membership, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            device = device_save(acting=request.membership, client=client, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("%(device)s has been added.") % {"device": device.get_kind_display()})
            return redirect("devices:list", client_id=client.pk)
    return _form_page(request, client, form, None)


@requires(Perm.MANAGE_DEVICES)
def device_edit(request: HttpRequest, client_id: int, device_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    device = access_device_by_id(request, client, device_id)
    form = DeviceForm(request.POST or None, membership=request.membership, initial=DeviceForm.initial_for(device))
    if request.method == "POST" and form.is_valid():
        try:
            device_save(acting=request.membership, client=client, device=device, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
            device.refresh_from_db()  # the page shows the device as saved, not the refused values
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("devices:list", client_id=client.pk)
    return _form_page(request, client, form, device)
