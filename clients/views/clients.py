"""Client list, intake, the client page and its indication, network and assessment tabs."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alarms.services_devices import device_summary
from clients import selectors, services
from clients.forms import (
    AssessmentForm,
    ClientFilterForm,
    ClientForm,
    EndCareForm,
    IndicationEditForm,
    IndicationForm,
    NetworkMemberForm,
    StartCareForm,
)
from clients.models import Client
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.core.forms import add_errors  # noqa: F401 (re-exported for sibling views)
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm

PAGE_SIZE = 25



def tab_context(request: HttpRequest, client: Client, tab: str, **extra) -> dict:  # noqa: ANN003
    """What every tab of the client page shows around its content."""
    membership = request.membership
    return {
        "client": client,
        "tab": tab,
        "current_indication": selectors.current_indication(client),
        "latest_assessment": selectors.latest_assessment(client),
        "can_manage": membership.has_perm(Perm.MANAGE_CLIENTS),
        "can_update_care": membership.has_perm(Perm.UPDATE_CLIENT_CARE),
        "can_view_access_log": membership.has_perm(Perm.VIEW_AUDIT_LOG),
        **extra,
    }


@requires(Perm.VIEW_CLIENTS)
def client_list(request: HttpRequest) -> HttpResponse:
    form = ClientFilterForm(request.GET or None, membership=request.membership)
    filters = {}
    if form.is_valid():
        d = form.cleaned_data
        filters = {"search": d["q"], "team": d["team"], "zorgprofiel": d["zorgprofiel"], "status": d["status"],
                   "expiring": d["expiring"]}
    qs = selectors.client_list(membership=request.membership, **filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    if filters.get("search"):
        record_access(action=AccessLog.Action.SEARCH, request=request, object_type="clients.client",
                      description=f"client search ({len(filters['search'])} characters)")
    template = "clients/client_list.html#results" if request.htmx else "clients/client_list.html"
    return render(request, template, {"form": form, "page": page, "can_manage": request.membership.has_perm(Perm.MANAGE_CLIENTS),
                                      "can_import": request.membership.has_perm(Perm.IMPORT_CLIENTS)})


@requires(Perm.MANAGE_CLIENTS)
def client_create(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST or None, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            client = services.client_create(
                acting=request.membership, request=request, bsn=data.pop("bsn"),
                id_document_number=data.pop("id_document_number"), **data,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s has been registered. Next: the Wlz indication.") % {"name": client.full_name})
            return redirect("clients:indications", client_id=client.pk)
    return render(request, "clients/client_form.html", {"form": form, "client": None})


@requires(Perm.VIEW_CLIENTS)
def client_detail(request: HttpRequest, client_id: int) -> HttpResponse:
    client = selectors.access_client_by_id(request, client_id)
    services.record_client_view(request=request, client=client, what="overview")
    network = list(client.network.all())
    absences = list(client.absences.all()[:3])
    return render(request, "clients/client_detail.html", tab_context(request, client, "overview", network=network,
                                                                     absences=absences, today=timezone.localdate(),
                                                                     # the teams card: faces with their employee, one query
                                                                     fixed_faces=list(client.fixed_faces.select_related("employee")),
                                                                     can_manage_teams=request.membership.has_perm(Perm.MANAGE_TEAMS),
                                                                     # the devices card: one query
                                                                     device_summary=device_summary(client),
                                                                     can_manage_devices=request.membership.has_perm(Perm.MANAGE_DEVICES)))


@requires(Perm.MANAGE_CLIENTS)
def client_edit(request: HttpRequest, client_id: int) -> HttpResponse:
    client = selectors.access_client_by_id(request, client_id)
    form = ClientForm(request.POST or None, instance=None if request.method == "POST" else client,
                      membership=request.membership, editing=True,
                      initial=None if request.method == "POST" else {"bsn": ""})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.client_update(acting=request.membership, client=client, request=request,
                                   bsn=data.pop("bsn"), id_document_number=data.pop("id_document_number"), **data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("clients:detail", client_id=client.pk)
    return render(request, "clients/client_form.html", {"form": form, "client": client})


@require_POST
@requires(Perm.VIEW_CLIENTS)
def client_reveal_bsn(request: HttpRequest, client_id: int) -> HttpResponse:
    client = selectors.access_client_by_id(request, client_id)
    bsn = services.client_reveal_bsn(acting=request.membership, client=client, request=request)
    if request.htmx:
        return render(request, "clients/client_base.html#bsn", {"client": client, "bsn_revealed": bsn})
    messages.info(request, _("BSN of %(name)s: %(bsn)s (this has been logged)") % {"name": client.full_name, "bsn": bsn})
    return redirect("clients:detail", client_id=client.pk)


@requires(Perm.MANAGE_CLIENTS)
def client_start_care(request: HttpRequest, client_id: int) -> HttpResponse:
    client = selectors.access_client_by_id(request, client_id)
    form = StartCareForm(request.POST or None, initial={"start": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.client_start_care(acting=request.membership, client=client, start=form.cleaned_data["start"], request=request)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is now in care.") % {"name": client.full_name})
            return redirect("clients:detail", client_id=client.pk)
    return render(request, "clients/care_status_form.html", tab_context(request, client, "overview", form=form, action="start"))


@requires(Perm.MANAGE_CLIENTS)
def client_end_care(request: HttpRequest, client_id: int) -> HttpResponse:
    client = selectors.access_client_by_id(request, client_id)
    form = EndCareForm(request.POST or None, initial={"end": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.client_end_care(acting=request.membership, client=client, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Care of %(name)s has been ended.") % {"name": client.full_name})
            return redirect("clients:detail", client_id=client.pk)
    return render(request, "clients/care_status_form.html", tab_context(request, client, "overview", form=form, action="end"))


@requires(Perm.VIEW_CLIENTS)
def indication_tab(request: HttpRequest, client_id: int) -> HttpResponse:
    client = selectors.access_client_by_id(request, client_id)
    can_manage = request.membership.has_perm(Perm.MANAGE_CLIENTS)
    form = IndicationForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                services.indication_create(acting=request.membership, client=client, request=request, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("The indication has been recorded."))
                return redirect("clients:indications", client_id=client.pk)
    else:
        services.record_client_view(request=request, client=client, what="indications")
    indications = list(client.indications.all())
    return render(request, "clients/indications.html", tab_context(request, client, "indications", form=form,
                                                                    indications=indications, today=timezone.localdate()))


@requires(Perm.MANAGE_CLIENTS)
def indication_edit(request: HttpRequest, client_id: int, wlzindication_id: int) -> HttpResponse:
    client = selectors.access_client_by_id(request, client_id)
    indication = selectors.access_wlzindication_by_id(request, client, wlzindication_id)
    form = IndicationEditForm(request.POST or None, instance=None if request.method == "POST" else indication)
    if request.method == "POST" and form.is_valid():
        try:
            services.indication_update(acting=request.membership, indication=indication, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The indication has been changed."))
            return redirect("clients:indications", client_id=client.pk)
    return render(request, "clients/indication_edit.html", tab_context(request, client, "indications", form=form, indication=indication))


@requires(Perm.VIEW_CLIENTS)
def network_tab(request: HttpRequest, client_id: int) -> HttpResponse:
    client = selectors.access_client_by_id(request, client_id)
    can_update = request.membership.has_perm(Perm.UPDATE_CLIENT_CARE)
    form = NetworkMemberForm(request.POST or None) if can_update else None
    if request.method == "POST":
        if not can_update:
            return render(request, "403.html", status=403)
        if form.is_valid():
            services.network_member_save(acting=request.membership, client=client, request=request, **form.cleaned_data)
            messages.success(request, _("%(name)s has been added to the network.") % {"name": form.cleaned_data["name"]})
            return redirect("clients:network", client_id=client.pk)
    else:
        services.record_client_view(request=request, client=client, what="network")
    return render(request, "clients/network.html", tab_context(request, client, "network", form=form, network=list(client.network.all())))


@requires(Perm.UPDATE_CLIENT_CARE)
def network_edit(request: HttpRequest, client_id: int, networkmember_id: int) -> HttpResponse:
    client = selectors.access_client_by_id(request, client_id)
    member = selectors.access_networkmember_by_id(request, client, networkmember_id)
    form = NetworkMemberForm(request.POST or None, instance=None if request.method == "POST" else member)
    if request.method == "POST" and form.is_valid():
        services.network_member_save(acting=request.membership, client=client, member=member, request=request, **form.cleaned_data)
        messages.success(request, _("The changes have been saved."))
        return redirect("clients:network", client_id=client.pk)
    return render(request, "clients/network_edit.html", tab_context(request, client, "network", form=form, member=member))


@require_POST
@requires(Perm.UPDATE_CLIENT_CARE)
def network_delete(request: HttpRequest, client_id: int, networkmember_id: int) -> HttpResponse:
    client = selectors.access_client_by_id(request, client_id)
    member = selectors.access_networkmember_by_id(request, client, networkmember_id)
    try:
        services.network_member_delete(acting=request.membership, member=member, request=request)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(name)s has been removed from the network.") % {"name": member.name})
    return redirect("clients:network", client_id=client.pk)


@requires(Perm.VIEW_CLIENTS)
def assessment_tab(request: HttpRequest, client_id: int) -> HttpResponse:
    client = selectors.access_client_by_id(request, client_id)
    can_manage = request.membership.has_perm(Perm.MANAGE_CLIENTS)
    form = AssessmentForm(request.POST or None, initial={"assessed_on": timezone.localdate()}) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                services.assessment_create(acting=request.membership, client=client, request=request, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("The assessment has been recorded."))
                return redirect("clients:assessments", client_id=client.pk)
    else:
        services.record_client_view(request=request, client=client, what="assessments")
    history = list(client.assessments.all())
    return render(request, "clients/assessments.html", tab_context(request, client, "assessments", form=form, history=history))


@requires(Perm.VIEW_CLIENTS)
def assessment_detail(request: HttpRequest, client_id: int, eligibilityassessment_id: int) -> HttpResponse:
    client = selectors.access_client_by_id(request, client_id)
    assessment = selectors.access_eligibilityassessment_by_id(request, client, eligibilityassessment_id)
    services.record_client_view(request=request, client=client, what=f"assessment {assessment.pk}")
    return render(request, "clients/assessment_detail.html", tab_context(request, client, "assessments", assessment=assessment))
