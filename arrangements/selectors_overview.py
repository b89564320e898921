"""Reads for the budget overview and the per-client task division and evaluation pages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from arrangements.costs import CENT, DAYS_PER_YEAR, MONTHS_PER_YEAR, CostSummary, summarise
from arrangements.models import Arrangement, ArrangementLine, Evaluation, TaskAgreement
from arrangements.selectors import tariff_amount
from clients.models import Client, NetworkMember
from clients.selectors import visible_clients, visible_teams
from clients.tariffs import day_tariffs
from vpt.tenancy.models import Membership, Team

TOP_CLIENTS = 20


def per_month(per_day: Decimal) -> Decimal:
    return (per_day * DAYS_PER_YEAR / MONTHS_PER_YEAR).quantize(CENT, ROUND_HALF_UP)


# --- Budget fit -------------------------------------------------------------------------


@dataclass
class ClientBudget:
    client: Client
    arrangement: Arrangement
    summary: CostSummary
    is_illustrative: bool = False
    uses_maximum: bool = False  # no contracted amount: held against the NZa maximum

    @property
    def margin_per_month(self) -> Decimal | None:
        return None if self.summary.margin_per_day is None else per_month(self.summary.margin_per_day)


@dataclass
class BudgetTotals:
    """Sums over clients with an arrangement in force. Tariff and margin only count clients
    whose tariff is known; `without_tariff` says how many were left out of them."""

    clients: int = 0
    tariff_per_day: Decimal = Decimal(0)
    cost_per_day: Decimal = Decimal(0)
    margin_per_day: Decimal = Decimal(0)
    over_budget: int = 0
    without_tariff: int = 0

    def add(self, row: ClientBudget) -> None:
        self.clients += 1
        self.cost_per_day += row.summary.cost_per_day
        if row.summary.tariff_per_day is None:
            self.without_tariff += 1
            return
        self.tariff_per_day += row.summary.tariff_per_day
        self.margin_per_day += row.summary.margin_per_day
        self.over_budget += row.summary.over_budget

    @property
    def margin_per_month(self) -> Decimal:
        return per_month(self.margin_per_day)

    @property
    def is_negative(self) -> bool:
        return self.margin_per_day < 0


@dataclass
class TeamBudget:
    team: Team
    totals: BudgetTotals = field(default_factory=BudgetTotals)


@dataclass
class BudgetOverview:
    today: date
    organisation: BudgetTotals
    teams: list[TeamBudget]
    clients: list[ClientBudget]  # furthest over budget first
    is_illustrative: bool = False
    uses_maximum: bool = False

    @property
    def top(self) -> list[ClientBudget]:
        return self.clients[:TOP_CLIENTS]


def arrangements_in_force(*, membership: Membership, day: date) -> list[Arrangement]:
    """Per visible client in care on `day`, the arrangement version in force that day (an
    agreed version, active or already ended by a successor that starts later)."""
    rows = (
        Arrangement.objects.filter(
            organization=membership.organization,
            client__in=visible_clients(membership).in_care_on(day),
            status__in=(Arrangement.Status.ACTIVE, Arrangement.Status.ENDED),
            valid_from__lte=day,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .select_related("client", "client__primary_team")
        .order_by("client_id", "-version")
    )
    seen: set[int] = set()
    result = []
    for arrangement in rows:  # versions do not overlap; should two, the latest wins
        if arrangement.client_id not in seen:
            seen.add(arrangement.client_id)
            result.append(arrangement)
    return result


def budget_overview(*, membership: Membership, today: date) -> BudgetOverview:
    """Budget fit today per team and for the organisation, and the clients by margin.

    Eight queries whatever the number of clients: teams, arrangements, lines and the bulk
    day-tariff lookup. Once the daily run stores BudgetDays this can read those instead."""
    teams = {team.pk: TeamBudget(team=team) for team in visible_teams(membership).order_by("name")}
    arrangements = arrangements_in_force(membership=membership, day=today)
    lines: dict[int, list[ArrangementLine]] = {a.pk: [] for a in arrangements}
    for line in ArrangementLine.objects.filter(
        organization=membership.organization, arrangement__in=arrangements
    ).select_related("menu_item"):
        lines[line.arrangement_id].append(line)

    tariffs = day_tariffs(((a.client, a.includes_dagbesteding) for a in arrangements), today)
    organisation = BudgetTotals()
    rows: list[ClientBudget] = []
    for arrangement in arrangements:
        client = arrangement.client
        tariff = tariffs[client.pk]
        amount = tariff_amount(tariff)  # contracted, else the NZa maximum
        row = ClientBudget(
            client=client,
            arrangement=arrangement,
            summary=summarise(lines[arrangement.pk], amount),
            is_illustrative=bool(tariff is not None and tariff.is_illustrative),
            uses_maximum=bool(tariff is not None and tariff.amount is None and amount is not None),
        )
        rows.append(row)
        organisation.add(row)
        team = teams.get(client.primary_team_id)
        if team is None:  # a client of an inactive team: still counts for the organisation
            team = teams[client.primary_team_id] = TeamBudget(team=client.primary_team)
        team.totals.add(row)

    # Furthest over budget first; clients without a tariff after those with one.
    rows.sort(key=lambda r: (r.summary.margin_per_day is None, r.summary.margin_per_day or 0, r.client.sort_name))
    return BudgetOverview(
        today=today,
        organisation=organisation,
        teams=list(teams.values()),
        clients=rows,
        is_illustrative=any(r.is_illustrative for r in rows),
        uses_maximum=any(r.uses_maximum for r in rows),
    )


# --- Task division ----------------------------------------------------------------------


def current_arrangement(client: Client) -> Arrangement | None:
    """The arrangement the task division page works on: the draft being composed if there is
    one, else the active version."""
    arrangements = Arrangement.objects.filter(organization=client.organization, client=client)
    return (
        arrangements.filter(status=Arrangement.Status.DRAFT).order_by("-version").first()
        or arrangements.filter(status=Arrangement.Status.ACTIVE).order_by("-version").first()
    )


_OFFER_SPLIT = re.compile(r"[\n,;]+")


def offered_tasks(member: NetworkMember) -> list[str]:
    """What a network member said they want to keep doing, one item per line or comma."""
    return [t.strip(" -•\t") for t in _OFFER_SPLIT.split(member.tasks or "") if t.strip(" -•\t")]


@dataclass
class MemberLoad:
    member: NetworkMember
    tasks: list[TaskAgreement]
    offered: list[str]

    @property
    def count(self) -> int:
        return len(self.tasks)

    @property
    def overasked(self) -> bool:
        """More tasks than they offered to keep doing (or tasks while they offered none)."""
        return self.count > len(self.offered)


@dataclass
class TaskDivision:
    arrangement: Arrangement | None
    by_client: list[TaskAgreement]
    by_team: list[TaskAgreement]
    members: list[MemberLoad]

    @property
    def is_editable(self) -> bool:
        return self.arrangement is not None and self.arrangement.status == Arrangement.Status.DRAFT

    @property
    def total(self) -> int:
        return len(self.by_client) + len(self.by_team) + sum(m.count for m in self.members)

    @property
    def overasked(self) -> list[MemberLoad]:
        return [m for m in self.members if m.overasked]


def task_division(client: Client) -> TaskDivision:
    """The task division of the client's current arrangement, grouped by who does it, with
    every network member's load next to what they offered. Three queries."""
    arrangement = current_arrangement(client)
    network = list(NetworkMember.objects.filter(organization=client.organization, client=client))
    tasks = [] if arrangement is None else list(
        TaskAgreement.objects.filter(organization=client.organization, arrangement=arrangement).order_by("pk")
    )
    by_member: dict[int, list[TaskAgreement]] = {m.pk: [] for m in network}
    members = {m.pk: m for m in network}
    for task in tasks:
        if task.network_member_id:
            task.network_member = members.get(task.network_member_id)
        if task.done_by == TaskAgreement.DoneBy.NETWORK and task.network_member_id in by_member:
            by_member[task.network_member_id].append(task)
    return TaskDivision(
        arrangement=arrangement,
        by_client=[t for t in tasks if t.done_by == TaskAgreement.DoneBy.CLIENT],
        by_team=[t for t in tasks if t.done_by == TaskAgreement.DoneBy.TEAM],
        members=[MemberLoad(member=m, tasks=by_member[m.pk], offered=offered_tasks(m)) for m in network],
    )


def access_taskagreement_by_id(request: HttpRequest, client: Client, taskagreement_id: int) -> TaskAgreement:
    """A task of one of the client's arrangements, inside the organisation; 404 otherwise."""
    obj = (
        TaskAgreement.objects.filter(organization=request.organization, arrangement__client=client, pk=taskagreement_id)
        .select_related("arrangement", "network_member")
        .first()
    )
    if obj is None:
        raise Http404
    return obj


# --- Evaluations ------------------------------------------------------------------------


def client_evaluations(client: Client) -> list[Evaluation]:
    return list(
        Evaluation.objects.filter(organization=client.organization, client=client)
        .select_related("arrangement", "new_arrangement", "recorded_by")
        .order_by("-held_on", "-pk")
    )


def newer_versions(client: Client, than: Arrangement | None) -> QuerySet[Arrangement]:
    """Arrangement versions of the client newer than `than`: the choices for "new version"."""
    qs = Arrangement.objects.filter(organization=client.organization, client=client).order_by("-version")
    if than is not None:
        qs = qs.filter(version__gt=than.version)
    return qs
