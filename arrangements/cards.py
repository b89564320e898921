"""Dashboard cards of the care plan and the budget (admins and team managers of providers)."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from arrangements import careplan
from arrangements.selectors_overview import budget_overview
from vpt.core.dashboard import Card, register_cards
from vpt.tenancy.roles import Role

ROWS = 5


def _euro(amount) -> str:  # noqa: ANN001
    return f"€ {formats.number_format(amount, 2, use_l10n=True)}"


def deadlines_card(request: HttpRequest) -> Iterable[Card]:
    if not request.organization.is_provider:
        return
    today = timezone.localdate()
    deadlines = careplan.careplan_deadlines(membership=request.membership, today=today)
    yield Card(
        title=_("Care plans and evaluations due"),
        value=len(deadlines.overdue),
        detail=_("overdue · %(count)d due within %(days)d days") % {
            "count": len(deadlines.upcoming), "days": careplan.UPCOMING_DAYS,
        },
        rows=[(f"{d.client.full_name} · {d.kind_label}", f"{d.due:%d-%m-%Y}") for d in deadlines.all[:ROWS]],
        url=reverse("budget:overview") + "#deadlines",
        order=3,
    )


def budget_card(request: HttpRequest) -> Iterable[Card]:
    if not request.organization.is_provider:
        return
    # Computes the overview live, with one tariff lookup per client (see budget_overview);
    # the stored BudgetDays of the daily run will make this cheap.
    budget = budget_overview(membership=request.membership, today=timezone.localdate())
    totals = budget.organisation
    detail = _("margin per day · %(count)d of %(total)d clients over budget") % {
        "count": totals.over_budget, "total": totals.clients,
    }
    if budget.is_illustrative:
        detail += " · " + _("illustrative tariffs")
    yield Card(
        title=_("Budget fit"),
        value=_euro(totals.margin_per_day),
        detail=detail,
        rows=[(t.team.name, _euro(t.totals.margin_per_day)) for t in budget.teams if t.totals.clients][:ROWS],
        url=reverse("budget:overview"),
        order=4,
    )


def register() -> None:
    register_cards([Role.ADMIN, Role.TEAM_MANAGER], deadlines_card)
    register_cards([Role.ADMIN, Role.TEAM_MANAGER], budget_card)
