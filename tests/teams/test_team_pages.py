"""The team pages: list, team, employee forms and the rates per function level, through the
pages (POST) with the database checked; who may do what; the list's query count."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from teams.models import Employee, LevelRate
from tests.factories import ClientFactory, EmployeeFactory, LevelRateFactory, TeamFactory
from vpt.audit.models import AccessLog
from vpt.tenancy.models import Team
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope


@pytest.fixture(autouse=True)
def english():  # noqa: ANN201
    """Messages are asserted in their English source text (the UI default is Dutch)."""
    with translation.override("en"):
        yield


def team_named(org, name: str) -> Team | None:  # noqa: ANN001
    with tenant_scope(org):
        return Team.objects.filter(organization=org, name=name).select_related("manager").first()


def member_ids(org, team: Team) -> set[int]:  # noqa: ANN001
    with tenant_scope(org):
        return set(Team.objects.filter(organization=org, pk=team.pk).values_list("members", flat=True)) - {None}


def reload(org, employee: Employee) -> Employee:  # noqa: ANN001
    with tenant_scope(org):
        return Employee.objects.filter(organization=org, pk=employee.pk).select_related("team", "membership").first()


def employee_data(team: Team, **overrides) -> dict:  # noqa: ANN003
    return {"first_name": "Fenna", "last_name": "de Vries", "team": team.pk, "role": Employee.Role.CLIENT_SUPPORT,
            "function_level": 2, "contract_hours": "24", "hourly_cost": "", "membership": "", "is_active": "on",
            **overrides}


# --- teams ---------------------------------------------------------------------------------


def test_admin_creates_a_team_with_a_manager(org_a, admin_a, manager_north):  # noqa: ANN001
    response = admin_a.client.post(reverse("teams:create"), {
        "name": "Team Oost", "district": "Oost", "manager": manager_north.membership.pk})
    team = team_named(org_a, "Team Oost")
    assert team is not None
    assert response.status_code == 302 and response["Location"] == reverse("teams:detail", args=[team.pk])
    assert (team.district, team.manager_id) == ("Oost", manager_north.membership.pk)
    assert manager_north.membership.pk in member_ids(org_a, team)  # the manager sees its clients
    with tenant_scope(org_a):
        assert AccessLog.objects.filter(object_type="tenancy.team", object_id=str(team.pk), action="create").exists()


def test_team_names_are_unique_per_organisation(org_a, admin_a, team_north):  # noqa: ANN001
    response = admin_a.client.post(reverse("teams:create"), {"name": "team noord", "district": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["There is already a team with this name."]
    with tenant_scope(org_a):
        assert Team.objects.filter(organization=org_a).count() == 1


def test_only_team_managers_and_admins_can_manage_a_team(admin_a, coach_north, manager_north):  # noqa: ANN001
    response = admin_a.client.post(reverse("teams:create"), {"name": "Team Oost", "manager": coach_north.membership.pk})
    assert response.status_code == 200 and "manager" in response.context["form"].errors


def test_a_team_manager_cannot_create_teams(manager_north):  # noqa: ANN001
    assert manager_north.client.get(reverse("teams:create")).status_code == 403
    assert manager_north.client.post(reverse("teams:create"), {"name": "Eigen team"}).status_code == 403
    response = manager_north.client.get(reverse("teams:list"))
    assert response.context["can_create"] is False and reverse("teams:create") not in response.content.decode()


def test_team_manager_edits_their_team(org_a, manager_north, team_north):  # noqa: ANN001
    url = reverse("teams:edit", args=[team_north.pk])
    assert manager_north.client.get(url).status_code == 200
    response = manager_north.client.post(url, {"name": "Team Noord-West", "district": "Noord-West",
                                               "manager": manager_north.membership.pk})
    assert response.status_code == 302
    team = team_named(org_a, "Team Noord-West")
    assert team.pk == team_north.pk and team.district == "Noord-West"


def test_team_list_shows_staff_per_level_and_clients(org_a, admin_a, team_north, team_south, manager_north,  # noqa: ANN001
                                                     coach_north, support_north, client_north, client_south):
    EmployeeFactory(organization=org_a, team=team_north, function_level=2, contract_hours=Decimal("16"), is_active=False)
    response = admin_a.client.get(reverse("teams:list"))
    assert response.status_code == 200
    rows = {row.team.name: row for row in response.context["rows"]}
    north = rows["Team Noord"]
    assert [(lv.level, lv.employees, lv.contract_hours) for lv in north.levels] == [
        (2, 1, Decimal("24")), (3, 1, Decimal("28")), (4, 0, Decimal("0"))]  # the inactive one not counted
    assert (north.contract_hours, north.clients_in_care, north.team.manager_id) == (
        Decimal("52"), 1, manager_north.membership.pk)
    assert rows["Team Zuid"].clients_in_care == 1
    body = response.content.decode()
    assert reverse("teams:detail", args=[team_north.pk]) in body and reverse("teams:create") in body


def test_team_manager_sees_only_their_teams(manager_north, team_north, team_south, coach_south):  # noqa: ANN001
    response = manager_north.client.get(reverse("teams:list"))
    assert [row.team for row in response.context["rows"]] == [team_north]
    employee = coach_south.membership.employee
    for url in (reverse("teams:detail", args=[team_south.pk]), reverse("teams:edit", args=[team_south.pk]),
                reverse("teams:employee_edit", args=[employee.pk]),
                reverse("teams:employee_create") + f"?team={team_south.pk}"):
        assert manager_north.client.get(url).status_code == 404, url
    assert manager_north.client.post(reverse("teams:edit", args=[team_south.pk]), {"name": "x"}).status_code == 404


def test_field_staff_get_403(coach_north, team_north):  # noqa: ANN001
    employee = coach_north.membership.employee
    for url in (reverse("teams:list"), reverse("teams:create"), reverse("teams:detail", args=[team_north.pk]),
                reverse("teams:edit", args=[team_north.pk]), reverse("teams:employee_create"),
                reverse("teams:employee_edit", args=[employee.pk]), reverse("teams:rates")):
        assert coach_north.client.get(url).status_code == 403, url
    assert coach_north.client.post(reverse("teams:rates"), {"level_2": "1"}).status_code == 403


def test_team_list_query_count_does_not_grow(org_a, admin_a):  # noqa: ANN001
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_a.client.get(reverse("teams:list")).status_code == 200
        return len(ctx.captured_queries)

    def add_team(i: int) -> None:
        team = TeamFactory(organization=org_a, name=f"Team {i}", manager=admin_a.membership)
        for level in (2, 2, 3, 4):
            EmployeeFactory(organization=org_a, team=team, function_level=level)
        ClientFactory(organization=org_a, primary_team=team, status="in_care", care_start="2025-01-01")

    add_team(0)
    one = count()
    for i in range(1, 5):
        add_team(i)
    assert count() == one
    assert len(admin_a.client.get(reverse("teams:list")).context["rows"]) == 5


# --- a team and its employees ------------------------------------------------------------


def test_team_page_shows_cost_per_hour_own_or_from_the_rates(org_a, admin_a, team_north, coach_north,  # noqa: ANN001
                                                              support_north):
    LevelRateFactory(organization=org_a, function_level=2, cost_per_hour=Decimal("48.00"))
    EmployeeFactory(organization=org_a, team=team_north, first_name="Nina", function_level=4,
                    hourly_cost=Decimal("71.50"), role=Employee.Role.NURSE)
    response = admin_a.client.get(reverse("teams:detail", args=[team_north.pk]))
    assert response.status_code == 200
    rows = {r.employee.first_name: r for r in response.context["staff"].rows}
    assert (rows["Sam"].cost_per_hour, rows["Sam"].from_rate_table) == (Decimal("48.00"), True)
    assert (rows["Nina"].cost_per_hour, rows["Nina"].from_rate_table) == (Decimal("71.50"), False)
    assert rows["Cora"].cost_per_hour is None  # level 3 without a rate
    assert response.context["missing_rates"] == [3]
    staff = response.context["staff"]
    assert [(lv.level, lv.employees, lv.contract_hours) for lv in staff.levels] == [
        (2, 1, Decimal("24")), (3, 1, Decimal("28")), (4, 1, Decimal("24"))]
    body = response.content.decode()
    assert f"/capaciteit/{team_north.pk}/" in body
    assert "€ 48,00" in body or "€ 48.00" in body


def test_create_an_employee_through_the_page(org_a, manager_north, team_north):  # noqa: ANN001
    url = reverse("teams:employee_create") + f"?team={team_north.pk}"
    response = manager_north.client.get(url)
    assert response.status_code == 200 and response.context["form"].initial["team"] == team_north.pk
    response = manager_north.client.post(url, employee_data(team_north, hourly_cost="52.25", contract_hours="30.5"))
    assert response.status_code == 302
    with tenant_scope(org_a):
        employee = Employee.objects.filter(organization=org_a, last_name="de Vries").first()
    assert (employee.team_id, employee.role, employee.function_level, employee.contract_hours, employee.hourly_cost,
            employee.membership_id, employee.is_active) == (
        team_north.pk, "client_support", 2, Decimal("30.5"), Decimal("52.25"), None, True)


def test_employee_form_validates(org_a, manager_north, team_north):  # noqa: ANN001
    response = manager_north.client.post(reverse("teams:employee_create"),
                                         employee_data(team_north, contract_hours="61", function_level="5"))
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"contract_hours", "function_level"}
    with tenant_scope(org_a):
        assert not Employee.objects.filter(organization=org_a, last_name="de Vries").exists()


def test_a_team_manager_cannot_place_an_employee_in_another_team(org_a, manager_north, team_north, team_south):  # noqa: ANN001
    response = manager_north.client.post(reverse("teams:employee_create"), employee_data(team_south))
    assert response.status_code == 200 and "team" in response.context["form"].errors
    with tenant_scope(org_a):
        assert not Employee.objects.filter(organization=org_a, last_name="de Vries").exists()


def test_linked_account_becomes_member_and_moves_with_the_employee(org_a, admin_a, make_persona, team_north,  # noqa: ANN001
                                                                    team_south, manager_north):
    account = make_persona(org_a, Role.CLIENT_SUPPORT).membership
    response = admin_a.client.post(reverse("teams:employee_create"),
                                   employee_data(team_north, membership=account.pk))
    assert response.status_code == 302
    with tenant_scope(org_a):
        employee = Employee.objects.filter(organization=org_a, membership=account).first()
    assert employee.team_id == team_north.pk
    assert account.pk in member_ids(org_a, team_north)

    response = admin_a.client.post(reverse("teams:employee_edit", args=[employee.pk]),
                                   employee_data(team_south, membership=account.pk, first_name="Fenna"))
    assert response.status_code == 302
    assert reload(org_a, employee).team_id == team_south.pk
    assert account.pk in member_ids(org_a, team_south)
    assert account.pk not in member_ids(org_a, team_north)
    assert manager_north.membership.pk in member_ids(org_a, team_north)  # the others stay


def test_an_account_links_to_one_employee_only(org_a, admin_a, team_north, coach_north):  # noqa: ANN001
    response = admin_a.client.get(reverse("teams:employee_create"))
    with tenant_scope(org_a):  # the queryset joins the employees (RLS: inside the tenant)
        offered = set(response.context["form"].fields["membership"].queryset.values_list("pk", flat=True))
    assert coach_north.membership.pk not in offered and admin_a.membership.pk in offered
    response = admin_a.client.post(reverse("teams:employee_create"),
                                   employee_data(team_north, membership=coach_north.membership.pk))
    assert response.status_code == 200 and "membership" in response.context["form"].errors
    with tenant_scope(org_a):
        assert not Employee.objects.filter(organization=org_a, last_name="de Vries").exists()
    # Editing the linked employee keeps its own account selectable.
    employee = coach_north.membership.employee
    response = admin_a.client.get(reverse("teams:employee_edit", args=[employee.pk]))
    with tenant_scope(org_a):
        offered = set(response.context["form"].fields["membership"].queryset.values_list("pk", flat=True))
    assert coach_north.membership.pk in offered


def test_edit_an_employee(org_a, manager_north, support_north, team_north):  # noqa: ANN001
    url = reverse("teams:employee_edit", args=[support_north.pk])
    response = manager_north.client.get(url)
    assert response.status_code == 200 and response.context["form"].initial["first_name"] == "Sam"
    data = employee_data(team_north, first_name="Sam", last_name="Steun", function_level="3",
                         role=Employee.Role.CLIENT_COACH, contract_hours="32")
    del data["is_active"]  # unchecked: no longer active
    assert manager_north.client.post(url, data).status_code == 302
    employee = reload(org_a, support_north)
    assert (employee.function_level, employee.role, employee.contract_hours, employee.is_active) == (
        3, "client_coach", Decimal("32"), False)


# --- rates per function level ------------------------------------------------------------


def rates_of(org) -> dict[int, Decimal]:  # noqa: ANN001
    with tenant_scope(org):
        return dict(LevelRate.objects.filter(organization=org).values_list("function_level", "cost_per_hour"))


def test_rates_page(org_a, admin_a, org_b, admin_b, support_north):  # noqa: ANN001
    LevelRateFactory(organization=org_b, function_level=2, cost_per_hour=Decimal("99.00"))
    admin_a.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = admin_a.client.get(reverse("teams:rates"))
    assert response.status_code == 200
    body = response.content.decode()
    assert len(response.context["may_change"]) == 2  # admins and team managers, from the matrix
    assert "99.00" not in body and "99,00" not in body
    assert response.context["form"].fields["level_2"].help_text == "Not set."

    response = admin_a.client.post(reverse("teams:rates"), {"level_2": "48.50", "level_3": "58", "level_4": ""})
    assert response.status_code == 302
    assert rates_of(org_a) == {2: Decimal("48.50"), 3: Decimal("58.00")}
    fields = admin_a.client.get(reverse("teams:rates")).context["form"].fields
    assert fields["level_2"].help_text == "Used for 1 active employee."  # support_north: no own cost
    assert fields["level_4"].help_text == "Not set."
    assert rates_of(org_b) == {2: Decimal("99.00")}
    response = admin_a.client.post(reverse("teams:rates"), {"level_2": "", "level_3": "60", "level_4": "75"})
    assert rates_of(org_a) == {3: Decimal("60.00"), 4: Decimal("75.00")}


def test_rates_are_validated(org_a, manager_north):  # noqa: ANN001
    LevelRateFactory(organization=org_a, function_level=2, cost_per_hour=Decimal("48.00"))
    response = manager_north.client.post(reverse("teams:rates"), {"level_2": "-1", "level_3": "abc", "level_4": "50"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"level_2", "level_3"}
    assert rates_of(org_a) == {2: Decimal("48.00")}

