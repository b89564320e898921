"""The outage banner on every page: a silent alarm centre (or a device of my team's client
that stopped checking in) means alarms may not reach us, so everybody who handles alarms
sees it wherever they are in the application."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from alarms import selectors
from alarms.models import ChannelOutage
from vpt.tenancy.roles import Perm


def outages_for(request: HttpRequest) -> list[ChannelOutage]:
    """The open outages the member should hear of: one query, once per request."""
    cached = getattr(request, "_alarm_outages", None)
    if cached is None:
        membership = getattr(request, "membership", None)
        cached = selectors.visible_outages(membership) if shows_outages(request) else []
        today = timezone.localdate()
        for outage in cached:
            since = timezone.localtime(outage.started_at)
            outage.since_label = f"{since:%H:%M}" if since.date() == today else f"{since:%d-%m %H:%M}"
        request._alarm_outages = cached
    return cached


def shows_outages(request: HttpRequest) -> bool:
    membership = getattr(request, "membership", None)
    return (
        membership is not None
        and membership.organization.is_provider
        and membership.has_perm(Perm.HANDLE_ALARMS)
    )


def alarm_outages(request: HttpRequest) -> dict:
    if not shows_outages(request):
        return {"alarm_banner": False}
    # Lazy: only a template that shows the banner pays for the query (htmx fragments of
    # other pages do not).
    return {"alarm_banner": True, "alarm_outages": SimpleLazyObject(lambda: outages_for(request))}
