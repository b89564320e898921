"""Capacity and realisation per team and week: `capacity_for` against hand-computed figures,
and the pages that show them (/capaciteit/ and /capaciteit/<team_id>/)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from arrangements.models import Arrangement, ArrangementLine, MenuItem
from clients.models import Client
from teams.selectors import capacity_for, capacity_trend, week_start
from teams.views.capacity import iso_week, parse_week
from tests.factories import (
    AbsenceFactory,
    ArrangementFactory,
    ArrangementLineFactory,
    ClientFactory,
    EmployeeFactory,
    MenuItemFactory,
    VisitFactory,
)
from vpt.audit.models import AccessLog
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

# The fixed week of the dataset: ISO week 10 of 2026, Monday 2 March to Sunday 8 March.
MONDAY = dt.date(2026, 3, 2)
WEEK = "2026-W10"
H = Decimal


@pytest.fixture(autouse=True)
def english_ui(settings):  # noqa: ANN001, ANN201
    settings.LANGUAGE_CODE = "en"


def day(n: int) -> dt.date:
    """The n-th day of the week of the dataset (0 = Monday)."""
    return MONDAY + dt.timedelta(days=n)


def _in_care(org, team, first, last, since=dt.date(2025, 1, 1)):  # noqa: ANN001, ANN202
    return ClientFactory(organization=org, primary_team=team, first_name=first, last_name=last,
                         status=Client.Status.IN_CARE, care_start=since)


def _visit(org, client, employee, when, minutes, status="delivered", start=dt.time(9, 0)):  # noqa: ANN001, ANN202
    delivered_at = timezone.now() if status == "delivered" else None
    return VisitFactory(organization=org, client=client, employee=employee, date=when, start=start,
                        duration_minutes=minutes, status=status, delivered_at=delivered_at)


@pytest.fixture
def dataset(org_a, team_north, team_south):  # noqa: ANN001, ANN201
    """Team North in week 2026-W10 (all figures in hours):

    Anna Aalders (in care since 2025): v1 ended on 28 Feb (20 h level 2: not in this week);
      v2 active from 1 Mar, the whole week: 10 h level 2, 3.5 h level 3, 2 h level 4 by the
      team, plus 5 h level 2 by a subcontractor, 4 h level 3 by mantelzorg and a monthly
      alarm (none of these three count); v3 is a draft from 4 Mar with 30 h (does not count).
    Bert Bakker: v1 ended on Thursday 5 Mar (14 h level 2 → Mon–Thu, 4 of 7 days),
      v2 active from Friday 6 Mar (7 h level 2, 3.5 h level 3 → Fri–Sun, 3 of 7 days).
    Eva Evers: in care, no arrangement; one delivered visit.
    Ida Intake: intake (not in care) with an active arrangement of 10 h: does not count.
    Zuid: a client of team South (10 h level 2): not in North's figures.
    """
    org = org_a
    care = MenuItemFactory(organization=org, code="pc", name="Persoonlijke verzorging", function_level=2)
    support = MenuItemFactory(organization=org, code="sup", name="Begeleiding", kind=MenuItem.Kind.SUPPORT,
                              function_level=3)
    nursing = MenuItemFactory(organization=org, code="vp", name="Verpleging", kind=MenuItem.Kind.NURSING,
                              function_level=4)
    alarm = MenuItemFactory(organization=org, code="alarm", name="Alarm", kind=MenuItem.Kind.PERSONAL_ALARM,
                            unit=MenuItem.Unit.PER_MONTH, function_level=None, is_fixed=True)

    def arrangement(client, version, status, valid_from, valid_to, *lines):  # noqa: ANN001, ANN002, ANN202
        a = ArrangementFactory(organization=org, client=client, version=version, status=status,
                               valid_from=valid_from, valid_to=valid_to)
        for item, quantity, by in lines:
            ArrangementLineFactory(organization=org, arrangement=a, menu_item=item, quantity=H(quantity),
                                   delivered_by=by)
        return a

    team, sub, mz = ArrangementLine.DeliveredBy.TEAM, ArrangementLine.DeliveredBy.SUBCONTRACTOR, \
        ArrangementLine.DeliveredBy.MANTELZORG
    active, ended, draft = Arrangement.Status.ACTIVE, Arrangement.Status.ENDED, Arrangement.Status.DRAFT

    anna = _in_care(org, team_north, "Anna", "Aalders")
    arrangement(anna, 1, ended, dt.date(2025, 1, 1), dt.date(2026, 2, 28), (care, "20", team))
    arrangement(anna, 2, active, dt.date(2026, 3, 1), None,
                (care, "10", team), (support, "3.5", team), (nursing, "2", team),
                (care, "5", sub), (support, "4", mz), (alarm, "1", team))
    arrangement(anna, 3, draft, day(2), None, (care, "30", team))

    bert = _in_care(org, team_north, "Bert", "Bakker")
    arrangement(bert, 1, ended, dt.date(2025, 6, 1), day(3), (care, "14", team))
    arrangement(bert, 2, active, day(4), None, (care, "7", team), (support, "3.5", team))

    eva = _in_care(org, team_north, "Eva", "Evers")

    ida = ClientFactory(organization=org, primary_team=team_north, first_name="Ida", last_name="Intake",
                        status=Client.Status.INTAKE)
    arrangement(ida, 1, active, dt.date(2026, 1, 1), None, (care, "10", team))

    zuid = _in_care(org, team_south, "Zeger", "Zuid")
    arrangement(zuid, 1, active, dt.date(2026, 1, 1), None, (care, "10", team))

    # Employees of North: contract hours 24 + 16 at level 2, 4 at level 3; the level-4
    # nurse is inactive (her 16 h do not count, her delivered visit does).
    e2a = EmployeeFactory(organization=org, team=team_north, function_level=2, contract_hours=H("24"))
    e2b = EmployeeFactory(organization=org, team=team_north, function_level=2, contract_hours=H("16"))
    e3 = EmployeeFactory(organization=org, team=team_north, function_level=3, contract_hours=H("4"),
                         role="client_coach")
    e4 = EmployeeFactory(organization=org, team=team_north, function_level=4, contract_hours=H("16"),
                         role="nurse", is_active=False)
    EmployeeFactory(organization=org, team=team_south, function_level=2, contract_hours=H("32"))

    _visit(org, anna, e2a, day(0), 120)  # delivered 2 h, level 2
    _visit(org, anna, e3, day(1), 90)  # delivered 1.5 h, level 3
    _visit(org, anna, e2b, day(5), 60, status="planned")  # still planned 1 h
    _visit(org, anna, e2a, day(2), 240, status="cancelled")  # cancelled: nothing
    _visit(org, anna, e2a, day(7), 180)  # next week's Monday: not this week
    _visit(org, anna, e2a, day(-1), 60)  # last week's Sunday: not this week
    _visit(org, bert, e2b, day(4), 45)  # delivered 0.75 h, level 2
    _visit(org, bert, e4, day(6), 30)  # delivered 0.5 h, level 4
    _visit(org, eva, e2a, day(2), 60, start=dt.time(14, 0))  # delivered 1 h, level 2, nothing agreed
    return {"anna": anna, "bert": bert, "eva": eva, "ida": ida, "zuid": zuid}


# --- capacity_for: hand-computed ------------------------------------------------------------


def test_capacity_for_matches_the_hand_computed_week(org_a, team_north, team_south, dataset):  # noqa: ANN001
    with tenant_scope(org_a):
        result = capacity_for([team_north, team_south], MONDAY)
    north = result[team_north.pk]
    levels = {lv.level: lv for lv in north.levels}

    # Demand per level (own team only, prorated over the days covered):
    # level 2: Anna 10 + Bert v1 14 × 4/7 = 8 + Bert v2 7 × 3/7 = 3          = 21
    # level 3: Anna 3.5 + Bert v2 3.5 × 3/7 = 1.5                             = 5
    # level 4: Anna 2                                                         = 2
    assert levels[2].demand_hours == H("21.00")
    assert levels[3].demand_hours == H("5.00")
    assert levels[4].demand_hours == H("2.00")
    assert north.demand_hours == H("28.00")

    # Contract hours of active employees: level 2: 24 + 16 = 40; level 3: 4; level 4: 0
    # (the only level-4 nurse is inactive).
    assert (levels[2].contract_hours, levels[3].contract_hours, levels[4].contract_hours) == (H(40), H(4), H(0))
    assert (levels[2].employees, levels[3].employees, levels[4].employees) == (2, 1, 0)
    # Balance = contract − demand: level 2 40 − 21 = +19 (surplus), level 3 4 − 5 = −1 and
    # level 4 0 − 2 = −2 (shortages).
    assert (levels[2].balance, levels[3].balance, levels[4].balance) == (H(19), H(-1), H(-2))

    # Delivered per level of the employee: level 2 Anna 2 + Bert 0.75 + Eva 1 = 3.75;
    # level 3 Anna 1.5; level 4 Bert 0.5 (by the inactive nurse).
    assert (levels[2].delivered_hours, levels[3].delivered_hours, levels[4].delivered_hours) == (
        H("3.75"), H("1.50"), H("0.50"))

    rows = {r.client.pk: r for r in north.clients}
    anna, bert, eva = rows[dataset["anna"].pk], rows[dataset["bert"].pk], rows[dataset["eva"].pk]
    # Anna: agreed 10 + 3.5 + 2 = 15.5; delivered 2 + 1.5 = 3.5; planned 1; shortfall 12;
    # realisation 3.5 / 15.5 = 22.6% → 23.
    assert (anna.agreed_hours, anna.delivered_hours, anna.open_planned_hours) == (H("15.5"), H("3.5"), H("1"))
    assert anna.shortfall == H("12.00") and anna.realisation_pct == 23
    # Bert: agreed 8 + 3 + 1.5 = 12.5; delivered 0.75 + 0.5 = 1.25; shortfall 11.25;
    # realisation 1.25 / 12.5 = 10%.
    assert (bert.agreed_hours, bert.delivered_hours, bert.open_planned_hours) == (H("12.5"), H("1.25"), H("0"))
    assert bert.shortfall == H("11.25") and bert.realisation_pct == 10
    # Eva: nothing agreed, 1 h delivered: shortfall −1, no realisation percentage.
    assert (eva.agreed_hours, eva.delivered_hours, eva.shortfall, eva.realisation_pct) == (
        H("0"), H("1"), H("-1"), None)
    # The intake client and South's client are not in North's table.
    assert dataset["ida"].pk not in rows and dataset["zuid"].pk not in rows
    # Largest shortfall first: Anna 12 > Bert 11.25 > Eva −1.
    assert [r.client.last_name for r in north.clients] == ["Aalders", "Bakker", "Evers"]

    # Team: agreed 15.5 + 12.5 = 28; delivered 3.5 + 1.25 + 1 = 5.75; 5.75 / 28 = 20.5% → 21.
    assert (north.agreed_hours, north.delivered_hours, north.realisation_pct) == (H(28), H("5.75"), 21)

    # South: 10 h level 2 against 32 contract hours; nothing delivered.
    south = result[team_south.pk]
    assert [(lv.demand_hours, lv.contract_hours) for lv in south.levels] == [(H(10), H(32)), (H(0), H(0)), (H(0), H(0))]
    assert [r.client.last_name for r in south.clients] == ["Zuid"]
    assert south.realisation_pct == 0


def test_capacity_for_uses_five_queries_for_any_number_of_teams(org_a, team_north, team_south, dataset,
                                                                 django_assert_num_queries):  # noqa: ANN001
    with tenant_scope(org_a), django_assert_num_queries(5):
        capacity_for([team_north, team_south], MONDAY)


def test_the_week_parameter():
    today = dt.date(2026, 11, 25)  # a Wednesday in week 48
    assert parse_week("2026-W47", today) == dt.date(2026, 11, 16)
    assert parse_week("2026-w03", today) == dt.date(2026, 1, 12)
    assert parse_week("2020-W53", today) == dt.date(2020, 12, 28)
    for invalid in ("", None, "2026-W54", "2026-W00", "week 47", "2026-W4x", "1850-W01", "2026-11-16"):
        assert parse_week(invalid, today) == dt.date(2026, 11, 23), invalid
    assert iso_week(dt.date(2026, 11, 16)) == "2026-W47"
    assert iso_week(dt.date(2026, 1, 5)) == "2026-W02"


# --- the pages ----------------------------------------------------------------------------


def test_overview_shows_the_visible_teams_figures(manager_north, team_north, team_south, dataset):  # noqa: ANN001
    response = manager_north.client.get(reverse("capacity:overview"), {"week": WEEK})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Team Noord" in body and "Team Zuid" not in body  # the manager sees their own team only
    assert "Week 10" in body and "?week=2026-W09" in body and "?week=2026-W11" in body
    # Level 2: asked 21 against 40 contract (19 h spare); level 3 1 h short; level 4 2 h short;
    # agreed 28 h, delivered 5.75 h, realisation 21%, Anna's 1 h still planned.
    for figure in ("21.00 h", "40.00 h", "19.00 h spare", "1.00 h short", "2.00 h short", "28.00 h", "5.75 h", "21%",
                   "Still planned</dt><dd>1.00 h"):
        assert figure in body, figure
    assert f'{reverse("capacity:team", args=[team_north.pk])}?week={WEEK}' in body
    assert "Aalders" not in body  # no client names on the overview


def test_admin_sees_every_team_and_the_default_week_is_the_current_one(admin_a, team_north, team_south):  # noqa: ANN001
    body = admin_a.client.get(reverse("capacity:overview"), {"week": "nonsense"}).content.decode()
    assert "Team Noord" in body and "Team Zuid" in body
    current = timezone.localdate().isocalendar()[1]
    assert f"Week {current}" in body


def test_team_page_shows_levels_trend_and_clients_by_shortfall(manager_north, team_north, dataset):  # noqa: ANN001
    url = reverse("capacity:team", args=[team_north.pk])
    response = manager_north.client.get(url, {"week": WEEK})
    assert response.status_code == 200
    body = response.content.decode()
    for figure in ("21.00 h", "40.00 h", "19.00 h spare", "1.00 h short", "2.00 h short", "3.75 h", "28.00 h"):
        assert figure in body, figure
    # The clients, largest shortfall first, linking to the client page.
    positions = [body.index(name) for name in ("Aalders, Anna", "Bakker, Bert", "Evers, Eva")]
    assert positions == sorted(positions)
    assert reverse("clients:detail", args=[dataset["anna"].pk]) in body
    assert "15.50 h" in body and "12.00 h" in body and "23%" in body and "11.25 h" in body
    assert "Intake" not in body and "Zuid, Zeger" not in body
    # Six weeks of trend: weeks 5 to 10.
    for number in range(5, 11):
        assert f"?week=2026-W{number:02d}" in body
    assert "?week=2026-W04" not in body
    # One VIEW entry in the access log: the page names clients.
    with tenant_scope(team_north.organization):
        entries = list(AccessLog.objects.filter(action=AccessLog.Action.VIEW, description__startswith="capacity of"))
    assert len(entries) == 1 and "2026-W10" in entries[0].description


def test_team_page_htmx_gets_the_client_table_only(manager_north, team_north, dataset):  # noqa: ANN001
    response = manager_north.client.get(reverse("capacity:team", args=[team_north.pk]), {"week": WEEK},
                                        headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Aalders, Anna" in body and "<html" not in body and "Function levels" not in body


def test_client_table_is_paginated_at_50(admin_a, org_a, team_north):  # noqa: ANN001
    care = MenuItemFactory(organization=org_a, code="pc", function_level=2)
    for i in range(51):
        client = _in_care(org_a, team_north, "Client", f"Nummer{i:02d}")
        a = ArrangementFactory(organization=org_a, client=client, status=Arrangement.Status.ACTIVE,
                               valid_from=dt.date(2026, 1, 1))
        # Larger quantity, larger shortfall: Nummer50 first.
        ArrangementLineFactory(organization=org_a, arrangement=a, menu_item=care, quantity=H(i + 1))
    url = reverse("capacity:team", args=[team_north.pk])
    first = admin_a.client.get(url, {"week": WEEK}).content.decode()
    assert "Nummer50" in first and "Nummer01" in first and "Nummer00" not in first
    assert "Page 1 of 2" in first
    second = admin_a.client.get(url, {"week": WEEK, "page": 2}).content.decode()
    assert "Nummer00" in second and "Nummer50" not in second


def _make_clients_with_visits(org, team, care, clients: int, visits_per_client: int) -> None:  # noqa: ANN001
    for i in range(clients):
        client = _in_care(org, team, "Client", f"Q{i:03d}")
        a = ArrangementFactory(organization=org, client=client, status=Arrangement.Status.ACTIVE,
                               valid_from=dt.date(2026, 1, 1))
        ArrangementLineFactory(organization=org, arrangement=a, menu_item=care, quantity=H("7"))
        employee = EmployeeFactory(organization=org, team=team, function_level=2 + i % 3)
        for n in range(visits_per_client):
            _visit(org, client, employee, day(n % 7), 30, start=dt.time(8 + n // 7, 0),
                   status="planned" if n % 4 == 3 else "delivered")


def _count_queries(persona, url: str) -> int:  # noqa: ANN001
    with CaptureQueriesContext(connection) as queries:
        response = persona.client.get(url, {"week": WEEK})
    assert response.status_code == 200
    return len(queries)


def test_team_page_query_count_does_not_grow(org_a, team_north, manager_north):  # noqa: ANN001
    care = MenuItemFactory(organization=org_a, code="pc", function_level=2)
    url = reverse("capacity:team", args=[team_north.pk])
    _make_clients_with_visits(org_a, team_north, care, clients=1, visits_per_client=2)
    small = _count_queries(manager_north, url)
    _make_clients_with_visits(org_a, team_north, care, clients=19, visits_per_client=5)
    with tenant_scope(org_a):
        assert Client.objects.filter(primary_team=team_north).count() == 20
    large = _count_queries(manager_north, url)
    # 24 on this setup: capacity_for's five queries, the trend's three, the team, the
    # access-log entry, the alarm outage banner, and the request's session, user, membership, tenant scope
    # (savepoints, set_config) and the layout's other memberships.
    assert small == large
    assert large <= 24, large


def test_trend_agrees_with_capacity_for_week_by_week(org_a, team_north, manager_north):  # noqa: ANN001
    care = MenuItemFactory(organization=org_a, code="pc", function_level=2)
    _make_clients_with_visits(org_a, team_north, care, clients=3, visits_per_client=4)
    monday = dt.datetime.strptime(WEEK + "-1", "%G-W%V-%u").date()
    mondays = [monday - dt.timedelta(days=7 * n) for n in range(5, -1, -1)]
    with tenant_scope(org_a):
        trend = capacity_trend(team_north, mondays)
        expected = [capacity_for([team_north], m)[team_north.pk] for m in mondays]
    assert [t.week_start for t in trend] == mondays
    assert [(t.agreed_hours, t.delivered_hours) for t in trend] == [(c.agreed_hours, c.delivered_hours) for c in expected]
    assert any(t.delivered_hours for t in trend) and any(t.agreed_hours for t in trend)


def test_overview_query_count_does_not_grow(org_a, team_north, manager_north):  # noqa: ANN001
    care = MenuItemFactory(organization=org_a, code="pc", function_level=2)
    url = reverse("capacity:overview")
    _make_clients_with_visits(org_a, team_north, care, clients=1, visits_per_client=2)
    small = _count_queries(manager_north, url)
    _make_clients_with_visits(org_a, team_north, care, clients=19, visits_per_client=5)
    assert _count_queries(manager_north, url) == small


def test_team_manager_of_north_gets_404_for_south(manager_north, team_south):  # noqa: ANN001
    url = reverse("capacity:team", args=[team_south.pk])
    assert manager_north.client.get(url).status_code == 404
    assert manager_north.client.get(url, {"format": "csv"}).status_code == 404


def test_field_staff_and_finance_get_403(coach_north, team_north, org_a, make_persona):  # noqa: ANN001
    finance = make_persona(org_a, Role.FINANCE)
    for persona in (coach_north, finance):
        assert persona.client.get(reverse("capacity:overview")).status_code == 403
        assert persona.client.get(reverse("capacity:team", args=[team_north.pk])).status_code == 403


def test_other_organisation_gets_404(admin_b, team_north):  # noqa: ANN001
    assert admin_b.client.get(reverse("capacity:team", args=[team_north.pk])).status_code == 404
    assert "Team Noord" not in admin_b.client.get(reverse("capacity:overview")).content.decode()


# --- CSV export -----------------------------------------------------------------------------


def test_csv_export_is_formula_safe_and_logged(admin_a, org_a, team_north, dataset):  # noqa: ANN001
    with tenant_scope(org_a):
        anna = dataset["anna"]
        anna.last_name = "=HYPERLINK(\"http://evil\")"
        anna.save(update_fields=["last_name"])
        bert = dataset["bert"]
        bert.last_name = "@SUM(A1)"
        bert.first_name = "+31"
        bert.save(update_fields=["last_name", "first_name"])
        eva = dataset["eva"]
        eva.last_name = "-2+3"
        eva.save(update_fields=["last_name"])
    response = admin_a.client.get(reverse("capacity:team", args=[team_north.pk]), {"week": WEEK, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="capaciteit-team-' in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][0] == "Client" and len(rows) == 4
    names = [r[0] for r in rows[1:]]
    assert names == ["'=HYPERLINK(\"http://evil\"), Anna", "'@SUM(A1), +31", "'-2+3, Eva"]
    # Figures with decimal commas: agreed, delivered, still planned, shortfall, realisation.
    assert rows[1][2:] == ["15,50", "3,50", "1,00", "12,00", "23"]
    assert rows[3][2:] == ["0,00", "1,00", "0,00", "-1,00", ""]
    with tenant_scope(org_a):
        exports = list(AccessLog.objects.filter(action=AccessLog.Action.EXPORT))
        views = AccessLog.objects.filter(action=AccessLog.Action.VIEW, description__startswith="capacity").count()
    assert len(exports) == 1 and "CSV" in exports[0].description and views == 0


def test_week_start_is_monday():
    assert week_start(dt.date(2026, 3, 8)) == MONDAY and week_start(MONDAY) == MONDAY


def test_days_away_ask_no_hours(org_a, team_north):  # noqa: ANN001
    """A client admitted to hospital asks no care at home: 7 h/week, away on Tuesday and
    Wednesday of the week (left on Monday, back on Thursday: the absence days are the days in
    between, NZa), and on Sunday (left on Saturday, not back yet) → 4 of 7 days at home →
    7 × 4/7 = 4 h agreed. The trend agrees."""
    care = MenuItemFactory(organization=org_a, code="pc-away", function_level=2)
    admitted = _in_care(org_a, team_north, "Opname", "Ziekenhuis")
    ArrangementLineFactory(organization=org_a, menu_item=care, quantity=H("7"), arrangement=ArrangementFactory(
        organization=org_a, client=admitted, status=Arrangement.Status.ACTIVE, valid_from=dt.date(2026, 1, 1)))
    AbsenceFactory(organization=org_a, client=admitted, kind="admission", left_on=day(0), returned_on=day(3))
    AbsenceFactory(organization=org_a, client=admitted, kind="holiday", left_on=day(5), returned_on=None)
    with tenant_scope(org_a):
        [row] = capacity_for([team_north], MONDAY)[team_north.pk].clients
        [week] = capacity_trend(team_north, [MONDAY])
    assert row.agreed_hours == H("4.00")  # 7 − 2 days (Tue, Wed) − 1 day (Sun) = 4 days
    assert week.agreed_hours == H("4.00")
