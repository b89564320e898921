"""The alarm intake API: alarm centres and device platforms deliver alarm events and
heartbeats, signed with their own secret (protocol: docs/alarm-intake.md).

Authentication is the request signature, not a session (alarms/signing.py):
1. `X-Vpt-Timestamp` must be within settings.VPT_ALARM_REPLAY_WINDOW_SECONDS of the server's
   clock (checked first: no database work for a stale request);
2. the organisation id in `X-Vpt-Key` ("<organisation id>-<key id>") selects the tenant: the
   view opens `tenant_scope(organisation)` itself, so the centre is looked up under the
   tenant's row-level security like every other tenant row;
3. the active centre's secret must verify `X-Vpt-Signature` (constant-time comparison).
Until all three hold the tenant is not trusted: the answer is 401 and nothing is stored
(a warning is logged).

Transactions: these views opt out of ATOMIC_REQUESTS and run in exactly one transaction,
the tenant scope's. The processing itself runs in a savepoint: when the payload is refused
(400) or processing fails unexpectedly (500), the savepoint is rolled back and the
IntakeRecord of the request is still written and committed, so no payload is ever lost.
The transaction commits before the response is returned: a 200/201 means the alarm is in
the database. The team's notification is enqueued after the commit; with the broker down
the sweeper sends it (alarms.services.schedule_notification).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from alarms import services
from alarms.intake_serializers import (
    EventAccepted,
    EventInput,
    HeartbeatAccepted,
    HeartbeatInput,
    IntakeError,
)
from alarms.models import AlarmCentre, IntakeRecord
from alarms.signing import HEADER_KEY, HEADER_SIGNATURE, HEADER_TIMESTAMP, parse_key, verify
from vpt.tenancy.scope import tenant_scope

log = logging.getLogger(__name__)

# An event is a few hundred bytes; a heartbeat lists at most 5,000 device ids.
MAX_BODY_BYTES = 512 * 1024


class IntakeRefused(Exception):
    """The request is not authenticated (401) or too large (413): nothing is stored."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


def _client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _read_body(request: HttpRequest) -> bytes:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise IntakeRefused(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, f"The body is larger than {MAX_BODY_BYTES} bytes.")
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        raise IntakeRefused(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, f"The body is larger than {MAX_BODY_BYTES} bytes.")
    return body


def _check_timestamp(raw: str) -> None:
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        raise IntakeRefused(status.HTTP_401_UNAUTHORIZED,
                            f"{HEADER_TIMESTAMP} must be the signing time in whole seconds since 1970-01-01 UTC.")
    window = settings.VPT_ALARM_REPLAY_WINDOW_SECONDS
    now = int(time.time())
    skew = now - int(raw)
    if abs(skew) > window:
        where = "in the past" if skew > 0 else "in the future"
        raise IntakeRefused(
            status.HTTP_401_UNAUTHORIZED,
            f"{HEADER_TIMESTAMP} {raw} is {abs(skew)} s {where}; the server accepts at most {window} s difference "
            f"(server time {now}). Sign each request when sending it, and keep the sender's clock synchronised (NTP).",
        )


def _authenticate(request: HttpRequest, body: bytes) -> tuple[int, str, str]:
    """The checks that need no database: headers present, key well-formed, timestamp fresh.
    Returns (organisation id, key id, signature)."""
    values = {h: request.headers.get(h, "").strip() for h in (HEADER_KEY, HEADER_TIMESTAMP, HEADER_SIGNATURE)}
    missing = [h for h, v in values.items() if not v]
    if missing:
        raise IntakeRefused(status.HTTP_401_UNAUTHORIZED, f"Missing header(s): {', '.join(missing)}.")
    parsed = parse_key(values[HEADER_KEY])
    if parsed is None:
        raise IntakeRefused(status.HTTP_401_UNAUTHORIZED,
                            f"Unknown key: {HEADER_KEY} has the form <organisation id>-<key id>.")
    _check_timestamp(values[HEADER_TIMESTAMP])
    return parsed[0], parsed[1], values[HEADER_SIGNATURE]


