"""Rules kept as data (vpt/wlz/data/*.toml), looked up by the day they apply to."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class AbsenceRules:
    valid_from: date
    source: str
    holiday_max_days_per_year: int
    holiday_max_consecutive_days_without_consent: int
    admission_max_consecutive_days: int
    respite_max_nights_per_year: int
    respite_average_nights_per_week: int
    min_vpt_days_before_absence: int


@cache
def _absence_rule_sets() -> tuple[AbsenceRules, ...]:
    with open(DATA_DIR / "absence_rules.toml", "rb") as fh:
        data = tomllib.load(fh)
    rule_sets = tuple(sorted((AbsenceRules(**r) for r in data["rules"]), key=lambda r: r.valid_from))
    if not rule_sets:
        raise ValueError("absence_rules.toml holds no rules")
    return rule_sets


def absence_rules(on: date) -> AbsenceRules:
    """The absence rules in force on `on` (the newest set that started on or before it)."""
    applicable = [r for r in _absence_rule_sets() if r.valid_from <= on]
    return applicable[-1] if applicable else _absence_rule_sets()[0]


def absence_rule_sets() -> tuple[AbsenceRules, ...]:
    """Every rule set, oldest first (the daily run's SQL takes them as one table)."""
    return _absence_rule_sets()

