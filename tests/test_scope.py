from __future__ import annotations

import pytest
from django.http import Http404
from django.test import RequestFactory
from django_scopes import ScopeError

from tests.factories import AccessLogFactory
from vpt.audit.models import AccessLog
from vpt.audit.selectors import access_accesslog_by_id
from vpt.tenancy.scope import tenant_scope


def test_tenant_query_outside_scope_raises(db):  # noqa: ANN001
    with pytest.raises(ScopeError):
        list(AccessLog.objects.all())
    with pytest.raises(ScopeError):
        AccessLog.objects.filter(pk=1).exists()
    with pytest.raises(ScopeError):
        AccessLog.objects.count()


def test_scope_filters_to_its_organisation(org_a, org_b):  # noqa: ANN001
    a = AccessLogFactory(organization=org_a)
    AccessLogFactory(organization=org_b)
    with tenant_scope(org_a):
        assert list(AccessLog.objects.values_list("pk", flat=True)) == [a.pk]


def test_scope_refuses_missing_organisation(db):  # noqa: ANN001
    with pytest.raises(ValueError), tenant_scope(None):  # type: ignore[arg-type]
        pass


def test_access_helper_is_404_for_foreign_and_missing(org_a, org_b):  # noqa: ANN001
    foreign = AccessLogFactory(organization=org_b)
    request = RequestFactory().get("/")
    request.organization = org_a
    with tenant_scope(org_a):
        with pytest.raises(Http404):
            access_accesslog_by_id(request, foreign.pk)
        with pytest.raises(Http404):
            access_accesslog_by_id(request, 999_999)


def test_nested_scopes_restore_the_outer_tenant(org_a, org_b):  # noqa: ANN001
    AccessLogFactory(organization=org_a)
    AccessLogFactory(organization=org_b)
    with tenant_scope(org_a):
        with tenant_scope(org_b):
            assert set(AccessLog.objects.values_list("organization_id", flat=True)) == {org_b.pk}
        assert set(AccessLog.objects.values_list("organization_id", flat=True)) == {org_a.pk}
