"""Arrangement API (v1): menu card, versions, the draft builder and activation; permissions,
team and tenant isolation, access logging, the OpenAPI schema."""

from __future__ import annotations

import datetime
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from arrangements.models import Arrangement, ArrangementLine, MenuItem
from clients.models import Client
from tests.clients import conftest as client_fixtures
from tests.factories import (
    ContractFactory,
    MenuItemFactory,
    RegionFactory,
    WlzIndicationFactory,
    ZorgkantoorFactory,
)
from vpt.audit.models import AccessLog
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope
from vpt.wlz.tariffs import load_default_tariffs

team_north = client_fixtures.team_north
team_south = client_fixtures.team_south
manager_north = client_fixtures.manager_north
coach_north = client_fixtures.coach_north
client_north = client_fixtures.client_north

JAN_1 = date(2026, 1, 1)
JSON = "application/json"


@pytest.fixture(autouse=True)
def pinned_today():  # noqa: ANN201
    with time_machine.travel(datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture(autouse=True)
def english():  # noqa: ANN201
    with translation.override("en"):
        yield


@pytest.fixture
def menu(org_a):  # noqa: ANN001, ANN201
    return {
        "alarm": MenuItemFactory(organization=org_a, code="alarm", name="Personal alarm",
                                 kind=MenuItem.Kind.PERSONAL_ALARM, unit=MenuItem.Unit.PER_MONTH, function_level=None,
                                 cost_price=Decimal("36.50"), is_fixed=True, default_quantity=Decimal("1")),
        "old": MenuItemFactory(organization=org_a, code="old-door", name="Old door lock", kind=MenuItem.Kind.DOOR_ACCESS,
                               unit=MenuItem.Unit.PER_MONTH, function_level=None, active_to=date(2025, 12, 31)),
        "care": MenuItemFactory(organization=org_a, code="care", name="Personal care",
                                unit=MenuItem.Unit.HOURS_PER_WEEK, function_level=3, cost_price=Decimal("56.00")),
    }


@pytest.fixture
def person(org_a, client_north):  # noqa: ANN001, ANN201
    """Jan, in care since 1 January 2026 with a 5VV indication; tariffs and a 96.50 % contract."""
    load_default_tariffs()
    zorgkantoor = ZorgkantoorFactory()
    org_a.region = RegionFactory(zorgkantoor=zorgkantoor)
    org_a.save(update_fields=["region"])
    ContractFactory(organization=org_a, zorgkantoor=zorgkantoor, year=2026, percentage=Decimal("96.50"))
    WlzIndicationFactory(organization=org_a, client=client_north, zorgprofiel="754", valid_from=date(2025, 1, 1))
    with tenant_scope(org_a):
        Client.objects.filter(pk=client_north.pk).update(status=Client.Status.IN_CARE, care_start=JAN_1)
        client_north.refresh_from_db()
    return client_north


def versions_url(client) -> str:  # noqa: ANN001
    return reverse("api-v1:arrangement_list", args=[client.pk])


def detail_url(arrangement) -> str:  # noqa: ANN001
    return reverse("api-v1:arrangement_detail", args=[arrangement.client_id, arrangement.pk])


def lines_url(arrangement) -> str:  # noqa: ANN001
    return reverse("api-v1:arrangement_line_list", args=[arrangement.client_id, arrangement.pk])


def line_url(arrangement, line_id: int) -> str:  # noqa: ANN001
    return reverse("api-v1:arrangement_line_detail", args=[arrangement.client_id, arrangement.pk, line_id])


def activate_url(arrangement) -> str:  # noqa: ANN001
    return reverse("api-v1:arrangement_activate", args=[arrangement.client_id, arrangement.pk])


def create_draft(persona, client, **data):  # noqa: ANN001, ANN003, ANN201
    response = persona.client.post(versions_url(client), {"valid_from": "2026-01-01", **data}, content_type=JSON)
    assert response.status_code == 201, response.content
    with tenant_scope(client.organization):
        return Arrangement.objects.get(pk=response.json()["id"])


def log(org, client, action: str) -> list[AccessLog]:  # noqa: ANN001
    with tenant_scope(org):
        return list(AccessLog.objects.filter(client_id=client.pk, action=action).order_by("at", "pk"))


# --- the menu card ------------------------------------------------------------------------


def test_menu_items_on_a_day(manager_north, menu, org_b):  # noqa: ANN001
    MenuItemFactory(organization=org_b, code="foreign", name="Foreign item")
    response = manager_north.client.get(reverse("api-v1:menu_item_list"))
    assert response.status_code == 200
    assert sorted(item["code"] for item in response.json()) == ["alarm", "care"]
    care = next(item for item in response.json() if item["code"] == "care")
    assert (care["unit"], care["function_level"], care["cost_price"]) == ("hours_week", 3, "56.00")
    earlier = manager_north.client.get(reverse("api-v1:menu_item_list"), {"day": "2025-06-01"}).json()
    assert "old-door" in {item["code"] for item in earlier}
    assert manager_north.client.get(reverse("api-v1:menu_item_list"), {"day": "soon"}).status_code == 400


# --- versions ---------------------------------------------------------------------------------


def test_create_a_draft_list_and_detail(manager_north, org_a, person, menu):  # noqa: ANN001
    arrangement = create_draft(manager_north, person, note="Eerste versie")
    assert (arrangement.version, arrangement.status, arrangement.note) == (1, Arrangement.Status.DRAFT, "Eerste versie")
    assert log(org_a, person, AccessLog.Action.CREATE)

    listed = manager_north.client.get(versions_url(person))
    assert listed.status_code == 200
    assert [(v["id"], v["version"], v["status"]) for v in listed.json()] == [(arrangement.pk, 1, "draft")]

    detail = manager_north.client.get(detail_url(arrangement))
    assert detail.status_code == 200
    body = detail.json()
    assert [line["menu_item"]["code"] for line in body["lines"]] == ["alarm"]  # the fixed element
    assert body["lines"][0]["cost_per_day"] == "1.20"  # 36.50 × 12 / 365
    assert body["summary"]["tariff_per_day"] == "216.93"
    assert body["summary"]["tariff"]["zorgprofiel_short"] == "5VV"
    assert body["summary"]["over_budget"] is False
    views = [e.description for e in log(org_a, person, AccessLog.Action.VIEW)]
    assert views == ["API arrangement versions", "API arrangement v1"]


def test_create_follows_the_rules(english_ui, manager_north, person, menu):  # noqa: ANN001
    create_draft(manager_north, person)
    second = manager_north.client.post(versions_url(person), {"valid_from": "2026-02-01"}, content_type=JSON)
    assert second.status_code == 400
    assert "already a draft" in " ".join(second.json()["non_field_errors"])
    missing = manager_north.client.post(versions_url(person), {}, content_type=JSON)
    assert missing.status_code == 400 and "valid_from" in missing.json()


def test_lines_add_change_remove_and_activate(english_ui, manager_north, org_a, person, menu):  # noqa: ANN001
    arrangement = create_draft(manager_north, person)
    added = manager_north.client.post(lines_url(arrangement), {"menu_item": menu["care"].pk, "quantity": "30"},
                                      content_type=JSON)
    assert added.status_code == 201, added.content
    line = added.json()
    assert (line["menu_item"]["code"], line["quantity"], line["delivered_by"]) == ("care", "30.00", "team")
    assert line["cost_per_week"] == "1680.00"

    # The item is no longer on the card; a subcontractor line names the subcontractor.
    gone = manager_north.client.post(lines_url(arrangement), {"menu_item": menu["old"].pk, "quantity": "1"},
                                     content_type=JSON)
    assert gone.status_code == 400 and "menu_item" in gone.json()
    unnamed = manager_north.client.patch(line_url(arrangement, line["id"]), {"delivered_by": "subcontractor"},
                                         content_type=JSON)
    assert unnamed.status_code == 400 and "subcontractor" in unnamed.json()

    changed = manager_north.client.patch(line_url(arrangement, line["id"]), {"quantity": "10"}, content_type=JSON)
    assert changed.status_code == 200 and changed.json()["quantity"] == "10.00"

    with tenant_scope(org_a):
        alarm = ArrangementLine.objects.get(arrangement=arrangement, menu_item__code="alarm")
    fixed = manager_north.client.delete(line_url(arrangement, alarm.pk))
    assert fixed.status_code == 400 and "fixed element" in " ".join(fixed.json()["non_field_errors"])

    # Over budget: 30 h × € 56 / 7 = € 240 per day against € 216.93.
    manager_north.client.patch(line_url(arrangement, line["id"]), {"quantity": "30"}, content_type=JSON)
    refused = manager_north.client.post(activate_url(arrangement), {"agreed_on": "2025-12-20"}, content_type=JSON)
    assert refused.status_code == 400
    assert "justification" in refused.json()
    assert manager_north.client.get(detail_url(arrangement)).json()["status"] == "draft"

    activated = manager_north.client.post(activate_url(arrangement), {
        "agreed_on": "2025-12-20", "justification": "Tijdelijk meer zorg na ziekenhuisopname.",
    }, content_type=JSON)
    assert activated.status_code == 200, activated.content
    body = activated.json()
    assert (body["status"], body["agreed_on"]) == ("active", "2025-12-20")
    assert body["over_budget_justification"] == "Tijdelijk meer zorg na ziekenhuisopname."
    assert body["summary"]["over_budget"] is True
    assert body["summary"]["hours_per_week_by_level"] == [{"function_level": 3, "hours_per_week": "30.00"}]

    # An active version is history: its lines no longer change.
    frozen = manager_north.client.delete(line_url(arrangement, line["id"]))
    assert frozen.status_code == 400


def test_removing_a_line(manager_north, person, menu):  # noqa: ANN001
    arrangement = create_draft(manager_north, person)
    line = manager_north.client.post(lines_url(arrangement), {"menu_item": menu["care"].pk, "quantity": "2"},
                                     content_type=JSON).json()
    assert manager_north.client.delete(line_url(arrangement, line["id"])).status_code == 204
    codes = [x["menu_item"]["code"] for x in manager_north.client.get(detail_url(arrangement)).json()["lines"]]
    assert codes == ["alarm"]


# --- permissions and isolation --------------------------------------------------------------


def test_a_coach_reads_but_does_not_write(coach_north, manager_north, person, menu):  # noqa: ANN001
    arrangement = create_draft(manager_north, person)
    assert coach_north.client.get(detail_url(arrangement)).status_code == 200
    assert coach_north.client.post(versions_url(person), {"valid_from": "2026-02-01"},
                                   content_type=JSON).status_code == 403
    assert coach_north.client.post(lines_url(arrangement), {"menu_item": menu["care"].pk, "quantity": "1"},
                                   content_type=JSON).status_code == 403
    assert coach_north.client.post(activate_url(arrangement), {}, content_type=JSON).status_code == 403


def test_a_zorgkantoor_reviewer_is_refused(org_a, manager_north, person, menu, make_persona):  # noqa: ANN001
    arrangement = create_draft(manager_north, person)
    zk = make_persona(org_a, Role.ZK_REVIEWER)
    for url in (reverse("api-v1:menu_item_list"), versions_url(person), detail_url(arrangement)):
        assert zk.client.get(url).status_code == 403
    assert not log(org_a, person, AccessLog.Action.VIEW)


def test_a_coach_of_another_team_gets_404(org_a, manager_north, person, menu, team_south, make_persona):  # noqa: ANN001
    arrangement = create_draft(manager_north, person)
    coach = make_persona(org_a, Role.CLIENT_COACH)
    team_south.members.add(coach.membership)
    assert coach.client.get(versions_url(person)).status_code == 404
    assert coach.client.get(detail_url(arrangement)).status_code == 404


def test_another_organisation_gets_404(org_a, manager_north, person, menu, admin_b):  # noqa: ANN001
    arrangement = create_draft(manager_north, person)
    with tenant_scope(org_a):
        alarm = ArrangementLine.objects.get(arrangement=arrangement)
    assert admin_b.client.get(versions_url(person)).status_code == 404
    assert admin_b.client.get(detail_url(arrangement)).status_code == 404
    assert admin_b.client.post(versions_url(person), {"valid_from": "2026-02-01"}, content_type=JSON).status_code == 404
    assert admin_b.client.post(lines_url(arrangement), {}, content_type=JSON).status_code == 404
    assert admin_b.client.patch(line_url(arrangement, alarm.pk), {"quantity": "3"},
                                content_type=JSON).status_code == 404
    assert admin_b.client.delete(line_url(arrangement, alarm.pk)).status_code == 404
    assert admin_b.client.post(activate_url(arrangement), {}, content_type=JSON).status_code == 404
    assert admin_b.client.get(reverse("api-v1:menu_item_list")).json() == []
    assert [e.action for e in log(org_a, person, AccessLog.Action.VIEW)] == []


def test_a_version_of_another_client_is_404(org_a, manager_north, person, menu, team_north):  # noqa: ANN001
    from tests.factories import ClientFactory

    arrangement = create_draft(manager_north, person)
    other = ClientFactory(organization=org_a, primary_team=team_north)
    url = reverse("api-v1:arrangement_detail", args=[other.pk, arrangement.pk])
    assert manager_north.client.get(url).status_code == 404


def test_the_endpoints_are_in_the_openapi_schema(admin_a):  # noqa: ANN001
    response = admin_a.client.get(reverse("api-v1:schema"), {"format": "json"})
    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/v1/menu-items/", "/api/v1/clients/{client_id}/arrangements/",
                 "/api/v1/clients/{client_id}/arrangements/{arrangement_id}/lines/{arrangementline_id}/",
                 "/api/v1/clients/{client_id}/arrangements/{arrangement_id}/activate/"):
        assert path in text
