"""The tenant scope: the one way code gets to see tenant-owned rows.

`tenant_scope(organization)` does three things, in this order:
1. opens a transaction (or a savepoint inside one);
2. on PostgreSQL, sets `vpt.organization_id` for that transaction only
   (`set_config(..., true)`), which the row-level-security policies read; a pooled or
   reused connection therefore never carries a tenant into the next transaction;
3. activates the django-scopes scope, so ORM queries on tenant-owned models are filtered
   to the organisation, and raise when no scope is active.

On leaving, the scope closes before the transaction commits, so `on_commit` callbacks run
outside the tenant (they enqueue tasks, which open their own scope).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django_scopes import scope

from vpt.tenancy.context import current_organization_id  # noqa: F401 (re-export)
from vpt.tenancy.context import current_tenant as _current
from vpt.tenancy.models import Organization

RLS_SETTING = "vpt.organization_id"

def _set_rls(using: str, organization_id: int | None) -> None:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, true)",
            [RLS_SETTING, "" if organization_id is None else str(organization_id)],
        )


@contextmanager
def tenant_scope(organization: Organization | int, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    organization_id = organization if isinstance(organization, int) else getattr(organization, "pk", None)
    if not organization_id:
        # django-scopes treats a None value as "no filter": never allow that by accident.
        raise ValueError("tenant_scope needs a saved organisation")
    previous = _current.get()
    outermost = not connections[using].in_atomic_block
    with transaction.atomic(using=using):
        _set_rls(using, organization_id)
        token = _current.set(organization_id)
        try:
            with scope(organization=organization_id):
                yield
        finally:
            _current.reset(token)
        # Normal exit inside an enclosing transaction (a nested scope, a test's wrapping
        # transaction): restore the outer value. An outermost transaction ends here and the
        # setting ends with it; on an exception or a requested rollback the (savepoint)
        # rollback restores it.
        if not outermost and not connections[using].needs_rollback:
            _set_rls(using, previous)
