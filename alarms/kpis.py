"""Alarm KPIs per team and month: how many alarms, of what kind and cause, how fast they
were acknowledged and attended on site, how often within the norm (day and night apart),
how many were escalated and how many were still open when the month ended.

Which alarms: those *received* in the month, in Europe/Amsterdam local time — an alarm at
00:30 on 1 November (local) belongs to November, although it is 31 October 23:30 UTC. All
figures describe that cohort of alarms, measured with the data as it is now: an alarm of
October acknowledged on 1 November still counts for October. Only "open at month end"
looks at a moment: the alarms of the month not resolved by the end of the month (for the
running month: not resolved yet).

The figures, per team and for the selection as a whole, each also split day / night by
the alarm's `is_night` (set at intake from the organisation's policy):

- alarms; per kind (all alarms) and per cause (resolved alarms: the cause is recorded when
  an alarm is resolved);
- minutes to acknowledge (`acknowledged_at - received_at`, only alarms that were
  acknowledged) and to on site (`on_site_at - received_at`, only alarms that reached on
  site): the median and the 90th percentile, both by the **nearest-rank** method. Sort the
  n values ascending; the p-th percentile is the value at (1-based) rank
  ceil(p * n / 100), computed in integers. So the median of an even number of values is
  the lower of the two middle ones, and every reported value is one that occurred —
  nothing is interpolated. Example: 1, 2, 2, 3, 4, 7, 12 (n = 7): median rank
  ceil(3.5) = 4 → 3; p90 rank ceil(6.3) = 7 → 12;
- acknowledged within the norm: `acknowledged_at <= ack_due_at`, out of the alarms whose
  acknowledgement is settled — acknowledged, or not acknowledged while the deadline has
  passed (an ignored alarm counts as missed, not as absent). An alarm still waiting within
  its deadline is left out;
- on site within the norm: `on_site_at <= onsite_due_at`, out of the alarms that reached
  on site. Not every alarm needs a visit (many are handled by phone), so alarms without
  an on-site step are left out; a missed visit shows in the escalations;
- escalated alarms (escalation step above 0, or at least one "escalated" event) and the
  number of escalation steps taken (the "escalated" events of these alarms), and per
  highest step reached;
- still open at month end;
- the clients with the most alarms (top 10). Names are only looked up when asked for
  (`include_client_names`); reports that leave the organisation (the zorgkantoor) use
  aggregates only and pass False.

Queries: one `.values()` over the month's alarms of the teams, one over their escalation
events, one for the team names and (with names) one for at most ten clients. Everything
else is computed in Python — fine up to tens of thousands of alarms a month; beyond that
the grouping would have to move into SQL.

`range_kpis` computes the same figures for any [start, end) of aware datetimes (the
reports to the zorgkantoor: a quarter or a year, `day_bounds`); `alarm_rows` + `figures`
give the bare figures of any selection of those alarms (e.g. per calendar month).

Must run inside the organisation's tenant scope (views have one).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from alarms.models import Alarm, AlarmEvent
from clients.models import Client
from vpt.tenancy.models import Team

LOCAL_TZ = ZoneInfo("Europe/Amsterdam")
TOP_CLIENTS = 10


# --- the month ---------------------------------------------------------------------------------


def month_first(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month_start: dt.date, months: int) -> dt.date:
    index = month_start.year * 12 + month_start.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_bounds(month_start: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the month as aware datetimes: local midnight (Europe/Amsterdam) of
    the first of the month and of the first of the next month."""
    first = month_first(month_start)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=LOCAL_TZ)
    end = dt.datetime.combine(add_months(first, 1), dt.time.min, tzinfo=LOCAL_TZ)
    return start, end


# --- statistics --------------------------------------------------------------------------------


