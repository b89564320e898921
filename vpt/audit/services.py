"""The one helper every feature calls to record access to client records (NEN 7513)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.http import HttpRequest
from django_guid import get_guid

from vpt.audit.models import AccessLog
from vpt.tenancy.models import Membership


def _client_ip(request: HttpRequest) -> str | None:
    # Behind a trusted proxy Django's SECURE_PROXY_SSL_HEADER setup goes with a proxy that
    # sets REMOTE_ADDR correctly (gunicorn --forwarded-allow-ips); we never trust
    # X-Forwarded-For from the client itself.
    return request.META.get("REMOTE_ADDR") or None


def _entry(
    *,
    action: str,
    request: HttpRequest | None,
    membership: Membership | None,
    user: AbstractBaseUser | None,
    client_id: int | None,
    obj: models.Model | None,
    object_type: str,
    object_id: Any,
    description: str,
    on_behalf_of: str,
) -> AccessLog:
    """An unsaved, validated entry (see record_access)."""
    if request is not None:
        membership = membership or request.membership
        user = user or request.user
    if membership is None:
        raise ValueError("record_access needs the acting membership (or a request that has one)")
    user = user or membership.user
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    entry = AccessLog(
        organization=membership.organization,
        user=user,
        username=user.get_username(),
        role=membership.role,
        on_behalf_of=on_behalf_of,
        action=action,
        client_id=client_id,
        object_type=object_type,
        object_id=str(object_id) if object_id != "" else "",
        description=description[:500],
        request_id=get_guid() or "",
    )
    if request is not None:
        entry.ip_address = _client_ip(request)
        entry.user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    entry.full_clean(exclude=["organization", "user"])
    return entry


def record_access(
    *,
    action: str,
    request: HttpRequest | None = None,
    membership: Membership | None = None,
    user: AbstractBaseUser | None = None,
    client_id: int | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: Any = "",
    description: str = "",
    on_behalf_of: str = "",
) -> AccessLog:
    """Append one access-log entry: who (user, organisation, role), which client, what,
    when (server time), from where (IP, user agent, request id).

    Pass the request in views; tasks and commands pass the membership (or user) they act
    for. Runs in the caller's transaction, so the entry exists exactly when the action does.
    """
    entry = _entry(action=action, request=request, membership=membership, user=user, client_id=client_id, obj=obj,
                   object_type=object_type, object_id=object_id, description=description, on_behalf_of=on_behalf_of)
    entry.save()
    return entry


def record_access_many(
    *,
    action: str,
    client_ids: Iterable[int],
    request: HttpRequest | None = None,
    membership: Membership | None = None,
    user: AbstractBaseUser | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: Any = "",
    description: str = "",
    on_behalf_of: str = "",
) -> list[AccessLog]:
    """One access-log entry per client of `client_ids` (each once, in the given order) for an
    action that involved them all, e.g. an export: the fields of `record_access` with each
    client's id, written with one bulk INSERT (per 1,000 clients). No client, no entry."""
    template = _entry(action=action, request=request, membership=membership, user=user, client_id=None, obj=obj,
                      object_type=object_type, object_id=object_id, description=description,
                      on_behalf_of=on_behalf_of)
    fields = {f.attname: getattr(template, f.attname) for f in AccessLog._meta.concrete_fields
              if not f.primary_key and f.attname not in ("at", "client_id")}
    entries = [AccessLog(**fields, client_id=int(client_id)) for client_id in dict.fromkeys(client_ids)]
    return AccessLog.objects.bulk_create(entries, batch_size=1000)
