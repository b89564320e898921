"""The alarm inbox (/alarmen/) on the team's tablet: the open alarms of my teams, most
urgent first, each with what the responder needs at the door and one-tap follow-up
(acknowledge → on site → resolve with cause and outcome); the alarms resolved in the last
day; entering an alarm that came in by phone.

The list refreshes itself: htmx polls `inbox_list` every few seconds and the actions answer
with the same fragment, so the norm countdowns are recomputed by the server on every
refresh. static/js/alarms.js notices alarms that were not in the previous list (highlight
and a sound).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from alarms import selectors, services
from alarms.forms import ManualAlarmForm, ResolveForm
from alarms.models import Alarm
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.core.forms import add_errors
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm

TEMPLATE = "alarms/inbox.html"
LOGGED_SESSION_KEY = "alarms_inbox_logged"

# What each escalation step means (alarms.services._chain_step).
ESCALATION_STEPS = {
    1: gettext_lazy("team alerted again"),
    2: gettext_lazy("night service / alarm centre"),
    3: gettext_lazy("team manager on call"),
}


# --- what the template shows -----------------------------------------------------------------


def duration_label(seconds: float) -> str:
    """4 min, 1 h 05 min, 2 d 3 h."""
    minutes = int(seconds // 60)
    if minutes < 60:
        return _("%(minutes)d min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    days, hours = divmod(hours, 24)
    return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}


@dataclass
class Norm:
    label: str
    overdue: bool = False


def norm_of(alarm: Alarm, now: dt.datetime) -> Norm:
    """The follow-up norm the alarm is working towards, as the responder reads it:
    "Acknowledge within 3 min", "Acknowledge: overdue 4 min", "On site within 12 min"."""
    if alarm.status == Alarm.Status.RECEIVED:
        deadline, within, late = alarm.ack_due_at, _("Acknowledge within %(time)s"), _("Acknowledge: overdue %(time)s")
    elif alarm.status == Alarm.Status.ACKNOWLEDGED:
        deadline, within, late = alarm.onsite_due_at, _("On site within %(time)s"), _("On site: overdue %(time)s")
    elif alarm.status == Alarm.Status.ON_SITE:
        return Norm(_("On site since %(time)s") % {"time": f"{timezone.localtime(alarm.on_site_at):%H:%M}"})
    else:
        return Norm(_("Resolved at %(time)s") % {"time": f"{timezone.localtime(alarm.resolved_at):%H:%M}"})
    left = (deadline - now).total_seconds()
    if left > 0:
        # Rounded up: "within 1 min" until the very last second.
        return Norm(within % {"time": duration_label(math.ceil(left / 60) * 60)})
    return Norm(late % {"time": duration_label(max(60.0, -left))}, overdue=True)


def received_label(alarm: Alarm, now: dt.datetime) -> str:
    seconds = (now - alarm.received_at).total_seconds()
    if seconds < 60:
        return _("just now")
    return _("%(time)s ago") % {"time": duration_label(seconds)}


@dataclass
class AlarmCard:
    alarm: Alarm
    norm: Norm
    received_ago: str
    form: ResolveForm | None = None  # acknowledged or on site: may be resolved
    errors: list[str] = field(default_factory=list)
    is_detail: bool = False  # on the detail page: plain forms, no htmx

    @property
    def escalation_label(self) -> str:
        return str(ESCALATION_STEPS.get(self.alarm.escalation_level, ""))

    @property
    def steps(self) -> int:
        return services.MAX_LEVEL

    @property
    def phone_network(self) -> list:
        return getattr(self.alarm.client, "phone_network", [])

    def urgency(self) -> tuple:
        """Overdue first, then the alarms nobody acknowledged yet, then by received time."""
        order = {Alarm.Status.RECEIVED: 0, Alarm.Status.ACKNOWLEDGED: 1, Alarm.Status.ON_SITE: 2}
        return (not self.norm.overdue, order.get(self.alarm.status, 3), self.alarm.received_at, self.alarm.pk)


def make_card(alarm: Alarm, now: dt.datetime, *, form: ResolveForm | None = None, errors: list[str] | None = None,
              is_detail: bool = False) -> AlarmCard:
    if alarm.status in (Alarm.Status.ACKNOWLEDGED, Alarm.Status.ON_SITE):
        form = form or ResolveForm(alarm_id=alarm.pk)
    else:
        form = None
    return AlarmCard(alarm=alarm, norm=norm_of(alarm, now), received_ago=received_label(alarm, now), form=form,
                     errors=list(errors or []), is_detail=is_detail)


def _log_shown(request: HttpRequest, alarms: list[Alarm], resolved: list[Alarm], *, page: bool) -> None:
    """One VIEW entry for the page; the self-refreshing list adds one only when it shows an
    alarm that this session has not logged yet (not one every few seconds)."""
    shown = {a.pk for a in alarms} | {a.pk for a in resolved}
    logged = set(request.session.get(LOGGED_SESSION_KEY, []))
    if not page and shown <= logged:
        return
    client_ids = sorted({a.client_id for a in alarms} | {a.client_id for a in resolved})
    record_access(
        action=AccessLog.Action.VIEW, request=request, object_type="alarms.inbox",
        description=(f"alarm inbox: {len(alarms)} open, {len(resolved)} resolved"
                     + (f" (client ids {', '.join(map(str, client_ids))})" if client_ids else ""))
        + ("" if page else ", new alarms in the refreshed list"),
    )
    request.session[LOGGED_SESSION_KEY] = sorted(shown)


def _list_context(request: HttpRequest, *, page: bool = False, forms: dict[int, ResolveForm] | None = None,
                  errors: dict[int, list[str]] | None = None, notice: str = "") -> dict:
    now = timezone.now()
    forms, errors = forms or {}, dict(errors or {})
    alarms = selectors.open_alarms(request.membership)
    resolved = selectors.recently_resolved(request.membership, now=now)
    cards = sorted((make_card(a, now, form=forms.get(a.pk), errors=errors.pop(a.pk, None)) for a in alarms),
                   key=AlarmCard.urgency)
    _log_shown(request, alarms, resolved, page=page)
    return {
        "cards": cards,
        "resolved": resolved,
        "now": now,
        "alarm_ids": ",".join(str(c.alarm.pk) for c in cards),
        "overdue_count": sum(1 for c in cards if c.norm.overdue),
        # Messages about alarms that are no longer open (resolved by a colleague meanwhile).
        "list_errors": [e for errs in errors.values() for e in errs],
        "notice": notice,
    }


def _list_response(request: HttpRequest, **kwargs: object) -> HttpResponse:
    context = _list_context(request, **kwargs)
    # The fragment carries the outage banner out of band: it appears without a reload.
    return render(request, f"{TEMPLATE}#list", {**context, "fragment": True})


def _page(request: HttpRequest, manual_form: ManualAlarmForm | None = None) -> HttpResponse:
    return render(request, TEMPLATE, {
        **_list_context(request, page=True),
        "manual_form": manual_form or ManualAlarmForm(membership=request.membership),
        "manual_open": manual_form is not None,
    })


# --- the page and its self-refreshing list ------------------------------------------------------


@require_GET
@requires(Perm.HANDLE_ALARMS)
def inbox(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_GET
@requires(Perm.HANDLE_ALARMS)
def inbox_list(request: HttpRequest) -> HttpResponse:
    """The list only (no layout): what htmx polls every few seconds."""
    return _list_response(request)


@require_GET
@requires(Perm.HANDLE_ALARMS)
def detail(request: HttpRequest, alarm_id: int) -> HttpResponse:
    alarm = selectors.access_alarm_by_id(request, alarm_id, with_key_information=True)
    now = timezone.now()
    events = selectors.alarm_history(alarm)
    record_access(action=AccessLog.Action.VIEW, request=request, client_id=alarm.client_id, obj=alarm,
                  description="alarm with its history")
    return render(request, "alarms/alarm_detail.html", {
        "card": make_card(alarm, now, is_detail=True),
        "alarm": alarm,
        "events": events,
        "timings": timings(alarm, now),
    })


@dataclass
class Timing:
    label: str
    took: str  # "3 min", or empty while the step has not happened
    norm: str  # the norm, e.g. "5 min"
    within: bool | None  # None: not yet (and not late yet)
    pending_late: bool = False  # not yet, and already past the norm


def _timing(label: str, received: dt.datetime, at: dt.datetime | None, due: dt.datetime,
            now: dt.datetime, *, applies: bool = True) -> Timing:
    norm = duration_label((due - received).total_seconds())
    if at is not None:
        return Timing(label, duration_label((at - received).total_seconds()), norm, at <= due)
    return Timing(label, "", norm, None, pending_late=applies and now > due)


def timings(alarm: Alarm, now: dt.datetime) -> list[Timing]:
    """Time to acknowledge and to be on site against the norms of the moment it came in."""
    rows = [
        _timing(_("Acknowledged"), alarm.received_at, alarm.acknowledged_at, alarm.ack_due_at, now,
                applies=alarm.status == Alarm.Status.RECEIVED),
        _timing(_("On site"), alarm.received_at, alarm.on_site_at, alarm.onsite_due_at, now,
                applies=alarm.status in (Alarm.Status.RECEIVED, Alarm.Status.ACKNOWLEDGED)),
    ]
    if alarm.resolved_at is not None:
        rows.append(Timing(_("Resolved"), duration_label((alarm.resolved_at - alarm.received_at).total_seconds()),
                           "", None))
    return rows


# --- one tap: acknowledge, on site, resolve ------------------------------------------------------


def _back(request: HttpRequest, alarm: Alarm) -> HttpResponse:
    """After a plain POST: back to the alarm's page when the action came from there."""
    if request.POST.get("next") == "detail":
        return redirect("alarms:detail", alarm_id=alarm.pk)
    return redirect(reverse("alarms:inbox") + f"#alarm-{alarm.pk}")


