"""Writes of the report workflow: one function per transition, each checking who may do it
from which status, in one transaction, recording a ReportEvent.

The transitions (TRANSITIONS is the single table the pages and tests read):

    draft ──submit (provider)──▶ submitted ──start review (zk)──▶ in review
    in review ──approve (zk)──▶ approved
    in review ──request clarification (zk, with a comment)──▶ clarification requested
    clarification requested ──resubmit (provider, every comment answered)──▶ resubmitted
    resubmitted ──start review (zk)──▶ in review

A status change is a compare-and-set (`UPDATE … WHERE status IN (…)`): two reviewers
clicking at once cannot both move the report; the second gets a clear error.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.models import DailyRun
from billing.selectors_finance import computed_through
from reports import figures as report_figures
from reports.models import ProviderReport, ReportComment, ReportEvent, ReportVersion
from reports.sections import SECTION_KEYS
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.models import Contract, Membership

S = ProviderReport.Status
A = ReportEvent.Action
PROVIDER, ZK = ReportComment.Side.PROVIDER, ReportComment.Side.ZORGKANTOOR
MAX_COMMENT = 4000


@dataclass(frozen=True)
class Transition:
    action: str
    side: str
    sources: tuple[str, ...]
    target: str
    label: object


TRANSITIONS = {
    A.SUBMITTED: Transition(A.SUBMITTED, PROVIDER, (S.DRAFT,), S.SUBMITTED, gettext_lazy("Submit")),
    A.REVIEW_STARTED: Transition(A.REVIEW_STARTED, ZK, (S.SUBMITTED, S.RESUBMITTED), S.IN_REVIEW,
                                 gettext_lazy("Start review")),
    A.APPROVED: Transition(A.APPROVED, ZK, (S.IN_REVIEW,), S.APPROVED, gettext_lazy("Approve")),
    A.CLARIFICATION: Transition(A.CLARIFICATION, ZK, (S.IN_REVIEW,), S.CLARIFICATION,
                                gettext_lazy("Request clarification")),
    A.RESUBMITTED: Transition(A.RESUBMITTED, PROVIDER, (S.CLARIFICATION,), S.RESUBMITTED,
                              gettext_lazy("Resubmit")),
}
# Statuses in which comments can be added (not on a draft, not after approval).
COMMENTABLE = (S.SUBMITTED, S.IN_REVIEW, S.CLARIFICATION, S.RESUBMITTED)


def available_actions(report: ProviderReport, side: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if t.side == side and report.status in t.sources]


def _actor_name(acting: Membership) -> str:
    user = acting.user
    return user.get_full_name() or user.get_username()


def _side(acting: Membership) -> str:
    return PROVIDER if acting.organization.is_provider else ZK


def _check_party(acting: Membership, report: ProviderReport, side: str) -> None:
    """The acting membership is the report's provider (side provider) or its zorgkantoor."""
    owner = report.organization_id if side == PROVIDER else report.zorgkantoor_id
    if _side(acting) != side or acting.organization_id != owner:
        raise ValidationError(_("This action is not yours to take on this report."))


def _move(acting: Membership, report: ProviderReport, action: str, *, note: str = "") -> None:
    """Compare-and-set the status and record the event."""
    transition = TRANSITIONS[action]
    _check_party(acting, report, transition.side)
    manager = ProviderReport.objects if transition.side == PROVIDER else ProviderReport.funder_objects
    now = timezone.now()
    changes = {"status": transition.target, "status_changed_at": now}
    if action == A.SUBMITTED:
        changes["submitted_at"] = now
    moved = manager.filter(pk=report.pk, status__in=transition.sources).update(**changes)
    if not moved:
        raise ValidationError(_("The report is %(status)s; %(action)s is not possible now. Reload the page: "
                                "someone may have acted on it meanwhile.")
                              % {"status": report.get_status_display().lower(), "action": str(transition.label).lower()})
    from_status = report.status
    for field, value in changes.items():
        setattr(report, field, value)
    _event(acting, report, action, from_status=from_status, to_status=transition.target, note=note)


def _event(acting: Membership, report: ProviderReport, action: str, *, from_status: str = "", to_status: str = "",
           note: str = "") -> ReportEvent:
    event = ReportEvent(organization_id=report.organization_id, zorgkantoor_id=report.zorgkantoor_id, report=report,
                        action=action, from_status=from_status, to_status=to_status, side=_side(acting),
                        actor_name=_actor_name(acting), note=note[:300])
    event.save()
    return event


