"""Forms of the zorgkantoor pages: filters, the review actions and the comparison."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.models import ProviderReport
from reports.sections import SECTIONS
from reports.services import MAX_COMMENT
from vpt.tenancy.models import Organization

QUARTER_CHOICES = [("1", "Q1"), ("2", "Q2"), ("3", "Q3"), ("4", "Q4")]


def default_period(today=None) -> tuple[int, int]:  # noqa: ANN001
    """The last quarter that has ended: what a reviewer looks at by default."""
    today = today or timezone.localdate()
    quarter = (today.month - 1) // 3  # the quarter before the current one
    return (today.year, quarter) if quarter else (today.year - 1, 4)


def year_choices(years: set[int]) -> list[tuple[str, str]]:
    years = set(years) | {timezone.localdate().year}
    return [(str(y), str(y)) for y in sorted(years, reverse=True)]


def provider_choices(providers: list[Organization]) -> list[tuple[str, str]]:
    return [(str(p.pk), f"{p.name} ({p.agb_code})" if p.agb_code else p.name) for p in providers]


class InboxFilterForm(forms.Form):
    WAITING, ALL = "waiting", "all"
    tab = forms.ChoiceField(required=False, choices=[(WAITING, _("Waiting for me")), (ALL, _("All reports"))],
                            widget=forms.HiddenInput)
    q = forms.CharField(label=_("Provider or AGB code"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    quarter = forms.TypedChoiceField(label=_("Quarter"), required=False, coerce=int, empty_value=None,
                                     choices=[("", _("All")), *QUARTER_CHOICES])
    provider = forms.TypedChoiceField(label=_("Provider"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, providers: list[Organization], years: set[int], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        statuses = [(v, label) for v, label in ProviderReport.Status.choices if v != ProviderReport.Status.DRAFT]
        self.fields["status"].choices = [("", _("All")), *statuses]
        self.fields["year"].choices = [("", _("All")), *year_choices(years)]
        self.fields["provider"].choices = [("", _("All")), *provider_choices(providers)]

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "waiting_only": data.get("tab", "") != self.ALL,
            "status": data.get("status") or "",
            "year": data.get("year"),
            "quarter": data.get("quarter"),
            "provider_id": data.get("provider"),
            "search": (data.get("q") or "").strip(),
        }


def _section_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Section"), choices=SECTIONS)


def _body_field(label: str) -> forms.CharField:
    return forms.CharField(label=label, max_length=MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 4}))


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=300,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ClarifyForm(forms.Form):
    section = _section_field()
    body = _body_field(_("Your question to the provider"))


class CommentForm(forms.Form):
    section = _section_field()
    body = _body_field(_("Comment"))


class PeriodForm(forms.Form):
    """A year and a quarter, or the whole year (annual reports) with quarter empty."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    quarter = forms.TypedChoiceField(label=_("Period"), required=False, coerce=int, empty_value=None,
                                     choices=[*QUARTER_CHOICES, ("", _("Whole year (annual report)"))])

    def __init__(self, *args, years: set[int], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices(years)

    def period(self) -> tuple[int, int | None]:
        if self.is_valid():
            return self.cleaned_data["year"], self.cleaned_data["quarter"]
        year, quarter = default_period()
        return year, quarter


class CompareForm(PeriodForm):
    PROVIDERS, PERIODS = "providers", "periods"
    mode = forms.ChoiceField(label=_("Compare"), required=False,
                             choices=[(PROVIDERS, _("Providers in one period")),
                                      (PERIODS, _("Periods of one provider"))])
    providers = forms.TypedMultipleChoiceField(label=_("Providers"), required=False, coerce=int,
                                               widget=forms.SelectMultiple(attrs={"size": 6}),
                                               help_text=_("None chosen: all contracted providers."))
    provider = forms.TypedChoiceField(label=_("Provider"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, providers: list[Organization], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["providers"].choices = provider_choices(providers)
        self.fields["provider"].choices = [("", "—"), *provider_choices(providers)]


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, years: set[int], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All")), *year_choices(years)]
