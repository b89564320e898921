"""The Celery app. Tasks take ids, open the tenant scope themselves and are enqueued on
commit; the reliability settings live in vpt/settings.py (CELERY_*)."""

from __future__ import annotations

import logging
import os
import threading

from celery import Celery
from celery.signals import worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vpt.settings")

app = Celery("vpt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["vpt.core", "vpt.audit", "vpt.tenancy"])

logger = logging.getLogger(__name__)
_stop = threading.Event()


def _heartbeat_loop() -> None:
    from vpt.core.health import HEARTBEAT_INTERVAL, write_heartbeat

    while not _stop.is_set():
        try:
            write_heartbeat()
        except Exception:  # Redis away: /healthz shows the stale heartbeat; retry next time
            logger.warning("worker heartbeat could not be written", exc_info=True)
        _stop.wait(HEARTBEAT_INTERVAL)


@worker_ready.connect
def _start_heartbeat(**kwargs) -> None:  # noqa: ANN003
    threading.Thread(target=_heartbeat_loop, name="vpt-heartbeat", daemon=True).start()


@worker_shutdown.connect
def _stop_heartbeat(**kwargs) -> None:  # noqa: ANN003
    _stop.set()
