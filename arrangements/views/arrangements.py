"""The client's arrangement: current version, version history, the htmx builder of a draft
and activation. Every route sits under /clienten/<client_id>/arrangement/."""

from __future__ import annotations

from datetime import timedelta
from itertools import groupby

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from arrangements import careplan, selectors
from arrangements.costs import CostSummary, line_cost_per_day
from arrangements.forms import ActivateForm, ArrangementCreateForm, LineAddForm, LineUpdateForm
from arrangements.models import Arrangement, ArrangementLine
from arrangements.services import arrangements as services
from clients.models import Client
from clients.selectors import access_client_by_id
from clients.services import record_client_view
from clients.tariffs import DayTariff
from clients.views.clients import add_errors, tab_context
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm

BUILDER = "arrangements/arrangement_builder.html"


def _summary_context(summary: CostSummary, tariff: DayTariff | None) -> dict:
    return {
        "summary": summary,
        "tariff": tariff,
        "over_by": -summary.margin_per_day if summary.over_budget else None,
        "hours_by_level": list(summary.hours_per_week_by_level.items()),
    }


def _grouped(lines: list[ArrangementLine]) -> list[dict]:
    """Lines per 'delivered by' (own team first, private last), each with its cost per day."""
    order = list(ArrangementLine.DeliveredBy.values)
    labels = dict(ArrangementLine.DeliveredBy.choices)
    ordered = sorted(lines, key=lambda line: order.index(line.delivered_by))
    return [
        {"key": key, "label": labels[key], "lines": [(line, line_cost_per_day(line)) for line in group]}
        for key, group in groupby(ordered, key=lambda line: line.delivered_by)
    ]


def _version_context(arrangement: Arrangement) -> dict:
    lines = selectors.arrangement_lines(arrangement)
    summary, tariff = selectors.arrangement_summary(arrangement, lines=lines)
    return {"arrangement": arrangement, "groups": _grouped(lines), "line_count": len(lines),
            **_summary_context(summary, tariff)}


# --- the arrangement tab ------------------------------------------------------------------


def _detail_page(request: HttpRequest, client: Client, form: ArrangementCreateForm | None = None) -> HttpResponse:
    today = timezone.localdate()
    versions = list(selectors.arrangement_versions(client).select_related("activated_by"))
    draft = next((v for v in versions if v.status == Arrangement.Status.DRAFT), None)
    active = next((v for v in versions if v.status == Arrangement.Status.ACTIVE), None)
    in_force = selectors.active_arrangement(client, today)
    current = in_force or active or draft
    can_build = request.membership.has_perm(Perm.MANAGE_ARRANGEMENTS)
    if can_build and draft is None and client.status != Client.Status.ENDED and form is None:
        start = today if active is None else max(today, active.valid_from + timedelta(days=1))
        form = ArrangementCreateForm(client=client, initial={
            "valid_from": start, "copy_from": active.pk if active else None,
            "includes_dagbesteding": active.includes_dagbesteding if active else True,
        })
    context = tab_context(
        request, client, "arrangement", versions=versions, draft=draft, current=current, in_force=in_force,
        upcoming=active if active is not None and active != in_force else None,
        can_build=can_build, create_form=form if can_build else None, today=today,
        deadlines=careplan.client_deadlines(client, agreed_on=in_force.agreed_on if in_force else None, today=today),
    )
    if current is not None:
        context.update(_version_context(current))
    return render(request, "arrangements/arrangement_detail.html", context)