def _centre(organization_id: int, key_id: str, request: HttpRequest, body: bytes, provided: str) -> AlarmCentre:
    """The active centre of the key whose secret verifies the signature; inside the scope."""
    centre = AlarmCentre.objects.filter(organization_id=organization_id, key_id=key_id, is_active=True,
                                        organization__is_active=True).first()
    if centre is None:
        raise IntakeRefused(status.HTTP_401_UNAUTHORIZED, "Unknown or inactive key.")
    if not verify(centre.secret(), request.headers[HEADER_TIMESTAMP].strip(), body, provided):
        raise IntakeRefused(
            status.HTTP_401_UNAUTHORIZED,
            f"{HEADER_SIGNATURE} does not match: sign \"<timestamp>.\" followed by the exact body bytes with "
            f"HMAC-SHA256 and the centre's secret, hex encoded.",
        )
    return centre


def _parse_json(body: bytes) -> Any:  # noqa: ANN401
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise serializers.ValidationError({"non_field_errors": [f"The body is not valid JSON: {exc}."[:300]]}) from exc


def _errors(exc: serializers.ValidationError | DjangoValidationError) -> dict[str, list[str]]:
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
        return {"non_field_errors": [str(m) for m in exc.messages]}
    detail = exc.detail
    if isinstance(detail, dict):
        return {str(field): _flatten(messages) for field, messages in detail.items()}
    return {"non_field_errors": _flatten(detail)}


def _flatten(messages: Any) -> list[str]:  # noqa: ANN401
    """DRF nests the errors of list items ({index: [...]}) : one line per message."""
    if isinstance(messages, dict):
        return [f"item {key}: {m}" for key, value in messages.items() for m in _flatten(value)]
    if isinstance(messages, list):
        return [m for value in messages for m in _flatten(value)]
    return [str(messages)]


def _summary(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())[:500]


def _stored_body(body: bytes) -> str:
    # PostgreSQL text cannot hold NUL; keep everything else as received.
    return body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _event_id_of(data: Any) -> str:  # noqa: ANN401
    value = data.get("event_id") if isinstance(data, dict) else None
    return value[:100] if isinstance(value, str) else ""


Handler = Callable[[AlarmCentre, Any, IntakeRecord], Response]


class _SignedIntakeApi(APIView):
    """Shared flow of the intake endpoints: authenticate, then process inside the tenant
    scope and keep an IntakeRecord of every authenticated request."""

    authentication_classes: list = []  # the HMAC signature, checked in post()
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]  # for the schema; the raw body is parsed here (it is signed)
    endpoint = ""

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable:  # noqa: ANN401
        # One transaction of our own (see the module docstring), not ATOMIC_REQUESTS.
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    def handle(self, centre: AlarmCentre, data: Any, record: IntakeRecord) -> Response:  # noqa: ANN401
        raise NotImplementedError

    def post(self, request: Request) -> Response:
        # Machine-to-machine: English messages, whatever the UI language of the server.
        with translation.override("en"):
            return self._post(request._request)

    def _post(self, request: HttpRequest) -> Response:
        try:
            body = _read_body(request)
            organization_id, key_id, provided = _authenticate(request, body)
            with tenant_scope(organization_id):
                centre = _centre(organization_id, key_id, request, body, provided)
                return self._process(centre, body)
        except IntakeRefused as refused:
            log.warning("alarm intake %s refused (%s) for key %r from %s: %s", self.endpoint, refused.status_code,
                        request.headers.get(HEADER_KEY, "")[:60], _client_address(request), refused.detail)
            response = Response({"detail": refused.detail}, status=refused.status_code)
            if refused.status_code == status.HTTP_401_UNAUTHORIZED:
                response["WWW-Authenticate"] = 'VPT-HMAC-SHA256 realm="alarm-intake"'
            return response

    def _process(self, centre: AlarmCentre, body: bytes) -> Response:
        record = IntakeRecord(organization_id=centre.organization_id, centre=centre, endpoint=self.endpoint,
                              body=_stored_body(body))
        data: Any = None
        try:
            with transaction.atomic():
                data = _parse_json(body)
                response = self.handle(centre, data, record)
        except (serializers.ValidationError, DjangoValidationError) as exc:
            errors = _errors(exc)
            record.event_id = record.event_id or _event_id_of(data)
            record.alarm = None
            record.status_code, record.error = status.HTTP_400_BAD_REQUEST, _summary(errors)
            record.save()
            log.info("alarm intake %s from %s refused (400): %s", self.endpoint, centre.key, record.error)
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        except Exception as exc:  # the payload is kept; the centre retries (idempotent)
            log.exception("alarm intake %s from %s failed", self.endpoint, centre.key)
            record.event_id = record.event_id or _event_id_of(data)
            record.alarm = None
            record.status_code, record.error = status.HTTP_500_INTERNAL_SERVER_ERROR, f"{type(exc).__name__}"[:500]
            record.save()
            return Response({"detail": "Internal error; the request was kept. Retry it later (it is idempotent)."},
                            status=status.HTTP_500_INTERNAL_SERVER_ERROR)
        record.status_code = response.status_code
        record.save()
        return response


