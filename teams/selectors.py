"""Reads of the teams app, always within what the acting membership may see: the teams it
belongs to (admins and finance: all), their employees and their clients' visits.

The two working views have a bounded number of queries whatever the number of clients or
visits: the coach's Today view (`today_for`) and the capacity view (`capacity_for`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.http import Http404, HttpRequest
from django.utils import timezone

from arrangements.models import Arrangement, ArrangementLine, MenuItem, TaskAgreement
from clients.models import Absence, Client
from clients.selectors import visible_clients, visible_teams
from teams.models import Employee, FixedFace, LevelRate, Visit
from vpt.tenancy.models import Membership, Team

HOURS = Decimal("0.01")


def visible_employees(membership: Membership) -> QuerySet[Employee]:
    return Employee.objects.filter(organization=membership.organization, team__in=visible_teams(membership))


def visible_visits(membership: Membership) -> QuerySet[Visit]:
    return Visit.objects.filter(organization=membership.organization, client__in=visible_clients(membership))


def employee_of(membership: Membership) -> Employee | None:
    """The employee record linked to the membership (who "I" am on the Today view)."""
    return (
        Employee.objects.filter(organization=membership.organization, membership=membership, is_active=True)
        .select_related("team")
        .first()
    )


def level_rates(organization_id: int) -> dict[int, Decimal]:
    return dict(LevelRate.objects.filter(organization_id=organization_id).values_list("function_level", "cost_per_hour"))


# --- access_*_by_id: inside the organisation and what the member may see; 404 else ---------


def access_team_by_id(request: HttpRequest, team_id: int) -> Team:
    team = visible_teams(request.membership).select_related("manager__user").filter(pk=team_id).first()
    if team is None:
        raise Http404
    return team


def access_employee_by_id(request: HttpRequest, employee_id: int) -> Employee:
    employee = visible_employees(request.membership).select_related("team", "membership__user").filter(pk=employee_id).first()
    if employee is None:
        raise Http404
    return employee


def access_visit_by_id(request: HttpRequest, visit_id: int) -> Visit:
    visit = visible_visits(request.membership).select_related("client", "employee").filter(pk=visit_id).first()
    if visit is None:
        raise Http404
    return visit


def access_fixedface_by_id(request: HttpRequest, client: Client, fixedface_id: int) -> FixedFace:
    face = FixedFace.objects.filter(organization=request.organization, client=client, pk=fixedface_id).first()
    if face is None:
        raise Http404
    return face


def fixed_faces(client: Client) -> list[FixedFace]:
    return list(FixedFace.objects.filter(organization=client.organization, client=client).select_related("employee"))


# --- the coach's Today view -----------------------------------------------------------------


@dataclass
class KeyPoints:
    """What a coach needs to know of the arrangement at the door."""

    arrangement: Arrangement
    hours_per_week: Decimal
    elements: list[ArrangementLine]
    activities: dict[str, str]  # code -> name, for registering a visit


@dataclass
class TodayClient:
    client: Client
    visits: list[Visit] = field(default_factory=list)
    key_points: KeyPoints | None = None
    tasks: list[TaskAgreement] = field(default_factory=list)
    is_primary: bool = False
    is_fixed_face: bool = False

    @property
    def first_start(self) -> dt.time | None:
        return self.visits[0].start if self.visits else None

    @property
    def open_visits(self) -> list[Visit]:
        return [v for v in self.visits if v.status == Visit.Status.PLANNED]


@dataclass
class TodayView:
    day: dt.date
    employee: Employee | None
    with_visits: list[TodayClient]
    other_clients: list[TodayClient]

    @property
    def visits(self) -> list[Visit]:
        return [v for c in self.with_visits for v in c.visits]

    @property
    def planned_count(self) -> int:
        return sum(1 for v in self.visits if v.status == Visit.Status.PLANNED)

    @property
    def delivered_minutes(self) -> int:
        return sum(v.duration_minutes for v in self.visits if v.status == Visit.Status.DELIVERED)


def _arrangements_in_force(client_ids: list[int], day: dt.date) -> dict[int, Arrangement]:
    """The active arrangement covering `day` per client, with its lines and tasks (three
    queries, whatever the number of clients)."""
    arrangements = (
        Arrangement.objects.filter(client_id__in=client_ids, status=Arrangement.Status.ACTIVE, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("client_id", "-version")
        .prefetch_related(
            Prefetch("lines", ArrangementLine.objects.select_related("menu_item").order_by("menu_item__kind", "pk")),
            Prefetch("tasks", TaskAgreement.objects.select_related("network_member").order_by("done_by", "pk")),
        )
    )
    by_client: dict[int, Arrangement] = {}
    for arrangement in arrangements:
        by_client.setdefault(arrangement.client_id, arrangement)
    return by_client


def key_points(arrangement: Arrangement) -> KeyPoints:
    lines = list(arrangement.lines.all())
    hours = sum(
        (line.quantity for line in lines if line.menu_item.unit == MenuItem.Unit.HOURS_PER_WEEK and line.bears_budget),
        Decimal(0),
    )
    return KeyPoints(
        arrangement=arrangement,
        hours_per_week=hours,
        elements=[line for line in lines if not line.menu_item.is_fixed],
        activities={line.menu_item.code: line.menu_item.name for line in lines},
    )


def today_for(membership: Membership, day: dt.date | None = None) -> TodayView:
    """The coach's day: clients with a visit of mine on `day` (in time order), then my other
    clients (primary coach or fixed face) in care that day, each with the key points of the
    arrangement and the mantelzorg task division."""
    day = day or timezone.localdate()
    employee = employee_of(membership)
    clients = visible_clients(membership)
    visits: list[Visit] = []
    if employee is not None:
        visits = list(
            Visit.objects.filter(organization=membership.organization, employee=employee, date=day,
                                 client__in=clients)
            .exclude(status=Visit.Status.CANCELLED)
            .select_related("client")
            .order_by("start", "pk")
        )
    mine = Q(client_coach=membership)
    if employee is not None:
        mine |= Q(fixed_faces__employee=employee)
    my_clients = list(clients.in_care_on(day).filter(mine).distinct().order_by("last_name", "first_name", "pk"))
    face_ids = set()
    if employee is not None:
        face_ids = set(
            FixedFace.objects.filter(organization=membership.organization, employee=employee).values_list("client_id", flat=True)
        )
    entries: dict[int, TodayClient] = {}
    for visit in visits:
        entry = entries.setdefault(visit.client_id, TodayClient(client=visit.client))
        entry.visits.append(visit)
    for client in my_clients:
        entries.setdefault(client.pk, TodayClient(client=client))
    for entry in entries.values():
        entry.is_primary = entry.client.client_coach_id == membership.pk
        entry.is_fixed_face = entry.client.pk in face_ids
    arrangements = _arrangements_in_force(list(entries), day)
    for client_id, entry in entries.items():
        arrangement = arrangements.get(client_id)
        if arrangement is not None:
            entry.key_points = key_points(arrangement)
            entry.tasks = list(arrangement.tasks.all())
    with_visits = sorted((e for e in entries.values() if e.visits), key=lambda e: (e.first_start, e.client.pk))
    others = [e for e in entries.values() if not e.visits]
    others.sort(key=lambda e: (e.client.last_name, e.client.first_name, e.client.pk))
    return TodayView(day=day, employee=employee, with_visits=with_visits, other_clients=others)


def today_client(membership: Membership, client: Client, day: dt.date) -> TodayClient:
    """One card of the Today view (the htmx partial after a registration)."""
    employee = employee_of(membership)
    entry = TodayClient(client=client)
    if employee is not None:
        entry.visits = list(
            Visit.objects.filter(organization=membership.organization, employee=employee, date=day, client=client)
            .exclude(status=Visit.Status.CANCELLED)
            .order_by("start", "pk")
        )
        entry.is_fixed_face = FixedFace.objects.filter(client=client, employee=employee).exists()
    entry.is_primary = client.client_coach_id == membership.pk
    arrangement = _arrangements_in_force([client.pk], day).get(client.pk)
    if arrangement is not None:
        entry.key_points = key_points(arrangement)
        entry.tasks = list(arrangement.tasks.all())
    return entry


# --- capacity and realisation per team and week ----------------------------------------------


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass
class LevelCapacity:
    level: int
    demand_hours: Decimal = Decimal(0)  # what the active arrangements ask of the team
    contract_hours: Decimal = Decimal(0)  # what the team's active employees are contracted for
    delivered_hours: Decimal = Decimal(0)  # delivered visits by employees of this level
    employees: int = 0

    @property
    def balance(self) -> Decimal:
        return self.contract_hours - self.demand_hours


@dataclass
class ClientRealisation:
    client: Client
    agreed_hours: Decimal = Decimal(0)
    delivered_hours: Decimal = Decimal(0)
    open_planned_hours: Decimal = Decimal(0)  # planned, not (yet) confirmed

    @property
    def shortfall(self) -> Decimal:
        return self.agreed_hours - self.delivered_hours

    @property
    def realisation_pct(self) -> int | None:
        if not self.agreed_hours:
            return None
        return round(self.delivered_hours / self.agreed_hours * 100)


@dataclass
class Capacity:
    team: Team
    week_start: dt.date
    levels: list[LevelCapacity]
    clients: list[ClientRealisation]  # largest shortfall first

    @property
    def week_end(self) -> dt.date:
        return self.week_start + dt.timedelta(days=6)

    @property
    def demand_hours(self) -> Decimal:
        return sum((lv.demand_hours for lv in self.levels), Decimal(0))

    @property
    def contract_hours(self) -> Decimal:
        return sum((lv.contract_hours for lv in self.levels), Decimal(0))

    @property
    def agreed_hours(self) -> Decimal:
        return sum((c.agreed_hours for c in self.clients), Decimal(0))

    @property
    def delivered_hours(self) -> Decimal:
        return sum((c.delivered_hours for c in self.clients), Decimal(0))

    @property
    def realisation_pct(self) -> int | None:
        agreed = self.agreed_hours
        return round(self.delivered_hours / agreed * 100) if agreed else None


def _overlap_days(start: dt.date, end: dt.date, *periods: tuple[dt.date | None, dt.date | None],
                  away: set[dt.date] | None = None) -> int:
    """Days in [start, end] inside every period, less the days the client was away."""
    for lo, hi in periods:
        if lo is None:
            return 0
        start = max(start, lo)
        end = min(end, hi) if hi is not None else end
    days = max((end - start).days + 1, 0)
    if days and away:
        days -= sum(1 for d in away if start <= d <= end)
    return days


def _days_away(organization_id: int, first: dt.date, last: dt.date, **client_filter: object) -> dict[int, set[dt.date]]:
    """Per client, the days in [first, last] the client was away (admission, holiday,
    respite...): from the day after leaving to the day before returning (NZa), as the client
    file records them. Nobody delivers care at home on those days, so they ask no hours."""
    away: dict[int, set[dt.date]] = defaultdict(set)
    rows = (
        Absence.objects.filter(organization_id=organization_id, left_on__lt=last, **client_filter)
        .filter(Q(returned_on__isnull=True) | Q(returned_on__gt=first))
        .values_list("client_id", "left_on", "returned_on")
    )
    for client_id, left_on, returned_on in rows:
        day = max(left_on + dt.timedelta(days=1), first)
        until = min((returned_on - dt.timedelta(days=1)) if returned_on else last, last)
        while day <= until:
            away[client_id].add(day)
            day += dt.timedelta(days=1)
    return away


def _team_hour_lines(organization_id: int, first: dt.date, last: dt.date, **client_filter: object) -> QuerySet:
    """The arrangement lines that ask hours of the own team in [first, last]: hours per week,
    delivered by the team (not subcontractors, mantelzorg, private), of an active or ended
    (not draft) version covering part of the period."""
    return ArrangementLine.objects.filter(
        organization_id=organization_id,
        arrangement__status__in=(Arrangement.Status.ACTIVE, Arrangement.Status.ENDED),
        arrangement__valid_from__lte=last,
        menu_item__unit=MenuItem.Unit.HOURS_PER_WEEK,
        delivered_by=ArrangementLine.DeliveredBy.TEAM,
        **client_filter,
    ).filter(Q(arrangement__valid_to__isnull=True) | Q(arrangement__valid_to__gte=first))


def capacity_for(teams: list[Team], monday: dt.date) -> dict[int, Capacity]:
    """Capacity and realisation of each team in the week from `monday` (five queries for
    any number of teams, clients and visits).

    Demand: per function level, the hours per week of the team's clients' arrangement lines
    delivered by the own team (not subcontractors, mantelzorg or private), for the part of
    the week the arrangement version and the client's care both cover, less the days the
    client is away (a line of 7 h/week for 3 of the 7 days counts 3 h). Draft arrangements
    ask nothing.
    Supply: the contract hours of the team's active employees, per function level.
    Realisation: per client of the team, the delivered visit hours against the agreed hours
    (the same prorated demand); planned visits not yet confirmed are shown apart.
    """
    if not teams:
        return {}
    org_id = teams[0].organization_id
    team_ids = [t.pk for t in teams]
    sunday = monday + dt.timedelta(days=6)
    seven = Decimal(7)

    demand: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))  # team -> level -> h
    agreed: dict[int, Decimal] = defaultdict(Decimal)  # client -> h
    client_team: dict[int, int] = {}
    lines = (
        _team_hour_lines(org_id, monday, sunday, arrangement__client__primary_team_id__in=team_ids)
        .values_list(
            "arrangement__client_id", "arrangement__client__primary_team_id",
            "arrangement__valid_from", "arrangement__valid_to",
            "arrangement__client__care_start", "arrangement__client__care_end",
            "menu_item__function_level", "quantity",
        )
    )
    away = _days_away(org_id, monday, sunday, client__primary_team_id__in=team_ids)
    for client_id, team_id, a_from, a_to, c_start, c_end, level, quantity in lines:
        days = _overlap_days(monday, sunday, (a_from, a_to), (c_start, c_end), away=away.get(client_id))
        if not days:
            continue
        hours = quantity * days / seven
        demand[team_id][level] += hours
        agreed[client_id] += hours
        client_team[client_id] = team_id

    delivered: dict[int, Decimal] = defaultdict(Decimal)
    open_planned: dict[int, Decimal] = defaultdict(Decimal)
    delivered_by_level: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    visit_rows = (
        Visit.objects.filter(organization_id=org_id, client__primary_team_id__in=team_ids, date__gte=monday,
                             date__lte=sunday)
        .exclude(status=Visit.Status.CANCELLED)
        .values("client_id", "client__primary_team_id", "status", "employee__function_level")
        .annotate(minutes=Sum("duration_minutes"))
        .order_by()
    )
    for row in visit_rows:
        hours = Decimal(row["minutes"]) / 60
        client_team[row["client_id"]] = row["client__primary_team_id"]
        if row["status"] == Visit.Status.DELIVERED:
            delivered[row["client_id"]] += hours
            delivered_by_level[row["client__primary_team_id"]][row["employee__function_level"]] += hours
        else:
            open_planned[row["client_id"]] += hours

    supply: dict[int, dict[int, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    for team_id, level, hours in Employee.objects.filter(
        organization_id=org_id, team_id__in=team_ids, is_active=True
    ).values_list("team_id", "function_level", "contract_hours"):
        supply[team_id][level].append(hours)

    clients = {
        c.pk: c
        for c in Client.objects.filter(organization_id=org_id, pk__in=list(client_team)).only(
            "pk", "first_name", "name_prefix", "last_name", "primary_team_id", "status"
        )
    }
    result: dict[int, Capacity] = {}
    for team in teams:
        levels = []
        for level in (2, 3, 4):
            levels.append(LevelCapacity(
                level=level,
                demand_hours=demand[team.pk][level].quantize(HOURS),
                contract_hours=sum(supply[team.pk][level], Decimal(0)).quantize(HOURS),
                delivered_hours=delivered_by_level[team.pk][level].quantize(HOURS),
                employees=len(supply[team.pk][level]),
            ))
        rows = [
            ClientRealisation(
                client=clients[cid],
                agreed_hours=agreed[cid].quantize(HOURS),
                delivered_hours=delivered[cid].quantize(HOURS),
                open_planned_hours=open_planned[cid].quantize(HOURS),
            )
            for cid, tid in client_team.items()
            if tid == team.pk and cid in clients
        ]
        rows.sort(key=lambda r: (-r.shortfall, r.client.last_name, r.client.first_name, r.client.pk))
        result[team.pk] = Capacity(team=team, week_start=monday, levels=levels, clients=rows)
    return result


@dataclass
class WeekTotals:
    """A team's agreed and delivered hours in one week (the capacity page's trend)."""

    week_start: dt.date
    agreed_hours: Decimal
    delivered_hours: Decimal

    @property
    def realisation_pct(self) -> int | None:
        return round(self.delivered_hours / self.agreed_hours * 100) if self.agreed_hours else None


def capacity_trend(team: Team, mondays: list[dt.date]) -> list[WeekTotals]:
    """Agreed and delivered hours of the team's clients per week, by the same rules as
    `capacity_for` (per client rounded to the hundredth, so the totals match it), in three
    queries for any number of weeks."""
    if not mondays:
        return []
    first, last = min(mondays), max(mondays) + dt.timedelta(days=6)
    seven = Decimal(7)
    agreed: dict[dt.date, dict[int, Decimal]] = {m: defaultdict(Decimal) for m in mondays}
    lines = (
        _team_hour_lines(team.organization_id, first, last, arrangement__client__primary_team=team)
        .values_list("arrangement__client_id", "arrangement__valid_from", "arrangement__valid_to",
                     "arrangement__client__care_start", "arrangement__client__care_end", "quantity")
    )
    away = _days_away(team.organization_id, first, last, client__primary_team=team)
    for client_id, a_from, a_to, c_start, c_end, quantity in lines:
        for monday in mondays:
            days = _overlap_days(monday, monday + dt.timedelta(days=6), (a_from, a_to), (c_start, c_end),
                                 away=away.get(client_id))
            if days:
                agreed[monday][client_id] += quantity * days / seven
    delivered: dict[dt.date, dict[int, Decimal]] = {m: defaultdict(Decimal) for m in mondays}
    rows = (
        Visit.objects.filter(organization_id=team.organization_id, client__primary_team=team,
                             status=Visit.Status.DELIVERED, date__gte=first, date__lte=last)
        .values("client_id", "date")
        .annotate(minutes=Sum("duration_minutes"))
        .order_by()
    )
    for row in rows:
        monday = week_start(row["date"])
        if monday in delivered:
            delivered[monday][row["client_id"]] += Decimal(row["minutes"]) / 60
    return [
        WeekTotals(
            week_start=monday,
            agreed_hours=sum((h.quantize(HOURS) for h in agreed[monday].values()), Decimal(0)),
            delivered_hours=sum((h.quantize(HOURS) for h in delivered[monday].values()), Decimal(0)),
        )
        for monday in sorted(mondays)
    ]
