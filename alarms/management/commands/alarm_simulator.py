"""Play an alarm centre against a running vpt server: post signed alarm events and/or
heartbeats to the intake API (docs/alarm-intake.md) and print the answers.

    # against the demo (the demo seeder gives the demo centres DEMO_CENTRE_SECRET):
    manage.py alarm_simulator --url http://127.0.0.1:8000 --demo-org <slug> --count 5 --heartbeat

    # any server, credentials given:
    manage.py alarm_simulator --url https://vpt.example.nl --centre-key 12-3f9a0c1d2e4b5a69 \\
        --secret '...' --device PA-000042 --device PA-000043 --count 20 --rate 5

Events go to random devices of the list, with random kinds and unique event ids
("sim-<run>-<n>"); `--resend` delivers every event twice to show the idempotency.
Only the standard library talks HTTP (urllib).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alarms.intake_serializers import INTAKE_KINDS
from alarms.signing import DEMO_CENTRE_SECRET, sign

EVENT_PATH = "/api/v1/alarm-intake/events/"
HEARTBEAT_PATH = "/api/v1/alarm-intake/heartbeat/"
MESSAGES = {
    "button": "Cliënt drukt op de alarmknop, spraakcontact: wil hulp bij opstaan",
    "fall": "Val gedetecteerd, geen spraakcontact",
    "door": "Voordeur 's nachts geopend",
    "lifestyle": "Niet terug in bed na toiletbezoek (45 min)",
    "gps": "Cliënt buiten de ingestelde zone",
    "technical": "Batterij zender bijna leeg",
}


def _now_iso() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


class Command(BaseCommand):
    help = "Post signed alarm events and/or heartbeats to a running vpt server (an alarm centre simulator)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="Base URL of the running server.")
        parser.add_argument("--centre-key", help="The centre's key, <organisation id>-<key id>.")
        parser.add_argument("--secret", help="The centre's secret (with --demo-org: the documented demo secret).")
        parser.add_argument("--demo-org", metavar="SLUG",
                            help="Take the centre key and the active devices of this organisation from the local "
                                 "database (the demo); the secret defaults to the demo centres' secret.")
        parser.add_argument("--device", action="append", default=[], metavar="ID",
                            help="External id of a device (repeatable). With --demo-org: limits the demo devices.")
        parser.add_argument("--count", type=int, default=10, help="Number of events to post (0: none).")
        parser.add_argument("--rate", type=float, default=2.0, help="Events per second (0: as fast as possible).")
        parser.add_argument("--kind", action="append", default=[], choices=[k for k, _label in INTAKE_KINDS],
                            help="Kinds to choose from (repeatable; default all).")
        parser.add_argument("--heartbeat", action="store_true",
                            help="Send a heartbeat with the device list first (and another after the events).")
        parser.add_argument("--resend", action="store_true", help="Deliver every event twice (idempotency).")
        parser.add_argument("--seed", type=int, help="Random seed, for a repeatable run.")
        parser.add_argument("--timeout", type=float, default=10.0, help="HTTP timeout per request (seconds).")

    def handle(self, *args: Any, **options: Any) -> None:  # noqa: ANN401
        key, secret, devices = self._credentials(options)
        rng = random.Random(options["seed"])  # noqa: S311 (simulation, not security)
        kinds = options["kind"] or [k for k, _label in INTAKE_KINDS]
        base = options["url"].rstrip("/")
        self.timeout = options["timeout"]
        self.stdout.write(f"centre {key} → {base}; {len(devices)} device(s)")
        if options["heartbeat"]:
            self._heartbeat(base, key, secret, devices)
        if options["count"] > 0 and not devices:
            raise CommandError("No devices to send events for: give --device (or a --demo-org with active devices).")
        run = uuid.uuid4().hex[:8]
        interval = 1.0 / options["rate"] if options["rate"] > 0 else 0.0
        tally: dict[str, int] = {}
        latencies: list[float] = []
        started = time.monotonic()
        for n in range(1, options["count"] + 1):
            kind = rng.choice(kinds)
            body = {"event_id": f"sim-{run}-{n}", "device_id": rng.choice(devices), "kind": kind,
                    "occurred_at": _now_iso(), "message": MESSAGES.get(kind, "")}
            for _attempt in range(2 if options["resend"] else 1):
                status, answer, ms = self._post(base + EVENT_PATH, key, secret, body)
                latencies.append(ms)
                outcome = self._describe(status, answer)
                tally[outcome.split(" ")[0]] = tally.get(outcome.split(" ")[0], 0) + 1
                self.stdout.write(f"{body['event_id']:>20} {body['device_id']:>14} {kind:<10} → {status} "
                                  f"{outcome} ({ms:.0f} ms)")
            if interval:
                time.sleep(max(0.0, started + n * interval - time.monotonic()))
        if options["heartbeat"] and options["count"] > 0:
            self._heartbeat(base, key, secret, devices)
        if latencies:
            latencies.sort()
            summary = ", ".join(f"{k}: {v}" for k, v in sorted(tally.items()))
            self.stdout.write(self.style.SUCCESS(
                f"{len(latencies)} request(s) in {time.monotonic() - started:.1f} s; {summary}; "
                f"median {latencies[len(latencies) // 2]:.0f} ms, max {latencies[-1]:.0f} ms"))

    def _credentials(self, options: dict) -> tuple[str, str, list[str]]:
        key, secret, devices = options["centre_key"], options["secret"], list(options["device"])
        if options["demo_org"]:
            demo_key, demo_devices = self._demo(options["demo_org"])
            key = key or demo_key
            secret = secret or DEMO_CENTRE_SECRET
            devices = [d for d in demo_devices if d in devices] if devices else demo_devices
        if not key or not secret:
            raise CommandError("Give --centre-key and --secret, or --demo-org <slug>.")
        return key, secret, devices

    def _demo(self, slug: str) -> tuple[str, list[str]]:
        from alarms.models import AlarmCentre, Device
        from clients.models import Client
        from vpt.tenancy.models import Organization
        from vpt.tenancy.scope import tenant_scope

        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"No organisation with slug {slug!r}.")
        with tenant_scope(organization):
            centre = AlarmCentre.objects.filter(is_active=True).order_by("pk").first()
            if centre is None:
                raise CommandError(f"{organization.name} has no active alarm centre.")
            devices = list(
                Device.objects.filter(status=Device.Status.ACTIVE)
                .exclude(client__status=Client.Status.ENDED)
                .order_by("external_id")
                .values_list("external_id", flat=True)
            )
        return centre.key, devices

    def _post(self, url: str, key: str, secret: str, body: dict) -> tuple[int, Any, float]:
        raw = json.dumps(body).encode()
        request = urllib.request.Request(url, data=raw, headers=sign(secret, None, raw, key=key),  # noqa: S310
                                         method="POST")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (http(s) URL given)
                status, text = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read()
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            return 0, {"detail": f"no answer: {getattr(exc, 'reason', exc)}"}, (time.perf_counter() - started) * 1000
        ms = (time.perf_counter() - started) * 1000
        try:
            return status, json.loads(text), ms
        except ValueError:
            return status, {"detail": text[:200].decode("utf-8", "replace")}, ms

    def _describe(self, status: int, answer: Any) -> str:  # noqa: ANN401
        if status in (200, 201) and isinstance(answer, dict) and "alarm_id" in answer:
            return f"{'duplicate' if answer.get('duplicate') else 'new'} alarm {answer['alarm_id']}"
        return f"error {json.dumps(answer, ensure_ascii=False)[:300]}"

    def _heartbeat(self, base: str, key: str, secret: str, devices: list[str]) -> None:
        body = {"sent_at": _now_iso(), "devices": devices}
        status, answer, ms = self._post(base + HEARTBEAT_PATH, key, secret, body)
        self.stdout.write(f"heartbeat ({len(devices)} devices) → {status} {json.dumps(answer)} ({ms:.0f} ms)")
