"""Care-plan deadlines: the arrangement is the care plan.

The plan must be agreed with the client (an active arrangement with `agreed_on`) within
`CarePlanPolicy.agree_within_days` (default 42) after the start of care, and evaluated every
`evaluate_every_months` (default 6), counted from the agreement or the last evaluation,
whichever is later (DOMAIN.md, "The arrangement": reviewed as needs change; the periods are
the organisation's policy, hence data).

Pure functions on dates, plus one set-based selector for the overview and the dashboard.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from arrangements.models import Arrangement, CarePlanPolicy, Evaluation
from clients.models import Client
from clients.selectors import visible_clients
from vpt.tenancy.models import Membership, Organization

DUE_SOON_DAYS = 14  # "due soon" badge on a deadline
UPCOMING_DAYS = 30  # the deadlines list looks this far ahead

Status = Literal["overdue", "due_soon", "ok"]
Kind = Literal["plan", "evaluation"]
KIND_LABELS = {"plan": _("Care plan to agree"), "evaluation": _("Evaluation")}


def policy_for(organization: Organization) -> CarePlanPolicy:
    """The organisation's policy, or an unsaved one with the defaults (42 days, 6 months)."""
    policy = CarePlanPolicy.objects.filter(organization=organization).first()
    return policy or CarePlanPolicy(organization=organization)


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, clamped to the end of a shorter month (31 Aug + 6 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def plan_due(
    client: Client | None = None, *, agreed_on: date | None, care_start: date | None = None, policy: CarePlanPolicy
) -> date | None:
    """When the care plan must be agreed: start of care + agree_within_days; None once an active
    arrangement has been agreed, or while care has not started (no start date).
    `care_start` defaults to the client's."""
    if agreed_on is not None:
        return None
    if care_start is None and client is not None:
        care_start = client.care_start
    if care_start is None:
        return None
    return care_start + timedelta(days=policy.agree_within_days)


def next_evaluation_due(
    *, agreed_on: date | None, last_evaluation: date | Evaluation | None, policy: CarePlanPolicy
) -> date | None:
    """The next evaluation: evaluate_every_months after the agreement or the last evaluation,
    whichever is later; None before anything was agreed or evaluated."""
    if isinstance(last_evaluation, Evaluation):
        last_evaluation = last_evaluation.held_on
    starts = [d for d in (agreed_on, last_evaluation) if d is not None]
    if not starts:
        return None
    return add_months(max(starts), policy.evaluate_every_months)


def status(due: date, today: date) -> Status:
    """overdue: the day has passed; due_soon: within DUE_SOON_DAYS (today included); ok: later."""
    if due < today:
        return "overdue"
    if due <= today + timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return "ok"


@dataclass(frozen=True)
class Deadline:
    client: Client
    kind: Kind
    due: date
    status: Status
    days: int  # days from today to the due date; negative when overdue

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def days_late(self) -> int:
        return max(0, -self.days)


@dataclass
class Deadlines:
    overdue: list[Deadline] = field(default_factory=list)
    upcoming: list[Deadline] = field(default_factory=list)  # due today .. today + UPCOMING_DAYS

    @property
    def all(self) -> list[Deadline]:
        return self.overdue + self.upcoming


def annotate_careplan(clients: QuerySet[Client]) -> QuerySet[Client]:
    """Annotate `plan_agreed_on` (the latest agreed active arrangement) and `last_evaluated_on`
    (the latest evaluation) on a client queryset: two correlated subqueries, no query per row."""
    agreed = (
        Arrangement.objects.filter(
            organization=OuterRef("organization"), client=OuterRef("pk"),
            status=Arrangement.Status.ACTIVE, agreed_on__isnull=False,
        )
        .order_by("-version")
        .values("agreed_on")[:1]
    )
    evaluated = (
        Evaluation.objects.filter(organization=OuterRef("organization"), client=OuterRef("pk"))
        .order_by("-held_on")
        .values("held_on")[:1]
    )
    return clients.annotate(plan_agreed_on=Subquery(agreed), last_evaluated_on=Subquery(evaluated))


def careplan_deadlines(*, membership: Membership, today: date, horizon_days: int = UPCOMING_DAYS) -> Deadlines:
    """The member's visible clients in care whose plan agreement or evaluation is overdue or due
    within `horizon_days`, earliest first. Two queries (policy, clients), whatever the count."""
    policy = policy_for(membership.organization)
    clients = annotate_careplan(
        visible_clients(membership)
        .filter(status=Client.Status.IN_CARE, care_start__isnull=False)
        .select_related("primary_team")
    )
    horizon = today + timedelta(days=horizon_days)
    result = Deadlines()
    for client in clients:
        due_plan = plan_due(client, agreed_on=client.plan_agreed_on, care_start=client.care_start, policy=policy)
        due_eval = next_evaluation_due(
            agreed_on=client.plan_agreed_on, last_evaluation=client.last_evaluated_on, policy=policy
        )
        for kind, due in (("plan", due_plan), ("evaluation", due_eval)):
            if due is None or due > horizon:
                continue
            deadline = Deadline(client=client, kind=kind, due=due, status=status(due, today), days=(due - today).days)
            (result.overdue if deadline.status == "overdue" else result.upcoming).append(deadline)
    result.overdue.sort(key=lambda d: (d.due, d.client.sort_name))
    result.upcoming.sort(key=lambda d: (d.due, d.client.sort_name))
    return result


def client_deadlines(client: Client, *, agreed_on: date | None, today: date) -> list[Deadline]:
    """The care-plan deadlines of one client (for the client's arrangement page)."""
    if client.status != Client.Status.IN_CARE:
        return []
    policy = policy_for(client.organization)
    last = client.evaluations.order_by("-held_on").values_list("held_on", flat=True).first()
    result = []
    for kind, due in (
        ("plan", plan_due(client, agreed_on=agreed_on, policy=policy)),
        ("evaluation", next_evaluation_due(agreed_on=agreed_on, last_evaluation=last, policy=policy)),
    ):
        if due is not None:
            result.append(Deadline(client=client, kind=kind, due=due, status=status(due, today), days=(due - today).days))
    return result
