"""Alarm work for the worker: the fast-path notification after intake and the periodic
sweeper (Celery beat, every 30 seconds) that notifies, escalates and watches channels.

The sweeper is the guarantee: it reads the state from the database, so an alarm is
escalated on time even if the notification task was lost, the broker was down at intake,
or a worker died. Each organisation is swept in its own tenant scope and transaction;
alarms being handled by a concurrent sweep are skipped (SKIP LOCKED), never doubled.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from alarms import services
from alarms.models import Alarm, IntakeRecord
from vpt.tenancy.models import Organization
from vpt.tenancy.scope import tenant_scope

log = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def notify_alarm(organization_id: int, alarm_id: int) -> bool:
    with tenant_scope(organization_id):
        alarm = Alarm.objects.filter(organization_id=organization_id, pk=alarm_id).first()
        return alarm is not None and services.notify_new_alarm(alarm)


@shared_task(acks_late=True, ignore_result=True)
def sweep() -> dict[int, dict[str, int]]:
    """One pass over every active provider (a failing organisation does not stop the rest)."""
    results = {}
    for org_id in Organization.objects.filter(kind=Organization.Kind.PROVIDER, is_active=True).values_list("pk", flat=True):
        try:
            with tenant_scope(org_id):
                results[org_id] = services.sweep(org_id)
        except Exception:
            log.exception("alarm sweep failed for organisation %s", org_id)
    return results


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def purge_intake_records() -> dict[int, int]:
    """Nightly: intake requests older than VPT_INTAKE_RETENTION_DAYS out of the inspection
    log (every heartbeat is a row). The alarms themselves and their history stay."""
    cutoff = timezone.now() - dt.timedelta(days=settings.VPT_INTAKE_RETENTION_DAYS)
    removed = {}
    for org_id in Organization.objects.filter(kind=Organization.Kind.PROVIDER).values_list("pk", flat=True):
        with tenant_scope(org_id):
            removed[org_id], _ = IntakeRecord.objects.filter(organization_id=org_id, received_at__lt=cutoff).delete()
    return removed
