from __future__ import annotations

import time

import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD


def test_login_page_is_dutch_by_default(db):  # noqa: ANN001
    response = Client().get(reverse("accounts:login"))
    assert response.status_code == 200
    assert response["Content-Language"] == "nl"
    assert "Inloggen" in response.content.decode()


def test_login_and_logout(admin_a):  # noqa: ANN001
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": admin_a.user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("core:dashboard")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("core:dashboard")).status_code == 302


def test_failed_logins_are_throttled(admin_a):  # noqa: ANN001
    client = Client(REMOTE_ADDR="10.0.0.9")
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": admin_a.user.username, "password": "wrong"})
    response = client.post(reverse("accounts:login"), {"username": admin_a.user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert not client.get(reverse("core:dashboard")).wsgi_request.user.is_authenticated


def test_password_reset_sends_a_working_link(admin_a):  # noqa: ANN001
    client = Client()
    client.post(reverse("accounts:password_reset"), {"email": admin_a.user.email})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/account/wachtwoord-herstellen/" in line)
    path = link[link.index("/account/"):].strip()
    response = client.get(path, follow=True)
    assert response.context["validlink"]
    response = client.post(response.request["PATH_INFO"],
                           {"new_password1": "Nieuw-wachtwoord-42", "new_password2": "Nieuw-wachtwoord-42"})
    assert response.status_code == 302
    admin_a.user.refresh_from_db()
    assert admin_a.user.check_password("Nieuw-wachtwoord-42")


def test_password_change(admin_a):  # noqa: ANN001
    response = admin_a.client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "Ander-wachtwoord-77", "new_password2": "Ander-wachtwoord-77"})
    assert response.status_code == 302


def test_session_ends_after_idle_time_and_after_a_working_day(admin_a, settings):  # noqa: ANN001
    client = admin_a.client
    assert client.get(reverse("core:dashboard")).status_code == 200
    with time_machine.travel(time.time() + settings.SESSION_COOKIE_AGE + 60):
        assert client.get(reverse("core:dashboard")).status_code == 302
    client.post(reverse("accounts:login"), {"username": admin_a.user.username, "password": PASSWORD})
    assert client.get(reverse("core:dashboard")).status_code == 200
    # Active all day long, but never past the hard limit.
    with time_machine.travel(time.time() + settings.SESSION_MAX_AGE_SECONDS + 60):
        response = client.get(reverse("core:dashboard"))
        assert response.status_code == 302


def test_user_without_membership_gets_a_clear_page(db):  # noqa: ANN001
    from tests.factories import UserFactory

    user = UserFactory()
    client = Client()
    client.force_login(user)
    response = client.get(reverse("core:dashboard"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("no_membership")
    assert response.status_code == 403
