"""Forms of the finance screens: re-running the daily calculation for a period, and the
overview's period and client filter."""

from __future__ import annotations

import datetime

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from billing.selectors_finance import CLIENT_ORDERS, Period, last_complete_month, period_choices
from clients.forms import DateInput


class RerunForm(forms.Form):
    """The period to re-run; its rules (order, up to yesterday, at most a year) are checked
    by billing.services.request_rerun, whose errors the view puts on the form."""

    first = forms.DateField(label=_("First day"), widget=DateInput())
    last = forms.DateField(label=_("Last day"), widget=DateInput())

    def __init__(self, *args, today: datetime.date, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        # The daily run computes days up to yesterday (billing.services.request_rerun).
        self.yesterday = today - datetime.timedelta(days=1)
        for name in ("first", "last"):
            self.fields[name].widget.attrs["max"] = self.yesterday.isoformat()


class OverviewFilterForm(forms.Form):
    """The period (a month, or the year to date) and, for the client table, a name search
    and the order. Invalid input falls back to the defaults (last complete month)."""

    period = forms.ChoiceField(label=_("Period"), required=False)
    q = forms.CharField(label=_("Client"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Search by name")}))
    order = forms.ChoiceField(label=_("Order clients by"), required=False,
                              choices=[("name", _("Name")), ("margin", _("Lowest margin first"))])

    def __init__(self, data: QueryDict | None = None, *, today: datetime.date) -> None:
        self.periods = {p.key: p for p in period_choices(today)}
        self.default_period = last_complete_month(today)
        if data is not None:
            # A search without a period keeps the default period selected in the picker.
            data = data.copy()
            if not data.get("period"):
                data["period"] = self.default_period.key
        super().__init__(data)
        self.fields["period"].choices = [
            (key, _("Year to date (%(year)s)") % {"year": p.first.year} if p.kind == "ytd" else p.label)
            for key, p in self.periods.items()
        ]
        self.fields["period"].initial = self.default_period.key

    def selected(self) -> tuple[Period, str, str]:
        """(period, search, order) of a bound form, the defaults for what is missing or invalid."""
        data = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data  # the fields that validated
        period = self.periods.get(data.get("period") or "", self.default_period)
        order = data.get("order") if data.get("order") in CLIENT_ORDERS else "name"
        return period, (data.get("q") or "").strip(), order
