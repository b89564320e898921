"""Capacity and realisation per team and ISO week: the overview of all visible teams, and
one team's week in detail (function levels, a six-week trend, the clients by shortfall)
with a CSV export of the client table.

The figures come from `teams.selectors.capacity_for` (a fixed number of queries for any
number of teams, clients and visits); this module only picks the week and lays them out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.selectors import visible_teams
from teams.selectors import (
    Capacity,
    LevelCapacity,
    WeekTotals,
    access_team_by_id,
    capacity_for,
    capacity_trend,
    week_start,
)
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.core.csv_export import safe_cell
from vpt.tenancy.decorators import requires
from vpt.tenancy.models import Team
from vpt.tenancy.roles import Perm

PAGE_SIZE = 50
TREND_WEEKS = 6
_ISO_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)
# Excel and LibreOffice run a cell starting with one of these as a formula.


# --- the week ------------------------------------------------------------------------------


def parse_week(value: str | None, today: dt.date) -> dt.date:
    """The Monday of an ISO week written as 2026-W47; anything else is the current week."""
    match = _ISO_WEEK.match(value or "")
    if match:
        year, week = int(match[1]), int(match[2])
        if 2000 <= year <= 2100:
            try:
                return dt.date.fromisocalendar(year, week, 1)
            except ValueError:
                pass
    return week_start(today)


def iso_week(monday: dt.date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Week:
    monday: dt.date
    is_current: bool

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def number(self) -> int:
        return self.monday.isocalendar()[1]

    @property
    def param(self) -> str:
        return iso_week(self.monday)

    @property
    def previous(self) -> str:
        return iso_week(self.monday - dt.timedelta(days=7))

    @property
    def next(self) -> str:
        return iso_week(self.monday + dt.timedelta(days=7))


def _week(request: HttpRequest) -> Week:
    today = timezone.localdate()
    monday = parse_week(request.GET.get("week"), today)
    return Week(monday=monday, is_current=monday == week_start(today))


# --- what the templates draw ---------------------------------------------------------------


def _pct(value: Decimal, scale: Decimal) -> float:
    """Width of a bar in percent of the scale (the largest value drawn next to it)."""
    if not scale or value <= 0:
        return 0.0
    return round(min(float(value / scale) * 100, 100.0), 1)


@dataclass
class LevelRow:
    level: LevelCapacity
    demand_pct: float
    contract_pct: float
    delivered_pct: float

    @property
    def balance_kind(self) -> str:
        balance = self.level.balance
        return "shortage" if balance < 0 else "surplus" if balance > 0 else "balanced"

    @property
    def balance_abs(self) -> Decimal:
        return abs(self.level.balance)


def _level_rows(capacity: Capacity) -> list[LevelRow]:
    scale = max(
        (max(lv.demand_hours, lv.contract_hours, lv.delivered_hours) for lv in capacity.levels), default=Decimal(0)
    )
    return [
        LevelRow(level=lv, demand_pct=_pct(lv.demand_hours, scale), contract_pct=_pct(lv.contract_hours, scale),
                 delivered_pct=_pct(lv.delivered_hours, scale))
        for lv in capacity.levels
    ]


@dataclass
class TeamCard:
    capacity: Capacity
    rows: list[LevelRow]
    delivered_pct: float  # of the agreed hours, for the realisation bar

    @property
    def balance(self) -> Decimal:
        return self.capacity.contract_hours - self.capacity.demand_hours

    @property
    def planned_hours(self) -> Decimal:
        """Planned visits of the week not (yet) confirmed as delivered."""
        return sum((c.open_planned_hours for c in self.capacity.clients), Decimal(0))

    @property
    def balance_kind(self) -> str:
        return "shortage" if self.balance < 0 else "surplus" if self.balance > 0 else "balanced"

    @property
    def balance_abs(self) -> Decimal:
        return abs(self.balance)


def _card(capacity: Capacity) -> TeamCard:
    return TeamCard(capacity=capacity, rows=_level_rows(capacity),
                    delivered_pct=_pct(capacity.delivered_hours, capacity.agreed_hours))


@dataclass
class TrendRow:
    week: Week
    agreed: Decimal
    delivered: Decimal
    realisation_pct: int | None
    agreed_pct: float
    delivered_pct: float


def _trend(team_capacities: list[WeekTotals], today: dt.date) -> list[TrendRow]:
    scale = max((max(c.agreed_hours, c.delivered_hours) for c in team_capacities), default=Decimal(0))
    this_monday = week_start(today)
    return [
        TrendRow(week=Week(monday=c.week_start, is_current=c.week_start == this_monday), agreed=c.agreed_hours,
                 delivered=c.delivered_hours, realisation_pct=c.realisation_pct,
                 agreed_pct=_pct(c.agreed_hours, scale), delivered_pct=_pct(c.delivered_hours, scale))
        for c in team_capacities
    ]


# --- views ---------------------------------------------------------------------------------


@requires(Perm.VIEW_CAPACITY)
def overview(request: HttpRequest) -> HttpResponse:
    week = _week(request)
    teams = list(visible_teams(request.membership).order_by("name", "pk"))
    capacities = capacity_for(teams, week.monday)
    cards = [_card(capacities[team.pk]) for team in teams]
    # Hours per team only: no client is named, so no access-log entry.
    return render(request, "teams/capacity_overview.html", {"week": week, "cards": cards})


@requires(Perm.VIEW_CAPACITY)
def team(request: HttpRequest, team_id: int) -> HttpResponse:
    team = access_team_by_id(request, team_id)
    week = _week(request)
    if request.GET.get("format") == "csv":
        return _csv(request, team, week)
    partial = bool(request.htmx)
    capacity = capacity_for([team], week.monday)[team.pk]
    # The trend: two queries for all weeks; a page of the client table (htmx) needs none.
    weeks = [week.monday - dt.timedelta(days=7 * n) for n in range(TREND_WEEKS - 1, -1, -1)]
    per_week = [] if partial else capacity_trend(team, weeks)
    page = Paginator(capacity.clients, PAGE_SIZE).get_page(request.GET.get("page"))
    # The client table names clients: a read over client records (NEN 7513).
    record_access(action=AccessLog.Action.VIEW, request=request, obj=team,
                  description=f"capacity of {team.name}, week {week.param} ({len(capacity.clients)} clients)")
    context = {
        "team": team, "week": week, "capacity": capacity, "card": _card(capacity), "page": page,
        "trend": [] if partial else _trend(per_week, timezone.localdate()),
    }
    template = "teams/capacity_team.html#clients" if partial else "teams/capacity_team.html"
    return render(request, template, context)




def _number(value: Decimal | int | None) -> str:
    # Semicolon-separated with decimal commas: what Dutch Excel opens as numbers.
    return "" if value is None else str(value).replace(".", ",")


def _csv(request: HttpRequest, team: Team, week: Week) -> HttpResponse:
    capacity = capacity_for([team], week.monday)[team.pk]
    record_access(action=AccessLog.Action.EXPORT, request=request, obj=team,
                  description=f"capacity of {team.name}, week {week.param}, as CSV ({len(capacity.clients)} clients)")
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Client"), _("Client number"), _("Agreed hours"), _("Delivered hours"),
                     _("Still planned hours"), _("Shortfall hours"), _("Realisation %")])
    for row in capacity.clients:
        writer.writerow([
            safe_cell(row.client.sort_name), row.client.pk, _number(row.agreed_hours), _number(row.delivered_hours),
            _number(row.open_planned_hours), _number(row.shortfall), _number(row.realisation_pct),
        ])
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    filename = f"capaciteit-team-{team.pk}-{week.param}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
