"""The finance screens: the overview (/financien/: totals per zorgprofiel, margins per team
and client, the margin over time, the production agreement and its projection) and the
daily-run ledger (/financien/dagrun/: the runs, computed-through, re-running a period).

A small hand-made dataset of day lines and budget days (May 2025, a few April days and
one January day) with every figure worked out by hand below."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone, translation

from billing import selectors_finance as finance
from billing.forms_runs import RerunForm
from billing.models import BudgetDay, DailyRun, DayLine, Declaration
from billing.views.overview import margin_chart
from clients.models import Client
from tests.conftest import Persona
from tests.factories import ClientFactory, ContractFactory, TeamFactory, UserFactory
from vpt.audit.models import AccessLog
from vpt.tenancy.models import Organization
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = dt.date(2025, 6, 15)
MAY_FIRST, MAY_LAST = dt.date(2025, 5, 1), dt.date(2025, 5, 31)
D = Decimal
ZERO = D("0")


@pytest.fixture(autouse=True)
def english_and_frozen(settings):  # noqa: ANN001, ANN201
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"), time_machine.travel(dt.datetime(2025, 6, 15, 12, 0, tzinfo=AMS), tick=False):
        yield


def english_ui(persona: Persona) -> Persona:
    persona.client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return persona


@pytest.fixture
def finance_user(regional, make_persona) -> Persona:  # noqa: ANN001
    return english_ui(make_persona(regional, Role.FINANCE))


@pytest.fixture
def through(monkeypatch):  # noqa: ANN001, ANN201
    """Sets what billing.daily.computed_through answers (the engine's rule is tested there)."""
    state = {"day": dt.date(2025, 6, 14)}
    monkeypatch.setattr(finance, "computed_through", lambda organization: state["day"])
    return state


# --------------------------------------------------------------------------- the dataset


def day_range(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def add_days(org: Organization, client: Client, days: list[dt.date], *, profile: str = "754",
             amount: Decimal | None = None, billable: bool = True, reason: str = "", contract=None,  # noqa: ANN001
             planned: Decimal = ZERO, realised: Decimal = ZERO, team=None, superseded: bool = False,  # noqa: ANN001
             budget: bool = True) -> None:
    now = timezone.now()
    with tenant_scope(org):
        DayLine.objects.bulk_create([
            DayLine(organization=org, client=client, day=day, zorgprofiel=profile, prestatiecode=f"VPT-{profile}-ZD",
                    max_amount=D("215.00"), amount=amount, contract=contract if amount is not None else None,
                    billable=billable, reason=reason, computed_at=now,
                    superseded_at=now if superseded else None)
            for day in days
        ])
        if budget and not superseded:
            BudgetDay.objects.bulk_create([
                BudgetDay(organization=org, client=client, team=team or client.primary_team, day=day,
                          tariff=amount if billable else ZERO, planned_cost=planned, realised_cost=realised,
                          computed_at=now)
                for day in days
            ])


@pytest.fixture
def data(regional, zorgkantoor):  # noqa: ANN001, ANN201
    """May 2025:
    - Ann (Noord, 5VV): 1-10 billable at 200.00, 11-12 not (holiday limit); planned 150, realised 160 a day.
    - Bob (Noord, 5VV): 1-5 billable at 207.48, 6 not (admission limit); planned 180, realised 230.10.
    - Cor (Zuid, 6VV): 1-4 billable at 250.50, 5-6 not (no contract, no amount); planned 120, realised 100.25.
    Plus Ann 28-30 April billable at 200.00 (realised 100), a superseded line (not counted)."""
    org = regional
    contract = ContractFactory(organization=org, zorgkantoor=zorgkantoor, year=2025,
                               production_agreement=D("50000.00"))
    north = TeamFactory(organization=org, name="Team Noord")
    south = TeamFactory(organization=org, name="Team Zuid")
    ann = ClientFactory(organization=org, primary_team=north, first_name="Ann", last_name="Markerveld")
    bob = ClientFactory(organization=org, primary_team=north, first_name="Bob", last_name="Bakker")
    cor = ClientFactory(organization=org, primary_team=south, first_name="Cor", last_name="Claes")
    may = lambda a, b: day_range(dt.date(2025, 5, a), dt.date(2025, 5, b))  # noqa: E731
    add_days(org, ann, may(1, 10), amount=D("200.00"), contract=contract, planned=D("150"), realised=D("160"))
    add_days(org, ann, may(11, 12), amount=D("200.00"), billable=False, reason="holiday_year_limit",
             planned=D("150"), realised=D("160"))
    add_days(org, ann, may(1, 1), amount=D("999.00"), contract=contract, superseded=True)
    add_days(org, bob, may(1, 5), amount=D("207.48"), contract=contract, planned=D("180"), realised=D("230.10"))
    add_days(org, bob, may(6, 6), amount=D("207.48"), billable=False, reason="admission_limit",
             planned=D("180"), realised=D("230.10"))
    add_days(org, cor, may(1, 4), profile="755", amount=D("250.50"), contract=contract, planned=D("120"),
             realised=D("100.25"))
    add_days(org, cor, may(5, 6), profile="755", amount=None, billable=False, reason="no_contract",
             planned=D("120"), realised=D("100.25"))
    add_days(org, ann, day_range(dt.date(2025, 4, 28), dt.date(2025, 4, 30)), amount=D("200.00"),
             contract=contract, planned=D("150"), realised=D("100"))
    return {"org": org, "contract": contract, "north": north, "south": south, "ann": ann, "bob": bob, "cor": cor}


# --------------------------------------------------------------------------- selectors: exact figures


def test_totals_per_zorgprofiel(data):  # noqa: ANN001
    with tenant_scope(data["org"]):
        totals = finance.profile_totals(organization=data["org"], first=MAY_FIRST, last=MAY_LAST)
    by_code = {row.zorgprofiel: row for row in totals.rows}
    assert list(by_code) == ["754", "755"]
    vv5, vv6 = by_code["754"], by_code["755"]
    assert (vv5.label, vv5.client_days, vv5.billable_days, vv5.not_billable_days, vv5.amount) == (
        "5VV", 18, 15, 3, D("3037.40"))  # 10 × 200.00 + 5 × 207.48
    assert [(r.code, r.days) for r in vv5.reasons] == [("holiday_year_limit", 2), ("admission_limit", 1)]
    assert (vv6.label, vv6.client_days, vv6.billable_days, vv6.not_billable_days, vv6.amount) == (
        "6VV", 6, 4, 2, D("1002.00"))
    assert [(r.code, r.days) for r in vv6.reasons] == [("no_contract", 2)]
    total = totals.total
    assert (total.client_days, total.billable_days, total.not_billable_days, total.amount) == (24, 19, 5, D("4039.40"))
    assert {r.code: r.days for r in total.reasons} == {"holiday_year_limit": 2, "no_contract": 2, "admission_limit": 1}
    assert all(r.label for r in total.reasons)


def test_margins_per_team_and_organisation(data):  # noqa: ANN001
    with tenant_scope(data["org"]):
        teams = finance.team_margins(organization=data["org"], first=MAY_FIRST, last=MAY_LAST)
    north, south = teams
    assert (north.label, north.clients, north.client_days) == ("Team Noord", 2, 18)
    assert (north.tariff, north.planned_cost, north.realised_cost) == (D("3037.40"), D("2880.00"), D("3300.60"))
    assert (north.margin, north.planned_margin, north.margin_pct) == (D("-263.20"), D("157.40"), D("-8.7"))
    assert north.is_negative
    assert (south.label, south.clients, south.client_days) == ("Team Zuid", 1, 6)
    assert (south.tariff, south.planned_cost, south.realised_cost) == (D("1002.00"), D("720.00"), D("601.50"))
    assert (south.margin, south.margin_pct) == (D("400.50"), D("40.0"))
    org = finance.total_margin(teams)
    assert (org.client_days, org.tariff, org.planned_cost, org.realised_cost) == (
        24, D("4039.40"), D("3600.00"), D("3902.10"))
    assert (org.margin, org.margin_pct) == (D("137.30"), D("3.4"))


def test_margins_per_client_search_and_order(data):  # noqa: ANN001
    org = data["org"]
    with tenant_scope(org):
        rows = finance.client_margin_rows(list(finance.client_margins(organization=org, first=MAY_FIRST,
                                                                      last=MAY_LAST)))
        assert [r.label for r in rows] == ["Bakker, Bob", "Claes, Cor", "Markerveld, Ann"]
        bob, cor, ann = rows
        assert (ann.client_days, ann.tariff, ann.planned_cost, ann.realised_cost, ann.margin, ann.margin_pct) == (
            12, D("2000.00"), D("1800.00"), D("1920.00"), D("80.00"), D("4.0"))
        assert (bob.client_days, bob.tariff, bob.realised_cost, bob.margin, bob.margin_pct) == (
            6, D("1037.40"), D("1380.60"), D("-343.20"), D("-33.1"))
        assert (cor.team_name, cor.margin, cor.margin_pct) == ("Team Zuid", D("400.50"), D("40.0"))
        by_margin = finance.client_margins(organization=org, first=MAY_FIRST, last=MAY_LAST, order="margin")
        assert [v["client_id"] for v in by_margin] == [data["bob"].pk, data["ann"].pk, data["cor"].pk]
        found = finance.client_margins(organization=org, first=MAY_FIRST, last=MAY_LAST, search="markerv")
        assert [v["client_id"] for v in found] == [data["ann"].pk]
        april = finance.client_margin_rows(list(finance.client_margins(
            organization=org, first=dt.date(2025, 4, 1), last=dt.date(2025, 4, 30))))
        assert [(r.label, r.client_days, r.tariff, r.margin) for r in april] == [
            ("Markerveld, Ann", 3, D("600.00"), D("300.00"))]


def test_margin_over_time_weekly_with_short_history(data):  # noqa: ANN001
    with tenant_scope(data["org"]):
        series = finance.margin_series(organization=data["org"], last=MAY_LAST)
    assert series.granularity == "week"  # data since 28 April: less than three months
    assert len(series.points) == 12
    assert series.points[-1].start == dt.date(2025, 5, 26)  # the Monday of the week of 31 May
    weeks = {p.start: p for p in series.points}
    # Week of Monday 28 April: Ann 28-30 April (3 × 200 / 100) + 1-4 May of all three.
    first_week = weeks[dt.date(2025, 4, 28)]
    assert first_week.client_days == 3 + 4 * 3
    assert first_week.tariff == D("600.00") + 4 * (D("200.00") + D("207.48") + D("250.50"))
    assert first_week.realised_cost == D("300.00") + 4 * (D("160") + D("230.10") + D("100.25"))
    second = weeks[dt.date(2025, 5, 5)]  # 5-11 May: Ann 5-11, Bob 5-6, Cor 5-6
    assert second.client_days == 7 + 2 + 2
    assert second.tariff == 6 * D("200.00") + D("207.48")  # Ann 5-10 billable, 11 not; Bob 5; Cor none
    assert second.realised_cost == 7 * D("160") + 2 * D("230.10") + 2 * D("100.25")
    assert sum(p.client_days for p in series.points) == 27
    assert sum((p.margin for p in series.points), D("0")) == D("137.30") + D("300.00")


def test_margin_over_time_monthly_with_a_longer_history(data):  # noqa: ANN001
    add_days(data["org"], data["cor"], [dt.date(2025, 1, 15)], profile="755", amount=D("250.50"),
             contract=data["contract"], realised=D("50.50"))
    with tenant_scope(data["org"]):
        series = finance.margin_series(organization=data["org"], last=MAY_LAST)
    assert series.granularity == "month"
    assert [p.start for p in series.points][0] == dt.date(2024, 6, 1)
    assert [p.start for p in series.points][-1] == dt.date(2025, 5, 1)
    months = {p.start: p for p in series.points}
    assert (months[dt.date(2025, 1, 1)].tariff, months[dt.date(2025, 1, 1)].margin) == (D("250.50"), D("200.00"))
    assert (months[dt.date(2025, 4, 1)].tariff, months[dt.date(2025, 4, 1)].margin) == (D("600.00"), D("300.00"))
    may = months[dt.date(2025, 5, 1)]
    assert (may.client_days, may.tariff, may.realised_cost, may.margin, may.margin_pct) == (
        24, D("4039.40"), D("3902.10"), D("137.30"), D("3.4"))
    assert months[dt.date(2025, 2, 1)].client_days == 0
    chart = margin_chart(series)
    assert len(chart.bars) == 6 and len(chart.points) == 3  # two bars a month with data, and a margin point
    assert chart.bars[0].title == "January 2025 · Tariff earned: € 251"
    assert len(chart.ticks) >= 3 and chart.ticks[0].label.startswith("€ ")
    assert [label.text for label in chart.x_labels][:2] == ["Jun", "Jul"]
    assert any(v.text == "€ 137" for v in chart.values)


def test_production_agreement_and_projection(data):  # noqa: ANN001
    org, contract = data["org"], data["contract"]
    with tenant_scope(org):
        Declaration.objects.create(organization=org, zorgkantoor=contract.zorgkantoor, contract=contract, year=2025,
                                   month=4, reference="D2025-04", status=Declaration.Status.SUBMITTED,
                                   total_debit=D("650.00"), total_credit=D("50.00"))
        Declaration.objects.create(organization=org, zorgkantoor=contract.zorgkantoor, contract=contract, year=2025,
                                   month=5, reference="D2025-05", total_debit=D("9999.00"))  # a draft: not declared
        result = finance.production(organization=org, year=2025, through=dt.date(2025, 5, 4))
    assert (result.through, result.days_elapsed, result.days_in_year) == (dt.date(2025, 5, 4), 124, 365)
    (row,) = result.rows
    # Earned: Ann 28-30 April and 1-4 May at 200.00, Bob 1-4 May at 207.48, Cor 1-4 May at 250.50.
    assert row.earned == D("3231.92")
    assert (row.last_day_amount, row.last_day_clients, row.remaining_days) == (D("657.98"), 3, 241)
    assert row.projected == D("3231.92") + 241 * D("657.98") == D("161805.10")
    assert (row.agreement, row.declared, row.used_pct, row.projected_pct) == (
        D("50000.00"), D("600.00"), D("6.5"), D("323.6"))
    assert not row.is_over and row.projected_over
    assert result.earned_without_contract == D("0.00")


def test_production_caps_through_to_the_year_and_handles_no_run(data):  # noqa: ANN001
    with tenant_scope(data["org"]):
        none_yet = finance.production(organization=data["org"], year=2025, through=None)
        later_year = finance.production(organization=data["org"], year=2025, through=dt.date(2026, 2, 1))
        next_year = finance.production(organization=data["org"], year=2026, through=dt.date(2026, 2, 1))
    assert none_yet.through is None and none_yet.rows[0].earned == D("0.00") and none_yet.rows[0].remaining_days == 0
    assert later_year.through == dt.date(2025, 12, 31) and later_year.rows[0].remaining_days == 0
    assert later_year.rows[0].earned == later_year.rows[0].projected == D("600.00") + D("3037.40") + D("1002.00")
    assert next_year.rows == []


# --------------------------------------------------------------------------- the overview page


def test_overview_shows_the_default_month(finance_user, data, through):  # noqa: ANN001
    response = finance_user.client.get(reverse("billing:overview"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "May 2025" in body  # the last complete month
    assert 'data-kpi="client-days">24<' in body
    assert "€ 4,039.40" in body and "€ 3,037.40" in body and "€ 1,002.00" in body
    assert "5VV" in body and "6VV" in body
    assert "€ -263.20" in body and "-8.7 %" in body and "€ 400.50" in body and "40.0 %" in body
    assert "€ 137.30" in body and "3.4 %" in body
    assert "Markerveld, Ann" in body and "Bakker, Bob" in body
    assert 'data-testid="margin-svg"' in body and "<polyline" in body
    for svg in re.findall(r"<svg .*?</svg>", body, re.S):
        ElementTree.fromstring(svg)  # noqa: S314 (our own page) well-formed: the browser draws it
    assert "Production agreement 2025" in body and "€ 50,000.00" in body
    assert 'data-testid="usage-bar"' in body and 'data-testid="over-agreement"' not in body
    with tenant_scope(finance_user.organization):
        assert AccessLog.objects.filter(organization=finance_user.organization, action="view",
                                        object_type="billing.budgetday").exists()


def test_overview_other_periods(finance_user, data, through):  # noqa: ANN001
    body = finance_user.client.get(reverse("billing:overview"), {"period": "2025-04"}).content.decode()
    assert "April 2025" in body and 'data-kpi="client-days">3<' in body and "€ 600.00" in body
    body = finance_user.client.get(reverse("billing:overview"), {"period": "ytd"}).content.decode()
    assert "2025 up to and including 15-06-2025" in body and 'data-kpi="client-days">27<' in body
    body = finance_user.client.get(reverse("billing:overview"), {"period": "1999-01"}).content.decode()
    assert "May 2025" in body and 'data-kpi="client-days">24<' in body  # unknown: the default


def test_overview_warns_above_the_agreement(finance_user, data, through):  # noqa: ANN001
    with tenant_scope(data["org"]):
        data["contract"].production_agreement = D("3000.00")
        data["contract"].save(update_fields=["production_agreement"])
    through["day"] = dt.date(2025, 5, 4)
    body = finance_user.client.get(reverse("billing:overview")).content.decode()
    assert 'data-testid="over-agreement"' in body and "107.7 %" in body  # 3231.92 / 3000
    assert "The days are computed through 04-05-2025" in body


def test_overview_warns_when_the_projection_exceeds_the_agreement(finance_user, data, through):  # noqa: ANN001
    through["day"] = dt.date(2025, 5, 4)
    body = finance_user.client.get(reverse("billing:overview")).content.decode()
    assert 'data-testid="projected-over"' in body and "323.6 %" in body and "€ 161,805.10" in body
    assert 'data-figure="earned">€ 3,231.92' in body and "6.5 %" in body
    assert 'data-testid="over-agreement"' not in body


def test_overview_client_search_returns_the_table_fragment(finance_user, data, through):  # noqa: ANN001
    response = finance_user.client.get(reverse("billing:overview"), {"q": "bakk", "period": "2025-05"},
                                       headers={"HX-Request": "true", "HX-Target": "results"})
    body = response.content.decode()
    assert "<html" not in body and "Bakker, Bob" in body and "Markerveld" not in body
    assert "€ -343.20" in body and "-33.1 %" in body


def make_volume(org: Organization, contract, clients: int, days: int) -> None:  # noqa: ANN001
    teams = [TeamFactory(organization=org, name=f"Team {i}") for i in range(3)]
    first = dt.date(2025, 5, 1)
    for i in range(clients):
        client = ClientFactory(organization=org, primary_team=teams[i % 3])
        add_days(org, client, [first + dt.timedelta(days=d % 31) - dt.timedelta(days=31 * (d // 31))
                               for d in range(days)],
                 profile="754" if i % 2 else "755", amount=D("200.00"), contract=contract, realised=D("150"))


@pytest.mark.parametrize("scale", [1, 10])
def test_overview_query_count_does_not_grow(finance_user, regional, zorgkantoor, scale,  # noqa: ANN001
                                           django_assert_max_num_queries):
    contract = ContractFactory(organization=regional, zorgkantoor=zorgkantoor, year=2025)
    make_run(regional, last_day=dt.date(2025, 6, 14))  # the real computed_through, not the stub
    make_volume(regional, contract, clients=3 * scale, days=5 * scale)
    # 9 for the page (profiles, teams, client count and page, chart, contracts, earned, declared,
    # the access log entry) and 5 for computed_through (its own tenant scope); the rest is
    # session, membership, tenant scope and the layout, the same on every page.
    with django_assert_max_num_queries(23):
        response = finance_user.client.get(reverse("billing:overview"))
    assert response.status_code == 200
    with django_assert_max_num_queries(23):
        assert finance_user.client.get(reverse("billing:overview"), {"period": "ytd"}).status_code == 200


# --------------------------------------------------------------------------- the runs page


def make_run(org: Organization, **kwargs) -> DailyRun:  # noqa: ANN003
    kwargs.setdefault("kind", DailyRun.Kind.NIGHTLY)
    kwargs.setdefault("status", DailyRun.Status.DONE)
    kwargs.setdefault("first_day", dt.date(2025, 6, 14))
    kwargs.setdefault("last_day", kwargs["first_day"])
    with tenant_scope(org):
        return DailyRun.objects.create(organization=org, **kwargs)


def test_runs_page_lists_the_runs(finance_user, through):  # noqa: ANN001
    org = finance_user.organization
    make_run(org, clients=120, client_days=120, lines_written=120, budget_days_written=120, duration_ms=2345,
             engine="sql")
    user = UserFactory(first_name="Fenna", last_name="Financiën")
    make_run(org, kind=DailyRun.Kind.RERUN, status=DailyRun.Status.FAILED, first_day=dt.date(2025, 3, 1),
             last_day=dt.date(2025, 3, 31), error="Traceback: QQERRORQQ", requested_by=user, corrections=7)
    body = finance_user.client.get(reverse("billing:runs")).content.decode()
    assert 'data-testid="computed-through">14-06-2025<' in body
    assert 'data-testid="behind-warning"' not in body and "Up to date" in body
    assert "Nightly run" in body and "Re-run requested" in body
    assert 'data-status="done"' in body and 'class="badge badge-ok"' in body
    assert 'data-status="failed"' in body and "QQERRORQQ" in body and "<details" in body
    assert "01-03-2025 – 31-03-2025" in body and "31 days" in body
    assert "2.3 s" in body and "Fenna Financiën" in body and "automatic" in body
    assert '<span class="badge badge-warn">7</span>' in body
    assert 'hx-trigger="every 5s"' not in body  # nothing queued or running: no polling


def test_runs_page_polls_while_a_run_is_active(finance_user, through):  # noqa: ANN001
    make_run(finance_user.organization, kind=DailyRun.Kind.RERUN, status=DailyRun.Status.QUEUED)
    body = finance_user.client.get(reverse("billing:runs")).content.decode()
    assert 'hx-trigger="every 5s"' in body and "refreshes itself every 5 seconds" in body
    fragment = finance_user.client.get(reverse("billing:runs"), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and 'hx-trigger="every 5s"' in fragment and 'data-status="queued"' in fragment


def test_runs_page_warns_when_the_nightly_run_missed_a_night(finance_user, through):  # noqa: ANN001
    through["day"] = dt.date(2025, 6, 11)
    body = finance_user.client.get(reverse("billing:runs")).content.decode()
    assert 'data-testid="behind-warning"' in body and "computed through 11-06-2025, 3 days before yesterday" in body
    through["day"] = None
    body = finance_user.client.get(reverse("billing:runs")).content.decode()
    assert "No nightly run has completed yet" in body


def test_runs_page_paginates(finance_user, through):  # noqa: ANN001
    org = finance_user.organization
    with tenant_scope(org):
        DailyRun.objects.bulk_create([
            DailyRun(organization=org, kind=DailyRun.Kind.NIGHTLY, status=DailyRun.Status.DONE,
                     first_day=dt.date(2025, 6, 1), last_day=dt.date(2025, 6, 1)) for _ in range(55)])
    body = finance_user.client.get(reverse("billing:runs")).content.decode()
    assert body.count('data-testid="run-') == 50 and "Page 1 of 2" in body
    body = finance_user.client.get(reverse("billing:runs"), {"page": 2}).content.decode()
    assert body.count('data-testid="run-') == 5


@pytest.mark.parametrize("scale", [1, 10])
def test_runs_page_query_count_does_not_grow(finance_user, scale, django_assert_max_num_queries):  # noqa: ANN001
    org = finance_user.organization
    make_run(org, last_day=dt.date(2025, 6, 14))
    users = [UserFactory() for _ in range(scale)]
    with tenant_scope(org):
        DailyRun.objects.bulk_create([
            DailyRun(organization=org, kind=DailyRun.Kind.RERUN, status=DailyRun.Status.DONE, requested_by=users[i % scale],
                     first_day=dt.date(2025, 6, 1), last_day=dt.date(2025, 6, 1), client_days=100 * scale)
            for i in range(5 * scale)])
    # 3 for the page (active runs, count, the page with its requesters) and 5 for
    # computed_through (its own tenant scope); the rest is the same on every page.
    with django_assert_max_num_queries(21):
        assert finance_user.client.get(reverse("billing:runs")).status_code == 200


@pytest.mark.parametrize("first,last,error", [
    ("2025-06-10", "2025-06-01", "The last day lies before the first day."),
    ("2025-06-10", "2025-06-16", "The run computes days up to yesterday; choose 14-06-2025 or earlier."),
    ("2025-06-10", "2025-06-15", "The run computes days up to yesterday; choose 14-06-2025 or earlier."),
    ("2024-06-13", "2025-06-14", "Re-run at most 366 days at a time."),  # 367 days
    ("", "2025-06-01", "This field is required."),
])
def test_rerun_form_validates(finance_user, through, first, last, error):  # noqa: ANN001
    response = finance_user.client.post(reverse("billing:runs"), {"first": first, "last": last})
    assert response.status_code == 200
    assert error in response.content.decode()
    with tenant_scope(finance_user.organization):
        assert not DailyRun.objects.filter(organization=finance_user.organization).exists()


def test_rerun_accepts_366_days_up_to_yesterday(finance_user, through):  # noqa: ANN001
    form = RerunForm({"first": "2024-06-14", "last": "2025-06-14"}, today=TODAY)  # 366 days
    assert form.is_valid(), form.errors
    response = finance_user.client.post(reverse("billing:runs"), {"first": "2024-06-14", "last": "2025-06-14"})
    assert response.status_code == 302
    with tenant_scope(finance_user.organization):
        run = DailyRun.objects.filter(organization=finance_user.organization).get()
    assert (run.first_day, run.last_day) == (dt.date(2024, 6, 14), dt.date(2025, 6, 14))


def test_rerun_queues_a_run(finance_user, through):  # noqa: ANN001
    response = finance_user.client.post(reverse("billing:runs"), {"first": "2025-05-01", "last": "2025-05-31"})
    assert response.status_code == 302 and response.url == reverse("billing:runs")
    with tenant_scope(finance_user.organization):
        run = DailyRun.objects.filter(organization=finance_user.organization).get()
    assert (run.kind, run.first_day, run.last_day, run.requested_by_id) == (
        DailyRun.Kind.RERUN, dt.date(2025, 5, 1), dt.date(2025, 5, 31), finance_user.user.pk)
    assert run.status in (DailyRun.Status.QUEUED, DailyRun.Status.RUNNING, DailyRun.Status.DONE)
    body = finance_user.client.get(reverse("billing:runs")).content.decode()
    assert "A re-run of 01-05-2025 up to and including 31-05-2025 has been queued." in body


# --------------------------------------------------------------------------- who may see it


@pytest.mark.parametrize("name", ["billing:overview", "billing:runs"])
def test_coach_and_team_manager_get_403(regional, make_persona, name):  # noqa: ANN001
    for role in (Role.CLIENT_COACH, Role.TEAM_MANAGER):
        assert make_persona(regional, role).client.get(reverse(name)).status_code == 403
    assert make_persona(regional, Role.CLIENT_COACH).client.post(
        reverse("billing:runs"), {"first": "2025-05-01", "last": "2025-05-02"}).status_code == 403


@pytest.mark.parametrize("name", ["billing:overview", "billing:runs"])
def test_zorgkantoor_admin_gets_403(zorgkantoor, make_persona, name):  # noqa: ANN001
    assert make_persona(zorgkantoor, Role.ADMIN).client.get(reverse(name)).status_code == 403


def test_another_tenant_sees_none_of_the_numbers(data, admin_b, through):  # noqa: ANN001
    make_run(data["org"], error="QQERRORQQ", status=DailyRun.Status.FAILED, client_days=98765)
    english_ui(admin_b)
    body = admin_b.client.get(reverse("billing:overview"), {"period": "2025-05"}).content.decode()
    for marker in ("Markerveld", "Team Noord", "4,039.40", "3,037.40", "137.30", "50,000.00", "5VV"):
        assert marker not in body, marker
    assert 'data-kpi="client-days">0<' in body
    body = admin_b.client.get(reverse("billing:runs")).content.decode()
    assert "QQERRORQQ" not in body and "98765" not in body and "No runs yet" in body
