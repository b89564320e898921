"""The main user flow in a real chromium (Debian's, through Playwright) on a tablet."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory
from vpt.tenancy.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_team_manager_logs_in_on_a_tablet_and_sees_the_dashboard(live_server, browser):  # noqa: ANN001
    org = OrganizationFactory(name="Thuiszorg Tablettest")
    user = UserFactory(username="tm@tablet.test", first_name="Sanne")
    MembershipFactory(user=user, organization=org, role=Role.TEAM_MANAGER)
    MembershipFactory(organization=org, role=Role.CLIENT_COACH)

    context = browser.new_context(viewport={"width": 768, "height": 1024}, locale="nl-NL")
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    assert "/account/inloggen/" in page.url
    page.get_by_label("Gebruikersnaam").fill("tm@tablet.test")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert page.get_by_text("Thuiszorg Tablettest").first.is_visible()
    assert page.get_by_text("Teammanager").first.is_visible()
    # Tablet-first: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    Path("test-artifacts").mkdir(exist_ok=True)
    page.screenshot(path="test-artifacts/dashboard-tablet.png", full_page=True)
    context.close()
