"""Forms of the menu card pages. Plain forms: the rules live in arrangements.services.menu."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from arrangements.models import MenuItem
from clients.forms import DateInput


def _model_field(name: str, **kwargs) -> forms.Field:  # noqa: ANN003
    return MenuItem._meta.get_field(name).formfield(**kwargs)


class MenuFilterForm(forms.Form):
    history = forms.BooleanField(label=_("Show ended versions and price history"), required=False)


class MenuItemCreateForm(forms.Form):
    name = _model_field("name")
    code = _model_field("code", required=False, help_text=_("Short unique key, e.g. personal-care-l2. Made from the name when left empty."))
    kind = _model_field("kind")
    unit = _model_field("unit")
    function_level = _model_field("function_level", help_text=_("Required for hours per week: the level of the staff who deliver it."))
    cost_price = _model_field("cost_price", help_text=_("For hours: the cost of one hour at the function level."))
    default_quantity = _model_field("default_quantity", help_text=_("Proposed quantity in a new arrangement (hours per week, days, times per month)."))
    is_fixed = _model_field("is_fixed")
    description = _model_field("description", widget=forms.Textarea(attrs={"rows": 2}))
    active_from = _model_field("active_from", widget=DateInput())


class MenuItemUpdateForm(forms.Form):
    name = _model_field("name")
    description = _model_field("description", widget=forms.Textarea(attrs={"rows": 2}))
    default_quantity = _model_field("default_quantity")
    is_fixed = _model_field("is_fixed")


class PriceChangeForm(forms.Form):
    cost_price = _model_field("cost_price", label=_("New cost price (EUR per unit)"))
    active_from = forms.DateField(label=_("From"), widget=DateInput(),
                                  help_text=_("The current price ends the day before."))


class DeactivateForm(forms.Form):
    active_to = forms.DateField(label=_("Last day on the card"), widget=DateInput(),
                                help_text=_("Existing arrangements keep their lines; new ones can no longer choose it."))


class LoadDefaultsForm(forms.Form):
    active_from = forms.DateField(label=_("Prices valid from"), widget=DateInput())
