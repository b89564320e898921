"""Dashboard figures of the client file."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from clients.selectors import EXPIRY_WARNING_DAYS, expiring_indications, visible_clients
from vpt.core.dashboard import Card, register_cards
from vpt.tenancy.roles import Role


def clients_card(request: HttpRequest) -> Iterable[Card]:
    if not request.organization.is_provider:
        return
    counts = dict(visible_clients(request.membership).values_list("status").annotate(n=Count("id")).order_by())
    labels = dict(Client.Status.choices)
    yield Card(
        title=_("Clients"),
        value=counts.get(Client.Status.IN_CARE, 0),
        detail=_("in care"),
        rows=[(str(labels[s]), counts.get(s, 0)) for s in (Client.Status.INTAKE, Client.Status.IN_CARE, Client.Status.ENDED)],
        url=reverse("clients:list"),
        order=1,
    )


def expiring_card(request: HttpRequest) -> Iterable[Card]:
    if not request.organization.is_provider:
        return
    today = timezone.localdate()
    expiring = list(expiring_indications(membership=request.membership, today=today)[:8])
    total = expiring_indications(membership=request.membership, today=today).count() if len(expiring) == 8 else len(expiring)
    yield Card(
        title=_("Indications expiring within %(days)d days") % {"days": EXPIRY_WARNING_DAYS},
        value=total,
        detail=_("ask the CIZ for a re-indication in time"),
        rows=[(i.client.full_name, f"{i.zorgprofiel_short} · {i.valid_to:%d-%m-%Y}") for i in expiring],
        url=reverse("clients:list") + "?expiring=on",
        order=2,
    )


def register() -> None:
    register_cards([Role.ADMIN, Role.TEAM_MANAGER, Role.CLIENT_COACH, Role.CLIENT_SUPPORT, Role.FINANCE], clients_card)
    register_cards([Role.ADMIN, Role.TEAM_MANAGER], expiring_card)
