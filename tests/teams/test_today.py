"""The coach's Today view (/vandaag/): the day's clients and visits with the key points of
the arrangement and the task division, one-tap confirmation, registering an unplanned visit,
visibility, the access log and a bounded number of queries."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teams import services
from teams.models import Visit, VisitRevision
from tests.conftest import Persona
from tests.factories import ClientFactory, FixedFaceFactory
from tests.teams.conftest import make_client_in_care
from vpt.audit.models import AccessLog
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope

AMS = ZoneInfo("Europe/Amsterdam")
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def afternoon(today):  # noqa: ANN001, ANN201
    """Today at 14:00 (Amsterdam): morning visits have started, evening ones not yet."""
    with time_machine.travel(dt.datetime.combine(today, dt.time(14, 0), tzinfo=AMS), tick=False):
        yield


def plan(persona: Persona, client, day: dt.date, start: str, minutes: int = 45,  # noqa: ANN001
         activities: list[str] | None = None) -> Visit:
    """A planned visit of the persona's own employee record, through the service."""
    with tenant_scope(persona.organization):
        return services.visit_create(
            acting=persona.membership, client=client, employee=persona.membership.employee, date=day,
            start=dt.time.fromisoformat(start), duration_minutes=minutes, delivered=False, activities=activities or [],
        )


def visits_of(org, **filters) -> list[Visit]:  # noqa: ANN001
    with tenant_scope(org):
        return list(Visit.objects.filter(**filters).order_by("date", "start", "pk"))


def employee_id(persona: Persona) -> int:
    with tenant_scope(persona.organization):
        return persona.membership.employee.pk


def url(name: str, *args: int) -> str:
    return reverse(f"today:{name}", args=args)


# --- the page ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("afternoon")
def test_page_shows_visits_key_points_and_task_division(coach_north, client_north, today):  # noqa: ANN001
    visit = plan(coach_north, client_north, today, "09:00", 45, activities=["personal-care"])
    response = coach_north.client.get(url("today"))
    assert response.status_code == 200
    html = response.content.decode()
    card = response.context["cards"][0]
    assert card.client == client_north and [r.visit for r in card.rows] == [visit]
    assert f'data-testid="visit-{visit.pk}"' in html and 'data-status="planned"' in html
    assert client_north.full_name in html and client_north.street in html
    assert reverse("clients:detail", args=[client_north.pk]) in html
    # Key points: hours per week of the budget-bearing hour lines (7 + 3.5), the non-fixed
    # elements with quantity and unit, the arrangement note; the fixed alarm is not listed.
    assert card.entry.key_points.hours_per_week == 10.5
    assert "Persoonlijke verzorging" in html and "Begeleiding" in html
    assert "Persoonsalarmering" not in html.split('today-elements"')[1].split("</ul>")[0]
    assert "Houdt van koffie" in html
    # Task division, grouped by who does it.
    groups = {g.label: [t.task for t in g.tasks] for g in card.task_groups}
    assert groups["Els (dochter)"] == ["Boodschappen doen"]
    assert ["Medicatie aanreiken"] in groups.values()
    assert "2× per week" in html and "dagelijks" in html
    # The big button and the activities pre-filled from the arrangement (planned one ticked).
    assert f'data-testid="deliver-{visit.pk}"' in html
    form = card.rows[0].form
    assert dict(form.fields["activities"].choices).keys() == {"personal-care", "support", "alarm"}
    assert f'name="activities" value="personal-care" id="id_v{visit.pk}_activities_0" checked' in html
    # Counts: one still open, nothing delivered yet.
    assert response.context["summary"]["planned"] == 1
    assert response.context["summary"]["delivered_hours"] == 0