HEADERS = [
    OpenApiParameter(HEADER_KEY, OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
                     description="The centre's public key, `<organisation id>-<key id>`, as shown in vpt under "
                                 "alarm settings.", examples=[OpenApiExample("key", value="12-3f9a0c1d2e4b5a69")]),
    OpenApiParameter(HEADER_TIMESTAMP, OpenApiTypes.INT, OpenApiParameter.HEADER, required=True,
                     description="Signing time in whole seconds since 1970-01-01 UTC. Requests more than "
                                 "VPT_ALARM_REPLAY_WINDOW_SECONDS (default 300) from the server's clock are refused.",
                     examples=[OpenApiExample("timestamp", value=1772417400)]),
    OpenApiParameter(HEADER_SIGNATURE, OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
                     description="Lower-case hex HMAC-SHA256 under the centre's secret of the timestamp, a full "
                                 "stop, and the exact body bytes: `hex(hmac_sha256(secret, f\"{timestamp}.\" + body))`.",
                     examples=[OpenApiExample("signature", value="9c1b" + "0" * 60)]),
]

UNAUTHORIZED = OpenApiResponse(
    response=IntakeError,
    description="Not authenticated; nothing was stored. Missing header, unknown or inactive key, signature that "
                "does not match, or a timestamp outside the replay window.",
    examples=[
        OpenApiExample("stale timestamp", status_codes=["401"], value={
            "detail": "X-Vpt-Timestamp 1772417400 is 412 s in the past; the server accepts at most 300 s difference "
                      "(server time 1772417812). Sign each request when sending it, and keep the sender's clock "
                      "synchronised (NTP)."}),
        OpenApiExample("bad signature", status_codes=["401"], value={
            "detail": "X-Vpt-Signature does not match: sign \"<timestamp>.\" followed by the exact body bytes with "
                      "HMAC-SHA256 and the centre's secret, hex encoded."}),
    ],
)
TOO_LARGE = OpenApiResponse(response=IntakeError, description=f"Body larger than {MAX_BODY_BYTES} bytes; "
                                                               "nothing was stored.")
SERVER_ERROR = OpenApiResponse(response=IntakeError, description="Unexpected error; the request was kept for "
                                                                 "inspection. Retry later with the same event id.")


