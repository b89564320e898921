"""Settings, security headers, health, error pages, API and the members screens."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import MembershipFactory
from vpt.audit.models import AccessLog
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope


def _settings_import(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "VPT_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='vpt.settings'; "
         "from django.conf import settings; print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)"],
        env={**clean, **env}, capture_output=True, text=True, timeout=60,
    )


def test_production_refuses_to_start_without_secret_key():
    result = _settings_import({"VPT_ENV": "production", "DATABASE_URL": "postgres://x@127.0.0.1/x"})
    assert result.returncode != 0 and "DJANGO_SECRET_KEY is required" in result.stderr


def test_production_defaults_are_secure():
    from cryptography.fernet import Fernet

    prod = {"VPT_ENV": "production", "DATABASE_URL": "postgres://x@127.0.0.1/x", "DJANGO_SECRET_KEY": "x" * 50}
    result = _settings_import(prod)
    assert result.returncode != 0 and "VPT_FIELD_ENCRYPTION_KEYS" in result.stderr
    prod.update({"VPT_FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "VPT_LOOKUP_HASH_KEY": "k" * 40})
    result = _settings_import({**prod, "DJANGO_SECURE_HTTPS": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


def test_security_headers(db):  # noqa: ANN001
    response = Client().get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "http" not in csp  # no third-party origin at all
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Request-ID"]


def test_healthz_reports_database_redis_and_worker(db):  # noqa: ANN001
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    assert set(body["checks"]) == {"database", "redis", "worker"}
    assert body["status"] in {"ok", "degraded"}


def test_error_pages_are_product_pages(admin_a):  # noqa: ANN001
    response = admin_a.client.get("/bestaat-niet/")
    assert response.status_code == 404
    assert "vpt" in response.content.decode()


def test_htmx_is_served_locally(admin_a):  # noqa: ANN001
    body = admin_a.client.get(reverse("core:dashboard")).content.decode()
    assert "htmx" in body and "https://" not in body.split("<body")[0]


def test_api_me_and_schema(admin_a):  # noqa: ANN001
    data = admin_a.client.get(reverse("api-v1:me")).json()
    assert data["organization"] == admin_a.organization.name and data["role"] == "admin"
    assert Client().get(reverse("api-v1:me")).status_code == 403
    schema = admin_a.client.get(reverse("api-v1:schema"))
    assert schema.status_code == 200 and b"/api/v1/me/" in schema.content


def test_navigation_follows_the_permission_matrix(org_a, make_persona):  # noqa: ANN001
    admin = make_persona(org_a, Role.ADMIN)
    coach = make_persona(org_a, Role.CLIENT_COACH)
    admin_nav = [i["url"] for i in admin.client.get("/").context["nav_items"]]
    coach_nav = [i["url"] for i in coach.client.get("/").context["nav_items"]]
    assert reverse("audit:log") in admin_nav and reverse("audit:log") not in coach_nav
    assert coach.client.get(reverse("tenancy:member_list")).status_code == 403


def test_member_search_and_htmx_partial(admin_a, org_a):  # noqa: ANN001
    MembershipFactory(organization=org_a, user__last_name="Jansen", role=Role.FINANCE)
    MembershipFactory(organization=org_a, user__last_name="Bakker", role=Role.CLIENT_COACH)
    response = admin_a.client.get(reverse("tenancy:member_list"), {"q": "jans"})
    assert b"Jansen" in response.content and b"Bakker" not in response.content
    partial = admin_a.client.get(reverse("tenancy:member_list"), {"role": Role.CLIENT_COACH}, HTTP_HX_REQUEST="true")
    assert b"Bakker" in partial.content and b"<html" not in partial.content


def test_change_role_is_logged_and_last_admin_is_kept(admin_a, org_a):  # noqa: ANN001
    coach = MembershipFactory(organization=org_a, role=Role.CLIENT_COACH)
    url = reverse("tenancy:member_detail", args=[coach.pk])
    response = admin_a.client.post(url, {"role": Role.TEAM_MANAGER, "is_active": "on"})
    assert response.status_code == 302
    coach.refresh_from_db()
    assert coach.role == Role.TEAM_MANAGER
    with tenant_scope(org_a):
        assert AccessLog.objects.filter(object_id=str(coach.pk), action="update").exists()
    # The only admin cannot demote themselves: clear message, nothing saved.
    own = reverse("tenancy:member_detail", args=[admin_a.membership.pk])
    response = admin_a.client.post(own, {"role": Role.FINANCE, "is_active": "on"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    admin_a.membership.refresh_from_db()
    assert admin_a.membership.role == Role.ADMIN


def test_zorgkantoor_roles_are_not_offered_to_providers(admin_a, org_a):  # noqa: ANN001
    coach = MembershipFactory(organization=org_a, role=Role.CLIENT_COACH)
    response = admin_a.client.post(reverse("tenancy:member_detail", args=[coach.pk]),
                                   {"role": Role.ZK_REVIEWER, "is_active": "on"})
    assert response.status_code == 200
    coach.refresh_from_db()
    assert coach.role == Role.CLIENT_COACH


@pytest.mark.parametrize("lang,word", [("nl", "Gebruikersnaam"), ("en", "Username")])
def test_language_switch(db, lang, word):  # noqa: ANN001
    client = Client()
    client.post(reverse("set_language"), {"language": lang, "next": "/"})
    assert word in client.get(reverse("accounts:login")).content.decode()


def test_dutch_even_when_the_browser_asks_for_english(db):  # noqa: ANN001
    response = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get(reverse("accounts:login"))
    assert "Gebruikersnaam" in response.content.decode()


def test_healthz_is_503_when_redis_is_down(db, settings):  # noqa: ANN001
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False


def test_log_lines_carry_request_id_and_tenant(admin_a, caplog):  # noqa: ANN001
    import logging

    from vpt.core.logging import TenantFilter

    seen = []

    class Grab(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            TenantFilter().filter(record)
            seen.append(record.organization_id)

    handler = Grab(level=logging.WARNING)
    logging.getLogger("django.request").addHandler(handler)
    try:
        admin_a.client.get("/bestaat-niet/")  # a 404 is logged as a warning
    finally:
        logging.getLogger("django.request").removeHandler(handler)
    assert seen and seen[0] == admin_a.organization.pk
    assert admin_a.client.get("/").headers["X-Request-ID"]
