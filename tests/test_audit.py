from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import AccessLogFactory
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access, record_access_many
from vpt.tenancy.scope import tenant_scope


def test_record_access_captures_who_what_when_where(admin_a):  # noqa: ANN001
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="tablet/1.0")
    request.user = admin_a.user
    request.membership = admin_a.membership
    with tenant_scope(admin_a.organization):
        entry = record_access(action=AccessLog.Action.VIEW, request=request, client_id=42,
                              object_type="clients.client", object_id=42, description="client page")
        entry.refresh_from_db()
    assert (entry.username, entry.role, entry.client_id, entry.ip_address, entry.user_agent) == (
        admin_a.user.username, "admin", 42, "10.1.2.3", "tablet/1.0")
    assert entry.organization_id == admin_a.organization.pk and entry.at is not None


def test_record_access_many_writes_one_entry_per_client_in_one_insert(admin_a):  # noqa: ANN001
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="tablet/1.0")
    request.user = admin_a.user
    request.membership = admin_a.membership
    fields = ("organization_id", "user_id", "username", "role", "on_behalf_of", "action", "object_type", "object_id",
              "description", "ip_address", "user_agent", "request_id")
    with tenant_scope(admin_a.organization):
        single = record_access(action=AccessLog.Action.EXPORT, request=request, client_id=7,
                               object_type="billing.declaration", object_id=5, description="declaration as CSV")
        with CaptureQueriesContext(connection) as ctx:
            entries = record_access_many(action=AccessLog.Action.EXPORT, request=request, client_ids=[7, 3, 7],
                                         object_type="billing.declaration", object_id=5,
                                         description="declaration as CSV")
        assert [q["sql"].startswith("INSERT") for q in ctx.captured_queries].count(True) == 1
        stored = list(AccessLog.objects.filter(pk__in=[e.pk for e in entries]).order_by("pk"))
        assert record_access_many(action=AccessLog.Action.EXPORT, request=request, client_ids=[]) == []
    assert [e.client_id for e in stored] == [7, 3]  # each client once, in the given order
    for entry in stored:
        assert [getattr(entry, f) for f in fields] == [getattr(single, f) for f in fields]
        assert entry.at is not None
    assert (stored[0].ip_address, stored[0].user_agent, stored[0].object_id) == ("10.1.2.3", "tablet/1.0", "5")


def test_model_refuses_update_and_delete(org_a):  # noqa: ANN001
    entry = AccessLogFactory(organization=org_a)
    with tenant_scope(org_a):
        entry.username = "changed"
        with pytest.raises(PermissionError):
            entry.save()
        with pytest.raises(PermissionError):
            entry.delete()
        with pytest.raises(PermissionError):
            AccessLog.objects.filter(pk=entry.pk).update(username="x")
        with pytest.raises(PermissionError):
            AccessLog.objects.filter(pk=entry.pk).delete()


def test_reading_the_log_is_logged_and_needs_the_permission(admin_a, org_a, make_persona):  # noqa: ANN001
    response = admin_a.client.get(reverse("audit:log"))
    assert response.status_code == 200
    with tenant_scope(org_a):
        assert AccessLog.objects.filter(object_type="audit.accesslog", username=admin_a.user.username).exists()
    coach = make_persona(org_a, "client_coach")
    assert coach.client.get(reverse("audit:log")).status_code == 403


def test_log_filters_and_bad_dates(admin_a, org_a):  # noqa: ANN001
    AccessLogFactory(organization=org_a, username="jan", action="export")
    AccessLogFactory(organization=org_a, username="piet", action="view")
    response = admin_a.client.get(reverse("audit:log"), {"username": "jan"})
    assert b"jan" in response.content and b"piet" not in response.content
    response = admin_a.client.get(reverse("audit:log"), {"day_from": "2026-02-01", "day_to": "2026-01-01"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_log_list_query_count_does_not_grow(admin_a, org_a):  # noqa: ANN001
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_a.client.get(reverse("audit:log")).status_code == 200
        return len(ctx.captured_queries)

    AccessLogFactory.create_batch(5, organization=org_a)
    small = queries()
    AccessLogFactory.create_batch(120, organization=org_a)
    assert queries() == small <= 17
