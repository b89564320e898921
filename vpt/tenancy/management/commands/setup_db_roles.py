"""Create the PostgreSQL roles and database vpt needs; safe to run any number of times.

- the owner role (DATABASE_OWNER_URL): owns the database and every table, runs migrations;
- the application role (DATABASE_URL): logs in, reads and writes rows, owns nothing, is not
  a superuser and has no BYPASSRLS, so row-level security always applies to it.

Connects with DATABASE_ADMIN_URL (a superuser; default: postgres on 127.0.0.1).
Used by .ci/run, bin/test, docker-compose and the production instructions.
"""

from __future__ import annotations

import environ
import psycopg
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql


def _conninfo(cfg: dict, dbname: str | None = None) -> str:
    parts = {
        "host": cfg.get("HOST") or "127.0.0.1",
        "port": str(cfg.get("PORT") or 5432),
        "user": cfg.get("USER"),
        "dbname": dbname or cfg.get("NAME"),
    }
    if cfg.get("PASSWORD"):
        parts["password"] = cfg["PASSWORD"]
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in parts.items() if v})


class Command(BaseCommand):
    help = "Create (or repair) the owner and application roles and the database."

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        env = environ.Env()
        try:
            app = env.db_url("DATABASE_URL")
            owner = env.db_url("DATABASE_OWNER_URL")
        except Exception as exc:  # environ raises ImproperlyConfigured
            raise CommandError(f"DATABASE_URL and DATABASE_OWNER_URL must be set: {exc}") from exc
        admin = env.db_url("DATABASE_ADMIN_URL", default="postgres://postgres@127.0.0.1:5432/postgres")
        for cfg in (app, owner):
            if cfg["ENGINE"] != "django.db.backends.postgresql":
                raise CommandError("setup_db_roles is for PostgreSQL only")
        if app["USER"] == owner["USER"]:
            raise CommandError("The application role must differ from the owner role (RLS).")
        if app["NAME"] != owner["NAME"]:
            raise CommandError("DATABASE_URL and DATABASE_OWNER_URL must name the same database.")

        dbname = owner["NAME"]
        with psycopg.connect(_conninfo(admin), autocommit=True) as conn:
            self._role(conn, owner, "LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOBYPASSRLS")
            self._role(conn, app, "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS")
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
            if not exists:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(dbname), sql.Identifier(owner["USER"])
                    )
                )
                self.stdout.write(f"created database {dbname}")
            conn.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                    sql.Identifier(dbname), sql.Identifier(owner["USER"])
                )
            )
            conn.execute(
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                    sql.Identifier(dbname), sql.Identifier(app["USER"])
                )
            )
        with psycopg.connect(_conninfo(admin, dbname), autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(owner["USER"])))
        with psycopg.connect(_conninfo(owner, dbname), autocommit=True) as conn:
            grants = [
                "GRANT USAGE ON SCHEMA public TO {app}",
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {app}",
            ]
            for statement in grants:
                conn.execute(sql.SQL(statement).format(app=sql.Identifier(app["USER"])))
        self.stdout.write(
            self.style.SUCCESS(f"roles {owner['USER']} (owner) and {app['USER']} (app) ready on {dbname}")
        )

    def _role(self, conn: psycopg.Connection, cfg: dict, attributes: str) -> None:
        name = cfg["USER"]
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name]).fetchone()
        verb = "ALTER" if exists else "CREATE"
        statement = sql.SQL(f"{verb} ROLE {{}} {attributes}").format(sql.Identifier(name))
        conn.execute(statement)
        if cfg.get("PASSWORD"):
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(name), sql.Literal(cfg["PASSWORD"]))
            )
        if not exists:
            self.stdout.write(f"created role {name}")
