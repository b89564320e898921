"""The guarantees of the alarm follow-up (alarms/services.py): steps only in order with server
timestamps and an event each; escalation by the sweeper, from the state in the database, one
step per `escalate_every_minutes` up to the last step, idempotent; silent channels; failing
notification backends. The worker tests run the sweeper in a real Celery worker process (and
kill one with SIGKILL) with no notification task ever having run."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import translation

from alarms import notify, services
from alarms.models import (
    Alarm,
    AlarmCentre,
    AlarmEvent,
    AlarmPolicy,
    ChannelOutage,
    Device,
    Notification,
)
from alarms.tasks import sweep as sweep_task
from clients.models import Client
from tests.factories import (
    AlarmCentreFactory,
    AlarmFactory,
    AlarmPolicyFactory,
    ClientFactory,
    DeviceFactory,
    MembershipFactory,
    OrganizationFactory,
    TeamFactory,
)
from tests.workers import Workers
from vpt.tenancy.models import Membership, Organization, Team
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

Action = AlarmEvent.Action
T0 = dt.datetime(2026, 3, 2, 3, 10, tzinfo=dt.UTC)  # a night: 04:10 in Amsterdam
MIN = dt.timedelta(minutes=1)
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.fixture(autouse=True)
def english(settings):  # noqa: ANN001, ANN201
    """Messages are read in the English source text."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_backends() -> Iterator[None]:
    """The notification backends are cached per settings value: start and end clean."""
    notify._backends.cache_clear()
    yield
    notify._backends.cache_clear()


@dataclass
class Chain:
    """A provider with a team (coach, support worker, manager), a night service (one nurse),
    a team manager on call outside both teams, a policy (5/30 minutes, a step every 5), and a
    client in care of the team."""

    org: Organization
    team: Team
    night: Team
    coach: Membership
    support: Membership
    manager: Membership
    night_nurse: Membership
    on_call: Membership
    admin: Membership
    policy: AlarmPolicy
    client: Client

    @property
    def team_staff(self) -> set[int]:
        return {self.coach.pk, self.support.pk, self.manager.pk}

    def alarm(self, **fields: object) -> Alarm:
        """An open alarm received at T0 (or `received_at`), not yet notified."""
        received = fields.pop("received_at", T0)
        return AlarmFactory(organization=self.org, client=self.client, team=self.team, received_at=received,
                            ack_due_at=received + 5 * MIN, onsite_due_at=received + 30 * MIN, **fields)


def make_chain(**policy: object) -> Chain:
    org = OrganizationFactory()
    member = {role: MembershipFactory(organization=org, role=role)
              for role in (Role.CLIENT_COACH, Role.CLIENT_SUPPORT, Role.TEAM_MANAGER)}
    night_nurse = MembershipFactory(organization=org, role=Role.CLIENT_SUPPORT)
    on_call = MembershipFactory(organization=org, role=Role.TEAM_MANAGER)
    admin = MembershipFactory(organization=org, role=Role.ADMIN)
    team = TeamFactory(organization=org, name="Team Centrum", members=list(member.values()))
    night = TeamFactory(organization=org, name="Nachtdienst", members=[night_nurse])
    policy = AlarmPolicyFactory(organization=org, **{"night_team": night, "on_call": on_call, **policy})
    client = ClientFactory(organization=org, primary_team=team, status=Client.Status.IN_CARE,
                           care_start=dt.date(2025, 1, 1))
    return Chain(org=org, team=team, night=night, coach=member[Role.CLIENT_COACH],
                 support=member[Role.CLIENT_SUPPORT], manager=member[Role.TEAM_MANAGER], night_nurse=night_nurse,
                 on_call=on_call, admin=admin, policy=policy, client=client)


@pytest.fixture
def chain(db) -> Chain:  # noqa: ANN001
    return make_chain()


def escalate(chain: Chain, now: dt.datetime) -> int:
    with tenant_scope(chain.org):
        return services.escalate_overdue(chain.org.pk, now=now)


def sweep(chain: Chain, now: dt.datetime) -> dict[str, int]:
    with tenant_scope(chain.org):
        return services.sweep(chain.org.pk, now=now)


def steps(chain: Chain, alarm: Alarm) -> list[tuple[int, dt.datetime, str]]:
    with tenant_scope(chain.org):
        return list(AlarmEvent.objects.filter(alarm=alarm, action=Action.ESCALATED).order_by("level", "pk")
                    .values_list("level", "at", "detail"))