class AlarmEventIntakeApi(_SignedIntakeApi):
    endpoint = "event"

    @extend_schema(
        operation_id="alarm_intake_event",
        summary="Deliver an alarm event (alarm centre / device platform)",
        description=(
            "Stores the alarm before answering and notifies the responsible team. Idempotent on `event_id` per "
            "centre: a repeated delivery (a retry, a replay within the window, or concurrent duplicates) answers "
            "200 with the alarm of the first delivery and `duplicate: true`. Every authenticated request is kept "
            "as an intake record, refused ones included. Authentication: HMAC signature headers, see "
            "docs/alarm-intake.md."
        ),
        tags=["alarm intake"],
        auth=[],
        parameters=HEADERS,
        request=EventInput,
        examples=[
            OpenApiExample("fall", request_only=True, value={
                "event_id": "ZC-2026-000123", "device_id": "PA-000042", "kind": "fall",
                "occurred_at": "2026-03-02T03:10:00+01:00", "message": "Val gedetecteerd, geen spraakcontact"}),
            OpenApiExample("button, minimal", request_only=True, value={
                "event_id": "ZC-2026-000124", "device_id": "PA-000042", "kind": "button"}),
        ],
        responses={
            201: OpenApiResponse(EventAccepted, description="New alarm stored.", examples=[
                OpenApiExample("new", status_codes=["201"], value={"alarm_id": 5120, "status": "received",
                                                                   "duplicate": False})]),
            200: OpenApiResponse(EventAccepted, description="This event id was delivered before: the alarm of the "
                                                            "first delivery, nothing new stored.", examples=[
                OpenApiExample("repeated", status_codes=["200"], value={"alarm_id": 5120, "status": "acknowledged",
                                                                        "duplicate": True})]),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="The payload is refused: {field: [messages]}; "
                                                                  "it was kept for inspection.", examples=[
                OpenApiExample("unknown device", status_codes=["400"], value={
                    "device_id": ["unknown device 'PA-999999' for this organisation"]}),
                OpenApiExample("fields", status_codes=["400"], value={
                    "kind": ['"smoke" is not a known kind. Allowed: button, fall, door, lifestyle, gps, technical.'],
                    "event_id": ["This field is required."]}),
                OpenApiExample("not JSON", status_codes=["400"], value={
                    "non_field_errors": ["The body is not valid JSON: Expecting value: line 1 column 1 (char 0)."]}),
            ]),
            401: UNAUTHORIZED,
            413: TOO_LARGE,
            500: SERVER_ERROR,
        },
    )
    def post(self, request: Request) -> Response:
        return super().post(request)

    def handle(self, centre: AlarmCentre, data: Any, record: IntakeRecord) -> Response:  # noqa: ANN401
        record.event_id = _event_id_of(data)
        payload = EventInput(data=data)
        payload.is_valid(raise_exception=True)
        values = payload.validated_data
        record.event_id = values["event_id"]
        received = services.alarm_receive(
            centre=centre, event_id=values["event_id"], device_external_id=values["device_id"], kind=values["kind"],
            occurred_at=values.get("occurred_at"), message=values.get("message", ""),
        )
        record.alarm = received.alarm
        answer = EventAccepted({"alarm_id": received.alarm.pk, "status": received.alarm.status,
                                "duplicate": not received.created}).data
        return Response(answer, status=status.HTTP_201_CREATED if received.created else status.HTTP_200_OK)


class AlarmHeartbeatIntakeApi(_SignedIntakeApi):
    endpoint = "heartbeat"

    @extend_schema(
        operation_id="alarm_intake_heartbeat",
        summary="Heartbeat of an alarm centre / device platform",
        description=(
            "A sign of life of the centre, optionally with the devices that checked in. Ends an open outage of "
            "the centre (and of the listed devices). A centre that stays quiet for longer than its heartbeat "
            "interval is reported to the team manager on call as a silent channel."
        ),
        tags=["alarm intake"],
        auth=[],
        parameters=HEADERS,
        request=HeartbeatInput,
        examples=[
            OpenApiExample("with devices", request_only=True, value={
                "sent_at": "2026-03-02T03:15:00+01:00", "devices": ["PA-000042", "GPS-000007"]}),
            OpenApiExample("centre only", request_only=True, value={}),
        ],
        responses={
            200: OpenApiResponse(HeartbeatAccepted, description="Recorded.", examples=[
                OpenApiExample("ok", status_codes=["200"], value={"devices_checked_in": 2})]),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="The payload is refused: {field: [messages]}; "
                                                                  "it was kept for inspection.", examples=[
                OpenApiExample("devices", status_codes=["400"], value={
                    "devices": ['Expected a list of items but got type "str".']})]),
            401: UNAUTHORIZED,
            413: TOO_LARGE,
            500: SERVER_ERROR,
        },
    )
    def post(self, request: Request) -> Response:
        return super().post(request)

    def handle(self, centre: AlarmCentre, data: Any, record: IntakeRecord) -> Response:  # noqa: ANN401
        payload = HeartbeatInput(data=data)
        payload.is_valid(raise_exception=True)
        count = services.heartbeat(centre=centre, device_external_ids=payload.validated_data.get("devices") or [])
        return Response(HeartbeatAccepted({"devices_checked_in": count}).data, status=status.HTTP_200_OK)
