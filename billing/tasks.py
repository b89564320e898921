"""Celery tasks of billing: the daily run (beat, fan-out per organisation, recomputations)
and the background exports (billing.export_tasks).

Duplicate work is stopped by the database, not by Redis: the run ledger, the advisory lock
per organisation and the unique (client, day) keys with upserts (billing/daily.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from billing import daily
from billing.models import DailyRun
from vpt.tenancy.models import Organization
from vpt.tenancy.scope import tenant_scope

log = logging.getLogger(__name__)

RETRY_BUSY_SECONDS = 30


def _same_queue(task) -> dict:  # noqa: ANN001
    """Fan-out tasks go to the queue their parent came from (a dedicated queue in tests)."""
    queue = (task.request.delivery_info or {}).get("routing_key")
    return {"queue": queue} if queue else {}


@shared_task(bind=True)
def nightly(self) -> int:  # noqa: ANN001
    """Beat, early morning: one task per provider (a slow or failing one holds up no other)."""
    ids = list(Organization.objects.filter(kind=Organization.Kind.PROVIDER, is_active=True).values_list("pk", flat=True))
    for org_id in ids:
        run_organization.apply_async((org_id,), **_same_queue(self))
    return len(ids)


@shared_task(bind=True, max_retries=3, default_retry_delay=5 * 60)
def run_organization(self, org_id: int) -> int | None:  # noqa: ANN001
    """The nightly run of one organisation, catching up the nights it missed."""
    organization = Organization.objects.filter(pk=org_id).first()
    if organization is None:
        return None
    run = daily.run_nightly(organization)
    if run is not None and run.status == DailyRun.Status.SKIPPED:
        raise self.retry(countdown=RETRY_BUSY_SECONDS)
    return run.pk if run else None


@shared_task(bind=True, max_retries=40)
def execute_run(self, org_id: int, run_id: int) -> str | None:  # noqa: ANN001
    """A recorded recomputation or re-run. When another run of the organisation is busy it
    waits its turn (a retry), so a retroactive change is never lost."""
    with tenant_scope(org_id):
        run = DailyRun.objects.filter(pk=run_id).first()
    if run is None:
        return None
    if run.status == DailyRun.Status.SKIPPED:
        with tenant_scope(org_id):
            DailyRun.objects.filter(pk=run_id).update(status=DailyRun.Status.QUEUED, finished_at=None)
        run.status = DailyRun.Status.QUEUED
    run = daily.execute(run)
    if run.status != DailyRun.Status.DONE:  # skipped, or another delivery holds it: try again later
        raise self.retry(countdown=RETRY_BUSY_SECONDS)
    return run.status


@shared_task
def sweep_queued_runs() -> int:
    """Re-send runs that stayed queued (their task was lost with the broker)."""
    cutoff = timezone.now() - timedelta(minutes=5)
    sent = 0
    for org_id in Organization.objects.filter(kind=Organization.Kind.PROVIDER).values_list("pk", flat=True):
        with tenant_scope(org_id):
            stale = list(DailyRun.objects.filter(organization_id=org_id, status=DailyRun.Status.QUEUED,
                                                 created_at__lt=cutoff).values_list("pk", flat=True))
        for run_id in stale:
            execute_run.delay(org_id, run_id)
            sent += 1
    return sent


from billing.export_tasks import make_export  # noqa: E402,F401
