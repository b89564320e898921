"""The foundation's own dashboard figures (later issues add clients, visits, alarms, money)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Count
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vpt.audit.models import AccessLog
from vpt.core.dashboard import Card, register_cards
from vpt.tenancy.roles import Role
from vpt.tenancy.selectors import member_counts_by_role, providers_in_regions_of


def organisation_card(request: HttpRequest) -> Iterable[Card]:
    org = request.organization
    counts = member_counts_by_role(organization=org)
    labels = dict(Role.choices)
    yield Card(
        title=_("Colleagues"),
        value=sum(counts.values()),
        detail=_("active members of %(org)s") % {"org": org.name},
        rows=[(str(labels[r]), n) for r, n in sorted(counts.items(), key=lambda kv: -kv[1])],
        url=reverse("tenancy:member_list") if request.membership.has_perm("view_members") else "",
        order=10,
    )


def activity_card(request: HttpRequest) -> Iterable[Card]:
    since = timezone.now() - timedelta(days=7)
    qs = AccessLog.objects.filter(at__gte=since)
    by_action = dict(qs.values_list("action").annotate(n=Count("id")).order_by())
    labels = dict(AccessLog.Action.choices)
    yield Card(
        title=_("Access log, last 7 days"),
        value=sum(by_action.values()),
        detail=_("%(users)d different users") % {"users": qs.values("username").distinct().count()},
        rows=[(str(labels.get(a, a)), n) for a, n in sorted(by_action.items(), key=lambda kv: -kv[1])],
        url=reverse("audit:log"),
        order=20,
    )


def my_activity_card(request: HttpRequest) -> Iterable[Card]:
    today = timezone.localdate()
    n = AccessLog.objects.filter(user=request.user, at__date=today).count()
    yield Card(
        title=_("My recorded actions today"),
        value=n,
        detail=_("every view of a client record is logged (NEN 7513)"),
        order=30,
    )


def region_card(request: HttpRequest) -> Iterable[Card]:
    providers = list(providers_in_regions_of(zorgkantoor=request.organization))
    regions = sorted({p.region.name for p in providers})
    yield Card(
        title=_("Providers in your regions"),
        value=len(providers),
        detail=", ".join(regions) or _("no regions assigned"),
        rows=[(p.name, p.region.name) for p in providers],
        order=10,
    )


def provider_region_card(request: HttpRequest) -> Iterable[Card]:
    org = request.organization
    region = org.region
    zk = region.zorgkantoor if region else None
    yield Card(
        title=_("Region and zorgkantoor"),
        value=region.name if region else "-",
        detail=str(zk) if zk else _("no zorgkantoor recorded"),
        rows=[(_("AGB code"), org.agb_code)],
        order=40,
    )


PROVIDER_ROLES = [Role.ADMIN, Role.TEAM_MANAGER, Role.CLIENT_COACH, Role.CLIENT_SUPPORT, Role.FINANCE]


def _only_for(kind: str, provider):  # noqa: ANN001, ANN202
    def wrapped(request: HttpRequest) -> Iterable[Card]:
        if request.organization.kind == kind:
            yield from provider(request)

    return wrapped


def register() -> None:
    register_cards(PROVIDER_ROLES + [Role.ZK_REVIEWER], organisation_card)
    register_cards([Role.ADMIN], activity_card)
    register_cards(PROVIDER_ROLES, my_activity_card)
    register_cards([Role.ADMIN, Role.FINANCE, Role.TEAM_MANAGER], _only_for("provider", provider_region_card))
    register_cards([Role.ZK_REVIEWER, Role.ADMIN], _only_for("zorgkantoor", region_card))
