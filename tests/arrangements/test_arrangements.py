"""The client's arrangement: drafts, lines, activation and versioning (services), and the
arrangement pages with the htmx builder (views, permissions, tenant and team isolation)."""

from __future__ import annotations

import datetime
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from arrangements import selectors
from arrangements.models import Arrangement, ArrangementLine, MenuItem, TaskAgreement
from arrangements.services import arrangements as services
from clients.models import Client
from tests.clients import conftest as client_fixtures
from tests.factories import (
    ArrangementFactory,
    ArrangementLineFactory,
    ClientFactory,
    ContractFactory,
    MenuItemFactory,
    RegionFactory,
    TaskAgreementFactory,
    TeamFactory,
    WlzIndicationFactory,
    ZorgkantoorFactory,
)
from vpt.audit.models import AccessLog
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope
from vpt.wlz.tariffs import load_default_tariffs

# The personas of the client file's tests: Team Noord with a manager, a coach and Jan.
team_north = client_fixtures.team_north
manager_north = client_fixtures.manager_north
coach_north = client_fixtures.coach_north
client_north = client_fixtures.client_north

TEAM = ArrangementLine.DeliveredBy.TEAM
SUB = ArrangementLine.DeliveredBy.SUBCONTRACTOR
MANTELZORG = ArrangementLine.DeliveredBy.MANTELZORG
PRIVATE = ArrangementLine.DeliveredBy.PRIVATE
JAN_1 = date(2026, 1, 1)
# Illustrative 2026 table: 5VV without behandeling, with dagbesteding = € 224.80; the
# contract pays 96.50 % of it.
TARIFF = Decimal("216.93")


