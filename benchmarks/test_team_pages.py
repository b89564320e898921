"""Benchmark: the coach's Today view and the team manager's capacity pages with the demo
data (size "normal") and with the first provider's data multiplied tenfold.

Not part of the default run (testpaths excludes benchmarks/). Run with:

    PYTEST_WORKERS=0 bin/test benchmarks/test_team_pages.py -s

"Tenfold" copies every client of Thuiszorg De Linde nine times with its indication,
arrangement (lines and task division), fixed faces and eight weeks of visits; the visits of
each copy go to a copy of the employee (so no employee is double-booked) and the copies
have no primary coach, so the demo coach's own day stays what it is while the tables she
reads from grow tenfold (as they would in a ten times larger organisation). The team
manager sees ten times the clients and visits.

Prints SQL queries per request and median/p95 server time (Django test client, in
process, PostgreSQL as the app role with RLS), with the ratio to 1× measured in the same
run.
"""

from __future__ import annotations

import statistics
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from arrangements.models import Arrangement, ArrangementLine, TaskAgreement
from clients.models import Client, NetworkMember, WlzIndication
from teams.models import Employee, FixedFace, Visit
from vpt.tenancy.models import Membership, Organization
from vpt.tenancy.scope import tenant_scope

REPEAT = 15
COPIES = 9  # 1 original + 9 copies = 10×


def _copy(model, rows, **changes):  # noqa: ANN001, ANN003, ANN202
    """Unsaved copies of `rows` with `changes` (values or callables of the original)."""
    copies = []
    for row in rows:
        clone = model(**{f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields if f.name != "id"})
        for name, value in changes.items():
            setattr(clone, name, value(row) if callable(value) else value)
        copies.append(clone)
    return copies


def _multiply(org: Organization) -> None:
    with tenant_scope(org):
        rows = {
            "clients": list(Client.objects.filter(organization=org)),
            "employees": list(Employee.objects.filter(organization=org)),
            "indications": list(WlzIndication.objects.filter(organization=org)),
            "members": list(NetworkMember.objects.filter(organization=org)),
            "arrangements": list(Arrangement.objects.filter(organization=org)),
            "lines": list(ArrangementLine.objects.filter(organization=org)),
            "tasks": list(TaskAgreement.objects.filter(organization=org)),
            "faces": list(FixedFace.objects.filter(organization=org)),
            "visits": list(Visit.objects.filter(organization=org)),
        }
        for k in range(1, COPIES + 1):
            _copy_once(rows, k)


def _ids(old: list, new: list) -> dict[int, int]:
    return {o.pk: n.pk for o, n in zip(old, new, strict=True)}


def _copy_once(rows: dict[str, list], k: int) -> None:
    e_map = _ids(rows["employees"], Employee.objects.bulk_create(_copy(Employee, rows["employees"], membership_id=None)))
    c_map = _ids(rows["clients"], Client.objects.bulk_create(_copy(
        Client, rows["clients"], client_coach_id=None, bsn_hash=lambda c: f"x{k}{c.bsn_hash}"[:64])))
    WlzIndication.objects.bulk_create(_copy(WlzIndication, rows["indications"], client_id=lambda r: c_map[r.client_id]))
    m_map = _ids(rows["members"], NetworkMember.objects.bulk_create(
        _copy(NetworkMember, rows["members"], client_id=lambda r: c_map[r.client_id])))
    a_map = _ids(rows["arrangements"], Arrangement.objects.bulk_create(
        _copy(Arrangement, rows["arrangements"], client_id=lambda r: c_map[r.client_id])))
    ArrangementLine.objects.bulk_create(
        _copy(ArrangementLine, rows["lines"], arrangement_id=lambda r: a_map[r.arrangement_id]))
    TaskAgreement.objects.bulk_create(_copy(
        TaskAgreement, rows["tasks"], arrangement_id=lambda r: a_map[r.arrangement_id],
        network_member_id=lambda r: m_map.get(r.network_member_id)))
    FixedFace.objects.bulk_create(_copy(
        FixedFace, rows["faces"], client_id=lambda r: c_map[r.client_id], employee_id=lambda r: e_map[r.employee_id]))
    Visit.objects.bulk_create(_copy(
        Visit, rows["visits"], client_id=lambda r: c_map[r.client_id], employee_id=lambda r: e_map[r.employee_id],
        external_id=""), batch_size=5000)


def _analyze() -> None:
    """Fresh planner statistics, as autovacuum would have them in production: right after
    a bulk load the tables look empty to the planner and it picks nested loops over them."""
    with connections["owner"].cursor() as cursor:  # only the tables' owner may analyze them
        cursor.execute("ANALYZE")


def _measure(http: HttpClient, url: str) -> tuple[int, float, float]:
    with CaptureQueriesContext(connection) as ctx:
        response = http.get(url)
        assert response.status_code == 200, url
    queries = len(ctx.captured_queries)
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        http.get(url)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return queries, statistics.median(times), times[int(len(times) * 0.95) - 1]


def _login(username: str) -> HttpClient:
    http = HttpClient()
    http.force_login(get_user_model().objects.filter(username=username).first())
    return http


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_team_pages_scale():
    started = time.perf_counter()
    call_command("demo_seed", size="normal", verbosity=0)
    seeded = time.perf_counter() - started
    _analyze()
    org = Organization.objects.filter(slug="linde").first()
    coach = _login("coach@linde.demo")
    manager = _login("teammanager@linde.demo")
    membership = Membership.objects.filter(user__username="teammanager@linde.demo", organization=org).first()
    with tenant_scope(org):
        team_id = membership.teams.order_by("pk").values_list("pk", flat=True).first()
    pages = [
        ("Today (coach)", coach, "/vandaag/"),
        ("Capacity overview", manager, "/capaciteit/"),
        ("Capacity of a team", manager, f"/capaciteit/{team_id}/"),
        ("Visits list (week)", manager, "/bezoeken/"),
        ("Team page", manager, f"/teams/{team_id}/"),
    ]
    results: dict[str, list] = {}
    with tenant_scope(org):
        counts = [(Client.objects.count(), Visit.objects.count())]
    for name, http, url in pages:
        results[name] = [_measure(http, url)]
    started = time.perf_counter()
    _multiply(org)
    grown = time.perf_counter() - started
    _analyze()
    with tenant_scope(org):
        counts.append((Client.objects.count(), Visit.objects.count()))
    for name, http, url in pages:
        results[name].append(_measure(http, url))

    print(f"\nDemo seed (normal) {seeded:.1f} s; tenfold copy {grown:.1f} s")
    print(f"Linde: {counts[0][0]} clients / {counts[0][1]} visits at 1×, {counts[1][0]} / {counts[1][1]} at 10×")
    print(f"{'page':<22} {'q 1×':>5} {'q 10×':>6} {'med 1×':>8} {'med 10×':>8} {'p95 10×':>8} {'ratio':>6}")
    for name, (one, ten) in results.items():
        print(f"{name:<22} {one[0]:>5} {ten[0]:>6} {one[1]:>7.1f}ms {ten[1]:>7.1f}ms {ten[2]:>7.1f}ms {ten[1] / one[1]:>5.2f}×")
    for name, (one, ten) in results.items():
        assert one[0] == ten[0], f"{name}: queries grew from {one[0]} to {ten[0]}"
