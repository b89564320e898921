from __future__ import annotations

from django.http import HttpRequest

from vpt.tenancy.navigation import navigation_for


def tenancy(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"membership": None, "organization": None, "nav_items": [], "other_memberships": []}
    return {
        "membership": membership,
        "organization": membership.organization,
        "nav_items": navigation_for(request),
        "other_memberships": _other_memberships(request),
    }


def _other_memberships(request: HttpRequest) -> list:
    cached = getattr(request, "_other_memberships", None)
    if cached is None:
        cached = list(
            request.user.memberships.filter(is_active=True, organization__is_active=True)
            .exclude(pk=request.membership.pk)
            .select_related("organization")
        )
        request._other_memberships = cached
    return cached
