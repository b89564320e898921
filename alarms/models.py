"""Personal alarms and the technology around the client: devices (with Wzd consent for
monitoring), alarm centres that deliver events, alarms with their follow-up and
escalations, channel outages, and in-app notifications.

The state of every alarm lives here, in the database: the periodic sweeper
(`alarms.tasks.sweep`) reads it and escalates whatever is overdue, so nothing depends on a
countdown task or a worker surviving.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from vpt.core import crypto
from vpt.tenancy.models import Membership, Team, TenantModel


class AlarmPolicy(TenantModel):
    """Per organisation: the follow-up norms (day and night) and the escalation chain."""

    ack_minutes_day = models.PositiveSmallIntegerField(_("acknowledge within (minutes, day)"), default=5,
                                                       validators=[MinValueValidator(1)])
    onsite_minutes_day = models.PositiveSmallIntegerField(_("on site within (minutes, day)"), default=30,
                                                          validators=[MinValueValidator(1)])
    ack_minutes_night = models.PositiveSmallIntegerField(_("acknowledge within (minutes, night)"), default=5,
                                                         validators=[MinValueValidator(1)])
    onsite_minutes_night = models.PositiveSmallIntegerField(_("on site within (minutes, night)"), default=30,
                                                            validators=[MinValueValidator(1)])
    night_starts = models.TimeField(_("night starts at"), default=dt.time(23, 0))
    night_ends = models.TimeField(_("night ends at"), default=dt.time(7, 0))
    escalate_every_minutes = models.PositiveSmallIntegerField(
        _("next escalation step after (minutes)"), default=5, validators=[MinValueValidator(1)],
        help_text=_("Time between the steps of the escalation chain while the alarm stays unattended."),
    )
    night_team = models.ForeignKey(
        Team, verbose_name=_("night service"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text=_("Second step of the chain. Empty: the alarm centre is the second step."),
    )
    on_call = models.ForeignKey(
        Membership, verbose_name=_("team manager on call"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", help_text=_("Last step of the chain, and who hears of a silent channel."),
    )

    class Meta:
        verbose_name = _("alarm policy")
        base_manager_name = "objects"
        constraints = [models.UniqueConstraint(fields=["organization"], name="one_alarm_policy")]

    def is_night(self, at: dt.datetime) -> bool:
        t = at.time()
        if self.night_starts <= self.night_ends:
            return self.night_starts <= t < self.night_ends
        return t >= self.night_starts or t < self.night_ends

    def norms(self, at: dt.datetime) -> tuple[int, int]:
        """(acknowledge, on site) minutes for an alarm received at local time `at`."""
        if self.is_night(at):
            return self.ack_minutes_night, self.onsite_minutes_night
        return self.ack_minutes_day, self.onsite_minutes_day


def new_key_id() -> str:
    return secrets.token_hex(8)


class AlarmCentre(TenantModel):
    """An alarm centre or device platform that delivers events to the intake API with its
    own credentials. It authenticates with `key` (public, "<organisation id>-<key id>") and
    signs every body with the secret (HMAC-SHA256), which is stored encrypted."""

    class Kind(models.TextChoices):
        ALARM_CENTRE = "alarm_centre", _("Alarm centre")
        DEVICE_PLATFORM = "device_platform", _("Device platform")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ALARM_CENTRE)
    key_id = models.CharField(_("key id"), max_length=32, default=new_key_id, editable=False)
    secret_encrypted = models.TextField(editable=False)
    heartbeat_seconds = models.PositiveIntegerField(
        _("heartbeat interval (seconds)"), default=300, validators=[MinValueValidator(30), MaxValueValidator(86400)],
        help_text=_("Quiet for longer than this: the channel counts as down."),
    )
    last_heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("alarm centre")
        base_manager_name = "objects"
        constraints = [models.UniqueConstraint(fields=["organization", "key_id"], name="alarm_centre_key_once")]

    def __str__(self) -> str:
        return self.name

    @property
    def key(self) -> str:
        return f"{self.organization_id}-{self.key_id}"

    def set_secret(self, secret: str) -> None:
        self.secret_encrypted = crypto.encrypt(secret)

    def secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted)


class Device(TenantModel):
    """A device at the client's home. Monitoring devices (GPS / wander detection, lifestyle
    sensors, cameras) watch the client: without recorded consent of the client or their
    representative, or a recorded Wzd decision, they cannot be active (involuntary care)."""

    class Kind(models.TextChoices):
        PERSONAL_ALARM = "personal_alarm", _("Personal alarm")
        DOOR_ACCESS = "door_access", _("Door access / key safe")
        LIFESTYLE = "lifestyle", _("Lifestyle monitoring sensor")
        GPS = "gps", _("GPS / wander detection")
        CAMERA = "camera", _("Camera (screen care)")
        OTHER = "other", _("Other")

    MONITORING = (Kind.LIFESTYLE, Kind.GPS, Kind.CAMERA)

    class Status(models.TextChoices):
        PLANNED = "planned", _("To be installed")
        ACTIVE = "active", _("Working")
        DEFECT = "defect", _("Defect")
        REMOVED = "removed", _("Removed")

    class ConsentBy(models.TextChoices):
        CLIENT = "client", _("Client")
        REPRESENTATIVE = "representative", _("Legal representative")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="devices")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    external_id = models.CharField(_("serial or external id"), max_length=64)
    supplier = models.CharField(_("supplier"), max_length=120, blank=True)
    centre = models.ForeignKey(AlarmCentre, verbose_name=_("alarm centre / platform"), on_delete=models.SET_NULL,
                               null=True, blank=True, related_name="devices")
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    consent_by = models.CharField(_("consent given by"), max_length=15, choices=ConsentBy.choices, blank=True)
    consent_on = models.DateField(_("consent given on"), null=True, blank=True)
    wzd_decision = models.CharField(
        _("Wzd decision reference"), max_length=100, blank=True,
        help_text=_("Only when monitoring happens without consent: the recorded decision under the Wzd."),
    )
    check_in_minutes = models.PositiveIntegerField(
        _("expected check-in interval (minutes)"), null=True, blank=True,
        help_text=_("Empty: the device does not report in by itself."),
    )
    last_check_in_at = models.DateTimeField(_("last check-in"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client", "kind", "pk"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["organization", "external_id"], name="device_external_id_once"),
            models.CheckConstraint(
                name="active_monitoring_has_consent_or_wzd",
                condition=~Q(status="active", kind__in=["lifestyle", "gps", "camera"])
                | (~Q(consent_by="") & Q(consent_on__isnull=False))
                | ~Q(wzd_decision=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.external_id}"

    @property
    def is_monitoring(self) -> bool:
        return self.kind in self.MONITORING


class Alarm(TenantModel):
    """One alarm and its follow-up: received → acknowledged → (on site) → resolved. Every
    step is stamped by the server and written to the alarm's events."""

    class Kind(models.TextChoices):
        BUTTON = "button", _("Alarm button")
        FALL = "fall", _("Fall detection")
        DOOR = "door", _("Door / wandering")
        LIFESTYLE = "lifestyle", _("Lifestyle deviation")
        GPS = "gps", _("Geofence left")
        TECHNICAL = "technical", _("Technical alarm")
        PHONE = "phone", _("Phone call")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ON_SITE = "on_site", _("On site")
        RESOLVED = "resolved", _("Resolved")

    OPEN = (Status.RECEIVED, Status.ACKNOWLEDGED, Status.ON_SITE)

    class Cause(models.TextChoices):
        FALL = "fall", _("Fall")
        NIGHT_UNREST = "night_unrest", _("Toilet / night unrest")
        WANDERING = "wandering", _("Wandering")
        LIFESTYLE = "lifestyle", _("Lifestyle deviation")
        TECHNICAL = "technical", _("Technical")
        TEST = "test", _("Test")
        FALSE_ALARM = "false_alarm", _("False alarm")
        MEDICAL = "medical", _("Medical")
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        PHONE = "phone", _("Handled by phone")
        VISIT = "visit", _("Visit")
        GP = "gp", _("GP")
        EMERGENCY = "emergency", _("Emergency services")
        ADMISSION = "admission", _("Admission")

    class Source(models.TextChoices):
        API = "api", _("Intake API")
        MANUAL = "manual", _("Entered by hand")
        DEMO = "demo", _("Demo data")

    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="alarms")
    team = models.ForeignKey(Team, verbose_name=_("responsible team"), on_delete=models.PROTECT, related_name="alarms")
    device = models.ForeignKey(Device, on_delete=models.SET_NULL, null=True, blank=True, related_name="alarms")
    centre = models.ForeignKey(AlarmCentre, on_delete=models.SET_NULL, null=True, blank=True, related_name="alarms")
    external_event_id = models.CharField(_("event id of the centre"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.API)
    message = models.CharField(_("message"), max_length=300, blank=True)
    occurred_at = models.DateTimeField(_("occurred at (device time)"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"))
    is_night = models.BooleanField(_("at night"), default=False)
    ack_due_at = models.DateTimeField(_("acknowledge before"))
    onsite_due_at = models.DateTimeField(_("on site before"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+")
    on_site_at = models.DateTimeField(null=True, blank=True)
    on_site_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    cause = models.CharField(_("cause"), max_length=12, choices=Cause.choices, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation step"), default=0)
    last_escalated_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the team was first notified; empty: the sweeper notifies."
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["organization", "centre", "external_event_id"],
                                    condition=~Q(external_event_id=""), name="alarm_event_once_per_centre"),
            models.CheckConstraint(
                name="resolved_alarm_has_cause_and_outcome",
                condition=~Q(status="resolved") | (~Q(cause="") & ~Q(outcome="") & Q(resolved_at__isnull=False)),
            ),
            models.CheckConstraint(
                name="acknowledged_alarm_has_timestamp",
                condition=Q(status="received") | Q(acknowledged_at__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "ack_due_at"], name="alarm_org_open_due"),
            models.Index(fields=["organization", "team", "received_at"], name="alarm_org_team_received"),
            models.Index(fields=["organization", "client", "received_at"], name="alarm_org_client_received"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.client}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class AlarmEvent(TenantModel):
    """The history of an alarm: every step, escalation and note, stamped by the server."""

    class Action(models.TextChoices):
        RECEIVED = "received", _("Received")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ON_SITE = "on_site", _("On site")
        RESOLVED = "resolved", _("Resolved")
        ESCALATED = "escalated", _("Escalated")
        NOTIFIED = "notified", _("Notified")
        DUPLICATE = "duplicate", _("Repeated delivery")

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"))
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    level = models.PositiveSmallIntegerField(null=True, blank=True)  # escalations: the step reached
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("alarm event")
        base_manager_name = "objects"
        indexes = [models.Index(fields=["organization", "alarm", "at"], name="alarm_event_org_alarm")]


class IntakeRecord(TenantModel):
    """Every authenticated request to the intake API, as received: kept for inspection
    (malformed payloads are never lost) and for the idempotency audit."""

    centre = models.ForeignKey(AlarmCentre, on_delete=models.CASCADE, related_name="intake_records")
    received_at = models.DateTimeField(auto_now_add=True)
    endpoint = models.CharField(max_length=20)  # event, heartbeat
    body = models.TextField()
    status_code = models.PositiveSmallIntegerField()
    error = models.CharField(max_length=500, blank=True)
    event_id = models.CharField(max_length=100, blank=True)
    alarm = models.ForeignKey(Alarm, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-received_at", "-pk"]
        base_manager_name = "objects"
        indexes = [models.Index(fields=["organization", "centre", "received_at"], name="intake_org_centre")]


class ChannelOutage(TenantModel):
    """A channel that went quiet: an alarm centre without heartbeats, or a device that did
    not check in. Open while `ended_at` is empty; shown as a banner on every tablet."""

    centre = models.ForeignKey(AlarmCentre, on_delete=models.CASCADE, null=True, blank=True, related_name="outages")
    device = models.ForeignKey(Device, on_delete=models.CASCADE, null=True, blank=True, related_name="outages")
    started_at = models.DateTimeField(_("quiet since"))
    detected_at = models.DateTimeField(_("detected at"))
    ended_at = models.DateTimeField(_("back at"), null=True, blank=True)

    class Meta:
        ordering = ["-detected_at", "-pk"]
        verbose_name = _("channel outage")
        base_manager_name = "objects"
        constraints = [
            models.CheckConstraint(name="outage_has_one_channel",
                                   condition=Q(centre__isnull=False, device__isnull=True)
                                   | Q(centre__isnull=True, device__isnull=False)),
            models.UniqueConstraint(fields=["centre"], condition=Q(ended_at__isnull=True, centre__isnull=False),
                                    name="one_open_outage_per_centre"),
            models.UniqueConstraint(fields=["device"], condition=Q(ended_at__isnull=True, device__isnull=False),
                                    name="one_open_outage_per_device"),
        ]


class Notification(TenantModel):
    """A message to one member: always in-app, and through the configured channels
    (`alarms.notify`)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="notifications")
    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications")
    outage = models.ForeignKey(ChannelOutage, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="notifications")
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        base_manager_name = "objects"
        indexes = [models.Index(fields=["organization", "membership", "read_at"], name="notification_org_unread")]
