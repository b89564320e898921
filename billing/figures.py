"""Money of budget days: the tariff earned against the planned and the realised cost, and
the margins between them. One definition for the finance screens (billing.selectors_finance)
and the documents (billing.exports)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
TENTH = Decimal("0.1")


def pct(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole × 100 with one decimal (half up); None when `whole` is zero."""
    if not whole:
        return None
    return (part * 100 / whole).quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass
class BudgetFigures:
    """Sums of budget days: what the days earned (the tariff) against what they cost.
    Margin = tariff − realised cost; planned margin = tariff − planned cost."""

    client_days: int = 0
    tariff: Decimal = ZERO
    planned_cost: Decimal = ZERO
    realised_cost: Decimal = ZERO

    def add(self, other: BudgetFigures) -> None:
        self.client_days += other.client_days
        self.tariff += other.tariff
        self.planned_cost += other.planned_cost
        self.realised_cost += other.realised_cost

    @property
    def margin(self) -> Decimal:
        return self.tariff - self.realised_cost

    @property
    def planned_margin(self) -> Decimal:
        return self.tariff - self.planned_cost

    @property
    def margin_pct(self) -> Decimal | None:
        """The margin as a percentage of the tariff earned."""
        return pct(self.margin, self.tariff)

    @property
    def planned_margin_pct(self) -> Decimal | None:
        return pct(self.planned_margin, self.tariff)

    @property
    def is_negative(self) -> bool:
        return self.margin < 0

    def per_day(self, value: Decimal) -> Decimal | None:
        """`value` per client-day, in cents (half up); None without days."""
        return (value / self.client_days).quantize(CENT, ROUND_HALF_UP) if self.client_days else None
