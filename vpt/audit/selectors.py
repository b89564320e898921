from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from vpt.audit.models import AccessLog


def access_log_list(*, action: str = "", username: str = "", client_id: int | None = None,
                    day_from: date | None = None, day_to: date | None = None) -> QuerySet[AccessLog]:
    """Entries of the active tenant, newest first, filtered for the log screen."""
    qs = AccessLog.objects.all()
    if action:
        qs = qs.filter(action=action)
    if username:
        qs = qs.filter(username__icontains=username)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if day_from:
        qs = qs.filter(at__date__gte=day_from)
    if day_to:
        qs = qs.filter(at__date__lte=day_to)
    return qs.order_by("-at", "-id")


def access_accesslog_by_id(request: HttpRequest, accesslog_id: int) -> AccessLog:
    entry = AccessLog.objects.filter(organization=request.organization, pk=accesslog_id).first()
    if entry is None:
        raise Http404
    return entry
