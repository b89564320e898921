"""The alarm inbox (/alarmen/): my teams' open alarms, most urgent first, with the client's
key information and the norm countdown; acknowledge → on site → resolve through htmx;
out-of-order steps; entering an alarm by hand; the outage banner; the alarm's page with its
history and timings; the access log; a bounded number of queries; the Today view's card."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from alarms import services
from alarms.models import Alarm, AlarmEvent, Device
from arrangements.models import Arrangement
from clients.models import Client, NetworkMember
from teams import services as team_services
from tests.conftest import Persona
from tests.factories import (
    AlarmCentreFactory,
    AlarmFactory,
    AlarmPolicyFactory,
    ArrangementFactory,
    ChannelOutageFactory,
    ClientFactory,
    DeviceFactory,
    EmployeeFactory,
    NetworkMemberFactory,
    TeamFactory,
)
from vpt.audit.models import AccessLog
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

AMS = ZoneInfo("Europe/Amsterdam")
HX = {"HTTP_HX_REQUEST": "true"}
NOW = dt.datetime(2026, 3, 4, 14, 0, tzinfo=AMS)  # a Wednesday afternoon: day norms


@pytest.fixture(autouse=True)
def english_ui(settings):  # noqa: ANN001, ANN201
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def afternoon():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def team_north(org_a):  # noqa: ANN001, ANN201
    return TeamFactory(organization=org_a, name="Team Noord")


@pytest.fixture
def team_south(org_a):  # noqa: ANN001, ANN201
    return TeamFactory(organization=org_a, name="Team Zuid")


def member_of(make_persona, org, team, role=Role.CLIENT_COACH) -> Persona:  # noqa: ANN001
    persona = make_persona(org, role)
    with tenant_scope(org):
        team.members.add(persona.membership)
    return persona


@pytest.fixture
def coach_north(make_persona, org_a, team_north) -> Persona:  # noqa: ANN001
    return member_of(make_persona, org_a, team_north)


@pytest.fixture
def coach_south(make_persona, org_a, team_south) -> Persona:  # noqa: ANN001
    return member_of(make_persona, org_a, team_south)


def client_in_care(org, team, **kwargs) -> Client:  # noqa: ANN001
    return ClientFactory(organization=org, primary_team=team, status=Client.Status.IN_CARE,
                         care_start=dt.date(2025, 1, 1), **kwargs)


@pytest.fixture
def client_north(org_a, team_north) -> Client:  # noqa: ANN001
    """Jan Noorderling: a daughter and a neighbour to phone, a key safe, an arrangement note."""
    client = client_in_care(org_a, team_north, first_name="Jan", last_name="Noorderling", phone="070-1112233")
    NetworkMemberFactory(organization=org_a, client=client, name="Els Noorderling", phone="06-12345678",
                         relation=NetworkMember.Relation.CHILD, is_contact_person=True)
    NetworkMemberFactory(organization=org_a, client=client, name="Buurman Piet", phone="06-87654321",
                         relation=NetworkMember.Relation.NEIGHBOUR)
    NetworkMemberFactory(organization=org_a, client=client, name="Zonder Telefoon", phone="")
    DeviceFactory(organization=org_a, client=client, kind=Device.Kind.DOOR_ACCESS, external_id="KS-1",
                  note="Sleutelkluis links naast de voordeur")
    ArrangementFactory(organization=org_a, client=client, status=Arrangement.Status.ACTIVE,
                       valid_from=dt.date(2025, 1, 1), note="Slechthorend: bel lang aan.")
    return client


@pytest.fixture
def client_south(org_a, team_south) -> Client:  # noqa: ANN001
    return client_in_care(org_a, team_south, first_name="Piet", last_name="Zuiderling")


def alarm_for(client: Client, *, minutes_ago: float = 2, ack: int = 5, onsite: int = 30, **fields) -> Alarm:  # noqa: ANN003
    received = timezone.now() - dt.timedelta(minutes=minutes_ago)
    fields.setdefault("is_night", False)
    return AlarmFactory(organization=client.organization, client=client, received_at=received,
                        ack_due_at=received + dt.timedelta(minutes=ack),
                        onsite_due_at=received + dt.timedelta(minutes=onsite), **fields)


def reload(alarm: Alarm) -> Alarm:
    with tenant_scope(alarm.organization_id):
        return Alarm.objects.select_related("client").filter(pk=alarm.pk).first()


def url(name: str, *args: int) -> str:
    return reverse(f"alarms:{name}", args=args)


def html_of(response) -> str:  # noqa: ANN001
    return response.content.decode()


# --- the inbox --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("afternoon")
def test_inbox_shows_my_teams_open_alarms_only(coach_north, coach_south, admin_a, client_north, client_south):  # noqa: ANN001
    mine = alarm_for(client_north)
    theirs = alarm_for(client_south)
    resolved = alarm_for(client_north, minutes_ago=90, status=Alarm.Status.RESOLVED,
                         acknowledged_at=timezone.now() - dt.timedelta(minutes=88),
                         resolved_at=timezone.now() - dt.timedelta(minutes=60),
                         cause=Alarm.Cause.FALL, outcome=Alarm.Outcome.VISIT)

    response = coach_north.client.get(url("inbox"))
    assert response.status_code == 200
    html = html_of(response)
    assert [c.alarm for c in response.context["cards"]] == [mine]
    assert f'data-testid="alarm-{mine.pk}"' in html and f'data-testid="alarm-{theirs.pk}"' not in html
    assert "Piet Zuiderling" not in html
    assert [a.pk for a in response.context["resolved"]] == [resolved.pk]  # the last 24 hours, compact
    assert f'data-testid="resolved-{resolved.pk}"' in html and "Fall · Visit" in html

    # Another team's alarm is not mine: its page and its steps are 404.
    assert coach_north.client.get(url("detail", theirs.pk)).status_code == 404
    assert coach_north.client.post(url("acknowledge", theirs.pk), **HX).status_code == 404
    assert reload(theirs).status == Alarm.Status.RECEIVED
    # The admin sees every team's alarms.
    assert {c.alarm.pk for c in admin_a.client.get(url("inbox")).context["cards"]} == {mine.pk, theirs.pk}


def test_inbox_needs_the_permission(make_persona, org_a):  # noqa: ANN001
    finance = make_persona(org_a, Role.FINANCE)
    assert finance.client.get(url("inbox")).status_code == 403
    assert finance.client.get(url("inbox_list")).status_code == 403


@pytest.mark.usefixtures("afternoon")
def test_card_shows_the_key_information_and_the_norm(coach_north, client_north):  # noqa: ANN001
    alarm = alarm_for(client_north, minutes_ago=2, message="Knop ingedrukt, geen spraakverbinding")
    html = html_of(coach_north.client.get(url("inbox")))
    card = html.split(f'data-testid="alarm-{alarm.pk}"')[1].split("</article>")[0]
    assert "Alarm button" in card and "Jan Noorderling" in card
    assert client_north.street in card and 'href="tel:070-1112233"' in card
    assert "Received 2 min ago (13:58)" in card  # local time
    assert "Knop ingedrukt" in card
    # The norm, computed by the server: 5 minutes to acknowledge, 2 gone.
    assert "Acknowledge within 3 min" in card
    # Who to call: network members with a phone number (contact person first); getting in.
    assert card.index("Els Noorderling") < card.index("Buurman Piet")
    assert 'href="tel:06-12345678"' in card and "Zonder Telefoon" not in card
    assert "Door access / key safe present" in card and "Sleutelkluis links naast de voordeur" in card
    assert "Slechthorend: bel lang aan." in card
    assert f'data-testid="acknowledge-{alarm.pk}"' in card and f'data-testid="resolve-{alarm.pk}"' not in card


@pytest.mark.usefixtures("afternoon")
def test_most_urgent_first_with_overdue_and_escalation(coach_north, client_north, org_a, team_north):  # noqa: ANN001
    other = client_in_care(org_a, team_north, first_name="Kees")
    on_site = alarm_for(other, minutes_ago=40, status=Alarm.Status.ON_SITE,
                        acknowledged_at=timezone.now() - dt.timedelta(minutes=39),
                        on_site_at=timezone.now() - dt.timedelta(minutes=20))
    fresh = alarm_for(other, minutes_ago=1)
    overdue = alarm_for(client_north, minutes_ago=9, escalation_level=1)  # acknowledge due 4 minutes ago
    waiting = alarm_for(other, minutes_ago=10, status=Alarm.Status.ACKNOWLEDGED,
                        acknowledged_at=timezone.now() - dt.timedelta(minutes=8))  # on site within 20
    response = coach_north.client.get(url("inbox"))
    cards = response.context["cards"]
    assert [c.alarm for c in cards] == [overdue, fresh, waiting, on_site]
    html = html_of(response)
    assert "Acknowledge: overdue 4 min" in html
    assert "Escalation step 1 of 3" in html
    assert "On site within 20 min" in html and "On site since 13:40" in html
    assert response.context["overdue_count"] == 1


# --- one tap: acknowledge, on site, resolve ---------------------------------------------------


def test_acknowledge_on_site_resolve_with_htmx(coach_north, client_north):  # noqa: ANN001
    alarm = alarm_for(client_north)

    response = coach_north.client.post(url("acknowledge", alarm.pk), **HX)
    assert response.status_code == 200
    html = html_of(response)
    assert "<html" not in html and 'data-testid="alarm-list"' in html  # the list only
    assert 'id="outage-banner"' in html and 'hx-swap-oob="true"' in html
    assert reload(alarm).status == Alarm.Status.ACKNOWLEDGED
    assert f'data-testid="on-site-{alarm.pk}"' in html and f'data-testid="resolve-form-{alarm.pk}"' in html

    html = html_of(coach_north.client.post(url("on_site", alarm.pk), **HX))
    assert reload(alarm).status == Alarm.Status.ON_SITE
    assert 'data-status="on_site"' in html

    response = coach_north.client.post(url("resolve", alarm.pk), {
        "cause": Alarm.Cause.FALL, "outcome": Alarm.Outcome.VISIT, "note": "Opgeholpen, geen letsel."}, **HX)
    assert response.status_code == 200
    done = reload(alarm)
    assert (done.status, done.cause, done.outcome, done.note) == (
        Alarm.Status.RESOLVED, "fall", "visit", "Opgeholpen, geen letsel.")
    assert done.resolved_by == coach_north.user
    html = html_of(response)
    assert f'data-testid="alarm-{alarm.pk}"' not in html and f'data-testid="resolved-{alarm.pk}"' in html
    assert "resolved." in html
    with tenant_scope(alarm.organization_id):
        actions = list(AlarmEvent.objects.filter(alarm=alarm).values_list("action", flat=True))
        logged = list(AccessLog.objects.filter(object_type="alarms.alarm", object_id=str(alarm.pk))
                      .values_list("action", flat=True))
    assert actions == ["acknowledged", "on_site", "resolved"]
    assert logged == [AccessLog.Action.UPDATE] * 3  # the services log every step


def test_steps_without_htmx_redirect_with_a_message(coach_north, client_north):  # noqa: ANN001
    alarm = alarm_for(client_north)
    response = coach_north.client.post(url("acknowledge", alarm.pk))
    assert response.status_code == 302 and response["Location"] == url("inbox") + f"#alarm-{alarm.pk}"
    page = coach_north.client.get(response["Location"])
    assert "Alarm button at Jan Noorderling acknowledged." in html_of(page)
    # From the alarm's own page back to it.
    response = coach_north.client.post(url("on_site", alarm.pk), {"next": "detail"})
    assert response["Location"] == url("detail", alarm.pk)
    assert reload(alarm).status == Alarm.Status.ON_SITE


def test_steps_out_of_order_change_nothing(coach_north, client_north):  # noqa: ANN001
    alarm = alarm_for(client_north)
    # Resolving an alarm nobody acknowledged.
    response = coach_north.client.post(url("resolve", alarm.pk), {"cause": "fall", "outcome": "visit"}, **HX)
    assert response.status_code == 200
    assert "This alarm is received; it cannot go to resolved." in html_of(response)
    assert reload(alarm).status == Alarm.Status.RECEIVED
    # Acknowledging twice (a colleague was quicker): the second tap only tells.
    coach_north.client.post(url("acknowledge", alarm.pk), **HX)
    first = reload(alarm).acknowledged_at
    html = html_of(coach_north.client.post(url("acknowledge", alarm.pk), **HX))
    assert "This alarm is acknowledged; it cannot go to acknowledged." in html
    assert f'data-testid="alarm-errors-{alarm.pk}"' in html
    assert reload(alarm).acknowledged_at == first
    with tenant_scope(alarm.organization_id):
        assert AlarmEvent.objects.filter(alarm=alarm, action="acknowledged").count() == 1
    # Without htmx: the message after the redirect.
    response = coach_north.client.post(url("acknowledge", alarm.pk), follow=True)
    assert "it cannot go to acknowledged" in html_of(response)


def test_resolve_without_cause_shows_the_error(coach_north, client_north):  # noqa: ANN001
    alarm = alarm_for(client_north, status=Alarm.Status.ACKNOWLEDGED, acknowledged_at=timezone.now())
    response = coach_north.client.post(url("resolve", alarm.pk), {"outcome": "phone", "note": "x"}, **HX)
    assert response.status_code == 200
    html = html_of(response)
    assert "Choose the cause." in html
    form_html = html.split(f'id="resolve-{alarm.pk}"')[1].split("</details>")[0]
    assert "hx-preserve" not in form_html.split(">")[0] and " open" in form_html.split(">")[0]
    assert re.search(r'<input type="radio" name="outcome" value="phone"[^>]*checked', form_html)  # kept
    assert reload(alarm).status == Alarm.Status.ACKNOWLEDGED
    # A fresh form survives the refreshes (hx-preserve) until it is sent.
    refreshed = html_of(coach_north.client.get(url("inbox_list"), **HX))
    assert f'id="resolve-{alarm.pk}" class="alarm-resolve" hx-preserve' in refreshed


# --- an alarm entered by hand ---------------------------------------------------------------------


def test_enter_an_alarm_by_hand(coach_north, client_north, client_south, org_a, team_north):  # noqa: ANN001
    intake = ClientFactory(organization=org_a, primary_team=team_north, first_name="Nog", last_name="Intake")
    page = coach_north.client.get(url("inbox"))
    select = html_of(page).split('name="client"')[1].split("</select>")[0]
    choices = [int(v) for v in re.findall(r'<option value="(\d+)"', select)]
    assert choices == [client_north.pk]  # visible clients in care only (not the intake, not another team's)
    assert intake.pk not in choices

    response = coach_north.client.post(url("create"), {
        "client": client_north.pk, "kind": Alarm.Kind.PHONE, "message": "Buurvrouw belt: meneer is gevallen"})
    assert response.status_code == 302
    with tenant_scope(org_a):
        alarm = Alarm.objects.get(client=client_north)
        event = AlarmEvent.objects.filter(alarm=alarm).first()
    assert (alarm.source, alarm.kind, alarm.message) == ("manual", "phone", "Buurvrouw belt: meneer is gevallen")
    assert alarm.team_id == client_north.primary_team_id and alarm.status == Alarm.Status.RECEIVED
    assert event.action == "received" and event.by == coach_north.user
    assert response["Location"] == url("inbox") + f"#alarm-{alarm.pk}"

    # Another team's client cannot be chosen: the form says so, nothing is stored.
    response = coach_north.client.post(url("create"), {"client": client_south.pk, "kind": "phone"})
    assert response.status_code == 200 and response.context["manual_open"]
    assert "Select a valid choice" in html_of(response)
    with tenant_scope(org_a):
        assert not Alarm.objects.filter(client=client_south).exists()


# --- the outage banner --------------------------------------------------------------------------


@pytest.mark.usefixtures("afternoon")
def test_outage_banner_on_every_page_until_the_channel_is_back(coach_north, org_a):  # noqa: ANN001
    assert 'data-testid="outage-banner"' not in html_of(coach_north.client.get("/"))
    centre = AlarmCentreFactory(organization=org_a, name="Zorgcentrale West")
    outage = ChannelOutageFactory(organization=org_a, centre=centre, started_at=NOW - dt.timedelta(minutes=46),
                                  detected_at=NOW - dt.timedelta(minutes=40))
    for page in ("/", url("inbox")):
        html = html_of(coach_north.client.get(page))
        assert 'data-testid="outage-banner"' in html, page
        assert "No signal from Zorgcentrale West since 13:14" in html
        assert "alarms may not reach us" in html
    # The self-refreshing list carries the banner (out of band): it appears without a reload.
    partial = html_of(coach_north.client.get(url("inbox_list"), **HX))
    assert 'id="outage-banner" class="outage-slot" hx-swap-oob="true"' in partial
    assert "Zorgcentrale West" in partial

    with tenant_scope(org_a):
        services.heartbeat(centre=centre)  # the centre is back
        outage.refresh_from_db()
    assert outage.ended_at is not None
    assert 'data-testid="outage-banner"' not in html_of(coach_north.client.get("/"))
    partial = html_of(coach_north.client.get(url("inbox_list"), **HX))
    assert 'id="outage-banner"' in partial and "Zorgcentrale West" not in partial  # the slot empties


@pytest.mark.usefixtures("afternoon")
def test_device_outage_only_for_the_clients_team(coach_north, coach_south, admin_a, client_north, org_a,  # noqa: ANN001
                                                 make_persona):
    device = DeviceFactory(organization=org_a, client=client_north, external_id="PA-9", check_in_minutes=60)
    ChannelOutageFactory(organization=org_a, centre=None, device=device, started_at=NOW - dt.timedelta(days=1))
    assert "Jan Noorderling: no check-in since 03-03 14:00" in html_of(coach_north.client.get("/"))
    assert "Jan Noorderling" in html_of(admin_a.client.get("/"))
    assert 'data-testid="outage-banner"' not in html_of(coach_south.client.get("/"))
    finance = make_persona(org_a, Role.FINANCE)  # does not handle alarms: no banner, no query
    assert 'id="outage-banner"' not in html_of(finance.client.get("/"))


# --- the alarm's page ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("afternoon")
def test_detail_shows_history_and_timings(coach_north, client_north, org_a):  # noqa: ANN001
    start = NOW - dt.timedelta(minutes=50)
    with time_machine.travel(start, tick=False), tenant_scope(org_a):
        alarm = services.alarm_create_manual(acting=coach_north.membership, client=client_north, message="Val")
    with time_machine.travel(start + dt.timedelta(minutes=3), tick=False), tenant_scope(org_a):
        services.acknowledge(acting=coach_north.membership, alarm=alarm)
    with time_machine.travel(start + dt.timedelta(minutes=41), tick=False), tenant_scope(org_a):
        services.escalate_overdue(org_a.pk)
        services.on_site(acting=coach_north.membership, alarm=alarm)
    response = coach_north.client.get(url("detail", alarm.pk))
    assert response.status_code == 200
    html = html_of(response)
    timings = {t.label: t for t in response.context["timings"]}
    assert (timings["Acknowledged"].took, timings["Acknowledged"].within) == ("3 min", True)
    assert (timings["On site"].took, timings["On site"].within) == ("41 min", False)
    history = html.split('data-testid="history"')[1]
    for text in ("Received", "Acknowledged", "Escalated", "On site", "entered by hand"):
        assert text in history, text
    assert coach_north.user.get_full_name() in history
    assert f'data-testid="resolve-form-{alarm.pk}"' in html and 'name="next" value="detail"' in html
    assert "hx-post" not in html.split('data-testid="alarm-detail"')[1]  # plain forms on this page
    with tenant_scope(org_a):
        entry = AccessLog.objects.filter(action=AccessLog.Action.VIEW, client_id=client_north.pk).last()
    assert entry.object_type == "alarms.alarm" and entry.object_id == str(alarm.pk)


def test_night_service_sees_night_alarms_of_other_teams(make_persona, org_a, team_north, client_north):  # noqa: ANN001
    night_team = TeamFactory(organization=org_a, name="Nachtdienst")
    night_nurse = member_of(make_persona, org_a, night_team)
    AlarmPolicyFactory(organization=org_a, night_team=night_team)
    day = alarm_for(client_north)
    night = alarm_for(client_north, is_night=True)
    escalated = alarm_for(client_north, escalation_level=2)
    seen = {c.alarm.pk for c in night_nurse.client.get(url("inbox")).context["cards"]}
    assert seen == {night.pk, escalated.pk}
    assert night_nurse.client.get(url("detail", day.pk)).status_code == 404


# --- the access log and the number of queries ------------------------------------------------------


def test_access_log_once_per_page_and_per_new_alarm(coach_north, client_north, org_a):  # noqa: ANN001
    def views() -> int:
        with tenant_scope(org_a):
            return AccessLog.objects.filter(action=AccessLog.Action.VIEW, object_type="alarms.inbox").count()

    alarm_for(client_north)
    coach_north.client.get(url("inbox"))
    assert views() == 1
    for _ in range(3):  # the list refreshes itself: nothing new, nothing logged
        coach_north.client.get(url("inbox_list"), **HX)
    assert views() == 1
    alarm_for(client_north)
    coach_north.client.get(url("inbox_list"), **HX)
    coach_north.client.get(url("inbox_list"), **HX)
    assert views() == 2
    with tenant_scope(org_a):
        entry = AccessLog.objects.filter(object_type="alarms.inbox").order_by("-pk").first()
    assert f"client ids {client_north.pk}" in entry.description


def test_polling_list_query_count_does_not_grow(coach_north, client_north, org_a, team_north):  # noqa: ANN001
    def count() -> tuple[int, int]:
        coach_north.client.get(url("inbox_list"), **HX)  # logs what is new (not measured)
        with CaptureQueriesContext(connection) as ctx:
            response = coach_north.client.get(url("inbox_list"), **HX)
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.context["cards"])

    ChannelOutageFactory(organization=org_a, centre=AlarmCentreFactory(organization=org_a))
    alarm_for(client_north)
    small, cards = count()
    assert cards == 1
    for i in range(19):
        client = client_north if i % 3 == 0 else client_in_care(org_a, team_north, first_name=f"K{i}")
        NetworkMemberFactory(organization=org_a, client=client, phone=f"06-000000{i:02d}")
        status = [Alarm.Status.RECEIVED, Alarm.Status.ACKNOWLEDGED, Alarm.Status.ON_SITE][i % 3]
        alarm_for(client, minutes_ago=i, status=status, escalation_level=i % 4,
                  acknowledged_at=None if status == "received" else timezone.now(),
                  on_site_at=timezone.now() if status == "on_site" else None)
        alarm_for(client, minutes_ago=60 + i, status=Alarm.Status.RESOLVED, acknowledged_at=timezone.now(),
                  resolved_at=timezone.now(), cause="test", outcome="phone")
    large, cards = count()
    assert cards == 20
    assert small == large, (small, large)
    # 17 on PostgreSQL: session, user, membership, savepoints and the RLS setting around the
    # view, the session save, the organisation switcher (layout context); the list's own four:
    # the open alarms (key information as annotations), their network (prefetch), the
    # resolved ones, the outages.
    assert large <= 17, large


# --- the coach's Today view ---------------------------------------------------------------------------


def test_today_card_shows_the_clients_open_alarm(coach_north, client_north, client_south, org_a, team_north):  # noqa: ANN001
    employee = EmployeeFactory(organization=org_a, team=team_north, membership=coach_north.membership,
                               role="client_coach", function_level=3)
    today = timezone.localdate()
    quiet = client_in_care(org_a, team_north, first_name="Rustig")
    with tenant_scope(org_a):
        for client in (client_north, quiet):
            team_services.visit_create(acting=coach_north.membership, client=client, employee=employee, date=today,
                                       start=dt.time(0, 5) if client == quiet else dt.time(1, 0), duration_minutes=30,
                                       delivered=False)
    alarm = alarm_for(client_north, minutes_ago=1)
    alarm_for(client_north, minutes_ago=5, status=Alarm.Status.RESOLVED, acknowledged_at=timezone.now(),
              resolved_at=timezone.now(), cause="test", outcome="phone")

    response = coach_north.client.get(reverse("today:today"))
    html = html_of(response)
    north = html.split(f'data-testid="card-{client_north.pk}"')[1].split("</article>")[0]
    assert f'data-testid="client-alarm-{alarm.pk}"' in north and "Alarm button" in north
    assert f'href="{url("inbox")}#alarm-{alarm.pk}"' in north
    assert north.count('class="client-alarm"') == 1  # the resolved one is not shown
    other = html.split(f'data-testid="card-{quiet.pk}"')[1].split("</article>")[0]
    assert "client-alarm" not in other


def test_whoever_was_notified_keeps_seeing_the_alarm(make_persona, org_a, team_north, client_north):  # noqa: ANN001
    """The on-call manager called at step 3 can still open the alarm after a colleague
    acknowledged it (which restarts the steps for the on-site norm)."""
    from tests.factories import NotificationFactory

    on_call = make_persona(org_a, Role.TEAM_MANAGER)
    AlarmPolicyFactory(organization=org_a, on_call=on_call.membership)
    alarm = alarm_for(client_north, escalation_level=3)
    other = alarm_for(client_north, escalation_level=0)
    NotificationFactory(organization=org_a, membership=on_call.membership, alarm=alarm, text="Escalatie 3")
    with tenant_scope(org_a):
        Alarm.objects.filter(pk=alarm.pk).update(escalation_level=0)  # as after an acknowledgement
    assert on_call.client.get(url("detail", alarm.pk)).status_code == 200
    assert on_call.client.get(url("detail", other.pk)).status_code == 404
