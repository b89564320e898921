"""The menu card and the client's individual arrangement (the care plan)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clients.models import Client, NetworkMember
from vpt.tenancy.models import TenantModel


class MenuItem(TenantModel):
    """One element of the provider's menu card (menukaart), valid for a period.

    A price change is a new row with the same `code` and a later `active_from`; arrangement
    lines point at the row they were made with, so history is never rewritten."""

    class Kind(models.TextChoices):
        PERSONAL_CARE = "personal_care", _("Personal care")
        NURSING = "nursing", _("Nursing")
        SUPPORT = "support", _("Individual support")
        DAY_ACTIVITIES = "day_activities", _("Day activities incl. transport")
        MEALS = "meals", _("Meals")
        HOUSEHOLD = "household", _("Household help")
        LAUNDRY = "laundry", _("Laundry")
        PERSONAL_ALARM = "personal_alarm", _("Personal alarm")
        DOOR_ACCESS = "door_access", _("Door access")
        HOME_AUTOMATION = "home_automation", _("Home automation")
        LIFESTYLE_MONITORING = "lifestyle_monitoring", _("Lifestyle monitoring")
        NIGHT_CARE = "night_care", _("Night care")
        RESPITE = "respite", _("Respite stay")
        SUBSCRIPTION = "subscription", _("Service subscription")
        CUSTOM = "custom", _("Custom work")

    class Unit(models.TextChoices):
        HOURS_PER_WEEK = "hours_week", _("hours per week")  # cost_price is per hour at function_level
        PER_DAY = "day", _("per day")
        PER_WEEK = "week", _("per week")
        PER_MONTH = "month", _("per month")
        PER_OCCURRENCE = "occurrence", _("per occurrence")  # quantity = occurrences per month

    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=25, choices=Kind.choices)
    unit = models.CharField(_("unit"), max_length=12, choices=Unit.choices)
    function_level = models.PositiveSmallIntegerField(
        _("function level"), null=True, blank=True, choices=[(2, "2"), (3, "3"), (4, "4")],
        help_text=_("For hours: the level of the staff who deliver it."),
    )
    cost_price = models.DecimalField(
        _("cost price (EUR per unit)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(0)]
    )
    is_fixed = models.BooleanField(_("fixed element"), default=False, help_text=_("Part of every arrangement."))
    default_quantity = models.DecimalField(_("default quantity"), max_digits=6, decimal_places=2, default=1)
    description = models.CharField(_("description"), max_length=300, blank=True)
    active_from = models.DateField(_("active from"))
    active_to = models.DateField(_("active to"), null=True, blank=True)

    class Meta:
        ordering = ["kind", "name", "-active_from"]
        verbose_name = _("menu item")
        verbose_name_plural = _("menu card")
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["organization", "code", "active_from"], name="menu_item_version"),
            models.CheckConstraint(
                name="hours_have_a_function_level",
                condition=~Q(unit="hours_week") | Q(function_level__isnull=False),
            ),
            models.CheckConstraint(
                name="menu_item_period_order",
                condition=Q(active_to__isnull=True) | Q(active_to__gte=models.F("active_from")),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Arrangement(TenantModel):
    """One version of a client's arrangement. Versions of one client follow each other
    without overlap: activating a new version ends the previous one the day before."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")  # being composed; no effect on budgets or billing
        ACTIVE = "active", _("Active")  # the agreed plan from valid_from
        ENDED = "ended", _("Ended")  # replaced by a newer version or care ended

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="arrangements")
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    includes_dagbesteding = models.BooleanField(
        _("day activities by us"), default=True,
        help_text=_("Off when another provider runs the day activities (separate prestatie)."),
    )
    over_budget_justification = models.TextField(_("justification for exceeding the tariff"), blank=True)
    agreed_on = models.DateField(_("agreed with client on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    activated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["client", "-version"]
        verbose_name = _("arrangement")
        verbose_name_plural = _("arrangements")
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["organization", "client", "version"], name="arrangement_version"),
            models.CheckConstraint(
                name="arrangement_period_order",
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
            ),
        ]
        indexes = [models.Index(fields=["organization", "status", "valid_from"], name="arrangement_org_status")]

    def __str__(self) -> str:
        return f"{self.client} v{self.version}"

    def covers(self, day) -> bool:  # noqa: ANN001
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class ArrangementLine(TenantModel):
    class DeliveredBy(models.TextChoices):
        TEAM = "team", _("Own team")
        SUBCONTRACTOR = "subcontractor", _("Subcontractor")
        MANTELZORG = "mantelzorg", _("Mantelzorg")  # part of the agreement, no cost to the VPT budget
        PRIVATE = "private", _("Private (paid by the client)")  # on top, outside the VPT budget

    BUDGET_BEARING = (DeliveredBy.TEAM, DeliveredBy.SUBCONTRACTOR)

    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="lines")
    menu_item = models.ForeignKey(MenuItem, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(
        _("quantity"), max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    delivered_by = models.CharField(_("delivered by"), max_length=15, choices=DeliveredBy.choices, default=DeliveredBy.TEAM)
    subcontractor = models.CharField(_("subcontractor"), max_length=120, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["menu_item__kind", "pk"]
        verbose_name = _("arrangement line")
        base_manager_name = "objects"
        indexes = [models.Index(fields=["organization", "arrangement"], name="line_org_arrangement")]

    def __str__(self) -> str:
        return f"{self.menu_item} × {self.quantity}"

    @property
    def bears_budget(self) -> bool:
        return self.delivered_by in self.BUDGET_BEARING


class TaskAgreement(TenantModel):
    """Mantelzorg task division: who does a task (the client, a named network member or the
    team) and how often; the professionals keep the overview so no one is overasked."""

    class DoneBy(models.TextChoices):
        CLIENT = "client", _("Client")
        NETWORK = "network", _("Network member")
        TEAM = "team", _("Team")

    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="tasks")
    task = models.CharField(_("task"), max_length=150)
    done_by = models.CharField(_("done by"), max_length=10, choices=DoneBy.choices)
    network_member = models.ForeignKey(NetworkMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    frequency = models.CharField(_("how often"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("task agreement")
        base_manager_name = "objects"
        constraints = [
            models.CheckConstraint(
                name="network_task_names_the_member",
                condition=~Q(done_by="network") | Q(network_member__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.task


class CarePlanPolicy(TenantModel):
    """Per organisation: the care plan (arrangement) is agreed within `agree_within_days` of
    the start of care and evaluated every `evaluate_every_months` (DOMAIN.md: 6 weeks /
    periodically, both configurable)."""

    agree_within_days = models.PositiveSmallIntegerField(_("agree within (days after start of care)"), default=42)
    evaluate_every_months = models.PositiveSmallIntegerField(_("evaluate every (months)"), default=6)

    class Meta:
        base_manager_name = "objects"
        constraints = [models.UniqueConstraint(fields=["organization"], name="one_care_plan_policy")]


class Evaluation(TenantModel):
    """An evaluation of the care plan with the client and network."""

    class Outcome(models.TextChoices):
        NO_CHANGE = "no_change", _("No change")
        NEW_VERSION = "new_version", _("New version of the arrangement")

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="evaluations")
    arrangement = models.ForeignKey(Arrangement, on_delete=models.PROTECT, related_name="evaluations")
    held_on = models.DateField(_("held on"))
    participants = models.CharField(_("participants"), max_length=300)
    conclusions = models.TextField(_("conclusions"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    new_arrangement = models.ForeignKey(Arrangement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("evaluation")
        base_manager_name = "objects"
        indexes = [models.Index(fields=["organization", "client", "-held_on"], name="evaluation_org_client")]

    def __str__(self) -> str:
        return f"{self.client} {self.held_on:%d-%m-%Y}"
