"""Team pages: the list of teams, a team with its employees, the team and employee forms,
and the organisation's cost per hour per function level.

Who may do what (MANAGE_TEAMS: admins and team managers):
- team managers see and change only the teams they are a member of (`visible_teams`),
  their employees, and may move an employee only between those teams; admins all teams;
- creating a team is an organisational decision (it decides who sees which clients), so
  it also needs MANAGE_MEMBERS, which only admins have; a team manager gets 403. This
  stays inside the one permission matrix (roles.py) instead of checking role names here;
- the rates per function level are organisation-wide; both roles may change them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Sum
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clients.models import Client
from clients.selectors import visible_teams
from teams.forms import EmployeeForm, LevelRatesForm, TeamForm
from teams.models import FUNCTION_LEVELS, Employee
from teams.selectors import access_employee_by_id, access_team_by_id, level_rates
from teams.services import employee_save, level_rates_save, team_save
from vpt.core.forms import add_errors
from vpt.tenancy.decorators import requires
from vpt.tenancy.models import Membership, Team
from vpt.tenancy.roles import MATRIX, Perm, Role

LEVELS = [level for level, _label in FUNCTION_LEVELS]
ZERO = Decimal(0)


# --- reads of these pages (bounded queries) --------------------------------------------------


@dataclass
class LevelCount:
    level: int
    employees: int = 0
    contract_hours: Decimal = ZERO


@dataclass
class TeamRow:
    team: Team
    levels: list[LevelCount]
    clients_in_care: int = 0

    @property
    def employees(self) -> int:
        return sum(lv.employees for lv in self.levels)

    @property
    def contract_hours(self) -> Decimal:
        return sum((lv.contract_hours for lv in self.levels), ZERO)


def _level_counts(rows: dict[int, LevelCount]) -> list[LevelCount]:
    return [rows.get(level) or LevelCount(level=level) for level in LEVELS]


def team_overview(membership: Membership) -> list[TeamRow]:
    """The visible teams with their active employees and contract hours per function level
    and their clients in care today: three queries, whatever the number of teams."""
    teams = list(visible_teams(membership).select_related("manager__user").order_by("name", "pk"))
    ids = [t.pk for t in teams]
    staff: dict[int, dict[int, LevelCount]] = {t.pk: {} for t in teams}
    for row in (
        Employee.objects.filter(organization=membership.organization, team_id__in=ids, is_active=True)
        .values("team_id", "function_level")
        .annotate(n=Count("pk"), hours=Sum("contract_hours"))
        .order_by()
    ):
        staff[row["team_id"]][row["function_level"]] = LevelCount(row["function_level"], row["n"], row["hours"] or ZERO)
    in_care = dict(
        Client.objects.filter(organization=membership.organization, primary_team_id__in=ids)
        .in_care_on(timezone.localdate())
        .values("primary_team_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("primary_team_id", "n")
    )
    return [TeamRow(team=t, levels=_level_counts(staff[t.pk]), clients_in_care=in_care.get(t.pk, 0)) for t in teams]


@dataclass
class EmployeeRow:
    employee: Employee
    cost_per_hour: Decimal | None
    from_rate_table: bool  # no own cost: the organisation's rate for the level


@dataclass
class TeamStaff:
    rows: list[EmployeeRow]
    levels: list[LevelCount] = field(default_factory=list)  # active employees only

    @property
    def active(self) -> int:
        return sum(lv.employees for lv in self.levels)

    @property
    def contract_hours(self) -> Decimal:
        return sum((lv.contract_hours for lv in self.levels), ZERO)


def team_staff(team: Team) -> TeamStaff:
    """The team's employees (active first) with their cost per hour, own or from the rate
    table, and totals per function level of the active ones: two queries."""
    rates = level_rates(team.organization_id)
    employees = (
        Employee.objects.filter(organization_id=team.organization_id, team=team)
        .select_related("membership__user")
        .order_by("-is_active", Lower("last_name"), Lower("first_name"), "pk")
    )
    rows, totals = [], {level: LevelCount(level=level) for level in LEVELS}
    for e in employees:
        rows.append(EmployeeRow(employee=e, cost_per_hour=e.cost_per_hour(rates), from_rate_table=e.hourly_cost is None))
        if e.is_active:
            totals[e.function_level].employees += 1
            totals[e.function_level].contract_hours += e.contract_hours
    return TeamStaff(rows=rows, levels=[totals[level] for level in LEVELS])


def can_create_teams(membership: Membership) -> bool:
    return membership.has_perm(Perm.MANAGE_TEAMS) and membership.has_perm(Perm.MANAGE_MEMBERS)


# --- teams ----------------------------------------------------------------------------------


@requires(Perm.MANAGE_TEAMS)
def team_list(request: HttpRequest) -> HttpResponse:
    rows = team_overview(request.membership)
    totals = _level_counts({})
    for row in rows:
        for total, lv in zip(totals, row.levels, strict=True):
            total.employees += lv.employees
            total.contract_hours += lv.contract_hours
    return render(request, "teams/team_list.html", {
        "rows": rows, "totals": totals, "levels": LEVELS,
        "total_employees": sum(t.employees for t in totals),
        "total_hours": sum((t.contract_hours for t in totals), ZERO),
        "total_clients": sum(r.clients_in_care for r in rows),
        "can_create": can_create_teams(request.membership),
    })


@requires(Perm.MANAGE_TEAMS)
def team_create(request: HttpRequest) -> HttpResponse:
    if not can_create_teams(request.membership):
        raise PermissionDenied
    form = TeamForm(request.POST or None, membership=request.membership)
    if request.method == "POST" and form.is_valid():
        try:
            team = team_save(acting=request.membership, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Team %(name)s has been created. Next: its employees.") % {"name": team.name})
            return redirect("teams:detail", team_id=team.pk)
    return render(request, "teams/team_form.html", {"form": form, "team": None})


@requires(Perm.MANAGE_TEAMS)
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    team = access_team_by_id(request, team_id)
    initial = {"name": team.name, "district": team.district, "manager": team.manager_id}
    form = TeamForm(request.POST or None, membership=request.membership, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            team_save(acting=request.membership, team=team, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("teams:detail", team_id=team.pk)
    return render(request, "teams/team_form.html", {"form": form, "team": team})


@requires(Perm.MANAGE_TEAMS)
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    team = access_team_by_id(request, team_id)
    staff = team_staff(team)
    members = list(team.members.select_related("user").order_by("user__first_name", "user__last_name", "pk"))
    clients_in_care = Client.objects.filter(organization=team.organization_id, primary_team=team).in_care_on(
        timezone.localdate()).count()
    return render(request, "teams/team_detail.html", {
        "team": team, "staff": staff, "members": members, "clients_in_care": clients_in_care,
        "missing_rates": sorted({r.employee.function_level for r in staff.rows if r.cost_per_hour is None}),
    })


# --- employees ------------------------------------------------------------------------------


@requires(Perm.MANAGE_TEAMS)
def employee_create(request: HttpRequest) -> HttpResponse:
    team_param = request.GET.get("team", "")
    team = access_team_by_id(request, int(team_param)) if team_param.isdigit() else None
    initial = {"team": team.pk if team else None, "is_active": True}
    form = EmployeeForm(request.POST or None, membership=request.membership, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            employee = employee_save(acting=request.membership, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s has been added to %(team)s.") % {
                "name": employee.full_name, "team": employee.team})
            return redirect("teams:detail", team_id=employee.team_id)
    return render(request, "teams/employee_form.html", {"form": form, "employee": None, "team": team})


@requires(Perm.MANAGE_TEAMS)
def employee_edit(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = access_employee_by_id(request, employee_id)
    form = EmployeeForm(request.POST or None, membership=request.membership, employee=employee,
                        initial=EmployeeForm.initial_for(employee))
    if request.method == "POST" and form.is_valid():
        try:
            employee_save(acting=request.membership, employee=employee, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("teams:detail", team_id=employee.team_id)
    return render(request, "teams/employee_form.html", {"form": form, "employee": employee, "team": employee.team})


# --- rates per function level ---------------------------------------------------------------


def roles_with(perm: Perm) -> list[str]:
    """The labels of the roles that have `perm`, from the one permission matrix."""
    return [str(Role(role).label) for role, perms in MATRIX.items() if perm in perms]


@requires(Perm.MANAGE_TEAMS)
def rates(request: HttpRequest) -> HttpResponse:
    org = request.organization
    current = level_rates(org.pk)
    form = LevelRatesForm(request.POST or None, initial={f"level_{lv}": current.get(lv) for lv in LEVELS})
    if request.method == "POST" and form.is_valid():
        try:
            level_rates_save(acting=request.membership, rates=form.rates(), request=request)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The rates have been saved."))
            return redirect("teams:rates")
    # How many active employees of the organisation use the table (no own cost per hour).
    using = dict(
        Employee.objects.filter(organization=org, is_active=True, hourly_cost__isnull=True)
        .values("function_level").annotate(n=Count("pk")).order_by().values_list("function_level", "n")
    )
    for lv in LEVELS:
        n = using.get(lv, 0)
        form.fields[f"level_{lv}"].help_text = (
            ngettext("Used for %(n)d active employee.", "Used for %(n)d active employees.", n) % {"n": n}
            if lv in current else _("Not set.")
        )
    return render(request, "teams/rates.html", {"form": form, "may_change": roles_with(Perm.MANAGE_TEAMS)})
