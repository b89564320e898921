"""The alarm inbox on the team's tablet, in a real chromium: an alarm that comes in while the
page is open appears by itself (highlighted, with a sound), the coach acknowledges it and
resolves it with cause and outcome in a few taps; a silent alarm centre shows its banner
without a reload; nothing scrolls sideways on a tablet or a phone."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from alarms import services
from alarms.models import Alarm, AlarmEvent, Device
from arrangements.models import Arrangement
from clients.models import Client, NetworkMember
from tests.factories import (
    PASSWORD,
    AlarmCentreFactory,
    ArrangementFactory,
    ChannelOutageFactory,
    ClientFactory,
    DeviceFactory,
    MembershipFactory,
    NetworkMemberFactory,
    OrganizationFactory,
    TeamFactory,
    UserFactory,
)
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("VPT_SHOTS", "test-artifacts"))
# Counts the tones played: WebAudio oscillators created by alarms.js.
COUNT_TONES = """
  window.__tones = 0;
  const original = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function () { window.__tones++; return original.call(this); };
"""


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def setup_team():  # noqa: ANN201
    """A coach of Team Oost, her client Truus with a personal alarm (delivered by an alarm
    centre), a key safe, a daughter to phone and an arrangement note."""
    org = OrganizationFactory(name="Thuiszorg Alarm")
    user = UserFactory(username="coach@alarm.test", first_name="Cora", last_name="Coach")
    coach = MembershipFactory(user=user, organization=org, role=Role.CLIENT_COACH)
    team = TeamFactory(organization=org, name="Team Oost", members=[coach])
    client = ClientFactory(organization=org, primary_team=team, first_name="Truus", last_name="de Vries",
                           phone="070-3334455", status=Client.Status.IN_CARE, care_start=dt.date(2025, 1, 1))
    NetworkMemberFactory(organization=org, client=client, name="Els de Vries", phone="06-11122233",
                         relation=NetworkMember.Relation.CHILD, is_contact_person=True)
    DeviceFactory(organization=org, client=client, kind=Device.Kind.DOOR_ACCESS, external_id="KS-77",
                  note="Sleutelkluis naast de voordeur, code via de zorgcentrale")
    ArrangementFactory(organization=org, client=client, status=Arrangement.Status.ACTIVE,
                       valid_from=dt.date(2025, 1, 1), note="Slechthorend: bel lang aan en klop op het raam.")
    centre = AlarmCentreFactory(organization=org, name="Zorgcentrale Haaglanden")
    button = DeviceFactory(organization=org, client=client, external_id="PA-4711", centre=centre)
    return org, coach, client, centre, button


def test_new_alarm_appears_and_is_handled_on_a_tablet(live_server, browser, monkeypatch):  # noqa: ANN001
    # The team's notification goes through the worker; not part of this test.
    monkeypatch.setattr("alarms.tasks.notify_alarm.delay", lambda *args, **kwargs: None)
    org, coach, client, centre, button = setup_team()
    context = browser.new_context(viewport={"width": 768, "height": 1024}, locale="nl-NL")
    context.add_init_script(COUNT_TONES)
    page = context.new_page()
    page.set_default_timeout(10_000)
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/account/inloggen/")
    page.fill("#id_username", "coach@alarm.test")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(lambda url: "inloggen" not in url)

    page.goto(f"{live_server.url}/alarmen/")
    expect(page.get_by_test_id("no-alarms")).to_be_visible()
    sound = page.get_by_test_id("sound-toggle")
    expect(sound).to_be_visible()
    sound.click()  # the first tap allows the sound (browsers block audio until then)
    expect(sound).to_have_attribute("aria-pressed", "true")
    page.evaluate("window.__marker = 'same page'")

    # 1. An alarm comes in at the alarm centre while the page is open (committed).
    with tenant_scope(org):
        received = services.alarm_receive(centre=centre, event_id="HGL-0001", device_external_id=button.external_id,
                                          kind=Alarm.Kind.FALL, occurred_at=timezone.now(),
                                          message="Valdetectie: geen reactie op spreek-luister")
    alarm = received.alarm
    card = page.get_by_test_id(f"alarm-{alarm.pk}")
    expect(card).to_be_visible(timeout=12_000)  # the list refreshes every 5 seconds
    assert page.evaluate("window.__marker") == "same page"  # no reload
    assert "is-new" in (card.get_attribute("class") or "")
    assert page.evaluate("window.__tones") > 0, "a new alarm sounds"
    expect(card).to_contain_text("Truus de Vries")
    expect(card).to_contain_text("Els de Vries")
    expect(card).to_contain_text("Sleutelkluis naast de voordeur")
    expect(card.get_by_test_id(f"norm-{alarm.pk}")).to_be_visible()
    assert page.title().startswith("(1) ")
    assert no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "alarms-tablet-new.png"), full_page=True)

    # 2. One tap: acknowledged. The card stays, now with "on site" and "resolve".
    acknowledge = page.get_by_test_id(f"acknowledge-{alarm.pk}")
    assert acknowledge.bounding_box()["height"] >= 44
    acknowledge.click()
    expect(card).to_have_attribute("data-status", "acknowledged")
    tones = page.evaluate("window.__tones")

    # 3. A silent alarm centre: the banner appears without a reload.
    with tenant_scope(org):
        ChannelOutageFactory(organization=org, centre=centre, started_at=timezone.now() - dt.timedelta(minutes=12),
                             detected_at=timezone.now() - dt.timedelta(minutes=6))
    expect(page.get_by_test_id("outage-banner")).to_contain_text("Zorgcentrale Haaglanden", timeout=12_000)
    assert page.evaluate("window.__marker") == "same page"
    assert page.evaluate("window.__tones") == tones, "an alarm already shown does not sound again"

    # 4. Resolve: cause and outcome as chips, a note. A refresh in between keeps the choices.
    page.get_by_test_id(f"resolve-open-{alarm.pk}").click()
    form = page.get_by_test_id(f"resolve-form-{alarm.pk}")
    expect(form).to_be_visible()
    form.locator("label.alarm-chip:has(input[value='fall'])").click()
    form.locator("label.alarm-chip:has(input[value='visit'])").click()
    form.locator("textarea[name='note']").fill("Opgeholpen, geen letsel; dochter gebeld.")
    assert form.locator("label.alarm-chip").first.bounding_box()["height"] >= 44
    assert no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "alarms-tablet-resolve.png"), full_page=True)
    page.wait_for_timeout(5_500)  # at least one refresh of the list
    expect(form.locator("input[value='fall']")).to_be_checked()
    expect(form.locator("textarea[name='note']")).to_have_value("Opgeholpen, geen letsel; dochter gebeld.")
    page.get_by_test_id(f"resolve-{alarm.pk}").click()
    expect(page.get_by_test_id(f"alarm-{alarm.pk}")).to_have_count(0)
    expect(page.get_by_test_id(f"resolved-{alarm.pk}")).to_be_visible()
    expect(page.get_by_test_id("no-alarms")).to_be_visible()
    assert page.evaluate("window.__marker") == "same page"

    with tenant_scope(org):
        alarm.refresh_from_db()
        actions = list(AlarmEvent.objects.filter(alarm=alarm).order_by("at", "pk").values_list("action", flat=True))
    assert (alarm.status, alarm.cause, alarm.outcome) == (Alarm.Status.RESOLVED, "fall", "visit")
    assert alarm.note == "Opgeholpen, geen letsel; dochter gebeld."
    assert alarm.acknowledged_by_id == alarm.resolved_by_id == coach.user_id
    assert alarm.acknowledged_at <= alarm.resolved_at
    assert actions == ["received", "acknowledged", "resolved"]

    # 5. The banner on other pages, and on a phone nothing scrolls sideways either.
    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("outage-banner")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    with tenant_scope(org):
        services.alarm_create_manual(acting=coach, client=client, message="Buurvrouw belt: Truus roept om hulp")
    page.goto(f"{live_server.url}/alarmen/")
    expect(page.locator(".alarm-card")).to_have_count(1)
    assert no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "alarms-phone.png"), full_page=True)
    context.close()
