"""Visit API (v1) for planning systems: plan, register, change, confirm, cancel, history,
the employee list; the service rules as 400s, field staff's own visits only, team and
tenant isolation, idempotency on external_id, access logging, bounded queries, the schema."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teams.models import Employee, Visit, VisitRevision
from tests.factories import ClientFactory, EmployeeFactory, VisitFactory
from vpt.audit.models import AccessLog
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

JSON = "application/json"
LIST = reverse("api-v1:visit_list")
EMPLOYEES = reverse("api-v1:employee_list")
MONDAY = dt.date(2026, 6, 1)  # "today": noon in Amsterdam
YESTERDAY = MONDAY - dt.timedelta(days=1)
TOMORROW = MONDAY + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def pinned_now():  # noqa: ANN201
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture(autouse=True)
def english_ui(settings):  # noqa: ANN001, ANN201
    """Messages are asserted in the English source text."""
    settings.LANGUAGE_CODE = "en"


def detail(visit_id: int) -> str:
    return reverse("api-v1:visit_detail", args=[visit_id])


def cancel(visit_id: int) -> str:
    return reverse("api-v1:visit_cancel", args=[visit_id])


def history(visit_id: int) -> str:
    return reverse("api-v1:visit_history", args=[visit_id])


def employee_of(persona) -> Employee:  # noqa: ANN001
    with tenant_scope(persona.organization):
        return Employee.objects.get(membership=persona.membership)


def visit_data(client, employee, /, **overrides) -> dict:  # noqa: ANN001, ANN003
    return {"client": client.pk, "employee": employee.pk, "date": TOMORROW.isoformat(), "start": "09:00",
            "duration_minutes": 45, "activities": ["personal-care"], **overrides}


def post_visit(persona, client, employee, /, **overrides) -> dict:  # noqa: ANN001, ANN003
    response = persona.client.post(LIST, visit_data(client, employee, **overrides), content_type=JSON)
    assert response.status_code == 201, response.content
    return response.json()


def log(org, action: str) -> list[AccessLog]:  # noqa: ANN001
    with tenant_scope(org):
        return list(AccessLog.objects.filter(action=action).order_by("at", "pk"))


def revisions(org, visit_id: int) -> list[VisitRevision]:  # noqa: ANN001
    with tenant_scope(org):
        return list(VisitRevision.objects.filter(visit_id=visit_id).order_by("changed_at", "pk"))


# --- create, list, retrieve -----------------------------------------------------------------------


def test_a_planner_plans_a_visit_and_reads_it_back(org_a, manager_north, coach_north, client_north):  # noqa: ANN001
    cora = employee_of(coach_north)
    body = post_visit(manager_north, client_north, cora, activities=["personal-care", "support"], note=" Sleutel ",
                      external_id="plan-001")
    assert (body["client"], body["employee"], body["employee_name"]) == (client_north.pk, cora.pk, cora.full_name)
    assert body["client_name"] == client_north.full_name
    assert (body["date"], body["start"], body["duration_minutes"], body["planned_minutes"]) == (
        "2026-06-02", "09:00", 45, 45)
    assert (body["status"], body["source"], body["external_id"], body["note"]) == ("planned", "api", "plan-001",
                                                                                    "Sleutel")
    assert body["activities"] == ["personal-care", "support"] and body["delivered_at"] is None
    [created] = revisions(org_a, body["id"])
    assert created.action == "created" and created.changed_by == manager_north.user
    assert [e.client_id for e in log(org_a, AccessLog.Action.CREATE) if e.object_type == "teams.visit"] == [
        client_north.pk]

    listed = manager_north.client.get(LIST)
    assert listed.status_code == 200
    assert listed.json()["count"] == 1 and listed.json()["results"][0] == body
    [search] = log(org_a, AccessLog.Action.SEARCH)
    assert search.object_type == "teams.visit" and "2026-06-01 to 2026-06-07" in search.description

    one = manager_north.client.get(detail(body["id"]))
    assert one.status_code == 200 and one.json() == body
    [view] = log(org_a, AccessLog.Action.VIEW)
    assert (view.client_id, view.object_id, view.description) == (client_north.pk, str(body["id"]), "API visit detail")


def test_a_coach_registers_a_delivered_visit_of_their_own(coach_north, client_north):  # noqa: ANN001
    body = post_visit(coach_north, client_north, employee_of(coach_north), date=MONDAY.isoformat(), start="08:15",
                      status="delivered")
    assert (body["status"], body["planned_minutes"]) == ("delivered", None)
    assert body["delivered_at"] is not None


def test_list_filters_and_range(org_a, manager_north, coach_north, support_north, client_north):  # noqa: ANN001
    cora = employee_of(coach_north)
    first = post_visit(manager_north, client_north, cora, external_id="ext-1")
    second = post_visit(manager_north, client_north, support_north, date=(MONDAY + dt.timedelta(days=10)).isoformat())
    third = post_visit(manager_north, client_north, support_north, date=MONDAY.isoformat(), start="13:00")
    manager_north.client.post(cancel(third["id"]), {}, content_type=JSON)

    def ids(**params) -> list[int]:  # noqa: ANN003
        response = manager_north.client.get(LIST, params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [third["id"], first["id"]]  # this week, by date and time, cancelled included
    assert ids(date_from="2026-06-01", date_to="2026-06-30") == [third["id"], first["id"], second["id"]]
    assert ids(date_from="2026-06-08") == [second["id"]]  # a week from date_from
    assert ids(employee=support_north.pk, date_to="2026-06-30", date_from="2026-06-01") == [third["id"], second["id"]]
    assert ids(status="planned") == [first["id"]]
    assert ids(status="cancelled") == [third["id"]]
    assert ids(external_id="ext-1") == [first["id"]]
    assert ids(client=client_north.pk) == [third["id"], first["id"]]
    assert ids(team=client_north.primary_team_id) == [third["id"], first["id"]]
    assert ids(team=client_north.primary_team_id + 1000) == []

    too_long = manager_north.client.get(LIST, {"date_from": "2026-01-01", "date_to": "2026-04-03"})
    assert too_long.status_code == 400 and "date_to" in too_long.json()
    assert manager_north.client.get(LIST, {"date_from": "2026-01-01", "date_to": "2026-04-02"}).status_code == 200
    backwards = manager_north.client.get(LIST, {"date_from": "2026-06-10", "date_to": "2026-06-01"})
    assert backwards.status_code == 400 and "date_to" in backwards.json()
    assert manager_north.client.get(LIST, {"date_from": "soon"}).status_code == 400
    assert manager_north.client.get(LIST, {"status": "maybe"}).status_code == 400


# --- the rules as 400s -----------------------------------------------------------------------------


def test_create_follows_the_rules(org_a, manager_north, coach_north, client_north, client_south):  # noqa: ANN001
    cora = employee_of(coach_north)
    post_visit(manager_north, client_north, cora)

    def refused(field: str, **overrides) -> str:  # noqa: ANN003
        response = manager_north.client.post(LIST, visit_data(client_north, cora, **overrides), content_type=JSON)
        assert response.status_code == 400, response.content
        assert field in response.json(), response.json()
        return " ".join(response.json()[field])

    assert "at least one minute" in refused("duration_minutes", duration_minutes=-5, start="13:00")
    assert "at most 12 hours" in refused("duration_minutes", duration_minutes=800, start="13:00")
    assert "already has a visit" in refused("start", start="09:30")  # overlaps 09:00-09:45
    assert "future" in refused("date", status="delivered", start="13:00")
    assert "today or later" in refused("date", date=YESTERDAY.isoformat())  # planned in the past
    assert "not part of the client's arrangement" in refused("activities", activities=["massage"], start="13:00").lower()
    assert "not in VPT care" in refused("date", date="2020-01-01", status="delivered")
    refused("start", start="9 uur")
    refused("duration_minutes", duration_minutes=None)
    refused("status", status="cancelled")
    refused("client", client=client_south.pk, start="13:00")  # another team's client: not visible
    refused("client", client=999999)
    refused("employee", employee=999999)
    refused("status_code", status_code="x")  # unknown fields are refused, not ignored
    missing = manager_north.client.post(LIST, {}, content_type=JSON)
    assert missing.status_code == 400
    assert {"client", "employee", "date", "start", "duration_minutes"} <= set(missing.json())
    with tenant_scope(org_a):
        assert Visit.objects.count() == 1  # nothing half-saved


# --- change, confirm, cancel, history ----------------------------------------------------------------


def test_change_confirm_and_history(org_a, manager_north, coach_north, support_north, client_north):  # noqa: ANN001
    cora = employee_of(coach_north)
    visit = post_visit(manager_north, client_north, cora, date=MONDAY.isoformat(), start="08:00")
    url = detail(visit["id"])

    moved = manager_north.client.patch(url, {"start": "08:30", "employee": support_north.pk, "note": "Later"},
                                       content_type=JSON)
    assert moved.status_code == 200, moved.content
    assert (moved.json()["start"], moved.json()["employee"], moved.json()["note"]) == ("08:30", support_north.pk,
                                                                                       "Later")

    confirmed = manager_north.client.patch(url, {"confirm": True, "duration_minutes": 50}, content_type=JSON)
    assert confirmed.status_code == 200, confirmed.content
    body = confirmed.json()
    assert (body["status"], body["duration_minutes"], body["planned_minutes"]) == ("delivered", 50, 45)
    again = manager_north.client.patch(url, {"confirm": True}, content_type=JSON)
    assert again.status_code == 400 and "non_field_errors" in again.json()

    assert manager_north.client.patch(url, {"status": "cancelled"}, content_type=JSON).status_code == 400
    assert manager_north.client.delete(url).status_code == 405

    response = manager_north.client.get(history(visit["id"]))
    assert response.status_code == 200
    rows = response.json()
    assert [r["action"] for r in rows] == ["confirmed", "changed", "created"]
    assert rows[1]["changes"]["start"] == ["08:00", "08:30"]
    assert rows[1]["changes"]["employee_id"] == [cora.pk, support_north.pk]
    assert rows[0]["changes"]["status"] == ["planned", "delivered"]
    assert rows[0]["changes"]["duration_minutes"] == [45, 50]
    assert rows[0]["changed_by"] and rows[0]["is_late"] is False
    assert "API visit history" in [e.description for e in log(org_a, AccessLog.Action.VIEW)]


def test_confirming_a_visit_that_has_not_started_is_refused(manager_north, coach_north, client_north):  # noqa: ANN001
    visit = post_visit(manager_north, client_north, employee_of(coach_north), date=MONDAY.isoformat(), start="15:00")
    response = manager_north.client.patch(detail(visit["id"]), {"confirm": True}, content_type=JSON)
    assert response.status_code == 400 and "future" in " ".join(response.json()["date"])


def test_a_late_change_needs_a_reason(org_a, manager_north, coach_north, client_north):  # noqa: ANN001
    visit = post_visit(manager_north, client_north, employee_of(coach_north), date=YESTERDAY.isoformat(),
                       status="delivered")
    url = detail(visit["id"])
    without = manager_north.client.patch(url, {"duration_minutes": 30}, content_type=JSON)
    assert without.status_code == 400 and "reason" in without.json()
    with_reason = manager_north.client.patch(url, {"duration_minutes": 30, "reason": "Verkeerd ingevoerd"},
                                             content_type=JSON)
    assert with_reason.status_code == 200 and with_reason.json()["duration_minutes"] == 30
    latest = revisions(org_a, visit["id"])[-1]
    assert (latest.action, latest.reason, latest.is_late, latest.changes) == (
        "changed", "Verkeerd ingevoerd", True, {"duration_minutes": [45, 30]})

    assert manager_north.client.post(cancel(visit["id"]), {}, content_type=JSON).status_code == 400
    cancelled = manager_north.client.post(cancel(visit["id"]), {"reason": "Dubbel"}, content_type=JSON)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_cancel_frees_the_time(org_a, manager_north, coach_north, client_north):  # noqa: ANN001
    cora = employee_of(coach_north)
    visit = post_visit(manager_north, client_north, cora)
    response = manager_north.client.post(cancel(visit["id"]), {}, content_type=JSON)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    post_visit(manager_north, client_north, cora)  # the same slot again
    assert manager_north.client.get(cancel(visit["id"])).status_code == 405
    assert manager_north.client.patch(detail(visit["id"]), {"note": "x"}, content_type=JSON).status_code == 400
    assert [r.action for r in revisions(org_a, visit["id"])] == ["created", "cancelled"]


# --- permissions and isolation --------------------------------------------------------------------


def test_field_staff_write_only_their_own_visits(manager_north, coach_north, support_north, client_north):  # noqa: ANN001
    refused = coach_north.client.post(LIST, visit_data(client_north, support_north), content_type=JSON)
    assert refused.status_code == 403
    theirs = post_visit(manager_north, client_north, support_north)
    assert coach_north.client.get(detail(theirs["id"])).status_code == 200  # reading is fine
    assert coach_north.client.patch(detail(theirs["id"]), {"note": "x"}, content_type=JSON).status_code == 403
    assert coach_north.client.post(cancel(theirs["id"]), {}, content_type=JSON).status_code == 403
    own = post_visit(coach_north, client_north, employee_of(coach_north))
    handing_over = coach_north.client.patch(detail(own["id"]), {"employee": support_north.pk}, content_type=JSON)
    assert handing_over.status_code == 403


def test_roles_without_visit_rights(org_a, make_persona, manager_north, coach_north, client_north):  # noqa: ANN001
    visit = post_visit(manager_north, client_north, employee_of(coach_north))
    finance = make_persona(org_a, Role.FINANCE)
    assert finance.client.get(detail(visit["id"])).status_code == 200
    assert finance.client.post(LIST, visit_data(client_north, employee_of(coach_north), start="13:00"),
                               content_type=JSON).status_code == 403
    reviewer = make_persona(org_a, Role.ZK_REVIEWER)
    for url in (LIST, detail(visit["id"]), history(visit["id"]), EMPLOYEES):
        assert reviewer.client.get(url).status_code == 403, url


def test_a_coach_sees_only_their_teams_visits(org_a, manager_north, coach_north, coach_south, client_north,
                                              client_south):  # noqa: ANN001
    north = post_visit(coach_north, client_north, employee_of(coach_north))
    south = post_visit(coach_south, client_south, employee_of(coach_south))
    assert [r["id"] for r in coach_north.client.get(LIST).json()["results"]] == [north["id"]]
    assert [r["id"] for r in coach_south.client.get(LIST).json()["results"]] == [south["id"]]
    for url in (detail(south["id"]), history(south["id"])):
        assert coach_north.client.get(url).status_code == 404
    assert coach_north.client.patch(detail(south["id"]), {"note": "x"}, content_type=JSON).status_code == 404
    assert coach_north.client.post(cancel(south["id"]), {}, content_type=JSON).status_code == 404
    # A client of another team is not on offer either.
    response = coach_north.client.post(LIST, visit_data(client_south, employee_of(coach_north)), content_type=JSON)
    assert response.status_code == 400 and "client" in response.json()


def test_another_organisation_gets_404(org_a, admin_b, manager_north, coach_north, client_north):  # noqa: ANN001
    visit = post_visit(manager_north, client_north, employee_of(coach_north), external_id="shared-id")
    assert admin_b.client.get(detail(visit["id"])).status_code == 404
    assert admin_b.client.patch(detail(visit["id"]), {"note": "x"}, content_type=JSON).status_code == 404
    assert admin_b.client.delete(detail(visit["id"])).status_code == 404
    assert admin_b.client.post(cancel(visit["id"]), {"reason": "x"}, content_type=JSON).status_code == 404
    assert admin_b.client.get(history(visit["id"])).status_code == 404
    assert admin_b.client.get(LIST).json()["count"] == 0
    assert admin_b.client.get(EMPLOYEES).json()["count"] == 0
    # Another organisation's client and employee cannot be used, and external ids are per organisation.
    response = admin_b.client.post(LIST, visit_data(client_north, employee_of(coach_north), external_id="shared-id"),
                                   content_type=JSON)
    assert response.status_code == 400 and {"client", "employee"} & set(response.json())
    with tenant_scope(org_a):
        assert Visit.objects.get(pk=visit["id"]).note == ""
    assert [r.action for r in revisions(org_a, visit["id"])] == ["created"]


def test_a_repeated_external_id_answers_409(org_a, manager_north, coach_north, client_north):  # noqa: ANN001
    cora = employee_of(coach_north)
    first = post_visit(manager_north, client_north, cora, external_id="rooster-42")
    again = manager_north.client.post(LIST, visit_data(client_north, cora, external_id="rooster-42"), content_type=JSON)
    assert again.status_code == 409
    assert again.json()["id"] == first["id"] and again.json()["detail"]
    other_slot = manager_north.client.post(LIST, visit_data(client_north, cora, external_id="rooster-42",
                                                            start="15:00"), content_type=JSON)
    assert other_slot.status_code == 409
    with tenant_scope(org_a):
        assert Visit.objects.count() == 1


def test_a_concurrent_duplicate_external_id_is_a_409_too(org_a, manager_north, coach_north, support_north,
                                                         client_north, monkeypatch):  # noqa: ANN001
    """The API's check passed, then another request created the same external id first."""
    from teams import services

    real_create = services.visit_create
    competing = {}

    def racing_create(**kwargs):  # noqa: ANN003, ANN202
        competing["visit"] = VisitFactory(organization=org_a, client=client_north, employee=support_north,
                                          date=MONDAY, external_id="race-1")
        return real_create(**kwargs)

    monkeypatch.setattr(services, "visit_create", racing_create)
    response = manager_north.client.post(LIST, visit_data(client_north, employee_of(coach_north), external_id="race-1"),
                                         content_type=JSON)
    assert response.status_code == 409 and response.json()["id"] == competing["visit"].pk


