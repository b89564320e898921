"""Dashboard cards of the teams app: the coach's day and the team manager's week."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from clients.selectors import visible_teams
from teams import selectors
from teams.models import Visit
from vpt.core.dashboard import Card, register_cards
from vpt.tenancy.roles import Role

ROWS = 5


def _hours(value: Decimal) -> str:
    return formats.number_format(value, 1, use_l10n=True)


def today_card(request: HttpRequest) -> Iterable[Card]:
    """My visits today (field staff with an employee record)."""
    if not request.organization.is_provider:
        return
    employee = selectors.employee_of(request.membership)
    if employee is None:
        return
    visits = list(
        Visit.objects.filter(organization=request.organization, employee=employee, date=timezone.localdate())
        .exclude(status=Visit.Status.CANCELLED)
        .select_related("client")
        .order_by("start", "pk")
    )
    open_count = sum(1 for v in visits if v.status == Visit.Status.PLANNED)
    yield Card(
        title=_("My visits today"),
        value=len(visits),
        detail=_("%(open)d still to confirm") % {"open": open_count},
        rows=[(f"{v.start:%H:%M} · {v.client.full_name}", v.get_status_display()) for v in visits[:ROWS]],
        url=reverse("today:today"),
        order=1,
    )


def capacity_card(request: HttpRequest) -> Iterable[Card]:
    """This week's realisation per team (team managers: their teams; admins: all)."""
    if not request.organization.is_provider:
        return
    teams = list(visible_teams(request.membership))
    if not teams:
        return
    monday = selectors.week_start(timezone.localdate())
    capacity = selectors.capacity_for(teams, monday)
    agreed = sum((c.agreed_hours for c in capacity.values()), Decimal(0))
    delivered = sum((c.delivered_hours for c in capacity.values()), Decimal(0))
    rows = []
    for team in teams[:ROWS]:
        cap = capacity[team.pk]
        pct = cap.realisation_pct
        rows.append((team.name, f"{pct} %" if pct is not None else "–"))
    yield Card(
        title=_("Realisation this week"),
        value=f"{round(delivered / agreed * 100)} %" if agreed else "–",
        detail=_("%(delivered)s of %(agreed)s agreed hours delivered so far") % {
            "delivered": _hours(delivered), "agreed": _hours(agreed),
        },
        rows=rows,
        url=reverse("capacity:overview"),
        order=5,
    )


def register() -> None:
    register_cards({Role.CLIENT_COACH, Role.CLIENT_SUPPORT, Role.TEAM_MANAGER}, today_card)
    register_cards({Role.TEAM_MANAGER, Role.ADMIN}, capacity_card)
