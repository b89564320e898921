"""The alarm intake API (alarms/intake.py): HMAC-signed requests of alarm centres,
idempotent on the centre's event id, every authenticated request kept as an IntakeRecord,
and an alarm stored even when the broker is down (the sweeper notifies it)."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import resolve, reverse
from django.utils import timezone

from alarms import services
from alarms.models import Alarm, AlarmEvent, ChannelOutage, Device, IntakeRecord, Notification
from alarms.signing import DEMO_CENTRE_SECRET, HEADER_KEY, HEADER_SIGNATURE, parse_key, sign
from clients.models import Client
from tests.factories import (
    ALARM_SECRET,
    AlarmCentreFactory,
    ChannelOutageFactory,
    ClientFactory,
    DeviceFactory,
    MembershipFactory,
    TeamFactory,
)
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

EVENT_URL = "api-v1:alarm_intake_event"
HEARTBEAT_URL = "api-v1:alarm_intake_heartbeat"


def count(org, model) -> int:  # noqa: ANN001
    with tenant_scope(org):
        return model.objects.count()


def post(http, centre, body, *, url: str = EVENT_URL, timestamp: int | None = None, secret: str = ALARM_SECRET,  # noqa: ANN001
         key: str | None = None, tamper: bytes | None = None):  # noqa: ANN201
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = sign(secret, timestamp, raw, key=key or centre.key)
    content_type = headers.pop("Content-Type")
    return http.post(reverse(url), data=tamper if tamper is not None else raw, content_type=content_type,
                     headers=headers)


def event(device, event_id: str = "ZC-1", kind: str = "fall", **extra) -> dict:  # noqa: ANN001, ANN003
    return {"event_id": event_id, "device_id": device.external_id, "kind": kind, **extra}


@pytest.fixture
def centre_a(org_a):  # noqa: ANN001, ANN201
    return AlarmCentreFactory(organization=org_a)


@pytest.fixture
def coach_a(org_a):  # noqa: ANN001, ANN201
    return MembershipFactory(organization=org_a, role=Role.CLIENT_COACH)


@pytest.fixture
def device_a(org_a, centre_a, coach_a):  # noqa: ANN001, ANN201
    team = TeamFactory(organization=org_a, members=[coach_a])
    client = ClientFactory(organization=org_a, primary_team=team, status=Client.Status.IN_CARE,
                           care_start=dt.date(2025, 1, 1))
    return DeviceFactory(organization=org_a, client=client, centre=centre_a)


# --- accepted events ----------------------------------------------------------------------------


def test_signed_event_is_stored_with_its_history_and_intake_record(client, org_a, centre_a, device_a):  # noqa: ANN001
    response = post(client, centre_a, event(device_a, occurred_at="2026-03-02T03:10:00+01:00",
                                            message="Val gedetecteerd"))
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["status"] == "received" and answer["duplicate"] is False
    with tenant_scope(org_a):
        alarm = Alarm.objects.get(pk=answer["alarm_id"])
        assert (alarm.client_id, alarm.device_id, alarm.centre_id) == (device_a.client_id, device_a.pk, centre_a.pk)
        assert alarm.team_id == device_a.client.primary_team_id
        assert alarm.kind == "fall" and alarm.source == Alarm.Source.API and alarm.message == "Val gedetecteerd"
        assert alarm.occurred_at == dt.datetime(2026, 3, 2, 2, 10, tzinfo=dt.UTC)
        assert alarm.external_event_id == "ZC-1" and alarm.notified_at is None
        assert list(alarm.events.values_list("action", flat=True)) == [AlarmEvent.Action.RECEIVED]
        record = IntakeRecord.objects.get()
        assert (record.endpoint, record.status_code, record.event_id, record.alarm_id, record.error) == (
            "event", 201, "ZC-1", alarm.pk, "")
        assert json.loads(record.body)["device_id"] == device_a.external_id
        assert Device.objects.get(pk=device_a.pk).last_check_in_at is not None


def test_replay_of_the_same_signed_request_is_a_duplicate(client, org_a, centre_a, device_a):  # noqa: ANN001
    raw = json.dumps(event(device_a)).encode()
    headers = sign(ALARM_SECRET, None, raw, key=centre_a.key)
    headers.pop("Content-Type")
    first = client.post(reverse(EVENT_URL), data=raw, content_type="application/json", headers=headers)
    again = client.post(reverse(EVENT_URL), data=raw, content_type="application/json", headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == {"alarm_id": first.json()["alarm_id"], "status": "received", "duplicate": True}
    assert count(org_a, Alarm) == 1
    with tenant_scope(org_a):
        assert list(IntakeRecord.objects.order_by("pk").values_list("status_code", flat=True)) == [201, 200]
        assert AlarmEvent.objects.filter(action=AlarmEvent.Action.DUPLICATE).count() == 1


def test_query_counts_are_bounded(client, org_a, centre_a, device_a, django_assert_max_num_queries):  # noqa: ANN001
    post(client, centre_a, event(device_a, event_id="warm-up"))  # the policy row is created once
    with django_assert_max_num_queries(16):  # the savepoints and set_config included
        assert post(client, centre_a, event(device_a, event_id="new")).status_code == 201
    with django_assert_max_num_queries(10):
        assert post(client, centre_a, event(device_a, event_id="new")).status_code == 200
    with django_assert_max_num_queries(12):
        assert post(client, centre_a, {"devices": [device_a.external_id]}, url=HEARTBEAT_URL).status_code == 200


def test_a_repeated_delivery_reports_the_current_status(client, org_a, centre_a, device_a):  # noqa: ANN001
    alarm_id = post(client, centre_a, event(device_a)).json()["alarm_id"]
    with tenant_scope(org_a):
        Alarm.objects.filter(pk=alarm_id).update(status=Alarm.Status.ACKNOWLEDGED, acknowledged_at=timezone.now())
    answer = post(client, centre_a, event(device_a, message="retry")).json()
    assert answer == {"alarm_id": alarm_id, "status": "acknowledged", "duplicate": True}


def test_the_same_event_id_of_two_centres_is_two_alarms(client, org_a, centre_a, device_a):  # noqa: ANN001
    other = AlarmCentreFactory(organization=org_a)
    assert post(client, centre_a, event(device_a)).status_code == 201
    assert post(client, other, event(device_a)).status_code == 201
    assert count(org_a, Alarm) == 2


# --- authentication: refused, nothing stored ------------------------------------------------------


@pytest.mark.parametrize("case", ["wrong secret", "tampered body", "too old", "too far ahead", "unknown key",
                                  "key of another organisation", "malformed key", "no signature"])
def test_unauthenticated_requests_are_401_and_store_nothing(client, org_a, org_b, centre_a, device_a, case,  # noqa: ANN001
                                                            caplog):
    body = event(device_a)
    now = int(time.time())
    kwargs = {
        "wrong secret": {"secret": "not-the-secret"},
        "tampered body": {"tamper": json.dumps(event(device_a, kind="button")).encode()},
        "too old": {"timestamp": now - 301},
        "too far ahead": {"timestamp": now + 400},
        "unknown key": {"key": f"{org_a.pk}-0000000000000000"},
        "key of another organisation": {"key": f"{org_b.pk}-{centre_a.key_id}"},
        "malformed key": {"key": "alpha"},
    }.get(case, {})
    if case == "no signature":
        response = client.post(reverse(EVENT_URL), data=json.dumps(body), content_type="application/json",
                               headers={HEADER_KEY: centre_a.key})
    else:
        response = post(client, centre_a, body, **kwargs)
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("VPT-HMAC-SHA256")
    assert count(org_a, Alarm) == 0 and count(org_a, IntakeRecord) == 0
    assert count(org_b, IntakeRecord) == 0
    assert any(r.levelname == "WARNING" and "refused (401)" in r.getMessage() for r in caplog.records)


def test_401_messages_are_precise(client, centre_a, device_a):  # noqa: ANN001
    old = post(client, centre_a, event(device_a), timestamp=int(time.time()) - 1000).json()["detail"]
    assert "X-Vpt-Timestamp" in old and "in the past" in old and "300 s" in old
    ahead = post(client, centre_a, event(device_a), timestamp=int(time.time()) + 1000).json()["detail"]
    assert "in the future" in ahead
    bad = post(client, centre_a, event(device_a), secret="x").json()["detail"]
    assert bad.startswith(f"{HEADER_SIGNATURE} does not match")
    assert post(client, centre_a, event(device_a), key="1-abc").json()["detail"] == "Unknown or inactive key."
    missing = client.post(reverse(EVENT_URL), data="{}", content_type="application/json").json()["detail"]
    assert missing == "Missing header(s): X-Vpt-Key, X-Vpt-Timestamp, X-Vpt-Signature."


def test_timestamp_inside_the_window_is_accepted(client, centre_a, device_a):  # noqa: ANN001
    assert post(client, centre_a, event(device_a), timestamp=int(time.time()) - 290).status_code == 201


def test_inactive_centre_is_refused(client, org_a, centre_a, device_a):  # noqa: ANN001
    with tenant_scope(org_a):
        type(centre_a).objects.filter(pk=centre_a.pk).update(is_active=False)
    response = post(client, centre_a, event(device_a))
    assert response.status_code == 401 and response.json()["detail"] == "Unknown or inactive key."
    assert count(org_a, Alarm) == 0 and count(org_a, IntakeRecord) == 0


def test_centre_of_an_inactive_organisation_is_refused(client, org_a, centre_a, device_a):  # noqa: ANN001
    type(org_a).objects.filter(pk=org_a.pk).update(is_active=False)
    assert post(client, centre_a, event(device_a)).status_code == 401
    assert count(org_a, Alarm) == 0


def test_a_logged_in_session_is_not_enough(admin_a, centre_a, device_a):  # noqa: ANN001
    response = admin_a.client.post(reverse(EVENT_URL), data=json.dumps(event(device_a)),
                                   content_type="application/json")
    assert response.status_code == 401
    assert count(centre_a.organization, Alarm) == 0


def test_get_is_not_allowed(client):  # noqa: ANN001
    assert client.get(reverse(EVENT_URL)).status_code == 405


@pytest.mark.parametrize("name", [EVENT_URL, HEARTBEAT_URL])
def test_the_views_manage_their_own_transaction(name):
    # Not ATOMIC_REQUESTS: the tenant scope is the transaction, and it commits before the answer.
    assert "default" in getattr(resolve(reverse(name)).func, "_non_atomic_requests", set())


# --- refused payloads: 400, kept for inspection -------------------------------------------------


@pytest.mark.parametrize("raw,field,message", [
    (b"{not json", "non_field_errors", "The body is not valid JSON"),
    (b"\xff\xfe\x00garbage", "non_field_errors", "The body is not valid JSON"),
    (b"[1, 2]", "non_field_errors", "The body must be a JSON object, not an array."),
    (b"{}", "event_id", "This field is required."),
    (b'{"event_id": "", "device_id": "PA-1", "kind": "fall"}', "event_id", "This field may not be blank."),
    (b'{"event_id": "E1", "device_id": "PA-1", "kind": "smoke"}', "kind", '"smoke" is not a known kind. Allowed: '
                                                                         "button, fall, door, lifestyle, gps, technical."),
    (b'{"event_id": "E1", "device_id": "PA-1", "kind": "phone"}', "kind", '"phone" is not a known kind.'),
    (b'{"event_id": "E1", "device_id": "PA-1", "kind": "fall", "severity": 3}', "severity",
     "Unknown field. Allowed fields: event_id, device_id, kind, occurred_at, message."),
    (b'{"event_id": "E1", "device_id": "PA-1", "kind": "fall", "occurred_at": "2026-03-02T03:10:00"}',
     "occurred_at", "Give the UTC offset"),
    (b'{"event_id": "E1", "device_id": "PA-1", "kind": "fall", "occurred_at": "yesterday"}',
     "occurred_at", "Datetime has wrong format."),
    (b'{"event_id": "E1", "device_id": "PA-1", "kind": "fall", "message": "' + b"x" * 301 + b'"}',
     "message", "Ensure this field has no more than 300 characters."),
    (b'{"event_id": "' + b"e" * 101 + b'", "device_id": "PA-1", "kind": "fall"}',
     "event_id", "Ensure this field has no more than 100 characters."),
])
def test_malformed_payloads_are_400_and_kept(client, org_a, centre_a, raw, field, message):  # noqa: ANN001
    response = post(client, centre_a, raw)
    assert response.status_code == 400, response.content
    errors = response.json()
    assert any(m.startswith(message) for m in errors[field]), errors
    assert count(org_a, Alarm) == 0
    with tenant_scope(org_a):
        record = IntakeRecord.objects.get()
    assert record.status_code == 400 and record.endpoint == "event" and record.alarm_id is None
    assert field in record.error and message[:20] in record.error
    assert record.body.replace("\ufffd", "") == raw.decode("utf-8", "replace").replace("\ufffd", "").replace("\x00", "")


def test_a_refused_event_keeps_its_event_id(client, org_a, centre_a):  # noqa: ANN001
    post(client, centre_a, {"event_id": "ZC-77", "device_id": "PA-1", "kind": "smoke"})
    with tenant_scope(org_a):
        assert IntakeRecord.objects.get().event_id == "ZC-77"


def test_unknown_device_is_400(client, org_a, centre_a, device_a):  # noqa: ANN001
    response = post(client, centre_a, {"event_id": "E1", "device_id": "NOPE-1", "kind": "button"})
    assert response.status_code == 400
    assert response.json() == {"device_id": ["unknown device 'NOPE-1' for this organisation"]}
    assert count(org_a, Alarm) == 0
    with tenant_scope(org_a):
        assert IntakeRecord.objects.get().error.startswith("device_id: unknown device")


def test_device_of_another_organisation_is_an_unknown_device(client, org_a, org_b, centre_a):  # noqa: ANN001
    device_b = DeviceFactory(organization=org_b, centre=AlarmCentreFactory(organization=org_b))
    response = post(client, centre_a, event(device_b))
    assert response.status_code == 400
    assert response.json() == {"device_id": [f"unknown device {device_b.external_id!r} for this organisation"]}
    assert count(org_b, Alarm) == 0 and count(org_a, Alarm) == 0
    assert count(org_b, IntakeRecord) == 0 and count(org_a, IntakeRecord) == 1


def test_device_of_a_client_whose_care_ended_is_400(client, org_a, centre_a, device_a):  # noqa: ANN001
    with tenant_scope(org_a):
        Client.objects.filter(pk=device_a.client_id).update(status=Client.Status.ENDED, care_end=dt.date(2026, 1, 1),
                                                            end_reason=Client.EndReason.NURSING_HOME)
    response = post(client, centre_a, event(device_a))
    assert response.status_code == 400 and "care ended" in response.json()["device_id"][0]
    assert count(org_a, Alarm) == 0 and count(org_a, IntakeRecord) == 1


def test_an_unexpected_error_keeps_the_record_and_stores_no_alarm(client, org_a, centre_a, device_a,  # noqa: ANN001
                                                                   monkeypatch):
    def broken(**kwargs):  # noqa: ANN003, ANN202
        Alarm.objects.create(organization_id=org_a.pk, client=device_a.client, team=device_a.client.primary_team,
                             kind="fall", received_at=timezone.now(), ack_due_at=timezone.now(),
                             onsite_due_at=timezone.now())
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "alarm_receive", broken)
    response = post(client, centre_a, event(device_a))
    assert response.status_code == 500 and "kept" in response.json()["detail"]
    assert count(org_a, Alarm) == 0  # the half-done work was rolled back
    with tenant_scope(org_a):
        record = IntakeRecord.objects.get()
    assert (record.status_code, record.error, record.event_id) == (500, "RuntimeError", "ZC-1")


def test_oversized_body_is_413(client, org_a, centre_a):  # noqa: ANN001
    response = post(client, centre_a, b"{" + b" " * (600 * 1024) + b"}")
    assert response.status_code == 413
    assert count(org_a, IntakeRecord) == 0


# --- heartbeats ----------------------------------------------------------------------------------


def test_heartbeat_updates_the_centre_and_ends_outages(client, org_a, centre_a, device_a):  # noqa: ANN001
    centre_outage = ChannelOutageFactory(organization=org_a, centre=centre_a)
    device_outage = ChannelOutageFactory(organization=org_a, centre=None, device=device_a)
    before = timezone.now()
    response = post(client, centre_a, {"sent_at": "2026-03-02T03:15:00+01:00",
                                       "devices": [device_a.external_id, "UNKNOWN-1"]}, url=HEARTBEAT_URL)
    assert response.status_code == 200, response.content
    assert response.json() == {"devices_checked_in": 1}
    with tenant_scope(org_a):
        assert type(centre_a).objects.get(pk=centre_a.pk).last_heartbeat_at >= before
        assert Device.objects.get(pk=device_a.pk).last_check_in_at >= before
        assert ChannelOutage.objects.get(pk=centre_outage.pk).ended_at is not None
        assert ChannelOutage.objects.get(pk=device_outage.pk).ended_at is not None
        record = IntakeRecord.objects.get()
        assert (record.endpoint, record.status_code) == ("heartbeat", 200)


def test_empty_heartbeat_is_a_sign_of_life_of_the_centre(client, org_a, centre_a):  # noqa: ANN001
    response = post(client, centre_a, {}, url=HEARTBEAT_URL)
    assert response.status_code == 200 and response.json() == {"devices_checked_in": 0}


def test_malformed_heartbeat_is_400_and_changes_nothing(client, org_a, centre_a):  # noqa: ANN001
    outage = ChannelOutageFactory(organization=org_a, centre=centre_a)
    response = post(client, centre_a, {"devices": "PA-1"}, url=HEARTBEAT_URL)
    assert response.status_code == 400 and "devices" in response.json()
    with tenant_scope(org_a):
        assert ChannelOutage.objects.get(pk=outage.pk).ended_at is None
        assert IntakeRecord.objects.get().status_code == 400


def test_unsigned_heartbeat_is_401(client, org_a, centre_a):  # noqa: ANN001
    assert post(client, centre_a, {}, url=HEARTBEAT_URL, secret="wrong").status_code == 401
    assert count(org_a, IntakeRecord) == 0


# --- the broker is down at intake: stored now, notified by the sweeper ---------------------------


@pytest.fixture
def broker_down(settings):  # noqa: ANN001, ANN201
    """Celery publishes to a closed port. The app reads its configuration once, so its
    conf and connection pools are switched directly (and restored)."""
    from vpt.celery import app

    def reset_pools() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    closed = "redis://127.0.0.1:6390/0"
    names = ("broker_url", "broker_read_url", "broker_write_url", "task_always_eager")
    saved = {name: app.conf[name] for name in names}
    settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER = closed, False
    # The write/read URLs were copied from broker_url when the app was configured.
    app.conf.update(broker_url=closed, broker_read_url=closed, broker_write_url=closed, task_always_eager=False)
    reset_pools()
    assert app.connection_for_write().as_uri().endswith(":6390/0")
    yield
    app.conf.update(saved)
    reset_pools()


def test_broker_down_at_intake_the_alarm_is_stored_and_the_sweeper_notifies(  # noqa: ANN001
        client, org_a, centre_a, device_a, coach_a, broker_down, django_capture_on_commit_callbacks, caplog):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, centre_a, event(device_a))
    elapsed = time.monotonic() - started
    assert response.status_code == 201
    assert len(callbacks) == 1  # the enqueue was attempted after the commit
    assert "notification deferred to the sweeper" in caplog.text
    assert elapsed < 10, "a broken broker must not hang the intake"
    with tenant_scope(org_a):
        alarm = Alarm.objects.get(pk=response.json()["alarm_id"])
        assert alarm.notified_at is None
        assert Notification.objects.count() == 0
        result = services.sweep(org_a.pk)
        assert result["notified"] == 1
        alarm.refresh_from_db()
        assert alarm.notified_at is not None
        assert list(Notification.objects.filter(alarm=alarm).values_list("membership", flat=True)) == [coach_a.pk]
        assert alarm.events.filter(action=AlarmEvent.Action.NOTIFIED).count() == 1


# --- concurrent duplicate delivery, against a real threaded server -------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_delivery_creates_one_alarm(live_server, org_a, centre_a, device_a,  # noqa: ANN001
                                                         broker_down):
    # broker_down: no worker runs here; the notification task would only be left in Redis.
    raw = json.dumps(event(device_a, event_id="RACE-1")).encode()
    threads, results, errors = 8, [], []
    barrier = threading.Barrier(threads)

    def deliver() -> None:
        headers = sign(ALARM_SECRET, None, raw, key=centre_a.key)
        request = urllib.request.Request(live_server.url + reverse(EVENT_URL), data=raw,  # noqa: S310
                                         headers=headers, method="POST")
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (the test server)
                results.append((answer.status, json.loads(answer.read())))
        except urllib.error.HTTPError as exc:
            errors.append((exc.code, exc.read()))

    workers = [threading.Thread(target=deliver) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert not errors, errors
    assert len(results) == threads
    statuses = sorted(status for status, _answer in results)
    assert statuses == [200] * (threads - 1) + [201]
    assert len({answer["alarm_id"] for _status, answer in results}) == 1
    assert sum(answer["duplicate"] is False for _status, answer in results) == 1
    assert count(org_a, Alarm) == 1
    with tenant_scope(org_a):
        assert IntakeRecord.objects.filter(status_code__in=(200, 201)).count() == threads


# --- the shared signing helpers ------------------------------------------------------------------


def test_signing_helpers():
    headers = sign("geheim", 1772417400, b'{"a": 1}', key="12-abc")
    assert headers["X-Vpt-Key"] == "12-abc" and headers["X-Vpt-Timestamp"] == "1772417400"
    # Recomputed independently: hex HMAC-SHA256 of "<timestamp>." + body.
    import hashlib
    import hmac

    expected = hmac.new(b"geheim", b'1772417400.{"a": 1}', hashlib.sha256).hexdigest()
    assert headers["X-Vpt-Signature"] == expected
    assert parse_key("12-abc") == (12, "abc")
    assert parse_key("abc") is None and parse_key("0-abc") is None and parse_key("12-") is None
    assert DEMO_CENTRE_SECRET == "demo-centrale-geheim"


# --- the simulator command, against a real server ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_alarm_simulator_posts_signed_events_and_heartbeats(live_server, org_a, centre_a, device_a,  # noqa: ANN001
                                                            broker_down):
    out = io.StringIO()
    call_command("alarm_simulator", url=live_server.url, centre_key=centre_a.key, secret=ALARM_SECRET,
                 device=[device_a.external_id], count=3, rate=0, heartbeat=True, resend=True, seed=1, stdout=out)
    text = out.getvalue()
    assert "6 request(s)" in text and "duplicate: 3" in text and "new: 3" in text, text
    assert count(org_a, Alarm) == 3
    with tenant_scope(org_a):
        assert IntakeRecord.objects.filter(endpoint="heartbeat", status_code=200).count() == 2
        assert type(centre_a).objects.get(pk=centre_a.pk).last_heartbeat_at is not None


@pytest.mark.django_db(transaction=True)
def test_alarm_simulator_finds_the_demo_centre_and_devices(live_server, org_a, device_a, broker_down):  # noqa: ANN001
    with tenant_scope(org_a):
        centre = device_a.centre
        centre.set_secret(DEMO_CENTRE_SECRET)
        centre.save(update_fields=["secret_encrypted"])
    out = io.StringIO()
    call_command("alarm_simulator", url=live_server.url, demo_org=org_a.slug, count=2, rate=0, stdout=out)
    assert "new: 2" in out.getvalue(), out.getvalue()
    assert count(org_a, Alarm) == 2


def test_alarm_simulator_needs_credentials():
    with pytest.raises(CommandError, match="--centre-key and --secret"):
        call_command("alarm_simulator", count=1)


# --- the examples in docs/alarm-intake.md work as written -----------------------------------------


def _doc_block(heading: str, language: str) -> str:
    text = (Path(settings.BASE_DIR) / "docs" / "alarm-intake.md").read_text()
    section = text.split(heading, 1)[1]
    return section.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def _fill(code: str, live_server, centre, device) -> str:  # noqa: ANN001
    return (code.replace("https://vpt.example.nl", live_server.url).replace("12-3f9a0c1d2e4b5a69", centre.key)
            .replace("the secret", ALARM_SECRET).replace("PA-000042", device.external_id))


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("openssl")), reason="needs curl and openssl")
@pytest.mark.django_db(transaction=True)
def test_documented_curl_example(live_server, org_a, centre_a, device_a, broker_down):  # noqa: ANN001
    script = _fill(_doc_block("### curl and openssl", "sh"), live_server, centre_a, device_a)
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["duplicate"] is False, done.stdout
    assert count(org_a, Alarm) == 1


@pytest.mark.django_db(transaction=True)
def test_documented_python_example(live_server, org_a, centre_a, device_a, broker_down):  # noqa: ANN001
    script = _fill(_doc_block("### Python", "python"), live_server, centre_a, device_a)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("201 "), done.stdout
    with tenant_scope(org_a):
        assert Alarm.objects.get().occurred_at == dt.datetime(2026, 3, 2, 2, 10, tzinfo=dt.UTC)