@pytest.fixture(autouse=True)
def pinned_today():  # noqa: ANN201
    # The summary holds a version against today's tariff: keep "today" inside the 2026 table.
    with time_machine.travel(datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture(autouse=True)
def english():  # noqa: ANN201
    """Messages are asserted in their English source text (the UI default is Dutch)."""
    with translation.override("en"):
        yield


@pytest.fixture
def contracted(org_a):  # noqa: ANN001, ANN201
    """Tariffs and a contract with the zorgkantoor of org A's region."""
    load_default_tariffs()
    zorgkantoor = ZorgkantoorFactory()
    org_a.region = RegionFactory(zorgkantoor=zorgkantoor)
    org_a.save(update_fields=["region"])
    return ContractFactory(organization=org_a, zorgkantoor=zorgkantoor, year=2026, percentage=Decimal("96.50"))


@pytest.fixture
def menu(org_a):  # noqa: ANN001, ANN201
    """A small menu card: two fixed elements (one no longer offered), care hours, household help."""
    return {
        "alarm": MenuItemFactory(organization=org_a, code="alarm", name="Personal alarm", kind=MenuItem.Kind.PERSONAL_ALARM,
                                 unit=MenuItem.Unit.PER_MONTH, function_level=None, cost_price=Decimal("36.50"),
                                 is_fixed=True, default_quantity=Decimal("1")),
        "old_fixed": MenuItemFactory(organization=org_a, code="old-door", name="Old door lock", kind=MenuItem.Kind.DOOR_ACCESS,
                                     unit=MenuItem.Unit.PER_MONTH, function_level=None, is_fixed=True,
                                     active_to=date(2025, 12, 31)),
        "care": MenuItemFactory(organization=org_a, code="care", name="Personal care", unit=MenuItem.Unit.HOURS_PER_WEEK,
                                function_level=3, cost_price=Decimal("56.00")),
        "household": MenuItemFactory(organization=org_a, code="household", name="Household help", kind=MenuItem.Kind.HOUSEHOLD,
                                     unit=MenuItem.Unit.HOURS_PER_WEEK, function_level=2, cost_price=Decimal("35.00")),
    }


@pytest.fixture
def person(org_a, client_north):  # noqa: ANN001, ANN201
    """Jan, in care since 1 January 2026 with a 5VV VPT indication."""
    WlzIndicationFactory(organization=org_a, client=client_north, zorgprofiel="754", valid_from=date(2025, 1, 1))
    with tenant_scope(org_a):
        Client.objects.filter(pk=client_north.pk).update(status=Client.Status.IN_CARE, care_start=JAN_1)
        client_north.refresh_from_db()
    return client_north


def run(org, fn, **kwargs):  # noqa: ANN001, ANN003, ANN201
    with tenant_scope(org):
        return fn(**kwargs)


def refused(org, fn, **kwargs) -> ValidationError:  # noqa: ANN001, ANN003
    with pytest.raises(ValidationError) as exc:
        run(org, fn, **kwargs)
    return exc.value


def draft(persona, client, valid_from: date = JAN_1, **kwargs) -> Arrangement:  # noqa: ANN001, ANN003
    return run(client.organization, services.arrangement_create_draft, acting=persona.membership, client=client,
               valid_from=valid_from, **kwargs)


def add(persona, arrangement, item, quantity, delivered_by=TEAM, **kwargs) -> ArrangementLine:  # noqa: ANN001, ANN003
    return run(arrangement.organization, services.line_add, acting=persona.membership, arrangement=arrangement,
               menu_item=item, quantity=Decimal(quantity), delivered_by=delivered_by, **kwargs)


def activate(persona, arrangement, **kwargs) -> Arrangement:  # noqa: ANN001, ANN003
    return run(arrangement.organization, services.arrangement_activate, acting=persona.membership,
               arrangement=arrangement, **kwargs)


def lines_of(arrangement) -> list[tuple[str, Decimal, str]]:  # noqa: ANN001
    with tenant_scope(arrangement.organization):
        return sorted((line.menu_item.code, line.quantity, line.delivered_by)
                      for line in selectors.arrangement_lines(arrangement))


def summary(arrangement):  # noqa: ANN001, ANN201
    with tenant_scope(arrangement.organization):
        return selectors.arrangement_summary(arrangement)


def reload(arrangement: Arrangement) -> Arrangement:
    with tenant_scope(arrangement.organization):
        return Arrangement.objects.get(pk=arrangement.pk)


# --- drafts and fixed elements -------------------------------------------------------------


def test_a_new_draft_gets_the_fixed_elements_on_the_menu_card(manager_north, person, menu):  # noqa: ANN001
    arrangement = draft(manager_north, person)
    assert (arrangement.version, arrangement.status) == (1, Arrangement.Status.DRAFT)
    # The old door lock left the card before 2026; the care hours are not fixed.
    assert lines_of(arrangement) == [("alarm", Decimal("1.00"), TEAM)]
    with tenant_scope(person.organization):
        entry = AccessLog.objects.filter(client_id=person.pk, action=AccessLog.Action.CREATE).latest("at")
    assert "draft" in entry.description


def test_a_second_draft_is_refused(manager_north, person, menu):  # noqa: ANN001
    draft(manager_north, person)
    error = refused(person.organization, services.arrangement_create_draft, acting=manager_north.membership,
                    client=person, valid_from=date(2026, 2, 1))
    assert "already a draft" in " ".join(error.messages)


def test_fixed_elements_cannot_be_removed_but_their_quantity_may_change(manager_north, person, menu):  # noqa: ANN001
    arrangement = draft(manager_north, person)
    with tenant_scope(person.organization):
        alarm = arrangement.lines.get(menu_item__code="alarm")
    error = refused(person.organization, services.line_remove, acting=manager_north.membership, line=alarm)
    assert "fixed element" in " ".join(error.messages)
    run(person.organization, services.line_update, acting=manager_north.membership, line=alarm, quantity=Decimal("2"))
    assert lines_of(arrangement) == [("alarm", Decimal("2.00"), TEAM)]


def test_lines_follow_the_rules(manager_north, person, menu, org_b):  # noqa: ANN001
    arrangement = draft(manager_north, person)
    foreign = MenuItemFactory(organization=org_b, code="care")
    for item in (foreign, menu["old_fixed"]):
        error = refused(person.organization, services.line_add, acting=manager_north.membership, arrangement=arrangement,
                        menu_item=item, quantity=Decimal("1"))
        assert "menu_item" in error.message_dict
    error = refused(person.organization, services.line_add, acting=manager_north.membership, arrangement=arrangement,
                    menu_item=menu["care"], quantity=Decimal("0"))
    assert "quantity" in error.message_dict
    error = refused(person.organization, services.line_add, acting=manager_north.membership, arrangement=arrangement,
                    menu_item=menu["household"], quantity=Decimal("3"), delivered_by=SUB, subcontractor="  ")
    assert "subcontractor" in error.message_dict
    line = add(manager_north, arrangement, menu["household"], "3", SUB, subcontractor="Schoon BV")
    assert line.subcontractor == "Schoon BV"
    # Back to the own team: the subcontractor's name goes.
    line = run(person.organization, services.line_update, acting=manager_north.membership, line=line, delivered_by=TEAM)
    assert line.subcontractor == ""


def test_mantelzorg_and_private_lines_do_not_change_the_cost(manager_north, person, menu, contracted):  # noqa: ANN001
    arrangement = draft(manager_north, person)
    add(manager_north, arrangement, menu["care"], "10")
    before = summary(arrangement)[0]
    add(manager_north, arrangement, menu["household"], "4", MANTELZORG)
    add(manager_north, arrangement, menu["care"], "2", PRIVATE)
    after, tariff = summary(arrangement)
    assert after.cost_per_day == before.cost_per_day == Decimal("81.20")  # 10 h × 56 / 7 + 36.50 × 12 / 365
    assert after.margin_per_day == before.margin_per_day == TARIFF - Decimal("81.20")
    assert after.mantelzorg_hours_per_week == Decimal("4")
    assert after.hours_per_week_by_level == {3: Decimal("10")}
    assert tariff.is_illustrative and tariff.amount == TARIFF


def test_without_a_contract_the_summary_uses_the_nza_maximum(manager_north, person, menu):  # noqa: ANN001
    load_default_tariffs()
    arrangement = draft(manager_north, person)
    result, tariff = summary(arrangement)
    assert tariff.amount is None
    assert result.tariff_per_day == Decimal("224.80")


# --- activation and versions -----------------------------------------------------------------


def test_activating_v2_ends_v1_the_day_before_and_v1_stays_as_it_was(manager_north, person, menu, contracted):  # noqa: ANN001
    v1 = draft(manager_north, person)
    add(manager_north, v1, menu["care"], "10")
    with tenant_scope(person.organization):
        TaskAgreementFactory(organization=person.organization, arrangement=v1, task="Ontbijt")
    activate(manager_north, v1, agreed_on=date(2025, 12, 20))
    v1 = reload(v1)
    assert (v1.status, v1.valid_to, v1.activated_by) == (Arrangement.Status.ACTIVE, None, manager_north.user)

    v2 = draft(manager_north, person, valid_from=date(2026, 4, 1), copy_from=v1)
    assert v2.version == 2
    assert lines_of(v2) == lines_of(v1)
    with tenant_scope(person.organization):
        assert list(TaskAgreement.objects.filter(arrangement=v2).values_list("task", flat=True)) == ["Ontbijt"]
        care = v2.lines.get(menu_item__code="care")
    run(person.organization, services.line_update, acting=manager_north.membership, line=care, quantity=Decimal("12"))
    activate(manager_north, v2)

    v1, v2 = reload(v1), reload(v2)
    assert (v1.status, v1.valid_to) == (Arrangement.Status.ENDED, date(2026, 3, 31))
    assert (v2.status, v2.valid_from, v2.valid_to) == (Arrangement.Status.ACTIVE, date(2026, 4, 1), None)
    with tenant_scope(person.organization):
        assert selectors.active_arrangement(person, date(2026, 3, 31)) == v1
        assert selectors.active_arrangement(person, date(2026, 4, 1)) == v2
        assert selectors.active_arrangement(person, date(2025, 12, 31)) is None
        assert Arrangement.objects.filter(client=person, status=Arrangement.Status.ACTIVE).count() == 1

    # History is immutable: v1's lines cannot be added, changed or removed any more.
    with tenant_scope(person.organization):
        old_care = v1.lines.get(menu_item__code="care")
    for fn, kwargs in [
        (services.line_add, {"arrangement": v1, "menu_item": menu["household"], "quantity": Decimal("1")}),
        (services.line_update, {"line": old_care, "quantity": Decimal("20")}),
        (services.line_remove, {"line": old_care}),
        (services.arrangement_activate, {"arrangement": v1}),
    ]:
        error = refused(person.organization, fn, acting=manager_north.membership, **kwargs)
        assert "Only a draft" in " ".join(error.messages)
    assert ("care", Decimal("10.00"), TEAM) in lines_of(v1)


def test_a_new_version_must_start_after_the_active_one(manager_north, person, menu, contracted):  # noqa: ANN001
    v1 = draft(manager_north, person)
    activate(manager_north, v1)
    for day in (JAN_1, date(2025, 12, 1)):
        error = refused(person.organization, services.arrangement_create_draft, acting=manager_north.membership,
                        client=person, valid_from=day)
        assert "valid_from" in error.message_dict


def test_over_budget_activation_needs_a_justification(manager_north, person, menu, contracted):  # noqa: ANN001
    arrangement = draft(manager_north, person)
    add(manager_north, arrangement, menu["care"], "28")  # 224.00 + 1.20 per day > 216.93
    assert summary(arrangement)[0].over_budget
    error = refused(person.organization, services.arrangement_activate, acting=manager_north.membership,
                    arrangement=arrangement, justification="   ")
    assert error.message_dict["justification"] == [
        "This arrangement costs € 8.27 per day more than the tariff. Explain why this is justified."
    ]
    assert reload(arrangement).status == Arrangement.Status.DRAFT
    activate(manager_north, arrangement, justification="Terminale fase, tijdelijk meer zorg.")
    arrangement = reload(arrangement)
    assert arrangement.status == Arrangement.Status.ACTIVE
    assert arrangement.over_budget_justification == "Terminale fase, tijdelijk meer zorg."


def test_activation_needs_lines_and_a_client_in_intake_or_care(manager_north, person, org_a):  # noqa: ANN001
    arrangement = draft(manager_north, person)  # no menu card: no fixed elements, no lines
    error = refused(org_a, services.arrangement_activate, acting=manager_north.membership, arrangement=arrangement)
    assert "at least one line" in " ".join(error.messages)
    ArrangementLineFactory(organization=org_a, arrangement=arrangement)
    with tenant_scope(org_a):
        Client.objects.filter(pk=person.pk).update(status=Client.Status.ENDED, care_end=date(2026, 5, 1), end_reason="other")
    error = refused(org_a, services.arrangement_activate, acting=manager_north.membership, arrangement=arrangement)
    assert "intake or in care" in " ".join(error.messages)


def test_diff_lists_added_removed_and_changed_lines_and_the_cost_change(manager_north, person, menu, contracted):  # noqa: ANN001
    v1 = draft(manager_north, person)
    add(manager_north, v1, menu["care"], "10")
    add(manager_north, v1, menu["household"], "3", SUB, subcontractor="Schoon BV")
    activate(manager_north, v1)
    v2 = draft(manager_north, person, valid_from=date(2026, 5, 1), copy_from=v1)
    with tenant_scope(person.organization):
        v2.lines.filter(menu_item__code="household").delete()
        care = v2.lines.get(menu_item__code="care")
    run(person.organization, services.line_update, acting=manager_north.membership, line=care, quantity=Decimal("7"),
        delivered_by=TEAM)
    add(manager_north, v2, menu["household"], "2", MANTELZORG)
    with tenant_scope(person.organization):
        diff = services.arrangement_diff(v1, v2)
    by_change = {(d["change"], d.get("code")): d for d in diff}
    assert by_change[("changed", "care")]["old_quantity"] == Decimal("10.00")
    assert by_change[("changed", "care")]["new_quantity"] == Decimal("7.00")
    # Household help: from a subcontractor to mantelzorg, 3 -> 2 hours.
    household = by_change[("changed", "household")]
    assert (household["old_delivered_by"], household["new_delivered_by"]) == (SUB, MANTELZORG)
    assert household["new_cost_per_day"] == Decimal("0.00")
    assert ("changed", "alarm") not in by_change  # unchanged lines are left out
    total = diff[-1]
    assert total["change"] == "cost_per_day"
    assert total["old"] == Decimal("96.20")  # 80.00 + 15.00 + 1.20
    assert total["new"] == Decimal("57.20")
    assert total["difference"] == Decimal("-39.00")
    with tenant_scope(person.organization):
        first = services.arrangement_diff(None, v1)
    assert {d["change"] for d in first[:-1]} == {"added"}
    with tenant_scope(person.organization):
        v2.lines.filter(menu_item__code="household").delete()
        diff = services.arrangement_diff(v1, v2)
    assert [d["code"] for d in diff if d["change"] == "removed"] == ["household"]


def test_every_write_is_logged_with_the_client(manager_north, person, menu, contracted):  # noqa: ANN001
    arrangement = draft(manager_north, person)
    line = add(manager_north, arrangement, menu["care"], "5")
    run(person.organization, services.line_update, acting=manager_north.membership, line=line, quantity=Decimal("6"))
    run(person.organization, services.line_remove, acting=manager_north.membership, line=line)
    activate(manager_north, arrangement)
    with tenant_scope(person.organization):
        entries = list(AccessLog.objects.filter(client_id=person.pk).order_by("pk").values_list("action", "description"))
    assert [a for a, _d in entries] == ["create", "create", "update", "delete", "update"]
    assert "activated" in entries[-1][1]


# --- pages ----------------------------------------------------------------------------------


def url(name: str, client, *args) -> str:  # noqa: ANN001
    return reverse(f"arrangements:{name}", args=[client.pk, *args])


def test_detail_without_arrangement_offers_a_new_one_to_a_manager(english_ui, manager_north, coach_north, person, menu):  # noqa: ANN001
    page = manager_north.client.get(url("detail", person))
    assert page.status_code == 200
    assert b'data-testid="no-arrangement"' in page.content
    assert b'data-testid="create-form"' in page.content
    coach_page = coach_north.client.get(url("detail", person))
    assert coach_page.status_code == 200
    assert b'data-testid="create-form"' not in coach_page.content

    response = manager_north.client.post(url("create", person), {"valid_from": "2026-06-01", "includes_dagbesteding": "on"})
    with tenant_scope(person.organization):
        arrangement = Arrangement.objects.get(client=person)
    assert response.status_code == 302
    assert response.url == url("builder", person, arrangement.pk)
    assert lines_of(arrangement) == [("alarm", Decimal("1.00"), TEAM)]
    # A second draft: the form is gone, the service would refuse it.
    assert b'data-testid="create-form"' not in manager_north.client.get(url("detail", person)).content
    again = manager_north.client.post(url("create", person), {"valid_from": "2026-07-01"})
    assert again.status_code == 200
    assert "already a draft" in again.content.decode()


def test_detail_shows_the_summary_with_an_illustrative_tariff(manager_north, person, menu, contracted):  # noqa: ANN001
    arrangement = draft(manager_north, person)
    add(manager_north, arrangement, menu["care"], "10")
    add(manager_north, arrangement, menu["household"], "4", MANTELZORG)
    activate(manager_north, arrangement)
    html = manager_north.client.get(url("detail", person)).content.decode()
    assert 'data-testid="illustrative"' in html
    assert "216,93" in html  # the contracted tariff, Dutch number format
    assert "135,73" in html  # margin per day: 216.93 - 81.20
    assert 'data-testid="group-mantelzorg"' in html
    assert f'href="{url("version", person, arrangement.pk)}"' in html


def test_version_page_shows_the_diff(manager_north, person, menu, contracted):  # noqa: ANN001
    v1 = draft(manager_north, person)
    activate(manager_north, v1)
    v2 = draft(manager_north, person, valid_from=date(2026, 5, 1), copy_from=v1)
    add(manager_north, v2, menu["care"], "3")
    html = manager_north.client.get(url("version", person, v2.pk)).content.decode()
    assert 'data-testid="diff-added"' in html and "Personal care" in html
    assert 'data-testid="diff-removed"' not in html


def test_htmx_line_add_returns_the_partial_with_the_new_margin(manager_north, person, menu, contracted):  # noqa: ANN001
    arrangement = draft(manager_north, person)
    page = manager_north.client.get(url("builder", person, arrangement.pk))
    assert page.status_code == 200
    assert "215,73" in page.content.decode()  # 216.93 - 1.20 (the alarm)
    response = manager_north.client.post(
        url("line_add", person, arrangement.pk),
        {"menu_item": menu["care"].pk, "quantity": "10", "delivered_by": TEAM},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<div id="builder"')
    assert "135,73" in html  # 216.93 - 80.00 - 1.20
    assert 'data-testid="line-care"' in html


def test_htmx_line_update_and_remove(manager_north, person, menu, contracted):  # noqa: ANN001
    arrangement = draft(manager_north, person)
    line = add(manager_north, arrangement, menu["care"], "10")
    response = manager_north.client.post(
        url("line_update", person, arrangement.pk, line.pk),
        {f"line-{line.pk}-quantity": "28", f"line-{line.pk}-delivered_by": TEAM, f"line-{line.pk}-subcontractor": ""},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert 'data-testid="over-budget"' in html and "8,27" in html
    # A subcontractor without a name: the error is shown on the line, nothing changes.
    response = manager_north.client.post(
        url("line_update", person, arrangement.pk, line.pk),
        {f"line-{line.pk}-quantity": "5", f"line-{line.pk}-delivered_by": SUB, f"line-{line.pk}-subcontractor": ""},
        headers={"HX-Request": "true"},
    )
    assert "field-errors" in response.content.decode()
    assert ("care", Decimal("28.00"), TEAM) in lines_of(arrangement)
    response = manager_north.client.post(url("line_remove", person, arrangement.pk, line.pk), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'data-testid="line-care"' not in response.content.decode()
    # The fixed alarm: refused with a message in the partial.
    with tenant_scope(person.organization):
        alarm = arrangement.lines.get(menu_item__code="alarm")
    response = manager_north.client.post(url("line_remove", person, arrangement.pk, alarm.pk), headers={"HX-Request": "true"})
    assert 'data-testid="builder-errors"' in response.content.decode()


def test_without_javascript_a_post_redirects_to_the_builder(manager_north, person, menu):  # noqa: ANN001
    arrangement = draft(manager_north, person)
    response = manager_north.client.post(url("line_add", person, arrangement.pk),
                                         {"menu_item": menu["care"].pk, "quantity": "", "delivered_by": TEAM})
    assert response.status_code == 302 and response.url == url("builder", person, arrangement.pk)
    assert ("care", Decimal("1.00"), TEAM) in lines_of(arrangement)  # empty quantity: the default
    invalid = manager_north.client.post(url("line_add", person, arrangement.pk), {"menu_item": menu["care"].pk,
                                                                                 "quantity": "0", "delivered_by": TEAM})
    assert invalid.status_code == 200 and "<html" in invalid.content.decode()


def test_activate_page_requires_a_justification_when_over_budget(english_ui, manager_north, person, menu, contracted):  # noqa: ANN001
    arrangement = draft(manager_north, person)
    add(manager_north, arrangement, menu["care"], "30")
    page = manager_north.client.get(url("activate", person, arrangement.pk))
    assert 'data-testid="over-budget"' in page.content.decode()
    response = manager_north.client.post(url("activate", person, arrangement.pk), {"justification": "", "agreed_on": "2026-05-30"})
    assert response.status_code == 200
    assert "per day more than the tariff" in response.content.decode()
    response = manager_north.client.post(url("activate", person, arrangement.pk),
                                         {"justification": "Afgesproken met zorgkantoor", "agreed_on": "2026-05-30"})
    assert response.status_code == 302 and response.url == url("detail", person)
    arrangement = reload(arrangement)
    assert (arrangement.status, arrangement.agreed_on) == (Arrangement.Status.ACTIVE, date(2026, 5, 30))
    # An active version has no builder any more.
    assert manager_north.client.get(url("builder", person, arrangement.pk)).url == url("version", person, arrangement.pk)


def test_a_coach_sees_but_does_not_build(coach_north, manager_north, person, menu):  # noqa: ANN001
    arrangement = draft(manager_north, person)
    assert coach_north.client.get(url("version", person, arrangement.pk)).status_code == 200
    assert coach_north.client.get(url("builder", person, arrangement.pk)).status_code == 403
    response = coach_north.client.post(url("line_add", person, arrangement.pk), {"menu_item": menu["care"].pk, "quantity": "1"})
    assert response.status_code == 403


def test_a_coach_of_another_team_gets_404(org_a, make_persona, manager_north, person, menu):  # noqa: ANN001
    other = make_persona(org_a, Role.CLIENT_COACH)
    west = TeamFactory(organization=org_a, name="Team West", members=[other.membership])
    arrangement = draft(manager_north, person)
    with tenant_scope(org_a):
        line = arrangement.lines.get()
    for response in [
        other.client.get(url("detail", person)),
        other.client.get(url("version", person, arrangement.pk)),
    ]:
        assert response.status_code == 404
    manager_west = make_persona(org_a, Role.TEAM_MANAGER)
    with tenant_scope(org_a):
        west.members.add(manager_west.membership)
    for response in [
        manager_west.client.get(url("builder", person, arrangement.pk)),
        manager_west.client.post(url("line_update", person, arrangement.pk, line.pk), {}),
        manager_west.client.post(url("line_remove", person, arrangement.pk, line.pk)),
        manager_west.client.post(url("activate", person, arrangement.pk), {"justification": "x"}),
    ]:
        assert response.status_code == 404
    assert lines_of(arrangement) == [("alarm", Decimal("1.00"), TEAM)]


def test_an_admin_of_another_organisation_gets_404(admin_b, manager_north, person, menu):  # noqa: ANN001
    arrangement = draft(manager_north, person)
    with tenant_scope(person.organization):
        line = arrangement.lines.get()
    for response in [
        admin_b.client.get(url("detail", person)),
        admin_b.client.get(url("version", person, arrangement.pk)),
        admin_b.client.get(url("builder", person, arrangement.pk)),
        admin_b.client.post(url("create", person), {"valid_from": "2026-07-01"}),
        admin_b.client.post(url("line_add", person, arrangement.pk), {"menu_item": menu["care"].pk, "quantity": "1"}),
        admin_b.client.post(url("line_update", person, arrangement.pk, line.pk), {}),
        admin_b.client.post(url("line_remove", person, arrangement.pk, line.pk)),
        admin_b.client.post(url("activate", person, arrangement.pk), {}),
        admin_b.client.post(url("discard", person, arrangement.pk)),
    ]:
        assert response.status_code == 404
    assert reload(arrangement).status == Arrangement.Status.DRAFT


def test_a_line_of_another_arrangement_is_404(manager_north, person, org_a, team_north, menu):  # noqa: ANN001
    """The line must belong to the arrangement in the URL, and that to the client."""
    arrangement = draft(manager_north, person)
    elsewhere = ArrangementLineFactory(organization=org_a, arrangement=ArrangementFactory(
        organization=org_a, client=ClientFactory(organization=org_a, primary_team=team_north)))
    assert manager_north.client.post(url("line_remove", person, arrangement.pk, elsewhere.pk)).status_code == 404
    assert manager_north.client.get(url("version", person, elsewhere.arrangement.pk)).status_code == 404


def test_discarding_a_draft(manager_north, person, menu):  # noqa: ANN001
    arrangement = draft(manager_north, person)
    response = manager_north.client.post(url("discard", person, arrangement.pk))
    assert response.status_code == 302
    with tenant_scope(person.organization):
        assert not Arrangement.objects.filter(client=person).exists()
