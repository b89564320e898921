"""Benchmark: the daily run (billing/daily.py) on PostgreSQL at production size, next to a
plain per-client ORM loop measured in the same run. Prints figures; asserts nothing.

    PYTHONPATH=. VPT_ENV=test DJANGO_SETTINGS_MODULE=vpt.settings_test \\
        .venv/bin/python benchmarks/daily_run.py                  # 5-9 minutes on 2 cores
    ... benchmarks/daily_run.py --workers 2                       # organisations over 2 processes
    ... benchmarks/daily_run.py --explain                         # + EXPLAIN ANALYZE of one org, 365 days
    ... benchmarks/daily_run.py --orgs 5 --days 31 --keep-db      # smaller; keep the database

Needs what bin/test needs: PostgreSQL on 127.0.0.1:5432 with the roles vpt_owner (owner,
CREATEDB) and vpt_app (application role; `manage.py setup_db_roles` creates them). Override
with DATABASE_URL / DATABASE_OWNER_URL (the database name in them is replaced by --db).

What it does:
1. creates the database --db (default `vpt_bench_daily_<pid>`) as the owner and
   migrates it as the owner (row-level security is enabled and forced by the post-migrate
   sync, as in production); loads the illustrative NZa tariffs (load_default_tariffs);
2. generates --orgs providers (default 50) in 10 regions of 5 zorgkantoren, each with 8
   teams of 10 employees (more in larger organisations), rates per function level, a menu
   card, a contract per year with the zorgkantoor of its region (percentages 95-100 %,
   agreed amounts per prestatie for one in five providers) and --clients clients in VPT
   care (default 400 each, 20,000 in all): a VPT indication (753/754/755/826/828, 15 %
   with behandeling, one in ten re-indicated during the year, a few ending or lapsed), an
   active arrangement of 3-4 lines (hours per week, per day, per week, per month; 15 %
   with an ended earlier version), absences for about 10 % of the clients (holiday,
   admission, respite; some beyond the NZa limits) and delivered visits on the last 14
   days (1-2 per client-day, none while away). The rows are written with COPY as the
   owner; COPY FROM is refused on a table whose row-level security applies to the
   writer, so the load switches FORCE off for its tables and the RLS sync switches it
   back on (checked before measuring); then ANALYZE as the owner;
3. measures, as the application role (RLS in force, one tenant scope per organisation),
   the organisations one after the other (--workers N: fanned out over N processes, as
   the Celery workers do), with the WAL each measurement wrote:
   a. the daily run of yesterday for every organisation (`run_days(org, day, day,
      kind=RERUN)`), twice: the second is the idempotent re-run that writes nothing;
   c. the baseline: a plain per-client ORM loop over --baseline clients (default 1,000)
      for the same day (`day_tariff`, the arrangement's lines through `summarise`, the
      day's visits and absence, `update_or_create` of the day line and the budget day),
      extrapolated to all clients; its values are compared with the engine's rows;
   b. a backfill of 365 days up to yesterday for every organisation (chunks of
      VPT_DAILY_RUN_CHUNK_DAYS days), then the same day as in a. once more (a3: the
      tables now hold a year), and the row counts of billing_dayline and billing_budgetday;
   d. the issue's targets (one day < 1.5 s, a year < 180 s): PASS or MISS;
4. with --explain: EXPLAIN (ANALYZE, BUFFERS) of the run's big statement (`_RUN_SQL`) for
   the first organisation and 365 days;
5. drops the database (--keep-db to keep it).

Measured on 23-11-2026, 50 organisations, 20,000 clients, one process (2 CPUs shared with
other test runs, load average 1-4, so +-30 %; PostgreSQL 15 as configured here:
shared_buffers 128MB, max_wal_size 1GB, autovacuum off):
- engine of commit 10b6a77 (no FK checks on organisation/contract/team, fewer indexes):
  a1 one day 3.3 s, a2 3.8 s, a3 3.1 s; b backfill 244 s (26,900 client-days/s, 6.3 GB
  of WAL); baseline 200 clients in 5.3 s, 532 s extrapolated (161x a1);
- the engine before it (seven deferred FK checks per client-day, 14 indexes): a1 3.4-4.0 s,
  b 412-449 s (9-15 GB of WAL); 6,556,537 day lines and 6,562,455 budget days.
The statement that computes the days takes 0.45-0.65 s for one organisation and 365 days
(--explain); the rest is writing (indexes, WAL, commits) and ~20 statements of fixed cost
per organisation and run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import signal
import sys
import time
import urllib.parse
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REGIONS = 10
ZORGKANTOREN = 5
TEAMS_PER_ORG = 8
EMPLOYEES_PER_TEAM = 10
VISIT_DAYS = 14
PROFILES = {"754": 45, "753": 25, "755": 15, "826": 8, "828": 7}
LIGHTER = {"754": "753", "755": "754", "828": "826", "753": "753", "826": "826"}
LEVEL_RATES = {2: Decimal("46.00"), 3: Decimal("54.00"), 4: Decimal("63.00")}
# code, name, kind, unit, function level, cost price
MENU = [
    ("pv-n2", "Persoonlijke verzorging", "personal_care", "hours_week", 2, "46.00"),
    ("ib-n3", "Individuele begeleiding", "support", "hours_week", 3, "54.00"),
    ("hh-n2", "Huishoudelijke hulp", "household", "hours_week", 2, "42.00"),
    ("maaltijd", "Maaltijdservice", "meals", "day", None, "9.50"),
    ("nachtzorg", "Nachtzorg", "night_care", "day", None, "18.00"),
    ("dagbesteding", "Dagbesteding incl. vervoer", "day_activities", "week", None, "120.00"),
    ("alarm", "Persoonsalarmering", "personal_alarm", "month", None, "28.00"),
    ("leefstijl", "Leefstijlmonitoring", "lifestyle_monitoring", "month", None, "35.00"),
]


def _with_db(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def prepare(db: str) -> None:
    os.environ.setdefault("VPT_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vpt.settings_test")
    os.environ["DATABASE_URL"] = _with_db(os.environ.get("DATABASE_URL", "postgres://vpt_app@127.0.0.1:5432/vpt"), db)
    os.environ["DATABASE_OWNER_URL"] = _with_db(
        os.environ.get("DATABASE_OWNER_URL", "postgres://vpt_owner@127.0.0.1:5432/vpt"), db)
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def _admin(dbname: str = "postgres"):  # noqa: ANN202
    import psycopg

    owner = urllib.parse.urlsplit(os.environ["DATABASE_OWNER_URL"])
    return psycopg.connect(host=owner.hostname, port=owner.port or 5432, user=owner.username,
                           password=owner.password, dbname=dbname, autocommit=True)


def recreate_database(name: str, *, drop_only: bool = False) -> None:
    from psycopg import sql

    with _admin() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not drop_only:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# --------------------------------------------------------------------------- data


class Ids:
    """Primary keys handed out here, so that COPY can write foreign keys at once."""

    def __init__(self) -> None:
        self.last: dict[str, int] = defaultdict(int)

    def __call__(self, table: str) -> int:
        self.last[table] += 1
        return self.last[table]


def generate(*, orgs: int, clients_per_org: int, seed: int, yesterday: dt.date) -> dict[str, tuple[list, list]]:
    """table -> (columns, rows) of the whole dataset."""
    rng = random.Random(seed)
    ids = Ids()
    now = dt.datetime.now(dt.UTC)
    tables: dict[str, tuple[list, list]] = {}

    def table(name: str, columns: str) -> list:
        rows: list = []
        tables[name] = (columns.split(), rows)
        return rows

    org_rows = table("tenancy_organization", "id name slug kind agb_code is_active created_at region_id")
    region_rows = table("tenancy_region", "id code name zorgkantoor_id iwlz_code")
    team_rows = table("tenancy_team", "id name district is_active organization_id manager_id")
    contract_rows = table("tenancy_contract", "id year production_agreement percentage note organization_id zorgkantoor_id")
    ctariff_rows = table("tenancy_contracttariff", "id prestatiecode amount contract_id organization_id")
    rate_rows = table("teams_levelrate", "id function_level cost_per_hour organization_id")
    employee_rows = table("teams_employee", "id first_name last_name role function_level contract_hours hourly_cost "
                                            "is_active created_at membership_id organization_id team_id")
    menu_rows = table("arrangements_menuitem", "id code name kind unit function_level cost_price is_fixed "
                                               "default_quantity description active_from active_to organization_id")
    client_rows = table("clients_client", "id first_name name_prefix last_name date_of_birth bsn_encrypted bsn_hash "
                                          "bsn_last4 id_document_type id_document_number_encrypted street house_number "
                                          "house_number_suffix postcode city district phone gp_name gp_phone status "
                                          "care_start care_end end_reason end_note created_at updated_at "
                                          "client_coach_id organization_id primary_team_id")
    indication_rows = table("clients_wlzindication", "id zorgprofiel leveringsvorm valid_from valid_to ciz_reference "
                                                     "note created_at client_id created_by_id organization_id "
                                                     "with_behandeling")
    arrangement_rows = table("arrangements_arrangement", "id version status valid_from valid_to includes_dagbesteding "
                                                         "over_budget_justification agreed_on note created_at "
                                                         "activated_at activated_by_id client_id created_by_id "
                                                         "organization_id")
    line_rows = table("arrangements_arrangementline", "id quantity delivered_by subcontractor note arrangement_id "
                                                      "organization_id menu_item_id")
    absence_rows = table("clients_absence", "id kind left_on returned_on zorgkantoor_consent extension_granted_on note "
                                            "created_at organization_id client_id")
    visit_rows = table("teams_visit", "id date start duration_minutes planned_minutes status activities note source "
                                      "external_id delivered_at created_at updated_at client_id created_by_id "
                                      "employee_id organization_id")

    zk_ids = []
    for z in range(ZORGKANTOREN):
        zk = ids("tenancy_organization")
        zk_ids.append(zk)
        org_rows.append((zk, f"Zorgkantoor Bench {z + 1}", f"bench-zk-{z + 1}", "zorgkantoor", "", True, now, None))
    region_ids = []
    for r in range(REGIONS):
        region = ids("tenancy_region")
        region_ids.append((region, zk_ids[r % ZORGKANTOREN]))
        region_rows.append((region, f"BR{r + 1:02d}", f"Benchregio {r + 1}", zk_ids[r % ZORGKANTOREN], f"{5501 + r}"))

    first_visit_day = yesterday - dt.timedelta(days=VISIT_DAYS - 1)
    visit_days = [first_visit_day + dt.timedelta(days=i) for i in range(VISIT_DAYS)]
    years = sorted({(yesterday - dt.timedelta(days=d)).year for d in range(0, 400)})
    profile_list, profile_weights = list(PROFILES), list(PROFILES.values())

    # At most ten visits of an employee a day (see the slots below), so larger teams get more staff.
    per_team = -(-clients_per_org // TEAMS_PER_ORG)
    employees_per_team = max(EMPLOYEES_PER_TEAM, -(-2 * per_team // 10))
    for o in range(orgs):
        org = ids("tenancy_organization")
        region, zk = region_ids[o % REGIONS]
        org_rows.append((org, f"Bench Zorg {o + 1}", f"bench-{o + 1}", "provider", f"7400{o + 1:04d}", True, now, region))
        for level, rate in LEVEL_RATES.items():
            rate_rows.append((ids("teams_levelrate"), level, rate + rng.choice((0, 1, 2)), org))
        percentage = rng.choice((Decimal("100.00"), Decimal("98.50"), Decimal("97.00"), Decimal("95.00")))
        for year in years:
            contract = ids("tenancy_contract")
            contract_rows.append((contract, year, Decimal(clients_per_org * 215 * 365 * 97 / 100).quantize(Decimal(1)),
                                  percentage, "", org, zk))
            if o % 5 == 0:  # one in five providers agreed amounts for the most common prestaties
                for code, amount in (("V754A", "172.50"), ("V754B", "201.00"), ("V753A", "150.25")):
                    ctariff_rows.append((ids("tenancy_contracttariff"), code, Decimal(amount), contract, org))
        menu = {}
        for code, name, kind, unit, level, price in MENU:
            menu[code] = ids("arrangements_menuitem")
            menu_rows.append((menu[code], code, name, kind, unit, level, Decimal(price), code == "alarm", Decimal(1),
                              "", dt.date(2020, 1, 1), None, org))
        teams = []
        for t in range(TEAMS_PER_ORG):
            team = ids("tenancy_team")
            team_rows.append((team, f"Team {t + 1}", f"Wijk {t + 1}", True, org, None))
            staff = []
            for e in range(employees_per_team):
                role, level = (("client_support", 2) if e % 10 < 6 else ("client_coach", 3) if e % 10 < 9
                               else ("nurse", 4))
                employee = ids("teams_employee")
                staff.append(employee)
                own_cost = LEVEL_RATES[level] + rng.choice((-2, 3, 5)) if rng.random() < 0.2 else None
                employee_rows.append((employee, f"Medewerker{e + 1}", f"Team{t + 1}", role, level,
                                      Decimal(rng.choice((20, 24, 28, 32))), own_cost, True, now, None, org, team))
            teams.append((team, staff))

        visits_by_team_day: dict[tuple[int, dt.date], list[int]] = defaultdict(list)
        for c in range(clients_per_org):
            client = ids("clients_client")
            team, _staff = teams[c % TEAMS_PER_ORG]
            days_in_care = rng.randint(366, 2000) if rng.random() < 0.8 else rng.randint(1, 365)
            care_start = yesterday - dt.timedelta(days=days_in_care)
            client_rows.append((
                client, "Cliënt", "", f"Bench{org}-{c}", dt.date(1930, 1, 1) + dt.timedelta(days=rng.randint(0, 9000)),
                f"enc-{client}", f"{client:064d}", f"{client % 10000:04d}", "", "", "Dorpsstraat", 1 + c, "",
                "1234 AB", "Benchstad", f"Wijk {c % TEAMS_PER_ORG + 1}", "", "", "", "in_care", care_start, None,
                "", "", now, now, None, org, team,
            ))
            # Indications: the current one, sometimes after a lighter one during the year.
            profile = rng.choices(profile_list, weights=profile_weights)[0]
            behandeling = rng.random() < 0.15
            start = care_start - dt.timedelta(days=rng.randint(7, 90))
            if days_in_care > 120 and rng.random() < 0.10:
                switch = yesterday - dt.timedelta(days=rng.randint(10, min(days_in_care - 30, 364)))
                indication_rows.append((ids("clients_wlzindication"), LIGHTER[profile], "5", start,
                                        switch - dt.timedelta(days=1), f"CIZ-{client}1", "", now, client, None, org,
                                        behandeling))
                start = switch
            roll = rng.random()
            end = (yesterday + dt.timedelta(days=rng.randint(5, 200)) if roll < 0.05
                   else yesterday - dt.timedelta(days=rng.randint(1, 60)) if roll < 0.06 and start < yesterday - dt.timedelta(days=61)
                   else None)  # mostly open-ended; one in a hundred lapsed (budget days only)
            indication_rows.append((ids("clients_wlzindication"), profile, "5", start, end, f"CIZ-{client}2", "", now,
                                    client, None, org, behandeling))
            # Arrangement: one open-ended version, or an ended one and the active one.
            dagbesteding = rng.random() < 0.4
            versions = [(care_start, None)]
            if days_in_care > 200 and rng.random() < 0.15:
                switch = care_start + dt.timedelta(days=rng.randint(60, days_in_care - 30))
                versions = [(care_start, switch - dt.timedelta(days=1)), (switch, None)]
            for number, (valid_from, valid_to) in enumerate(versions, start=1):
                arrangement = ids("arrangements_arrangement")
                arrangement_rows.append((arrangement, number, "ended" if valid_to else "active", valid_from, valid_to,
                                         dagbesteding, "", valid_from, "", now, now, None, client, None, org))
                hours = Decimal(rng.randint(32, 72)) / 4
                lines = [("pv-n2", hours, "team"), ("ib-n3", Decimal(rng.randint(4, 24)) / 4, "team"),
                         ("alarm", Decimal(1), "team")]
                extra = rng.random()
                if dagbesteding and extra < 0.5:
                    lines.append(("dagbesteding", Decimal(rng.choice((1, 2, 3))), "subcontractor"))
                elif extra < 0.3:
                    lines.append(("maaltijd", Decimal(1), "subcontractor"))
                elif extra < 0.45:
                    lines.append(("nachtzorg", Decimal(1), "subcontractor"))
                elif extra < 0.6:
                    lines.append(("hh-n2", Decimal(2), "mantelzorg"))
                for code, quantity, by in lines:
                    line_rows.append((ids("arrangements_arrangementline"), quantity, by,
                                      "Dagcentrum" if by == "subcontractor" else "", "", arrangement, org, menu[code]))
            # Absences: about one client in ten, mostly within the NZa limits.
            away: list[tuple[dt.date, dt.date | None]] = []
            if rng.random() < 0.10:
                for _n in range(1 if rng.random() < 0.8 else 2):
                    kind = rng.choices(("holiday", "admission", "respite"), weights=(4, 3, 3))[0]
                    length = {"holiday": rng.randint(4, 14) if rng.random() < 0.85 else rng.randint(15, 30),
                              "admission": rng.randint(3, 30) if rng.random() < 0.85 else rng.randint(92, 130),
                              "respite": rng.randint(1, 3)}[kind]
                    latest = yesterday - dt.timedelta(days=2)
                    earliest = max(care_start + dt.timedelta(days=1), yesterday - dt.timedelta(days=400))
                    if latest <= earliest:
                        continue
                    left = earliest + dt.timedelta(days=rng.randint(0, (latest - earliest).days))
                    returned = left + dt.timedelta(days=length)
                    if returned > yesterday and rng.random() < 0.5:
                        returned = None  # still away
                    if any(left <= (b or dt.date.max) and a <= (returned or dt.date.max) for a, b in away):
                        continue
                    away.append((left, returned))
                    consent = "ZK-2026-0042" if kind == "holiday" and length > 14 and rng.random() < 0.3 else ""
                    extension = (left + dt.timedelta(days=60) if kind == "admission" and length > 91
                                 and rng.random() < 0.3 else None)
                    absence_rows.append((ids("clients_absence"), kind, left, returned, consent, extension, "", now, org,
                                         client))
            for day in visit_days:
                if day < care_start or any(a < day and (b is None or day < b) for a, b in away):
                    continue
                for _v in range(1 if rng.random() < 0.6 else 2):
                    visits_by_team_day[(team, day)].append(client)
        # Visits per team and day, dealt over the employees in slots of 80 minutes from
        # 07:00 (a visit lasts at most 75): visits of one employee never overlap.
        staff_of = dict(teams)
        for (team, day), clients in visits_by_team_day.items():
            staff = staff_of[team]
            for i, client in enumerate(clients):
                begin = 7 * 60 + (i // len(staff)) * 80
                duration = rng.randint(25, 75)
                start = dt.time(begin // 60, begin % 60)
                done = dt.datetime.combine(day, start, tzinfo=dt.UTC) + dt.timedelta(minutes=duration)
                visit_rows.append((ids("teams_visit"), day, start, duration, duration + rng.randint(-10, 10),
                                   "delivered", "[]", "", "api", "", done, now, now, client, None, staff[i % len(staff)],
                                   org))
    return tables


def load(tables: dict[str, tuple[list, list]]) -> dict[str, int]:
    """COPY every table as the owner with RLS switched off for the owner (COPY FROM refuses
    tables whose policies apply to the writer), then the RLS sync switches it back on."""
    from django.db import connections, transaction

    from vpt.tenancy import rls

    owner = connections["owner"]
    counts = {}
    # One transaction: the foreign keys (deferred) are checked at its end, so the order of
    # the tables does not matter (regions and zorgkantoren point at each other).
    with transaction.atomic(using="owner"), owner.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg cursor: COPY
        tenant_tables = {m._meta.db_table for m in rls.tenant_models()}
        for name in tables:
            if name in tenant_tables:
                cursor.execute(f"ALTER TABLE {name} NO FORCE ROW LEVEL SECURITY")
        for name, (columns, rows) in tables.items():
            with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), {max(len(rows), 1)})")
            counts[name] = len(rows)
    rls.sync(owner)
    with owner.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relname = ANY(%s) AND relrowsecurity AND relforcerowsecurity",
            [sorted(tenant_tables)])
        forced = cursor.fetchone()[0]
    owner.close()
    if forced != len(tenant_tables):
        raise SystemExit(f"row-level security is not forced on every tenant table ({forced}/{len(tenant_tables)})")
    return counts


# --------------------------------------------------------------------------- measurements


FIELDS = ("client_days", "lines_written", "budget_days_written", "corrections")


def _run_org(job: tuple[int, dt.date, dt.date]) -> dict[str, int]:
    from billing import daily
    from billing.models import DailyRun
    from vpt.tenancy.models import Organization

    org_id, first, last = job
    org = Organization.objects.filter(pk=org_id).first()
    run = daily.run_days(org, first, last, kind=DailyRun.Kind.RERUN, reason="benchmark")
    if run.status != DailyRun.Status.DONE:
        raise SystemExit(f"run {run.pk} of {org}: {run.status} {run.error}")
    return {field: getattr(run, field) for field in FIELDS}


def _close_connections() -> None:
    from django.db import connections

    for conn in connections.all():
        conn.close()


def run_all(orgs: list, first: dt.date, last: dt.date, *, workers: int = 1) -> tuple[float, dict[str, int], float]:
    """Every organisation's run of [first, last]: (seconds, totals, MB of WAL written).
    With workers > 1 the organisations are fanned out over that many processes, as the
    Celery workers do (one task per organisation)."""
    from django.db import connection

    def wal() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
            return int(cursor.fetchone()[0])

    jobs = [(org.pk, first, last) for org in orgs]
    totals: dict[str, int] = dict.fromkeys(FIELDS, 0)
    wal_before = wal()
    started = time.perf_counter()
    if workers > 1:
        import multiprocessing

        _close_connections()  # each process opens its own
        with multiprocessing.get_context("fork").Pool(workers, initializer=_close_connections) as pool:
            results = pool.map(_run_org, jobs, chunksize=1)
    else:
        results = [_run_org(job) for job in jobs]
    seconds = time.perf_counter() - started
    for result in results:
        for field in FIELDS:
            totals[field] += result[field]
    return seconds, totals, (wal() - wal_before) / 1e6


def baseline(orgs: list, day: dt.date, count: int) -> tuple[float, int, int]:
    """The same day computed client by client through the ORM: (seconds, clients,
    client-days whose values differ from the engine's rows)."""
    from django.db.models import Q

    from arrangements.costs import summarise
    from arrangements.models import Arrangement, ArrangementLine, MenuItem
    from billing.models import BudgetDay, DayLine
    from clients.models import Absence, Client
    from clients.tariffs import day_tariff
    from teams.models import LevelRate, Visit
    from vpt.tenancy.scope import tenant_scope

    cent = Decimal("0.01")
    computed: dict[int, tuple] = {}
    done = 0
    started = time.perf_counter()
    for org in orgs:
        if done >= count:
            break
        with tenant_scope(org):
            rates = dict(LevelRate.objects.values_list("function_level", "cost_per_hour"))
            clients = list(Client.objects.in_care_on(day).order_by("pk")[: count - done])
            for client in clients:
                client.organization = org
                arrangement = (Arrangement.objects.filter(client=client, valid_from__lte=day,
                                                          status__in=[Arrangement.Status.ACTIVE, Arrangement.Status.ENDED])
                               .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
                               .order_by("-valid_from", "-version").first())
                includes = arrangement.includes_dagbesteding if arrangement else True
                tariff = day_tariff(client, day, includes_dagbesteding=includes)
                lines = list(arrangement.lines.select_related("menu_item")) if arrangement else []
                bearing = [line for line in lines if line.bears_budget]
                planned = summarise(bearing, None).cost_per_day
                fixed = summarise([line for line in bearing if not (
                    line.menu_item.unit == MenuItem.Unit.HOURS_PER_WEEK
                    and line.delivered_by == ArrangementLine.DeliveredBy.TEAM)], None).cost_per_day
                visits = Decimal(0)
                for visit in Visit.objects.filter(client=client, date=day, status=Visit.Status.DELIVERED
                                                  ).select_related("employee"):
                    visits += visit.duration_minutes * (visit.employee.cost_per_hour(rates) or Decimal(0))
                absence = (Absence.objects.filter(client=client, left_on__lt=day)
                           .filter(Q(returned_on__isnull=True) | Q(returned_on__gt=day)).first())
                earned = tariff.amount if tariff is not None and tariff.billable else Decimal("0.00")
                realised = (fixed + visits / 60).quantize(cent, ROUND_HALF_UP)
                now = dt.datetime.now(dt.UTC)
                if tariff is not None:
                    DayLine.objects.update_or_create(
                        organization=org, client=client, day=day, superseded_at=None, defaults={
                            "zorgprofiel": tariff.zorgprofiel, "prestatiecode": tariff.prestatiecode,
                            "with_dagbesteding": includes, "max_amount": tariff.max_amount, "amount": tariff.amount,
                            "contract_id": tariff.contract_id, "billable": tariff.billable,
                            "reason": tariff.reason_code, "absence_kind": absence.kind if absence else "",
                            "computed_at": now})
                BudgetDay.objects.update_or_create(
                    organization=org, client=client, day=day, defaults={
                        "team_id": client.primary_team_id, "tariff": earned, "planned_cost": planned,
                        "realised_cost": realised, "computed_at": now})
                computed[client.pk] = (tariff.prestatiecode if tariff else None,
                                       tariff.amount if tariff else None, earned, planned, realised)
            done += len(clients)
    seconds = time.perf_counter() - started
    # Outside the clock: the engine's rows of the day (the baseline rewrote equal values)
    # compared with what the loop computed. The loop rounds planned and fixed cost per
    # line set (`summarise`), the engine the sum: a cent apart at most.
    differ = 0
    for org in orgs:
        with tenant_scope(org):
            lines = dict(DayLine.objects.filter(day=day, client_id__in=computed, superseded_at__isnull=True)
                         .values_list("client_id", "prestatiecode"))
            for row in BudgetDay.objects.filter(day=day, client_id__in=computed):
                prestatie, _amount, earned, planned, realised = computed[row.client_id]
                if (lines.get(row.client_id) != prestatie or row.tariff != earned
                        or abs(row.planned_cost - planned) > cent or abs(row.realised_cost - realised) > cent):
                    differ += 1
    return seconds, done, differ


def explain(org, first: dt.date, last: dt.date) -> None:  # noqa: ANN001
    from django.db import connection

    from billing import daily
    from vpt.tenancy.scope import tenant_scope

    statement = daily._RUN_SQL.replace("{cost}", daily._COST_SQL).replace(
        "CREATE TEMP TABLE _vpt_run ON COMMIT DROP AS", "EXPLAIN (ANALYZE, BUFFERS, TIMING ON)")
    with tenant_scope(org), connection.cursor() as cursor:
        cursor.execute(statement, daily._sql_params(org.pk, first, last, None))
        plan = "\n".join(row[0] for row in cursor.fetchall())
    print(f"\nEXPLAIN ANALYZE of _RUN_SQL, {org.name}, {first:%d-%m-%Y}..{last:%d-%m-%Y} (one statement; the run "
          f"itself works in chunks of {daily.settings.VPT_DAILY_RUN_CHUNK_DAYS} days):\n{plan}")


def count_rows(orgs: list) -> tuple[int, int, int]:
    from billing.models import BudgetDay, DayLine
    from vpt.tenancy.scope import tenant_scope

    lines = current = budget = 0
    for org in orgs:
        with tenant_scope(org):
            lines += DayLine.objects.count()
            current += DayLine.objects.filter(superseded_at__isnull=True).count()
            budget += BudgetDay.objects.count()
    return lines, current, budget


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, default=50)
    parser.add_argument("--clients", type=int, default=400, help="clients in care per organisation")
    parser.add_argument("--baseline", type=int, default=1000, help="clients in the per-client ORM loop")
    parser.add_argument("--days", type=int, default=365, help="days of the backfill")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", default=f"vpt_bench_daily_{os.getpid()}",
                        help="database to create and drop (default: one per process, so runs never collide)")
    parser.add_argument("--workers", type=int, default=1,
                        help="processes the organisations are fanned out over (default: one after the other)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the run's statement for one org")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    prepare(args.db)
    recreate_database(args.db)
    # `timeout` and `kill` send SIGTERM: leave through the finally clause that drops the database.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections
        from django.utils import timezone

        from clients.models import Client
        from vpt.tenancy.models import Organization
        from vpt.tenancy.scope import tenant_scope
        from vpt.wlz.tariffs import load_default_tariffs

        clock = time.perf_counter()
        call_command("migrate", database="owner", verbosity=0, interactive=False)
        connections["owner"].close()
        migrated = time.perf_counter() - clock
        load_default_tariffs()

        today = timezone.localdate()
        yesterday = today - dt.timedelta(days=1)
        clock = time.perf_counter()
        tables = generate(orgs=args.orgs, clients_per_org=args.clients, seed=args.seed, yesterday=yesterday)
        generated = time.perf_counter() - clock
        clock = time.perf_counter()
        counts = load(tables)
        loaded = time.perf_counter() - clock
        del tables

        orgs = list(Organization.objects.filter(kind=Organization.Kind.PROVIDER).order_by("pk"))
        # RLS in force for the application role: nothing without a tenant, its own rows with one.
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT current_user, count(*) FROM clients_client")
            role, unscoped = cursor.fetchone()
            cursor.execute("SELECT string_agg(name || ' ' || current_setting(name), ', ' ORDER BY name) "
                           "FROM pg_settings WHERE name IN ('server_version', 'shared_buffers', 'work_mem', "
                           "'max_wal_size', 'synchronous_commit', 'autovacuum', 'jit')")
            server = cursor.fetchone()[0]
        with tenant_scope(orgs[0]):
            in_care = Client.objects.in_care_on(yesterday).count()

        print(f"\ndaily run benchmark: {len(orgs)} organisations, {len(orgs) * args.clients:,} "
              f"clients, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; PostgreSQL as {role} "
              f"(RLS: {unscoped} clients visible without a tenant, {in_care} in care in the first organisation)")
        print(f"  server          {server}")
        print(f"  setup           migrate {migrated:.1f} s, generate {generated:.1f} s (Python), COPY + RLS sync + "
              f"ANALYZE {loaded:.1f} s")
        print("  rows            " + ", ".join(f"{name.split('_', 1)[1]} {n:,}" for name, n in counts.items()
                                               if n >= 1000), flush=True)

        workers = args.workers
        print(f"\n  {'measurement':<52} {'seconds':>9} {'client-days':>12} {'per second':>10} {'WAL MB':>8}   "
              "written (lines / budget days / corrections)", flush=True)

        def row(label: str, seconds: float, totals: dict[str, int], wal: float | None = None) -> None:
            per_second = f"{totals['client_days'] / seconds:>10,.0f}" if seconds else f"{'-':>10}"
            print(f"  {label:<52} {seconds:>9.2f} {totals['client_days']:>12,} {per_second} "
                  f"{f'{wal:,.0f}' if wal is not None else '':>8}   {totals['lines_written']:,} / "
                  f"{totals['budget_days_written']:,} / {totals['corrections']:,}", flush=True)

        on = f", {workers} processes" if workers > 1 else ""
        one_day, totals, wal = run_all(orgs, yesterday, yesterday, workers=workers)
        row(f"a1. one day ({yesterday:%d-%m-%Y}), all organisations{on}", one_day, totals, wal)
        again, totals_again, wal = run_all(orgs, yesterday, yesterday, workers=workers)
        row("a2. the same day again (idempotent re-run)", again, totals_again, wal)
        base_seconds, base_clients, differ = baseline(orgs, yesterday, args.baseline)
        clients_total = totals["client_days"]
        extrapolated = base_seconds / max(base_clients, 1) * clients_total
        row(f"c.  baseline: per-client ORM loop, {base_clients:,} clients", base_seconds,
            {"client_days": base_clients, "lines_written": base_clients, "budget_days_written": base_clients,
             "corrections": 0})
        print(f"  {f'    extrapolated to {clients_total:,} clients':<52} {extrapolated:>9.1f} {clients_total:>12,} "
              f"{clients_total / extrapolated:>10,.0f}            baseline / set-based (a1): "
              f"{extrapolated / one_day:.0f}x; values differing from the engine's rows: {differ}", flush=True)
        first = yesterday - dt.timedelta(days=args.days - 1)
        year, year_totals, wal = run_all(orgs, first, yesterday, workers=workers)
        row(f"b.  backfill {args.days} days, all organisations{on}", year, year_totals, wal)
        after, totals_after, wal = run_all(orgs, yesterday, yesterday, workers=workers)
        row(f"a3. one day again, {args.days} days of rows in the tables", after, totals_after, wal)
        all_lines, current_lines, budget_rows = count_rows(orgs)
        print(f"\n  rows after the backfill: billing_dayline {all_lines:,} ({current_lines:,} current), "
              f"billing_budgetday {budget_rows:,}")
        print(f"  d.  targets: one day < 1.5 s: {one_day:.2f} s {'PASS' if one_day < 1.5 else 'MISS'}; "
              f"a year < 180 s: {year:.1f} s {'PASS' if year < 180 and args.days >= 365 else 'MISS'}"
              f" ({args.days} days{on}); load average now {os.getloadavg()[0]:.1f}", flush=True)
        if args.explain:
            explain(orgs[0], first, yesterday)
    finally:
        from django.db import connections

        for conn in connections.all():
            conn.close()
        if args.keep_db:
            print(f"database kept: {args.db}")
        else:
            recreate_database(args.db, drop_only=True)


if __name__ == "__main__":
    main()
