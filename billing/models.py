"""Finance records of billing. So far: the iWlz start/end-of-care notifications (AW35/AW39)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vpt.tenancy.models import FUNDER_PREDICATE, TenantModel
from vpt.wlz import codes


def new_reference() -> str:
    """12 characters: the maximum of iWlz BerichtIdentificatie/Identificatie."""
    return uuid.uuid4().hex[:12].upper()


class CareNotification(TenantModel):
    """A provider -> zorgkantoor notification of the start (AW35) or end (AW39) of care,
    recorded from the client file's events (billing.services) and exported as iWlz XML
    (billing.iwlz). The XML is regenerated on every export until the notification is
    marked sent; from then on `xml` is the frozen copy of what was sent."""

    class Kind(models.TextChoices):
        START = "start", _("Start of care (AW35)")
        END = "end", _("End of care (AW39)")

    class Status(models.TextChoices):
        TO_SEND = "to_send", _("To send")
        SENT = "sent", _("Sent")

    client = models.ForeignKey("clients.Client", verbose_name=_("client"), on_delete=models.PROTECT,
                               related_name="care_notifications")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"))
    # iWlz Mutatiecode (LDT_MutatieCode in basisschema.xsd) for an end of care; blank for a start.
    reason = models.CharField(_("reason"), max_length=2, blank=True, choices=codes.mutatie_code_choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.TO_SEND)
    reference = models.CharField(_("reference"), max_length=12, default=new_reference, editable=False)
    xml = models.TextField(_("message"), blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("iWlz notification")
        verbose_name_plural = _("iWlz notifications")
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["organization", "reference"], name="care_notification_unique_reference"),
            models.CheckConstraint(name="care_notification_end_has_reason",
                                   condition=Q(kind="start", reason="") | (Q(kind="end") & ~Q(reason=""))),
            models.CheckConstraint(name="care_notification_sent_has_xml",
                                   condition=Q(status="to_send") | (Q(sent_at__isnull=False) & ~Q(xml=""))),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "kind"], name="care_notif_org_status_kind"),
            models.Index(fields=["organization", "client"], name="care_notif_org_client"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%d-%m-%Y} ({self.reference})"

    @property
    def message_code(self) -> str:
        return "AW35" if self.kind == self.Kind.START else "AW39"


# --------------------------------------------------------------------------- the daily run


class DailyRun(TenantModel):
    """One execution of the daily calculation for an organisation over a range of days:
    the run ledger shown on the finance screens. The nightly run continues from the last
    completed nightly run (`computed_through`); recomputations (a retroactive change, a
    re-run requested by finance) cover a range and possibly a set of clients."""

    class Kind(models.TextChoices):
        NIGHTLY = "nightly", _("Nightly run")
        RECOMPUTE = "recompute", _("Recalculation after a change")
        RERUN = "rerun", _("Re-run requested")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Completed")
        SKIPPED = "skipped", _("Skipped: another run was busy")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    client_ids = models.JSONField(default=list, blank=True)  # empty: every client
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    clients = models.PositiveIntegerField(_("clients"), default=0)
    client_days = models.PositiveIntegerField(_("client-days"), default=0)
    lines_written = models.PositiveIntegerField(_("day lines written"), default=0)
    budget_days_written = models.PositiveIntegerField(_("budget days written"), default=0)
    corrections = models.PositiveIntegerField(_("declared days changed"), default=0)
    engine = models.CharField(max_length=10, blank=True)  # "sql" (PostgreSQL) or "python"
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("daily run")
        verbose_name_plural = _("daily runs")
        base_manager_name = "objects"
        constraints = [
            models.CheckConstraint(name="daily_run_day_order", condition=Q(last_day__gte=models.F("first_day"))),
        ]
        indexes = [models.Index(fields=["organization", "kind", "status", "last_day"], name="daily_run_org_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.first_day:%d-%m-%Y}–{self.last_day:%d-%m-%Y}"

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


class DayLine(TenantModel):
    """What one day of VPT of one client is worth and whether it may be declared: written
    by the daily run from `clients.tariffs` rules. One current line per client and day;
    once a line is part of a submitted declaration it is never edited: a recomputation
    that comes to another result marks it superseded and writes a new current line, and
    the next declaration credits the old declaration line and debits the new one."""

    # A fact table of millions of rows (one per client-day): the organisation is guarded by
    # row-level security and Django's PROTECT rather than a per-row foreign-key check and
    # index (measured: deferred FK checks at commit took 40 % of a backfill).
    organization = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="+",
                                     editable=False, db_index=False, db_constraint=False)
    # (organization, client, day) serves the client's lines; contract is never looked up alone.
    client = models.ForeignKey("clients.Client", verbose_name=_("client"), on_delete=models.CASCADE,
                               related_name="day_lines", db_index=False)
    day = models.DateField(_("day"))
    zorgprofiel = models.CharField(_("zorgprofiel"), max_length=3)
    prestatiecode = models.CharField(_("prestatiecode"), max_length=20, blank=True)
    with_dagbesteding = models.BooleanField(default=True)
    max_amount = models.DecimalField(_("NZa maximum"), max_digits=9, decimal_places=2)
    amount = models.DecimalField(_("contracted tariff"), max_digits=9, decimal_places=2, null=True, blank=True)
    contract = models.ForeignKey("tenancy.Contract", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 db_index=False, db_constraint=False)
    billable = models.BooleanField(_("billable"))
    reason = models.CharField(_("not billable because"), max_length=20, blank=True)  # clients.tariffs.NotBillable
    absence_kind = models.CharField(_("absence"), max_length=10, blank=True)  # clients.Absence.Kind or ""
    declared_line = models.ForeignKey("billing.DeclarationLine", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="day_lines", db_index=False)
    superseded_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["client", "day"]
        verbose_name = _("day tariff line")
        verbose_name_plural = _("day tariff lines")
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["organization", "client", "day"], condition=Q(superseded_at__isnull=True),
                                    name="one_current_day_line"),
            models.CheckConstraint(name="day_line_billable_has_amount",
                                   condition=Q(billable=False) | (Q(amount__isnull=False) & Q(reason=""))),
        ]
        indexes = [
            models.Index(fields=["organization", "day"], name="day_line_org_day"),
            # Most lines are not declared (yet): index only the ones that are.
            models.Index(fields=["declared_line"], name="day_line_declared", condition=Q(declared_line__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.day:%d-%m-%Y} {self.amount}"


class BudgetDay(TenantModel):
    """One client-day of money: the tariff earned (the day line's amount when billable),
    the planned cost of the arrangement in force and the realised cost (delivered visits
    at the employees' cost per hour plus the arrangement's other budget-bearing lines).
    The margin over any period, per client, team or organisation, is a sum."""

    # A fact table of millions of rows (one per client-day): the organisation is guarded by
    # row-level security and Django's PROTECT rather than a per-row foreign-key check and
    # index (measured: deferred FK checks at commit took 40 % of a backfill).
    organization = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="+",
                                     editable=False, db_index=False, db_constraint=False)
    client = models.ForeignKey("clients.Client", verbose_name=_("client"), on_delete=models.CASCADE,
                               related_name="budget_days", db_index=False)
    team = models.ForeignKey("tenancy.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="+",
                             db_index=False, db_constraint=False)
    day = models.DateField(_("day"))
    tariff = models.DecimalField(_("tariff earned"), max_digits=9, decimal_places=2)
    planned_cost = models.DecimalField(_("planned cost"), max_digits=9, decimal_places=2)
    realised_cost = models.DecimalField(_("realised cost"), max_digits=9, decimal_places=2)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["client", "day"]
        verbose_name = _("budget day")
        verbose_name_plural = _("budget days")
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["organization", "client", "day"], name="one_budget_day"),
        ]
        indexes = [models.Index(fields=["organization", "day"], name="budget_day_org_day")]


# --------------------------------------------------------------------------- declarations


class Declaration(TenantModel):
    """The provider's declaration to a zorgkantoor for one calendar month (Vektis AW319):
    the month's billable days not declared before, plus corrections of earlier months."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        PARTLY_REJECTED = "partly_rejected", _("Partly rejected")

    zorgkantoor = models.ForeignKey("tenancy.Organization", verbose_name=_("zorgkantoor"), on_delete=models.PROTECT,
                                    related_name="declarations_received")
    contract = models.ForeignKey("tenancy.Contract", verbose_name=_("contract"), on_delete=models.PROTECT,
                                 related_name="declarations")
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    reference = models.CharField(_("reference"), max_length=20)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    total_debit = models.DecimalField(_("debit"), max_digits=12, decimal_places=2, default=0)
    total_credit = models.DecimalField(_("credit"), max_digits=12, decimal_places=2, default=0)
    validation = models.JSONField(default=list, blank=True)  # the last pre-validation's findings
    validated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    answered_at = models.DateTimeField(_("answer recorded at"), null=True, blank=True)

    # The zorgkantoor it is addressed to reads it; only the provider writes it.
    RLS_FUNDER = {"SELECT": FUNDER_PREDICATE}

    class Meta:
        ordering = ["-year", "-month", "-pk"]
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["organization", "zorgkantoor", "year", "month"],
                                    name="one_declaration_per_month"),
            models.UniqueConstraint(fields=["organization", "reference"], name="declaration_unique_reference"),
            models.CheckConstraint(name="declaration_month_range", condition=Q(month__gte=1, month__lte=12)),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def total(self):  # noqa: ANN201
        return self.total_debit - self.total_credit

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class DeclarationLine(TenantModel):
    """One line of a declaration: one client, one prestatie, one period of consecutive days
    at one tariff. A credit line (`debit_credit` "C") cancels the line it `corrects`."""

    class Side(models.TextChoices):
        DEBIT = "D", _("Debit")
        CREDIT = "C", _("Credit")

    class Status(models.TextChoices):
        OPEN = "open", _("Not answered")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="lines")
    number = models.PositiveIntegerField(_("line"))
    reference = models.CharField(_("reference"), max_length=30)
    client = models.ForeignKey("clients.Client", verbose_name=_("client"), on_delete=models.PROTECT, related_name="+")
    zorgprofiel = models.CharField(_("zorgprofiel"), max_length=3)
    prestatiecode = models.CharField(_("prestatiecode"), max_length=20)
    begin = models.DateField(_("begin"))
    end = models.DateField(_("end"))
    days = models.PositiveIntegerField(_("days"))
    tariff = models.DecimalField(_("tariff"), max_digits=9, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    side = models.CharField(_("debit/credit"), max_length=1, choices=Side.choices, default=Side.DEBIT)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    return_code = models.CharField(_("return code"), max_length=4, blank=True)
    return_reason = models.CharField(_("reason"), max_length=300, blank=True)
    released = models.BooleanField(default=False)  # rejected or credited: its days may be declared again

    class Meta:
        ordering = ["declaration", "number"]
        verbose_name = _("declaration line")
        base_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["organization", "declaration", "number"], name="declaration_line_number"),
            models.CheckConstraint(name="declaration_line_period", condition=Q(end__gte=models.F("begin"))),
            models.CheckConstraint(name="declaration_line_credit_corrects",
                                   condition=Q(side="D", corrects__isnull=True) | Q(side="C", corrects__isnull=False)),
            models.CheckConstraint(name="declaration_line_rejection_has_code",
                                   condition=~Q(status="rejected") | ~Q(return_code="")),
        ]
        indexes = [models.Index(fields=["organization", "client"], name="declaration_line_org_client")]

    def __str__(self) -> str:
        return self.reference

    @property
    def signed_amount(self):  # noqa: ANN201
        return -self.amount if self.side == self.Side.CREDIT else self.amount


# --------------------------------------------------------------------------- exports


class ExportJob(TenantModel):
    """A document made in the background (PDF, CSV, XLSX): progress while it runs, the
    file when it is done. Only its requester and finance see it; files expire."""

    class Kind(models.TextChoices):
        CLIENT_STATEMENT = "client_statement", _("Monthly statement per client")
        DECLARATION = "declaration", _("Declaration overview")
        TEAM_BUDGET = "team_budget", _("Team budget report")

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("document"), max_length=20, choices=Kind.choices)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    params = models.JSONField(default=dict)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # 0..100
    filename = models.CharField(max_length=200, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export")
        base_manager_name = "objects"
        constraints = [
            models.CheckConstraint(name="export_progress_range", condition=Q(progress__lte=100)),
        ]

    def __str__(self) -> str:
        return self.title
