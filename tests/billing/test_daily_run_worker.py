"""The daily run through a real Celery worker and Redis: the scheduled (beat) task fans out
and computes up to yesterday; a worker killed in the middle of a run leaves a run that, run
again, gives exactly the totals of an uninterrupted one; while it runs, no second run for the
organisation can start."""

from __future__ import annotations

import datetime
import os
import signal
import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connections
from django.db.models import Count, Sum
from django.utils import timezone

from billing import daily
from billing.models import BudgetDay, DailyRun, DayLine
from billing.tasks import execute_run, nightly
from tests.billing.daily_data import FIRST, LAST, build_scenarios
from tests.factories import RegionFactory, ZorgkantoorFactory
from tests.workers import Workers
from vpt.tenancy.scope import tenant_scope
from vpt.wlz.tariffs import load_default_tariffs

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="needs CELERY_BROKER_URL (Redis)"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def workers() -> Iterator[Workers]:
    pool = Workers()
    try:
        yield pool
    finally:
        pool.stop()


@pytest.fixture
def provider(org_a):  # noqa: ANN001, ANN201
    load_default_tariffs()
    zorgkantoor = ZorgkantoorFactory(name="Zorgkantoor Haaglanden")
    org_a.region = RegionFactory(zorgkantoor=zorgkantoor)
    org_a.save(update_fields=["region"])
    build_scenarios(org_a, zorgkantoor)
    for conn in connections.all():
        conn.close()
    return org_a


def totals(org) -> dict:  # noqa: ANN001
    with tenant_scope(org):
        lines = DayLine.objects.filter(superseded_at__isnull=True).aggregate(n=Count("pk"), amount=Sum("amount"))
        budget = BudgetDay.objects.aggregate(n=Count("pk"), tariff=Sum("tariff"), realised=Sum("realised_cost"))
    return {**lines, **{f"budget_{k}": v for k, v in budget.items()}}


def wait_for(predicate, timeout: float = 60.0, what: str = "") -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def run_status(org, run_id: int) -> DailyRun:  # noqa: ANN001
    with tenant_scope(org):
        return DailyRun.objects.filter(pk=run_id).first()


def test_the_scheduled_run_computes_up_to_yesterday_in_a_real_worker(provider, workers):  # noqa: ANN001
    assert settings.CELERY_BEAT_SCHEDULE["daily-run"]["task"] == nightly.name
    workers.start()
    assert nightly.apply_async(queue=workers.queue).get(timeout=60) >= 1
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    wait_for(lambda: daily.computed_through(provider) == yesterday, what="the nightly run")
    with tenant_scope(provider):
        run = DailyRun.objects.filter(kind=DailyRun.Kind.NIGHTLY).first()
        assert run.status == DailyRun.Status.DONE and run.engine == "sql" and run.last_day == yesterday
        assert DayLine.objects.filter(day=yesterday).count() > 0


def test_a_run_killed_half_way_and_run_again_gives_identical_totals(provider, workers):  # noqa: ANN001
    first = FIRST - datetime.timedelta(days=365)
    reference = daily.run_days(provider, first, LAST, kind=DailyRun.Kind.RERUN)
    expected = totals(provider)
    assert expected["n"] > 3000
    with tenant_scope(provider):
        DayLine.objects.all().delete()
        BudgetDay.objects.all().delete()
        run = DailyRun.objects.create(organization=provider, kind=DailyRun.Kind.RERUN, first_day=first, last_day=LAST)

    # One day per transaction, so the kill lands between committed chunks.
    worker = workers.start(VPT_DAILY_RUN_CHUNK_DAYS="1")
    execute_run.apply_async((provider.pk, run.pk), queue=workers.queue)
    wait_for(lambda: totals(provider)["n"] > 200, what="the first chunks")
    # While it runs, a second run for the organisation is refused, not queued behind it.
    competing = daily.run_days(provider, FIRST, LAST, kind=DailyRun.Kind.RERUN)
    assert competing.status == DailyRun.Status.SKIPPED
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)

    partial = totals(provider)
    assert 0 < partial["n"] < expected["n"]
    assert run_status(provider, run.pk).status == DailyRun.Status.RUNNING

    # The task is delivered again (acks_late): a new worker runs it to the end.
    workers.start()
    execute_run.apply_async((provider.pk, run.pk), queue=workers.queue)
    wait_for(lambda: run_status(provider, run.pk).status == DailyRun.Status.DONE, what="the re-run")
    assert totals(provider) == expected
    assert run_status(provider, run.pk).client_days == reference.client_days
