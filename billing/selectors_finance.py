"""Reads of the finance screens: the ledger of daily runs and the money overview (totals
per zorgprofiel, per team and per client, the budget margin over time and the production
agreement against what was earned).

Every function runs a fixed number of aggregated queries, whatever the number of clients
and days: the pages pin their query counts (tests/billing/test_finance_overview.py). Only
current day lines count (`superseded_at IS NULL`); a recomputation marks the old ones
superseded. Aggregations use the ORM only (Sum/Count/TruncMonth/TruncWeek), so they run
on PostgreSQL and on the demo's SQLite alike.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils.translation import gettext as _

from billing import daily
from billing.figures import CENT, ZERO, BudgetFigures, pct
from billing.models import BudgetDay, DailyRun, DayLine, Declaration
from vpt.core.dates import month_bounds, month_label
from vpt.tenancy.models import Contract, Organization
from vpt.wlz import codes

ACTIVE_RUN_STATUSES = (DailyRun.Status.QUEUED, DailyRun.Status.RUNNING)
CHART_MONTHS = 12
CHART_WEEKS = 12
# Less history than this and the margin chart shows weeks instead of months.
WEEKLY_CHART_BELOW_DAYS = 91


def _money(value: Decimal | None) -> Decimal:
    return (value or ZERO).quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- the run ledger


def computed_through(organization: Organization) -> datetime.date | None:
    """The last day covered by completed nightly runs (the rule is billing.daily's)."""
    return daily.computed_through(organization)


def run_ledger(*, organization: Organization) -> QuerySet[DailyRun]:
    """Every run of the organisation, newest first (one query per page)."""
    return (
        DailyRun.objects.filter(organization=organization)
        .select_related("requested_by")
        .order_by("-created_at", "-pk")
    )


def has_active_runs(*, organization: Organization) -> bool:
    return DailyRun.objects.filter(organization=organization, status__in=ACTIVE_RUN_STATUSES).exists()


@dataclass(frozen=True)
class RunStatus:
    computed_through: datetime.date | None
    yesterday: datetime.date
    has_active_runs: bool

    @property
    def is_behind(self) -> bool:
        """The nightly run missed a night: yesterday is not computed yet."""
        return self.computed_through is None or self.computed_through < self.yesterday

    @property
    def days_behind(self) -> int | None:
        if self.computed_through is None:
            return None
        return max((self.yesterday - self.computed_through).days, 0)


def run_status(*, organization: Organization, today: datetime.date) -> RunStatus:
    """Two queries: the computed-through day and whether a run is queued or running."""
    return RunStatus(
        computed_through=computed_through(organization),
        yesterday=today - datetime.timedelta(days=1),
        has_active_runs=has_active_runs(organization=organization),
    )


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """The days the overview sums over: a calendar month, or 1 January up to today."""

    first: datetime.date
    last: datetime.date
    kind: str  # "month" or "ytd"

    @property
    def key(self) -> str:
        return "ytd" if self.kind == "ytd" else f"{self.first:%Y-%m}"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        if self.kind == "ytd":
            return _("%(year)s up to and including %(day)s") % {"year": self.first.year,
                                                                "day": f"{self.last:%d-%m-%Y}"}
        return month_label(self.first)


def month_period(year: int, month: int) -> Period:
    return Period(*month_bounds(year, month), "month")


def year_to_date(today: datetime.date) -> Period:
    return Period(datetime.date(today.year, 1, 1), today, "ytd")


def last_complete_month(today: datetime.date) -> Period:
    previous = today.replace(day=1) - datetime.timedelta(days=1)
    return month_period(previous.year, previous.month)


def period_choices(today: datetime.date, *, months: int = 24) -> list[Period]:
    """Year to date, then the current month and the `months - 1` before it, newest first."""
    periods = [year_to_date(today)]
    year, month = today.year, today.month
    for _i in range(months):
        periods.append(month_period(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return periods


# --------------------------------------------------------------------------- totals per zorgprofiel


@dataclass(frozen=True)
class ReasonDays:
    code: str
    label: str
    days: int


@dataclass
class ProfileRow:
    zorgprofiel: str  # iWlz code, "" for the total
    client_days: int = 0
    billable_days: int = 0
    amount: Decimal = ZERO  # contracted amount of the billable days
    reasons: list[ReasonDays] = field(default_factory=list)

    @property
    def label(self) -> str:
        return codes.zorgprofiel_short(self.zorgprofiel) if self.zorgprofiel else _("Total")

    @property
    def not_billable_days(self) -> int:
        return self.client_days - self.billable_days


@dataclass(frozen=True)
class ProfileTotals:
    rows: list[ProfileRow]
    total: ProfileRow


def profile_totals(*, organization: Organization, first: datetime.date, last: datetime.date) -> ProfileTotals:
    """Client-days, billable and not-billable days (with their reasons) and the billable
    amount per zorgprofiel, from the current day lines of [first, last]. One query."""
    grouped = (
        DayLine.objects.filter(organization=organization, superseded_at__isnull=True, day__gte=first, day__lte=last)
        .order_by()
        .values("zorgprofiel", "billable", "reason")
        .annotate(days=Count("id"), amount=Sum("amount", filter=Q(billable=True)))
    )
    rows: dict[str, ProfileRow] = {}
    reasons: dict[str, dict[str, int]] = {}
    total = ProfileRow("")
    total_reasons: dict[str, int] = {}
    for item in grouped:
        row = rows.setdefault(item["zorgprofiel"], ProfileRow(item["zorgprofiel"]))
        for target in (row, total):
            target.client_days += item["days"]
            if item["billable"]:
                target.billable_days += item["days"]
                target.amount += _money(item["amount"])
        if not item["billable"]:
            for counts in (reasons.setdefault(item["zorgprofiel"], {}), total_reasons):
                counts[item["reason"]] = counts.get(item["reason"], 0) + item["days"]

    def reason_list(counts: dict[str, int]) -> list[ReasonDays]:
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [ReasonDays(code, daily.reason_label(code), days) for code, days in ordered]

    for code, row in rows.items():
        row.reasons = reason_list(reasons.get(code, {}))
    total.reasons = reason_list(total_reasons)
    return ProfileTotals(rows=[rows[code] for code in sorted(rows)], total=total)


# --------------------------------------------------------------------------- margins per team and client


@dataclass(kw_only=True)
class MarginRow(BudgetFigures):
    """The budget figures of a team, a client or the organisation, with what names it."""

    label: str
    pk: int | None = None  # team or client id
    team_name: str = ""  # per client: the client's team
    clients: int | None = None


def _sums() -> dict:
    return {
        "client_days": Count("id"),
        "tariff_sum": Sum("tariff"),
        "planned_sum": Sum("planned_cost"),
        "realised_sum": Sum("realised_cost"),
    }


def _budget_days(organization: Organization, first: datetime.date, last: datetime.date) -> QuerySet[BudgetDay]:
    return BudgetDay.objects.filter(organization=organization, day__gte=first, day__lte=last).order_by()


def team_margins(*, organization: Organization, first: datetime.date, last: datetime.date) -> list[MarginRow]:
    """Per team (of the budget day: the client's team on that day), by team name. One query."""
    grouped = (
        _budget_days(organization, first, last)
        .values("team_id", "team__name")
        .annotate(clients=Count("client", distinct=True), **_sums())
        .order_by("team__name", "team_id")
    )
    return [
        MarginRow(label=g["team__name"], pk=g["team_id"], clients=g["clients"], client_days=g["client_days"],
                  tariff=_money(g["tariff_sum"]), planned_cost=_money(g["planned_sum"]),
                  realised_cost=_money(g["realised_sum"]))
        for g in grouped
    ]


def total_margin(rows: list[MarginRow]) -> MarginRow:
    """The organisation: the sum of the team rows (no query)."""
    total = MarginRow(label=_("Organisation"))
    for row in rows:
        total.add(row)
    return total


CLIENT_ORDERS = ("name", "margin")


def client_margins(
    *, organization: Organization, first: datetime.date, last: datetime.date, search: str = "", order: str = "name",
) -> QuerySet:
    """Per client (values rows; turn a page of them into MarginRows with `client_margin_rows`),
    by name or lowest margin first; `search`: every word must match a name part. Paginate it:
    a count and a page query, whatever the number of clients."""
    qs = _budget_days(organization, first, last)
    for word in search.split():
        qs = qs.filter(Q(client__first_name__icontains=word) | Q(client__last_name__icontains=word)
                       | Q(client__name_prefix__icontains=word))
    qs = qs.values(
        "client_id", "client__first_name", "client__name_prefix", "client__last_name", "client__primary_team__name",
    ).annotate(margin_sum=Sum("tariff") - Sum("realised_cost"), **_sums())
    if order == "margin":
        return qs.order_by(F("margin_sum").asc(nulls_last=True), "client__last_name", "client_id")
    return qs.order_by("client__last_name", "client__first_name", "client_id")


def client_margin_rows(values: list[dict]) -> list[MarginRow]:
    rows = []
    for v in values:
        prefix = f" {v['client__name_prefix']}" if v["client__name_prefix"] else ""
        rows.append(MarginRow(
            label=f"{v['client__last_name']}, {v['client__first_name']}{prefix}", pk=v["client_id"],
            team_name=v["client__primary_team__name"], client_days=v["client_days"], tariff=_money(v["tariff_sum"]),
            planned_cost=_money(v["planned_sum"]), realised_cost=_money(v["realised_sum"]),
        ))
    return rows


# --------------------------------------------------------------------------- margin over time


@dataclass(frozen=True)
class MarginPoint:
    start: datetime.date  # first day of the month or Monday of the week
    tariff: Decimal
    realised_cost: Decimal
    client_days: int

    @property
    def margin(self) -> Decimal:
        return self.tariff - self.realised_cost

    @property
    def margin_pct(self) -> Decimal | None:
        return pct(self.margin, self.tariff)


@dataclass(frozen=True)
class MarginSeries:
    granularity: str  # "month" or "week"
    points: list[MarginPoint]  # oldest first, every bucket of the window (empty ones with zeros)
    first: datetime.date
    last: datetime.date

    @property
    def has_data(self) -> bool:
        return any(p.client_days for p in self.points)


def _month_start(day: datetime.date, back: int = 0) -> datetime.date:
    index = day.year * 12 + day.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def margin_series(*, organization: Organization, last: datetime.date) -> MarginSeries:
    """Tariff earned against realised cost per month for the twelve months up to `last`;
    with less than three months of history, per week for the twelve weeks up to `last`.

    One aggregated query grouped by (month, week): rows sum exactly into months and into
    weeks (a week that straddles two months is two rows), so both views come from it."""
    window_first = _month_start(last, CHART_MONTHS - 1)
    grouped = (
        _budget_days(organization, window_first, last)
        .annotate(month=TruncMonth("day"), week=TruncWeek("day"))
        .values("month", "week")
        .annotate(client_days=Count("id"), tariff_sum=Sum("tariff"), realised_sum=Sum("realised_cost"))
    )
    by_month: dict[datetime.date, list] = {}
    by_week: dict[datetime.date, list] = {}
    for g in grouped:
        month, week = _as_date(g["month"]), _as_date(g["week"])
        for buckets, key in ((by_month, month), (by_week, week)):
            bucket = buckets.setdefault(key, [ZERO, ZERO, 0])
            bucket[0] += _money(g["tariff_sum"])
            bucket[1] += _money(g["realised_sum"])
            bucket[2] += g["client_days"]
    with_data = [w for w, b in by_week.items() if b[2]]
    weekly = bool(with_data) and (last - min(with_data)).days < WEEKLY_CHART_BELOW_DAYS
    if weekly:
        monday = last - datetime.timedelta(days=last.weekday())
        starts = [monday - datetime.timedelta(weeks=n) for n in range(CHART_WEEKS - 1, -1, -1)]
        buckets, first = by_week, max(starts[0], window_first)
    else:
        starts = [_month_start(last, n) for n in range(CHART_MONTHS - 1, -1, -1)]
        buckets, first = by_month, window_first
    points = [MarginPoint(s, *buckets.get(s, [ZERO, ZERO, 0])) for s in starts]
    return MarginSeries(granularity="week" if weekly else "month", points=points, first=first, last=last)


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


# --------------------------------------------------------------------------- production agreement


@dataclass(frozen=True)
class ProductionRow:
    """One contract's production agreement against what its days earned so far.

    Projection (one method, explained on the page): what is earned up to the last computed
    day, plus the remaining days of the year at the billable amount of that last day (the
    clients in care then, at their day tariff then)."""

    label: str
    agreement: Decimal
    earned: Decimal  # billable current day lines of the year up to `through`
    declared: Decimal  # submitted declarations of the year, debit minus credit
    last_day_amount: Decimal  # billable amount of the day `through`
    last_day_clients: int
    remaining_days: int

    @property
    def projected(self) -> Decimal:
        return self.earned + self.last_day_amount * self.remaining_days

    @property
    def used_pct(self) -> Decimal | None:
        return pct(self.earned, self.agreement)

    @property
    def projected_pct(self) -> Decimal | None:
        return pct(self.projected, self.agreement)

    @property
    def is_over(self) -> bool:
        return bool(self.agreement) and self.earned > self.agreement

    @property
    def projected_over(self) -> bool:
        return bool(self.agreement) and self.projected > self.agreement

    @property
    def remaining(self) -> Decimal:
        return self.agreement - self.earned


@dataclass(frozen=True)
class Production:
    year: int
    through: datetime.date | None  # last day counted (None: nothing computed in the year yet)
    days_in_year: int
    rows: list[ProductionRow]  # one per contract of the year
    earned_without_contract: Decimal  # billable days of the year whose contract is not one of `rows`

    @property
    def days_elapsed(self) -> int:
        return (self.through - datetime.date(self.year, 1, 1)).days + 1 if self.through else 0


def production(*, organization: Organization, year: int, through: datetime.date | None) -> Production:
    """The year's contracts with what their billable days earned up to `through` (the
    computed-through day, capped to the year) and what was declared. Three queries."""
    year_first, year_last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if through is not None and through < year_first:
        through = None
    if through is not None:
        through = min(through, year_last)
    contracts = list(
        Contract.objects.filter(organization=organization, year=year)
        .select_related("zorgkantoor")
        .order_by("zorgkantoor__name", "pk")
    )
    earned: dict[int | None, dict] = {}
    if through is not None:
        earned = {
            g["contract_id"]: g
            for g in DayLine.objects.filter(organization=organization, superseded_at__isnull=True, billable=True,
                                            day__gte=year_first, day__lte=through)
            .order_by()
            .values("contract_id")
            .annotate(earned=Sum("amount"), last_day_amount=Sum("amount", filter=Q(day=through)),
                      last_day_clients=Count("id", filter=Q(day=through)))
        }
    declared = {
        g["contract_id"]: _money(g["debit"]) - _money(g["credit"])
        for g in Declaration.objects.filter(organization=organization, year=year)
        .exclude(status=Declaration.Status.DRAFT)
        .order_by()
        .values("contract_id")
        .annotate(debit=Sum("total_debit"), credit=Sum("total_credit"))
    }
    remaining = (year_last - through).days if through else 0
    rows = []
    for contract in contracts:
        e = earned.get(contract.pk, {})
        rows.append(ProductionRow(
            label=contract.zorgkantoor.name, agreement=contract.production_agreement,
            earned=_money(e.get("earned")), declared=declared.get(contract.pk, ZERO),
            last_day_amount=_money(e.get("last_day_amount")), last_day_clients=e.get("last_day_clients") or 0,
            remaining_days=remaining,
        ))
    known = {c.pk for c in contracts}
    without = sum((_money(g["earned"]) for pk, g in earned.items() if pk not in known), ZERO)
    return Production(year=year, through=through, days_in_year=(year_last - year_first).days + 1, rows=rows,
                      earned_without_contract=without)
