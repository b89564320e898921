"""Retroactive changes: a change with an effective date in the past (indication, arrangement,
absence, start or end of care, contract, a late visit) re-computes exactly the client-days it
affects, after the commit, through the worker (DESIGN.md "Background work").

Only days the nightly run has already done are recomputed (the days after it are the next
night's); declared days that come out differently are superseded by billing.daily, never
edited. Called by the services of clients, arrangements, teams and billing."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from django.db import transaction

from billing.models import DailyRun

log = logging.getLogger(__name__)


def schedule_recompute(
    organization_id: int, *, first: date, last: date | None = None, client_ids: Iterable[int] | None = None,
    reason: str = "", requested_by=None,  # noqa: ANN001
) -> DailyRun | None:
    """Record a recomputation of [first, last] (last None: up to what is computed) for the
    given clients (None: all) and send it to the worker when the transaction commits.
    None when none of those days has been computed yet."""
    from billing.daily import computed_through

    through = computed_through(organization_id)
    if through is None or first > through:
        return None
    last = through if last is None else min(last, through)
    if last < first:
        return None
    run = DailyRun.objects.create(
        organization_id=organization_id, kind=DailyRun.Kind.RECOMPUTE, first_day=first, last_day=last,
        client_ids=sorted(set(client_ids)) if client_ids is not None else [], reason=reason[:200],
        requested_by=requested_by,
    )
    enqueue_run(run)
    return run


def enqueue_run(run: DailyRun) -> None:
    """Send a recorded run to the worker after the commit. With the broker down it stays
    queued and billing.tasks.sweep_queued_runs sends it later; the write is not lost."""

    def send() -> None:
        from billing.tasks import execute_run

        try:
            execute_run.delay(run.organization_id, run.pk)
        except Exception:
            log.warning("daily run %s recorded; sending deferred to the sweeper (broker unavailable)", run.pk,
                        exc_info=True)

    transaction.on_commit(send)
