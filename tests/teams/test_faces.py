"""A client's fixed faces and primary coach: the page, adding (maximum, duplicates) and
removing, the coach rules, visibility (404) and roles (403), and the card on the client page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from clients.models import Client
from teams.models import FixedFace
from teams.services import MAX_FIXED_FACES
from teams.services_assignments import client_coach_set
from tests.factories import EmployeeFactory, FixedFaceFactory
from vpt.audit.models import AccessLog
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope


@pytest.fixture(autouse=True)
def english():  # noqa: ANN201
    """Messages are asserted in their English source text (the UI default is Dutch)."""
    with translation.override("en"):
        yield


def faces_of(org, client: Client) -> list[tuple[int, dt.date]]:  # noqa: ANN001
    with tenant_scope(org):
        return list(FixedFace.objects.filter(organization=org, client=client).values_list("employee_id", "since"))


def coach_of(org, client: Client) -> int | None:  # noqa: ANN001
    with tenant_scope(org):
        return Client.objects.filter(organization=org, pk=client.pk).values_list("client_coach_id", flat=True).first()


def add_url(client: Client) -> str:
    return reverse("faces:add", kwargs={"client_id": client.pk})


# --- the page ------------------------------------------------------------------------------


def test_page_offers_the_clients_team_first(org_a, manager_north, client_north, support_north, coach_north):  # noqa: ANN001
    FixedFaceFactory(organization=org_a, client=client_north, employee=coach_north.membership.employee)
    EmployeeFactory(organization=org_a, team=support_north.team, first_name="Oud", is_active=False)
    response = manager_north.client.get(reverse("faces:edit", kwargs={"client_id": client_north.pk}))
    assert response.status_code == 200
    assert [f.employee.first_name for f in response.context["faces"]] == ["Cora"]
    choices = response.context["add_form"].fields["employee"].choices
    assert choices[0][0] == ""
    group, options = choices[1]
    assert "Team Noord" in str(group)
    assert [pk for pk, _label in options] == [support_north.pk]  # not Cora (already), not the inactive one
    with tenant_scope(org_a):
        assert AccessLog.objects.filter(client_id=client_north.pk, action="view",
                                        description="fixed faces and coach").exists()


def test_admin_may_choose_employees_of_other_teams(org_a, admin_a, client_north, coach_south):  # noqa: ANN001
    response = admin_a.client.get(reverse("faces:edit", kwargs={"client_id": client_north.pk}))
    groups = [str(group) for group, _options in response.context["add_form"].fields["employee"].choices[1:]]
    assert groups[-1] == "Other teams"
    response = admin_a.client.post(add_url(client_north), {"employee": coach_south.membership.employee.pk})
    assert response.status_code == 302
    assert [e for e, _since in faces_of(org_a, client_north)] == [coach_south.membership.employee.pk]


# --- adding and removing ---------------------------------------------------------------------


def test_add_a_fixed_face(org_a, manager_north, client_north, support_north):  # noqa: ANN001
    response = manager_north.client.post(add_url(client_north), {"employee": support_north.pk, "since": "2026-02-01"})
    assert response.status_code == 302
    assert response["Location"] == reverse("faces:edit", kwargs={"client_id": client_north.pk})
    assert faces_of(org_a, client_north) == [(support_north.pk, dt.date(2026, 2, 1))]
    with tenant_scope(org_a):
        assert AccessLog.objects.filter(client_id=client_north.pk, action="update",
                                        object_type="teams.fixedface").count() == 1


def test_since_defaults_to_today(org_a, manager_north, client_north, support_north, today):  # noqa: ANN001
    manager_north.client.post(add_url(client_north), {"employee": support_north.pk, "since": ""})
    assert faces_of(org_a, client_north) == [(support_north.pk, today)]


def test_adding_someone_twice_gives_a_clear_error(org_a, manager_north, client_north, support_north):  # noqa: ANN001
    FixedFaceFactory(organization=org_a, client=client_north, employee=support_north)
    response = manager_north.client.post(add_url(client_north), {"employee": support_north.pk})
    assert response.status_code == 200
    assert response.context["add_form"].errors["employee"] == [
        f"{support_north.full_name} is already one of the fixed faces."]
    assert len(faces_of(org_a, client_north)) == 1


def test_at_most_six_fixed_faces(org_a, manager_north, client_north, team_north, support_north):  # noqa: ANN001
    for i in range(MAX_FIXED_FACES):
        FixedFaceFactory(organization=org_a, client=client_north,
                         employee=EmployeeFactory(organization=org_a, team=team_north, first_name=f"E{i}"))
    page = manager_north.client.get(reverse("faces:edit", kwargs={"client_id": client_north.pk}))
    assert page.context["is_full"] is True
    response = manager_north.client.post(add_url(client_north), {"employee": support_north.pk})
    assert response.status_code == 200
    assert response.context["add_form"].errors["employee"] == [
        "A client has at most 6 fixed faces: a small group they know."]
    assert len(faces_of(org_a, client_north)) == MAX_FIXED_FACES
    assert support_north.pk not in {e for e, _since in faces_of(org_a, client_north)}


def test_employees_outside_the_visible_teams_cannot_be_added(org_a, manager_north, client_north, coach_south):  # noqa: ANN001
    inactive = EmployeeFactory(organization=org_a, team=client_north.primary_team, is_active=False)
    for employee in (coach_south.membership.employee, inactive):
        response = manager_north.client.post(add_url(client_north), {"employee": employee.pk})
        assert response.status_code == 200 and "employee" in response.context["add_form"].errors
    assert faces_of(org_a, client_north) == []


def test_remove_a_fixed_face(org_a, manager_north, client_north, support_north):  # noqa: ANN001
    face = FixedFaceFactory(organization=org_a, client=client_north, employee=support_north)
    url = reverse("faces:remove", kwargs={"client_id": client_north.pk, "fixedface_id": face.pk})
    assert manager_north.client.get(url).status_code == 405
    response = manager_north.client.post(url)
    assert response.status_code == 302
    assert faces_of(org_a, client_north) == []
    with tenant_scope(org_a):
        assert AccessLog.objects.filter(client_id=client_north.pk, object_type="teams.fixedface",
                                        description__startswith="fixed face removed").exists()


def test_a_face_of_another_client_is_404(org_a, manager_north, client_north, team_north, care_menu, today,  # noqa: ANN001
                                         support_north):
    from tests.teams.conftest import make_client_in_care

    other = make_client_in_care(org_a, team_north, care_menu, today, first_name="Klaas", last_name="Ander")
    face = FixedFaceFactory(organization=org_a, client=other, employee=support_north)
    url = reverse("faces:remove", kwargs={"client_id": client_north.pk, "fixedface_id": face.pk})
    assert manager_north.client.post(url).status_code == 404
    assert len(faces_of(org_a, other)) == 1


def test_htmx_add_and_remove_answer_with_the_panel(org_a, manager_north, client_north, support_north):  # noqa: ANN001
    response = manager_north.client.post(add_url(client_north), {"employee": support_north.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and support_north.full_name in body
    assert response.context["notice"]
    with tenant_scope(org_a):
        face_id = FixedFace.objects.filter(organization=org_a, client=client_north).values_list("pk", flat=True).first()
    url = reverse("faces:remove", kwargs={"client_id": client_north.pk, "fixedface_id": face_id})
    response = manager_north.client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert faces_of(org_a, client_north) == []


# --- visibility and roles ----------------------------------------------------------------


def test_client_of_another_team_is_404(org_a, manager_north, client_south, coach_south):  # noqa: ANN001
    face = FixedFaceFactory(organization=org_a, client=client_south, employee=coach_south.membership.employee)
    kwargs = {"client_id": client_south.pk}
    assert manager_north.client.get(reverse("faces:edit", kwargs=kwargs)).status_code == 404
    assert manager_north.client.post(add_url(client_south), {"employee": 1}).status_code == 404
    assert manager_north.client.post(reverse("faces:coach", kwargs=kwargs), {"coach": ""}).status_code == 404
    assert manager_north.client.post(
        reverse("faces:remove", kwargs={**kwargs, "fixedface_id": face.pk})).status_code == 404
    assert len(faces_of(org_a, client_south)) == 1 and coach_of(org_a, client_south) is not None


def test_field_staff_get_403(org_a, coach_north, client_north, support_north):  # noqa: ANN001
    face = FixedFaceFactory(organization=org_a, client=client_north, employee=support_north)
    kwargs = {"client_id": client_north.pk}
    assert coach_north.client.get(reverse("faces:edit", kwargs=kwargs)).status_code == 403
    assert coach_north.client.post(add_url(client_north), {"employee": support_north.pk}).status_code == 403
    assert coach_north.client.post(reverse("faces:remove", kwargs={**kwargs, "fixedface_id": face.pk})).status_code == 403
    assert coach_north.client.post(reverse("faces:coach", kwargs=kwargs), {"coach": ""}).status_code == 403
    assert len(faces_of(org_a, client_north)) == 1


# --- the primary client coach ------------------------------------------------------------


def test_change_the_primary_coach_through_the_page(org_a, manager_north, client_north, team_north, make_persona):  # noqa: ANN001
    other = make_persona(org_a, Role.CLIENT_COACH).membership
    with tenant_scope(org_a):
        team_north.members.add(other)
    url = reverse("faces:coach", kwargs={"client_id": client_north.pk})
    assert manager_north.client.get(url).status_code == 405
    response = manager_north.client.post(url, {"coach": other.pk})
    assert response.status_code == 302
    assert coach_of(org_a, client_north) == other.pk
    with tenant_scope(org_a):
        assert AccessLog.objects.filter(client_id=client_north.pk, description__startswith="primary client coach").exists()
    manager_north.client.post(url, {"coach": ""})
    assert coach_of(org_a, client_north) is None


def test_the_page_offers_only_eligible_coaches(org_a, manager_north, client_north, coach_north, coach_south,  # noqa: ANN001
                                              make_persona, team_north):
    finance = make_persona(org_a, Role.FINANCE).membership
    with tenant_scope(org_a):
        team_north.members.add(finance)
    page = manager_north.client.get(reverse("faces:edit", kwargs={"client_id": client_north.pk}))
    with tenant_scope(org_a):
        offered = set(page.context["coach_form"].fields["coach"].queryset.values_list("pk", flat=True))
    assert offered == {coach_north.membership.pk, manager_north.membership.pk}
    response = manager_north.client.post(reverse("faces:coach", kwargs={"client_id": client_north.pk}),
                                         {"coach": coach_south.membership.pk})
    assert response.status_code == 200 and "coach" in response.context["coach_form"].errors
    assert coach_of(org_a, client_north) == coach_north.membership.pk


def test_coach_rules_in_the_service(org_a, org_b, manager_north, client_north, coach_north, coach_south,  # noqa: ANN001
                                    make_persona, team_north):
    finance = make_persona(org_a, Role.FINANCE).membership
    inactive = make_persona(org_a, Role.CLIENT_COACH).membership
    inactive.is_active = False
    inactive.save()
    foreign = make_persona(org_b, Role.CLIENT_COACH).membership
    with tenant_scope(org_a):
        team_north.members.add(finance, inactive)
        client = Client.objects.select_related("primary_team").filter(pk=client_north.pk).first()
        with pytest.raises(ValidationError) as exc:
            client_coach_set(acting=manager_north.membership, client=client, coach=coach_south.membership)
        assert exc.value.message_dict["coach"][0].endswith("is not a member of team Team Noord.")
        for coach in (finance, inactive, foreign):
            with pytest.raises(ValidationError):
                client_coach_set(acting=manager_north.membership, client=client, coach=coach)
        with pytest.raises(PermissionDenied):
            client_coach_set(acting=coach_north.membership, client=client, coach=None)
        # Unchanged: nothing is written or logged.
        before = AccessLog.objects.filter(client_id=client.pk).count()
        client_coach_set(acting=manager_north.membership, client=client, coach=coach_north.membership)
        assert AccessLog.objects.filter(client_id=client.pk).count() == before
        # A team manager who is a member of the team may be the primary coach.
        client_coach_set(acting=manager_north.membership, client=client, coach=manager_north.membership)
    assert coach_of(org_a, client_north) == manager_north.membership.pk


# --- the card on the client page ---------------------------------------------------------


def test_client_page_shows_the_team_card(org_a, manager_north, coach_north, client_north, team_north):  # noqa: ANN001
    def get(persona) -> tuple[str, int]:  # noqa: ANN001
        with CaptureQueriesContext(connection) as ctx:
            response = persona.client.get(reverse("clients:detail", kwargs={"client_id": client_north.pk}))
        assert response.status_code == 200
        return response.content.decode(), len(ctx.captured_queries)

    FixedFaceFactory(organization=org_a, client=client_north, employee=coach_north.membership.employee)
    body, one = get(manager_north)
    manage = reverse("faces:edit", kwargs={"client_id": client_north.pk})
    assert "Cora" in body and manage in body
    for i in range(3):
        FixedFaceFactory(organization=org_a, client=client_north,
                         employee=EmployeeFactory(organization=org_a, team=team_north, first_name=f"Extra{i}",
                                                  contract_hours=Decimal("8")))
    body, four = get(manager_north)
    assert "Extra2" in body and four == one  # no query per face
    body, _n = get(coach_north)
    assert "Cora" in body and manage not in body  # coaches see the card, not the link
