"""The daily-run ledger (/financien/dagrun/): every run of the daily calculation with its
counts, the day the nightly runs have computed through, and re-running a period. While a
run is queued or running the table refreshes itself every 5 seconds (htmx)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from billing import selectors_finance, services
from billing.forms_runs import RerunForm
from billing.models import DailyRun
from billing.views.common import add_errors, require_provider
from vpt.tenancy.decorators import requires
from vpt.tenancy.roles import Perm

PAGE_SIZE = 50

STATUS_BADGES = {
    DailyRun.Status.QUEUED: "badge-status-intake",
    DailyRun.Status.RUNNING: "badge-status-intake",
    DailyRun.Status.DONE: "badge-ok",
    DailyRun.Status.SKIPPED: "badge-warn",
    DailyRun.Status.FAILED: "badge-decision-not_suitable",  # the red badge
}


@dataclass(frozen=True)
class RunRow:
    run: DailyRun
    badge: str
    duration: str
    requested_by: str


def duration_label(ms: int | None) -> str:
    if ms is None:
        return "—"
    if ms < 1000:
        return _("%(ms)s ms") % {"ms": ms}
    seconds = ms / 1000
    if seconds < 60:
        return _("%(s)s s") % {"s": number_format(seconds, 1)}
    minutes, rest = divmod(round(seconds), 60)
    return _("%(m)s min %(s)s s") % {"m": minutes, "s": rest}


def _row(run: DailyRun) -> RunRow:
    user = run.requested_by
    return RunRow(
        run=run,
        badge=STATUS_BADGES.get(run.status, "badge-muted"),
        duration=duration_label(run.duration_ms),
        requested_by=(user.get_full_name() or user.get_username()) if user else "",
    )


@requires(Perm.MANAGE_FINANCE)
def run_list(request: HttpRequest) -> HttpResponse:
    """GET: the ledger (the `ledger` partial for htmx polling). POST: queue a re-run of a
    period (billing.services.request_rerun) and return to the ledger."""
    require_provider(request)
    organization = request.organization
    today = timezone.localdate()
    form = RerunForm(request.POST if request.method == "POST" else None, today=today)
    if request.method == "POST" and form.is_valid():
        first, last = form.cleaned_data["first"], form.cleaned_data["last"]
        try:
            services.request_rerun(organization, first, last, user=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("A re-run of %(first)s up to and including %(last)s has been queued.")
                             % {"first": f"{first:%d-%m-%Y}", "last": f"{last:%d-%m-%Y}"})
            return redirect("billing:runs")

    status = selectors_finance.run_status(organization=organization, today=today)
    page = Paginator(selectors_finance.run_ledger(organization=organization), PAGE_SIZE).get_page(
        request.GET.get("page"))
    context = {"form": form, "status": status, "page": page, "rows": [_row(r) for r in page.object_list]}
    template = "billing/finance/runs.html#ledger" if request.htmx else "billing/finance/runs.html"
    return render(request, template, context)
