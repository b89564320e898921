from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import CareNotification
from billing.selectors import prestatie_choices, zorgkantoren
from vpt.tenancy.models import Organization
from vpt.wlz import codes
from vpt.wlz.models import Tariff


class TariffFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    component = forms.ChoiceField(label=_("Component"), required=False,
                                  choices=[("", _("All components")), *Tariff.Component.choices])

    def __init__(self, *args, years: list[int], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]


def contracted_product_choices() -> list[tuple[str, str]]:
    return [(code, codes.zorgprofiel_short(code)) for code in codes.TARGET_ZORGPROFIELEN]


class ContractTermsForm(forms.Form):
    products = forms.MultipleChoiceField(
        label=_("Contracted products"), widget=forms.CheckboxSelectMultiple, choices=contracted_product_choices,
        help_text=_("The zorgprofielen you are contracted to deliver as VPT."),
    )
    percentage = forms.DecimalField(label=_("Percentage of the NZa maximum"), max_digits=5, decimal_places=2,
                                    help_text=_("More than 0 and at most 100, e.g. 96.5."))
    production_agreement = forms.DecimalField(label=_("Production agreement (EUR)"), max_digits=12, decimal_places=2)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ContractCreateForm(ContractTermsForm):
    zorgkantoor = forms.ModelChoiceField(label=_("Zorgkantoor"), queryset=Organization.objects.none())
    year = forms.IntegerField(label=_("Year"))

    field_order = ["zorgkantoor", "year", "percentage", "production_agreement", "products", "note"]

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["zorgkantoor"].queryset = zorgkantoren()


class ContractTariffForm(forms.Form):
    prestatiecode = forms.ChoiceField(label=_("Prestatie"))
    amount = forms.DecimalField(label=_("Agreed amount per day (EUR)"), max_digits=9, decimal_places=2)

    def __init__(self, *args, year: int, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["prestatiecode"].choices = [("", "—"), *prestatie_choices(year)]


class ContractTariffRemoveForm(forms.Form):
    prestatiecode = forms.CharField(max_length=20)


class CareNotificationFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Message"), required=False,
                             choices=[("", _("All messages")), *CareNotification.Kind.choices])
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *CareNotification.Status.choices])
