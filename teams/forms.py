"""Forms of the team pages and the fixed-faces page.

Plain forms (not ModelForms): a ModelForm writes its cleaned data onto the instance before
the service runs, and `employee_save` needs the employee as it was (its old team) to move
a linked account along. Choices that depend on the organisation are set per request; the
querysets at class level are empty so that building the class never queries a tenant table.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clients.forms import DateInput
from clients.models import Client
from clients.selectors import visible_teams
from teams.models import FUNCTION_LEVELS, Employee, FixedFace
from teams.selectors import visible_employees
from teams.services_assignments import COACH_ROLES
from vpt.tenancy.models import Membership, Team
from vpt.tenancy.roles import Role


def membership_label(membership: Membership) -> str:
    name = membership.user.get_full_name() or membership.user.username
    return f"{name} ({membership.get_role_display()})"


class MembershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return membership_label(obj)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    district = forms.CharField(label=_("District (wijk)"), max_length=100, required=False)
    manager = MembershipChoiceField(
        label=_("Team manager"), queryset=Membership.objects.none(), required=False, empty_label=_("— none —"),
        help_text=_("A team manager or admin of the organisation; they become a member of the team and see its clients."),
    )

    def __init__(self, *args, membership: Membership, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = (
            Membership.objects.filter(
                organization=membership.organization, is_active=True, role__in=[Role.TEAM_MANAGER, Role.ADMIN]
            )
            .select_related("user")
            .order_by("user__first_name", "user__last_name", "pk")
        )


def _model_field(name: str, **overrides) -> forms.Field:  # noqa: ANN003
    """The form field of an Employee model field: same label, choices and validators."""
    return Employee._meta.get_field(name).formfield(**overrides)


class EmployeeForm(forms.Form):
    first_name = _model_field("first_name")
    last_name = _model_field("last_name")
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none())
    role = _model_field("role")
    function_level = _model_field("function_level")
    # The model's validators do not travel to the form field: repeat the bounds here.
    contract_hours = _model_field("contract_hours", min_value=Decimal(0), max_value=Decimal(60))
    hourly_cost = _model_field("hourly_cost", min_value=Decimal(0))
    membership = MembershipChoiceField(
        label=_("User account"), queryset=Membership.objects.none(), required=False, empty_label=_("— no account —"),
        help_text=_("Links the employee to someone who logs in: the account becomes a member of the team and "
                    "sees its clients. Moving the employee to another team moves the account along."),
    )
    is_active = _model_field("is_active", required=False)

    def __init__(self, *args, membership: Membership, employee: Employee | None = None, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = visible_teams(membership).order_by("name")
        free = Q(employee__isnull=True)
        if employee is not None:
            free |= Q(employee=employee)
        self.fields["membership"].queryset = (
            Membership.objects.filter(organization=membership.organization, is_active=True)
            .filter(free)
            .select_related("user")
            .order_by("user__first_name", "user__last_name", "pk")
        )
        self.fields["hourly_cost"].help_text = _("Leave empty to use the organisation's rate for the function level.")

    @staticmethod
    def initial_for(employee: Employee) -> dict:
        return {
            "first_name": employee.first_name, "last_name": employee.last_name, "team": employee.team_id,
            "role": employee.role, "function_level": employee.function_level,
            "contract_hours": employee.contract_hours, "hourly_cost": employee.hourly_cost,
            "membership": employee.membership_id, "is_active": employee.is_active,
        }


def _rate_field(level: int) -> forms.DecimalField:
    return forms.DecimalField(
        label=_("Level %(level)s") % {"level": level}, required=False, min_value=Decimal(0),
        max_digits=7, decimal_places=2, widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class LevelRatesForm(forms.Form):
    """Cost per hour per function level; an empty field removes the rate."""

    LEVELS = [level for level, _label in FUNCTION_LEVELS]

    level_2 = _rate_field(2)
    level_3 = _rate_field(3)
    level_4 = _rate_field(4)

    def rates(self) -> dict[int, Decimal | None]:
        return {level: self.cleaned_data.get(f"level_{level}") for level in self.LEVELS}


class EmployeeChoiceField(forms.ChoiceField):
    """Offers the employees that are not yet a fixed face, but accepts any visible active
    employee, so that a stale form adding someone twice gets the service's clear message
    rather than "not a valid choice"."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.employees: dict[str, Employee] = {}

    def valid_value(self, value: str) -> bool:
        return str(value) in self.employees

    def clean(self, value: str) -> Employee | None:
        value = super().clean(value)
        return self.employees.get(str(value)) if value else None


def employee_label(employee: Employee) -> str:
    return _("%(name)s · %(role)s, level %(level)s") % {
        "name": employee.full_name, "role": employee.get_role_display(), "level": employee.function_level,
    }


class FixedFaceAddForm(forms.Form):
    employee = EmployeeChoiceField(label=_("Employee"))
    since = forms.DateField(label=_("Since"), required=False, widget=DateInput(),
                            help_text=_("Empty: today."))

    def __init__(self, *args, membership: Membership, client: Client, faces: Iterable[FixedFace], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        employees = list(
            visible_employees(membership).filter(is_active=True).select_related("team")
            .order_by("team__name", "last_name", "first_name", "pk")
        )
        current = {face.employee_id for face in faces}
        field: EmployeeChoiceField = self.fields["employee"]
        field.employees = {str(e.pk): e for e in employees}
        own = [(e.pk, employee_label(e)) for e in employees if e.team_id == client.primary_team_id and e.pk not in current]
        others = [(e.pk, f"{employee_label(e)} ({e.team})") for e in employees
                  if e.team_id != client.primary_team_id and e.pk not in current]
        choices: list = [("", _("— choose an employee —"))]
        if own:
            choices.append((_("Team %(team)s") % {"team": client.primary_team}, own))
        if others:
            choices.append((_("Other teams"), others))
        field.choices = choices
        self.has_choices = bool(own or others)


class ClientCoachForm(forms.Form):
    coach = MembershipChoiceField(
        label=_("Change to"), queryset=Membership.objects.none(), required=False,
        empty_label=_("— no primary coach —"),
        help_text=_("A client coach or team manager who is a member of the client's team."),
    )

    def __init__(self, *args, client: Client, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        # The current coach stays selectable even if no longer eligible, so the form shows
        # the truth; the service refuses to set an ineligible one again.
        eligible = Q(teams=client.primary_team, is_active=True, role__in=list(COACH_ROLES))
        if client.client_coach_id:
            eligible |= Q(pk=client.client_coach_id)
        self.fields["coach"].queryset = (
            Membership.objects.filter(organization=client.organization)
            .filter(eligible)
            .distinct()
            .select_related("user")
            .order_by("user__first_name", "user__last_name", "pk")
        )
