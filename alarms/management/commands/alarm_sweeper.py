"""Run the alarm sweeper in the foreground: `manage.py alarm_sweeper [--every 30] [--once]`.

Every pass calls `alarms.services.sweep` for each active provider in its own tenant scope
(and transaction): notify what was not notified, escalate what is overdue, detect silent
channels. Production runs the same pass as the Celery beat task `alarms.tasks.sweep`; the
demo has no broker and no beat, so this command is how alarms escalate there.
"""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from alarms import services
from vpt.tenancy.models import Organization
from vpt.tenancy.scope import tenant_scope

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Notify, escalate and watch channels for every provider, every --every seconds (the demo's beat)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=30.0, help="seconds between passes (default 30)")
        parser.add_argument("--once", action="store_true", help="one pass, then stop")

    def handle(self, *args: object, every: float, once: bool, **options: object) -> None:
        if every <= 0:
            every = 30.0
        if not once:
            self.stdout.write(f"Alarm sweeper: a pass every {every:g} s (Ctrl-C stops).")
        try:
            while True:
                self.sweep_once()
                if once:
                    return
                close_old_connections()  # a long-running loop: never keep a broken connection
                time.sleep(every)
        except KeyboardInterrupt:
            self.stdout.write("Alarm sweeper stopped.")

    def sweep_once(self) -> dict[int, dict[str, int]]:
        stamp = timezone.localtime().strftime("%H:%M:%S")
        results: dict[int, dict[str, int]] = {}
        providers = Organization.objects.filter(kind=Organization.Kind.PROVIDER, is_active=True).order_by("pk")
        for org in providers.only("pk", "name"):
            try:
                with tenant_scope(org.pk):
                    results[org.pk] = result = services.sweep(org.pk)
            except Exception:  # one organisation failing does not stop the others (as the task)
                log.exception("alarm sweep failed for organisation %s", org.pk)
                self.stderr.write(f"{stamp} {org.name}: sweep failed (see the log)")
                continue
            if any(result.values()):
                self.stdout.write(
                    f"{stamp} {org.name}: {result['notified']} notified, {result['escalations']} escalation "
                    f"steps, {result['outages']} new channel outages"
                )
        if not any(any(r.values()) for r in results.values()):
            self.stdout.write(f"{stamp} nothing to do ({len(results)} providers swept)")
        return results
