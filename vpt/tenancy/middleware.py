"""Resolves the active membership and runs the request inside its tenant scope."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from vpt.tenancy.models import Membership
from vpt.tenancy.scope import tenant_scope

SESSION_KEY = "vpt_membership_id"
SESSION_STARTED_KEY = "vpt_session_started"


def active_membership(request: HttpRequest) -> Membership | None:
    """The membership chosen in this session, or the user's first active one."""
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = Membership.objects.filter(
        user=user, is_active=True, organization__is_active=True
    ).select_related("organization", "organization__region")
    chosen = request.session.get(SESSION_KEY)
    membership = None
    if chosen is not None:
        membership = memberships.filter(pk=chosen).first()
    if membership is None:
        membership = memberships.order_by("organization__name", "pk").first()
        if membership is not None:
            request.session[SESSION_KEY] = membership.pk
    if membership is not None:
        membership.user = user  # the same row: spare the query when templates ask for it
    return membership


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None
        request.organization = None
        if request.user.is_authenticated:
            started = request.session.setdefault(SESSION_STARTED_KEY, int(time.time()))
            if time.time() - started > settings.SESSION_MAX_AGE_SECONDS:
                # A shared tablet never keeps a login past one working day.
                logout(request)
                return redirect(settings.LOGIN_URL)
        membership = active_membership(request)
        if membership is None:
            return self.get_response(request)
        request.membership = membership
        request.organization = membership.organization
        # The view itself runs in a savepoint (ATOMIC_REQUESTS), so a view that raises
        # leaves nothing half-saved while the error page can still be rendered.
        with tenant_scope(membership.organization):
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response
