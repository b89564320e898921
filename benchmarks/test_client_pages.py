"""Benchmark: client list and client page at 300, 3,000 and 30,000 clients.

Not part of the default run (testpaths excludes benchmarks/). Run with:

    bin/test benchmarks -s -p no:xdist        # or PYTEST_WORKERS=0 bin/test benchmarks -s

Prints SQL queries per request and the median/p95 server time (Django test client,
in-process, PostgreSQL as the app role with RLS). Ratios are against the 300-client
baseline measured in the same run.
"""

from __future__ import annotations

import datetime
import statistics
import time

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client, NetworkMember, WlzIndication
from tests.factories import MembershipFactory, OrganizationFactory, TeamFactory
from vpt.core import crypto
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

SIZES = (300, 3_000, 30_000)

REPEAT = 15


def _grow(org, team, total: int) -> None:  # noqa: ANN001
    with tenant_scope(org):
        have = Client.objects.count()
        token = crypto.encrypt("123456782")
        clients = Client.objects.bulk_create(
            (
                Client(organization=org, first_name="Bench", last_name=f"Client{i:06d}", date_of_birth=datetime.date(1940, 1, 1),
                       bsn_encrypted=token, bsn_hash=f"{i:064d}", bsn_last4=f"{i % 10000:04d}", street="Straat",
                       house_number=1, postcode="2511 AB", city="Den Haag", primary_team=team)
                for i in range(have, total)
            ),
            batch_size=2000,
        )
        WlzIndication.objects.bulk_create(
            (WlzIndication(organization=org, client=c, zorgprofiel="754", leveringsvorm="5",
                           valid_from=datetime.date(2025, 1, 1)) for c in clients),
            batch_size=2000,
        )
        NetworkMember.objects.bulk_create(
            (NetworkMember(organization=org, client=c, name="Mantelzorger", relation="child") for c in clients),
            batch_size=2000,
        )


def _measure(http: HttpClient, url: str, params: dict | None = None) -> tuple[int, float, float]:
    with CaptureQueriesContext(connection) as ctx:
        assert http.get(url, params or {}).status_code == 200
    queries = len(ctx.captured_queries)  # read now: the next request resets the log
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        http.get(url, params or {})
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return queries, statistics.median(times), times[int(len(times) * 0.95) - 1]


@pytest.mark.django_db(transaction=True)
def test_client_pages_scale():
    org = OrganizationFactory(name="Benchmark Zorg")
    manager = MembershipFactory(organization=org, role=Role.TEAM_MANAGER)
    team = TeamFactory(organization=org, name="Team Bench", members=[manager])
    http = HttpClient()
    http.force_login(manager.user)
    rows = []
    for size in SIZES:
        _grow(org, team, size)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        with tenant_scope(org):
            some = Client.objects.order_by("pk")[size // 2]
        for label, url, params in (
            ("list", reverse("clients:list"), None),
            ("list ?q=client0001", reverse("clients:list"), {"q": "client0001"}),
            ("list ?zorgprofiel=754", reverse("clients:list"), {"zorgprofiel": "754"}),
            ("client page", reverse("clients:detail", args=[some.pk]), None),
        ):
            queries, median, p95 = _measure(http, url, params)
            rows.append((size, label, queries, median, p95))
    base = {label: median for size, label, _q, median, _p in rows if size == SIZES[0]}
    print(f"\n{'clients':>8} {'page':<24} {'queries':>7} {'median ms':>10} {'p95 ms':>8} {'x 300':>6}")
    for size, label, queries, median, p95 in rows:
        print(f"{size:>8} {label:<24} {queries:>7} {median:>10.1f} {p95:>8.1f} {median / base[label]:>6.2f}")
    by_label = {}
    for _size, label, queries, *_ in rows:
        by_label.setdefault(label, set()).add(queries)
    assert all(len(q) == 1 for q in by_label.values()), by_label
