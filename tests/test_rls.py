"""Row-level security, proven with raw SQL as the application role (PostgreSQL only)."""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.utils import DatabaseError

from tests.factories import AccessLogFactory, OrganizationFactory
from vpt.audit.models import AccessLog
from vpt.tenancy.rls import tenant_models
from vpt.tenancy.scope import tenant_scope

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="row-level security is a PostgreSQL feature",
)

TABLE = AccessLog._meta.db_table


def raw_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")  # noqa: S608
        return cursor.fetchone()[0]


def test_app_connects_as_a_role_that_owns_nothing_and_cannot_bypass(db):  # noqa: ANN001
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")
        assert cursor.fetchone()[0] == 0


def test_every_tenant_table_has_forced_rls_and_the_policy(db):  # noqa: ANN001
    tables = [m._meta.db_table for m in tenant_models()]
    assert TABLE in tables
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "(SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) "
            "FROM pg_class c WHERE c.relname = ANY(%s)",
            [tables],
        )
        rows = {r[0]: r[1:] for r in cursor.fetchall()}
    # One tenant policy, plus one per command a zorgkantoor is granted (RLS_FUNDER).
    expected = {m._meta.db_table: (True, True, 1 + len(getattr(m, "RLS_FUNDER", {}))) for m in tenant_models()}
    assert rows == expected


def test_every_table_with_an_organisation_column_is_a_tenant_table(db):  # noqa: ANN001
    """Catches a model that carries organization_id but forgot the TenantModel base."""
    exempt = {"tenancy_membership"}  # read before a tenant is chosen (login, switcher)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name = 'organization_id'"
        )
        with_column = {r[0] for r in cursor.fetchall()}
    assert with_column - exempt == {m._meta.db_table for m in tenant_models()}


def test_raw_sql_sees_only_the_tenant_set(org_a, org_b):  # noqa: ANN001
    AccessLogFactory.create_batch(3, organization=org_a)
    AccessLogFactory.create_batch(2, organization=org_b)
    with tenant_scope(org_a):
        assert raw_count() == 3
    with tenant_scope(org_b):
        assert raw_count() == 2
    assert raw_count() == 0  # no tenant set: nothing


def test_insert_for_another_tenant_is_refused(org_a, org_b):  # noqa: ANN001
    with (
        tenant_scope(org_a),
        pytest.raises(DatabaseError, match="row-level security"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"INSERT INTO {TABLE} (organization_id, at, username, role, on_behalf_of, action,"  # noqa: S608
            " object_type, object_id, description, user_agent, request_id)"
            " VALUES (%s, now(), 'x', 'admin', '', 'view', '', '', '', '', '')",
            [org_b.pk],
        )


def test_app_role_cannot_disable_rls_or_drop_the_policy(db):  # noqa: ANN001
    for statement in (
        f"ALTER TABLE {TABLE} DISABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {TABLE} NO FORCE ROW LEVEL SECURITY",
        f"DROP POLICY tenant_isolation ON {TABLE}",
        "SET row_security = off",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
            cursor.execute(f"SELECT count(*) FROM {TABLE}")  # noqa: S608 (row_security=off errors here)


@pytest.mark.django_db(transaction=True)
def test_separate_connection_setting_is_per_transaction():
    """A fresh connection of the app role: nothing without a tenant, the tenant's rows in a
    transaction that sets it, and nothing again after that transaction (pooling-safe)."""
    a = OrganizationFactory()
    b = OrganizationFactory()
    AccessLogFactory.create_batch(2, organization=a)
    AccessLogFactory(organization=b)
    cfg = settings.DATABASES["default"]
    conninfo = psycopg.conninfo.make_conninfo(
        host=cfg["HOST"] or "127.0.0.1", port=str(cfg["PORT"] or 5432), user=cfg["USER"], dbname=cfg["NAME"]
    )
    with psycopg.connect(conninfo) as conn:
        assert conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] == 0  # noqa: S608
        conn.rollback()
        with conn.transaction():
            conn.execute("SELECT set_config('vpt.organization_id', %s, true)", [str(a.pk)])
            assert conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] == 2  # noqa: S608
        assert conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] == 0  # noqa: S608


def test_access_log_is_append_only_in_the_database(org_a):  # noqa: ANN001
    entry = AccessLogFactory(organization=org_a)
    with tenant_scope(org_a):
        for statement in (f"UPDATE {TABLE} SET username = 'x' WHERE id = %s", f"DELETE FROM {TABLE} WHERE id = %s"):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [entry.pk])  # noqa: S608
        assert AccessLog.objects.get(pk=entry.pk).username == entry.username


def test_a_request_leaves_no_tenant_on_the_connection(admin_a, org_a):  # noqa: ANN001
    AccessLogFactory.create_batch(2, organization=org_a)
    assert admin_a.client.get("/toegangslog/").status_code == 200
    # Same connection, same (test) transaction: the request's tenant did not stay behind.
    assert raw_count() == 0


def test_contract_is_visible_to_provider_and_its_zorgkantoor_only(org_a, org_b):  # noqa: ANN001
    from tests.factories import ContractFactory, ZorgkantoorFactory

    zk = ZorgkantoorFactory()
    ContractFactory(organization=org_a, zorgkantoor=zk)
    for org, expected in ((org_a, 1), (zk, 1), (org_b, 0)):
        with tenant_scope(org), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tenancy_contract")
            assert cursor.fetchone()[0] == expected, org
