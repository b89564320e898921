"""Forms of the provider's report pages: make a report, filter the list, submit, resubmit,
answer a comment. Parsing only; the rules are in reports.services."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.models import ProviderReport
from vpt.tenancy.models import Contract, Organization

YEAR = "year"
PERIOD_CHOICES = [
    ("1", _("Quarter 1 (January–March)")),
    ("2", _("Quarter 2 (April–June)")),
    ("3", _("Quarter 3 (July–September)")),
    ("4", _("Quarter 4 (October–December)")),
    (YEAR, _("Whole year")),
]
MAX_MESSAGE = 4000


class ContractChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Contract) -> str:
        return f"{obj.zorgkantoor.name} {obj.year}"


class ReportCreateForm(forms.Form):
    contract = ContractChoiceField(label=_("Contract"), queryset=Contract.objects.none(),
                                   empty_label=None,
                                   help_text=_("The zorgkantoor and year the report is for."))
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES)

    def __init__(self, *args, organization: Organization, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        contracts = (Contract.objects.filter(organization=organization).select_related("zorgkantoor")
                     .order_by("-year", "zorgkantoor__name"))
        self.fields["contract"].queryset = contracts
        if not self.is_bound:
            # The last quarter that has ended, under the contract of its year.
            today = timezone.localdate()
            quarter, year = (today.month - 1) // 3, today.year
            if quarter == 0:
                quarter, year = 4, year - 1
            contract = next((c for c in contracts if c.year == year), None)
            self.initial.setdefault("period", str(quarter))
            if contract is not None:
                self.initial.setdefault("contract", contract.pk)

    def quarter(self) -> int | None:
        period = self.cleaned_data["period"]
        return None if period == YEAR else int(period)


class ReportFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All")), *ProviderReport.Status.choices])
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, organization: Organization, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        years = (ProviderReport.objects.filter(organization=organization).order_by("-year")
                 .values_list("year", flat=True).distinct())
        self.fields["year"].choices = [("", _("All")), *((str(y), str(y)) for y in years)]


class SubmitForm(forms.Form):
    message = forms.CharField(label=_("Message to the zorgkantoor (optional)"), required=False,
                              max_length=MAX_MESSAGE, widget=forms.Textarea(attrs={"rows": 3}))


class ResubmitForm(forms.Form):
    message = forms.CharField(label=_("What did you clarify or change?"), max_length=MAX_MESSAGE,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"required": _("Tell the zorgkantoor what you clarified or changed.")})
    recompute = forms.BooleanField(label=_("Recompute the figures from current data"), required=False,
                                   help_text=_("Leave unticked to resubmit the figures of the last version unchanged."))


class AnswerForm(forms.Form):
    # Emptiness is the service's to refuse (one message for every way in).
    body = forms.CharField(label=_("Answer"), required=False, max_length=MAX_MESSAGE,
                           widget=forms.Textarea(attrs={"rows": 3}))
