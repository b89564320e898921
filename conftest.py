"""Test harness: on PostgreSQL the test database is created and migrated by the owner role,
and the tests run as the application role, exactly as production does (RLS in force)."""

from __future__ import annotations

import os

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.test.utils import setup_databases, teardown_databases
from psycopg import sql

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# next to one unless told that this is a test harness, not async application code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _conninfo(cfg: dict, dbname: str) -> str:
    return psycopg.conninfo.make_conninfo(
        host=cfg.get("HOST") or "127.0.0.1",
        port=str(cfg.get("PORT") or 5432),
        user=cfg["USER"],
        dbname=dbname,
        **({"password": cfg["PASSWORD"]} if cfg.get("PASSWORD") else {}),
    )


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker, worker_id):  # noqa: ANN001, ANN201
    dbs = settings.DATABASES
    if "owner" not in dbs:
        with django_db_blocker.unblock():
            old = setup_databases(verbosity=0, interactive=False)
        yield
        with django_db_blocker.unblock():
            teardown_databases(old, verbosity=0)
        return

    owner = dbs["owner"]
    # A run id (bin/test sets one per invocation) keeps concurrent runs on one server apart.
    run = os.environ.get("VPT_TEST_RUN", "")
    name = f"test_{owner['NAME']}" + (f"_{run}" if run else "") + ("" if worker_id == "master" else f"_{worker_id}")
    with django_db_blocker.unblock():
        with psycopg.connect(_conninfo(owner, "postgres"), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        for alias in ("default", "owner"):
            connections[alias].close()
            dbs[alias]["NAME"] = name
            connections[alias].settings_dict["NAME"] = name
        call_command("migrate", database="owner", verbosity=0, interactive=False)
        with connections["owner"].cursor() as cursor:
            # Test-only: transactional tests end with a flush (TRUNCATE), which production
            # never grants to the application role.
            cursor.execute(
                sql.SQL("GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {}")
                .format(sql.Identifier(dbs["default"]["USER"]))
                .as_string(None)
            )
        connections["owner"].close()
    yield
    with django_db_blocker.unblock():
        for conn in connections.all():
            conn.close()
        with psycopg.connect(_conninfo(owner, "postgres"), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's chromium; Playwright never downloads a browser here."""
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }
