"""The coach's Today view (/vandaag/): my clients and visits of the day on a tablet, with
one-tap confirmation of a planned visit and registration of an unplanned one.

One template with named partials: the page, a client's card (what htmx swaps after a
confirmation or registration), a compact row of "my other clients" and the day summary
(swapped out of band so the counts follow the cards).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from alarms.models import Alarm
from alarms.selectors import open_alarms_by_client
from arrangements.models import ArrangementLine, TaskAgreement
from clients.models import Client
from clients.selectors import access_client_by_id
from clients.services import record_client_view
from teams import selectors, services
from teams.forms_today import ConfirmForm, RegisterForm, minutes_label
from teams.models import Employee, Visit
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.core.forms import add_errors
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm

TEMPLATE = "teams/today.html"


# --- what the template shows ------------------------------------------------------------


@dataclass
class VisitRow:
    visit: Visit
    activity_names: list[str]
    form: ConfirmForm | None = None  # planned visits that I may confirm
    is_late: bool = False  # on an earlier day: a confirmation needs a reason
    starts_later: bool = False  # not started yet: it can be confirmed once it has begun


@dataclass
class TaskGroup:
    label: str
    kind: str  # TaskAgreement.DoneBy
    tasks: list[TaskAgreement]


@dataclass
class Card:
    entry: selectors.TodayClient
    day: dt.date
    rows: list[VisitRow]
    task_groups: list[TaskGroup]
    elements: list[tuple[ArrangementLine, str]]  # the tradeable elements, with their quantity shown
    hours_per_week: str
    can_register: bool
    register_form: RegisterForm | None = None
    errors: list[str] = field(default_factory=list)
    alarms: list[Alarm] = field(default_factory=list)  # the client's open alarms (alarms app)

    @property
    def client(self) -> Client:
        return self.entry.client

    @property
    def query(self) -> str:
        """The ?dag= of the card's day (empty for today), for its links and forms."""
        return _day_query(self.day)


def _parse_day(value: str | None) -> dt.date:
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(value or "")
    except ValueError:
        return today
    return day if 2000 <= day.year <= 2100 else today


def _day_query(day: dt.date) -> str:
    return "" if day == timezone.localdate() else f"?dag={day.isoformat()}"


def _today_url(day: dt.date, client: Client | None = None) -> str:
    return reverse("today:today") + _day_query(day) + (f"#client-{client.pk}" if client else "")


def _number(value: Decimal) -> str:
    """3.50 -> "3,5", 7.00 -> "7" (localised, without trailing zeros)."""
    value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    return number_format(value)


def _activities(entry: selectors.TodayClient, extra: dict[str, str] | None = None) -> dict[str, str]:
    """What a visit's activities are chosen from: the arrangement's tradeable elements first,
    then the fixed ones (and any other code the service accepts on that day)."""
    kp = entry.key_points
    if kp is None:
        return dict(extra or {})
    first = {line.menu_item.code for line in kp.elements}
    ordered = sorted(kp.activities.items(), key=lambda item: item[0] not in first)
    return {**dict(ordered), **(extra or {})}


def _task_groups(tasks: list[TaskAgreement]) -> list[TaskGroup]:
    """Who does what: the client, each named network member, the team (in that order)."""
    groups: dict[tuple[int, str], TaskGroup] = {}
    order = {TaskAgreement.DoneBy.CLIENT: 0, TaskAgreement.DoneBy.NETWORK: 1, TaskAgreement.DoneBy.TEAM: 2}
    for task in tasks:
        if task.done_by == TaskAgreement.DoneBy.NETWORK and task.network_member is not None:
            key, label = (1, task.network_member.name), task.network_member.name
        else:
            key, label = (order.get(task.done_by, 3), ""), task.get_done_by_display()
        groups.setdefault(key, TaskGroup(label=label, kind=task.done_by, tasks=[])).tasks.append(task)
    return [groups[k] for k in sorted(groups)]


def _card(
    entry: selectors.TodayClient,
    day: dt.date,
    *,
    employee: Employee | None,
    forms: dict[int, ConfirmForm] | None = None,
    register_form: RegisterForm | None = None,
    errors: list[str] | None = None,
    activities: dict[str, str] | None = None,
) -> Card:
    forms = forms or {}
    errors = list(errors or [])
    activities = activities if activities is not None else _activities(entry)
    now = timezone.localtime()
    today = now.date()
    rows = []
    for visit in entry.visits:
        row = VisitRow(visit=visit, activity_names=[activities.get(code, code) for code in visit.activities or []],
                       is_late=visit.date < today,
                       starts_later=visit.starts_at > now.replace(tzinfo=None, second=0, microsecond=0))
        bound = forms.pop(visit.pk, None)
        mine_to_confirm = (
            visit.status == Visit.Status.PLANNED and employee is not None and visit.employee_id == employee.pk
        )
        # A visit that has not started shows "from HH:MM" instead of a button that can only
        # fail (unless a submitted form came back with its error).
        if mine_to_confirm and (bound is not None or not row.starts_later):
            row.form = bound or ConfirmForm(visit=visit, activities=activities)
        elif bound is not None:  # e.g. confirmed twice: the visit is no longer planned
            errors += [e for errs in bound.errors.values() for e in errs]
        rows.append(row)
    for bound in forms.values():  # a visit that is not (or no longer) on this card
        errors += [e for errs in bound.errors.values() for e in errs]
    kp = entry.key_points
    return Card(entry=entry, day=day, rows=rows, task_groups=_task_groups(entry.tasks),
                elements=[(line, _number(line.quantity)) for line in kp.elements] if kp else [],
                hours_per_week=_number(kp.hours_per_week) if kp else "",
                can_register=employee is not None, register_form=register_form, errors=errors)


def _summary(view: selectors.TodayView) -> dict:
    hours, minutes = divmod(view.delivered_minutes, 60)
    return {"planned": view.planned_count, "visits": len(view.visits), "delivered_hours": hours,
            "delivered_rest": minutes, "clients": len(view.with_visits)}


def _with_alarms(request: HttpRequest, cards: list[Card]) -> list[Card]:
    """The open alarms of the cards' clients, for those who handle alarms (one query)."""
    if cards and request.membership.has_perm(Perm.HANDLE_ALARMS):
        by_client = open_alarms_by_client(request.membership, [card.client.pk for card in cards])
        for card in cards:
            card.alarms = by_client.get(card.client.pk, [])
    return cards


def _card_response(request: HttpRequest, card: Card, *, status: int = 200, with_summary: bool = True) -> HttpResponse:
    """The card for htmx, and the day's counts swapped out of band."""
    _with_alarms(request, [card])
    html = render_to_string(f"{TEMPLATE}#card", {"card": card}, request)
    if with_summary:
        view = selectors.today_for(request.membership, card.day)
        html += render_to_string(f"{TEMPLATE}#summary", {"summary": _summary(view), "oob": True}, request)
    return HttpResponse(html, status=status)


NO_EMPLOYEE = gettext_lazy("Registering visits needs an employee record linked to your user account. "
                "Ask your team manager to link it.")


# --- the page -------------------------------------------------------------------------------


@requires(Perm.REGISTER_VISITS)
def today(request: HttpRequest) -> HttpResponse:
    day = _parse_day(request.GET.get("dag"))
    view = selectors.today_for(request.membership, day)
    cards = _with_alarms(request, [_card(entry, day, employee=view.employee) for entry in view.with_visits])
    shown = [e.client.pk for e in view.with_visits] + [e.client.pk for e in view.other_clients]
    record_access(
        action=AccessLog.Action.VIEW, request=request, object_type="teams.today",
        description=f"today view {day:%Y-%m-%d}, {len(shown)} clients"
        + (f" (ids {', '.join(map(str, shown))})" if shown else ""),
    )
    today_ = timezone.localdate()
    return render(request, TEMPLATE, {
        "day": day,
        "is_today": day == today_,
        "today_url": reverse("today:today"),
        "previous_url": reverse("today:today") + f"?dag={(day - dt.timedelta(days=1)).isoformat()}",
        "next_url": reverse("today:today") + f"?dag={(day + dt.timedelta(days=1)).isoformat()}",
        "day_query": _day_query(day),
        "employee": view.employee,
        "no_employee_message": NO_EMPLOYEE,
        "cards": cards,
        "others": view.other_clients,
        "summary": _summary(view),
    })


