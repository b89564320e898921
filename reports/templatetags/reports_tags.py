from __future__ import annotations

import datetime as dt

from django import template

from reports.figures import outflow_rows as _outflow_rows

register = template.Library()


@register.simple_tag
def outflow_rows(flow: dict | None) -> list[dict]:
    """The outflow of a report's figures in a fixed order (see figures.outflow_rows)."""
    return _outflow_rows(flow)


@register.filter
def isodate(value: str | None) -> dt.date | None:
    """A date stored in the figures as an ISO string, as a date for the `date` filter."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
