from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from vpt.tenancy.models import Membership
from vpt.tenancy.roles import Role


class MemberFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices])


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args, membership: Membership, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        allowed = Membership.roles_for_kind(membership.organization.kind)
        self.fields["role"].choices = [(v, label) for v, label in Role.choices if v in allowed]
