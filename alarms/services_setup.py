"""Writes of the alarm setup (MANAGE_ALARM_SETUP, admins): the alarm centres and device
platforms that deliver events with their own credentials, and the organisation's alarm
policy (norms, night window, escalation chain).

A centre's secret is generated here (`secrets.token_urlsafe(32)`), stored only encrypted,
and handed back to the caller once, to be shown once: nobody can read it back from the
page later, only replace it (`centre_rotate_secret`), which invalidates the old one.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from alarms.models import AlarmCentre, AlarmPolicy, ChannelOutage
from alarms.services import policy_for
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.models import Membership, Team
from vpt.tenancy.roles import Perm, Role

ON_CALL_ROLES = (Role.TEAM_MANAGER, Role.ADMIN)


def _check(acting: Membership) -> None:
    if not acting.has_perm(Perm.MANAGE_ALARM_SETUP) or not acting.organization.is_provider:
        raise PermissionDenied


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def access_alarmcentre_by_id(request: HttpRequest, alarmcentre_id: int) -> AlarmCentre:
    centre = AlarmCentre.objects.filter(organization=request.organization, pk=alarmcentre_id).first()
    if centre is None:
        raise Http404
    return centre


# --- alarm centres ------------------------------------------------------------------------------


@dataclass
class CentreRow:
    centre: AlarmCentre
    is_quiet: bool  # active, and no heartbeat within its interval
    has_open_outage: bool

    @property
    def status(self) -> str:
        if not self.centre.is_active:
            return "inactive"
        if self.is_quiet:
            return "quiet"
        if self.centre.last_heartbeat_at is None:
            return "waiting"  # new, within its first interval
        return "ok"

    @property
    def interval(self) -> str:
        seconds = self.centre.heartbeat_seconds
        if seconds % 60 == 0:
            return _("%(n)d min") % {"n": seconds // 60}
        return _("%(n)d s") % {"n": seconds}


def centre_rows(organization_id: int, *, now: dt.datetime | None = None) -> list[CentreRow]:
    """The organisation's centres with their channel status: two queries."""
    now = now or timezone.now()
    centres = list(AlarmCentre.objects.filter(organization_id=organization_id).order_by("-is_active", "name", "pk"))
    open_outages = set(
        ChannelOutage.objects.filter(organization_id=organization_id, centre__isnull=False, ended_at__isnull=True)
        .values_list("centre_id", flat=True)
    )
    rows = []
    for centre in centres:
        last = centre.last_heartbeat_at or centre.created_at
        quiet = centre.is_active and (now - last > dt.timedelta(seconds=centre.heartbeat_seconds))
        rows.append(CentreRow(centre=centre, is_quiet=quiet, has_open_outage=centre.pk in open_outages))
    return rows


def _validate_centre(org_id: int, centre: AlarmCentre | None, name: str, kind: str, heartbeat_seconds: int) -> None:
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Enter the name of the alarm centre or platform.")]
    elif AlarmCentre.objects.filter(organization_id=org_id, name__iexact=name).exclude(
            pk=centre.pk if centre else None).exists():
        errors["name"] = [_("There is already an alarm centre with this name.")]
    if kind not in AlarmCentre.Kind.values:
        errors["kind"] = [_("Choose the kind.")]
    if heartbeat_seconds is None or not 30 <= heartbeat_seconds <= 86400:
        errors["heartbeat_seconds"] = [_("Enter a heartbeat interval between 30 and 86400 seconds (one day).")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def centre_create(
    *, acting: Membership, name: str, kind: str = AlarmCentre.Kind.ALARM_CENTRE, heartbeat_seconds: int = 300,
    request: HttpRequest | None = None,
) -> tuple[AlarmCentre, str]:
    """Create a centre with a new key and secret. Returns (centre, secret): the secret is
    stored encrypted only, so this is the one moment it can be shown."""
    _check(acting)
    org_id = acting.organization_id
    name = (name or "").strip()
    _validate_centre(org_id, None, name, kind, heartbeat_seconds)
    secret = new_secret()
    centre = AlarmCentre(organization_id=org_id, name=name, kind=kind, heartbeat_seconds=heartbeat_seconds)
    centre.set_secret(secret)
    centre.save()
    record_access(action=AccessLog.Action.CREATE, request=request, membership=acting, obj=centre,
                  description=f"alarm centre {centre.name} created (key {centre.key})")
    return centre, secret


@transaction.atomic
def centre_update(
    *, acting: Membership, centre: AlarmCentre, name: str, kind: str, heartbeat_seconds: int, is_active: bool,
    request: HttpRequest | None = None,
) -> AlarmCentre:
    """Change name, kind, heartbeat interval and whether the centre may deliver (an
    inactive centre's requests are refused and it is not watched for heartbeats)."""
    _check(acting)
    if centre.organization_id != acting.organization_id:
        raise PermissionDenied
    name = (name or "").strip()
    _validate_centre(acting.organization_id, centre, name, kind, heartbeat_seconds)
    centre = AlarmCentre.objects.select_for_update().filter(organization_id=acting.organization_id, pk=centre.pk).first()
    if centre is None:
        raise Http404
    centre.name, centre.kind, centre.heartbeat_seconds, centre.is_active = name, kind, heartbeat_seconds, is_active
    centre.save(update_fields=["name", "kind", "heartbeat_seconds", "is_active"])
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, obj=centre,
                  description=f"alarm centre {centre.name} changed ({'active' if is_active else 'inactive'}, "
                              f"heartbeat {heartbeat_seconds}s)")
    return centre