def _step(request: HttpRequest, alarm_id: int, action: Callable[..., Alarm], done: str) -> HttpResponse:
    alarm = selectors.access_alarm_by_id(request, alarm_id)
    try:
        action(acting=request.membership, alarm=alarm, request=request)
    except ValidationError as exc:
        error = _("%(client)s: %(error)s") % {"client": alarm.client.full_name, "error": " ".join(exc.messages)}
        if not request.htmx:
            messages.error(request, error)
            return _back(request, alarm)
        return _list_response(request, errors={alarm.pk: [error]})
    text = done % {"kind": alarm.get_kind_display(), "client": alarm.client.full_name}
    if not request.htmx:
        messages.success(request, text)
        return _back(request, alarm)
    return _list_response(request, notice=text)


@require_POST
@requires(Perm.HANDLE_ALARMS)
def acknowledge(request: HttpRequest, alarm_id: int) -> HttpResponse:
    return _step(request, alarm_id, services.acknowledge, _("%(kind)s at %(client)s acknowledged."))


@require_POST
@requires(Perm.HANDLE_ALARMS)
def on_site(request: HttpRequest, alarm_id: int) -> HttpResponse:
    return _step(request, alarm_id, services.on_site, _("On site at %(client)s (%(kind)s)."))


@require_POST
@requires(Perm.HANDLE_ALARMS)
def resolve(request: HttpRequest, alarm_id: int) -> HttpResponse:
    alarm = selectors.access_alarm_by_id(request, alarm_id)
    form = ResolveForm(request.POST, alarm_id=alarm.pk)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.resolve(acting=request.membership, alarm=alarm, cause=data["cause"], outcome=data["outcome"],
                             note=data["note"], request=request)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            text = _("%(kind)s at %(client)s resolved.") % {"kind": alarm.get_kind_display(),
                                                            "client": alarm.client.full_name}
            if not request.htmx:
                messages.success(request, text)
                return _back(request, alarm)
            return _list_response(request, notice=text)
    # Nothing changed. The form's field errors show in the card's form; the rest (e.g. the
    # alarm is not in a state that can be resolved, so the card has no form) as its message.
    has_form = alarm.status in (Alarm.Status.ACKNOWLEDGED, Alarm.Status.ON_SITE)
    messages_ = list(form.non_field_errors()) + (
        [] if has_form and request.htmx else [e for name, errs in form.errors.items() if name != "__all__" for e in errs]
    )
    errors = [_("%(client)s: %(error)s") % {"client": alarm.client.full_name, "error": e} for e in messages_]
    if not request.htmx:
        messages.error(request, " ".join(errors))
        return _back(request, alarm)
    return _list_response(request, forms={alarm.pk: form}, errors={alarm.pk: errors} if errors else None)


# --- an alarm that came in by phone ------------------------------------------------------------------


@require_POST
@requires(Perm.HANDLE_ALARMS)
def create(request: HttpRequest) -> HttpResponse:
    form = ManualAlarmForm(request.POST, membership=request.membership)
    if form.is_valid():
        data = form.cleaned_data
        try:
            alarm = services.alarm_create_manual(acting=request.membership, client=data["client"], kind=data["kind"],
                                                 message=data["message"], request=request)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Alarm for %(client)s entered: the team is being notified.") % {
                "client": alarm.client.full_name})
            return redirect(reverse("alarms:inbox") + f"#alarm-{alarm.pk}")
    return _page(request, manual_form=form)
