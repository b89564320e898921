"""The two engines of the daily run write the same rows, and both equal the one place that
says what a day is worth (clients.tariffs.day_tariff), for every client-day of a scenario
that covers every rule: indication change, arrangement change, admissions with and without
extension, holidays (consent, year limit), respite, absence in the first 14 days, start and
end of care, lapsed indication, agreed amounts, two contract years, visits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from arrangements.models import Arrangement
from billing import daily
from billing.models import BudgetDay, DailyRun, DayLine
from clients.models import Client
from clients.tariffs import day_tariff
from tests.billing.daily_data import FIRST, LAST, build_scenarios
from vpt.tenancy.scope import tenant_scope

pytestmark = pytest.mark.django_db


def snapshot(org) -> tuple[dict, dict]:  # noqa: ANN001
    with tenant_scope(org):
        lines = {(r.client_id, r.day): tuple(getattr(r, f) for f in daily.LINE_FIELDS)
                 for r in DayLine.objects.filter(superseded_at__isnull=True)}
        budget = {(r.client_id, r.day): tuple(getattr(r, f) for f in daily.BUDGET_FIELDS)
                  for r in BudgetDay.objects.all()}
    return lines, budget


def wipe(org) -> None:  # noqa: ANN001
    with tenant_scope(org):
        DayLine.objects.all().delete()
        BudgetDay.objects.all().delete()


@pytest.fixture
def scenarios(regional, zorgkantoor, tariffs):  # noqa: ANN001, ANN201
    return build_scenarios(regional, zorgkantoor)


def test_sql_and_python_engines_write_identical_rows(regional, scenarios):  # noqa: ANN001
    daily.run_days(regional, FIRST, LAST, kind=DailyRun.Kind.RERUN, engine="sql")
    sql_lines, sql_budget = snapshot(regional)
    wipe(regional)
    daily.run_days(regional, FIRST, LAST, kind=DailyRun.Kind.RERUN, engine="python")
    py_lines, py_budget = snapshot(regional)

    assert len(sql_lines) > 1000 and len(sql_budget) > len(sql_lines)
    assert set(sql_lines) == set(py_lines)
    assert {k: v for k, v in sql_lines.items() if py_lines[k] != v} == {}
    assert {k: v for k, v in sql_budget.items() if py_budget.get(k) != v} == {}
    assert set(sql_budget) == set(py_budget)
    # Every rule occurs in the scenario, so the comparison above covers it.
    reasons = {v[daily.LINE_FIELDS.index("reason")] for v in sql_lines.values()}
    assert reasons == {"", "no_contract", "absence_first_days", "holiday_no_consent", "holiday_year_limit",
                       "admission_limit"} - {"no_contract"}


def test_day_lines_equal_day_tariff_for_every_client_day(regional, scenarios):  # noqa: ANN001
    daily.run_days(regional, FIRST, LAST, kind=DailyRun.Kind.RERUN, engine="sql")
    lines, _budget = snapshot(regional)
    checked = 0
    with tenant_scope(regional):
        clients = list(Client.objects.filter(care_start__isnull=False))
        arrangements = list(Arrangement.objects.exclude(status=Arrangement.Status.DRAFT))
        for client in clients:
            day = FIRST
            while day <= LAST:
                in_care = client.care_start <= day and (client.care_end is None or day <= client.care_end)
                arrangement = next((a for a in arrangements if a.client_id == client.pk and a.covers(day)), None)
                expected = day_tariff(client, day, includes_dagbesteding=arrangement.includes_dagbesteding
                                      if arrangement else True) if in_care else None
                line = lines.get((client.pk, day))
                if expected is None:
                    assert line is None, (client.last_name, day)
                else:
                    values = dict(zip(daily.LINE_FIELDS, line, strict=True))
                    assert (values["zorgprofiel"], values["prestatiecode"], values["amount"], values["billable"],
                            values["reason"], values["max_amount"]) == (
                        expected.zorgprofiel, expected.prestatiecode, expected.amount, expected.billable,
                        expected.reason_code, expected.max_amount), (client.last_name, day)
                    checked += 1
                day = day.fromordinal(day.toordinal() + 1)
    assert checked == len(lines)


def test_budget_day_costs(regional, scenarios):  # noqa: ANN001
    """Planned: 10 h × 48 / 7 + 1 × 9.50 (subcontracted meals) + 30 × 12 / 365 (alarm); the
    mantelzorg hours cost nothing. Realised: visits at the employee's rate plus the lines
    that are not own-team hours."""
    daily.run_days(regional, FIRST, LAST, kind=DailyRun.Kind.RERUN)
    plain = scenarios["plain"]
    with tenant_scope(regional):
        days = {b.day: b for b in BudgetDay.objects.filter(client=plain)}
    planned = Decimal(10) * 48 / 7 + Decimal("9.50") + Decimal(30) * 12 / 365  # 68.571… + 9.50 + 0.986…
    fixed = Decimal("9.50") + Decimal(30) * 12 / 365
    assert days[FIRST.replace(year=2026, month=3, day=2)].planned_cost == Decimal("79.06")
    assert planned.quantize(Decimal("0.01")) == Decimal("79.06")
    # 02-03-2026: 45 min at level 3 (55.00) + 30 min at the helper's own 50.50 = 41.25 + 25.25.
    assert days[FIRST.replace(year=2026, month=3, day=2)].realised_cost == (fixed + Decimal("66.50")).quantize(Decimal("0.01"))
    # 04-03-2026: the only visit was cancelled.
    assert days[FIRST.replace(year=2026, month=3, day=4)].realised_cost == fixed.quantize(Decimal("0.01"))
    # The 2026 contract: 96.5 % of V754B 2026.
    assert days[FIRST.replace(year=2026, month=3, day=4)].tariff > 0
