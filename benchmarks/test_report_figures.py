"""Benchmark: computing a report's figures (`reports.figures.compute`) and rendering its PDF
(`reports.pdf.report_pdf`) for a quarterly (Q3) and an annual report of 2026, at 40 and 400
clients.

Not part of the default run (testpaths excludes benchmarks/). Run with:

    PYTEST_WORKERS=0 bin/test benchmarks/test_report_figures.py -s -q

Each size is its own provider (in a region served by the zorgkantoor, with a 2026
contract, products 753/754/755, the illustrative NZa tariffs), written with bulk_create in
its tenant scope: clients in VPT care (most since 2025; one in ten starting during 2026,
one in twelve ending during 2026 with a reason) with a VPT indication (753/754/755, one in
ten re-indicated on 1 July), an active arrangement of hours-per-week lines by the team
(plus a subcontractor line for one in four, a mantelzorg line for one in three, meals per
day) and for one in seven (those in care before March) an ended earlier version until 31
March; one or two network members for four in five clients; a delivered visit every other
day in care (60–120 minutes); about one alarm per client per month (acknowledged after
1–9 minutes, one in three on site); a respite stay of 3–7 nights for one in ten and a
holiday for one in twenty. Then the daily run for 2026 (`billing.daily.run_days`,
nightly), so the day lines exist, and ANALYZE.

Prints per size and report: the queries of one compute, the median of REPEAT computes,
the median of PDF_REPEAT PDF renders (of a submitted version with those figures) and the
PDF's size, with the 400/40 ratio. Asserts that compute's query count does not grow.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from alarms.models import Alarm
from arrangements.models import Arrangement, ArrangementLine, MenuItem
from billing import daily
from billing.models import DailyRun, DayLine
from clients.models import Absence, Client, NetworkMember, WlzIndication
from reports.figures import compute
from reports.models import ProviderReport
from reports.pdf import report_pdf
from teams.models import Visit
from tests.factories import (
    ContractFactory,
    EmployeeFactory,
    MenuItemFactory,
    OrganizationFactory,
    ProviderReportFactory,
    RegionFactory,
    ReportVersionFactory,
    TeamFactory,
    ZorgkantoorFactory,
)
from vpt.core import crypto
from vpt.tenancy.models import Organization
from vpt.tenancy.scope import tenant_scope
from vpt.wlz.tariffs import load_default_tariffs

SIZES = (40, 400)
REPEAT = 5
PDF_REPEAT = 3
YEAR = 2026
D = dt.date
AMS = ZoneInfo("Europe/Amsterdam")
NOW = dt.datetime(YEAR + 1, 1, 15, 12, 0, tzinfo=dt.UTC)  # every alarm deadline has passed
PROFILES = ("754", "754", "754", "753", "753", "755")
PERIODS = (("Q3", 3), ("year", None))


def _build(org: Organization, zk: Organization, size: int) -> dict:  # noqa: PLR0915
    rnd = random.Random(size)  # noqa: S311 (test data)
    contract = ContractFactory(organization=org, zorgkantoor=zk, year=YEAR, products=["753", "754", "755"],
                               production_agreement=Decimal("90000.00") * size, percentage=Decimal("96.50"))
    teams = [TeamFactory(organization=org, name=f"Team {t}") for t in range(max(1, size // 40))]
    # One nurse per four clients, each client its own time slot: an employee's visits may not overlap.
    nurses = [EmployeeFactory(organization=org, team=teams[n % len(teams)]) for n in range(-(-size // 4))]
    hours = MenuItemFactory(organization=org, unit=MenuItem.Unit.HOURS_PER_WEEK, function_level=2)
    support = MenuItemFactory(organization=org, unit=MenuItem.Unit.HOURS_PER_WEEK, function_level=3,
                              kind=MenuItem.Kind.SUPPORT)
    meals = MenuItemFactory(organization=org, unit=MenuItem.Unit.PER_DAY, function_level=None,
                            kind=MenuItem.Kind.MEALS, cost_price=Decimal("9.50"))
    token = crypto.encrypt("123456782")
    by = ArrangementLine.DeliveredBy
    with tenant_scope(org):
        specs = []
        for i in range(size):
            start, end, reason = D(2025, 1, 1) + dt.timedelta(days=rnd.randrange(365)), None, ""
            if i % 10 == 3:
                start = D(YEAR, 1, 1) + dt.timedelta(days=rnd.randrange(330))
            if i % 12 == 5:
                end = max(start, D(YEAR, 1, 1)) + dt.timedelta(days=rnd.randrange(20, 200))
                end = min(end, D(YEAR, 12, 30))
                reason = (Client.EndReason.DECEASED, Client.EndReason.NURSING_HOME, Client.EndReason.OTHER)[i % 3]
            specs.append((start, end, reason))
        clients = Client.objects.bulk_create(
            (Client(organization=org, first_name="Bench", last_name=f"Cliënt{i:05d}", date_of_birth=D(1938, 3, 1),
                    bsn_encrypted=token, bsn_hash=f"{org.pk:08d}{i:056d}", bsn_last4=f"{i % 10000:04d}",
                    street="Straat", house_number=i + 1, postcode="2511 AB", city="Den Haag",
                    primary_team=teams[i % len(teams)], care_start=start, care_end=end, end_reason=reason,
                    status=Client.Status.ENDED if end else Client.Status.IN_CARE)
             for i, (start, end, reason) in enumerate(specs)),
            batch_size=2000,
        )
        indications, arrangements, line_specs, members, absences, visits, alarms = [], [], [], [], [], [], []
        for i, c in enumerate(clients):
            profile = PROFILES[i % len(PROFILES)]
            if i % 10 == 7:  # re-indicated on 1 July
                indications += [
                    WlzIndication(organization=org, client=c, zorgprofiel="753", leveringsvorm="5",
                                  valid_from=D(2024, 6, 1), valid_to=D(YEAR, 6, 30)),
                    WlzIndication(organization=org, client=c, zorgprofiel="755", leveringsvorm="5",
                                  valid_from=D(YEAR, 7, 1)),
                ]
            else:
                indications.append(WlzIndication(organization=org, client=c, zorgprofiel=profile, leveringsvorm="5",
                                                 valid_from=D(2024, 6, 1)))
            team_hours = Decimal(rnd.randrange(6, 16))
            lines = [(hours, team_hours, by.TEAM), (meals, Decimal(1), by.TEAM)]
            if i % 4 == 0:
                lines.append((support, Decimal(2), by.SUBCONTRACTOR))
            if i % 3 == 0:
                lines.append((hours, Decimal(3), by.MANTELZORG))
            if i % 7 == 0 and c.care_start < D(YEAR, 3, 1):
                old = Arrangement(organization=org, client=c, version=1, valid_from=c.care_start,
                                  valid_to=D(YEAR, 3, 31), status=Arrangement.Status.ENDED)
                arrangements.append(old)
                line_specs.append((old, [(hours, team_hours - 2, by.TEAM)]))
                new = Arrangement(organization=org, client=c, version=2, valid_from=D(YEAR, 4, 1),
                                  status=Arrangement.Status.ACTIVE)
            else:
                new = Arrangement(organization=org, client=c, version=1, valid_from=c.care_start,
                                  status=Arrangement.Status.ACTIVE)
            arrangements.append(new)
            line_specs.append((new, lines))
            if i % 5:
                for m in range(1 + i % 2):
                    members.append(NetworkMember(
                        organization=org, client=c, name=f"Mantelzorger {i}-{m}",
                        relation=(NetworkMember.Relation.CHILD, NetworkMember.Relation.PARTNER,
                                  NetworkMember.Relation.NEIGHBOUR, NetworkMember.Relation.VOLUNTEER)[(i + m) % 4],
                        hours_per_week=Decimal(rnd.randrange(2, 12))))
            first = max(c.care_start, D(YEAR, 1, 1))
            last = c.care_end or D(YEAR, 12, 31)
            if i % 10 == 1:
                left = first + dt.timedelta(days=rnd.randrange(max(1, (last - first).days - 8)))
                absences.append(Absence(organization=org, client=c, kind=Absence.Kind.RESPITE, left_on=left,
                                        returned_on=left + dt.timedelta(days=rnd.randrange(3, 8))))
            elif i % 20 == 2:
                left = first + dt.timedelta(days=rnd.randrange(max(1, (last - first).days - 10)))
                absences.append(Absence(organization=org, client=c, kind=Absence.Kind.HOLIDAY, left_on=left,
                                        returned_on=left + dt.timedelta(days=7)))
            nurse, slot = nurses[i % len(nurses)], i // len(nurses)  # slot 0..3: 07:00, 09:30, 12:00, 14:30
            visit_start = dt.time(7 + slot * 5 // 2, 30 * (slot % 2))
            day = first + dt.timedelta(days=i % 2)
            while day <= last:  # a delivered visit every other day
                minutes = rnd.choice((60, 75, 90, 120))
                visits.append(Visit(organization=org, client=c, employee=nurse, date=day, start=visit_start,
                                    duration_minutes=minutes, status=Visit.Status.DELIVERED,
                                    delivered_at=dt.datetime.combine(day, dt.time(11), tzinfo=dt.UTC)))
                day += dt.timedelta(days=2)
            month_first = D(first.year, first.month, 1)
            while month_first <= last:  # about one alarm a month
                received = dt.datetime.combine(month_first + dt.timedelta(days=rnd.randrange(28)),
                                               dt.time(rnd.randrange(24), rnd.randrange(60)), tzinfo=AMS)
                ack = received + dt.timedelta(minutes=rnd.randrange(1, 10))
                on_site = received + dt.timedelta(minutes=rnd.randrange(12, 45)) if rnd.random() < 0.33 else None
                alarms.append(Alarm(organization=org, client=c, team=c.primary_team, kind=Alarm.Kind.BUTTON,
                                    source=Alarm.Source.MANUAL, received_at=received,
                                    is_night=received.hour < 7 or received.hour >= 23,
                                    ack_due_at=received + dt.timedelta(minutes=5),
                                    onsite_due_at=received + dt.timedelta(minutes=30),
                                    acknowledged_at=ack, on_site_at=on_site,
                                    status=Alarm.Status.RESOLVED, resolved_at=(on_site or ack) + dt.timedelta(minutes=5),
                                    cause=Alarm.Cause.FALL if on_site else Alarm.Cause.NIGHT_UNREST,
                                    outcome=Alarm.Outcome.VISIT if on_site else Alarm.Outcome.PHONE))
                month_first = D(month_first.year + month_first.month // 12, month_first.month % 12 + 1, 1)
        WlzIndication.objects.bulk_create(indications, batch_size=2000)
        Arrangement.objects.bulk_create(arrangements, batch_size=2000)
        ArrangementLine.objects.bulk_create(
            (ArrangementLine(organization=org, arrangement=a, menu_item=item, quantity=quantity, delivered_by=who)
             for a, lines in line_specs for item, quantity, who in lines),
            batch_size=2000,
        )
        NetworkMember.objects.bulk_create(members, batch_size=2000)
        Absence.objects.bulk_create(absences, batch_size=2000)
        Visit.objects.bulk_create(visits, batch_size=5000)
        Alarm.objects.bulk_create(alarms, batch_size=5000)
    run = daily.run_days(org, D(YEAR, 1, 1), D(YEAR, 12, 31), kind=DailyRun.Kind.NIGHTLY)
    assert run.status == DailyRun.Status.DONE, run
    with tenant_scope(org):
        day_lines = DayLine.objects.count()
    return {"contract": contract, "clients": len(clients), "visits": len(visits), "alarms": len(alarms),
            "day_lines": day_lines}


def _compute(org: Organization, contract, quarter: int | None) -> tuple[dict, int, float]:  # noqa: ANN001
    with tenant_scope(org):
        compute(org, contract, YEAR, quarter, now=NOW)  # warm: the contract's zorgkantoor and region cached
        with CaptureQueriesContext(connection) as ctx:
            figures = compute(org, contract, YEAR, quarter, now=NOW)
        times = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            compute(org, contract, YEAR, quarter, now=NOW)
            times.append(time.perf_counter() - started)
    return figures, len(ctx.captured_queries), statistics.median(times)


def _pdf(org: Organization, contract, quarter: int | None, figures: dict) -> tuple[float, int]:  # noqa: ANN001
    report = ProviderReportFactory(organization=org, contract=contract, year=YEAR, quarter=quarter,
                                   kind=ProviderReport.Kind.QUARTER if quarter else ProviderReport.Kind.YEAR,
                                   status=ProviderReport.Status.SUBMITTED, draft_figures=figures)
    version = ReportVersionFactory(organization=org, report=report, number=1, figures=figures)
    times, size = [], 0
    with tenant_scope(org):
        report_pdf(report, version)  # warm: fonts, templates
        for _ in range(PDF_REPEAT):
            started = time.perf_counter()
            size = len(report_pdf(report, version))
            times.append(time.perf_counter() - started)
    return statistics.median(times), size


@pytest.mark.django_db(transaction=True)
def test_report_figures_scale():
    load_default_tariffs()
    zk = ZorgkantoorFactory(name="Zorgkantoor Benchmark")
    region = RegionFactory(zorgkantoor=zk, name="Benchmark")
    rows = []
    with translation.override("nl"):
        for size in SIZES:
            org = OrganizationFactory(name=f"Zorg Benchmark {size}", region=region)
            started = time.perf_counter()
            data = _build(org, zk, size)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(f"\n{size} clients: {data['day_lines']} day lines, {data['visits']} visits, {data['alarms']} alarms;"
                  f" built and daily run in {time.perf_counter() - started:.1f} s", flush=True)
            for label, quarter in PERIODS:
                figures, queries, compute_s = _compute(org, data["contract"], quarter)
                pdf_s, pdf_bytes = _pdf(org, data["contract"], quarter, figures)
                rows.append((size, label, queries, compute_s, pdf_s, pdf_bytes,
                             figures["clients"]["total"]["at_end"], figures["production"]["total"]["client_days"]))
    base = {label: (c, p) for size, label, _q, c, p, *_ in rows if size == SIZES[0]}
    print(f"\n{'clients':>7} {'report':<6} {'queries':>7} {'compute ms':>10} {'x 40':>6} {'PDF ms':>8} {'x 40':>6}"
          f" {'PDF kB':>7} {'at end':>6} {'client-days':>11}")
    for size, label, queries, compute_s, pdf_s, pdf_bytes, at_end, client_days in rows:
        c0, p0 = base[label]
        print(f"{size:>7} {label:<6} {queries:>7} {compute_s * 1000:>10.1f} {compute_s / c0:>6.2f}"
              f" {pdf_s * 1000:>8.1f} {pdf_s / p0:>6.2f} {pdf_bytes / 1024:>7.1f} {at_end:>6} {client_days:>11}")
    by_label: dict[str, set[int]] = {}
    for _size, label, queries, *_ in rows:
        by_label.setdefault(label, set()).add(queries)
    assert all(len(q) == 1 for q in by_label.values()), by_label