@transaction.atomic
def centre_rotate_secret(*, acting: Membership, centre: AlarmCentre, request: HttpRequest | None = None) -> str:
    """Replace the centre's secret. The old one stops working at once; returns the new one
    (to be shown once). The key stays the same."""
    _check(acting)
    locked = AlarmCentre.objects.select_for_update().filter(organization_id=acting.organization_id,
                                                            pk=centre.pk).first()
    if locked is None:
        raise PermissionDenied
    secret = new_secret()
    locked.set_secret(secret)
    locked.save(update_fields=["secret_encrypted"])
    centre.secret_encrypted = locked.secret_encrypted
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, obj=locked,
                  description=f"alarm centre {locked.name}: new secret (key {locked.key})")
    return secret


# --- the alarm policy ---------------------------------------------------------------------------

POLICY_FIELDS = (
    "ack_minutes_day", "onsite_minutes_day", "ack_minutes_night", "onsite_minutes_night", "night_starts",
    "night_ends", "escalate_every_minutes", "night_team", "on_call",
)
MAX_MINUTES = 1440


def on_call_choices(organization_id: int):  # noqa: ANN201 (a queryset)
    return (
        Membership.objects.filter(organization_id=organization_id, is_active=True, role__in=ON_CALL_ROLES)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "pk")
    )


def night_team_choices(organization_id: int):  # noqa: ANN201 (a queryset)
    return Team.objects.filter(organization_id=organization_id, is_active=True).order_by("name", "pk")


@transaction.atomic
def policy_save(*, acting: Membership, request: HttpRequest | None = None, **fields) -> AlarmPolicy:  # noqa: ANN003
    """Change the organisation's alarm policy. Fields: ack_minutes_day, onsite_minutes_day,
    ack_minutes_night, onsite_minutes_night, night_starts, night_ends,
    escalate_every_minutes, night_team (a Team), on_call (a Membership).

    Rules: the night service is an active team of the organisation; the manager on call is
    an active team manager or admin of it; every norm is 1..1440 minutes and being on site
    is not due before acknowledging; the night has a length."""
    _check(acting)
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"unknown policy fields: {sorted(unknown)}")
    org_id = acting.organization_id
    policy = policy_for(org_id)
    policy = AlarmPolicy.objects.select_for_update().filter(organization_id=org_id, pk=policy.pk).first()
    for name, value in fields.items():
        setattr(policy, name, value)

    errors: dict[str, list[str]] = {}
    for name in ("ack_minutes_day", "onsite_minutes_day", "ack_minutes_night", "onsite_minutes_night",
                 "escalate_every_minutes"):
        value = getattr(policy, name)
        if value is None or not 1 <= value <= MAX_MINUTES:
            errors[name] = [_("Enter a number of minutes between 1 and %(max)d.") % {"max": MAX_MINUTES}]
    for ack, onsite in (("ack_minutes_day", "onsite_minutes_day"), ("ack_minutes_night", "onsite_minutes_night")):
        if ack not in errors and onsite not in errors and getattr(policy, onsite) < getattr(policy, ack):
            errors[onsite] = [_("Being on site cannot be due before acknowledging: both count from receipt.")]
    if policy.night_starts is None:
        errors["night_starts"] = [_("Enter a time.")]
    if policy.night_ends is None:
        errors["night_ends"] = [_("Enter a time.")]
    elif policy.night_starts is not None and policy.night_starts == policy.night_ends:
        errors["night_ends"] = [_("The night must end at another time than it starts.")]
    team = policy.night_team
    if team is not None and (team.organization_id != org_id or not team.is_active):
        errors["night_team"] = [_("Choose an active team of your organisation.")]
    on_call = policy.on_call
    if on_call is not None and (
        on_call.organization_id != org_id or not on_call.is_active or on_call.role not in ON_CALL_ROLES
    ):
        errors["on_call"] = [_("Choose a team manager or admin of your organisation.")]
    if errors:
        raise ValidationError(errors)
    policy.save()
    record_access(
        action=AccessLog.Action.UPDATE, request=request, membership=acting, obj=policy,
        description=(f"alarm policy: day {policy.ack_minutes_day}/{policy.onsite_minutes_day} min, night "
                     f"{policy.ack_minutes_night}/{policy.onsite_minutes_night} min "
                     f"({policy.night_starts:%H:%M}-{policy.night_ends:%H:%M}), escalate every "
                     f"{policy.escalate_every_minutes} min"),
    )
    return policy
