"""Benchmark: the alarm intake API under load, through gunicorn, PostgreSQL (app role, RLS)
and Redis, as in production.

    uv run python benchmarks/alarm_intake.py                        # 20 s, 8 clients, 3 sync workers
    uv run python benchmarks/alarm_intake.py --seconds 20 --clients 16 \\
        --gunicorn-workers 4 --worker-class gthread --threads 4      # keep-alive capable workers

Needs what bin/test needs: PostgreSQL on 127.0.0.1:5432 with the roles vpt_owner (owner) and
vpt_app (application role; `manage.py setup_db_roles` creates them) and Redis on
127.0.0.1:6379. Override with DATABASE_URL / DATABASE_OWNER_URL (the database name in them
is replaced) and --redis-url.

What it does:
1. creates a fresh database `vpt_bench_<pid>`, migrates it as the owner role and seeds one
   organisation with an alarm centre, a team of three coaches and --devices devices;
2. starts gunicorn on 127.0.0.1 (test settings, the application role) and, unless
   --no-celery, one Celery worker for the notifications. Redis database --redis-url (default
   13) is used by the benchmark only: its queue is emptied before and after the run;
3. runs --clients load processes; each keeps one http.client connection (keep-alive where
   the gunicorn worker class allows it; sync workers close after every response and the
   client reconnects) and posts signed events with unique event ids: --warmup seconds
   unmeasured (each gunicorn worker's first requests load the application), then --seconds
   measured; a share of the requests (--duplicates) resends an event already acknowledged,
   to exercise the idempotent path;
4. prints requests/s, p50/p90/p99/max latency and the answers of the measured window, and
   verifies (over the whole run) that the number of alarms in the database equals the number
   of distinct events acknowledged (201 or 200) and the number of 201 answers; with the worker, waits until every alarm is notified;
5. stops the servers and drops the database (--keep-db to keep it).

Measured once (2 CPUs shared with other test runs, load average ~5; the load processes,
PostgreSQL and the Celery worker run on the same two CPUs), 20 s, 8 clients, 5 % resends:
- 3 sync workers (the Dockerfile's setting): 29 requests/s, p50 272 ms, p99 592 ms;
- 2 gthread workers x 4 threads (keep-alive): 46 requests/s, p50 168 ms, p99 317 ms;
every run: alarms in the database == distinct events acknowledged, no errors. In process
(Django test client) one new event costs 16 statements (the savepoints and set_config
included) and ~40 ms on the same machine, most of it Python in the middleware stack.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alarms.signing import sign  # noqa: E402 (stdlib only: the load processes need no Django)

EVENT_PATH = "/api/v1/alarm-intake/events/"
KINDS = ["button", "fall", "door", "lifestyle", "gps", "technical"]
SECRET = "bench-centre-secret"  # noqa: S105 (a throw-away benchmark database)


def _with_db(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the load processes (no Django) -------------------------------------------------------------


def load(worker: int, port: int, key: str, devices: list[str], seconds: float, start_at: float, warmup: float,
         duplicates: float, results: multiprocessing.Queue) -> None:
    """Post events from `start_at` for `warmup` + `seconds`; latencies of the warm-up (each
    gunicorn worker's first requests import half of Django) are not measured."""
    rng = random.Random(worker)  # noqa: S311 (load generation)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    acked: set[str] = set()
    created = errors = 0
    sent: list[str] = []
    time.sleep(max(0.0, start_at - time.time()))
    measure_from = time.monotonic() + warmup
    deadline = measure_from + seconds
    n = 0
    while time.monotonic() < deadline:
        if sent and rng.random() < duplicates:
            event_id = rng.choice(sent)
        else:
            n += 1
            event_id = f"bench-{worker}-{n}"
            sent.append(event_id)
        body = json.dumps({"event_id": event_id, "device_id": rng.choice(devices), "kind": rng.choice(KINDS),
                           "message": "benchmark"}).encode()
        headers = sign(SECRET, None, body, key=key)
        started = time.perf_counter()
        for _attempt in range(3):  # a dropped connection: reconnect and deliver again (idempotent)
            try:
                conn.request("POST", EVENT_PATH, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                break
            except (http.client.HTTPException, OSError):
                errors += 1
                conn.close()
        else:
            continue
        if time.monotonic() >= measure_from:
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[response.status] = statuses.get(response.status, 0) + 1
        if response.status in (200, 201):
            acked.add(event_id)
            created += response.status == 201 and not json.loads(payload)["duplicate"]
    conn.close()
    results.put({"latencies": latencies, "statuses": statuses, "acked": len(acked), "created": created,
                 "errors": errors})


# --- setup, servers and verification (Django) -------------------------------------------------


def prepare(args: argparse.Namespace) -> tuple[dict[str, str], str]:
    name = f"vpt_bench_{os.getpid()}"
    env = {
        **os.environ,
        "VPT_ENV": "test",
        "DJANGO_SETTINGS_MODULE": "vpt.settings_test",
        "DATABASE_URL": _with_db(os.environ.get("DATABASE_URL", "postgres://vpt_app@127.0.0.1:5432/vpt"), name),
        "DATABASE_OWNER_URL": _with_db(os.environ.get("DATABASE_OWNER_URL", "postgres://vpt_owner@127.0.0.1:5432/vpt"),
                                       name),
        "CELERY_BROKER_URL": args.redis_url,
        "CELERY_RESULT_BACKEND": args.redis_url,
        "LOG_LEVEL": "WARNING",
        "VPT_NOTIFY_BACKENDS": "alarms.notify.ConsoleBackend",  # in-app rows + a log line (not shown)
    }
    os.environ.update(env)
    return env, name


def create_database(name: str) -> None:
    import psycopg
    from psycopg import sql

    owner = urllib.parse.urlsplit(os.environ["DATABASE_OWNER_URL"])
    with psycopg.connect(host=owner.hostname, port=owner.port or 5432, user=owner.username,
                         password=owner.password, dbname="postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(name: str) -> None:
    import psycopg
    from psycopg import sql

    owner = urllib.parse.urlsplit(os.environ["DATABASE_OWNER_URL"])
    with psycopg.connect(host=owner.hostname, port=owner.port or 5432, user=owner.username,
                         password=owner.password, dbname="postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def seed(devices: int) -> tuple[int, str, list[str]]:
    import datetime as dt

    from django.core.management import call_command
    from django.db import connections

    from alarms.models import AlarmCentre, AlarmPolicy, Device
    from clients.models import Client
    from tests.factories import (
        ClientFactory,
        MembershipFactory,
        OrganizationFactory,
        TeamFactory,
    )
    from vpt.tenancy.roles import Role
    from vpt.tenancy.scope import tenant_scope

    call_command("migrate", database="owner", verbosity=0, interactive=False)
    connections["owner"].close()
    org = OrganizationFactory(name="Benchmark Zorg", slug="bench")
    coaches = [MembershipFactory(organization=org, role=Role.CLIENT_COACH) for _ in range(3)]
    team = TeamFactory(organization=org, name="Team Bench", members=coaches)
    clients = [ClientFactory(organization=org, primary_team=team, status=Client.Status.IN_CARE,
                             care_start=dt.date(2025, 1, 1)) for _ in range(min(devices, 200))]
    with tenant_scope(org):
        AlarmPolicy.objects.get_or_create(organization=org)
        centre = AlarmCentre(organization=org, name="Benchmark centrale")
        centre.set_secret(SECRET)
        centre.save()
        rows = Device.objects.bulk_create(
            Device(organization=org, client=clients[i % len(clients)], kind=Device.Kind.PERSONAL_ALARM,
                   external_id=f"BENCH-{i:06d}", centre=centre, status=Device.Status.ACTIVE)
            for i in range(devices)
        )
    for conn in connections.all():
        conn.close()
    return org.pk, centre.key, [d.external_id for d in rows]


def wait_until_serving(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Until a worker answers (the master binds the port before its workers have booted)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
        finally:
            conn.close()
    raise SystemExit("gunicorn did not start")


def purge_queue(redis_url: str) -> None:
    """Empty the benchmark's queue and drop the task results it left (this Redis database is
    the benchmark's own, see --redis-url)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.delete("celery")
    for key in client.scan_iter("celery-task-meta-*", count=1000):
        client.delete(key)


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(len(values) * p))] if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured load")
    parser.add_argument("--warmup", type=float, default=3.0, help="load before measuring")
    parser.add_argument("--clients", type=int, default=8, help="concurrent load processes")
    parser.add_argument("--gunicorn-workers", type=int, default=3, help="as in the Dockerfile")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--duplicates", type=float, default=0.05, help="share of requests that resend an event")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13",
                        help="a Redis database the benchmark may empty")
    parser.add_argument("--no-celery", action="store_true", help="no worker (notifications stay queued, then purged)")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    env, name = prepare(args)
    create_database(name)
    gunicorn = celery = None
    try:
        import django

        django.setup()
        org_id, key, devices = seed(args.devices)
        purge_queue(args.redis_url)
        port = _free_port()
        command = [sys.executable, "-m", "gunicorn", "vpt.wsgi:application", "--bind", f"127.0.0.1:{port}",
                   "--workers", str(args.gunicorn_workers), "--worker-class", args.worker_class, "--timeout", "60",
                   "--log-level", "warning"]
        if args.worker_class == "gthread":
            command += ["--threads", str(args.threads)]
        gunicorn = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 (our own command line)
        if not args.no_celery:
            celery = subprocess.Popen([sys.executable, "-m", "celery", "-A", "vpt", "worker", "-P", "solo",  # noqa: S603
                                       "--without-gossip", "--without-mingle", "-l", "WARNING",
                                       "-n", f"bench-{os.getpid()}@%h"], cwd=ROOT, env=env)
        wait_until_serving(port, gunicorn)

        load_before = os.getloadavg()[0]
        ctx = multiprocessing.get_context("spawn")
        results = ctx.Queue()
        start_at = time.time() + 2.0  # every process connected and ready
        procs = [ctx.Process(target=load, args=(i, port, key, devices, args.seconds, start_at, args.warmup,
                                                args.duplicates, results)) for i in range(args.clients)]
        for p in procs:
            p.start()
        collected = [results.get(timeout=args.warmup + args.seconds + 120) for _ in procs]
        for p in procs:
            p.join()

        latencies = sorted(v for r in collected for v in r["latencies"])
        statuses: dict[int, int] = {}
        for r in collected:
            for code, n in r["statuses"].items():
                statuses[code] = statuses.get(code, 0) + n
        acked = sum(r["acked"] for r in collected)
        created = sum(r["created"] for r in collected)
        errors = sum(r["errors"] for r in collected)

        from alarms.models import Alarm, IntakeRecord
        from vpt.tenancy.scope import tenant_scope

        with tenant_scope(org_id):
            alarms = Alarm.objects.count()
            records = IntakeRecord.objects.count()
        print(f"\nalarm intake: {args.clients} clients, gunicorn {args.gunicorn_workers} x {args.worker_class}"
              f"{f' ({args.threads} threads)' if args.worker_class == 'gthread' else ''}, {args.seconds:.0f} s, "
              f"{os.cpu_count()} CPUs, load average before {load_before:.1f}")
        print(f"  requests        {len(latencies)}  ({len(latencies) / args.seconds:.0f} requests/s)")
        print(f"  latency ms      p50 {percentile(latencies, 0.50):.1f}  p90 {percentile(latencies, 0.90):.1f}  "
              f"p99 {percentile(latencies, 0.99):.1f}  max {latencies[-1] if latencies else 0:.1f}")
        print(f"  answers         {dict(sorted(statuses.items()))}; connection errors {errors}")
        print(f"  events acked    {acked} distinct, {created} created (201)")
        print(f"  database        {alarms} alarms, {records} intake records")
        # A connection dropped after the server stored an event makes its redelivery a 200:
        # then (and only then) fewer 201 answers than alarms is expected.
        ok = alarms == acked and (created == alarms or errors > 0)
        print(f"  verification    {'OK' if ok else 'MISMATCH'}: alarms in the database == distinct events "
              f"acknowledged{' == 201 answers' if created == alarms else ''}")
        if celery is not None:
            started = time.monotonic()
            while True:
                with tenant_scope(org_id):
                    pending = Alarm.objects.filter(notified_at__isnull=True).count()
                if not pending or time.monotonic() - started > 300:
                    break
                time.sleep(1)
            print(f"  notifications   {'all sent' if not pending else f'{pending} still pending'}, "
                  f"{time.monotonic() - started:.1f} s after the load ended (one solo worker)")
        if not ok:
            raise SystemExit(1)
    finally:
        stop(gunicorn)
        stop(celery)
        try:
            purge_queue(args.redis_url)
        except Exception as exc:  # noqa: BLE001 (cleanup)
            print(f"could not empty the queue: {exc}", file=sys.stderr)
        from django.db import connections

        for conn in connections.all():
            conn.close()
        if args.keep_db:
            print(f"database kept: {name}")
        else:
            drop_database(name)


if __name__ == "__main__":
    main()
