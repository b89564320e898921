"""District teams at work: employees, fixed faces per client, and visits (planned and
delivered care moments) with their edit history.

The team itself (`vpt.tenancy.models.Team`) lives in the core because it decides what a
member may see; this app adds who works in it and what they do.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from vpt.tenancy.models import Membership, Team, TenantModel

FUNCTION_LEVELS = [(2, "2"), (3, "3"), (4, "4")]
MAX_VISIT_MINUTES = 12 * 60


class LevelRate(TenantModel):
    """The organisation's cost per hour of an employee of a function level, used for
    employees without their own cost per hour."""

    function_level = models.PositiveSmallIntegerField(_("function level"), choices=FUNCTION_LEVELS)
    cost_per_hour = models.DecimalField(
        _("cost per hour (EUR)"), max_digits=7, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["function_level"]
        verbose_name = _("rate per function level")
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["organization", "function_level"], name="one_rate_per_level"),
        ]

    def __str__(self) -> str:
        return f"{self.function_level}: {self.cost_per_hour}"


class Employee(TenantModel):
    """Someone who works in a district team. Linked to a membership when they log in; the
    link also makes the membership a member of the team (what it may see)."""

    class Role(models.TextChoices):
        CLIENT_COACH = "client_coach", _("Client coach")
        CLIENT_SUPPORT = "client_support", _("Client support worker")
        NURSE = "nurse", _("Nurse")
        OTHER = "other", _("Other")

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="employees")
    role = models.CharField(_("role"), max_length=15, choices=Role.choices)
    function_level = models.PositiveSmallIntegerField(_("function level"), choices=FUNCTION_LEVELS)
    contract_hours = models.DecimalField(
        _("contract hours per week"), max_digits=4, decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
    )
    hourly_cost = models.DecimalField(
        _("cost per hour (EUR)"), max_digits=7, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)], help_text=_("Empty: the organisation's rate for the function level."),
    )
    membership = models.OneToOneField(
        Membership, verbose_name=_("user account"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="employee",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        base_manager_name = "objects"
        indexes = [models.Index(fields=["organization", "team", "is_active"], name="employee_org_team")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def initials(self) -> str:
        return "".join(p[0].upper() for p in (self.first_name, self.last_name) if p)

    def cost_per_hour(self, rates: dict[int, Decimal]) -> Decimal | None:
        return self.hourly_cost if self.hourly_cost is not None else rates.get(self.function_level)


class FixedFace(TenantModel):
    """One of the small fixed group of employees a client knows ("vaste gezichten")."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="fixed_faces")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="fixed_faces")
    since = models.DateField(_("since"))

    class Meta:
        ordering = ["employee__last_name", "employee__first_name", "pk"]
        verbose_name = _("fixed face")
        verbose_name_plural = _("fixed faces")
        base_manager_name = "objects"
        constraints = [models.UniqueConstraint(fields=["client", "employee"], name="fixed_face_once")]

    def __str__(self) -> str:
        return f"{self.employee} – {self.client}"


class Visit(TenantModel):
    """A care moment at the client's home: planned, delivered (with its real duration), or
    cancelled. Visits of one employee never overlap (service check; on PostgreSQL also an
    exclusion constraint over [start, start + duration))."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        WEB = "web", _("Web")
        API = "api", _("API")
        DEMO = "demo", _("Demo data")

    client = models.ForeignKey(Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="visits")
    employee = models.ForeignKey(Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="visits")
    date = models.DateField(_("date"))
    start = models.TimeField(_("start"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(MAX_VISIT_MINUTES)]
    )
    planned_minutes = models.PositiveSmallIntegerField(
        _("planned duration (minutes)"), null=True, blank=True,
        help_text=_("What was planned, kept when the visit is confirmed with its real duration."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    # Codes of the menu items of the client's arrangement (stable across price versions).
    activities = models.JSONField(_("activities"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=5, choices=Source.choices, default=Source.WEB)
    external_id = models.CharField(
        _("external id"), max_length=64, blank=True,
        help_text=_("The planning system's id of this visit, unique per organisation."),
    )
    delivered_at = models.DateTimeField(_("registered as delivered at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "start", "pk"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        base_manager_name = "objects"
        constraints = [
            models.CheckConstraint(
                name="visit_duration_positive",
                condition=Q(duration_minutes__gte=1) & Q(duration_minutes__lte=MAX_VISIT_MINUTES),
            ),
            models.CheckConstraint(
                name="visit_delivered_has_timestamp",
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["organization", "external_id"], condition=~Q(external_id=""), name="visit_external_id_once"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "employee", "date"], name="visit_org_employee_date"),
            models.Index(fields=["organization", "client", "date"], name="visit_org_client_date"),
            models.Index(fields=["organization", "date", "status"], name="visit_org_date_status"),
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.date:%d-%m-%Y} {self.start:%H:%M}"

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.start)

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)


class VisitRevision(TenantModel):
    """One change of a visit: who, when, why (required after the visit's day), and the
    fields before and after."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="revisions")
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(_("action"), max_length=20)  # created, confirmed, changed, cancelled
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    is_late = models.BooleanField(_("after the visit's day"), default=False)
    changes = models.JSONField(default=dict)  # {field: [before, after]}

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("visit change")
        base_manager_name = "objects"
        constraints = [
            models.CheckConstraint(name="late_change_has_reason", condition=Q(is_late=False) | ~Q(reason="")),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.action}"
