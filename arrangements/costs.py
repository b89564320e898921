"""What an arrangement costs per day, against the client's day tariff.

Per unit kind (quantity × cost price), converted to a cost per day:
- hours per week at a function level: quantity × hourly cost / 7
- per day: quantity × cost
- per week: quantity × cost / 7
- per month: quantity × cost × 12 / 365
- per occurrence: quantity = occurrences per month, so as per month.
Only lines delivered by the own team or a subcontractor bear on the VPT budget; mantelzorg
and private lines are part of the agreement at no cost to it. Amounts are kept exact
(Decimal) and rounded to cents only in the summary.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from arrangements.models import ArrangementLine, MenuItem

CENT = Decimal("0.01")
DAYS_PER_YEAR = Decimal(365)
MONTHS_PER_YEAR = Decimal(12)
WEEK = Decimal(7)


def line_cost_per_day(line: ArrangementLine) -> Decimal:
    """Exact cost per day of one line to the VPT budget (0 for mantelzorg and private)."""
    if not line.bears_budget:
        return Decimal(0)
    item: MenuItem = line.menu_item
    amount = Decimal(line.quantity) * item.cost_price
    if item.unit in (MenuItem.Unit.HOURS_PER_WEEK, MenuItem.Unit.PER_WEEK):
        return amount / WEEK
    if item.unit == MenuItem.Unit.PER_DAY:
        return amount
    if item.unit in (MenuItem.Unit.PER_MONTH, MenuItem.Unit.PER_OCCURRENCE):
        return amount * MONTHS_PER_YEAR / DAYS_PER_YEAR
    raise ValueError(f"unknown unit {item.unit!r}")


@dataclass
class CostSummary:
    cost_per_day: Decimal
    cost_per_week: Decimal
    tariff_per_day: Decimal | None
    margin_per_day: Decimal | None
    hours_per_week_by_level: dict[int, Decimal] = field(default_factory=dict)
    mantelzorg_hours_per_week: Decimal = Decimal(0)

    @property
    def over_budget(self) -> bool:
        return self.margin_per_day is not None and self.margin_per_day < 0

    @property
    def margin_percentage(self) -> Decimal | None:
        if not self.tariff_per_day:
            return None
        return (self.margin_per_day / self.tariff_per_day * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def summarise(lines: Iterable[ArrangementLine], tariff_per_day: Decimal | None) -> CostSummary:
    """Cost per day and week, margin against the tariff, and the hours per week per
    function level that the team (own staff) must deliver."""
    exact = Decimal(0)
    hours: dict[int, Decimal] = defaultdict(Decimal)
    mantelzorg_hours = Decimal(0)
    for line in lines:
        exact += line_cost_per_day(line)
        if line.menu_item.unit == MenuItem.Unit.HOURS_PER_WEEK:
            if line.delivered_by == ArrangementLine.DeliveredBy.TEAM:
                hours[line.menu_item.function_level] += Decimal(line.quantity)
            elif line.delivered_by == ArrangementLine.DeliveredBy.MANTELZORG:
                mantelzorg_hours += Decimal(line.quantity)
    per_day = exact.quantize(CENT, ROUND_HALF_UP)
    margin = None if tariff_per_day is None else (tariff_per_day - exact).quantize(CENT, ROUND_HALF_UP)
    return CostSummary(
        cost_per_day=per_day,
        cost_per_week=(exact * WEEK).quantize(CENT, ROUND_HALF_UP),
        tariff_per_day=tariff_per_day,
        margin_per_day=margin,
        hours_per_week_by_level=dict(sorted(hours.items())),
        mantelzorg_hours_per_week=mantelzorg_hours,
    )
