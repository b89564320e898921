"""Bodies of the alarm intake API (alarms/intake.py): strict input serializers (an unknown
field is an error, timestamps need their UTC offset) and the response shapes for the
OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alarms.models import Alarm

# Every kind an alarm centre or device platform may deliver; phone calls are entered by hand.
INTAKE_KINDS = [(value, label) for value, label in Alarm.Kind.choices if value != Alarm.Kind.PHONE]
MAX_HEARTBEAT_DEVICES = 5000


class StrictSerializer(serializers.Serializer):
    """A serializer that names every field it does not know, next to the other errors
    (a typo in an optional field must not silently drop its value)."""

    def to_internal_value(self, data: Any) -> dict:  # noqa: ANN401
        if not isinstance(data, Mapping):
            raise serializers.ValidationError(
                {"non_field_errors": [f"The body must be a JSON object, not {_json_type(data)}."]})
        errors: dict[str, Any] = {}
        value: dict = {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors.update(exc.detail)
        allowed = ", ".join(self.fields)
        for name in data:
            if name not in self.fields:
                errors[str(name)[:100]] = [f"Unknown field. Allowed fields: {allowed}."]
        if errors:
            raise serializers.ValidationError(errors)
        return value


def _json_type(data: Any) -> str:  # noqa: ANN401
    if isinstance(data, list):
        return "an array"
    if isinstance(data, str):
        return "a string"
    if data is None:
        return "null"
    if isinstance(data, bool):
        return "a boolean"
    return "a number"


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with a UTC offset ("2026-03-02T03:10:00+01:00" or "...Z"): a time without an
    offset is ambiguous around the change to and from summer time."""

    def __init__(self, **kwargs: Any) -> None:  # noqa: ANN401
        kwargs.setdefault("input_formats", ["iso-8601"])
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> dt.datetime:  # noqa: ANN401
        if not isinstance(value, str):
            raise serializers.ValidationError("Expected an ISO 8601 string with a UTC offset, "
                                              "e.g. 2026-03-02T03:10:00+01:00.")
        parsed = super().to_internal_value(value)
        if parse_datetime(value).tzinfo is None:  # the parser DRF used above: not None here
            raise serializers.ValidationError("Give the UTC offset, e.g. 2026-03-02T03:10:00+01:00 or "
                                              "2026-03-02T02:10:00Z.")
        return parsed


# Inline in the schema (wrapped in allOf so drf-spectacular's enum hook leaves it alone): a
# shared "KindEnum" component would collide with the other models' `kind` fields.
@extend_schema_field({
    "allOf": [{"type": "string", "enum": [value for value, _label in INTAKE_KINDS]}],
    "description": "The kind of alarm: " + "; ".join(f"`{value}`: {label}" for value, label in INTAKE_KINDS) + ".",
})
class IntakeKindField(serializers.ChoiceField):
    """The alarm kind an alarm centre may deliver."""

    def __init__(self, **kwargs: Any) -> None:  # noqa: ANN401
        allowed = ", ".join(value for value, _label in INTAKE_KINDS)
        kwargs.setdefault("error_messages", {"invalid_choice": f'"{{input}}" is not a known kind. Allowed: {allowed}.'})
        super().__init__(choices=INTAKE_KINDS, **kwargs)


class EventInput(StrictSerializer):
    event_id = serializers.CharField(
        min_length=1, max_length=100,
        help_text="The centre's own id of this event. Idempotency key: a repeated delivery with the same id "
                  "returns the alarm of the first one and creates nothing new.",
    )
    device_id = serializers.CharField(
        max_length=64, help_text="The device's serial or external id, as registered at the client in vpt.",
    )
    kind = IntakeKindField()
    occurred_at = AwareDateTimeField(
        required=False, allow_null=True,
        help_text="When the device raised the alarm (device clock), ISO 8601 with UTC offset. The server "
                  "stamps its own receipt time; the follow-up norms count from that.",
    )
    message = serializers.CharField(
        required=False, allow_blank=True, max_length=300, default="", trim_whitespace=True,
        help_text="Free text of the centre, at most 300 characters, e.g. what the operator heard.",
    )


class EventAccepted(serializers.Serializer):
    alarm_id = serializers.IntegerField(help_text="vpt's id of the alarm.")
    status = serializers.ChoiceField(
        choices=Alarm.Status.choices,
        help_text="The alarm's follow-up status now: `received` for a new alarm; a repeated delivery shows "
                  "how far the team has got (acknowledged, on_site, resolved).",
    )
    duplicate = serializers.BooleanField(help_text="true: this event id was delivered before; nothing new stored.")


class HeartbeatInput(StrictSerializer):
    sent_at = AwareDateTimeField(required=False, allow_null=True,
                                 help_text="When the centre sent the heartbeat (its clock), ISO 8601 with offset.")
    devices = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list, max_length=MAX_HEARTBEAT_DEVICES,
        help_text=f"External ids of the devices that checked in since the last heartbeat (at most "
                  f"{MAX_HEARTBEAT_DEVICES}). Ids unknown to vpt are ignored.",
    )


class HeartbeatAccepted(serializers.Serializer):
    devices_checked_in = serializers.IntegerField(help_text="How many of the listed devices vpt knows "
                                                            "(their last check-in is now).")


class IntakeError(serializers.Serializer):
    """For the schema: 401/413 answers carry `detail`; 400 answers are {field: [messages]}."""

    detail = serializers.CharField()
