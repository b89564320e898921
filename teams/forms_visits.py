"""Forms of the visit pages: the planners' filter, planning a visit, changing and
cancelling one. The rules themselves (in care, no overlap, activities from the arrangement,
a reason after the visit's day) live in teams.services; the forms only collect input and
say up front what the service will ask."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from clients.selectors import visible_clients, visible_teams
from teams.models import MAX_VISIT_MINUTES, Employee, Visit
from teams.selectors import visible_employees
from teams.services import arrangement_activity_codes
from vpt.tenancy.models import Membership, Team


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


def employee_label(employee: Employee) -> str:
    label = f"{employee.full_name} ({employee.team.name}, " + str(_("level %(level)s") % {"level": employee.function_level}) + ")"
    return label if employee.is_active else f"{label} – {_('inactive')}"


def _reason_field(*, late: bool) -> forms.CharField:
    return forms.CharField(
        label=_("Reason for the change"), max_length=300, required=late,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Required: this visit was on an earlier day, so every change needs a reason.") if late
        else _("Optional today; from tomorrow a change of this visit needs a reason."),
    )


class VisitFilterForm(forms.Form):
    q = forms.CharField(label=_("Client"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name of the client")}))
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False,
                                  empty_label=_("All teams"))
    employee = forms.ModelChoiceField(label=_("Employee"), queryset=Employee.objects.none(), required=False,
                                      empty_label=_("All employees"))
    van = forms.DateField(label=_("From"), widget=DateInput())
    tot = forms.DateField(label=_("Up to and including"), widget=DateInput())
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *Visit.Status.choices])

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = visible_teams(membership).order_by("name")
        self.fields["employee"].queryset = visible_employees(membership).select_related("team").order_by(
            "-is_active", "last_name", "first_name")
        self.fields["employee"].label_from_instance = employee_label

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("van") and data.get("tot") and data["van"] > data["tot"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


class VisitFieldsMixin:
    """Date, start, duration and activities of a visit; the activity choices are the
    elements of the client's arrangement on the date."""

    def _setup_activities(self, client: Client | None, day: dt.date | None, keep: list[str] | None = None) -> None:
        choices: dict[str, str] = {}
        if client is not None:
            choices = arrangement_activity_codes(client, day or timezone.localdate())
        for code in keep or []:
            choices.setdefault(code, code)
        field = self.fields["activities"]
        field.choices = list(choices.items())
        if client is None:
            field.help_text = _("Choose the client first: the activities come from their arrangement.")
        elif not choices:
            field.help_text = _("The client has no arrangement in force on this date.")


def _activities_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=_("Activities"), required=False, widget=forms.CheckboxSelectMultiple,
                                     help_text=_("From the client's arrangement on the date of the visit."))


def _duration_field() -> forms.IntegerField:
    return forms.IntegerField(label=_("Duration (minutes)"), min_value=1, max_value=MAX_VISIT_MINUTES,
                              widget=forms.NumberInput(attrs={"step": 5, "inputmode": "numeric"}))


class VisitCreateForm(VisitFieldsMixin, forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.none(), empty_label=_("Choose a client"))
    employee = forms.ModelChoiceField(label=_("Employee"), queryset=Employee.objects.none(),
                                      empty_label=_("Choose an employee"))
    date = forms.DateField(label=_("Date"), widget=DateInput())
    start = forms.TimeField(label=_("Start"), widget=TimeInput())
    duration_minutes = _duration_field()
    activities = _activities_field()
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    delivered = forms.BooleanField(
        label=_("Already delivered: register it as delivered"), required=False,
        help_text=_("For a visit that has taken place (today or earlier). Otherwise the visit is planned."),
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clients = visible_clients(membership).filter(status=Client.Status.IN_CARE).order_by("last_name", "first_name", "pk")
        self.fields["client"].queryset = clients
        self.fields["client"].label_from_instance = lambda c: c.sort_name
        self.fields["employee"].queryset = (
            visible_employees(membership).filter(is_active=True).select_related("team").order_by("last_name", "first_name")
        )
        self.fields["employee"].label_from_instance = employee_label
        source = self.data if self.is_bound else self.initial
        client = None
        client_id = source.get("client")
        if client_id and str(client_id).isdigit():
            client = clients.filter(pk=int(client_id)).first()
        self._setup_activities(client, _parse_date(source.get("date")))


class VisitEditForm(VisitFieldsMixin, forms.Form):
    """Change a visit. Planners may also move it to another employee."""

    employee = forms.ModelChoiceField(label=_("Employee"), queryset=Employee.objects.none())
    date = forms.DateField(label=_("Date"), widget=DateInput())
    start = forms.TimeField(label=_("Start"), widget=TimeInput())
    duration_minutes = _duration_field()
    activities = _activities_field()
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, visit: Visit, membership: Membership, can_plan: bool, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {
            "employee": visit.employee_id, "date": visit.date, "start": visit.start,
            "duration_minutes": visit.duration_minutes, "activities": list(visit.activities or []), "note": visit.note,
        })
        super().__init__(*args, **kwargs)
        self.visit = visit
        self.is_late = timezone.localdate() > visit.date
        self.fields["reason"] = _reason_field(late=self.is_late)
        if can_plan:
            employees = visible_employees(membership).select_related("team").order_by("last_name", "first_name")
            self.fields["employee"].queryset = employees.filter(is_active=True) | employees.filter(pk=visit.employee_id)
            self.fields["employee"].label_from_instance = employee_label
        else:
            del self.fields["employee"]
        if visit.status == Visit.Status.PLANNED:
            self.fields["duration_minutes"].help_text = _("When you confirm the visit as delivered: the real duration.")
        self._setup_activities(visit.client, visit.date, keep=list(visit.activities or []))

    def changes(self) -> dict[str, Any]:
        """The fields that differ from the visit, as visit_update takes them."""
        data = self.cleaned_data
        current = {
            "employee": self.visit.employee, "date": self.visit.date, "start": self.visit.start.replace(second=0, microsecond=0),
            "duration_minutes": self.visit.duration_minutes, "activities": list(self.visit.activities or []),
            "note": self.visit.note,
        }
        changed = {}
        for name, before in current.items():
            if name not in data:
                continue
            after = data[name]
            if name == "activities":
                after = list(after)
                if sorted(after) == sorted(before):
                    continue
            elif name == "note":
                after = after.strip()
                if after == before:
                    continue
            elif after == before:
                continue
            changed[name] = after
        return changed


class VisitCancelForm(forms.Form):
    def __init__(self, *args: Any, visit: Visit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        late = timezone.localdate() > visit.date
        self.fields["reason"] = _reason_field(late=late)
        self.fields["reason"].label = _("Reason for cancelling")
        self.fields["reason"].help_text = (
            _("Required: this visit was on an earlier day.") if late else _("Optional, for example: the client was not at home.")
        )


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
