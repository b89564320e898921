from __future__ import annotations

from celery import shared_task
from django.core.management import call_command
from django.db import connection

from vpt.audit.models import AccessLog
from vpt.tenancy.scope import tenant_scope


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def clear_expired_sessions() -> None:
    """Daily housekeeping: expired sessions out of the session table (not tenant data)."""
    call_command("clearsessions")


@shared_task
def tenant_probe(organization_id: int) -> dict:
    """Round trip through a worker inside one tenant's scope.

    Used by `/healthz?deep=1` and the worker test: it proves that the worker reaches the
    database, opens the scope, and sees that tenant's rows only (RLS on PostgreSQL).
    """
    with tenant_scope(organization_id):
        orm_rows = AccessLog.objects.count()
        # Raw SQL bypasses django-scopes: on PostgreSQL only RLS stands between it and
        # every tenant's rows.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {AccessLog._meta.db_table}")  # noqa: S608
            raw_rows = cursor.fetchone()[0]
    return {"organization_id": organization_id, "orm_rows": orm_rows, "raw_rows": raw_rows}
