"""Demo data of the alarms app (alarms/demo.py, run by `manage.py demo_seed`), seeded small on
the test database (PostgreSQL in bin/test: row-level security in force)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext as _

from alarms import services
from alarms.demo import DEMO_CENTRE_SECRET, SWEEP_SECONDS
from alarms.models import Alarm, AlarmCentre, AlarmEvent, AlarmPolicy, Device, Notification
from clients.models import Client
from vpt.tenancy.models import Membership, Organization, Team
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

Action = AlarmEvent.Action


@pytest.fixture
def small_demo(db) -> str:  # noqa: ANN001
    out = StringIO()
    call_command("demo_seed", size="small", stdout=out)
    return out.getvalue()


def providers() -> list[Organization]:
    return list(Organization.objects.filter(kind=Organization.Kind.PROVIDER).order_by("pk"))


def test_policy_centres_and_devices(small_demo):  # noqa: ANN001
    assert small_demo.count("Alarms ") >= 3, "a line per provider"
    for org in providers():
        with tenant_scope(org):
            policy = AlarmPolicy.objects.get()
            assert (policy.ack_minutes_day, policy.onsite_minutes_day) == (5, 30)
            assert (policy.ack_minutes_night, policy.onsite_minutes_night) == (5, 30)
            assert (policy.night_starts, policy.night_ends) == (dt.time(23), dt.time(7))
            assert policy.escalate_every_minutes == 5
            assert policy.night_team is not None and policy.night_team.organization_id == org.pk
            first_manager = Membership.objects.filter(organization=org, role=Role.TEAM_MANAGER).order_by("pk").first()
            assert policy.on_call == first_manager

            centre = AlarmCentre.objects.get(kind=AlarmCentre.Kind.ALARM_CENTRE)
            assert centre.name == f"Zorgcentrale {org.region.name}"
            assert centre.heartbeat_seconds == 300 and centre.last_heartbeat_at is not None
            assert centre.secret() == DEMO_CENTRE_SECRET
            assert AlarmCentre.objects.filter(kind=AlarmCentre.Kind.DEVICE_PLATFORM).exists()

            in_care = list(Client.objects.filter(status=Client.Status.IN_CARE))
            assert in_care
            kinds: dict[int, list[Device]] = defaultdict(list)
            for device in Device.objects.all():
                kinds[device.client_id].append(device)
            for client in in_care:
                assert kinds[client.pk], f"{client} has no devices"
                assert [d.kind for d in kinds[client.pk]].count(Device.Kind.PERSONAL_ALARM) == 1
            assert not Device.objects.exclude(client__status=Client.Status.IN_CARE).exists()
            alarms = Device.objects.filter(kind=Device.Kind.PERSONAL_ALARM)
            assert alarms.exclude(status=Device.Status.ACTIVE).exists(), "some defect or missing"
            assert alarms.filter(status=Device.Status.ACTIVE).exists()

            # No monitoring without consent (by whom and when) or a Wzd decision.
            monitoring = Device.objects.filter(kind__in=Device.MONITORING, status=Device.Status.ACTIVE)
            assert monitoring.filter(kind=Device.Kind.LIFESTYLE).exists()
            for device in monitoring:
                assert (device.consent_by and device.consent_on) or device.wzd_decision, device
                if device.consent_on and device.installed_on:
                    assert device.consent_on <= device.installed_on
            for device in monitoring.filter(kind=Device.Kind.LIFESTYLE):
                assert device.check_in_minutes and device.last_check_in_at and device.centre.kind == "device_platform"
            gps = Device.objects.filter(kind=Device.Kind.GPS)
            if gps.exists():
                assert gps.exclude(wzd_decision="").count() == 1, "one GPS under a Wzd decision"


def _assert_history(alarm: Alarm, events: list[AlarmEvent], policy: AlarmPolicy, team_users: set[int]) -> None:
    by_action: dict[str, list[AlarmEvent]] = defaultdict(list)
    for event in events:
        by_action[event.action].append(event)
    assert [e.at for e in by_action[Action.RECEIVED]] == [alarm.received_at]
    assert [e.at for e in by_action[Action.NOTIFIED]] == [alarm.notified_at]
    assert alarm.received_at <= alarm.notified_at
    steps = [(Action.ACKNOWLEDGED, alarm.acknowledged_at, alarm.acknowledged_by_id),
             (Action.ON_SITE, alarm.on_site_at, alarm.on_site_by_id),
             (Action.RESOLVED, alarm.resolved_at, alarm.resolved_by_id)]
    previous = alarm.received_at
    for action, at, by in steps:
        if at is None:
            assert not by_action[action] and by is None
            continue
        assert previous <= at, f"{alarm.pk}: {action} before the previous step"
        previous = at
        assert [(e.at, e.by_id) for e in by_action[action]] == [(at, by)]
        assert by in team_users, f"{alarm.pk}: {action} by someone outside the client's team"
    assert (alarm.acknowledged_at is None) == (alarm.status == Alarm.Status.RECEIVED)
    assert (alarm.on_site_at is not None) <= (alarm.status in (Alarm.Status.ON_SITE, Alarm.Status.RESOLVED))
    assert (alarm.resolved_at is not None) == (alarm.status == Alarm.Status.RESOLVED)
    if alarm.status == Alarm.Status.RESOLVED:
        assert alarm.cause and alarm.outcome and alarm.note
        assert (alarm.on_site_at is not None) == (alarm.outcome != Alarm.Outcome.PHONE), "on site when visited"
        if alarm.on_site_at:
            assert alarm.on_site_at - alarm.received_at <= dt.timedelta(minutes=45)

    # Norms from the policy, escalation steps as the sweeper takes them.
    local = timezone.localtime(alarm.received_at)
    ack, onsite = policy.norms(local)
    assert alarm.is_night == policy.is_night(local)
    assert alarm.ack_due_at == alarm.received_at + dt.timedelta(minutes=ack)
    assert alarm.onsite_due_at == alarm.received_at + dt.timedelta(minutes=onsite)
    escalations = sorted(by_action[Action.ESCALATED], key=lambda e: e.level)
    assert [e.level for e in escalations] == list(range(1, alarm.escalation_level + 1))
    every = dt.timedelta(minutes=policy.escalate_every_minutes)
    for event in escalations:
        acknowledged = alarm.acknowledged_at is not None and event.at >= alarm.acknowledged_at
        deadline = alarm.onsite_due_at if acknowledged else alarm.ack_due_at
        due = deadline + (event.level - 1) * every
        assert due <= event.at <= due + dt.timedelta(seconds=SWEEP_SECONDS), f"{alarm.pk}: step {event.level}"
        assert (_("nobody on site") if acknowledged else _("not acknowledged")) in event.detail
        if acknowledged:
            assert alarm.on_site_at is None or event.at < alarm.on_site_at
    if escalations:
        assert alarm.last_escalated_at == escalations[-1].at
    elif alarm.acknowledged_at is not None:
        assert alarm.acknowledged_at < alarm.ack_due_at, f"{alarm.pk}: acknowledged late without escalation"


def test_alarm_histories_are_consistent(small_demo):  # noqa: ANN001
    now = timezone.now()
    total = escalated = night = 0
    for org in providers():
        with tenant_scope(org):
            policy = AlarmPolicy.objects.get()
            team_users: dict[int, set[int]] = defaultdict(set)
            for team in Team.objects.prefetch_related("members"):
                team_users[team.pk] = {m.user_id for m in team.members.all()}
            events: dict[int, list[AlarmEvent]] = defaultdict(list)
            for event in AlarmEvent.objects.all():
                events[event.alarm_id].append(event)
            alarms = list(Alarm.objects.select_related("client", "device"))
            assert alarms
            for alarm in alarms:
                assert alarm.source == Alarm.Source.DEMO
                assert alarm.team_id == alarm.client.primary_team_id
                assert alarm.received_at <= now
                if alarm.device is not None:
                    assert alarm.device.client_id == alarm.client_id
                    assert alarm.centre_id == alarm.device.centre_id
                _assert_history(alarm, events[alarm.pk], policy, team_users[alarm.team_id])
                if alarm.status == Alarm.Status.RESOLVED:
                    total += 1
                    escalated += alarm.escalation_level > 0
                    night += not 8 <= timezone.localtime(alarm.received_at).hour < 22
            assert Alarm.objects.filter(escalation_level__gt=0).exists(), "each provider shows an escalation"
            # Every alarm before the last few hours is closed; only the demo alarms are open now.
            assert not Alarm.objects.filter(status__in=Alarm.OPEN, received_at__lt=now - dt.timedelta(hours=1)).exists()
    assert 0.03 <= escalated / total <= 0.2
    assert night / total > 0.4, "mostly at night and early in the morning"


def test_the_demo_coach_has_an_open_alarm_and_the_sweeper_has_nothing_to_do(small_demo):  # noqa: ANN001
    linde = Organization.objects.get(slug="linde")
    with tenant_scope(linde):
        coach = Membership.objects.get(user__username="coach@linde.demo", organization=linde)
        teams = list(Team.objects.filter(members=coach))
        open_alarms = Alarm.objects.filter(team__in=teams, status__in=Alarm.OPEN)
        assert open_alarms.exists()
        assert Notification.objects.filter(membership=coach, alarm__in=open_alarms, read_at__isnull=True).exists()
    for org in providers():
        with tenant_scope(org):
            assert Alarm.objects.filter(status__in=Alarm.OPEN).count() in (1, 2)
            # The seeded state is what the sweeper expects: nothing overdue, no silent channel.
            assert services.sweep(org.pk) == {"notified": 0, "escalations": 0, "outages": 0}


def test_alarm_rate_per_client(small_demo):  # noqa: ANN001
    today = timezone.localdate()
    for org in providers():
        with tenant_scope(org):
            weeks = 0.0
            for client in Client.objects.filter(status=Client.Status.IN_CARE):
                start = max(client.care_start, today - dt.timedelta(weeks=8))
                weeks += (today - start).days / 7
            count = Alarm.objects.filter(status=Alarm.Status.RESOLVED).count()
            assert 0.25 <= count / weeks <= 1.5, f"{org}: {count / weeks:.2f} alarms per client per week"
