"""The client's right of inspection: the access log of one client as page, CSV and PDF."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from tests.factories import AccessLogFactory, ClientFactory, WlzIndicationFactory
from vpt.audit.models import AccessLog
from vpt.core.pdf import ResourceRefused, render_pdf, url_fetcher
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

BSN = "123456782"


@pytest.fixture
def client_a(org_a):  # noqa: ANN001, ANN201
    client = ClientFactory(organization=org_a, first_name="Johanna", name_prefix="van der", last_name="Berg", bsn=BSN)
    WlzIndicationFactory(organization=org_a, client=client)
    AccessLogFactory(organization=org_a, client_id=client.pk, object_type="clients.client", object_id=client.pk,
                     action=AccessLog.Action.UPDATE, description="earlier look at the overview",
                     username="coach-earlier@test.vpt")
    AccessLogFactory(organization=org_a, client_id=client.pk + 1000, description="someone else's record")
    return client


def _entries(org, client, action: str) -> list[AccessLog]:  # noqa: ANN001
    with tenant_scope(org):
        return list(AccessLog.objects.filter(client_id=client.pk, action=action))


def test_page_lists_who_accessed_the_record_and_logs_the_view(admin_a, org_a, client_a):  # noqa: ANN001
    response = admin_a.client.get(reverse("clients:access_log", args=[client_a.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "earlier look at the overview" in body and "coach-earlier@test.vpt" in body
    assert "someone else&#x27;s record" not in body and "someone else's record" not in body
    assert reverse("clients:access_log_csv", args=[client_a.pk]) in body
    assert reverse("clients:access_log_pdf", args=[client_a.pk]) in body
    [entry] = _entries(org_a, client_a, AccessLog.Action.VIEW)
    assert (entry.username, entry.object_type, entry.object_id) == (admin_a.user.username, "clients.client", str(client_a.pk))


def test_page_is_newest_first_and_paginated_by_50(admin_a, org_a, client_a):  # noqa: ANN001
    for i in range(60):
        AccessLogFactory(organization=org_a, client_id=client_a.pk, description=f"entry number {i:02d}")
    page1 = admin_a.client.get(reverse("clients:access_log", args=[client_a.pk])).context["page"]
    assert len(page1.object_list) == 50 and page1.paginator.count == 62  # 60 + the earlier one + this view
    assert page1.object_list[0].description.startswith("access log of the client")  # this very view, newest
    assert [e.at for e in page1.object_list] == sorted((e.at for e in page1.object_list), reverse=True)


def test_period_filter_and_bad_period(admin_a, org_a, client_a):  # noqa: ANN001
    today = timezone.localdate()
    url = reverse("clients:access_log", args=[client_a.pk])
    future = admin_a.client.get(url, {"van": (today + timedelta(days=1)).isoformat()})
    assert future.context["page"].paginator.count == 0
    bad = admin_a.client.get(url, {"van": today.isoformat(), "tot": (today - timedelta(days=3)).isoformat()})
    assert bad.status_code == 200 and bad.context["form"].errors


def test_csv_is_excel_friendly_and_logged_as_export(admin_a, org_a, client_a):  # noqa: ANN001
    AccessLogFactory(organization=org_a, client_id=client_a.pk, description="=HYPERLINK(\"http://x\")")
    response = admin_a.client.get(reverse("clients:access_log_csv", args=[client_a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    disposition = response["Content-Disposition"]
    assert f"-{client_a.pk}-" in disposition and timezone.localdate().strftime("%Y%m%d") in disposition
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    with translation.override("nl"):
        assert rows[0][0] == gettext("Date")
    assert all(len(row) == 8 for row in rows)
    assert any("earlier look at the overview" in row and "coach-earlier@test.vpt" in row for row in rows)
    assert any('\'=HYPERLINK("http://x")' in row for row in rows), "formulas are neutralised"
    assert "someone else" not in response.content.decode("utf-8-sig")
    assert len(_entries(org_a, client_a, AccessLog.Action.EXPORT)) == 1


def _pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_pdf_is_a_real_pdf_without_the_bsn_and_logged_as_print(admin_a, org_a, client_a):  # noqa: ANN001
    response = admin_a.client.get(reverse("clients:access_log_pdf", args=[client_a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and b"%%EOF" in response.content[-32:]
    text = _pdf_text(response.content)
    with translation.override("nl"):
        title = gettext("Inspection overview: access to the client record")
    assert title in text
    assert "Johanna van der Berg" in text and "17-05-1940" in text
    assert "earlier look at the overview" in text and "someone else" not in text
    assert org_a.name in text
    assert BSN not in text and BSN.encode() not in response.content
    assert len(_entries(org_a, client_a, AccessLog.Action.PRINT)) == 1


@pytest.mark.parametrize("route", ["clients:access_log", "clients:access_log_csv", "clients:access_log_pdf"])
def test_coach_is_refused(route, org_a, client_a, make_persona):  # noqa: ANN001
    coach = make_persona(org_a, Role.CLIENT_COACH)
    assert coach.client.get(reverse(route, args=[client_a.pk])).status_code == 403
    assert not _entries(org_a, client_a, AccessLog.Action.VIEW)


@pytest.mark.parametrize("route", ["clients:access_log", "clients:access_log_csv", "clients:access_log_pdf"])
def test_other_tenant_gets_404(route, org_a, org_b, client_a, admin_b):  # noqa: ANN001
    assert admin_b.client.get(reverse(route, args=[client_a.pk])).status_code == 404
    with tenant_scope(org_b):
        assert not AccessLog.objects.filter(client_id=client_a.pk).exists()


# --- render_pdf: local files only ------------------------------------------------------------


def test_fetcher_serves_our_static_files():
    fetcher = url_fetcher()
    for url in ("static:css/pdf.css", "file:///static/css/pdf.css"):
        response = fetcher.fetch(url)
        assert response.content_type == "text/css"
        assert b"@page" in response.read()


@pytest.mark.parametrize("url", [
    "http://example.com/logo.png",
    "https://example.com/style.css",
    "ftp://example.com/x",
    "file:///etc/passwd",
    "file:///static/../../etc/passwd",
    "static:../../etc/passwd",
    "file://example.com/static/css/pdf.css",
])
def test_fetcher_refuses_everything_else(url):  # noqa: ANN001
    with pytest.raises(ResourceRefused):
        url_fetcher().fetch(url)


def test_render_pdf_never_fetches_network_urls(monkeypatch, tmp_path, settings):  # noqa: ANN001
    import urllib.request

    attempts = []

    def no_network(self, request, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        # WeasyPrint swallows fetcher errors, so record the attempt rather than raise.
        attempts.append(getattr(request, "full_url", request))
        raise OSError("no network in tests")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "remote.html").write_text(
        '{% extends "pdf/base.html" %}{% block content %}<p>Hallo</p>'
        '<img src="https://example.com/tracker.png"><link rel="stylesheet" href="http://example.com/x.css">'
        '{% endblock %}'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    pdf = render_pdf("pdf/remote.html", {"title": "Test", "printed_at": timezone.now()})
    assert pdf.startswith(b"%PDF-")
    assert "Hallo" in _pdf_text(pdf)
    assert attempts == []
