"""Forms of the coach's Today view: confirm a planned visit, register an unplanned one.

Both are small on purpose: a duration picked from a few chips (or typed), the activities
ticked from the client's arrangement, an optional note. The rules (not in the future, no
overlap, in care, activities of the arrangement) are the services' business.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from teams.models import MAX_VISIT_MINUTES, Visit

REGISTER_CHIPS = (15, 30, 45, 60, 90)
REGISTER_DEFAULT_MINUTES = 30


def minutes_label(minutes: int) -> str:
    return gettext("%(minutes)d min") % {"minutes": minutes}


def confirm_chips(planned: int) -> list[int]:
    """A few durations around the planned one: a quarter shorter, as planned, longer."""
    candidates = {planned - 15, planned, planned + 15, planned + 30}
    return sorted(m for m in candidates if 5 <= m <= MAX_VISIT_MINUTES)


class ChipSelect(forms.RadioSelect):
    """Radio buttons drawn as large chips (today.css)."""


class _VisitForm(forms.Form):
    duration_minutes = forms.IntegerField(
        label=_("Duration"), required=False, min_value=1, max_value=MAX_VISIT_MINUTES, widget=ChipSelect
    )
    duration_other = forms.IntegerField(
        label=_("Other duration (minutes)"), required=False, min_value=1, max_value=MAX_VISIT_MINUTES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": _("min")}),
    )
    activities = forms.MultipleChoiceField(label=_("Activities"), required=False, widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("Note"), required=False, max_length=300,
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def _set_choices(self, chips: list[int], activities: dict[str, str]) -> None:
        self.fields["duration_minutes"].widget.choices = [(m, minutes_label(m)) for m in chips]
        self.fields["activities"].choices = list(activities.items())

    def chosen_minutes(self) -> int | None:
        return self.cleaned_data.get("duration_other") or self.cleaned_data.get("duration_minutes")


class ConfirmForm(_VisitForm):
    """Confirm a planned visit as delivered. Posted without any field (the one tap), it
    confirms with the planned duration and leaves activities and note as planned."""

    # The tap may come from a form whose details were never shown: only a form that
    # carried the activities and note may change them (unticked boxes are not posted).
    details = forms.BooleanField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for the late registration"), required=False, max_length=300)

    def __init__(self, data: Any = None, *, visit: Visit, activities: dict[str, str], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_v{visit.pk}_%s")
        kwargs.setdefault("initial", {
            "duration_minutes": visit.duration_minutes, "activities": list(visit.activities or []),
            "note": visit.note, "details": True,
        })
        super().__init__(data, **kwargs)
        self.visit = visit
        # Keep the planned activities selectable even if the arrangement no longer has them
        # (the service then explains why they cannot be kept).
        choices = dict(activities)
        for code in visit.activities or []:
            choices.setdefault(code, code)
        self._set_choices(confirm_chips(visit.duration_minutes), choices)
        self.planned_minutes = visit.duration_minutes

    def changes(self) -> dict[str, Any]:
        """The keyword arguments of services.visit_update (besides acting, visit, confirm)."""
        data = self.cleaned_data
        changes: dict[str, Any] = {"duration_minutes": self.chosen_minutes() or self.visit.duration_minutes,
                                   "reason": data.get("reason") or ""}
        if data.get("details"):
            changes["activities"] = list(data["activities"])
            changes["note"] = data["note"]
        return changes


class RegisterForm(_VisitForm):
    """Register a visit that was not planned, as delivered. Without a start time it ended
    just now (start = now, rounded down to five minutes, minus the duration); on another
    day than today the start time is required."""

    start = forms.TimeField(
        label=_("Start"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, data: Any = None, *, client_id: int, day: dt.date, now: dt.datetime,
                 activities: dict[str, str], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_r{client_id}_%s")
        kwargs.setdefault("initial", {"duration_minutes": REGISTER_DEFAULT_MINUTES})
        super().__init__(data, **kwargs)
        self.day, self.now = day, now
        self._set_choices(list(REGISTER_CHIPS), activities)
        self.ends_now = day == now.date()
        self.fields["start"].help_text = (
            _("Empty: the visit has just ended.") if self.ends_now else _("Required for another day than today.")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        minutes = self.chosen_minutes()
        if not minutes and "duration_minutes" not in self.errors and "duration_other" not in self.errors:
            self.add_error("duration_minutes", _("Choose how long the visit took."))
        if data.get("start") is None and "start" not in self.errors and not self.ends_now:
            self.add_error("start", _("Give the start time of the visit."))
        return data

    def start_time(self) -> dt.time:
        """The given start, or: ended just now (rounded down to five minutes)."""
        start = self.cleaned_data.get("start")
        if start is not None:
            return start
        now = self.now.replace(second=0, microsecond=0, tzinfo=None)
        now -= dt.timedelta(minutes=now.minute % 5)
        begin = now - dt.timedelta(minutes=self.chosen_minutes() or 0)
        # Just after midnight: the visit started yesterday, which one day's register cannot
        # hold; count it from midnight.
        return begin.time() if begin.date() == now.date() else dt.time(0, 0)
