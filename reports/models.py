"""Provider reports to the zorgkantoor and their review.

A provider (finance) makes a report for a quarter or a year under its contract with a
zorgkantoor: aggregated figures computed from its own data (`reports.figures`), never a
name or a BSN. While it is a draft only the provider sees it. Submitting freezes the
figures into a `ReportVersion` (immutable in the database: the application role may not
update or delete versions), together with the data version they were computed from; the
report page, the PDF and the API render a version and nothing else, so a submitted report
reads the same forever.

The zorgkantoor of the contract reviews: submitted → in review → approved, or
clarification requested → (the provider answers the comments and resubmits, which freezes
a new version) → resubmitted → in review … Every transition and every comment is a
`ReportEvent` (append-only).

Who sees what (both layers):
- the provider: its own rows (the tenant manager `objects`, RLS `tenant_isolation`);
- the zorgkantoor: reports addressed to it that are not drafts, and their versions,
  comments and events (`funder_objects`, RLS `funder_*` policies). It may change a report's
  status and add comments and events; it can never insert a report or change a version.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vpt.tenancy.models import FUNDER_PREDICATE, Contract, FunderManager, Organization, TenantModel

NOT_DRAFT = "status <> 'draft'"
# Rows hanging off a report: visible to the zorgkantoor when the report is.
_REPORT_VISIBLE_TO_FUNDER = (
    "EXISTS (SELECT 1 FROM reports_providerreport r WHERE r.id = report_id"  # noqa: S608 (constants)
    f" AND r.{FUNDER_PREDICATE} AND r.{NOT_DRAFT})"
)


class ProviderReport(TenantModel):
    class Kind(models.TextChoices):
        QUARTER = "quarter", _("Quarterly report")
        YEAR = "year", _("Annual report")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        CLARIFICATION = "clarification", _("Clarification requested")
        RESUBMITTED = "resubmitted", _("Resubmitted")
        APPROVED = "approved", _("Approved")

    # Statuses the zorgkantoor's inbox shows as waiting for it.
    AWAITING_REVIEWER = (Status.SUBMITTED, Status.RESUBMITTED, Status.IN_REVIEW)

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.PROTECT,
                                 related_name="reports")
    # The contract's zorgkantoor, kept on the row for the row-level-security policy.
    zorgkantoor = models.ForeignKey(Organization, verbose_name=_("zorgkantoor"), on_delete=models.PROTECT,
                                    related_name="received_reports", limit_choices_to={"kind": "zorgkantoor"})
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.DRAFT)
    # The draft's figures (recomputed on request); submitted figures live in versions.
    draft_figures = models.JSONField(default=dict, blank=True)
    draft_computed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_name = models.CharField(max_length=150, blank=True)
    submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)

    RLS_FUNDER = {
        "SELECT": f"{FUNDER_PREDICATE} AND {NOT_DRAFT}",
        "UPDATE": f"{FUNDER_PREDICATE} AND {NOT_DRAFT}",
    }
    funder_objects = FunderManager(visible=~Q(status="draft"))

    class Meta:
        ordering = ["-year", "-quarter", "pk"]
        verbose_name = _("provider report")
        verbose_name_plural = _("provider reports")
        base_manager_name = "objects"
        default_manager_name = "objects"
        constraints = [
            # Two partial constraints rather than one with nulls_distinct=False, which SQLite
            # (the demo) cannot create.
            models.UniqueConstraint(fields=["organization", "contract", "year", "quarter"],
                                    condition=Q(kind="quarter"), name="one_report_per_quarter"),
            models.UniqueConstraint(fields=["organization", "contract", "year"],
                                    condition=Q(kind="year"), name="one_report_per_year"),
            models.CheckConstraint(
                name="report_quarter_matches_kind",
                condition=(Q(kind="quarter", quarter__gte=1, quarter__lte=4) | Q(kind="year", quarter__isnull=True)),
            ),
        ]
        indexes = [models.Index(fields=["zorgkantoor", "status"], name="report_funder_status")]

    def __str__(self) -> str:
        return f"{self.period_label} · {self.get_kind_display()}"

    @property
    def first_day(self) -> dt.date:
        return period_bounds(self.year, self.quarter)[0]

    @property
    def last_day(self) -> dt.date:
        return period_bounds(self.year, self.quarter)[1]

    @property
    def period_label(self) -> str:
        return period_label(self.year, self.quarter)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


def period_bounds(year: int, quarter: int | None) -> tuple[dt.date, dt.date]:
    """First and last day of a quarter (1–4) or, with quarter None, of the year."""
    if quarter is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    first = dt.date(year, 3 * quarter - 2, 1)
    last = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return first, last - dt.timedelta(days=1)


def period_label(year: int, quarter: int | None) -> str:
    return f"Q{quarter} {year}" if quarter else str(year)


class ReportVersion(TenantModel):
    """One submission: the figures exactly as submitted, frozen. Never updated or deleted
    (the application role lacks the rights), so what the zorgkantoor reviewed stays."""

    report = models.ForeignKey(ProviderReport, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    figures = models.JSONField()
    figures_sha256 = models.CharField(max_length=64)
    # The data the figures were computed from: the last completed daily run and the day it
    # had computed through, and when the figures were computed.
    source_run_id = models.BigIntegerField(null=True, blank=True)
    computed_through = models.DateField(null=True, blank=True)
    computed_at = models.DateTimeField()
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by_name = models.CharField(_("submitted by"), max_length=150)
    message = models.TextField(_("message to the zorgkantoor"), blank=True)
    zorgkantoor = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")

    APP_ROLE_REVOKE = ("UPDATE", "DELETE")
    RLS_FUNDER = {"SELECT": _REPORT_VISIBLE_TO_FUNDER}
    funder_objects = FunderManager()

    class Meta:
        ordering = ["report", "number"]
        verbose_name = _("report version")
        base_manager_name = "objects"
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(fields=["organization", "report", "number"], name="one_number_per_version"),
        ]

    def __str__(self) -> str:
        return f"v{self.number}"

    @property
    def data_version(self) -> str:
        """The data version as shown on the report: run, computed-through day, fingerprint."""
        run = f"run {self.source_run_id}" if self.source_run_id else "no run"
        through = self.computed_through.isoformat() if self.computed_through else "—"
        return f"{run} · t/m {through} · {self.figures_sha256[:12]}"


class ReportComment(TenantModel):
    """A comment on one section of a report, by the zorgkantoor or (answering) the provider."""

    class Side(models.TextChoices):
        ZORGKANTOOR = "zorgkantoor", _("Zorgkantoor")
        PROVIDER = "provider", _("Care provider")

    report = models.ForeignKey(ProviderReport, on_delete=models.PROTECT, related_name="comments")
    section = models.CharField(_("section"), max_length=20)
    side = models.CharField(max_length=12, choices=Side.choices)
    # The provider's answer points at the zorgkantoor comment it answers.
    answers = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="answered_by")
    version_number = models.PositiveSmallIntegerField()  # the version the comment was made on
    author_name = models.CharField(max_length=150)
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)
    zorgkantoor = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")

    APP_ROLE_REVOKE = ("UPDATE", "DELETE")
    RLS_FUNDER = {"SELECT": _REPORT_VISIBLE_TO_FUNDER, "INSERT": f"{FUNDER_PREDICATE} AND {_REPORT_VISIBLE_TO_FUNDER}"}
    funder_objects = FunderManager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("report comment")
        base_manager_name = "objects"
        default_manager_name = "objects"
        indexes = [models.Index(fields=["organization", "report"], name="comment_org_report")]

    def __str__(self) -> str:
        return f"{self.section}: {self.body[:40]}"


class ReportEvent(TenantModel):
    """The report's history from its first submission: every status change and comment, by
    whom, append-only. (A draft has no history: it is the provider's own working copy and
    may be deleted.)"""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        REVIEW_STARTED = "review_started", _("Review started")
        CLARIFICATION = "clarification", _("Clarification requested")
        RESUBMITTED = "resubmitted", _("Resubmitted")
        APPROVED = "approved", _("Approved")
        COMMENTED = "commented", _("Comment added")
        ANSWERED = "answered", _("Comment answered")

    report = models.ForeignKey(ProviderReport, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16, choices=Action.choices)
    from_status = models.CharField(max_length=14, blank=True)
    to_status = models.CharField(max_length=14, blank=True)
    side = models.CharField(max_length=12, choices=ReportComment.Side.choices)
    actor_name = models.CharField(max_length=150)
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    zorgkantoor = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")

    APP_ROLE_REVOKE = ("UPDATE", "DELETE")
    RLS_FUNDER = {"SELECT": _REPORT_VISIBLE_TO_FUNDER, "INSERT": f"{FUNDER_PREDICATE} AND {_REPORT_VISIBLE_TO_FUNDER}"}
    funder_objects = FunderManager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("report event")
        base_manager_name = "objects"
        default_manager_name = "objects"
        indexes = [models.Index(fields=["organization", "report"], name="event_org_report")]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"
