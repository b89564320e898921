"""Writes (and the one read by id) of a client's devices.

The Wzd rule lives here in words a user understands, before the database check
`active_monitoring_has_consent_or_wzd` says it as a constraint violation: a monitoring
device (GPS / wander detection, lifestyle sensor, camera) watches the client, and without
the consent of the client or their legal representative that is involuntary care under the
Wzd ("no, unless"). It can only be *working* with recorded consent (who and when) or the
reference of a Wzd decision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from alarms.models import AlarmCentre, Device
from clients.models import Client
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.models import Membership
from vpt.tenancy.roles import Perm

FIELDS = (
    "kind", "external_id", "supplier", "centre", "installed_on", "status", "consent_by", "consent_on",
    "wzd_decision", "check_in_minutes", "note",
)
TEXT_FIELDS = ("external_id", "supplier", "consent_by", "wzd_decision", "note")


def access_device_by_id(request: HttpRequest, client: Client, device_id: int) -> Device:
    """A device of `client` (already checked for visibility) in the request's organisation; 404 else."""
    device = (
        Device.objects.filter(organization=request.organization, client=client, pk=device_id)
        .select_related("centre")
        .first()
    )
    if device is None:
        raise Http404
    return device


def client_devices(client: Client) -> list[Device]:
    """The client's devices, removed ones last, the personal alarm first: one query."""
    kinds = {kind: i for i, kind in enumerate(Device.Kind.values)}
    devices = list(
        Device.objects.filter(organization_id=client.organization_id, client=client)
        .select_related("centre")
        .order_by("pk")
    )
    return sorted(devices, key=lambda d: (d.status == Device.Status.REMOVED, kinds.get(d.kind, 99), d.pk))


@dataclass
class DeviceSummary:
    """What the client page shows of the devices."""

    devices: list[Device]

    @property
    def current(self) -> list[Device]:
        """All but the removed ones."""
        return [d for d in self.devices if d.status != Device.Status.REMOVED]

    @property
    def has_working_alarm(self) -> bool:
        return any(d.kind == Device.Kind.PERSONAL_ALARM and d.status == Device.Status.ACTIVE for d in self.devices)


def device_summary(client: Client) -> DeviceSummary:
    """The client's devices for the card on the client page: one query."""
    return DeviceSummary(devices=client_devices(client))


def has_consent(consent_by: str, consent_on: dt.date | None) -> bool:
    return bool(consent_by) and consent_on is not None


def consent_errors(
    *, kind: str, status: str, consent_by: str, consent_on: dt.date | None, wzd_decision: str,
    today: dt.date | None = None,
) -> dict[str, list[ValidationError]]:
    """The consent and Wzd rules, per field (the Wzd rule itself on top of the form)."""
    today = today or timezone.localdate()
    errors: dict[str, list[ValidationError]] = {}
    if consent_on is not None and consent_on > today:
        errors["consent_on"] = [ValidationError(
            _("Consent cannot be dated in the future: record the day it was given."), code="consent_in_future")]
    elif consent_by and consent_on is None:
        errors["consent_on"] = [ValidationError(
            _("Record the date on which consent was given."), code="consent_date_missing")]
    elif consent_on is not None and not consent_by:
        errors["consent_by"] = [ValidationError(
            _("Record who gave consent: the client or their legal representative."), code="consent_by_missing")]
    if (
        kind in Device.MONITORING and status == Device.Status.ACTIVE
        and not has_consent(consent_by, consent_on) and not wzd_decision
    ):
        errors["__all__"] = [ValidationError(
            _("%(kind)s is a monitoring device: it can only be set to working with recorded consent (who gave "
              "it and when) or the reference of a Wzd decision. Without either, watching the client is involuntary "
              "care under the Wzd. Record the consent or the decision, or keep the device on “%(planned)s”.") % {
                "kind": Device.Kind(kind).label, "planned": Device.Status.PLANNED.label},
            code="wzd_consent_required",
        )]
    return errors


@transaction.atomic
def device_save(
    *, acting: Membership, client: Client, device: Device | None = None, request: HttpRequest | None = None,
    **fields: Any,
) -> Device:
    """Create or change a device of `client`. Fields: kind, external_id, supplier, centre,
    installed_on, status, consent_by, consent_on, wzd_decision, check_in_minutes, note.

    Rules: the consent and Wzd rules above; the serial / external id is unique within the
    organisation (the intake API finds the device by it); the alarm centre is one of the
    organisation's."""
    if not acting.has_perm(Perm.MANAGE_DEVICES):
        raise PermissionDenied
    org_id = acting.organization_id
    if client.organization_id != org_id or (device is not None and device.client_id != client.pk):
        raise PermissionDenied
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown device fields: {sorted(unknown)}")
    created = device is None
    device = device or Device(organization_id=org_id, client=client)
    for name in FIELDS:
        if name in fields:
            value = fields[name]
            if name in TEXT_FIELDS:
                value = (value or "").strip()
            setattr(device, name, value)

    errors: dict[str, list[ValidationError]] = consent_errors(
        kind=device.kind, status=device.status, consent_by=device.consent_by, consent_on=device.consent_on,
        wzd_decision=device.wzd_decision,
    )
    if not device.external_id:
        errors.setdefault("external_id", []).append(ValidationError(_("Enter the serial or external id.")))
    elif Device.objects.filter(organization_id=org_id, external_id__iexact=device.external_id).exclude(
            pk=device.pk).exists():
        errors.setdefault("external_id", []).append(ValidationError(
            _("Another device of your organisation already has this serial or external id. Alarms are matched to "
              "a device by it, so it must be unique."), code="duplicate_external_id"))
    if device.centre_id is not None and not AlarmCentre.objects.filter(organization_id=org_id,
                                                                      pk=device.centre_id).exists():
        errors.setdefault("centre", []).append(ValidationError(_("Choose an alarm centre of your organisation.")))
    if device.check_in_minutes is not None and device.check_in_minutes < 1:
        errors.setdefault("check_in_minutes", []).append(ValidationError(_("Enter at least 1 minute, or leave empty.")))
    if errors:
        raise ValidationError(errors)

    device.full_clean(exclude=["organization", "client", "centre"], validate_constraints=False)
    try:
        with transaction.atomic():
            device.save()
    except IntegrityError as exc:  # a concurrent save with the same external id
        raise ValidationError({"external_id": [ValidationError(
            _("Another device of your organisation already has this serial or external id."),
            code="duplicate_external_id")]}) from exc
    record_access(
        action=AccessLog.Action.CREATE if created else AccessLog.Action.UPDATE, request=request, membership=acting,
        client_id=client.pk, obj=device,
        description=f"device {device.get_kind_display()} {device.external_id} ({device.get_status_display()})",
    )
    return device
