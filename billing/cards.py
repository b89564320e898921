"""Dashboard cards of finance: how far the daily run is, and the next declaration deadline."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing import daily
from billing.declarations import declaration_deadline
from billing.models import DailyRun, Declaration
from vpt.core.dashboard import Card, register_cards
from vpt.tenancy.roles import Role


def _fmt(day) -> str:  # noqa: ANN001
    return day.strftime("%d-%m-%Y") if day else "–"


def daily_run_card(request: HttpRequest) -> Iterable[Card]:
    if not request.organization.is_provider:
        return
    org = request.organization
    through = daily.computed_through(org)
    yesterday = timezone.localdate() - timedelta(days=1)
    last = DailyRun.objects.filter(organization=org).order_by("-created_at", "-pk").first()
    failed = DailyRun.objects.filter(organization=org, status=DailyRun.Status.FAILED,
                                     created_at__gte=timezone.now() - timedelta(days=7)).count()
    if through is None:
        detail = _("No nightly run has completed yet.")
    elif through < yesterday:
        detail = _("Behind: %(days)d day(s) not computed yet.") % {"days": (yesterday - through).days}
    else:
        detail = _("Up to date.")
    rows = []
    if last is not None:
        rows.append((_("Last run"), f"{last.get_status_display()} · {_fmt(last.last_day)}"))
    if failed:
        rows.append((_("Failed in the last 7 days"), failed))
    yield Card(title=_("Computed through"), value=_fmt(through), detail=detail, rows=rows,
               url=reverse("billing:runs"), order=20)


def declaration_card(request: HttpRequest) -> Iterable[Card]:
    """The previous month's declaration and its deadline (17 working days after the month)."""
    if not request.organization.is_provider:
        return
    today = timezone.localdate()
    previous = today.replace(day=1) - timedelta(days=1)
    deadline = declaration_deadline(previous.year, previous.month)
    declarations = list(Declaration.objects.filter(organization=request.organization, year=previous.year,
                                                   month=previous.month))
    status = ", ".join(d.get_status_display() for d in declarations) or _("not made yet")
    days_left = (deadline - today).days
    if days_left >= 0:
        detail = ngettext("%(days)d day left", "%(days)d days left", days_left) % {"days": days_left}
    else:
        detail = _("the deadline has passed")
    yield Card(title=_("Deadline declaration %(month)02d-%(year)d") % {"month": previous.month, "year": previous.year},
               value=_fmt(deadline), detail=detail, rows=[(_("Status"), status)],
               url=reverse("billing:declarations"), order=21)


def register() -> None:
    register_cards({Role.FINANCE, Role.ADMIN}, daily_run_card)
    register_cards({Role.FINANCE}, declaration_card)
