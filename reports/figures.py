"""The figures of a provider report to the zorgkantoor (figures JSON, schema 1), computed
from the provider's own data. Aggregates only: no names, no BSNs, no client ids.

The period is a quarter or a calendar year (`reports.models.period_bounds`): the days
`first` .. `last`, both included. "In care on day D" means care_start <= D and (care_end
is empty or care_end >= D) — the same rule as the daily run; a client without a start
of care (intake) never counts. The profile of a client on a day is the zorgprofiel
(iWlz code, e.g. "754" = 5VV) of the client's VPT indication valid that day (when two
would be valid, the latest start wins, as in the daily run); "" means "no valid VPT
indication" that day.

Formats: amounts are strings with two decimals, hours and percentages strings with one
decimal, always rounded half up; a percentage or an average whose denominator is 0 is
None. Counts are integers; minutes are numbers with one decimal, or None.

Sections
--------
profiles
    Every profile occurring in a per-profile table below, plus the contract's products,
    in code order with "" (no valid indication) last, each with its short label (5VV)
    and its long label. Every per-profile table has exactly one row per profile, in this
    order (zeros where a profile has nothing), and a total.

clients (per profile)
    at_start: in care on the first day (profile of the first day); started: care_start in
    the period (profile on the day care started); ended: care_end in the period (profile
    on the last day of care); at_end: in care on the last day (profile of the last day).
    In total, at_start + started - ended = at_end.

production (per profile)
    From the daily run's current day lines (not superseded) of the period that belong to
    this contract or to no contract at all (days that could not be billed for lack of a
    contract): client_days = lines, billable_days = billable lines, earned = sum of the
    contracted amount of the billable lines. declared = the declaration lines of the
    contract's declarations that are not drafts for care days in the period (a line covers
    days of one month; its first day decides), whatever month they were declared in,
    debit minus credit, leaving out rejected lines (by the line's zorgprofiel).
    year: the contract's production agreement against the year to date, through
    min(last day of the period, the day the nightly runs have computed through) (None
    when nothing of the year is computed yet): earned_to_date = billable day lines of the
    contract from 1 January through that day; declared_to_date = declared (as above) for
    the care days from 1 January through the period's last day; projected = earned_to_date + the
    billable amount of that last day × the days left in the year (the finance screen's
    projection, `billing.selectors_finance.ProductionRow`); used_pct and projected_pct are
    earned_to_date and projected as a percentage of the agreement.

flow
    inflow: clients whose care started in the period; outflow: clients whose care ended
    in the period, per reason for ending (a missing reason counts as "other");
    outflow_total; net = inflow - outflow_total.

hours (per profile)
    client_days: days in care in the period (every day in care counts, with or without
    indication or day line); client_weeks = client_days / 7. planned_per_week: the
    average over those client-days of the weekly hours in the arrangement in force that
    day (status active or ended, valid that day; the latest start wins): the sum of the
    quantities of its lines in hours per week delivered by the own team or a
    subcontractor (mantelzorg and private lines do not count); a day without an
    arrangement counts as 0 hours. delivered_per_week: the hours of delivered visits on
    those client-days (a visit on a day the client was not in care does not count)
    divided by client_weeks.

mantelzorg
    Among the clients in care on the last day (clients): with_mantelzorger = clients with
    at least one network member who is partner, child, other family, neighbour or friend
    (volunteers, legal representatives and "other" are not mantelzorgers); share_pct =
    with_mantelzorger / clients; mantelzorgers = the number of those network members;
    estimated_hours_per_week = the sum of their estimated hours per week (empty counts as
    0); clients_with_mantelzorg_tasks = clients whose arrangement in force on the last day
    has a line delivered by mantelzorg or a task agreement done by a network member.

alarms
    The alarms received in the period, in Europe/Amsterdam local time (an alarm at 00:30
    on 1 January local belongs to January), measured with the data as it is now, by the
    definitions of `alarms.kpis`: minutes to acknowledge (acknowledged alarms) and to on
    site (alarms that reached on site), median and 90th percentile by the nearest-rank
    method (the value at rank ceil(p × n / 100) of the sorted values, no interpolation);
    ack_within_norm of ack_settled (acknowledged, or never acknowledged while the deadline
    has passed) and its percentage; on_site_within_norm of on_site_count and its
    percentage; escalated_alarms (escalation step above 0 or an "escalated" event) and
    escalation_steps (the "escalated" events of those alarms). months: per calendar month
    of the period the alarms received and the percentage acknowledged within the norm.

respite
    Absences of kind respite stay (logeeropvang). The night of day D counts when left_on
    <= D < returned_on (a stay without return date: up to and including the last day of
    the period), for D in the period: nights = those nights; stays = stays with at least
    one night in the period; clients = the clients of those stays.

Must run inside the provider's tenant scope (views and services have one). A fixed
number of queries, none per client: rows are fetched with `.values()` (or aggregated in
the database) and combined in Python, interval by interval rather than day by day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from alarms import kpis
from arrangements.models import Arrangement, ArrangementLine, MenuItem, TaskAgreement
from billing import daily
from billing.models import DayLine, Declaration, DeclarationLine
from billing.selectors_finance import ProductionRow
from clients.models import Absence, Client, NetworkMember, WlzIndication
from reports.models import period_bounds, period_label
from teams.models import Visit
from vpt.tenancy.models import Contract, Organization
from vpt.wlz import codes

SCHEMA = 1
ZERO = Decimal("0")
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
NO_PROFILE = ""
MANTELZORG_RELATIONS = (
    NetworkMember.Relation.PARTNER,
    NetworkMember.Relation.CHILD,
    NetworkMember.Relation.FAMILY,
    NetworkMember.Relation.NEIGHBOUR,
    NetworkMember.Relation.FRIEND,
)
IN_FORCE = (Arrangement.Status.ACTIVE, Arrangement.Status.ENDED)
PLANNED_BY = ArrangementLine.BUDGET_BEARING  # own team, subcontractor
ONE_DAY = dt.timedelta(days=1)


# --------------------------------------------------------------------------- formatting


def money(value: Decimal | None) -> str:
    return str((value or ZERO).quantize(CENT, rounding=ROUND_HALF_UP))


def tenth(value: Decimal) -> str:
    return str(value.quantize(TENTH, rounding=ROUND_HALF_UP))


def ratio(part: Decimal | int, whole: Decimal | int, *, factor: int = 1) -> str | None:
    """part × factor / whole with one decimal (half up); None when `whole` is 0."""
    if not whole:
        return None
    return tenth(Decimal(part) * factor / Decimal(whole))


def minutes(value: float | None) -> float | None:
    return None if value is None else float(Decimal(str(value)).quantize(TENTH, rounding=ROUND_HALF_UP))


# --------------------------------------------------------------------------- intervals


def _overlap(first: dt.date, last: dt.date | None, lo: dt.date, hi: dt.date) -> tuple[dt.date, dt.date] | None:
    start, end = max(first, lo), min(last or hi, hi)
    return (start, end) if start <= end else None


class _Timeline:
    """Values of one client over time: [(valid_from, valid_to or None, value)]; on a day
    the covering entry with the latest start wins (ties: the later in the list)."""

    def __init__(self) -> None:
        self.entries: list[tuple[dt.date, dt.date | None, object]] = []

    def add(self, first: dt.date, last: dt.date | None, value: object) -> None:
        self.entries.append((first, last, value))

    def on(self, day: dt.date, default: object) -> object:
        best = None
        for first, last, value in self.entries:
            if first <= day and (last is None or day <= last) and (best is None or first >= best[0]):
                best = (first, value)
        return default if best is None else best[1]

    def bounds(self) -> Iterable[dt.date]:
        """The days on which the value may change."""
        for first, last, _value in self.entries:
            yield first
            if last is not None:
                yield last + ONE_DAY


# --------------------------------------------------------------------------- the figures


def compute(organization: Organization, contract: Contract, year: int, quarter: int | None, *,
            now: dt.datetime | None = None) -> dict:
    """The figures JSON (schema 1) of `organization`'s report under `contract` for the
    quarter (1–4) or, with quarter None, the calendar year. See the module docstring for
    every definition. `now` (default: the current time) decides which unacknowledged
    alarms have passed their deadline."""
    now = now or timezone.now()
    first, last = period_bounds(year, quarter)
    org_id = organization.pk

    clients = list(
        Client.objects.filter(organization_id=org_id, care_start__isnull=False, care_start__lte=last)
        .filter(Q(care_end__isnull=True) | Q(care_end__gte=first))
        .order_by().values("pk", "care_start", "care_end", "end_reason")
    )
    profiles = _profile_timelines(org_id, first, last)
    arrangements = _arrangement_timelines(org_id, first, last)

    def profile_on(client_id: int, day: dt.date) -> str:
        timeline = profiles.get(client_id)
        return timeline.on(day, NO_PROFILE) if timeline else NO_PROFILE

    client_rows = _clients(clients, first, last, profile_on)
    hours_rows = _hours(org_id, clients, first, last, profiles, arrangements, profile_on)
    production_rows = _production(org_id, contract, first, last)
    used = set(client_rows) | set(hours_rows) | set(production_rows)
    codes_used = sorted({*used, *(contract.products or [])} - {NO_PROFILE})
    if NO_PROFILE in used:
        codes_used.append(NO_PROFILE)

    in_care_last = [c["pk"] for c in clients if _in_care(c, last)]
    return {
        "schema": SCHEMA,
        "period": {
            "kind": "year" if quarter is None else "quarter", "year": year, "quarter": quarter,
            "first": first.isoformat(), "last": last.isoformat(), "days": (last - first).days + 1,
            "label": period_label(year, quarter),
        },
        "provider": {"name": organization.name, "agb_code": organization.agb_code,
                     "region": organization.region.name if organization.region_id else ""},
        "zorgkantoor": {"name": contract.zorgkantoor.name},
        "contract": {"year": contract.year, "production_agreement": money(contract.production_agreement),
                     "percentage": money(contract.percentage), "products": list(contract.products or [])},
        "profiles": [_profile_entry(code) for code in codes_used],
        "clients": _table(codes_used, client_rows, _client_row, _client_total),
        "production": {
            **_table(codes_used, production_rows, _production_row, _production_total),
            "year": _production_year(organization, contract, year, last),
        },
        "flow": _flow(clients, first, last),
        "hours": _table(codes_used, hours_rows, _hours_row, _hours_row),
        "mantelzorg": _mantelzorg(org_id, in_care_last, last),
        "alarms": _alarms(org_id, first, last, now),
        "respite": _respite(org_id, first, last),
    }


def _profile_entry(code: str) -> dict:
    if code == NO_PROFILE:
        return {"code": NO_PROFILE, "short": "—", "label": _("No valid indication")}
    label = codes.zorgprofielen().get(code, "")
    return {"code": code, "short": codes.zorgprofiel_short(code), "label": label.split(": ", 1)[-1] or code}


def _table(codes_used: list[str], rows: dict[str, dict], row_of, total_of) -> dict:  # noqa: ANN001
    """One row per profile in `codes_used` order (empty accumulators where a profile has
    nothing) and the total of the accumulators."""
    accumulators = [rows.get(code) or {} for code in codes_used]
    total: dict = defaultdict(lambda: ZERO)
    for acc in accumulators:
        for key, value in acc.items():
            total[key] += value
    return {
        "rows": [{"profile": code, **row_of(acc)} for code, acc in zip(codes_used, accumulators, strict=True)],
        "total": total_of(total),
    }


def _in_care(client: dict, day: dt.date) -> bool:
    return client["care_start"] <= day and (client["care_end"] is None or client["care_end"] >= day)


# --- timelines -----------------------------------------------------------------------------------


def _profile_timelines(org_id: int, first: dt.date, last: dt.date) -> dict[int, _Timeline]:
    timelines: dict[int, _Timeline] = defaultdict(_Timeline)
    indications = (
        WlzIndication.objects.filter(organization_id=org_id, valid_from__lte=last).vpt()
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .order_by("client_id", "valid_from", "pk").values("client_id", "valid_from", "valid_to", "zorgprofiel")
    )
    for i in indications:
        timelines[i["client_id"]].add(i["valid_from"], i["valid_to"], i["zorgprofiel"])
    return timelines


def _arrangement_timelines(org_id: int, first: dt.date, last: dt.date) -> dict[int, _Timeline]:
    """Per client: the arrangement in force over time, as (arrangement id, planned hours
    per week). Two queries."""
    arrangements = list(
        Arrangement.objects.filter(organization_id=org_id, status__in=IN_FORCE, valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .order_by("client_id", "valid_from", "version").values("pk", "client_id", "valid_from", "valid_to")
    )
    ids = [a["pk"] for a in arrangements]
    hours = dict(
        ArrangementLine.objects.filter(organization_id=org_id, arrangement_id__in=ids,
                                       menu_item__unit=MenuItem.Unit.HOURS_PER_WEEK, delivered_by__in=PLANNED_BY)
        .order_by().values("arrangement_id").annotate(hours=Sum("quantity")).values_list("arrangement_id", "hours")
    ) if ids else {}
    timelines: dict[int, _Timeline] = defaultdict(_Timeline)
    for a in arrangements:
        timelines[a["client_id"]].add(a["valid_from"], a["valid_to"], (a["pk"], hours.get(a["pk"]) or ZERO))
    return timelines


# --- clients and flow ----------------------------------------------------------------------------


def _clients(clients: list[dict], first: dt.date, last: dt.date, profile_on) -> dict[str, dict]:  # noqa: ANN001
    rows: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for c in clients:
        if _in_care(c, first):
            rows[profile_on(c["pk"], first)]["at_start"] += 1
        if first <= c["care_start"] <= last:
            rows[profile_on(c["pk"], c["care_start"])]["started"] += 1
        if c["care_end"] is not None and first <= c["care_end"] <= last:
            rows[profile_on(c["pk"], c["care_end"])]["ended"] += 1
        if _in_care(c, last):
            rows[profile_on(c["pk"], last)]["at_end"] += 1
    return rows


def _client_row(acc: dict) -> dict:
    return {key: int(acc.get(key, 0)) for key in ("at_start", "started", "ended", "at_end")}


_client_total = _client_row


def _flow(clients: list[dict], first: dt.date, last: dt.date) -> dict:
    inflow = sum(1 for c in clients if first <= c["care_start"] <= last)
    outflow = dict.fromkeys(Client.EndReason.values, 0)
    for c in clients:
        if c["care_end"] is not None and first <= c["care_end"] <= last:
            reason = c["end_reason"] if c["end_reason"] in outflow else Client.EndReason.OTHER
            outflow[reason] += 1
    total = sum(outflow.values())
    return {"inflow": inflow, "outflow": outflow, "outflow_total": total, "net": inflow - total}


# --- hours ---------------------------------------------------------------------------------------


def _hours(org_id: int, clients: list[dict], first: dt.date, last: dt.date, profiles: dict[int, _Timeline],
           arrangements: dict[int, _Timeline], profile_on) -> dict[str, dict]:  # noqa: ANN001
    rows: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: ZERO))
    care: dict[int, tuple[dt.date, dt.date]] = {}
    for c in clients:
        span = _overlap(c["care_start"], c["care_end"], first, last)
        if span is None:
            continue
        care[c["pk"]] = span
        start, end = span
        cuts = {start, end + ONE_DAY}
        for timeline in (profiles.get(c["pk"]), arrangements.get(c["pk"])):
            if timeline:
                cuts.update(d for d in timeline.bounds() if start < d <= end)
        ordered = sorted(cuts)
        for piece_start, next_start in zip(ordered, ordered[1:], strict=False):
            days = (next_start - piece_start).days
            profile = profile_on(c["pk"], piece_start)
            in_force = arrangements[c["pk"]].on(piece_start, None) if c["pk"] in arrangements else None
            row = rows[profile]
            row["client_days"] += days
            row["planned_hour_days"] += days * (in_force[1] if in_force else ZERO)

    # Delivered visit hours per client and day (one aggregated query), on days in care only.
    visits = (
        Visit.objects.filter(organization_id=org_id, status=Visit.Status.DELIVERED, date__gte=first, date__lte=last)
        .order_by().values("client_id", "date").annotate(minutes=Sum("duration_minutes"))
    )
    for v in visits:
        span = care.get(v["client_id"])
        if span is None or not span[0] <= v["date"] <= span[1]:
            continue
        rows[profile_on(v["client_id"], v["date"])]["delivered_minutes"] += v["minutes"]
    return rows


def _hours_row(acc: dict) -> dict:
    client_days = int(acc.get("client_days", 0))
    delivered_hours = Decimal(acc.get("delivered_minutes", ZERO)) / 60
    return {
        "client_days": client_days,
        "client_weeks": tenth(Decimal(client_days) / 7),
        "planned_per_week": ratio(acc.get("planned_hour_days", ZERO), client_days),
        "delivered_per_week": ratio(delivered_hours, client_days, factor=7),
    }


# --- production ----------------------------------------------------------------------------------


def _contract_lines(org_id: int, contract: Contract) -> Q:
    return Q(organization_id=org_id, superseded_at__isnull=True) & (
        Q(contract_id=contract.pk) | Q(contract_id__isnull=True))


def _declared_lines(org_id: int, contract: Contract, first: dt.date, last: dt.date):  # noqa: ANN202
    """Declaration lines of care days first..last (a line never crosses a month, so its
    begin decides), whatever month they were declared in: a declaration also carries days
    of earlier months that were not declared before, and credits of recomputed days."""
    return (
        DeclarationLine.objects.filter(organization_id=org_id, declaration__contract_id=contract.pk,
                                       begin__gte=first, begin__lte=last)
        .exclude(declaration__status=Declaration.Status.DRAFT)
        .exclude(status=DeclarationLine.Status.REJECTED)
        .order_by()
    )


def _signed(debit: Decimal | None, credit: Decimal | None) -> Decimal:
    return (debit or ZERO) - (credit or ZERO)


_SIDE_SUMS = {
    "debit": Sum("amount", filter=Q(side=DeclarationLine.Side.DEBIT)),
    "credit": Sum("amount", filter=Q(side=DeclarationLine.Side.CREDIT)),
}


def _production(org_id: int, contract: Contract, first: dt.date, last: dt.date) -> dict[str, dict]:
    rows: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: ZERO))
    grouped = (
        DayLine.objects.filter(_contract_lines(org_id, contract), day__gte=first, day__lte=last)
        .order_by().values("zorgprofiel")
        .annotate(days=Count("id"), billable_days=Count("id", filter=Q(billable=True)),
                  earned=Sum("amount", filter=Q(billable=True)))
    )
    for g in grouped:
        row = rows[g["zorgprofiel"]]
        row["client_days"] += g["days"]
        row["billable_days"] += g["billable_days"]
        row["earned"] += g["earned"] or ZERO
    declared = (
        _declared_lines(org_id, contract, first, last)
        .values("zorgprofiel").annotate(**_SIDE_SUMS)
    )
    for g in declared:
        rows[g["zorgprofiel"]]["declared"] += _signed(g["debit"], g["credit"])
    return rows


def _production_row(acc: dict) -> dict:
    return {
        "client_days": int(acc.get("client_days", 0)),
        "billable_days": int(acc.get("billable_days", 0)),
        "earned": money(acc.get("earned")),
        "declared": money(acc.get("declared")),
    }


_production_total = _production_row


def _production_year(organization: Organization, contract: Contract, year: int, last: dt.date) -> dict:
    org_id = organization.pk
    year_first, year_last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    through = daily.computed_through(organization)
    through = min(through, last) if through is not None else None
    if through is not None and through < year_first:
        through = None
    earned = {"earned": None, "last_day_amount": None}
    if through is not None:
        earned = (
            DayLine.objects.filter(organization_id=org_id, superseded_at__isnull=True, contract_id=contract.pk,
                                   billable=True, day__gte=year_first, day__lte=through)
            .aggregate(earned=Sum("amount"), last_day_amount=Sum("amount", filter=Q(day=through)),
                       last_day_clients=Count("id", filter=Q(day=through)))
        )
    declared = _declared_lines(org_id, contract, year_first, last).aggregate(**_SIDE_SUMS)
    row = ProductionRow(
        label=contract.zorgkantoor.name, agreement=contract.production_agreement,
        earned=earned["earned"] or ZERO, declared=_signed(declared["debit"], declared["credit"]),
        last_day_amount=earned["last_day_amount"] or ZERO, last_day_clients=earned.get("last_day_clients") or 0,
        remaining_days=(year_last - through).days if through else 0,
    )
    return {
        "agreement": money(row.agreement),
        "earned_to_date": money(row.earned),
        "declared_to_date": money(row.declared),
        "through": through.isoformat() if through else None,
        "projected": money(row.projected),
        "used_pct": ratio(row.earned, row.agreement, factor=100),
        "projected_pct": ratio(row.projected, row.agreement, factor=100),
    }


# --- mantelzorg ----------------------------------------------------------------------------------


def _mantelzorg(org_id: int, client_ids: list[int], last: dt.date) -> dict:
    members = (
        NetworkMember.objects.filter(organization_id=org_id, client_id__in=client_ids,
                                     relation__in=MANTELZORG_RELATIONS)
        .order_by().values("client_id", "hours_per_week")
    ) if client_ids else []
    with_mantelzorger: set[int] = set()
    count, hours = 0, ZERO
    for m in members:
        with_mantelzorger.add(m["client_id"])
        count += 1
        hours += m["hours_per_week"] or ZERO

    # The arrangement in force on the last day (active or ended, latest start wins).
    in_force: dict[int, tuple[dt.date, int, int]] = {}
    candidates = (
        Arrangement.objects.filter(organization_id=org_id, client_id__in=client_ids, status__in=IN_FORCE,
                                   valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=last))
        .order_by().values("pk", "client_id", "valid_from", "version")
    ) if client_ids else []
    for a in candidates:
        key = (a["valid_from"], a["version"], a["pk"])
        if a["client_id"] not in in_force or key > in_force[a["client_id"]]:
            in_force[a["client_id"]] = key
    arrangement_ids = [key[2] for key in in_force.values()]
    with_tasks: set[int] = set()
    if arrangement_ids:
        with_tasks.update(
            ArrangementLine.objects.filter(organization_id=org_id, arrangement_id__in=arrangement_ids,
                                           delivered_by=ArrangementLine.DeliveredBy.MANTELZORG)
            .values_list("arrangement_id", flat=True).distinct().order_by()
        )
        with_tasks.update(
            TaskAgreement.objects.filter(organization_id=org_id, arrangement_id__in=arrangement_ids,
                                         done_by=TaskAgreement.DoneBy.NETWORK)
            .values_list("arrangement_id", flat=True).distinct().order_by()
        )
    clients = len(client_ids)
    return {
        "clients": clients,
        "with_mantelzorger": len(with_mantelzorger),
        "share_pct": ratio(len(with_mantelzorger), clients, factor=100),
        "mantelzorgers": count,
        "estimated_hours_per_week": tenth(hours),
        "clients_with_mantelzorg_tasks": len(with_tasks),
    }


# --- alarms --------------------------------------------------------------------------------------


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    starts, month = [], first.replace(day=1)
    while month <= last:
        starts.append(month)
        month = kpis.add_months(month, 1)
    return starts


def _alarms(org_id: int, first: dt.date, last: dt.date, now: dt.datetime) -> dict:
    starts_at, ends_at = kpis.day_bounds(first, last)
    rows, steps = kpis.alarm_rows(org_id, None, starts_at, ends_at)
    fig = kpis.figures(rows, steps, ends_at=ends_at, now=now)
    per_month: dict[tuple[int, int], list[dict]] = defaultdict(list)
    for r in rows:
        local = r["received_at"].astimezone(kpis.LOCAL_TZ)
        per_month[(local.year, local.month)].append(r)
    months = []
    for month in _month_starts(first, last):
        month_rows = per_month.get((month.year, month.month), [])
        month_fig = kpis.figures(month_rows, steps, ends_at=kpis.month_bounds(month)[1], now=now)
        months.append({"month": f"{month:%Y-%m}", "alarms": month_fig.alarms,
                       "ack_within_norm_pct": ratio(month_fig.ack_norm.within, month_fig.ack_norm.total, factor=100)})
    return {
        "alarms": fig.alarms,
        "ack_median_min": minutes(fig.acknowledged.median),
        "ack_p90_min": minutes(fig.acknowledged.p90),
        "on_site_median_min": minutes(fig.on_site.median),
        "on_site_p90_min": minutes(fig.on_site.p90),
        "ack_within_norm": fig.ack_norm.within,
        "ack_settled": fig.ack_norm.total,
        "ack_within_norm_pct": ratio(fig.ack_norm.within, fig.ack_norm.total, factor=100),
        "on_site_within_norm": fig.on_site_norm.within,
        "on_site_count": fig.on_site_norm.total,
        "on_site_within_norm_pct": ratio(fig.on_site_norm.within, fig.on_site_norm.total, factor=100),
        "escalated_alarms": fig.escalated_alarms,
        "escalation_steps": fig.escalation_steps,
        "months": months,
    }


# --- respite -------------------------------------------------------------------------------------


def _respite(org_id: int, first: dt.date, last: dt.date) -> dict:
    stays = (
        Absence.objects.filter(organization_id=org_id, kind=Absence.Kind.RESPITE, left_on__lte=last)
        .filter(Q(returned_on__isnull=True) | Q(returned_on__gt=first))
        .order_by().values("client_id", "left_on", "returned_on")
    )
    nights = count = 0
    clients: set[int] = set()
    for s in stays:
        # Nights D with left_on <= D < returned_on, i.e. D in [left_on, returned_on - 1].
        span = _overlap(s["left_on"], s["returned_on"] - ONE_DAY if s["returned_on"] else None, first, last)
        if span is None:
            continue
        nights += (span[1] - span[0]).days + 1
        count += 1
        clients.add(s["client_id"])
    return {"stays": count, "clients": len(clients), "nights": nights}


def outflow_rows(flow: dict | None) -> list[dict]:
    """The outflow per end reason in the order of Client.EndReason, then any other key
    sorted: a stored report must render in the same order however its JSON keys come back
    (PostgreSQL's jsonb does not keep the order they were written in)."""
    outflow = dict((flow or {}).get("outflow") or {})
    labels = dict(Client.EndReason.choices)
    order = [*labels, *sorted(set(outflow) - set(labels))]
    return [{"reason": key, "label": str(labels.get(key, key or _("Unknown"))), "count": outflow[key]}
            for key in order if key in outflow]
