"""Forms of the alarm inbox: closing an alarm with its cause and outcome, and entering an
alarm by hand (a phone call). The rules themselves live in `alarms.services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alarms import selectors
from alarms.models import Alarm
from clients.models import Client
from vpt.tenancy.models import Membership


class ResolveForm(forms.Form):
    """Cause and outcome as large radio chips, and a note. Each alarm card has its own form:
    `alarm_id` keeps the element ids apart (the field names stay plain)."""

    cause = forms.ChoiceField(
        label=_("Cause"), choices=Alarm.Cause.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose the cause.")},
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Alarm.Outcome.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose the outcome.")},
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, alarm_id: int, **kwargs: Any) -> None:  # noqa: ANN401
        kwargs.setdefault("auto_id", f"resolve-{alarm_id}-%s")
        super().__init__(*args, **kwargs)


class ClientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Client) -> str:
        return f"{obj.sort_name} – {obj.street} {obj.house_number}{obj.house_number_suffix}, {obj.city}"


class ManualAlarmForm(forms.Form):
    """An alarm that came in by phone (the client, a neighbour, the alarm centre)."""

    client = ClientChoiceField(label=_("Client"), queryset=Client.objects.none(), empty_label=_("Choose a client"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Alarm.Kind.choices, initial=Alarm.Kind.PHONE)
    message = forms.CharField(
        label=_("What happened"), required=False, max_length=300,
        help_text=_("Who called and what they said, e.g. “neighbour: Mrs Jansen fell in the hall”."),
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:  # noqa: ANN401
        kwargs.setdefault("auto_id", "manual-%s")
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = selectors.manual_alarm_clients(membership)
