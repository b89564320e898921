"""Calendar months as date ranges and their names."""

from __future__ import annotations

import calendar
import datetime as dt

from django.utils.formats import date_format


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and the last day of a calendar month."""
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def is_whole_month(first: dt.date, last: dt.date) -> bool:
    """Whether [first, last] is exactly one calendar month."""
    return (first, last) == month_bounds(first.year, first.month)


def month_label(first: dt.date) -> str:
    """The month of `first` in the active language: "maart 2025", "March 2025"."""
    return date_format(first, "F Y")