@requires(Perm.VIEW_CLIENTS)
def arrangement_detail(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    record_client_view(request=request, client=client, what="arrangement")
    return _detail_page(request, client)


@require_POST
@requires(Perm.MANAGE_ARRANGEMENTS)
def arrangement_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    form = ArrangementCreateForm(request.POST, client=client)
    if form.is_valid():
        try:
            arrangement = services.arrangement_create_draft(acting=request.membership, client=client, request=request,
                                                            **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Draft version %(version)s has been created.") % {"version": arrangement.version})
            return redirect("arrangements:builder", client_id=client.pk, arrangement_id=arrangement.pk)
    return _detail_page(request, client, form)


@requires(Perm.VIEW_CLIENTS)
def arrangement_version(request: HttpRequest, client_id: int, arrangement_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    arrangement = selectors.access_arrangement_by_id(request, client, arrangement_id)
    record_client_view(request=request, client=client, what=f"arrangement v{arrangement.version}")
    previous = selectors.previous_version(arrangement)
    diff = services.arrangement_diff(previous, arrangement)
    labels = dict(ArrangementLine.DeliveredBy.choices)
    for entry in diff[:-1]:
        entry["old_by"] = labels.get(entry["old_delivered_by"], "")
        entry["new_by"] = labels.get(entry["new_delivered_by"], "")
    return render(request, "arrangements/arrangement_version.html", tab_context(
        request, client, "arrangement", previous=previous, diff_lines=diff[:-1], diff_total=diff[-1],
        can_build=request.membership.has_perm(Perm.MANAGE_ARRANGEMENTS), **_version_context(arrangement),
    ))


@require_POST
@requires(Perm.MANAGE_ARRANGEMENTS)
def arrangement_discard_view(request: HttpRequest, client_id: int, arrangement_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    arrangement = selectors.access_arrangement_by_id(request, client, arrangement_id)
    try:
        services.arrangement_discard_draft(acting=request.membership, arrangement=arrangement, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The draft has been discarded."))
    return redirect("arrangements:detail", client_id=client.pk)


# --- the builder of a draft ---------------------------------------------------------------


def _builder(
    request: HttpRequest,
    client: Client,
    arrangement: Arrangement,
    *,
    add_form: LineAddForm | None = None,
    line_forms: dict[int, LineUpdateForm] | None = None,
    errors: list[str] | None = None,
) -> HttpResponse:
    """The builder page, or (for htmx) just its `lines` partial: lines, summary, add form."""
    lines = selectors.arrangement_lines(arrangement)
    summary, tariff = selectors.arrangement_summary(arrangement, lines=lines)
    line_forms = line_forms or {}
    rows = [(line, line_forms.get(line.pk) or LineUpdateForm.for_line(line), line_cost_per_day(line)) for line in lines]
    context = tab_context(
        request, client, "arrangement", arrangement=arrangement, rows=rows, builder_errors=errors or [],
        add_form=add_form or LineAddForm(arrangement=arrangement, initial={"delivered_by": ArrangementLine.DeliveredBy.TEAM}),
        is_draft=arrangement.status == Arrangement.Status.DRAFT, can_build=True, **_summary_context(summary, tariff),
    )
    return render(request, f"{BUILDER}#lines" if request.htmx else BUILDER, context)


def _after_change(request: HttpRequest, client: Client, arrangement: Arrangement, message: str) -> HttpResponse:
    if request.htmx:
        return _builder(request, client, arrangement)
    messages.success(request, message)
    return redirect("arrangements:builder", client_id=client.pk, arrangement_id=arrangement.pk)


@requires(Perm.MANAGE_ARRANGEMENTS)
def arrangement_builder(request: HttpRequest, client_id: int, arrangement_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    arrangement = selectors.access_arrangement_by_id(request, client, arrangement_id)
    if arrangement.status != Arrangement.Status.DRAFT:
        return redirect("arrangements:version", client_id=client.pk, arrangement_id=arrangement.pk)
    record_client_view(request=request, client=client, what=f"arrangement v{arrangement.version} builder")
    return _builder(request, client, arrangement)


@require_POST
@requires(Perm.MANAGE_ARRANGEMENTS)
def line_add_view(request: HttpRequest, client_id: int, arrangement_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    arrangement = selectors.access_arrangement_by_id(request, client, arrangement_id)
    form = LineAddForm(request.POST, arrangement=arrangement)
    if form.is_valid():
        try:
            line = services.line_add(acting=request.membership, arrangement=arrangement, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return _after_change(request, client, arrangement, _("%(item)s has been added.") % {"item": line.menu_item.name})
    return _builder(request, client, arrangement, add_form=form)


@require_POST
@requires(Perm.MANAGE_ARRANGEMENTS)
def line_update_view(request: HttpRequest, client_id: int, arrangement_id: int, arrangementline_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    arrangement = selectors.access_arrangement_by_id(request, client, arrangement_id)
    line = selectors.access_arrangementline_by_id(request, arrangement, arrangementline_id)
    form = LineUpdateForm(request.POST, prefix=f"line-{line.pk}")
    if form.is_valid():
        try:
            services.line_update(acting=request.membership, line=line, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return _after_change(request, client, arrangement, _("%(item)s has been changed.") % {"item": line.menu_item.name})
    return _builder(request, client, arrangement, line_forms={line.pk: form})


@require_POST
@requires(Perm.MANAGE_ARRANGEMENTS)
def line_remove_view(request: HttpRequest, client_id: int, arrangement_id: int, arrangementline_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    arrangement = selectors.access_arrangement_by_id(request, client, arrangement_id)
    line = selectors.access_arrangementline_by_id(request, arrangement, arrangementline_id)
    try:
        services.line_remove(acting=request.membership, line=line, request=request)
    except ValidationError as exc:
        return _builder(request, client, arrangement, errors=exc.messages)
    return _after_change(request, client, arrangement, _("%(item)s has been removed.") % {"item": line.menu_item.name})


# --- activation ---------------------------------------------------------------------------


@requires(Perm.MANAGE_ARRANGEMENTS)
def arrangement_activate_view(request: HttpRequest, client_id: int, arrangement_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    arrangement = selectors.access_arrangement_by_id(request, client, arrangement_id)
    if arrangement.status != Arrangement.Status.DRAFT:
        return redirect("arrangements:version", client_id=client.pk, arrangement_id=arrangement.pk)
    context = _version_context(arrangement)
    form = ActivateForm(request.POST or None, over_budget=context["summary"].over_budget,
                        initial={"agreed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.arrangement_activate(acting=request.membership, arrangement=arrangement, request=request,
                                          **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Version %(version)s is now the active arrangement from %(day)s.") % {
                "version": arrangement.version, "day": arrangement.valid_from.strftime("%d-%m-%Y")})
            return redirect("arrangements:detail", client_id=client.pk)
    previous = selectors.latest_active_version(client)
    return render(request, "arrangements/arrangement_activate.html", tab_context(
        request, client, "arrangement", form=form, previous=previous,
        previous_ends=arrangement.valid_from - timedelta(days=1) if previous else None, **context,
    ))
