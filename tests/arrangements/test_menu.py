"""The menu card: versioned prices (history never rewritten), the standard card, and the
pages (permissions, tenant isolation, query counts)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from arrangements import services
from arrangements.menu_defaults import DEFAULT_MENU
from arrangements.models import MenuItem
from tests.factories import ArrangementLineFactory, MenuItemFactory
from vpt.audit.models import AccessLog
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

JAN = date(2026, 1, 1)


@pytest.fixture(autouse=True)
def english():  # noqa: ANN201
    """Messages are asserted in their English source text (the UI default is Dutch)."""
    with translation.override("en"):
        yield


@pytest.fixture
def manager_a(org_a, make_persona):  # noqa: ANN001, ANN201
    return make_persona(org_a, Role.TEAM_MANAGER)


@pytest.fixture
def coach_a(org_a, make_persona):  # noqa: ANN001, ANN201
    return make_persona(org_a, Role.CLIENT_COACH)


def create(persona, **data) -> MenuItem:  # noqa: ANN001, ANN003
    values = {
        "name": "Persoonlijke verzorging (niveau 2)", "kind": MenuItem.Kind.PERSONAL_CARE,
        "unit": MenuItem.Unit.HOURS_PER_WEEK, "function_level": 2, "cost_price": Decimal("52.00"),
        "active_from": JAN, **data,
    }
    with tenant_scope(persona.organization):
        return services.menu_item_create(acting=persona.membership, **values)


def versions(org, code: str) -> list[MenuItem]:  # noqa: ANN001
    with tenant_scope(org):
        return list(MenuItem.objects.filter(organization=org, code=code).order_by("active_from"))


def menu_log(org) -> list[AccessLog]:  # noqa: ANN001
    with tenant_scope(org):
        return list(AccessLog.objects.filter(organization=org, object_type="arrangements.menuitem"))


# --- services ----------------------------------------------------------------------------


def test_create_item(admin_a, org_a):  # noqa: ANN001
    item = create(admin_a, code="pv-n2")
    assert item.organization == org_a
    assert (item.code, item.cost_price, item.function_level, item.active_to) == ("pv-n2", Decimal("52.00"), 2, None)
    assert [e.action for e in menu_log(org_a)] == [AccessLog.Action.CREATE]


def test_code_is_made_from_the_name_when_empty(admin_a):  # noqa: ANN001
    assert create(admin_a, name="Huishoudelijke hulp", code="").code == "huishoudelijke-hulp"


def test_hours_item_without_level_refused(admin_a, org_a):  # noqa: ANN001
    with pytest.raises(ValidationError) as exc:
        create(admin_a, code="pv", function_level=None)
    assert "function level" in " ".join(exc.value.message_dict["function_level"])
    assert versions(org_a, "pv") == []


def test_other_units_need_no_level(admin_a):  # noqa: ANN001
    item = create(admin_a, code="maaltijden", kind=MenuItem.Kind.MEALS, unit=MenuItem.Unit.PER_DAY,
                  function_level=None, cost_price=Decimal("11.50"))
    assert item.function_level is None


def test_negative_price_refused(admin_a):  # noqa: ANN001
    with pytest.raises(ValidationError) as exc:
        create(admin_a, code="pv", cost_price=Decimal("-1.00"))
    assert "cost_price" in exc.value.message_dict


def test_code_unique_among_versions_in_force(admin_a):  # noqa: ANN001
    create(admin_a, code="pv")
    with pytest.raises(ValidationError) as exc:
        create(admin_a, code="pv", active_from=date(2026, 6, 1))
    assert "code" in exc.value.message_dict


def test_code_reusable_after_the_old_element_ended(admin_a, org_a):  # noqa: ANN001
    create(admin_a, code="pv", active_to=date(2026, 3, 31))
    create(admin_a, code="pv", active_from=date(2026, 4, 1), cost_price=Decimal("55.00"))
    assert [v.cost_price for v in versions(org_a, "pv")] == [Decimal("52.00"), Decimal("55.00")]


def test_same_code_in_another_organisation_is_fine(admin_a, admin_b):  # noqa: ANN001
    create(admin_a, code="pv")
    assert create(admin_b, code="pv").organization == admin_b.organization


def test_price_change_makes_a_new_version_and_keeps_old_lines(admin_a, org_a):  # noqa: ANN001
    old = create(admin_a, code="pv", is_fixed=False, default_quantity=Decimal("5"))
    line = ArrangementLineFactory(organization=org_a, menu_item=old, quantity=Decimal("10"))

    with tenant_scope(org_a):
        new = services.menu_item_change_price(acting=admin_a.membership, item=old, cost_price=Decimal("54.25"),
                                              active_from=date(2026, 7, 1))

    old_row, new_row = versions(org_a, "pv")
    assert old_row.pk == old.pk and new_row.pk == new.pk
    assert old_row.active_to == date(2026, 6, 30)
    assert old_row.cost_price == Decimal("52.00")
    assert (new_row.active_from, new_row.active_to, new_row.cost_price) == (date(2026, 7, 1), None, Decimal("54.25"))
    for field in ("code", "name", "kind", "unit", "function_level", "is_fixed", "default_quantity"):
        assert getattr(new_row, field) == getattr(old_row, field), field
    with tenant_scope(org_a):
        line.refresh_from_db()
        assert line.menu_item_id == old.pk
        assert line.menu_item.cost_price == Decimal("52.00")
    actions = sorted(e.action for e in menu_log(org_a))
    assert actions == sorted([AccessLog.Action.CREATE, AccessLog.Action.UPDATE, AccessLog.Action.CREATE])


def test_price_change_through_an_old_version_acts_on_the_newest(admin_a, org_a):  # noqa: ANN001
    first = create(admin_a, code="pv")
    with tenant_scope(org_a):
        services.menu_item_change_price(acting=admin_a.membership, item=first, cost_price=Decimal("53"),
                                        active_from=date(2026, 4, 1))
        services.menu_item_change_price(acting=admin_a.membership, item=first, cost_price=Decimal("54"),
                                        active_from=date(2026, 8, 1))
    periods = [(v.active_from, v.active_to) for v in versions(org_a, "pv")]
    assert periods == [(JAN, date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 7, 31)), (date(2026, 8, 1), None)]


@pytest.mark.parametrize("day", [date(2025, 12, 1), JAN])
def test_price_change_on_or_before_current_start_refused(admin_a, org_a, day):  # noqa: ANN001
    item = create(admin_a, code="pv")
    with tenant_scope(org_a), pytest.raises(ValidationError) as exc:
        services.menu_item_change_price(acting=admin_a.membership, item=item, cost_price=Decimal("60"), active_from=day)
    assert "active_from" in exc.value.message_dict
    assert len(versions(org_a, "pv")) == 1
    assert versions(org_a, "pv")[0].active_to is None


def test_negative_new_price_refused(admin_a, org_a):  # noqa: ANN001
    item = create(admin_a, code="pv")
    with tenant_scope(org_a), pytest.raises(ValidationError) as exc:
        services.menu_item_change_price(acting=admin_a.membership, item=item, cost_price=Decimal("-5"),
                                        active_from=date(2026, 7, 1))
    assert "cost_price" in exc.value.message_dict
    assert versions(org_a, "pv")[0].active_to is None


def test_update_changes_name_and_fixed_but_not_price(admin_a, org_a):  # noqa: ANN001
    item = create(admin_a, code="pv")
    with tenant_scope(org_a):
        services.menu_item_update(acting=admin_a.membership, item=item, name="Verzorging", is_fixed=True,
                                  cost_price=Decimal("1"), unit=MenuItem.Unit.PER_DAY)
    (row,) = versions(org_a, "pv")
    assert (row.name, row.is_fixed, row.cost_price, row.unit) == ("Verzorging", True, Decimal("52.00"), "hours_week")


def test_update_carries_over_to_a_scheduled_price_but_not_back(admin_a, org_a):  # noqa: ANN001
    first = create(admin_a, code="pv", name="Oud")
    with tenant_scope(org_a):
        second = services.menu_item_change_price(acting=admin_a.membership, item=first, cost_price=Decimal("53"),
                                                 active_from=date(2026, 4, 1))
        services.menu_item_change_price(acting=admin_a.membership, item=second, cost_price=Decimal("54"),
                                        active_from=date(2026, 8, 1))
        services.menu_item_update(acting=admin_a.membership, item=second, name="Nieuw")
    assert [v.name for v in versions(org_a, "pv")] == ["Oud", "Nieuw", "Nieuw"]


def test_deactivate_ends_the_newest_version(admin_a, org_a):  # noqa: ANN001
    item = create(admin_a, code="pv")
    with tenant_scope(org_a):
        services.menu_item_deactivate(acting=admin_a.membership, item=item, active_to=date(2026, 12, 31))
        with pytest.raises(ValidationError):
            services.menu_item_deactivate(acting=admin_a.membership, item=item, active_to=date(2025, 12, 31))
    assert versions(org_a, "pv")[0].active_to == date(2026, 12, 31)


def test_load_defaults_once_with_the_fixed_elements(admin_a, org_a):  # noqa: ANN001
    with tenant_scope(org_a):
        created = services.menu_load_defaults(acting=admin_a.membership, active_from=JAN)
        again = services.menu_load_defaults(acting=admin_a.membership, active_from=date(2026, 2, 1))
        card = list(MenuItem.objects.filter(organization=org_a))
    assert len(created) == len(DEFAULT_MENU) == len(card)
    assert again == []
    fixed = {i.kind for i in card if i.is_fixed}
    assert fixed == {MenuItem.Kind.PERSONAL_ALARM, MenuItem.Kind.DOOR_ACCESS, MenuItem.Kind.SUBSCRIPTION}
    meals = next(i for i in card if i.kind == MenuItem.Kind.MEALS)
    assert (meals.cost_price, meals.unit) == (Decimal("11.50"), MenuItem.Unit.PER_DAY)
    assert all(i.function_level in (2, 3, 4) for i in card if i.unit == MenuItem.Unit.HOURS_PER_WEEK)


def test_load_defaults_keeps_existing_codes(admin_a, org_a):  # noqa: ANN001
    create(admin_a, code="maaltijden", kind=MenuItem.Kind.MEALS, unit=MenuItem.Unit.PER_DAY, function_level=None,
           cost_price=Decimal("12.00"))
    with tenant_scope(org_a):
        created = services.menu_load_defaults(acting=admin_a.membership, active_from=JAN)
    assert len(created) == len(DEFAULT_MENU) - 1
    assert [v.cost_price for v in versions(org_a, "maaltijden")] == [Decimal("12.00")]


# --- pages -------------------------------------------------------------------------------


def test_admin_reaches_the_pages(english_ui, admin_a, org_a):  # noqa: ANN001
    item = MenuItemFactory(organization=org_a, name="Domotica qq", is_fixed=True)
    response = admin_a.client.get(reverse("menu:list"))
    assert response.status_code == 200
    assert b"Domotica qq" in response.content and b"Fixed" in response.content
    assert admin_a.client.get(reverse("menu:list"), {"history": "on"}).status_code == 200
    assert admin_a.client.get(reverse("menu:list"), headers={"HX-Request": "true"}).status_code == 200
    assert admin_a.client.get(reverse("menu:create")).status_code == 200
    detail = admin_a.client.get(reverse("menu:detail", args=[item.pk]))
    assert detail.status_code == 200 and b"Change the price" in detail.content


def test_empty_card_offers_the_standard_card(english_ui, admin_a, org_a):  # noqa: ANN001
    response = admin_a.client.get(reverse("menu:list"))
    assert b"Start from the standard card" in response.content
    response = admin_a.client.post(reverse("menu:load_defaults"), {"active_from": "2026-01-01"})
    assert response.status_code == 302
    with tenant_scope(org_a):
        assert MenuItem.objects.filter(organization=org_a).count() == len(DEFAULT_MENU)
    assert b"Start from the standard card" not in admin_a.client.get(reverse("menu:list")).content


def test_admin_creates_and_changes_the_price_through_the_pages(english_ui, admin_a, org_a):  # noqa: ANN001
    response = admin_a.client.post(reverse("menu:create"), {
        "name": "Verpleging", "code": "vp-n4", "kind": "nursing", "unit": "hours_week", "function_level": "4",
        "cost_price": "71.00", "default_quantity": "1", "active_from": "2026-01-01",
    })
    assert response.status_code == 302
    (item,) = versions(org_a, "vp-n4")
    response = admin_a.client.post(reverse("menu:change_price", args=[item.pk]),
                                   {"cost_price": "73.00", "active_from": "2026-07-01"})
    assert response.status_code == 302
    assert [v.cost_price for v in versions(org_a, "vp-n4")] == [Decimal("71.00"), Decimal("73.00")]
    assert admin_a.client.post(reverse("menu:edit", args=[item.pk]), {
        "name": "Verpleging (niveau 4)", "description": "", "default_quantity": "2", "is_fixed": "",
    }).status_code == 302
    # Edits the version in force today (from 1 July) and leaves the ended one as it was.
    assert [v.name for v in versions(org_a, "vp-n4")] == ["Verpleging", "Verpleging (niveau 4)"]
    assert admin_a.client.post(reverse("menu:deactivate", args=[item.pk]), {"active_to": "2026-12-31"}).status_code == 302
    assert versions(org_a, "vp-n4")[-1].active_to == date(2026, 12, 31)
    refused = admin_a.client.post(reverse("menu:change_price", args=[item.pk]),
                                  {"cost_price": "80.00", "active_from": "2026-03-01"})
    assert refused.status_code == 200 and b"must start after" in refused.content


def test_hours_without_level_refused_on_the_page(english_ui, admin_a, org_a):  # noqa: ANN001
    response = admin_a.client.post(reverse("menu:create"), {
        "name": "Verpleging", "code": "vp", "kind": "nursing", "unit": "hours_week", "function_level": "",
        "cost_price": "71.00", "default_quantity": "1", "active_from": "2026-01-01",
    })
    assert response.status_code == 200 and b"function level" in response.content
    assert versions(org_a, "vp") == []


def test_team_manager_reads_but_may_not_write(manager_a, org_a):  # noqa: ANN001
    item = MenuItemFactory(organization=org_a)
    client = manager_a.client
    assert client.get(reverse("menu:list")).status_code == 200
    detail = client.get(reverse("menu:detail", args=[item.pk]))
    assert detail.status_code == 200 and b"Change the price" not in detail.content
    assert client.get(reverse("menu:create")).status_code == 403
    posts = [
        (reverse("menu:create"), {"name": "x"}),
        (reverse("menu:load_defaults"), {"active_from": "2026-01-01"}),
        (reverse("menu:change_price", args=[item.pk]), {"cost_price": "1", "active_from": "2026-07-01"}),
        (reverse("menu:edit", args=[item.pk]), {"name": "x"}),
        (reverse("menu:deactivate", args=[item.pk]), {"active_to": "2026-07-01"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert len(versions(org_a, item.code)) == 1


def test_coach_may_not_see_the_card(coach_a, org_a):  # noqa: ANN001
    item = MenuItemFactory(organization=org_a)
    assert coach_a.client.get(reverse("menu:list")).status_code == 403
    assert coach_a.client.get(reverse("menu:detail", args=[item.pk])).status_code == 403


def test_admin_of_another_organisation_gets_404(admin_b, org_a):  # noqa: ANN001
    item = MenuItemFactory(organization=org_a, name="Alleen QQALPHAQQ")
    assert admin_b.client.get(reverse("menu:detail", args=[item.pk])).status_code == 404
    for name, data in [("change_price", {"cost_price": "1", "active_from": "2026-07-01"}),
                       ("edit", {"name": "x"}), ("deactivate", {"active_to": "2026-07-01"})]:
        assert admin_b.client.post(reverse(f"menu:{name}", args=[item.pk]), data).status_code == 404
    assert b"QQALPHAQQ" not in admin_b.client.get(reverse("menu:list"), {"history": "on"}).content
    assert len(versions(org_a, item.code)) == 1


@pytest.mark.parametrize("history", [False, True])
def test_list_query_count_does_not_grow(admin_a, org_a, history):  # noqa: ANN001
    params = {"history": "on"} if history else {}

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_a.client.get(reverse("menu:list"), params).status_code == 200
        return len(ctx.captured_queries)

    MenuItemFactory.create_batch(5, organization=org_a)
    few = count_queries()
    MenuItemFactory.create_batch(35, organization=org_a, kind=MenuItem.Kind.MEALS, unit=MenuItem.Unit.PER_DAY,
                                 function_level=None)
    assert count_queries() == few
