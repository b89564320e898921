from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest

from vpt.tenancy.models import Membership, Organization


def member_list(*, organization: Organization, search: str = "", role: str = "") -> QuerySet[Membership]:
    qs = Membership.objects.filter(organization=organization).select_related("user")
    if search:
        qs = qs.filter(
            Q(user__username__icontains=search)
            | Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
            | Q(user__email__icontains=search)
        )
    if role:
        qs = qs.filter(role=role)
    return qs.order_by("user__last_name", "user__first_name", "user__username")


def member_counts_by_role(*, organization: Organization) -> dict[str, int]:
    rows = (
        Membership.objects.filter(organization=organization, is_active=True)
        .values("role")
        .annotate(n=Count("id"))
    )
    return {r["role"]: r["n"] for r in rows}


def access_membership_by_id(request: HttpRequest, membership_id: int) -> Membership:
    """A membership of the active organisation; 404 for missing and foreign alike."""
    membership = (
        Membership.objects.filter(organization=request.organization, pk=membership_id)
        .select_related("user", "organization")
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def access_own_membership_by_id(request: HttpRequest, membership_id: int) -> Membership:
    """One of the logged-in user's own active memberships (for switching); else 404."""
    membership = (
        Membership.objects.filter(
            user=request.user, pk=membership_id, is_active=True, organization__is_active=True
        )
        .select_related("organization")
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def providers_in_regions_of(*, zorgkantoor: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(
        kind=Organization.Kind.PROVIDER, region__zorgkantoor=zorgkantoor, is_active=True
    ).select_related("region")
