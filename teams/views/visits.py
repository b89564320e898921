"""Visits for planners and field staff: the planners' list with filters and totals,
planning a visit, and one visit with its history, changes, confirmation and cancelling.

Who may do what is decided by teams.services (PermissionDenied) and the permission matrix:
planners (PLAN_VISITS) act for every employee of their teams; field staff
(REGISTER_VISITS) open and change only their own visits. Visits of clients outside what
the member may see are 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from teams import services
from teams.forms_visits import VisitCancelForm, VisitCreateForm, VisitEditForm, VisitFilterForm
from teams.models import Employee, Visit, VisitRevision
from teams.selectors import access_visit_by_id, visible_visits, week_start
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.core.forms import add_errors
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm

PAGE_SIZE = 50


# --- the planners' list --------------------------------------------------------------------


def _filtered(qs: QuerySet[Visit], data: dict[str, Any]) -> QuerySet[Visit]:
    qs = qs.filter(date__gte=data["van"], date__lte=data["tot"])
    for word in (data.get("q") or "").split():
        qs = qs.filter(Q(client__first_name__icontains=word) | Q(client__last_name__icontains=word)
                       | Q(client__name_prefix__icontains=word))
    if data.get("team"):
        qs = qs.filter(client__primary_team=data["team"])
    if data.get("employee"):
        qs = qs.filter(employee=data["employee"])
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    return qs


def _hours(minutes: int | None) -> float:
    return round((minutes or 0) / 60, 2)


@requires(Perm.PLAN_VISITS)
def visit_list(request: HttpRequest) -> HttpResponse:
    monday = week_start(timezone.localdate())
    this_week = {"van": monday, "tot": monday + dt.timedelta(days=6)}
    data = request.GET.copy()
    if not data.get("van") and not data.get("tot"):
        data["van"], data["tot"] = this_week["van"].isoformat(), this_week["tot"].isoformat()
    form = VisitFilterForm(data, membership=request.membership)
    filters = form.cleaned_data if form.is_valid() else this_week
    visits = _filtered(visible_visits(request.membership), filters)
    totals = visits.aggregate(
        count=Count("pk"),
        planned=Sum("duration_minutes", filter=Q(status=Visit.Status.PLANNED)),
        delivered=Sum("duration_minutes", filter=Q(status=Visit.Status.DELIVERED)),
        cancelled=Count("pk", filter=Q(status=Visit.Status.CANCELLED)),
    )
    page = Paginator(
        visits.select_related("client", "employee").order_by("date", "start", "pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    search = (filters.get("q") or "").strip()
    record_access(
        action=AccessLog.Action.SEARCH if search else AccessLog.Action.VIEW, request=request,
        object_type="teams.visit",
        description=f"visit list {filters['van']:%Y-%m-%d} to {filters['tot']:%Y-%m-%d}"
        + (f", client search ({len(search)} characters)" if search else ""),
    )
    context = {
        "form": form, "page": page, "period": filters,
        "totals": {**totals, "planned_hours": _hours(totals["planned"]), "delivered_hours": _hours(totals["delivered"])},
    }
    template = "teams/visit_list.html#results" if request.htmx else "teams/visit_list.html"
    return render(request, template, context)


# --- planning a visit ----------------------------------------------------------------------


@requires(Perm.PLAN_VISITS)
def visit_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = VisitCreateForm(request.POST, membership=request.membership)
        if form.is_valid():
            try:
                visit = services.visit_create(acting=request.membership, request=request, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                if visit.status == Visit.Status.DELIVERED:
                    messages.success(request, _("The visit to %(client)s has been registered as delivered.")
                                     % {"client": visit.client.full_name})
                else:
                    messages.success(request, _("The visit to %(client)s on %(date)s at %(start)s has been planned.") % {
                        "client": visit.client.full_name, "date": visit.date.strftime("%d-%m-%Y"),
                        "start": visit.start.strftime("%H:%M")})
                return redirect("visits:detail", visit_id=visit.pk)
    else:
        initial: dict[str, Any] = {"date": timezone.localdate().isoformat(), "duration_minutes": 60}
        for name in ("client", "employee", "date", "start", "duration_minutes", "note"):
            if request.GET.get(name):
                initial[name] = request.GET[name]
        if request.GET.getlist("activities"):
            initial["activities"] = request.GET.getlist("activities")
        initial["delivered"] = request.GET.get("delivered") == "on"
        form = VisitCreateForm(initial=initial, membership=request.membership)
        if request.htmx:
            # The client or the date changed: the activities come from that arrangement.
            return render(request, "teams/visit_form.html#activities", {"form": form})
    return render(request, "teams/visit_form.html", {"form": form})


# --- one visit -----------------------------------------------------------------------------

def _field_label(name: str) -> str:
    labels = {
        "employee_id": _("Employee"), "date": _("Date"), "start": _("Start"), "duration_minutes": _("Duration"),
        "activities": _("Activities"), "note": _("Note"), "status": _("Status"),
    }
    return labels.get(name, name)


def _action_label(action: str) -> str:
    labels = {"created": _("Created"), "confirmed": _("Confirmed as delivered"), "changed": _("Changed"),
              "cancelled": _("Cancelled")}
    return labels.get(action, action)


def _format(name: str, value: Any, names: dict[str, Any]) -> str:
    if value in (None, "", []):
        return "—"
    if name == "employee_id":
        return names["employees"].get(value, f"#{value}")
    if name == "date":
        try:
            return dt.date.fromisoformat(value).strftime("%d-%m-%Y")
        except (TypeError, ValueError):
            return str(value)
    if name == "duration_minutes":
        return _("%(minutes)s min") % {"minutes": value}
    if name == "activities":
        return ", ".join(names["activities"].get(code, code) for code in value)
    if name == "status":
        return str(Visit.Status(value).label) if value in Visit.Status.values else str(value)
    return str(value)


def _history(visit: Visit, activities: dict[str, str]) -> list[dict[str, Any]]:
    """The revisions, newest first, with the changed fields as label, before and after."""
    revisions = list(
        VisitRevision.objects.filter(organization=visit.organization, visit=visit).select_related("changed_by")
    )
    employee_ids = {
        value for r in revisions for v in [r.changes.get("employee_id")] if isinstance(v, list) for value in v if value
    }
    names = {
        "employees": dict(
            (e.pk, e.full_name) for e in Employee.objects.filter(organization=visit.organization, pk__in=employee_ids)
        ) if employee_ids else {},
        "activities": activities,
    }
    history = []
    for revision in revisions:
        changes = []
        for name, pair in (revision.changes or {}).items():
            before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            if revision.action == "created" and name == "status":
                continue
            changes.append({
                "label": _field_label(name),
                "before": None if revision.action == "created" else _format(name, before, names),
                "after": _format(name, after, names),
            })
        who = revision.changed_by
        history.append({
            "revision": revision, "action": _action_label(revision.action), "changes": changes,
            "who": (who.get_full_name() or who.get_username()) if who else _("unknown"),
        })
    return history


def _render_detail(request: HttpRequest, visit: Visit, *, form: VisitEditForm | None = None,
                   cancel_form: VisitCancelForm | None = None, status: int = 200) -> HttpResponse:
    can_plan = request.membership.has_perm(Perm.PLAN_VISITS)
    editable = visit.status != Visit.Status.CANCELLED
    if editable:
        form = form or VisitEditForm(visit=visit, membership=request.membership, can_plan=can_plan)
        cancel_form = cancel_form or VisitCancelForm(visit=visit)
    activities = services.arrangement_activity_codes(visit.client, visit.date)
    return render(request, "teams/visit_detail.html", {
        "visit": visit, "form": form if editable else None, "cancel_form": cancel_form if editable else None,
        "can_plan": can_plan, "history": _history(visit, activities),
        "activity_names": [activities.get(code, code) for code in visit.activities or []],
        "is_late": timezone.localdate() > visit.date,
        "can_confirm": visit.status == Visit.Status.PLANNED and visit.starts_at <= timezone.localtime().replace(tzinfo=None),
    }, status=status)


def _access(request: HttpRequest, visit_id: int) -> Visit:
    """The visit, if the member may see it (else 404) and act for its employee (else 403)."""
    visit = access_visit_by_id(request, visit_id)
    if not services.can_act_for(request.membership, visit.employee):
        raise PermissionDenied(_("You can only open your own visits."))
    return visit


@requires(Perm.REGISTER_VISITS)
def visit_detail(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _access(request, visit_id)
    if request.method != "POST":
        record_access(action=AccessLog.Action.VIEW, request=request, client_id=visit.client_id, obj=visit,
                      description=f"visit {visit.date:%Y-%m-%d} {visit.start:%H:%M}")
        return _render_detail(request, visit)
    if visit.status == Visit.Status.CANCELLED:
        messages.error(request, _("A cancelled visit cannot be changed."))
        return redirect("visits:detail", visit_id=visit.pk)
    can_plan = request.membership.has_perm(Perm.PLAN_VISITS)
    form = VisitEditForm(request.POST, visit=visit, membership=request.membership, can_plan=can_plan)
    confirm = "confirm" in request.POST
    if form.is_valid():
        try:
            services.visit_update(acting=request.membership, visit=visit, reason=form.cleaned_data["reason"],
                                  confirm=confirm, request=request, **form.changes())
        except ValidationError as exc:
            add_errors(form, exc)
            # visit_update assigns before it validates: show the visit as it is stored.
            visit = _access(request, visit_id)
            form.visit = visit
        else:
            if confirm:
                messages.success(request, _("The visit has been confirmed as delivered."))
            else:
                messages.success(request, _("The changes have been saved."))
            return redirect("visits:detail", visit_id=visit.pk)
    return _render_detail(request, visit, form=form)


@require_POST
@requires(Perm.REGISTER_VISITS)
def visit_cancel(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = _access(request, visit_id)
    if visit.status == Visit.Status.CANCELLED:
        return redirect("visits:detail", visit_id=visit.pk)
    form = VisitCancelForm(request.POST, visit=visit)
    if form.is_valid():
        try:
            services.visit_cancel(acting=request.membership, visit=visit, reason=form.cleaned_data["reason"],
                                  request=request)
        except ValidationError as exc:
            add_errors(form, exc)
            visit = _access(request, visit_id)
        else:
            messages.success(request, _("The visit has been cancelled."))
            return redirect("visits:detail", visit_id=visit.pk)
    return _render_detail(request, visit, cancel_form=form)
