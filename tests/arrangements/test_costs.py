"""Arrangement cost per unit kind, with numbers worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from arrangements.costs import line_cost_per_day, summarise
from arrangements.models import ArrangementLine, MenuItem


def line(unit: str, quantity: str, price: str, by: str = "team", level: int | None = 2) -> ArrangementLine:
    item = MenuItem(unit=unit, cost_price=Decimal(price), function_level=level if unit == "hours_week" else None)
    return ArrangementLine(menu_item=item, quantity=Decimal(quantity), delivered_by=by)


@pytest.mark.parametrize(
    "unit,quantity,price,per_day",
    [
        ("hours_week", "14", "50.00", "100.00"),  # 14 h × €50 / 7 days
        ("day", "2", "11.50", "23.00"),  # two meals a day
        ("week", "1", "70.00", "10.00"),  # weekly cleaning
        ("month", "1", "36.50", "1.20"),  # €36.50 × 12 / 365
        ("occurrence", "4", "25.00", "3.29"),  # 4 times a month × €25 × 12 / 365 = 3.2877
    ],
)
def test_cost_per_day_per_unit_kind(unit, quantity, price, per_day):  # noqa: ANN001
    assert line_cost_per_day(line(unit, quantity, price)).quantize(Decimal("0.01")) == Decimal(per_day)


def test_mantelzorg_and_private_lines_cost_the_budget_nothing():
    assert line_cost_per_day(line("hours_week", "10", "50", by="mantelzorg")) == 0
    assert line_cost_per_day(line("day", "1", "20", by="private")) == 0
    assert line_cost_per_day(line("day", "1", "20", by="subcontractor")) == Decimal("20")


def test_summary_margin_hours_and_over_budget():
    lines = [
        line("hours_week", "14", "50.00", level=2),  # 100.00 / day
        line("hours_week", "3.5", "60.00", level=3),  # 30.00 / day
        line("day", "1", "11.50"),  # 11.50 / day
        line("hours_week", "6", "50.00", by="mantelzorg"),  # no cost, 6 h mantelzorg
    ]
    summary = summarise(lines, tariff_per_day=Decimal("150.00"))
    assert summary.cost_per_day == Decimal("141.50")
    assert summary.cost_per_week == Decimal("990.50")
    assert summary.margin_per_day == Decimal("8.50")
    assert summary.hours_per_week_by_level == {2: Decimal("14"), 3: Decimal("3.5")}
    assert summary.mantelzorg_hours_per_week == Decimal("6")
    assert not summary.over_budget
    assert summarise(lines, tariff_per_day=Decimal("140.00")).over_budget
    assert summarise(lines, tariff_per_day=None).margin_per_day is None
