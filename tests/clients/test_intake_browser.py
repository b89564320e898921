"""A full intake by a team manager on a tablet, in a real chromium:
client -> indication -> network member -> assessment -> in care."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import MembershipFactory, OrganizationFactory, TeamFactory, UserFactory
from vpt.tenancy.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("test-artifacts")


def test_full_intake_on_a_tablet(live_server, browser):  # noqa: ANN001
    org = OrganizationFactory(name="Thuiszorg Intake")
    manager = MembershipFactory(user=UserFactory(username="tm@intake.test"), organization=org, role=Role.TEAM_MANAGER)
    TeamFactory(organization=org, name="Team Centrum", members=[manager])
    context = browser.new_context(viewport={"width": 768, "height": 1024})
    page = context.new_page()
    page.set_default_timeout(10_000)
    SHOTS.mkdir(exist_ok=True)

    page.goto(f"{live_server.url}/account/inloggen/")
    page.fill("#id_username", "tm@intake.test")
    page.fill("#id_password", "test-wachtwoord-123")
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("link", name="Cliënten").first.click()
    page.get_by_role("link", name="Nieuwe cliënt (intake)").click()

    # 1. Personal details, first with a BSN that fails the elfproef: a clear error, nothing saved.
    page.fill("#id_first_name", "Truus")
    page.fill("#id_last_name", "Visser")
    page.fill("#id_date_of_birth", "1941-07-09")
    page.fill("#id_bsn", "123456789")
    page.fill("#id_street", "Kerkstraat")
    page.fill("#id_house_number", "3")
    page.fill("#id_postcode", "2511ab")
    page.fill("#id_city", "Den Haag")
    page.select_option("#id_primary_team", label="Team Centrum")
    page.get_by_role("button", name="Cliënt registreren").click()
    assert page.locator(".field-errors").get_by_text("elfproef klopt niet").is_visible()
    page.fill("#id_bsn", "123456782")
    page.get_by_role("button", name="Cliënt registreren").click()

    # 2. Indication.
    page.wait_for_url("**/indicatie/")
    page.select_option("#id_zorgprofiel", value="754")
    page.fill("#id_valid_from", "2026-01-01")
    page.fill("#id_ciz_reference", "CIZ-2026-0001")
    page.get_by_role("button", name="Indicatie vastleggen").click()
    assert page.get_by_role("cell", name="5VV").is_visible()

    # 3. Network member.
    page.get_by_role("link", name="Netwerk").click()
    page.fill("#id_name", "Els Visser")
    page.select_option("#id_relation", value="child")
    page.fill("#id_tasks", "Ontbijt klaarzetten, boodschappen op zaterdag")
    page.check("#id_is_contact_person")
    page.get_by_role("button", name="Toevoegen aan netwerk").click()
    assert page.get_by_text("Els Visser").first.is_visible()

    # 4. Eligibility assessment: every item answered, then the decision.
    page.get_by_role("link", name="Beoordeling").click()
    for item in page.locator(".checklist-item").all():
        name = item.locator("input").first.get_attribute("name")
        item.locator(f"input[value={'False' if name.startswith('signal_') else 'True'}]").check()
    page.locator("input[name=decision][value=suitable]").check()
    page.fill("#id_assessed_on", "2026-01-05")
    page.get_by_role("button", name="Beoordeling vastleggen").click()
    assert page.get_by_text("Geschikt").first.is_visible()

    # 5. In care.
    page.get_by_role("link", name="Overzicht").click()
    page.get_by_role("link", name="Zorg starten").click()
    page.fill("#id_start", "2026-01-10")
    page.get_by_role("button", name="Zorg starten").click()
    assert page.locator(".badge-status-in_care").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    page.screenshot(path=str(SHOTS / "intake-done-tablet.png"), full_page=True)
    context.close()


def test_import_page_fits_a_tablet_and_a_desktop(live_server, browser):  # noqa: ANN001
    org = OrganizationFactory(name="Thuiszorg Import")
    MembershipFactory(user=UserFactory(username="admin@import.test"), organization=org, role=Role.ADMIN)
    for width, height in ((768, 1024), (1440, 900)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(f"{live_server.url}/account/inloggen/")
        page.fill("#id_username", "admin@import.test")
        page.fill("#id_password", "test-wachtwoord-123")
        page.get_by_role("button", name="Inloggen").click()
        page.goto(f"{live_server.url}/clienten/import/")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        context.close()
