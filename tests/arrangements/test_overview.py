"""The budget overview, the task division and evaluation pages, and the dashboard cards."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from arrangements import selectors_overview
from arrangements.models import Arrangement, Evaluation, MenuItem, TaskAgreement
from clients.models import Client
from tests.factories import (
    ArrangementFactory,
    ArrangementLineFactory,
    ClientFactory,
    ContractFactory,
    MenuItemFactory,
    NetworkMemberFactory,
    RegionFactory,
    TaskAgreementFactory,
    TeamFactory,
    WlzIndicationFactory,
    ZorgkantoorFactory,
)
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope
from vpt.wlz.models import Tariff

TARIFF = Decimal("200.00")


@pytest.fixture
def today():  # noqa: ANN201
    return timezone.localdate()


@pytest.fixture
def nza_tariff(db, today):  # noqa: ANN001, ANN201
    """An illustrative NZa maximum of €200 a day for 5VV (754) with dagbesteding."""
    return Tariff.objects.create(
        prestatiecode="T754TEST", description="5VV test", component=Tariff.Component.BASE, zorgprofiel="754",
        with_behandeling=False, with_dagbesteding=True, amount=TARIFF, valid_from=today - timedelta(days=400),
        valid_to=today + timedelta(days=400), source="test", is_illustrative=True,
    )


@pytest.fixture
def team_north(org_a):  # noqa: ANN001, ANN201
    return TeamFactory(organization=org_a, name="Team Noord")


@pytest.fixture
def team_south(org_a):  # noqa: ANN001, ANN201
    return TeamFactory(organization=org_a, name="Team Zuid")


@pytest.fixture
def manager_north(org_a, team_north, make_persona):  # noqa: ANN001, ANN201
    persona = make_persona(org_a, Role.TEAM_MANAGER)
    team_north.members.add(persona.membership)
    return persona


@pytest.fixture
def coach_north(org_a, team_north, make_persona):  # noqa: ANN001, ANN201
    persona = make_persona(org_a, Role.CLIENT_COACH)
    team_north.members.add(persona.membership)
    return persona


def client_costing(org, team, cost_per_day: str, today, last_name: str) -> Client:  # noqa: ANN001
    """A client in care with a 5VV indication and an active arrangement of one €/day line."""
    client = ClientFactory(organization=org, primary_team=team, last_name=last_name, status=Client.Status.IN_CARE,
                           care_start=today - timedelta(days=100))
    WlzIndicationFactory(organization=org, client=client, zorgprofiel="754", valid_from=today - timedelta(days=200))
    arrangement = ArrangementFactory(organization=org, client=client, status=Arrangement.Status.ACTIVE,
                                     valid_from=today - timedelta(days=50), agreed_on=today - timedelta(days=50))
    item = MenuItemFactory(organization=org, unit=MenuItem.Unit.PER_DAY, function_level=None,
                           cost_price=Decimal(cost_per_day))
    ArrangementLineFactory(organization=org, arrangement=arrangement, menu_item=item, quantity=Decimal("1"))
    return client


# --- budget overview ------------------------------------------------------------------------


def test_budget_sums_for_two_clients_and_the_over_budget_client_first(org_a, org_b, admin_a, team_north, nza_tariff, today):  # noqa: ANN001
    cheap = client_costing(org_a, team_north, "120.00", today, "Zuinig")
    dear = client_costing(org_a, team_north, "230.00", today, "Duur")
    # Not counted: a draft, a client whose care ended, another organisation.
    ArrangementFactory(organization=org_a, client=cheap, version=2, valid_from=today)
    ended = client_costing(org_a, team_north, "500.00", today, "Gestopt")
    with tenant_scope(org_a):
        Client.objects.filter(pk=ended.pk).update(status=Client.Status.ENDED, care_end=today - timedelta(days=5),
                                                  end_reason=Client.EndReason.OTHER)
        Arrangement.objects.filter(client=ended).update(status=Arrangement.Status.ENDED, valid_to=today - timedelta(days=5))
    client_costing(org_b, TeamFactory(organization=org_b), "10.00", today, "Elders")

    response = admin_a.client.get(reverse("budget:overview"))
    assert response.status_code == 200
    budget = response.context["budget"]
    org = budget.organisation
    assert (org.clients, org.tariff_per_day, org.cost_per_day) == (2, Decimal("400.00"), Decimal("350.00"))
    assert org.margin_per_day == Decimal("50.00")
    assert org.margin_per_month == Decimal("1520.83")  # 50 × 365 / 12
    assert org.over_budget == 1
    assert [r.client for r in budget.top] == [dear, cheap]
    assert budget.top[0].summary.margin_per_day == Decimal("-30.00")
    [north] = [t for t in budget.teams if t.team == team_north]
    assert (north.totals.clients, north.totals.margin_per_day) == (2, Decimal("50.00"))
    # No contract: held against the NZa maximum, which is illustrative here.
    assert budget.uses_maximum and budget.is_illustrative
    assert b'id="illustrative-tariffs"' in response.content
    assert b"Duur" in response.content and b"Gestopt" not in response.content


def test_the_contracted_tariff_is_used_when_there_is_a_contract(org_a, admin_a, team_north, nza_tariff, today):  # noqa: ANN001
    zorgkantoor = ZorgkantoorFactory()
    org_a.region = RegionFactory(zorgkantoor=zorgkantoor)
    org_a.save(update_fields=["region"])
    ContractFactory(organization=org_a, zorgkantoor=zorgkantoor, year=today.year, percentage=Decimal("90.00"))
    client_costing(org_a, team_north, "150.00", today, "Gecontracteerd")
    with tenant_scope(org_a):
        budget = selectors_overview.budget_overview(membership=admin_a.membership, today=today)
    [row] = budget.clients
    assert row.summary.tariff_per_day == Decimal("180.00")  # 90 % of €200
    assert row.summary.margin_per_day == Decimal("30.00")
    assert not row.uses_maximum


def test_a_client_without_tariff_counts_cost_but_not_margin(org_a, admin_a, team_north, today):  # noqa: ANN001
    client_costing(org_a, team_north, "100.00", today, "Zonder")  # no NZa tariff imported
    with tenant_scope(org_a):
        budget = selectors_overview.budget_overview(membership=admin_a.membership, today=today)
    totals = budget.organisation
    assert (totals.clients, totals.without_tariff, totals.cost_per_day, totals.margin_per_day) == (
        1, 1, Decimal("100.00"), Decimal("0"))


def test_team_manager_sees_only_their_teams(org_a, manager_north, team_north, team_south, nza_tariff, today):  # noqa: ANN001
    mine = client_costing(org_a, team_north, "100.00", today, "Noorderling")
    client_costing(org_a, team_south, "300.00", today, "Zuiderling")
    response = manager_north.client.get(reverse("budget:overview"))
    assert response.status_code == 200
    budget = response.context["budget"]
    assert [r.client for r in budget.clients] == [mine]
    assert [t.team for t in budget.teams] == [team_north]
    assert budget.organisation.margin_per_day == Decimal("100.00")
    assert b"Zuiderling" not in response.content


def test_coach_may_not_see_the_budget(coach_north):  # noqa: ANN001
    assert coach_north.client.get(reverse("budget:overview")).status_code == 403


def test_overview_queries_do_not_grow_with_clients(org_a, org_b, admin_a, admin_b, nza_tariff, today):  # noqa: ANN001
    def count(org, membership, n: int) -> int:  # noqa: ANN001
        team = TeamFactory(organization=org)
        for i in range(n):
            client_costing(org, team, f"{100 + i}.00", today, f"Client{i}")
        with tenant_scope(org), CaptureQueriesContext(connection) as ctx:
            budget = selectors_overview.budget_overview(membership=membership, today=today)
        assert budget.organisation.clients == n
        assert all(r.summary.tariff_per_day == TARIFF for r in budget.clients)  # the real lookup, in bulk
        return len(ctx.captured_queries)

    few, many = count(org_a, admin_a.membership, 3), count(org_b, admin_b.membership, 15)
    assert few == many <= 10


# --- deadlines on the overview and the dashboard ---------------------------------------------


def test_overview_and_dashboard_show_deadlines(org_a, admin_a, team_north, today):  # noqa: ANN001
    late = ClientFactory(organization=org_a, primary_team=team_north, last_name="Laatkomer",
                         status=Client.Status.IN_CARE, care_start=today - timedelta(days=60))
    response = admin_a.client.get(reverse("budget:overview"))
    assert [d.client for d in response.context["deadlines"].overdue] == [late]
    assert b'id="deadlines"' in response.content and b"Laatkomer" in response.content

    cards = admin_a.client.get(reverse("core:dashboard")).context["cards"]
    by_url = {c.url: c for c in cards}
    deadlines = by_url[reverse("budget:overview") + "#deadlines"]
    assert deadlines.value == 1 and late.full_name in deadlines.rows[0][0]
    assert reverse("budget:overview") in by_url  # the budget fit card


def test_no_budget_cards_for_a_coach(coach_north):  # noqa: ANN001
    cards = coach_north.client.get(reverse("core:dashboard")).context["cards"]
    assert not [c for c in cards if c.url.startswith(reverse("budget:overview"))]


# --- task division page ----------------------------------------------------------------------


def test_task_page_groups_by_who_and_flags_an_overasked_member(org_a, manager_north, coach_north, team_north):  # noqa: ANN001
    client = ClientFactory(organization=org_a, primary_team=team_north)
    daughter = NetworkMemberFactory(organization=org_a, client=client, name="Dochter Els", tasks="ontbijt",
                                    availability="ma-vr na 17:00")
    draft = ArrangementFactory(organization=org_a, client=client)
    TaskAgreementFactory(organization=org_a, arrangement=draft, task="Ontbijt", done_by=TaskAgreement.DoneBy.NETWORK,
                         network_member=daughter)
    url = reverse("budget:tasks", args=[client.pk])

    response = manager_north.client.post(url, {"task": "Was doen", "done_by": "network", "network_member": daughter.pk,
                                               "frequency": "wekelijks"})
    assert response.status_code == 302
    response = manager_north.client.get(url)
    division = response.context["division"]
    [load] = division.members
    assert load.count == 2 and load.offered == ["ontbijt"] and load.overasked
    assert b"ma-vr na 17:00" in response.content and response.context["form"] is not None

    # Coaches read the division; they cannot change it.
    response = coach_north.client.get(url)
    assert response.status_code == 200 and response.context["form"] is None
    assert coach_north.client.post(url, {"task": "x", "done_by": "client"}).status_code == 403


def test_task_edit_and_remove_through_the_pages(org_a, manager_north, team_north):  # noqa: ANN001
    client = ClientFactory(organization=org_a, primary_team=team_north)
    draft = ArrangementFactory(organization=org_a, client=client)
    task = TaskAgreementFactory(organization=org_a, arrangement=draft, task="Ontbijt")
    edit = reverse("budget:task_edit", args=[client.pk, task.pk])
    assert manager_north.client.get(edit).status_code == 200
    response = manager_north.client.post(edit, {"task": "Ontbijt en lunch", "done_by": "team", "frequency": "dagelijks"})
    assert response.status_code == 302
    with tenant_scope(org_a):
        task.refresh_from_db()
        assert (task.task, task.done_by) == ("Ontbijt en lunch", "team")
    response = manager_north.client.post(reverse("budget:task_remove", args=[client.pk, task.pk]))
    assert response.status_code == 302
    with tenant_scope(org_a):
        assert not TaskAgreement.objects.filter(pk=task.pk).exists()


def test_an_active_arrangement_shows_its_tasks_without_forms(org_a, manager_north, team_north):  # noqa: ANN001
    client = ClientFactory(organization=org_a, primary_team=team_north)
    agreed = ArrangementFactory(organization=org_a, client=client, status=Arrangement.Status.ACTIVE)
    TaskAgreementFactory(organization=org_a, arrangement=agreed, task="Boodschappen")
    response = manager_north.client.get(reverse("budget:tasks", args=[client.pk]))
    assert response.context["division"].arrangement == agreed
    assert response.context["form"] is None and b"Boodschappen" in response.content


# --- evaluation page ---------------------------------------------------------------------------


def test_evaluation_page_records_and_lists(org_a, admin_a, team_north, today):  # noqa: ANN001
    client = ClientFactory(organization=org_a, primary_team=team_north, status=Client.Status.IN_CARE,
                           care_start=today - timedelta(days=200))
    ArrangementFactory(organization=org_a, client=client, status=Arrangement.Status.ACTIVE,
                       valid_from=today - timedelta(days=190), agreed_on=today - timedelta(days=190))
    url = reverse("budget:evaluation_create", args=[client.pk])
    assert admin_a.client.get(url).context["next_due_status"] == "overdue"  # 190 days > 6 months
    response = admin_a.client.post(url, {"held_on": today.isoformat(), "participants": "cliënt, zoon",
                                         "conclusions": "Gaat goed.", "outcome": Evaluation.Outcome.NO_CHANGE})
    assert response.status_code == 302
    response = admin_a.client.get(url)
    assert [e.held_on for e in response.context["evaluations"]] == [today]
    assert response.context["next_due_status"] == "ok"
    future = admin_a.client.post(url, {"held_on": (today + timedelta(days=3)).isoformat(), "participants": "x",
                                       "conclusions": "x", "outcome": Evaluation.Outcome.NO_CHANGE})
    assert future.status_code == 200 and future.context["form"].errors["held_on"]


def test_coach_reads_evaluations_but_cannot_record(org_a, coach_north, team_north):  # noqa: ANN001
    client = ClientFactory(organization=org_a, primary_team=team_north)
    url = reverse("budget:evaluation_create", args=[client.pk])
    assert coach_north.client.get(url).status_code == 200
    assert coach_north.client.post(url, {}).status_code == 403


# --- isolation ------------------------------------------------------------------------------------


def test_admin_of_another_organisation_gets_404_on_the_client_pages(org_a, admin_b, team_north):  # noqa: ANN001
    client = ClientFactory(organization=org_a, primary_team=team_north)
    draft = ArrangementFactory(organization=org_a, client=client)
    task = TaskAgreementFactory(organization=org_a, arrangement=draft)
    for url in (
        reverse("budget:tasks", args=[client.pk]),
        reverse("budget:evaluation_create", args=[client.pk]),
        reverse("budget:task_edit", args=[client.pk, task.pk]),
    ):
        assert admin_b.client.get(url).status_code == 404, url
    assert admin_b.client.post(reverse("budget:task_remove", args=[client.pk, task.pk])).status_code == 404


def test_team_manager_of_another_team_gets_404(org_a, manager_north, team_south):  # noqa: ANN001
    client = ClientFactory(organization=org_a, primary_team=team_south)
    assert manager_north.client.get(reverse("budget:tasks", args=[client.pk])).status_code == 404
    assert manager_north.client.get(reverse("budget:evaluation_create", args=[client.pk])).status_code == 404


def test_a_task_of_another_client_is_404(org_a, manager_north, team_north):  # noqa: ANN001
    mine = ClientFactory(organization=org_a, primary_team=team_north)
    other = ClientFactory(organization=org_a, primary_team=team_north)
    task = TaskAgreementFactory(organization=org_a, arrangement=ArrangementFactory(organization=org_a, client=other))
    assert manager_north.client.get(reverse("budget:task_edit", args=[mine.pk, task.pk])).status_code == 404


def test_adding_a_task_without_an_arrangement_is_refused_on_the_form(org_a, manager_north, team_north):  # noqa: ANN001
    client = ClientFactory(organization=org_a, primary_team=team_north)
    response = manager_north.client.post(reverse("budget:tasks", args=[client.pk]), {"task": "Ontbijt", "done_by": "client"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    with tenant_scope(org_a):
        assert not TaskAgreement.objects.exists()