def fingerprint(figures: dict) -> str:
    return hashlib.sha256(json.dumps(figures, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# --------------------------------------------------------------------------- provider side


@transaction.atomic
def report_create(*, acting: Membership, contract: Contract, year: int, quarter: int | None,
                  request: HttpRequest | None = None) -> ProviderReport:
    """A draft report for a quarter (1–4) or, with quarter None, the year, under `contract`
    (of that year), with its figures computed now."""
    organization = acting.organization
    if not organization.is_provider or contract.organization_id != organization.pk:
        raise ValidationError(_("Only the provider of the contract makes its reports."))
    if contract.year != year:
        raise ValidationError({"year": _("The contract is for %(year)s; choose a period in that year.")
                               % {"year": contract.year}})
    if quarter is not None and not 1 <= quarter <= 4:
        raise ValidationError({"quarter": _("Choose a quarter from 1 to 4.")})
    kind = ProviderReport.Kind.YEAR if quarter is None else ProviderReport.Kind.QUARTER
    if ProviderReport.objects.filter(organization=organization, contract=contract, kind=kind, year=year,
                                     quarter=quarter).exists():
        raise ValidationError(_("There is already a report for this period and zorgkantoor; open it instead."))
    report = ProviderReport(organization=organization, contract=contract, zorgkantoor_id=contract.zorgkantoor_id,
                            kind=kind, year=year, quarter=quarter, created_by_name=_actor_name(acting))
    _compute_into(report)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:  # made at the same moment by someone else
        raise ValidationError(_("There is already a report for this period and zorgkantoor; open it instead.")) from exc
    record_access(action=AccessLog.Action.CREATE, request=request, membership=acting, obj=report,
                  description=f"report {report.period_label} for {contract.zorgkantoor.name}")
    return report


def _compute_into(report: ProviderReport) -> None:
    report.draft_figures = report_figures.compute(report.organization, report.contract, report.year, report.quarter)
    report.draft_computed_at = timezone.now()


@transaction.atomic
def report_recompute(*, acting: Membership, report: ProviderReport) -> ProviderReport:
    """Recompute a draft's figures from the data as it is now."""
    _check_party(acting, report, PROVIDER)
    report = ProviderReport.objects.select_for_update().get(pk=report.pk)
    if not report.is_draft:
        raise ValidationError(_("Only a draft is recomputed; a submitted report keeps its figures."))
    _compute_into(report)
    report.save(update_fields=["draft_figures", "draft_computed_at"])
    return report


@transaction.atomic
def report_delete(*, acting: Membership, report: ProviderReport, request: HttpRequest | None = None) -> None:
    _check_party(acting, report, PROVIDER)
    deleted, _rows = ProviderReport.objects.filter(pk=report.pk, status=S.DRAFT).delete()
    if not deleted:
        raise ValidationError(_("Only a draft can be deleted; a submitted report stays."))
    record_access(action=AccessLog.Action.DELETE, request=request, membership=acting,
                  object_type="providerreport", object_id=report.pk, description=f"draft report {report.period_label}")


def submission_problems(report: ProviderReport, *, today=None) -> list[str]:  # noqa: ANN001
    """Why the report cannot be submitted yet (empty: it can)."""
    today = today or timezone.localdate()
    problems = []
    if report.last_day >= today:
        problems.append(_("The period has not ended yet (it ends on %(day)s).") % {"day": report.last_day.strftime("%d-%m-%Y")})
    through = computed_through(report.organization)
    if through is None or through < report.last_day:
        problems.append(_("The daily run has not computed the whole period yet (computed through %(day)s); "
                          "the figures would be incomplete.")
                        % {"day": through.strftime("%d-%m-%Y") if through else "—"})
    return problems


def _freeze(acting: Membership, report: ProviderReport, message: str) -> ReportVersion:
    number = (report.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    last_run = (DailyRun.objects.filter(organization_id=report.organization_id, status=DailyRun.Status.DONE)
                .order_by("-finished_at", "-pk").values_list("pk", flat=True).first())
    version = ReportVersion(
        organization_id=report.organization_id, zorgkantoor_id=report.zorgkantoor_id, report=report, number=number,
        figures=report.draft_figures, figures_sha256=fingerprint(report.draft_figures), source_run_id=last_run,
        computed_through=computed_through(report.organization), computed_at=report.draft_computed_at,
        submitted_at=timezone.now(), submitted_by_name=_actor_name(acting), message=message.strip(),
    )
    version.save()
    return version


@transaction.atomic
def report_submit(*, acting: Membership, report: ProviderReport, message: str = "", recompute: bool = True,
                  request: HttpRequest | None = None) -> ReportVersion:
    """Freeze the draft's figures (recomputed first, by default) as version 1 and send it."""
    _check_party(acting, report, PROVIDER)
    report = ProviderReport.objects.select_for_update().select_related("organization", "contract").get(pk=report.pk)
    if report.status != S.DRAFT:
        raise ValidationError(_("This report has already been submitted."))
    problems = submission_problems(report)
    if problems:
        raise ValidationError(problems)
    if recompute:
        _compute_into(report)
        report.save(update_fields=["draft_figures", "draft_computed_at"])
    version = _freeze(acting, report, message)
    _move(acting, report, A.SUBMITTED, note=message)
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, obj=report,
                  description=f"report {report.period_label} submitted (v{version.number})")
    return version


def unanswered_comments(report: ProviderReport) -> list[ReportComment]:
    """The zorgkantoor's comments that have no answer from the provider yet."""
    return list(report.comments.filter(side=ZK, answered_by__isnull=True).order_by("created_at", "pk"))


@transaction.atomic
def report_resubmit(*, acting: Membership, report: ProviderReport, message: str, recompute: bool = False,
                    request: HttpRequest | None = None) -> ReportVersion:
    """After a clarification request: every comment answered, freeze a new version (the same
    figures, or recomputed from today's data when the answers corrected them) and send it."""
    _check_party(acting, report, PROVIDER)
    report = ProviderReport.objects.select_for_update().select_related("organization", "contract").get(pk=report.pk)
    if report.status != S.CLARIFICATION:
        raise ValidationError(_("The report can be resubmitted only when the zorgkantoor asked for clarification."))
    open_comments = unanswered_comments(report)
    if open_comments:
        raise ValidationError(_("Answer every comment of the zorgkantoor first (%(n)s open).") % {"n": len(open_comments)})
    if not message.strip():
        raise ValidationError({"message": _("Tell the zorgkantoor what you clarified or changed.")})
    if recompute:
        _compute_into(report)
    else:
        latest = report.versions.order_by("-number").first()
        report.draft_figures, report.draft_computed_at = latest.figures, latest.computed_at
    report.save(update_fields=["draft_figures", "draft_computed_at"])
    version = _freeze(acting, report, message)
    _move(acting, report, A.RESUBMITTED, note=message)
    record_access(action=AccessLog.Action.UPDATE, request=request, membership=acting, obj=report,
                  description=f"report {report.period_label} resubmitted (v{version.number})")
    return version


# --------------------------------------------------------------------------- comments (both sides)


def _clean_comment(section: str, body: str) -> str:
    if section not in SECTION_KEYS:
        raise ValidationError({"section": _("Choose a section of the report.")})
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment.")})
    if len(body) > MAX_COMMENT:
        raise ValidationError({"body": _("A comment has at most %(n)s characters.") % {"n": MAX_COMMENT}})
    return body


def _latest_number(report: ProviderReport, side: str) -> int:
    manager = ReportVersion.objects if side == PROVIDER else ReportVersion.funder_objects
    return manager.filter(report_id=report.pk).aggregate(n=Max("number"))["n"] or 0


@transaction.atomic
def comment_add(*, acting: Membership, report: ProviderReport, section: str, body: str) -> ReportComment:
    """The zorgkantoor comments on a section of a report under review."""
    _check_party(acting, report, ZK)
    body = _clean_comment(section, body)
    if report.status not in COMMENTABLE:
        raise ValidationError(_("Comments can be added while the report is being reviewed, not after approval."))
    comment = ReportComment(organization_id=report.organization_id, zorgkantoor_id=report.zorgkantoor_id,
                            report=report, section=section, side=ZK, version_number=_latest_number(report, ZK),
                            author_name=_actor_name(acting), body=body)
    comment.save()
    _event(acting, report, A.COMMENTED, note=f"{section}: {body}")
    return comment


@transaction.atomic
def comment_answer(*, acting: Membership, report: ProviderReport, comment: ReportComment, body: str) -> ReportComment:
    """The provider answers one of the zorgkantoor's comments (once)."""
    _check_party(acting, report, PROVIDER)
    if comment.report_id != report.pk or comment.side != ZK:
        raise ValidationError(_("Answer a comment of the zorgkantoor on this report."))
    body = _clean_comment(comment.section, body)
    if report.status not in COMMENTABLE:
        raise ValidationError(_("The review of this report is closed."))
    if ReportComment.objects.filter(answers=comment).exists():
        raise ValidationError(_("This comment has already been answered."))
    answer = ReportComment(organization_id=report.organization_id, zorgkantoor_id=report.zorgkantoor_id,
                           report=report, section=comment.section, side=PROVIDER, answers=comment,
                           version_number=_latest_number(report, PROVIDER), author_name=_actor_name(acting), body=body)
    answer.save()
    _event(acting, report, A.ANSWERED, note=f"{comment.section}: {body}")
    return answer


# --------------------------------------------------------------------------- zorgkantoor side


@transaction.atomic
def review_start(*, acting: Membership, report: ProviderReport) -> ProviderReport:
    _move(acting, report, A.REVIEW_STARTED)
    return report


@transaction.atomic
def review_approve(*, acting: Membership, report: ProviderReport, note: str = "") -> ProviderReport:
    _move(acting, report, A.APPROVED, note=note.strip())
    return report


@transaction.atomic
def review_request_clarification(*, acting: Membership, report: ProviderReport, section: str,
                                 body: str) -> ReportComment:
    """Ask for clarification: the question is a comment on a section, and the report goes
    back to the provider."""
    _check_party(acting, report, ZK)
    if report.status != S.IN_REVIEW:
        raise ValidationError(_("Start the review before asking for clarification."))
    comment = comment_add(acting=acting, report=report, section=section, body=body)
    _move(acting, report, A.CLARIFICATION, note=f"{section}: {comment.body}")
    return comment
