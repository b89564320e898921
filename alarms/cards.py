"""Dashboard card of the alarms app (team managers and admins of providers): the clients in
care of my teams without a working personal alarm, and the open channel outages.

Register with `alarms.cards.register()` in AlarmsConfig.ready().
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alarms.models import ChannelOutage, Device
from clients.models import Client
from clients.selectors import visible_clients
from vpt.core.dashboard import Card, register_cards
from vpt.tenancy.models import Membership
from vpt.tenancy.roles import Role

ROWS = 5


def clients_without_alarm(membership: Membership, *, today: dt.date | None = None) -> QuerySet[Client]:
    """Visible clients in care today without a personal alarm whose status is working."""
    today = today or timezone.localdate()
    working = Device.objects.filter(
        organization=membership.organization, client=OuterRef("pk"), kind=Device.Kind.PERSONAL_ALARM,
        status=Device.Status.ACTIVE,
    )
    return (
        visible_clients(membership)
        .in_care_on(today)
        .filter(~Exists(working))
        .select_related("primary_team")
        .order_by("last_name", "first_name", "pk")
    )


def open_outage_count(membership: Membership) -> int:
    """Open outages the member should hear of: every silent alarm centre of the organisation
    and the silent devices of the clients they see."""
    visible = visible_clients(membership).values("pk")
    return ChannelOutage.objects.filter(organization=membership.organization, ended_at__isnull=True).filter(
        Q(centre__isnull=False) | Q(device__client__in=visible)
    ).count()


def personal_alarm_card(request: HttpRequest) -> Iterable[Card]:
    if not request.organization.is_provider:
        return
    membership = request.membership
    missing = clients_without_alarm(membership)
    first = list(missing[:ROWS])
    total = len(first) if len(first) < ROWS else missing.count()
    outages = open_outage_count(membership)
    detail = ngettext(
        "clients in care without a working personal alarm · %(n)d open outage",
        "clients in care without a working personal alarm · %(n)d open outages", outages,
    ) % {"n": outages}
    rows: list[tuple[str, str | int]] = [(c.full_name, c.primary_team.name) for c in first]
    if total > len(first):
        rows.append((_("and %(n)d more") % {"n": total - len(first)}, ""))
    # The card is one link (the dashboard wraps it in <a>): to the devices of the first
    # client to fix, or to the client list when everyone has a working alarm.
    url = reverse("devices:list", kwargs={"client_id": first[0].pk}) if first else reverse("clients:list")
    yield Card(title=_("Personal alarms"), value=total, detail=detail, rows=rows, url=url, order=6)


def register() -> None:
    register_cards([Role.ADMIN, Role.TEAM_MANAGER], personal_alarm_card)