def notified(chain: Chain, **filters: object) -> set[int]:
    with tenant_scope(chain.org):
        return set(Notification.objects.filter(**filters).values_list("membership_id", flat=True))


def reload(chain: Chain, alarm: Alarm) -> Alarm:
    with tenant_scope(chain.org):
        return Alarm.objects.get(pk=alarm.pk)


# --- state transitions ---------------------------------------------------------------------------


def test_steps_go_in_order_with_server_timestamps_and_an_event_each(chain):  # noqa: ANN001
    centre = AlarmCentreFactory(organization=chain.org)
    device = DeviceFactory(organization=chain.org, client=chain.client, centre=centre)
    with time_machine.travel(T0, tick=False) as clock, tenant_scope(chain.org):
        received = services.alarm_receive(centre=centre, event_id="e-1", device_external_id=device.external_id,
                                          kind=Alarm.Kind.BUTTON, occurred_at=T0 - dt.timedelta(hours=2))
        alarm = received.alarm
        assert received.created and alarm.received_at == T0, "the server's clock, not the device's"
        assert alarm.is_night and alarm.ack_due_at == T0 + 5 * MIN and alarm.onsite_due_at == T0 + 30 * MIN
        clock.move_to(T0 + 2 * MIN)
        services.acknowledge(acting=chain.coach, alarm=alarm)
        clock.move_to(T0 + 14 * MIN)
        services.on_site(acting=chain.support, alarm=alarm)
        clock.move_to(T0 + 40 * MIN)
        services.resolve(acting=chain.support, alarm=alarm, cause=Alarm.Cause.FALL, outcome=Alarm.Outcome.VISIT,
                         note="  Overeind geholpen.  ")
        alarm.refresh_from_db()
        events = list(AlarmEvent.objects.filter(alarm=alarm).values_list("action", "at", "by_id"))
    assert alarm.status == Alarm.Status.RESOLVED
    assert (alarm.acknowledged_at, alarm.acknowledged_by_id) == (T0 + 2 * MIN, chain.coach.user_id)
    assert (alarm.on_site_at, alarm.on_site_by_id) == (T0 + 14 * MIN, chain.support.user_id)
    assert (alarm.resolved_at, alarm.resolved_by_id) == (T0 + 40 * MIN, chain.support.user_id)
    assert (alarm.cause, alarm.outcome, alarm.note) == ("fall", "visit", "Overeind geholpen.")
    assert events == [
        (Action.RECEIVED, T0, None),
        (Action.ACKNOWLEDGED, T0 + 2 * MIN, chain.coach.user_id),
        (Action.ON_SITE, T0 + 14 * MIN, chain.support.user_id),
        (Action.RESOLVED, T0 + 40 * MIN, chain.support.user_id),
    ]


@pytest.mark.parametrize(("status", "step"), [
    ("received", "on_site"), ("received", "resolve"), ("acknowledged", "acknowledge"),
    ("on_site", "acknowledge"), ("on_site", "on_site"), ("resolved", "acknowledge"), ("resolved", "on_site"),
    ("resolved", "resolve"),
])
def test_steps_out_of_order_are_refused_and_leave_no_trace(chain, status, step):  # noqa: ANN001
    fields: dict[str, object] = {"status": status}
    if status != "received":
        fields.update(acknowledged_at=T0 + MIN, acknowledged_by=chain.coach.user)
    if status == "on_site":
        fields.update(on_site_at=T0 + 10 * MIN)
    if status == "resolved":
        fields.update(resolved_at=T0 + 20 * MIN, cause="fall", outcome="visit")
    alarm = chain.alarm(**fields)
    call = {"acknowledge": services.acknowledge, "on_site": services.on_site,
            "resolve": lambda **kw: services.resolve(cause="fall", outcome="visit", **kw)}[step]
    with time_machine.travel(T0 + 25 * MIN, tick=False), tenant_scope(chain.org):
        with pytest.raises(ValidationError) as error:
            call(acting=chain.coach, alarm=alarm)
        assert error.value.code == "out_of_order"
        assert not AlarmEvent.objects.filter(alarm=alarm).exists()
        assert Alarm.objects.get(pk=alarm.pk).status == status