def test_the_database_key_on_external_id_is_reported_as_such(org_a, coach_north, support_north, client_north):  # noqa: ANN001
    """When both requests pass the service's check, the unique key refuses the second:
    reported on external_id, not as an overlap."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from teams.services import _save_checked

    VisitFactory(organization=org_a, client=client_north, employee=support_north, date=MONDAY, external_id="dup")
    with tenant_scope(org_a), transaction.atomic():
        twin = Visit(organization=org_a, client=client_north, employee=employee_of(coach_north), date=TOMORROW,
                     start=dt.time(9), duration_minutes=30, external_id="dup")
        with pytest.raises(ValidationError) as caught:
            _save_checked(twin)
    assert list(caught.value.message_dict) == ["external_id"]


# --- employees ------------------------------------------------------------------------------------------


def test_the_employee_list(org_a, manager_north, coach_north, coach_south, support_north, admin_a):  # noqa: ANN001
    EmployeeFactory(organization=org_a, team=support_north.team, first_name="Oud", last_name="Gediende",
                    is_active=False)
    response = manager_north.client.get(EMPLOYEES)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {r["full_name"] for r in rows} == {employee_of(coach_north).full_name, "Sam Steun", "Oud Gediende"}
    cora = next(r for r in rows if r["id"] == employee_of(coach_north).pk)
    assert (cora["team"], cora["team_name"], cora["role"], cora["function_level"], cora["contract_hours"],
            cora["is_active"], cora["has_user_account"]) == (
        support_north.team_id, "Team Noord", "client_coach", 3, "28.0", True, True)
    assert "hourly_cost" not in cora
    active = manager_north.client.get(EMPLOYEES, {"active": "true"}).json()["results"]
    assert "Oud Gediende" not in {r["full_name"] for r in active}
    everyone = admin_a.client.get(EMPLOYEES).json()
    assert everyone["count"] == 4  # the admin sees every team
    south = admin_a.client.get(EMPLOYEES, {"team": employee_of(coach_south).team_id}).json()["results"]
    assert [r["id"] for r in south] == [employee_of(coach_south).pk]


# --- queries and schema --------------------------------------------------------------------------------


def test_list_query_count_does_not_grow(admin_a, org_a):  # noqa: ANN001
    def add_visits(n: int) -> None:
        for i in range(n):
            client = ClientFactory(organization=org_a, status="in_care", care_start=dt.date(2025, 1, 1))
            VisitFactory(organization=org_a, client=client, date=MONDAY, start=dt.time(8 + i % 10, 0))

    def count_list_queries(expected: int) -> list[str]:
        admin_a.client.get(LIST)  # the first request of a session does extra work
        with CaptureQueriesContext(connection) as queries:
            response = admin_a.client.get(LIST)
        assert response.json()["count"] == expected
        return [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]

    add_visits(1)
    small = count_list_queries(1)
    add_visits(29)
    large = count_list_queries(30)
    assert len(small) == len(large), f"{len(small)} queries for 1 visit, {len(large)} for 30"
    assert len(large) <= 10, "\n".join(q[:150] for q in large)


def test_the_endpoints_are_in_the_schema_without_warnings():
    from django.urls import include, path
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    patterns = [path("api/v1/", include("teams.api_urls"))]
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache, (
        list(GENERATOR_STATS._warn_cache) + list(GENERATOR_STATS._error_cache))
    paths = schema["paths"]
    assert set(paths) == {"/api/v1/visits/", "/api/v1/visits/{visit_id}/", "/api/v1/visits/{visit_id}/cancel/",
                          "/api/v1/visits/{visit_id}/history/", "/api/v1/employees/"}
    assert "409" in paths["/api/v1/visits/"]["post"]["responses"]
    assert {"400", "403", "404"} <= set(paths["/api/v1/visits/{visit_id}/"]["patch"]["responses"])
    assert "delete" not in paths["/api/v1/visits/{visit_id}/"]
    assert all(op.get("summary") for ops in paths.values() for op in ops.values())
