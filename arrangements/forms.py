"""Forms of the arrangement pages. They parse input; the rules live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from arrangements import selectors
from arrangements.models import Arrangement, ArrangementLine, MenuItem
from clients.forms import DateInput
from clients.models import Client


class ArrangementCreateForm(forms.Form):
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    copy_from = forms.ModelChoiceField(
        label=_("Start from"), queryset=Arrangement.objects.none(), required=False,
        empty_label=_("An empty arrangement (fixed elements only)"),
    )
    includes_dagbesteding = forms.BooleanField(
        label=_("We run the day activities (dagbesteding)"), required=False, initial=True,
        help_text=_("Untick when another provider runs the day activities; the day tariff is then lower."),
    )

    def __init__(self, *args, client: Client, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        versions = selectors.arrangement_versions(client).exclude(status=Arrangement.Status.DRAFT)
        self.fields["copy_from"].queryset = versions
        self.fields["copy_from"].label_from_instance = lambda a: _("A copy of version %(version)s (from %(day)s)") % {
            "version": a.version, "day": a.valid_from.strftime("%d-%m-%Y"),
        }


class LineAddForm(forms.Form):
    menu_item = forms.ModelChoiceField(label=_("Menu item"), queryset=MenuItem.objects.none(), empty_label=_("Choose…"))
    quantity = forms.DecimalField(
        label=_("Quantity"), required=False, max_digits=7, decimal_places=2, min_value=0,
        help_text=_("Empty: the item's default quantity."),
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
    )
    delivered_by = forms.ChoiceField(label=_("Delivered by"), choices=ArrangementLine.DeliveredBy.choices,
                                     initial=ArrangementLine.DeliveredBy.TEAM)
    subcontractor = forms.CharField(label=_("Subcontractor"), max_length=120, required=False,
                                    help_text=_("Only for a subcontractor: who delivers it."))

    def __init__(self, *args, arrangement: Arrangement, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        field = self.fields["menu_item"]
        field.queryset = selectors.menu_choices(arrangement.organization, arrangement.valid_from)
        field.label_from_instance = lambda item: f"{item.name} ({item.get_unit_display()})"

    def clean(self) -> dict:
        data = super().clean()
        if data.get("quantity") is None and data.get("menu_item") is not None:
            data["quantity"] = data["menu_item"].default_quantity
        return data


class LineUpdateForm(forms.Form):
    """The inline edit of one line in the builder (prefixed per line, so ids stay unique)."""

    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=7, decimal_places=2, min_value=0,
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
    )
    delivered_by = forms.ChoiceField(label=_("Delivered by"), choices=ArrangementLine.DeliveredBy.choices)
    subcontractor = forms.CharField(label=_("Subcontractor"), max_length=120, required=False)

    @classmethod
    def for_line(cls, line: ArrangementLine, data=None) -> LineUpdateForm:  # noqa: ANN001
        initial = {"quantity": line.quantity, "delivered_by": line.delivered_by, "subcontractor": line.subcontractor}
        return cls(data, prefix=f"line-{line.pk}", initial=initial)


class ActivateForm(forms.Form):
    justification = forms.CharField(
        label=_("Justification for exceeding the tariff"), required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when the arrangement costs more per day than the tariff."),
    )
    agreed_on = forms.DateField(label=_("Agreed with the client on"), required=False, widget=DateInput())

    def __init__(self, *args, over_budget: bool = False, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        if over_budget:
            # Shown as required; the service enforces it (also for callers without a form).
            self.fields["justification"].widget.attrs["aria-required"] = "true"
            self.fields["justification"].help_text = _("Required: the arrangement costs more per day than the tariff.")