@pytest.mark.usefixtures("afternoon")
def test_visits_in_time_order_and_other_clients_compact(coach_north, org_a, team_north, care_menu, today):  # noqa: ANN001
    late = make_client_in_care(org_a, team_north, care_menu, today, coach=coach_north, first_name="Laat", last_name="Later")
    early = make_client_in_care(org_a, team_north, care_menu, today, first_name="Vroeg", last_name="Vroeger")
    other = make_client_in_care(org_a, team_north, care_menu, today, coach=coach_north, first_name="Ander", last_name="Anders")
    face = make_client_in_care(org_a, team_north, care_menu, today, first_name="Vast", last_name="Gezicht")
    FixedFaceFactory(organization=org_a, client=face, employee=coach_north.membership.employee)
    make_client_in_care(org_a, team_north, care_menu, today, first_name="Niet", last_name="Vanmij")  # not mine
    plan(coach_north, late, today, "11:00")
    plan(coach_north, early, today, "08:30")
    response = coach_north.client.get(url("today"))
    assert [c.client for c in response.context["cards"]] == [early, late]
    assert [e.client for e in response.context["others"]] == [other, face]
    html = response.content.decode()
    assert f'data-testid="register-{other.pk}"' in html and "Vanmij" not in html


def test_another_day_and_invalid_day(coach_north, client_north, today):  # noqa: ANN001
    tomorrow = today + dt.timedelta(days=1)
    plan(coach_north, client_north, tomorrow, "10:00")
    response = coach_north.client.get(url("today"), {"dag": tomorrow.isoformat()})
    assert response.context["day"] == tomorrow and len(response.context["cards"]) == 1
    html = response.content.decode()
    assert f"?dag={today.isoformat()}" in html and f"?dag={(tomorrow + dt.timedelta(days=1)).isoformat()}" in html
    assert coach_north.client.get(url("today")).context["cards"] == []
    for bad in ("gisteren", "2026-13-45", "0001-01-01"):
        assert coach_north.client.get(url("today"), {"dag": bad}).context["day"] == today


def test_page_is_logged_once(coach_north, org_a, client_north):  # noqa: ANN001
    coach_north.client.get(url("today"))
    with tenant_scope(org_a):
        entries = list(AccessLog.objects.filter(user=coach_north.user))
    assert len(entries) == 1
    assert entries[0].action == AccessLog.Action.VIEW and "today view" in entries[0].description
    assert "1 clients" in entries[0].description and str(client_north.pk) in entries[0].description


