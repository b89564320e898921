"""Background exports (billing.exports): make a requested document, purge old ones, and
re-send jobs whose task never reached a worker.

`make_export` takes the organisation and job ids (a task cannot find the organisation
from the job alone: the job is only visible inside its tenant's scope) and writes every
state change in its own short transaction, so the page that polls the job sees it at once:
queued -> running (progress 0..99, per client of a bundle of statements) -> done (100, the
file) or failed (the error). A failure is recorded and re-raised; a job never stays
"running" after its task ended, and `sweep_exports` fails the ones whose worker died.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing import exports
from billing.models import ExportJob
from vpt.tenancy.models import Organization
from vpt.tenancy.scope import tenant_scope

log = logging.getLogger(__name__)

RESEND_AFTER = dt.timedelta(minutes=10)  # a queued job not picked up by then is sent again


class _ProgressReporter:
    """Writes the progress of a running job, each time in its own transaction (when called
    outside one, as `exports.build` does between its reads); only when it grew."""

    def __init__(self, organization_id: int, job_id: int) -> None:
        self.organization_id, self.job_id, self.last = organization_id, job_id, 0

    def __call__(self, percent: int) -> None:
        percent = max(0, min(99, int(percent)))
        if percent <= self.last:
            return
        self.last = percent
        with tenant_scope(self.organization_id):
            ExportJob.objects.filter(organization_id=self.organization_id, pk=self.job_id).update(progress=percent)


def _claim(organization_id: int, job_id: int) -> ExportJob | None:
    """queued -> running, under a row lock: a second delivery of the same job (a re-send by
    the sweeper, a redelivery) finds it running or finished and leaves it alone."""
    with tenant_scope(organization_id):
        job = (
            ExportJob.objects.filter(organization_id=organization_id, pk=job_id)
            .defer("content")
            .select_for_update()
            .first()
        )
        if job is None or job.status != ExportJob.Status.QUEUED:
            log.info("export job %s not made: %s", job_id, "gone" if job is None else job.status)
            return None
        job.status, job.progress, job.error = ExportJob.Status.RUNNING, 0, ""
        job.params = {**job.params, "started_at": timezone.now().isoformat()}
        job.save(update_fields=["status", "progress", "error", "params"])
        return job


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, exports.ExportError):
        return str(exc)
    return _("The document could not be made (%(error)s).") % {"error": f"{type(exc).__name__}: {exc}"[:800]}


def _fail(organization_id: int, job_id: int, message: str) -> None:
    with tenant_scope(organization_id):
        ExportJob.objects.filter(organization_id=organization_id, pk=job_id).update(
            status=ExportJob.Status.FAILED, error=message, finished_at=timezone.now())


@shared_task(acks_late=True, ignore_result=True)
def make_export(organization_id: int, exportjob_id: int) -> str:
    """Make the file of one export job (no automatic retry: a document that failed fails
    again; the requester reads the error and asks anew)."""
    job = _claim(organization_id, exportjob_id)
    if job is None:
        return "skipped"
    with translation.override(exports.language_of(job.params)):
        try:
            built = exports.build(job, progress=_ProgressReporter(organization_id, job.pk))
            with tenant_scope(organization_id):
                ExportJob.objects.filter(organization_id=organization_id, pk=job.pk).update(
                    status=ExportJob.Status.DONE, progress=100, content=built.content, filename=built.filename,
                    params={**job.params, "involved_client_ids": built.client_ids}, error="",
                    finished_at=timezone.now(),
                )
        except Exception as exc:  # includes SoftTimeLimitExceeded
            log.exception("export job %s failed", job.pk)
            _fail(organization_id, job.pk, _error_text(exc))
            raise
    return "done"


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def purge_exports() -> dict[int, int]:
    """Nightly: export jobs and their files older than exports.RETENTION_DAYS (7) removed."""
    cutoff = exports.expiry_cutoff()
    removed = {}
    for org_id in Organization.objects.filter(kind=Organization.Kind.PROVIDER).values_list("pk", flat=True):
        with tenant_scope(org_id):
            removed[org_id], _detail = ExportJob.objects.filter(organization_id=org_id, created_at__lt=cutoff).delete()
    return removed


@shared_task(acks_late=True, ignore_result=True)
def sweep_exports() -> dict[str, int]:
    """Every few minutes: send queued jobs again that no worker picked up (the broker was
    down at the request), and fail running jobs whose worker died (the task's own time
    limit has long passed). One organisation failing does not stop the others."""
    now = timezone.now()
    stale_after = dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + dt.timedelta(minutes=5)
    counts = {"resent": 0, "failed": 0}
    for org_id in Organization.objects.filter(kind=Organization.Kind.PROVIDER).values_list("pk", flat=True):
        try:
            with tenant_scope(org_id):
                jobs = ExportJob.objects.filter(organization_id=org_id).defer("content")
                waiting = list(jobs.filter(status=ExportJob.Status.QUEUED, created_at__lt=now - RESEND_AFTER)
                               .values_list("pk", flat=True))
                for job in jobs.filter(status=ExportJob.Status.RUNNING, created_at__lt=now - stale_after):
                    started = job.params.get("started_at")
                    if started and dt.datetime.fromisoformat(started) > now - stale_after:
                        continue
                    with translation.override(exports.language_of(job.params)):
                        message = _("The export was interrupted (the worker stopped). Please request it again.")
                    ExportJob.objects.filter(organization_id=org_id, pk=job.pk,
                                             status=ExportJob.Status.RUNNING).update(
                        status=ExportJob.Status.FAILED, error=message, finished_at=now)
                    counts["failed"] += 1
            for job_id in waiting:
                exports.enqueue(org_id, job_id)
                counts["resent"] += 1
        except Exception:
            log.exception("export sweep failed for organisation %s", org_id)
    return counts
