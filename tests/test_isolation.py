"""The isolation walker: every URL pattern, as a user of another organisation.

New routes and new organisation-owned models are picked up automatically:
- a route whose kwarg is `<model>_id` for a model with an `organization` field is
  requested with tenant A's object by an admin of tenant B and must answer 404;
- a route with any other kwarg must be listed in NON_TENANT_KWARGS with a reason;
- every route without kwargs is requested by B and must not show any of A's rows;
- every organisation-owned model needs a factory in tests.factories.FACTORIES.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import FACTORIES, AccessLogFactory, MembershipFactory
from vpt.tenancy.models import Organization

MARKER = "qqalphaqq"

# kwarg -> why it is not a tenant object id
NON_TENANT_KWARGS = {
    "uidb64": "password reset link: signed token for a user, not an organisation's object",
    "token": "password reset link token",
}


def organisation_owned_models() -> dict[str, type]:
    by_kwarg = {}
    for model in apps.get_models():
        field = next((f for f in model._meta.fields if f.name == "organization"), None)
        if field is not None and field.related_model is Organization:
            by_kwarg[f"{model._meta.model_name}_id"] = model
    return by_kwarg


def walk(
    resolver: URLResolver | None = None, namespace: str = "", prefix_kwargs: tuple[str, ...] = ()
) -> list[tuple[str, list[str]]]:
    """(route name, kwargs) of every URL pattern, kwargs of enclosing includes included."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            kwargs = prefix_kwargs + tuple(getattr(entry.pattern, "converters", {}))
            found += walk(entry, f"{namespace}{ns}:" if ns else namespace, kwargs)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"every route needs a name: {entry.pattern}"
            found.append((f"{namespace}{entry.name}", [*prefix_kwargs, *entry.pattern.converters]))
    return found


ROUTES = walk()


def test_every_organisation_owned_model_has_a_factory():
    missing = [m.__name__ for m in organisation_owned_models().values() if m not in FACTORIES]
    assert not missing, f"add factories to tests.factories.FACTORIES for {missing}"


def test_every_route_kwarg_is_a_tenant_object_or_declared():
    models = organisation_owned_models()
    unknown = [
        (name, kw)
        for name, kwargs in ROUTES
        for kw in kwargs
        if kw not in models and kw not in NON_TENANT_KWARGS
    ]
    assert not unknown, f"route kwargs that are neither <model>_id nor declared: {unknown}"


def test_walker_sees_the_routes_with_ids():
    names = {name for name, kwargs in ROUTES if kwargs}
    assert {"tenancy:member_detail", "tenancy:switch", "audit:entry"} <= names


@pytest.mark.parametrize(
    "route,kwargs",
    [(n, k) for n, k in ROUTES if k and all(kw not in NON_TENANT_KWARGS for kw in k)],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_other_tenants_object_is_404(route, kwargs, org_a, admin_b):  # noqa: ANN001
    models = organisation_owned_models()
    ids = {}
    for kw in kwargs:
        obj = FACTORIES[models[kw]](organization=org_a)
        ids[kw] = obj.pk
    url = reverse(route, kwargs=ids)
    response = admin_b.client.get(url)
    if response.status_code == 405:
        response = admin_b.client.post(url, {})
    assert response.status_code == 404, f"{route} {url} answered {response.status_code} to another tenant"


@pytest.mark.parametrize("route", [n for n, k in ROUTES if not k])
def test_pages_without_ids_show_nothing_of_another_tenant(route, org_a, admin_a, admin_b):  # noqa: ANN001
    # Tenant A has members and log entries whose text carries the marker.
    MembershipFactory(organization=org_a, user__username=f"member-{MARKER}@test.vpt")
    AccessLogFactory(organization=org_a, description=f"secret {MARKER}", username=f"x-{MARKER}")
    response = admin_b.client.get(reverse(route))
    if response.status_code in (405, 302):
        return
    body = b"".join(response) if response.streaming else response.content
    assert MARKER not in body.decode("utf-8", "replace").lower(), f"{route} shows tenant A's data"


def test_own_objects_are_reachable(admin_a, org_a):  # noqa: ANN001
    """The counterpart: the 404s above are about the tenant, not broken routes."""
    entry = AccessLogFactory(organization=org_a)
    assert admin_a.client.get(reverse("audit:entry", args=[entry.pk])).status_code == 200
    member = MembershipFactory(organization=org_a)
    assert admin_a.client.get(reverse("tenancy:member_detail", args=[member.pk])).status_code == 200


# --- the zorgkantoor side ------------------------------------------------------------------------
# A zorgkantoor reads what providers submitted to it, through its own routes (namespace "zk"
# and the API). Another zorgkantoor — say of another region — must get the same 404 as any
# other tenant, for every route with an id, and must not see the provider on the pages
# without ids.

ZK_ROUTES = [(n, k) for n, k in ROUTES if n.startswith("zk:") or n.startswith("api-v1:report")]


def test_walker_sees_the_zorgkantoor_routes():
    assert {"zk:inbox", "zk:detail", "zk:region", "zk:contracts"} <= {n for n, _k in ZK_ROUTES}


@pytest.fixture
def reviewers(org_a, make_persona):  # noqa: ANN001, ANN201
    """The zorgkantoor that contracts tenant A, and one that does not (another region)."""
    from tests.factories import ContractFactory, ZorgkantoorFactory
    from vpt.tenancy.roles import Role

    contracted, other = ZorgkantoorFactory(), ZorgkantoorFactory()
    ContractFactory(organization=org_a, zorgkantoor=contracted)
    return make_persona(contracted, Role.ZK_REVIEWER), make_persona(other, Role.ZK_REVIEWER)


@pytest.mark.parametrize("route,kwargs", [(n, k) for n, k in ZK_ROUTES if k], ids=lambda v: v if isinstance(v, str) else None)
def test_another_zorgkantoor_gets_404(route, kwargs, org_a, reviewers):  # noqa: ANN001
    from tests.factories import ReportVersionFactory

    contracted, other = reviewers
    version = ReportVersionFactory(organization=org_a)  # a submitted report of A with its version
    assert kwargs == ["providerreport_id"], kwargs
    url = reverse(route, kwargs={"providerreport_id": version.report_id})
    for method in ("get", "post"):
        response = getattr(other.client, method)(url, {})
        assert response.status_code in (404, 405), f"{route} {method} answered {response.status_code}"


@pytest.mark.parametrize("route", [n for n, k in ZK_ROUTES if not k])
def test_zorgkantoor_pages_show_only_contracted_providers(route, org_a, reviewers):  # noqa: ANN001
    from tests.factories import ProviderReportFactory, ReportVersionFactory
    from vpt.tenancy.scope import tenant_scope

    contracted, other = reviewers
    with tenant_scope(org_a):
        from vpt.tenancy.models import Contract

        contract = Contract.objects.get(organization=org_a)
    report = ProviderReportFactory(organization=org_a, contract=contract)
    ReportVersionFactory(organization=org_a, report=report)
    if route == "zk:inbox":  # the counterpart: the contracted zorgkantoor does see A
        assert MARKER in contracted.client.get(reverse(route)).content.decode().lower()
    response = other.client.get(reverse(route))
    body = (b"".join(response) if response.streaming else response.content).decode("utf-8", "replace").lower()
    assert MARKER not in body, f"{route} shows tenant A to a zorgkantoor without a contract"