def test_membership_without_employee_record_gets_the_message(org_a, team_north, make_persona, client_north):  # noqa: ANN001
    support = make_persona(org_a, Role.CLIENT_SUPPORT)
    with tenant_scope(org_a):
        team_north.members.add(support.membership)
    response = support.client.get(url("today"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="no-employee"' in html and "employee record" in html
    assert response.context["cards"] == []
    # The register form says the same instead of offering a form, and creates nothing.
    page = support.client.get(url("register", client_north.pk), **HX).content.decode()
    assert "employee record" in page and 'data-testid="register-form"' not in page
    support.client.post(url("register", client_north.pk), {"duration_minutes": "30"}, **HX)
    assert visits_of(org_a) == []


def test_finance_cannot_open_today(org_a, make_persona):  # noqa: ANN001
    finance = make_persona(org_a, Role.FINANCE)
    assert finance.client.get(url("today")).status_code == 403


# --- visibility --------------------------------------------------------------------------------


@pytest.mark.usefixtures("afternoon")
def test_coach_does_not_see_or_confirm_another_teams_client(coach_north, coach_south, client_north, client_south, org_a, today):  # noqa: ANN001
    theirs = plan(coach_south, client_south, today, "09:00")
    plan(coach_north, client_north, today, "10:00")
    html = coach_north.client.get(url("today")).content.decode()
    assert client_south.full_name not in html
    assert coach_north.client.post(url("confirm", theirs.pk), **HX).status_code == 404
    assert coach_north.client.get(url("register", client_south.pk), **HX).status_code == 404
    assert coach_north.client.post(url("register", client_south.pk), {"duration_minutes": "30"}).status_code == 404
    assert visits_of(org_a, pk=theirs.pk)[0].status == Visit.Status.PLANNED


def test_confirm_is_post_only(coach_north, client_north, today):  # noqa: ANN001
    visit = plan(coach_north, client_north, today + dt.timedelta(days=1), "09:00")
    assert coach_north.client.get(url("confirm", visit.pk)).status_code == 405


@pytest.mark.usefixtures("afternoon")
def test_a_colleagues_visit_of_the_same_team_is_refused_with_403(coach_north, org_a, team_north, client_north, make_persona, today):  # noqa: ANN001
    from tests.teams.conftest import _field_persona

    colleague = _field_persona(make_persona, org_a, team_north, Role.CLIENT_SUPPORT, 2, "Kees")
    theirs = plan(colleague, client_north, today, "09:00")
    response = coach_north.client.post(url("confirm", theirs.pk), **HX)
    assert response.status_code == 403
    assert f'id="client-{client_north.pk}"' in response.content.decode()
    assert visits_of(org_a, pk=theirs.pk)[0].status == Visit.Status.PLANNED
    assert coach_north.client.post(url("confirm", theirs.pk)).status_code == 403


# --- one tap: delivered ----------------------------------------------------------------------


@pytest.mark.usefixtures("afternoon")
def test_one_tap_confirms_with_the_planned_duration(coach_north, client_north, org_a, today):  # noqa: ANN001
    visit = plan(coach_north, client_north, today, "09:00", 45, activities=["support"])
    response = coach_north.client.post(url("confirm", visit.pk), **HX)
    assert response.status_code == 200
    [saved] = visits_of(org_a, pk=visit.pk)
    assert saved.status == Visit.Status.DELIVERED and saved.duration_minutes == 45 and saved.planned_minutes == 45
    assert saved.activities == ["support"] and saved.delivered_at is not None
    html = response.content.decode()
    assert html.lstrip().startswith(f'<article id="client-{client_north.pk}"')
    assert 'data-status="delivered"' in html and f'data-testid="deliver-{visit.pk}"' not in html
    assert 'id="today-summary"' in html and 'hx-swap-oob="true"' in html  # the counts follow


@pytest.mark.usefixtures("afternoon")
def test_confirm_with_a_chosen_duration_activities_and_note_leaves_a_revision(coach_north, client_north, org_a, today):  # noqa: ANN001
    visit = plan(coach_north, client_north, today, "09:00", 45)
    response = coach_north.client.post(url("confirm", visit.pk), {
        "duration_minutes": "60", "details": "True", "activities": ["personal-care", "support"], "note": " Ging goed. ",
    }, **HX)
    assert response.status_code == 200
    [saved] = visits_of(org_a, pk=visit.pk)
    assert (saved.status, saved.duration_minutes, saved.planned_minutes) == (Visit.Status.DELIVERED, 60, 45)
    assert saved.activities == ["personal-care", "support"] and saved.note == "Ging goed."
    with tenant_scope(org_a):
        revision = VisitRevision.objects.filter(visit=visit).first()
        assert revision.action == "confirmed" and revision.changes["duration_minutes"] == [45, 60]
        assert AccessLog.objects.filter(action=AccessLog.Action.UPDATE, client_id=client_north.pk).exists()
    assert "60 min" in response.content.decode()


@pytest.mark.usefixtures("afternoon")
def test_other_duration_wins_over_the_chip(coach_north, client_north, org_a, today):  # noqa: ANN001
    visit = plan(coach_north, client_north, today, "09:00", 45)
    coach_north.client.post(url("confirm", visit.pk), {"duration_minutes": "45", "duration_other": "50"}, **HX)
    assert visits_of(org_a, pk=visit.pk)[0].duration_minutes == 50


@pytest.mark.usefixtures("afternoon")
def test_confirm_without_htmx_redirects_with_a_message(coach_north, client_north, org_a, today):  # noqa: ANN001
    visit = plan(coach_north, client_north, today, "09:00", 30)
    response = coach_north.client.post(url("confirm", visit.pk), follow=True)
    assert response.redirect_chain[0][0].startswith(url("today"))
    assert visits_of(org_a, pk=visit.pk)[0].status == Visit.Status.DELIVERED
    assert any("09:00" in str(m) for m in response.context["messages"])


@pytest.mark.usefixtures("afternoon")
def test_a_visit_that_has_not_started_cannot_be_confirmed(coach_north, client_north, org_a, today):  # noqa: ANN001
    visit = plan(coach_north, client_north, today, "18:00", 30)
    response = coach_north.client.post(url("confirm", visit.pk), **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "future" in html and f'data-testid="deliver-{visit.pk}"' in html  # error in the card, form still there
    [saved] = visits_of(org_a, pk=visit.pk)
    assert saved.status == Visit.Status.PLANNED and saved.delivered_at is None
    with tenant_scope(org_a):
        assert not VisitRevision.objects.filter(visit=visit, action="confirmed").exists()


@pytest.mark.usefixtures("afternoon")
def test_a_visit_that_has_not_started_shows_when_it_can_be_confirmed(coach_north, client_north, today):  # noqa: ANN001
    morning = plan(coach_north, client_north, today, "09:00", 30)
    evening = plan(coach_north, client_north, today, "18:00", 30)
    html = coach_north.client.get(url("today")).content.decode()
    assert f'data-testid="deliver-{morning.pk}"' in html
    assert f'data-testid="deliver-{evening.pk}"' not in html and f'data-testid="later-{evening.pk}"' in html
    assert "18:00" in html


@pytest.mark.usefixtures("afternoon")
def test_confirming_twice_explains_instead_of_failing(coach_north, client_north, org_a, today):  # noqa: ANN001
    visit = plan(coach_north, client_north, today, "09:00", 30)
    coach_north.client.post(url("confirm", visit.pk), **HX)
    response = coach_north.client.post(url("confirm", visit.pk), {"duration_minutes": "45"}, **HX)
    assert response.status_code == 200
    assert 'data-testid="card-errors"' in response.content.decode()
    assert visits_of(org_a, pk=visit.pk)[0].duration_minutes == 30


def test_a_visit_of_an_earlier_day_needs_a_reason(coach_north, client_north, org_a, today):  # noqa: ANN001
    yesterday = today - dt.timedelta(days=1)
    with time_machine.travel(dt.datetime.combine(yesterday, dt.time(8, 0), tzinfo=AMS), tick=False):
        visit = plan(coach_north, client_north, yesterday, "09:00", 30)
    html = coach_north.client.post(url("confirm", visit.pk), **HX).content.decode()
    assert "reason" in html and visits_of(org_a, pk=visit.pk)[0].status == Visit.Status.PLANNED
    coach_north.client.post(url("confirm", visit.pk), {"details": "True", "reason": "Vergeten te registreren"}, **HX)
    assert visits_of(org_a, pk=visit.pk)[0].status == Visit.Status.DELIVERED


# --- register an unplanned visit ------------------------------------------------------------


@pytest.mark.usefixtures("afternoon")
def test_register_form_partial_and_page(coach_north, client_north, org_a):  # noqa: ANN001
    partial = coach_north.client.get(url("register", client_north.pk), **HX)
    html = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in html
    assert 'data-testid="register-form"' in html and 'value="support"' in html and 'value="alarm"' in html
    page = coach_north.client.get(url("register", client_north.pk))
    assert page.status_code == 200 and "<html" in page.content.decode()
    with tenant_scope(org_a):
        assert AccessLog.objects.filter(action=AccessLog.Action.VIEW, client_id=client_north.pk).count() == 2


@pytest.mark.usefixtures("afternoon")
def test_register_creates_a_delivered_visit_that_just_ended(coach_north, client_north, org_a, today):  # noqa: ANN001
    response = coach_north.client.post(url("register", client_north.pk), {
        "duration_minutes": "45", "activities": ["support"], "note": "Samen gewandeld",
    }, **HX)
    assert response.status_code == 200
    [visit] = visits_of(org_a, client=client_north)
    assert visit.status == Visit.Status.DELIVERED and visit.employee_id == employee_id(coach_north)
    assert (visit.date, visit.start, visit.duration_minutes) == (today, dt.time(13, 15), 45)  # 14:00 - 45 min
    assert visit.activities == ["support"] and visit.note == "Samen gewandeld" and visit.planned_minutes is None
    html = response.content.decode()
    assert f'data-testid="visit-{visit.pk}"' in html and 'data-testid="register-form"' not in html
    with tenant_scope(org_a):
        assert VisitRevision.objects.filter(visit=visit, action="created").exists()


@pytest.mark.usefixtures("afternoon")
def test_register_with_a_start_time_and_without_htmx(coach_north, client_north, org_a, today):  # noqa: ANN001
    response = coach_north.client.post(url("register", client_north.pk),
                                       {"duration_minutes": "30", "duration_other": "20", "start": "10:05"})
    assert response.status_code == 302 and response["Location"].startswith(url("today"))
    [visit] = visits_of(org_a, client=client_north)
    assert (visit.start, visit.duration_minutes) == (dt.time(10, 5), 20)


@pytest.mark.usefixtures("afternoon")
def test_register_on_an_earlier_day_needs_a_start(coach_north, client_north, org_a, today):  # noqa: ANN001
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    html = coach_north.client.post(url("register", client_north.pk) + f"?dag={yesterday}",
                                   {"duration_minutes": "30"}, **HX).content.decode()
    assert 'data-testid="register-form"' in html and "errorlist" in html
    assert visits_of(org_a) == []
    coach_north.client.post(url("register", client_north.pk) + f"?dag={yesterday}",
                            {"duration_minutes": "30", "start": "16:00"}, **HX)
    [visit] = visits_of(org_a)
    assert visit.date.isoformat() == yesterday


@pytest.mark.usefixtures("afternoon")
def test_register_in_the_future_is_refused_and_creates_nothing(coach_north, client_north, org_a, today):  # noqa: ANN001
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    response = coach_north.client.post(url("register", client_north.pk) + f"?dag={tomorrow}",
                                       {"duration_minutes": "30", "start": "10:00"}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "future" in html and 'data-testid="register-form"' in html
    response = coach_north.client.post(url("register", client_north.pk), {"duration_minutes": "30", "start": "16:00"}, **HX)
    assert "future" in response.content.decode()
    assert visits_of(org_a) == []


@pytest.mark.usefixtures("afternoon")
def test_register_overlapping_my_other_visit_is_refused(coach_north, client_north, org_a, team_north, care_menu, today):  # noqa: ANN001
    other = make_client_in_care(org_a, team_north, care_menu, today, coach=coach_north, first_name="Ander")
    plan(coach_north, other, today, "10:00", 60)
    response = coach_north.client.post(url("register", client_north.pk),
                                       {"duration_minutes": "30", "start": "10:30"}, **HX)
    html = response.content.decode()
    assert "already has a visit" in html and 'data-testid="register-form"' in html
    assert visits_of(org_a, client=client_north) == []


@pytest.mark.usefixtures("afternoon")
def test_register_refuses_activities_outside_the_arrangement(coach_north, client_north, org_a):  # noqa: ANN001
    html = coach_north.client.post(url("register", client_north.pk),
                                   {"duration_minutes": "30", "activities": ["massage"]}, **HX).content.decode()
    assert "errorlist" in html and visits_of(org_a) == []


@pytest.mark.usefixtures("afternoon")
def test_register_for_a_client_not_in_care_is_refused(coach_north, org_a, team_north):  # noqa: ANN001
    intake = ClientFactory(organization=org_a, primary_team=team_north)
    html = coach_north.client.post(url("register", intake.pk), {"duration_minutes": "30"}, **HX).content.decode()
    assert "not in VPT care" in html and visits_of(org_a) == []


# --- a bounded number of queries ----------------------------------------------------------------


@pytest.mark.usefixtures("afternoon")
def test_query_count_does_not_grow_with_clients_and_visits(coach_north, org_a, team_north, care_menu, today):  # noqa: ANN001
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = coach_north.client.get(url("today"))
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.context["cards"]), len(response.context["others"])

    first = make_client_in_care(org_a, team_north, care_menu, today, coach=coach_north, first_name="Een")
    plan(coach_north, first, today, "07:00", 30)
    small, cards, _ = count()
    assert cards == 1
    for i in range(9):
        client = make_client_in_care(org_a, team_north, care_menu, today, coach=coach_north, first_name=f"C{i}")
        plan(coach_north, client, today, f"{8 + i:02d}:00", 20)
        plan(coach_north, client, today, f"{8 + i:02d}:30", 20)
    plan(coach_north, first, today, "07:40", 10)
    for i in range(5):
        make_client_in_care(org_a, team_north, care_menu, today, coach=coach_north, first_name=f"O{i}")
    large, cards, others = count()
    assert (cards, others) == (10, 5)
    assert small == large, (small, large)
    # 23 on PostgreSQL: session, user, membership, savepoints and the RLS setting around the
    # view, 7 reads of the Today selector, one for the cards' open alarms, the outage banner,
    # the access-log insert, the organisation switcher.
    assert large <= 23, large