def test_resolve_needs_a_cause_and_an_outcome(chain):  # noqa: ANN001
    alarm = chain.alarm(status=Alarm.Status.ACKNOWLEDGED, acknowledged_at=T0 + MIN)
    with tenant_scope(chain.org):
        for cause, outcome, fields in (("", "visit", {"cause"}), ("fall", "", {"outcome"}),
                                       ("", "", {"cause", "outcome"}), ("nonsense", "phone", {"cause"})):
            with pytest.raises(ValidationError) as error:
                services.resolve(acting=chain.coach, alarm=alarm, cause=cause, outcome=outcome)
            assert set(error.value.message_dict) == fields
        assert Alarm.objects.get(pk=alarm.pk).status == Alarm.Status.ACKNOWLEDGED
        assert not AlarmEvent.objects.filter(alarm=alarm).exists()


def test_only_members_who_handle_alarms_take_steps(chain):  # noqa: ANN001
    finance = MembershipFactory(organization=chain.org, role=Role.FINANCE)
    alarm = chain.alarm()
    with tenant_scope(chain.org), pytest.raises(PermissionDenied):
        services.acknowledge(acting=finance, alarm=alarm)


@pytest.mark.skipif(not ON_POSTGRES, reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_acknowledge_one_wins_the_other_is_out_of_order():
    chain = make_chain()
    alarm = chain.alarm()
    barrier = threading.Barrier(2)
    outcome: dict[int, str] = {}
    record_access = services.record_access

    def slow_record_access(**kwargs: object) -> object:
        time.sleep(0.5)  # the winner keeps the row locked while the other waits for it
        return record_access(**kwargs)

    def acknowledge(member: Membership) -> None:
        try:
            barrier.wait(timeout=10)
            with tenant_scope(chain.org):
                services.acknowledge(acting=member, alarm=alarm)
            outcome[member.pk] = "won"
        except ValidationError as error:
            outcome[member.pk] = error.code
        finally:
            connection.close()

    with mock.patch("alarms.services.record_access", slow_record_access):
        threads = [threading.Thread(target=acknowledge, args=(m,)) for m in (chain.coach, chain.support)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert sorted(outcome.values()) == ["out_of_order", "won"]
    winner = next(pk for pk, result in outcome.items() if result == "won")
    with tenant_scope(chain.org):
        alarm.refresh_from_db()
        events = list(AlarmEvent.objects.filter(alarm=alarm).values_list("action", "by_id"))
    assert alarm.acknowledged_by_id == Membership.objects.get(pk=winner).user_id
    assert events == [(Action.ACKNOWLEDGED, alarm.acknowledged_by_id)]


# --- escalation ---------------------------------------------------------------------------------


def test_not_yet_due_nothing_happens(chain):  # noqa: ANN001
    alarm = chain.alarm()
    assert escalate(chain, T0 + 5 * MIN - dt.timedelta(seconds=1)) == 0
    assert reload(chain, alarm).escalation_level == 0
    assert steps(chain, alarm) == [] and notified(chain) == set()


def test_the_chain_one_step_per_interval_and_never_beyond_three(chain):  # noqa: ANN001
    alarm = chain.alarm()
    due = alarm.ack_due_at

    assert escalate(chain, due) == 1, "due: step 1"
    assert notified(chain, alarm=alarm) == chain.team_staff, "the team's field staff"
    assert steps(chain, alarm) == [(1, due, "responsible team: not acknowledged (3 recipients)")]

    assert escalate(chain, due + 5 * MIN - dt.timedelta(seconds=1)) == 0, "not yet the next step"
    assert reload(chain, alarm).last_escalated_at == due, "the time of the last step, not of the last sweep"
    assert escalate(chain, due + 5 * MIN) == 1
    assert notified(chain, alarm=alarm) == chain.team_staff | {chain.night_nurse.pk}, "then the night service"
    assert escalate(chain, due + 10 * MIN) == 1
    assert notified(chain, alarm=alarm) == chain.team_staff | {chain.night_nurse.pk, chain.on_call.pk}
    for minutes in (15, 30, 120):
        assert escalate(chain, due + minutes * MIN) == 0, "never beyond the last step"
    assert steps(chain, alarm) == [
        (1, due, "responsible team: not acknowledged (3 recipients)"),
        (2, due + 5 * MIN, "night service: not acknowledged (1 recipients)"),
        (3, due + 10 * MIN, "team manager on call: not acknowledged (1 recipients)"),
    ]
    alarm = reload(chain, alarm)
    assert (alarm.escalation_level, alarm.last_escalated_at) == (3, due + 10 * MIN)
    with tenant_scope(chain.org):
        texts = list(Notification.objects.filter(alarm=alarm, membership=chain.on_call).values_list("text", flat=True))
    assert texts == [f"Escalation 3 (team manager on call): not acknowledged – Alarm button at {chain.client.full_name}"]


def test_without_a_night_service_the_alarm_centre_is_the_second_step(db):  # noqa: ANN001
    chain = make_chain(night_team=None)
    alarm = chain.alarm()
    assert escalate(chain, alarm.ack_due_at + 5 * MIN) == 2
    assert [s[2] for s in steps(chain, alarm)] == ["responsible team: not acknowledged (3 recipients)",
                                                   "alarm centre: not acknowledged (0 recipients)"]


def test_without_a_manager_on_call_the_teams_managers_are_the_last_step(db):  # noqa: ANN001
    chain = make_chain(on_call=None)
    alarm = chain.alarm()
    escalate(chain, alarm.ack_due_at + 10 * MIN)
    with tenant_scope(chain.org):
        last = set(Notification.objects.filter(alarm=alarm, text__startswith="Escalation 3")
                   .values_list("membership_id", flat=True))
    assert last == {chain.manager.pk}


def test_a_late_sweep_takes_every_missing_step_at_once_and_each_once(chain):  # noqa: ANN001
    alarm = chain.alarm()
    now = alarm.ack_due_at + 20 * MIN
    assert escalate(chain, now) == 3
    assert [(level, at) for level, at, _detail in steps(chain, alarm)] == [(1, now), (2, now), (3, now)]
    assert notified(chain, alarm=alarm) == chain.team_staff | {chain.night_nurse.pk, chain.on_call.pk}
    assert escalate(chain, now + MIN) == 0
    assert len(steps(chain, alarm)) == 3


def test_sweeping_twice_at_the_same_moment_adds_nothing(chain):  # noqa: ANN001
    first, second = chain.alarm(), chain.alarm(received_at=T0 + 3 * MIN)
    now = T0 + 12 * MIN  # first: 7 minutes overdue (steps 1–2), second: 4 minutes (step 1)
    assert sweep(chain, now) == {"notified": 2, "escalations": 3, "outages": 0}
    with tenant_scope(chain.org):
        counts = (AlarmEvent.objects.count(), Notification.objects.count())
    assert sweep(chain, now) == {"notified": 0, "escalations": 0, "outages": 0}
    with tenant_scope(chain.org):
        assert (AlarmEvent.objects.count(), Notification.objects.count()) == counts
        assert AlarmEvent.objects.filter(action=Action.NOTIFIED).count() == 2, "notified once each"
    assert [s[0] for s in steps(chain, first)] == [1, 2]
    assert [s[0] for s in steps(chain, second)] == [1]


def test_acknowledged_but_nobody_on_site_escalates(chain):  # noqa: ANN001
    alarm = chain.alarm(status=Alarm.Status.ACKNOWLEDGED, acknowledged_at=T0 + 2 * MIN,
                        acknowledged_by=chain.coach.user)
    assert escalate(chain, alarm.onsite_due_at - dt.timedelta(seconds=1)) == 0, "the acknowledge norm is met"
    assert escalate(chain, alarm.onsite_due_at) == 1
    assert steps(chain, alarm) == [(1, alarm.onsite_due_at, "responsible team: nobody on site (3 recipients)")]
    with tenant_scope(chain.org):
        assert not Notification.objects.exclude(text__contains="nobody on site").exists()


def test_a_late_acknowledgement_still_escalates_when_nobody_gets_there(chain):  # noqa: ANN001
    alarm = chain.alarm()
    assert escalate(chain, T0 + 20 * MIN) == 3  # never acknowledged within 5 min: the whole chain
    with time_machine.travel(T0 + 21 * MIN, tick=False), tenant_scope(chain.org):
        services.acknowledge(acting=chain.coach, alarm=alarm)
    assert escalate(chain, alarm.onsite_due_at - dt.timedelta(seconds=1)) == 0
    assert escalate(chain, alarm.onsite_due_at) == 1, "the on-site norm has its own chain"
    last = max(steps(chain, alarm), key=lambda step: step[1])  # the latest step
    assert last[0] == 1 and last[1] == alarm.onsite_due_at and "nobody on site" in last[2]
    assert len(steps(chain, alarm)) == 4


@pytest.mark.parametrize("status", ["on_site", "resolved"])
def test_alarms_on_site_or_resolved_never_escalate(chain, status):  # noqa: ANN001
    fields: dict[str, object] = {"status": status, "acknowledged_at": T0 + 9 * MIN, "on_site_at": T0 + 50 * MIN}
    if status == "resolved":
        fields.update(resolved_at=T0 + 80 * MIN, cause="fall", outcome="visit")
    alarm = chain.alarm(**fields)  # acknowledged late, on site late: still nothing to escalate now
    for minutes in (6, 31, 60, 600):
        assert escalate(chain, T0 + minutes * MIN) == 0
    assert steps(chain, alarm) == []


def test_day_and_night_norms_come_from_the_policy(db):  # noqa: ANN001
    chain = make_chain(ack_minutes_day=10, onsite_minutes_day=45, ack_minutes_night=3, onsite_minutes_night=20)
    centre = AlarmCentreFactory(organization=chain.org)
    device = DeviceFactory(organization=chain.org, client=chain.client, centre=centre)
    amsterdam = dt.timezone(dt.timedelta(hours=1))  # CET in March
    received = {}
    for name, local in (("day", dt.datetime(2026, 3, 2, 14, 0)), ("night", dt.datetime(2026, 3, 3, 2, 0)),
                        ("starts", dt.datetime(2026, 3, 3, 23, 0)), ("ends", dt.datetime(2026, 3, 4, 7, 0))):
        with time_machine.travel(local.replace(tzinfo=amsterdam), tick=False), tenant_scope(chain.org):
            received[name] = services.alarm_receive(centre=centre, event_id=name, kind=Alarm.Kind.BUTTON,
                                                    device_external_id=device.external_id, occurred_at=None).alarm
    norms = {name: (a.is_night, a.ack_due_at - a.received_at, a.onsite_due_at - a.received_at)
             for name, a in received.items()}
    assert norms == {"day": (False, 10 * MIN, 45 * MIN), "night": (True, 3 * MIN, 20 * MIN),
                     "starts": (True, 3 * MIN, 20 * MIN), "ends": (False, 10 * MIN, 45 * MIN)}
    day, night = received["day"], received["night"]  # in this order
    escalate(chain, day.received_at + 3 * MIN)
    assert steps(chain, day) == [], "day: not before 10 minutes"
    escalate(chain, day.received_at + 10 * MIN)
    assert [s[0] for s in steps(chain, day)] == [1]
    escalate(chain, night.received_at + 3 * MIN - dt.timedelta(seconds=1))
    assert steps(chain, night) == []
    escalate(chain, night.received_at + 3 * MIN)
    assert [s[0] for s in steps(chain, night)] == [1], "night: due after 3 minutes"


# --- notification backends ----------------------------------------------------------------------

SENT: list[tuple[int, str]] = []


class FailingBackend:
    def send(self, membership: Membership, text: str) -> None:
        raise ConnectionError("SMS gateway unreachable")


class RecordingBackend:
    def send(self, membership: Membership, text: str) -> None:
        SENT.append((membership.pk, text))


def test_in_app_notifications_without_any_backend(chain, settings):  # noqa: ANN001
    settings.VPT_NOTIFY_BACKENDS = []
    alarm = chain.alarm()
    escalate(chain, alarm.ack_due_at)
    assert notified(chain, alarm=alarm) == chain.team_staff


def test_a_failing_backend_is_logged_and_does_not_stop_escalation(chain, settings, caplog):  # noqa: ANN001
    settings.VPT_NOTIFY_BACKENDS = [f"{__name__}.FailingBackend", f"{__name__}.RecordingBackend"]
    SENT.clear()
    first, second = chain.alarm(), chain.alarm(received_at=T0 + MIN)
    with caplog.at_level(logging.ERROR, logger="alarms.notify"):
        assert escalate(chain, T0 + 16 * MIN) == 6, "every step of both alarms"
    for alarm in (first, second):
        assert [s[0] for s in steps(chain, alarm)] == [1, 2, 3]
        assert notified(chain, alarm=alarm) == chain.team_staff | {chain.night_nurse.pk, chain.on_call.pk}
    assert len(SENT) == 2 * 5, "the next backend still sends"
    failures = [r for r in caplog.records if "FailingBackend failed" in r.getMessage()]
    assert len(failures) == 2 * 5 and all(r.exc_info for r in failures)


# --- channels -----------------------------------------------------------------------------------


def test_a_silent_centre_opens_one_outage_and_a_heartbeat_ends_it(chain):  # noqa: ANN001
    centre = AlarmCentreFactory(organization=chain.org, heartbeat_seconds=300, last_heartbeat_at=T0)
    with tenant_scope(chain.org):
        assert services.check_channels(chain.org.pk, now=T0 + dt.timedelta(seconds=300)) == 0, "exactly on time"
        assert services.check_channels(chain.org.pk, now=T0 + dt.timedelta(seconds=301)) == 1
        assert services.check_channels(chain.org.pk, now=T0 + dt.timedelta(seconds=331)) == 0, "not a second one"
        outage = ChannelOutage.objects.get()
        assert (outage.centre, outage.started_at, outage.detected_at, outage.ended_at) == (
            centre, T0, T0 + dt.timedelta(seconds=301), None)
        assert list(Notification.objects.values_list("membership_id", "outage_id")) == [(chain.on_call.pk, outage.pk)]
        with time_machine.travel(T0 + 10 * MIN, tick=False):
            services.heartbeat(centre=centre)
        outage.refresh_from_db()
        assert outage.ended_at == T0 + 10 * MIN
        assert AlarmCentre.objects.get(pk=centre.pk).last_heartbeat_at == T0 + 10 * MIN
        assert services.check_channels(chain.org.pk, now=T0 + 11 * MIN) == 0
        assert services.check_channels(chain.org.pk, now=T0 + 16 * MIN) == 1, "quiet again: a new outage"
        assert ChannelOutage.objects.filter(ended_at__isnull=True).count() == 1


def test_a_device_that_does_not_check_in_opens_an_outage(chain):  # noqa: ANN001
    centre = AlarmCentreFactory(organization=chain.org, last_heartbeat_at=T0 + 60 * MIN)
    sensor = DeviceFactory(organization=chain.org, client=chain.client, centre=centre, kind=Device.Kind.LIFESTYLE,
                           consent_by=Device.ConsentBy.CLIENT, consent_on=dt.date(2025, 1, 1), check_in_minutes=60,
                           last_check_in_at=T0)
    DeviceFactory(organization=chain.org, client=chain.client, centre=centre)  # no check-in expected
    DeviceFactory(organization=chain.org, client=chain.client, centre=centre, status=Device.Status.DEFECT,
                  check_in_minutes=5, last_check_in_at=T0 - 600 * MIN)  # not working: not watched
    with tenant_scope(chain.org):
        assert services.check_channels(chain.org.pk, now=T0 + 60 * MIN) == 0, "within the interval"
        assert services.check_channels(chain.org.pk, now=T0 + 60 * MIN + dt.timedelta(seconds=1)) == 1
        assert services.check_channels(chain.org.pk, now=T0 + 62 * MIN) == 0
        outage = ChannelOutage.objects.get()
        assert (outage.device, outage.centre, outage.started_at) == (sensor, None, T0)
        assert notified(chain, outage=outage) == {chain.on_call.pk}
        with time_machine.travel(T0 + 65 * MIN, tick=False):
            assert services.heartbeat(centre=centre, device_external_ids=[sensor.external_id]) == 1
        outage.refresh_from_db()
        assert outage.ended_at == T0 + 65 * MIN


def test_without_a_manager_on_call_outages_go_to_managers_and_admins(db):  # noqa: ANN001
    chain = make_chain(on_call=None)
    AlarmCentreFactory(organization=chain.org, last_heartbeat_at=T0)
    with tenant_scope(chain.org):
        assert services.check_channels(chain.org.pk, now=T0 + 6 * MIN) == 1
    assert notified(chain) == {chain.manager.pk, chain.on_call.pk, chain.admin.pk}  # every manager and admin


@pytest.mark.skipif(not ON_POSTGRES, reason="row locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_new_alarm_is_notified_while_its_client_is_being_saved():
    """The notification locks the alarm, not the client: a client row locked by an ordinary
    update (or by the foreign-key check of a visit or another alarm being inserted) must not
    make the notification skip the alarm."""
    chain = make_chain()
    alarm = chain.alarm()
    locked, release = threading.Event(), threading.Event()

    def save_client() -> None:
        try:
            with tenant_scope(chain.org):
                Client.objects.select_for_update(no_key=True).filter(pk=chain.client.pk).first()
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    thread = threading.Thread(target=save_client)
    thread.start()
    try:
        assert locked.wait(timeout=10)
        with tenant_scope(chain.org):
            assert services.notify_new_alarm(alarm) is True
    finally:
        release.set()
        thread.join(timeout=10)
    assert reload(chain, alarm).notified_at is not None


# --- through a real Celery worker ---------------------------------------------------------------


@pytest.fixture
def workers() -> Iterator[Workers]:
    pool = Workers()
    try:
        yield pool
    finally:
        pool.stop()


def _wait_for_escalation(chain: Chain, alarm: Alarm, timeout: float = 30.0) -> AlarmEvent:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with tenant_scope(chain.org):
            event = AlarmEvent.objects.filter(alarm=alarm, action=Action.ESCALATED, level=1).first()
        if event is not None:
            return event
        time.sleep(0.2)
    raise AssertionError(f"alarm {alarm.pk} not escalated within {timeout:.0f} s")


def _overdue_alarm(chain: Chain) -> Alarm:
    """An alarm whose acknowledge norm has just passed, stored without any notification
    task (notified_at empty): only the sweeper can find it."""
    now = dt.datetime.now(dt.UTC)
    return chain.alarm(received_at=now - 5 * MIN - dt.timedelta(seconds=1))


@pytest.mark.worker
@pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="needs CELERY_BROKER_URL (Redis)")
@pytest.mark.django_db(transaction=True)
def test_the_sweeper_escalates_in_a_real_worker_also_after_one_was_killed(workers, capsys):  # noqa: ANN001
    chain = make_chain()
    first = _overdue_alarm(chain)
    worker = workers.start()
    for conn in connections.all():
        conn.close()
    sent = time.monotonic()
    sweep_task.apply_async(queue=workers.queue)
    event = _wait_for_escalation(chain, first)
    delays = [(event.at - first.ack_due_at).total_seconds(), time.monotonic() - sent]

    worker.send_signal(signal.SIGKILL)  # no warm shutdown, nothing finished cleanly
    worker.wait(timeout=10)
    second = _overdue_alarm(chain)
    workers.start()
    for conn in connections.all():
        conn.close()
    sent = time.monotonic()
    sweep_task.apply_async(queue=workers.queue)
    event = _wait_for_escalation(chain, second)
    delays += [(event.at - second.ack_due_at).total_seconds(), time.monotonic() - sent]

    with tenant_scope(chain.org):
        for alarm in (first, second):
            alarm.refresh_from_db()
            events = list(AlarmEvent.objects.filter(alarm=alarm).values_list("action", "level"))
            assert alarm.escalation_level == 1 and alarm.notified_at is not None
            assert events.count((Action.ESCALATED, 1)) == 1, "each step once"
            assert [e for e in events if e[0] == Action.ESCALATED] == [(Action.ESCALATED, 1)]
            assert events.count((Action.NOTIFIED, None)) == 1, "the sweeper notified what no task had"
            # At night (the factory's alarms are night alarms) the night service hears of it too.
            assert notified(chain, alarm=alarm) == chain.team_staff | {chain.night_nurse.pk}
    with capsys.disabled():
        print(f"\nworker escalation: due→event {delays[0]:.1f} s / {delays[2]:.1f} s (after SIGKILL); "
              f"sent→seen {delays[1]:.1f} s / {delays[3]:.1f} s")


def test_old_intake_records_are_purged_and_recent_ones_kept(chain, settings):  # noqa: ANN001
    from alarms.models import IntakeRecord
    from alarms.tasks import purge_intake_records
    from tests.factories import IntakeRecordFactory

    settings.VPT_INTAKE_RETENTION_DAYS = 90
    old, recent = IntakeRecordFactory(organization=chain.org), IntakeRecordFactory(organization=chain.org)
    with tenant_scope(chain.org):
        IntakeRecord.objects.filter(pk=old.pk).update(received_at=T0 - dt.timedelta(days=91))
        IntakeRecord.objects.filter(pk=recent.pk).update(received_at=T0 - dt.timedelta(days=89))
    with time_machine.travel(T0, tick=False):
        assert purge_intake_records()[chain.org.pk] == 1
    with tenant_scope(chain.org):
        assert list(IntakeRecord.objects.values_list("pk", flat=True)) == [recent.pk]