# --- one tap: a planned visit was delivered ---------------------------------------------------


@require_POST
@requires(Perm.REGISTER_VISITS)
def confirm(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = selectors.access_visit_by_id(request, visit_id)
    client, day = visit.client, visit.date
    before = selectors.today_client(request.membership, client, day)
    activities = _activities(before, services.arrangement_activity_codes(client, day))
    form = ConfirmForm(request.POST, visit=visit, activities=activities)
    status, errors = 200, []
    if form.is_valid():
        try:
            visit = services.visit_update(acting=request.membership, visit=visit, confirm=True, request=request,
                                          **form.changes())
        except ValidationError as exc:
            add_errors(form, exc)
        except PermissionDenied as exc:
            if not request.htmx:
                raise
            status, errors = 403, [str(exc) or _("You may not confirm this visit.")]
        else:
            if not request.htmx:
                messages.success(request, _("Visit to %(client)s at %(start)s delivered (%(duration)s).") % {
                    "client": client.full_name, "start": f"{visit.start:%H:%M}",
                    "duration": minutes_label(visit.duration_minutes)})
                return redirect(_today_url(day, client))
            return _card_response(request, _card(selectors.today_client(request.membership, client, day),
                                                 day, employee=selectors.employee_of(request.membership)))
    if not request.htmx:
        messages.error(request, " ".join([e for errs in form.errors.values() for e in errs]))
        return redirect(_today_url(day, client))
    # Nothing was saved: the card as it was before, with the form and its errors.
    card = _card(before, day, employee=selectors.employee_of(request.membership), forms={visit.pk: form},
                 errors=errors, activities=activities)
    return _card_response(request, card, status=status, with_summary=False)


# --- register a visit that was not planned ----------------------------------------------------


@requires(Perm.REGISTER_VISITS)
def register(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access_client_by_id(request, client_id)
    day = _parse_day(request.GET.get("dag"))
    employee = selectors.employee_of(request.membership)
    entry = selectors.today_client(request.membership, client, day)
    activities = _activities(entry)
    posted = request.method == "POST"
    form = RegisterForm(request.POST if posted else None, client_id=client.pk, day=day, now=timezone.localtime(),
                        activities=activities)
    errors = [] if employee is not None else [NO_EMPLOYEE]
    if posted and employee is not None and form.is_valid():
        data = form.cleaned_data
        try:
            visit = services.visit_create(
                acting=request.membership, client=client, employee=employee, date=day, start=form.start_time(),
                duration_minutes=form.chosen_minutes(), delivered=True, activities=list(data["activities"]),
                note=data["note"], request=request,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if not request.htmx:
                messages.success(request, _("Visit to %(client)s at %(start)s registered (%(duration)s).") % {
                    "client": client.full_name, "start": f"{visit.start:%H:%M}",
                    "duration": minutes_label(visit.duration_minutes)})
                return redirect(_today_url(day, client))
            entry = selectors.today_client(request.membership, client, day)
            return _card_response(request, _card(entry, day, employee=employee))
    if not posted:
        record_client_view(request=request, client=client, what="today view: register a visit")
    card = _card(entry, day, employee=employee, register_form=form if employee is not None else None,
                 errors=errors)
    if request.htmx:
        return _card_response(request, card, with_summary=False)
    return render(request, "teams/today_register.html", {
        "card": card, "day": day, "back_url": _today_url(day, client),
    })
