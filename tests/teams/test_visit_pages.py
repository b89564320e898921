"""The visit pages: the planners' list, planning a visit, one visit with its history,
changes (a reason after the visit's day), confirmation and cancelling; who may open what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teams.models import Employee, Visit, VisitRevision
from tests.factories import EmployeeFactory, VisitFactory
from vpt.audit.models import AccessLog
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope


@pytest.fixture(autouse=True)
def english_ui(settings):  # noqa: ANN001, ANN201
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def coach_employee(org_a, coach_north) -> Employee:  # noqa: ANN001
    with tenant_scope(org_a):
        return Employee.objects.filter(membership=coach_north.membership).first()


def planned(org, client, employee, day: dt.date, start: dt.time = dt.time(10, 0), minutes: int = 45, **kw) -> Visit:  # noqa: ANN001, ANN003
    kw.setdefault("status", Visit.Status.PLANNED)
    return VisitFactory(organization=org, client=client, employee=employee, date=day, start=start,
                        duration_minutes=minutes, delivered_at=None, **kw)


def reload(org, visit: Visit) -> Visit:  # noqa: ANN001
    with tenant_scope(org):
        return Visit.objects.filter(pk=visit.pk).first()


def revisions(org, visit: Visit) -> list[VisitRevision]:  # noqa: ANN001
    with tenant_scope(org):
        return list(VisitRevision.objects.filter(visit=visit))


# --- planning -------------------------------------------------------------------------------


def test_plan_a_visit(org_a, manager_north, client_north, support_north, today):  # noqa: ANN001
    tomorrow = today + dt.timedelta(days=1)
    response = manager_north.client.post(reverse("visits:create"), {
        "client": client_north.pk, "employee": support_north.pk, "date": tomorrow.isoformat(), "start": "10:30",
        "duration_minutes": "45", "activities": ["personal-care", "support"], "note": "Douchen",
    })
    with tenant_scope(org_a):
        visit = Visit.objects.filter(client=client_north).first()
        assert visit is not None, response.content.decode()[:2000]
        assert (visit.status, visit.date, visit.start, visit.duration_minutes) == (
            Visit.Status.PLANNED, tomorrow, dt.time(10, 30), 45)
        assert visit.activities == ["personal-care", "support"] and visit.employee == support_north
        assert [r.action for r in visit.revisions.all()] == ["created"]
    assert response.status_code == 302 and response["Location"] == reverse("visits:detail", args=[visit.pk])


def test_register_a_past_visit_as_delivered(org_a, manager_north, client_north, support_north, today):  # noqa: ANN001
    yesterday = today - dt.timedelta(days=1)
    data = {"client": client_north.pk, "employee": support_north.pk, "date": yesterday.isoformat(), "start": "09:00",
            "duration_minutes": "30"}
    response = manager_north.client.post(reverse("visits:create"), data)
    assert response.status_code == 200
    assert "Plan a visit for today or later" in response.content.decode()
    response = manager_north.client.post(reverse("visits:create"), {**data, "delivered": "on"})
    assert response.status_code == 302
    with tenant_scope(org_a):
        visit = Visit.objects.filter(client=client_north).first()
    assert visit.status == Visit.Status.DELIVERED and visit.delivered_at is not None


def test_activities_come_from_the_arrangement(manager_north, client_north, support_north, today):  # noqa: ANN001
    url = reverse("visits:create")
    response = manager_north.client.post(url, {
        "client": client_north.pk, "employee": support_north.pk, "date": today.isoformat(), "start": "23:00",
        "duration_minutes": "30", "activities": ["swimming"],
    })
    assert response.status_code == 200 and "swimming is not one of the available choices" in response.content.decode()
    # Choosing the client (htmx) brings the elements of their arrangement.
    fragment = manager_north.client.get(url, {"client": client_north.pk, "date": today.isoformat()},
                                        headers={"HX-Request": "true"}).content.decode()
    assert "Persoonlijke verzorging" in fragment and "Begeleiding" in fragment and "<html" not in fragment


def test_only_visible_clients_can_be_chosen(manager_north, client_north, client_south, support_north, coach_south, today):  # noqa: ANN001
    body = manager_north.client.get(reverse("visits:create")).content.decode()
    assert "Noorderling" in body and "Zuiderling" not in body
    response = manager_north.client.post(reverse("visits:create"), {
        "client": client_south.pk, "employee": support_north.pk, "date": (today + dt.timedelta(days=1)).isoformat(),
        "start": "10:00", "duration_minutes": "30",
    })
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


# --- the list -------------------------------------------------------------------------------


@pytest.fixture
def week_of_visits(org_a, client_north, client_south, support_north, coach_employee, coach_south, today):  # noqa: ANN001, ANN201
    with tenant_scope(org_a):
        south_employee = Employee.objects.filter(membership=coach_south.membership).first()
    return {
        "sam": planned(org_a, client_north, support_north, today, dt.time(8, 0), 60),
        "cora": VisitFactory(organization=org_a, client=client_north, employee=coach_employee, date=today,
                             start=dt.time(11, 0), duration_minutes=90, note="QQCORAQQ"),
        "cancelled": planned(org_a, client_north, support_north, today, dt.time(14, 0), 30,
                             status=Visit.Status.CANCELLED),
        "old": planned(org_a, client_north, support_north, today - dt.timedelta(days=30), note="QQOLDQQ"),
        "south": planned(org_a, client_south, south_employee, today, note="QQSOUTHQQ"),
    }


def test_list_shows_this_week_of_visible_clients_with_totals(manager_north, week_of_visits):  # noqa: ANN001
    response = manager_north.client.get(reverse("visits:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "QQCORAQQ" in body and "QQOLDQQ" not in body and "QQSOUTHQQ" not in body
    assert reverse("visits:detail", args=[week_of_visits["sam"].pk]) in body
    # Planned 60 min = 1.00 h; delivered 90 min = 1.50 h; one cancelled; three visits.
    assert "1.00 h" in body and "1.50 h" in body
    assert "<dt>Visits</dt><dd>3</dd>" in body.replace("\n", "")


def test_list_filters(manager_north, week_of_visits, support_north, today):  # noqa: ANN001
    url = reverse("visits:list")
    body = manager_north.client.get(url, {"employee": support_north.pk}).content.decode()
    assert "QQCORAQQ" not in body and reverse("visits:detail", args=[week_of_visits["sam"].pk]) in body
    body = manager_north.client.get(url, {"status": "delivered"}).content.decode()
    assert "QQCORAQQ" in body and reverse("visits:detail", args=[week_of_visits["sam"].pk]) not in body
    month = {"van": (today - dt.timedelta(days=40)).isoformat(), "tot": today.isoformat()}
    assert "QQOLDQQ" in manager_north.client.get(url, month).content.decode()
    assert "No visits match" in manager_north.client.get(url, {"q": "Nobody"}).content.decode()
    assert "QQCORAQQ" in manager_north.client.get(url, {"q": "noorder"}).content.decode()
    # An unusable period: an error, and this week instead.
    body = manager_north.client.get(url, {"van": today.isoformat(),
                                          "tot": (today - dt.timedelta(days=3)).isoformat()}).content.decode()
    assert "The start date is after the end date" in body and "QQCORAQQ" in body


def test_list_records_a_search_in_the_access_log(org_a, manager_north, week_of_visits):  # noqa: ANN001
    manager_north.client.get(reverse("visits:list"), {"q": "noorder"})
    with tenant_scope(org_a):
        entry = AccessLog.objects.filter(object_type="teams.visit").order_by("-pk").first()
    assert entry.action == AccessLog.Action.SEARCH and "noorder" not in entry.description


def test_list_query_count_does_not_grow(org_a, manager_north, client_north, today):  # noqa: ANN001
    employees = [EmployeeFactory(organization=org_a, team=client_north.primary_team) for _ in range(3)]

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert manager_north.client.get(reverse("visits:list")).status_code == 200
        return len(queries)

    planned(org_a, client_north, employees[0], today, dt.time(7, 0))
    small = count()
    for i in range(30):
        planned(org_a, client_north, employees[i % 3], today, dt.time(8 + i // 3, 0), 30)
    assert count() == small


# --- one visit: changes, confirmation, cancelling --------------------------------------------


def test_edit_on_the_day_needs_no_reason(org_a, manager_north, client_north, support_north, today):  # noqa: ANN001
    visit = planned(org_a, client_north, support_north, today, dt.time(23, 0), 45)
    response = manager_north.client.post(reverse("visits:detail", args=[visit.pk]), {
        "employee": support_north.pk, "date": today.isoformat(), "start": "23:00", "duration_minutes": "60",
        "activities": ["personal-care"], "note": "", "reason": "",
    })
    assert response.status_code == 302
    visit = reload(org_a, visit)
    assert visit.duration_minutes == 60 and visit.activities == ["personal-care"]
    change = revisions(org_a, visit)[0]
    assert (change.action, change.is_late, change.reason) == ("changed", False, "")
    assert change.changes["duration_minutes"] == [45, 60]


def test_edit_after_the_day_needs_a_reason(org_a, manager_north, client_north, support_north, today):  # noqa: ANN001
    yesterday = today - dt.timedelta(days=1)
    visit = VisitFactory(organization=org_a, client=client_north, employee=support_north, date=yesterday,
                         start=dt.time(10, 0), duration_minutes=45)
    url = reverse("visits:detail", args=[visit.pk])
    page = manager_north.client.get(url).content.decode()
    assert "This visit was on an earlier day" in page  # said up front
    data = {"employee": support_north.pk, "date": yesterday.isoformat(), "start": "10:00", "duration_minutes": "60",
            "note": ""}
    response = manager_north.client.post(url, {**data, "reason": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert reload(org_a, visit).duration_minutes == 45 and revisions(org_a, visit) == []

    response = manager_north.client.post(url, {**data, "reason": "Bleef langer: cliënt was onrustig"})
    assert response.status_code == 302
    assert reload(org_a, visit).duration_minutes == 60
    [change] = revisions(org_a, visit)
    assert change.is_late and change.reason == "Bleef langer: cliënt was onrustig"
    assert change.changed_by == manager_north.user
    # The history on the page: when, who, action, reason, before → after.
    page = manager_north.client.get(url).content.decode()
    assert "Bleef langer" in page and "45 min" in page and "60 min" in page and "after the day" in page


def test_a_rejected_change_shows_the_stored_visit(org_a, manager_north, client_north, support_north, today):  # noqa: ANN001
    visit = planned(org_a, client_north, support_north, today + dt.timedelta(days=1), dt.time(10, 0))
    other = planned(org_a, client_north, support_north, today + dt.timedelta(days=1), dt.time(12, 0))
    response = manager_north.client.post(reverse("visits:detail", args=[visit.pk]), {
        "employee": support_north.pk, "date": other.date.isoformat(), "start": "12:15", "duration_minutes": "45",
        "reason": "",
    })
    body = response.content.decode()
    assert response.status_code == 200 and "already has a visit" in body
    assert reload(org_a, visit).start == dt.time(10, 0)
    assert "10:00–10:45" in body  # the header shows the stored visit, not the rejected input


def test_confirm_a_planned_visit_as_delivered(org_a, manager_north, client_north, support_north, today):  # noqa: ANN001
    yesterday = today - dt.timedelta(days=1)
    visit = planned(org_a, client_north, support_north, yesterday, dt.time(10, 0), 45)
    url = reverse("visits:detail", args=[visit.pk])
    assert "Confirm as delivered" in manager_north.client.get(url).content.decode()
    response = manager_north.client.post(url, {
        "employee": support_north.pk, "date": yesterday.isoformat(), "start": "10:00", "duration_minutes": "50",
        "reason": "Vergeten te bevestigen", "confirm": "1",
    })
    assert response.status_code == 302
    visit = reload(org_a, visit)
    assert (visit.status, visit.duration_minutes, visit.planned_minutes) == (Visit.Status.DELIVERED, 50, 45)
    assert revisions(org_a, visit)[0].action == "confirmed"


def test_cancel(org_a, manager_north, client_north, support_north, today):  # noqa: ANN001
    visit = planned(org_a, client_north, support_north, today + dt.timedelta(days=2))
    url = reverse("visits:cancel", args=[visit.pk])
    assert manager_north.client.get(url).status_code == 405
    response = manager_north.client.post(url, {"reason": "Cliënt is naar de dagbesteding"})
    assert response.status_code == 302
    visit = reload(org_a, visit)
    assert visit.status == Visit.Status.CANCELLED
    change = revisions(org_a, visit)[0]
    assert (change.action, change.reason, change.is_late) == ("cancelled", "Cliënt is naar de dagbesteding", False)
    page = manager_north.client.get(reverse("visits:detail", args=[visit.pk])).content.decode()
    assert "can no longer be changed" in page and 'name="duration_minutes"' not in page


def test_cancel_after_the_day_needs_a_reason(org_a, manager_north, client_north, support_north, today):  # noqa: ANN001
    visit = VisitFactory(organization=org_a, client=client_north, employee=support_north,
                         date=today - dt.timedelta(days=3))
    url = reverse("visits:cancel", args=[visit.pk])
    response = manager_north.client.post(url, {"reason": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert reload(org_a, visit).status == Visit.Status.DELIVERED
    assert manager_north.client.post(url, {"reason": "Dubbel geregistreerd"}).status_code == 302
    visit = reload(org_a, visit)
    assert visit.status == Visit.Status.CANCELLED and revisions(org_a, visit)[0].is_late


def test_detail_is_logged(org_a, manager_north, client_north, support_north, today):  # noqa: ANN001
    visit = planned(org_a, client_north, support_north, today + dt.timedelta(days=1))
    manager_north.client.get(reverse("visits:detail", args=[visit.pk]))
    with tenant_scope(org_a):
        entry = AccessLog.objects.filter(action=AccessLog.Action.VIEW, object_type="teams.visit").first()
    assert entry.client_id == client_north.pk and entry.object_id == str(visit.pk)


# --- who may open what ---------------------------------------------------------------------


def test_coach_opens_and_changes_own_visit_only(org_a, coach_north, coach_employee, client_north, support_north, today):  # noqa: ANN001
    own = planned(org_a, client_north, coach_employee, today, dt.time(22, 0), 30)
    others = planned(org_a, client_north, support_north, today, dt.time(22, 0), 30)
    own_url = reverse("visits:detail", args=[own.pk])
    page = coach_north.client.get(own_url)
    assert page.status_code == 200
    assert 'name="employee"' not in page.content.decode()  # field staff cannot move a visit to a colleague
    response = coach_north.client.post(own_url, {"date": today.isoformat(), "start": "22:00", "duration_minutes": "40",
                                                 "reason": ""})
    assert response.status_code == 302 and reload(org_a, own).duration_minutes == 40

    assert coach_north.client.get(reverse("visits:detail", args=[others.pk])).status_code == 403
    assert coach_north.client.post(reverse("visits:detail", args=[others.pk]), {
        "date": today.isoformat(), "start": "22:00", "duration_minutes": "40"}).status_code == 403
    assert coach_north.client.post(reverse("visits:cancel", args=[others.pk]), {"reason": "x"}).status_code == 403
    assert reload(org_a, others).status == Visit.Status.PLANNED and reload(org_a, others).duration_minutes == 30
    # Planning pages are for planners.
    assert coach_north.client.get(reverse("visits:list")).status_code == 403
    assert coach_north.client.get(reverse("visits:create")).status_code == 403


def test_visits_outside_visibility_are_404(org_a, manager_north, client_south, coach_south, admin_b, today):  # noqa: ANN001
    with tenant_scope(org_a):
        employee = Employee.objects.filter(membership=coach_south.membership).first()
    visit = planned(org_a, client_south, employee, today + dt.timedelta(days=1))
    for persona in (manager_north, admin_b):
        assert persona.client.get(reverse("visits:detail", args=[visit.pk])).status_code == 404
        assert persona.client.post(reverse("visits:cancel", args=[visit.pk]), {"reason": "x"}).status_code == 404
    assert reload(org_a, visit).status == Visit.Status.PLANNED


def test_finance_has_no_visit_pages(org_a, make_persona, client_north, support_north, today):  # noqa: ANN001
    finance = make_persona(org_a, Role.FINANCE)
    visit = planned(org_a, client_north, support_north, today + dt.timedelta(days=1))
    assert finance.client.get(reverse("visits:list")).status_code == 403
    assert finance.client.get(reverse("visits:detail", args=[visit.pk])).status_code == 403
