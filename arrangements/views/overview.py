"""The budget overview: budget fit per team and organisation, and care-plan deadlines."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from arrangements import careplan
from arrangements.selectors_overview import TOP_CLIENTS, budget_overview
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm


@requires(Perm.VIEW_BUDGETS)
def overview(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    budget = budget_overview(membership=request.membership, today=today)
    deadlines = careplan.careplan_deadlines(membership=request.membership, today=today)
    # The page names clients with their margins: a read over client records.
    record_access(action=AccessLog.Action.VIEW, request=request, object_type="arrangements.budget_overview",
                  description=f"budget overview ({budget.organisation.clients} clients)")
    return render(request, "arrangements/overview_budget.html", {
        "budget": budget, "deadlines": deadlines, "today": today, "top_count": TOP_CLIENTS,
        "policy": careplan.policy_for(request.organization),
    })
