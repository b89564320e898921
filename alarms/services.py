"""Alarm intake, follow-up, escalation and channel monitoring.

Every function runs inside the organisation's tenant scope (views and tasks open it) and
in one transaction. The server's clock stamps every step. State transitions only go
forward: received → acknowledged → (on site) → resolved.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from alarms import notify
from alarms.models import Alarm, AlarmCentre, AlarmEvent, AlarmPolicy, ChannelOutage, Device
from clients.models import Client
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.models import Membership, Organization
from vpt.tenancy.roles import Perm, Role

log = logging.getLogger(__name__)

MAX_LEVEL = 3
FIELD_ROLES = (Role.CLIENT_COACH, Role.CLIENT_SUPPORT, Role.TEAM_MANAGER)


def policy_for(organization: Organization | int) -> AlarmPolicy:
    org_id = organization if isinstance(organization, int) else organization.pk
    policy = AlarmPolicy.objects.filter(organization_id=org_id).select_related("night_team", "on_call__user").first()
    if policy is None:
        policy, _created = AlarmPolicy.objects.get_or_create(organization_id=org_id)
    return policy


def _event(alarm: Alarm, action: str, *, at: dt.datetime, by: Any = None, level: int | None = None,  # noqa: ANN401
           detail: str = "") -> AlarmEvent:
    return AlarmEvent.objects.create(organization_id=alarm.organization_id, alarm=alarm, at=at, action=action,
                                     by=by, level=level, detail=detail[:300])


def _new_alarm(*, client: Client, kind: str, received_at: dt.datetime, source: str, **fields: Any) -> Alarm:
    policy = policy_for(client.organization_id)
    local = timezone.localtime(received_at)
    ack, onsite = policy.norms(local)
    return Alarm(
        organization_id=client.organization_id, client=client, team_id=client.primary_team_id, kind=kind,
        source=source, received_at=received_at, is_night=policy.is_night(local),
        ack_due_at=received_at + dt.timedelta(minutes=ack), onsite_due_at=received_at + dt.timedelta(minutes=onsite),
        **fields,
    )


# --- intake -----------------------------------------------------------------------------------


@dataclass
class Received:
    alarm: Alarm
    created: bool


def alarm_receive(
    *, centre: AlarmCentre, event_id: str, device_external_id: str, kind: str, occurred_at: dt.datetime | None,
    message: str = "",
) -> Received:
    """Store an event of an alarm centre or device platform, idempotent on the centre's
    event id: a repeated delivery (also concurrently) returns the alarm of the first one.

    Raises ValidationError (per field) for an unknown device (of this organisation) or a
    device of a client not in care; the caller keeps the payload for inspection."""
    existing = Alarm.objects.filter(organization_id=centre.organization_id, centre=centre,
                                    external_event_id=event_id).first()
    if existing is not None:
        _event(existing, AlarmEvent.Action.DUPLICATE, at=timezone.now(), detail=f"event {event_id} delivered again")
        return Received(existing, False)
    device = (
        Device.objects.filter(organization_id=centre.organization_id, external_id=device_external_id)
        .select_related("client__primary_team")
        .first()
    )
    if device is None:
        raise ValidationError({"device_id": [f"unknown device {device_external_id!r} for this organisation"]})
    if device.client.status == Client.Status.ENDED:
        raise ValidationError({"device_id": [f"device {device_external_id!r} belongs to a client whose care ended"]})
    now = timezone.now()
    alarm = _new_alarm(client=device.client, kind=kind, received_at=now, source=Alarm.Source.API, device=device,
                       centre=centre, external_event_id=event_id, occurred_at=occurred_at, message=message[:300])
    try:
        with transaction.atomic():
            alarm.save()
    except IntegrityError:
        # A concurrent delivery of the same event won the race: answer with its alarm.
        existing = Alarm.objects.filter(organization_id=centre.organization_id, centre=centre,
                                        external_event_id=event_id).first()
        if existing is None:
            raise
        return Received(existing, False)
    _event(alarm, AlarmEvent.Action.RECEIVED, at=now, detail=f"{centre.name}: event {event_id}")
    if device.last_check_in_at is None or device.last_check_in_at < now:
        Device.objects.filter(pk=device.pk).update(last_check_in_at=now)
    schedule_notification(alarm)
    return Received(alarm, True)


def heartbeat(*, centre: AlarmCentre, device_external_ids: list[str] | None = None) -> int:
    """A sign of life of the centre (and of the devices it lists): ends open outages.
    Returns the number of devices that checked in."""
    now = timezone.now()
    AlarmCentre.objects.filter(pk=centre.pk).update(last_heartbeat_at=now)
    ChannelOutage.objects.filter(organization_id=centre.organization_id, centre=centre,
                                 ended_at__isnull=True).update(ended_at=now)
    count = 0
    if device_external_ids:
        devices = Device.objects.filter(organization_id=centre.organization_id, external_id__in=device_external_ids)
        count = devices.update(last_check_in_at=now)
        ChannelOutage.objects.filter(organization_id=centre.organization_id, device__in=devices,
                                     ended_at__isnull=True).update(ended_at=now)
    return count


def schedule_notification(alarm: Alarm) -> None:
    """Notify the team right after the commit through the worker (fast path). If the broker
    is unreachable the alarm stays un-notified and the sweeper notifies it."""

    def enqueue() -> None:
        from alarms.tasks import notify_alarm

        try:
            notify_alarm.delay(alarm.organization_id, alarm.pk)
        except Exception:  # the broker is down: the sweeper picks it up (notified_at is empty)
            log.warning("alarm %s stored; notification deferred to the sweeper (broker unavailable)", alarm.pk,
                        exc_info=True)

    transaction.on_commit(enqueue)


def alarm_create_manual(
    *, acting: Membership, client: Client, kind: str = Alarm.Kind.PHONE, message: str = "",
    request: HttpRequest | None = None,
) -> Alarm:
    """An alarm entered by hand (e.g. a phone call from the client or a neighbour)."""
    if not acting.has_perm(Perm.HANDLE_ALARMS):
        raise PermissionDenied
    if client.status == Client.Status.ENDED:
        raise ValidationError({"client": [_("This client's care has ended.")]})
    now = timezone.now()
    with transaction.atomic():
        alarm = _new_alarm(client=client, kind=kind, received_at=now, source=Alarm.Source.MANUAL,
                           message=message.strip()[:300])
        alarm.save()
        _event(alarm, AlarmEvent.Action.RECEIVED, at=now, by=acting.user, detail=_("entered by hand"))
        record_access(action=AccessLog.Action.CREATE, request=request, membership=acting, client_id=client.pk,
                      obj=alarm, description=f"alarm entered by hand ({kind})")
        schedule_notification(alarm)
    return alarm


# --- follow-up --------------------------------------------------------------------------------


def _locked(alarm: Alarm) -> Alarm:
    locked = Alarm.objects.select_for_update().filter(organization_id=alarm.organization_id, pk=alarm.pk).first()
    if locked is None:
        raise ValidationError(_("This alarm no longer exists."))
    return locked


def _step(acting: Membership, alarm: Alarm, *, allowed_from: tuple[str, ...], to: str) -> tuple[Alarm, dt.datetime]:
    if not acting.has_perm(Perm.HANDLE_ALARMS):
        raise PermissionDenied
    alarm = _locked(alarm)
    if alarm.status not in allowed_from:
        raise ValidationError(
            _("This alarm is %(status)s; it cannot go to %(to)s.") % {
                "status": alarm.get_status_display().lower(), "to": Alarm.Status(to).label.lower()},
            code="out_of_order",
        )
    return alarm, timezone.now()


@transaction.atomic
def acknowledge(*, acting: Membership, alarm: Alarm, request: HttpRequest | None = None) -> Alarm:
    alarm, now = _step(acting, alarm, allowed_from=(Alarm.Status.RECEIVED,), to=Alarm.Status.ACKNOWLEDGED)
    alarm.status, alarm.acknowledged_at, alarm.acknowledged_by = Alarm.Status.ACKNOWLEDGED, now, acting.user
    # The on-site norm has a chain of its own: a late acknowledgement must not use up the
    # steps of "nobody on site" (the steps already taken stay in the events and the KPIs).
    alarm.escalation_level = 0
    alarm.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "escalation_level"])
    _event(alarm, AlarmEvent.Action.ACKNOWLEDGED, at=now, by=acting.user)
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, client_id=alarm.client_id,
                  obj=alarm, description="alarm acknowledged")
    return alarm


@transaction.atomic
def on_site(*, acting: Membership, alarm: Alarm, request: HttpRequest | None = None) -> Alarm:
    alarm, now = _step(acting, alarm, allowed_from=(Alarm.Status.ACKNOWLEDGED,), to=Alarm.Status.ON_SITE)
    alarm.status, alarm.on_site_at, alarm.on_site_by = Alarm.Status.ON_SITE, now, acting.user
    alarm.save(update_fields=["status", "on_site_at", "on_site_by"])
    _event(alarm, AlarmEvent.Action.ON_SITE, at=now, by=acting.user)
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, client_id=alarm.client_id,
                  obj=alarm, description="alarm: on site")
    return alarm


@transaction.atomic
def resolve(
    *, acting: Membership, alarm: Alarm, cause: str, outcome: str, note: str = "", request: HttpRequest | None = None,
) -> Alarm:
    errors = {}
    if cause not in Alarm.Cause.values:
        errors["cause"] = [_("Choose the cause.")]
    if outcome not in Alarm.Outcome.values:
        errors["outcome"] = [_("Choose the outcome.")]
    if errors:
        raise ValidationError(errors)
    alarm, now = _step(acting, alarm, allowed_from=(Alarm.Status.ACKNOWLEDGED, Alarm.Status.ON_SITE),
                       to=Alarm.Status.RESOLVED)
    alarm.status, alarm.resolved_at, alarm.resolved_by = Alarm.Status.RESOLVED, now, acting.user
    alarm.cause, alarm.outcome, alarm.note = cause, outcome, note.strip()
    alarm.save(update_fields=["status", "resolved_at", "resolved_by", "cause", "outcome", "note"])
    _event(alarm, AlarmEvent.Action.RESOLVED, at=now, by=acting.user,
           detail=f"{alarm.get_cause_display()} · {alarm.get_outcome_display()}")
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, client_id=alarm.client_id,
                  obj=alarm, description=f"alarm resolved ({cause}, {outcome})")
    return alarm


# --- notification and escalation (the sweeper) --------------------------------------------------


def team_recipients(team_id: int, *, night: bool, policy: AlarmPolicy) -> list[Membership]:
    teams = [team_id] + ([policy.night_team_id] if night and policy.night_team_id else [])
    return list(
        Membership.objects.filter(teams__in=teams, is_active=True, role__in=FIELD_ROLES)
        .select_related("user")
        .distinct()
    )


def notify_new_alarm(alarm: Alarm) -> bool:
    """First notification of the responsible team (and the night service at night). Idempotent:
    returns False when the alarm was already notified (or is closed)."""
    locked = (
        Alarm.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(organization_id=alarm.organization_id, pk=alarm.pk, notified_at__isnull=True, status__in=Alarm.OPEN)
        .select_related("client")
        .first()
    )
    if locked is None:
        return False
    now = timezone.now()
    policy = policy_for(locked.organization_id)
    recipients = team_recipients(locked.team_id, night=locked.is_night, policy=policy)
    text = _("Alarm: %(kind)s at %(client)s") % {"kind": locked.get_kind_display(), "client": locked.client.full_name}
    notify.send(recipients, text=text, alarm=locked)
    locked.notified_at = now
    locked.save(update_fields=["notified_at"])
    _event(locked, AlarmEvent.Action.NOTIFIED, at=now, detail=f"{len(recipients)} recipients")
    return True


def _deadline(alarm: Alarm) -> dt.datetime | None:
    if alarm.status == Alarm.Status.RECEIVED:
        return alarm.ack_due_at
    if alarm.status == Alarm.Status.ACKNOWLEDGED:
        return alarm.onsite_due_at
    return None


def _chain_step(alarm: Alarm, level: int, policy: AlarmPolicy) -> tuple[str, list[Membership]]:
    """Who the escalation step `level` goes to: 1 the responsible team again (all its field
    staff), 2 the night service (or the alarm centre when none is set), 3 the team manager
    on call (or the team's managers)."""
    if level == 1:
        return _("responsible team"), team_recipients(alarm.team_id, night=False, policy=policy)
    if level == 2:
        if policy.night_team_id:
            return _("night service"), team_recipients(policy.night_team_id, night=False, policy=policy)
        return _("alarm centre"), []
    managers = [policy.on_call] if policy.on_call_id else list(
        Membership.objects.filter(Q(managed_teams=alarm.team_id) | Q(teams=alarm.team_id, role=Role.TEAM_MANAGER),
                                  is_active=True).select_related("user").distinct()
    )
    return _("team manager on call"), managers


def escalate_overdue(organization_id: int, *, now: dt.datetime | None = None) -> int:
    """Escalate every open alarm of the organisation whose norm has passed, one step per
    `escalate_every_minutes` of further delay, up to the last step of the chain. Rows being
    escalated by another sweeper are skipped (SKIP LOCKED), so no step is taken twice."""
    now = now or timezone.now()
    policy = policy_for(organization_id)
    every = dt.timedelta(minutes=policy.escalate_every_minutes)
    candidates = (
        Alarm.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(organization_id=organization_id, escalation_level__lt=MAX_LEVEL)
        .filter(Q(status=Alarm.Status.RECEIVED, ack_due_at__lte=now)
                | Q(status=Alarm.Status.ACKNOWLEDGED, onsite_due_at__lte=now))
        .select_related("client")
        .order_by("ack_due_at", "pk")
    )
    steps = 0
    for alarm in candidates:
        deadline = _deadline(alarm)
        if deadline is None:
            continue
        due_level = min(MAX_LEVEL, 1 + int((now - deadline) / every))
        if alarm.escalation_level >= due_level:  # between two steps: nothing to do, nothing to write
            continue
        while alarm.escalation_level < due_level:
            alarm.escalation_level += 1
            who, recipients = _chain_step(alarm, alarm.escalation_level, policy)
            late = _("not acknowledged") if alarm.status == Alarm.Status.RECEIVED else _("nobody on site")
            text = _("Escalation %(level)d (%(who)s): %(late)s – %(kind)s at %(client)s") % {
                "level": alarm.escalation_level, "who": who, "late": late, "kind": alarm.get_kind_display(),
                "client": alarm.client.full_name}
            notify.send(recipients, text=text, alarm=alarm)
            _event(alarm, AlarmEvent.Action.ESCALATED, at=now, level=alarm.escalation_level,
                   detail=f"{who}: {late} ({len(recipients)} recipients)")
            steps += 1
        alarm.last_escalated_at = now
        alarm.save(update_fields=["escalation_level", "last_escalated_at"])
    return steps


def check_channels(organization_id: int, *, now: dt.datetime | None = None) -> int:
    """Open an outage for every active alarm centre quiet for longer than its heartbeat
    interval and every working device that did not check in on time, and alert the team
    manager on call (or the organisation's team managers and admins). Returns the number of
    new outages."""
    now = now or timezone.now()
    policy = policy_for(organization_id)
    opened = 0
    open_now = ChannelOutage.objects.filter(organization_id=organization_id, ended_at__isnull=True)
    quiet_centres = set(open_now.filter(centre__isnull=False).values_list("centre_id", flat=True))
    quiet_devices = set(open_now.filter(device__isnull=False).values_list("device_id", flat=True))
    for centre in AlarmCentre.objects.filter(organization_id=organization_id, is_active=True):
        last = centre.last_heartbeat_at or centre.created_at
        if now - last <= dt.timedelta(seconds=centre.heartbeat_seconds) or centre.pk in quiet_centres:
            continue
        try:
            with transaction.atomic():
                outage = ChannelOutage.objects.create(organization_id=organization_id, centre=centre, started_at=last,
                                                      detected_at=now)
        except IntegrityError:  # another sweeper opened it
            continue
        opened += 1
        text = _("No signal from %(centre)s since %(time)s: alarms may not reach us.") % {
            "centre": centre.name, "time": timezone.localtime(last).strftime("%H:%M")}
        notify.send(_outage_recipients(organization_id, policy), text=text, outage=outage)
    devices = Device.objects.filter(organization_id=organization_id, status=Device.Status.ACTIVE,
                                    check_in_minutes__isnull=False).select_related("client")
    for device in devices:
        last = device.last_check_in_at or device.created_at
        if now - last <= dt.timedelta(minutes=device.check_in_minutes) or device.pk in quiet_devices:
            continue
        try:
            with transaction.atomic():
                outage = ChannelOutage.objects.create(organization_id=organization_id, device=device, started_at=last,
                                                      detected_at=now)
        except IntegrityError:
            continue
        opened += 1
        text = _("%(device)s of %(client)s has not checked in since %(time)s.") % {
            "device": device.get_kind_display(), "client": device.client.full_name,
            "time": timezone.localtime(last).strftime("%d-%m %H:%M")}
        notify.send(_outage_recipients(organization_id, policy), text=text, outage=outage)
    return opened


def _outage_recipients(organization_id: int, policy: AlarmPolicy) -> list[Membership]:
    if policy.on_call_id:
        return [policy.on_call]
    return list(Membership.objects.filter(organization_id=organization_id, is_active=True,
                                          role__in=(Role.TEAM_MANAGER, Role.ADMIN)).select_related("user"))


def sweep(organization_id: int, *, now: dt.datetime | None = None) -> dict[str, int]:
    """One pass of the sweeper for one organisation: notify what was not notified (e.g. the
    broker was down at intake), escalate what is overdue, detect silent channels."""
    now = now or timezone.now()
    notified = 0
    pending = Alarm.objects.filter(organization_id=organization_id, notified_at__isnull=True,
                                   status__in=Alarm.OPEN).order_by("received_at")[:500]
    for alarm in pending:
        notified += notify_new_alarm(alarm)
    return {
        "notified": notified,
        "escalations": escalate_overdue(organization_id, now=now),
        "outages": check_channels(organization_id, now=now),
    }