def nearest_rank(values: list[float], percent: int) -> float | None:
    """The `percent`-th percentile of `values` by the nearest-rank method: the value at
    1-based rank ceil(percent * n / 100) of the sorted values (integer arithmetic, so no
    rounding error moves the rank). None for no values."""
    if not values:
        return None
    if not 0 < percent <= 100:
        raise ValueError("percent must be in (0, 100]")
    ordered = sorted(values)
    rank = -(-percent * len(ordered) // 100)  # ceil without floats
    return ordered[rank - 1]


@dataclass(frozen=True)
class Durations:
    """Minutes from receipt to a step, for the alarms that reached it."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, minutes: list[float]) -> Durations:
        return cls(count=len(minutes), median=nearest_rank(minutes, 50), p90=nearest_rank(minutes, 90))


@dataclass(frozen=True)
class Share:
    """`within` of `total` alarms met the norm."""

    within: int
    total: int

    @property
    def pct(self) -> float | None:
        return None if not self.total else round(100 * self.within / self.total, 1)

    @property
    def missed(self) -> int:
        return self.total - self.within


@dataclass
class Figures:
    """The KPIs of one group of alarms (a team or the selection; all, day or night)."""

    alarms: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)  # every Alarm.Kind, in choice order
    by_cause: dict[str, int] = field(default_factory=dict)  # every Alarm.Cause, in choice order
    resolved: int = 0
    acknowledged: Durations = field(default_factory=lambda: Durations(0, None, None))
    on_site: Durations = field(default_factory=lambda: Durations(0, None, None))
    ack_norm: Share = field(default_factory=lambda: Share(0, 0))
    on_site_norm: Share = field(default_factory=lambda: Share(0, 0))
    escalated_alarms: int = 0
    escalation_steps: int = 0
    by_highest_step: dict[int, int] = field(default_factory=dict)  # step -> alarms that reached it last
    open_at_month_end: int = 0


@dataclass(frozen=True)
class ClientCount:
    """One of the clients with the most alarms. Without names (`include_client_names`
    False) the entry is anonymous: no id, no name, just the rank's count."""

    client_id: int | None
    alarms: int
    name: str | None


@dataclass
class GroupKpis:
    """A team (or, with team_id None, the whole selection): all its alarms, and day and
    night apart."""

    team_id: int | None
    team_name: str
    all: Figures
    day: Figures
    night: Figures
    top_clients: list[ClientCount]
    team_active: bool = True


@dataclass
class KpiReport:
    organization_id: int
    month_start: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime
    computed_at: dt.datetime
    team_ids: list[int] | None  # None: every team of the organisation
    teams: list[GroupKpis]  # ordered by team name
    total: GroupKpis
    include_client_names: bool

    @property
    def is_running(self) -> bool:
        """The month has not ended yet: "open at month end" means "open now"."""
        return self.computed_at < self.ends_at

    @property
    def kinds(self) -> list[tuple[str, str]]:
        return list(Alarm.Kind.choices)

    @property
    def causes(self) -> list[tuple[str, str]]:
        return list(Alarm.Cause.choices)


# --- computation -------------------------------------------------------------------------------

_FIELDS = ("pk", "team_id", "client_id", "kind", "cause", "is_night", "received_at", "ack_due_at",
           "onsite_due_at", "acknowledged_at", "on_site_at", "resolved_at", "escalation_level")


def _minutes(later: dt.datetime, earlier: dt.datetime) -> float:
    return (later - earlier).total_seconds() / 60


def figures(rows: Iterable[dict], steps: dict[int, list[int]], *, ends_at: dt.datetime,
            now: dt.datetime) -> Figures:
    """The KPIs of `rows` (alarm `.values()` dicts); `steps` maps an alarm id to the levels
    of its escalation events."""
    rows = list(rows)
    kinds = Counter(r["kind"] for r in rows)
    causes = Counter(r["cause"] for r in rows if r["resolved_at"] is not None and r["cause"])
    ack_minutes, onsite_minutes = [], []
    ack_within = ack_total = onsite_within = onsite_total = 0
    escalated = step_count = open_at_end = 0
    highest: Counter[int] = Counter()
    for r in rows:
        received = r["received_at"]
        acked = r["acknowledged_at"]
        if acked is not None:
            ack_minutes.append(_minutes(acked, received))
            ack_total += 1
            ack_within += acked <= r["ack_due_at"]
        elif r["ack_due_at"] <= now:  # never acknowledged and the deadline passed: missed
            ack_total += 1
        if r["on_site_at"] is not None:
            onsite_minutes.append(_minutes(r["on_site_at"], received))
            onsite_total += 1
            onsite_within += r["on_site_at"] <= r["onsite_due_at"]
        alarm_steps = steps.get(r["pk"], [])
        level = max([r["escalation_level"], *alarm_steps])
        if level > 0:
            escalated += 1
            highest[level] += 1
        step_count += len(alarm_steps)
        if r["resolved_at"] is None or r["resolved_at"] >= ends_at:
            open_at_end += 1
    return Figures(
        alarms=len(rows),
        by_kind={value: kinds.get(value, 0) for value in Alarm.Kind.values},
        by_cause={value: causes.get(value, 0) for value in Alarm.Cause.values},
        resolved=sum(causes.values()),
        acknowledged=Durations.of(ack_minutes),
        on_site=Durations.of(onsite_minutes),
        ack_norm=Share(ack_within, ack_total),
        on_site_norm=Share(onsite_within, onsite_total),
        escalated_alarms=escalated,
        escalation_steps=step_count,
        by_highest_step=dict(sorted(highest.items())),
        open_at_month_end=open_at_end,
    )


def _group(team_id: int | None, team_name: str, rows: list[dict], steps: dict[int, list[int]], *,
           ends_at: dt.datetime, now: dt.datetime, team_active: bool = True) -> GroupKpis:
    def fig(part: list[dict]) -> Figures:
        return figures(part, steps, ends_at=ends_at, now=now)

    per_client = Counter(r["client_id"] for r in rows)
    # Most alarms first; equal counts by client id, so the order is stable.
    top = sorted(per_client.items(), key=lambda item: (-item[1], item[0]))[:TOP_CLIENTS]
    return GroupKpis(
        team_id=team_id, team_name=team_name, team_active=team_active,
        all=fig(rows), day=fig([r for r in rows if not r["is_night"]]), night=fig([r for r in rows if r["is_night"]]),
        top_clients=[ClientCount(client_id=client_id, alarms=count, name=None) for client_id, count in top],
    )


def day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the days `first` .. `last` (inclusive) as aware datetimes: local
    midnight (Europe/Amsterdam) of `first` and of the day after `last`."""
    start = dt.datetime.combine(first, dt.time.min, tzinfo=LOCAL_TZ)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=LOCAL_TZ)
    return start, end


def alarm_rows(organization_id: int, team_ids: list[int] | None, starts_at: dt.datetime,
               ends_at: dt.datetime) -> tuple[list[dict], dict[int, list[int]]]:
    """The alarms received in [starts_at, ends_at) by the teams `team_ids` (None: every
    team) as `.values()` dicts (`_FIELDS`), and the levels of their escalation events per
    alarm id. Two queries; feed them to `figures`."""
    alarms = Alarm.objects.filter(organization_id=organization_id, received_at__gte=starts_at,
                                  received_at__lt=ends_at)
    events = AlarmEvent.objects.filter(organization_id=organization_id, action=AlarmEvent.Action.ESCALATED,
                                       alarm__received_at__gte=starts_at, alarm__received_at__lt=ends_at)
    if team_ids is not None:
        alarms = alarms.filter(team_id__in=team_ids)
        events = events.filter(alarm__team_id__in=team_ids)
    rows = list(alarms.order_by().values(*_FIELDS))
    steps: dict[int, list[int]] = {}
    for event in events.order_by().values("alarm_id", "level"):
        steps.setdefault(event["alarm_id"], []).append(event["level"] or 0)
    return rows, steps


def alarm_kpis(organization_id: int, team_ids: list[int] | None, month_start: dt.date, *,
               include_client_names: bool = True, total_name: str = "",
               now: dt.datetime | None = None) -> KpiReport:
    """The KPIs of the alarms received in the month of `month_start` (local time) by the
    teams `team_ids` (None: every team of the organisation), per team and in total. See the
    module docstring for the definitions, the percentile method and the queries."""
    starts_at, ends_at = month_bounds(month_first(month_start))
    return range_kpis(organization_id, team_ids, starts_at, ends_at, include_client_names=include_client_names,
                      total_name=total_name, now=now)


def range_kpis(organization_id: int, team_ids: list[int] | None, starts_at: dt.datetime, ends_at: dt.datetime, *,
               include_client_names: bool = True, total_name: str = "",
               now: dt.datetime | None = None) -> KpiReport:
    """The KPIs of the alarms received in [starts_at, ends_at) (aware datetimes, e.g. from
    `month_bounds` or `day_bounds`), per team and in total, by the same definitions as a
    month; "open at month end" then means open at `ends_at`. `month_start` of the result
    is the local day of `starts_at`."""
    now = now or timezone.now()
    if team_ids is not None:
        team_ids = sorted(set(team_ids))
    rows, steps = alarm_rows(organization_id, team_ids, starts_at, ends_at)

    # The teams: every requested (or active) team, also without alarms, and any team that
    # had alarms in the month (e.g. one deactivated since).
    seen = {r["team_id"] for r in rows}
    team_filter = (Q(is_active=True) | Q(pk__in=seen)) if team_ids is None else Q(pk__in=team_ids)
    teams = list(Team.objects.filter(team_filter, organization_id=organization_id)
                 .order_by("name", "pk").values("pk", "name", "is_active"))
    per_team: dict[int, list[dict]] = {}
    for r in rows:
        per_team.setdefault(r["team_id"], []).append(r)
    groups = [
        _group(t["pk"], t["name"], per_team.get(t["pk"], []), steps, ends_at=ends_at, now=now,
               team_active=t["is_active"])
        for t in teams
    ]
    total = _group(None, total_name, rows, steps, ends_at=ends_at, now=now)

    if not include_client_names:
        for g in [*groups, total]:
            g.top_clients = [ClientCount(None, c.alarms, None) for c in g.top_clients]
    else:
        wanted = {c.client_id for g in [*groups, total] for c in g.top_clients}
        names = {
            c["pk"]: _full_name(c)
            for c in Client.objects.filter(organization_id=organization_id, pk__in=wanted)
            .values("pk", "first_name", "name_prefix", "last_name")
        } if wanted else {}
        for g in [*groups, total]:
            g.top_clients = [ClientCount(c.client_id, c.alarms, names.get(c.client_id, "")) for c in g.top_clients]

    return KpiReport(
        organization_id=organization_id, month_start=starts_at.astimezone(LOCAL_TZ).date(), starts_at=starts_at,
        ends_at=ends_at, computed_at=now, team_ids=team_ids, teams=groups, total=total,
        include_client_names=include_client_names,
    )


def _full_name(values: dict) -> str:
    return " ".join(p for p in (values["first_name"], values["name_prefix"], values["last_name"]) if p)
