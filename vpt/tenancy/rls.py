"""PostgreSQL row-level security for every tenant-owned table (the second guard).

After every `migrate`, `sync()` makes the database match the code: each concrete subclass
of TenantModel gets RLS enabled *and forced* (so even the owner is subject to it) and a
policy that admits only rows of the organisation set by `tenant_scope()` for the current
transaction. Without that setting a query sees nothing and an insert is refused.

A model that a zorgkantoor may read (contracts, declarations, submitted reports) declares
`RLS_FUNDER = {"SELECT": predicate, ...}`: one extra permissive policy per SQL command
(`funder_select`, `funder_insert`, `funder_update`), so the zorgkantoor gets exactly the
commands listed (reading a contract, never changing it) and nothing else. The
application role gets plain DML rights on the tables and nothing more: it owns nothing,
so it cannot disable RLS or drop a policy.
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from vpt.tenancy.models import TenantModel
from vpt.tenancy.scope import RLS_SETTING

logger = logging.getLogger(__name__)

POLICY_NAME = "tenant_isolation"
TENANT_PREDICATE = f"organization_id = NULLIF(current_setting('{RLS_SETTING}', true), '')::bigint"


def tenant_models() -> list[type[TenantModel]]:
    """Every concrete tenant-owned model: the registry the isolation tests walk."""
    return [
        m
        for m in apps.get_models()
        if issubclass(m, TenantModel) and not m._meta.abstract and not m._meta.proxy
    ]


def app_role() -> str | None:
    """The role the application connects as, when it differs from the migrating owner."""
    default = settings.DATABASES["default"]
    owner = settings.DATABASES.get("owner")
    if default["ENGINE"] != "django.db.backends.postgresql" or not owner:
        return None
    if default.get("USER") == owner.get("USER"):
        return None
    return default.get("USER") or None


def sync(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor != "postgresql":
        return
    role = app_role()
    if role and connection.settings_dict.get("USER") == role:
        # The application role owns nothing and cannot change policies (by design); a
        # post_migrate it triggers (a test flush) leaves the owner's setup as it is.
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in tenant_models():
            table = qn(model._meta.db_table)
            policy = getattr(model, "RLS_POLICY", TENANT_PREDICATE)
            cursor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            cursor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            cursor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}")
            cursor.execute(
                f"CREATE POLICY {POLICY_NAME} ON {table} USING ({policy}) WITH CHECK ({policy})"
            )
            _sync_funder_policies(cursor, model, table)
        if role:
            r = qn(role)
            cursor.execute(f"GRANT USAGE ON SCHEMA public TO {r}")
            cursor.execute(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}"
            )
            cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}")
            for model in apps.get_models():
                revoked = getattr(model, "APP_ROLE_REVOKE", ())
                if revoked:
                    cursor.execute(
                        f"REVOKE {', '.join(revoked)} ON {qn(model._meta.db_table)} FROM {r}"
                    )
    logger.info("row-level security synced for %d tenant tables", len(tenant_models()))


FUNDER_COMMANDS = ("SELECT", "INSERT", "UPDATE")


def _sync_funder_policies(cursor, model: type[TenantModel], table: str) -> None:  # noqa: ANN001
    funder = getattr(model, "RLS_FUNDER", {})
    unknown = set(funder) - set(FUNDER_COMMANDS)
    if unknown:
        raise ValueError(f"{model.__name__}.RLS_FUNDER: unsupported commands {sorted(unknown)}")
    for command in FUNDER_COMMANDS:
        name = f"funder_{command.lower()}"
        cursor.execute(f"DROP POLICY IF EXISTS {name} ON {table}")
        predicate = funder.get(command)
        if predicate is None:
            continue
        clauses = {
            "SELECT": f"USING ({predicate})",
            "INSERT": f"WITH CHECK ({predicate})",
            "UPDATE": f"USING ({predicate}) WITH CHECK ({predicate})",
        }
        cursor.execute(f"CREATE POLICY {name} ON {table} FOR {command} {clauses[command]}")


def sync_after_migrate(sender, using: str, **kwargs) -> None:  # noqa: ANN001 (signal)
    sync(connections[using])
