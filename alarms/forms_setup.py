"""Forms of the device pages and of the alarm setup.

Plain forms (not ModelForms): the services take the cleaned data and check the rules (the
Wzd rule, unique ids, teams and members of the organisation). Choices that depend on the
organisation are set per request; class-level querysets are empty, so building a class
never queries a tenant table.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from alarms.models import AlarmCentre, AlarmPolicy, Device
from alarms.services_setup import MAX_MINUTES, night_team_choices, on_call_choices
from clients.forms import DateInput
from vpt.tenancy.models import Membership, Team


def _field(model: type, name: str, **overrides) -> forms.Field:  # noqa: ANN003
    """The form field of a model field: same label, choices, help text."""
    return model._meta.get_field(name).formfield(**overrides)


class TimeInput(forms.TimeInput):
    """hh:mm as text: app.css styles text inputs, not the browser's time picker."""

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        attrs = {"placeholder": "hh:mm", "pattern": "[0-2]?[0-9]:[0-5][0-9]", "maxlength": "5",
                 "autocomplete": "off", "inputmode": "text", **kwargs.pop("attrs", {})}
        super().__init__(format="%H:%M", attrs=attrs, **kwargs)


# --- devices -------------------------------------------------------------------------------------


class DeviceForm(forms.Form):
    kind = _field(Device, "kind")
    external_id = _field(Device, "external_id", help_text=_(
        "As the alarm centre or platform knows it: incoming alarms are matched to the device by it."))
    supplier = _field(Device, "supplier")
    centre = forms.ModelChoiceField(
        label=_("Alarm centre / platform"), queryset=AlarmCentre.objects.none(), required=False,
        empty_label=_("— none —"), help_text=_("Who delivers this device's alarms to us."),
    )
    installed_on = _field(Device, "installed_on", widget=DateInput())
    status = _field(Device, "status")
    consent_by = _field(Device, "consent_by")
    consent_on = _field(Device, "consent_on", widget=DateInput())
    wzd_decision = _field(Device, "wzd_decision")
    check_in_minutes = _field(Device, "check_in_minutes", min_value=1)
    note = _field(Device, "note")

    def __init__(self, *args, membership: Membership, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = AlarmCentre.objects.filter(organization=membership.organization).order_by(
            "-is_active", "name", "pk")
        self.fields["consent_by"].choices = [("", _("— no consent recorded —")), *Device.ConsentBy.choices]

    @staticmethod
    def initial_for(device: Device) -> dict:
        return {name: getattr(device, name) for name in (
            "kind", "external_id", "supplier", "installed_on", "status", "consent_by", "consent_on",
            "wzd_decision", "check_in_minutes", "note")} | {"centre": device.centre_id}

    @property
    def is_monitoring(self) -> bool:
        """Whether the kind currently in the form is a monitoring kind (for the Wzd explanation)."""
        kind = self["kind"].value()
        return kind in Device.MONITORING


# --- the alarm policy ------------------------------------------------------------------------------


def _minutes(name: str) -> forms.Field:
    return _field(AlarmPolicy, name, min_value=1, max_value=MAX_MINUTES)


class MembershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        name = obj.user.get_full_name() or obj.user.username
        return f"{name} ({obj.get_role_display()})"


class PolicyForm(forms.Form):
    ack_minutes_day = _minutes("ack_minutes_day")
    onsite_minutes_day = _minutes("onsite_minutes_day")
    ack_minutes_night = _minutes("ack_minutes_night")
    onsite_minutes_night = _minutes("onsite_minutes_night")
    night_starts = _field(AlarmPolicy, "night_starts", widget=TimeInput())
    night_ends = _field(AlarmPolicy, "night_ends", widget=TimeInput())
    escalate_every_minutes = _minutes("escalate_every_minutes")
    night_team = forms.ModelChoiceField(
        label=_("Night service"), queryset=Team.objects.none(), required=False,
        empty_label=_("— none: the alarm centre —"),
        help_text=_("Second step of the chain, and notified together with the responsible team at night."),
    )
    on_call = MembershipChoiceField(
        label=_("Team manager on call"), queryset=Membership.objects.none(), required=False,
        empty_label=_("— none: the team's managers —"),
        help_text=_("Last step of the chain, and who hears of a silent alarm centre or device."),
    )

    def __init__(self, *args, membership: Membership, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["night_team"].queryset = night_team_choices(membership.organization_id)
        self.fields["on_call"].queryset = on_call_choices(membership.organization_id)

    @staticmethod
    def initial_for(policy: AlarmPolicy) -> dict:
        return {
            "ack_minutes_day": policy.ack_minutes_day, "onsite_minutes_day": policy.onsite_minutes_day,
            "ack_minutes_night": policy.ack_minutes_night, "onsite_minutes_night": policy.onsite_minutes_night,
            "night_starts": policy.night_starts, "night_ends": policy.night_ends,
            "escalate_every_minutes": policy.escalate_every_minutes,
            "night_team": policy.night_team_id, "on_call": policy.on_call_id,
        }


# --- alarm centres ---------------------------------------------------------------------------------


class CentreForm(forms.Form):
    name = _field(AlarmCentre, "name")
    kind = _field(AlarmCentre, "kind")
    heartbeat_seconds = _field(AlarmCentre, "heartbeat_seconds", min_value=30, max_value=86400)
    is_active = _field(AlarmCentre, "is_active", required=False, help_text=_(
        "An inactive centre can no longer deliver alarms and is not watched for heartbeats."))

    def __init__(self, *args, editing: bool = False, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["is_active"]

    @staticmethod
    def initial_for(centre: AlarmCentre) -> dict:
        return {"name": centre.name, "kind": centre.kind, "heartbeat_seconds": centre.heartbeat_seconds,
                "is_active": centre.is_active}
