from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.models import Client, EligibilityAssessment, NetworkMember, WlzIndication
from clients.selectors import visible_teams
from clients.validation import clean_bsn, clean_postcode
from vpt.tenancy.models import Membership, Team
from vpt.tenancy.roles import Role
from vpt.wlz import codes


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(format="%Y-%m-%d", **kwargs)


class ClientFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("Name, BSN (or last digits), postcode"), "type": "search"}))
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("All teams"))
    zorgprofiel = forms.ChoiceField(label=_("Zorgprofiel"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All statuses")), *Client.Status.choices])
    expiring = forms.BooleanField(label=_("Indication expiring within 60 days"), required=False)

    def __init__(self, *args, membership: Membership, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = visible_teams(membership)
        self.fields["zorgprofiel"].choices = [("", _("All profiles"))] + [
            (c, codes.zorgprofiel_short(c)) for c in codes.TARGET_ZORGPROFIELEN
        ]


class ClientForm(forms.ModelForm):
    # Declared (not from Meta): a model field's default form field would query Team
    # outside a tenant scope when the class is built.
    primary_team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    bsn = forms.CharField(label=_("BSN"), max_length=11, help_text=_("9 digits; checked with the elfproef."))
    id_document_number = forms.CharField(label=_("Document number"), max_length=30, required=False)

    class Meta:
        model = Client
        fields = [
            "first_name", "name_prefix", "last_name", "date_of_birth", "bsn", "id_document_type",
            "id_document_number", "street", "house_number", "house_number_suffix", "postcode", "city",
            "district", "phone", "gp_name", "gp_phone", "client_coach",
        ]
        widgets = {"date_of_birth": DateInput()}

    def __init__(self, *args, membership: Membership, editing: bool = False, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["primary_team"].queryset = visible_teams(membership)
        self.fields["client_coach"].queryset = (
            Membership.objects.filter(
                organization=membership.organization, is_active=True, role__in=[Role.CLIENT_COACH, Role.TEAM_MANAGER]
            )
            .select_related("user")
            .order_by("user__first_name", "user__last_name")
        )
        self.fields["client_coach"].label_from_instance = lambda m: m.user.get_full_name() or m.user.username
        if editing:
            # The BSN is shown masked; leaving the field empty keeps it.
            self.fields["bsn"].required = False
            self.fields["bsn"].help_text = _("Leave empty to keep the current BSN.")
            self.fields["id_document_number"].help_text = _("Leave empty to keep the current number.")
            self.fields.pop("primary_team")

    def clean_bsn(self) -> str:
        value = self.cleaned_data["bsn"]
        return clean_bsn(value) if value else ""

    def clean_postcode(self) -> str:
        return clean_postcode(self.cleaned_data["postcode"])

    def clean_date_of_birth(self):  # noqa: ANN201
        from django.utils import timezone

        dob = self.cleaned_data["date_of_birth"]
        if dob and dob >= timezone.localdate():
            raise forms.ValidationError(_("The date of birth must lie in the past."))
        return dob


class IndicationForm(forms.ModelForm):
    end_previous = forms.BooleanField(
        label=_("End the previous indication the day before this one starts"), required=False
    )

    class Meta:
        model = WlzIndication
        fields = ["zorgprofiel", "leveringsvorm", "valid_from", "valid_to", "with_behandeling", "ciz_reference", "note"]
        widgets = {"valid_from": DateInput(), "valid_to": DateInput()}

    def clean(self) -> dict:
        data = super().clean()
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", _("The end date is before the start date."))
        return data


class IndicationEditForm(forms.ModelForm):
    class Meta:
        model = WlzIndication
        fields = ["valid_to", "ciz_reference", "note"]
        widgets = {"valid_to": DateInput()}


class NetworkMemberForm(forms.ModelForm):
    class Meta:
        model = NetworkMember
        fields = ["name", "relation", "phone", "email", "tasks", "availability", "hours_per_week",
                  "is_contact_person", "consent_to_share", "note"]
        widgets = {"tasks": forms.Textarea(attrs={"rows": 3}), "note": forms.Textarea(attrs={"rows": 2})}


YES_NO = [(True, _("Yes")), (False, _("No"))]


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = EligibilityAssessment
        fields = [
            "assessed_on",
            *[name for name, _label in EligibilityAssessment.CONDITIONS],
            *[name for name, _label in EligibilityAssessment.LIMITS],
            *[name for name, _label in EligibilityAssessment.SIGNALS],
            "notes", "decision", "conditions", "reassess_on",
        ]
        widgets = {
            "assessed_on": DateInput(),
            "reassess_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "conditions": forms.Textarea(attrs={"rows": 2}),
            "decision": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        labels = dict(EligibilityAssessment.CONDITIONS + EligibilityAssessment.LIMITS + EligibilityAssessment.SIGNALS)
        for name, label in labels.items():
            # Every item must be answered: a radio yes/no, not a checkbox that defaults to no.
            self.fields[name] = forms.TypedChoiceField(
                label=label, choices=YES_NO, coerce=lambda v: v in (True, "True"), widget=forms.RadioSelect
            )
        # A decision is a deliberate choice: no preselected blank option.
        self.fields["decision"].choices = EligibilityAssessment.Decision.choices

    def checklist_groups(self) -> list[tuple[str, list]]:
        def group(items) -> list:  # noqa: ANN001
            return [self[name] for name, _label in items]

        return [
            (_("Conditions"), group(EligibilityAssessment.CONDITIONS)),
            (_("Limits"), group(EligibilityAssessment.LIMITS)),
            (_("Warning signals (home may no longer work)"), group(EligibilityAssessment.SIGNALS)),
        ]


class StartCareForm(forms.Form):
    start = forms.DateField(label=_("Start of care"), widget=DateInput())


class EndCareForm(forms.Form):
    end = forms.DateField(label=_("End of care"), widget=DateInput())
    reason = forms.ChoiceField(label=_("Reason"), choices=Client.EndReason.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
