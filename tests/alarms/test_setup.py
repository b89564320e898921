"""The alarm setup: the policy (norms, night window, escalation chain) and its validation,
alarm centres with a secret that is shown once and stored encrypted, rotating it, the
channel status on the page, and who may do this (admins of providers only)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from alarms.models import AlarmCentre, AlarmPolicy
from alarms.services_setup import (
    centre_create,
    centre_rotate_secret,
    centre_rows,
    centre_update,
    policy_save,
)
from tests.conftest import Persona
from tests.factories import (
    ALARM_SECRET,
    AlarmCentreFactory,
    AlarmPolicyFactory,
    MembershipFactory,
    TeamFactory,
    ZorgkantoorFactory,
)
from vpt.audit.models import AccessLog
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope


@pytest.fixture(autouse=True)
def english(settings):  # noqa: ANN001, ANN201
    """Messages are asserted in their English source text (the UI default is Dutch)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


INDEX = "alarm_setup:index"


def centre_of(org, pk: int) -> AlarmCentre:  # noqa: ANN001
    with tenant_scope(org):
        return AlarmCentre.objects.filter(organization=org, pk=pk).first()


def policy_of(org) -> AlarmPolicy:  # noqa: ANN001
    with tenant_scope(org):
        return AlarmPolicy.objects.filter(organization=org).first()


def raw_secret_column(pk: int) -> str:
    """The column as stored in the database (read raw, inside the tenant scope)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_encrypted FROM alarms_alarmcentre WHERE id = %s", [pk])
        return cursor.fetchone()[0]


# --- who may -------------------------------------------------------------------------------------


def test_only_admins_manage_the_alarm_setup(org_a, make_persona):  # noqa: ANN001
    for role in (Role.TEAM_MANAGER, Role.CLIENT_COACH, Role.FINANCE):
        persona = make_persona(org_a, role)
        assert persona.client.get(reverse(INDEX)).status_code == 403, role
        assert persona.client.get(reverse("alarm_setup:centre_create")).status_code == 403, role


def test_a_zorgkantoor_has_no_alarm_setup(make_persona):  # noqa: ANN001
    admin = make_persona(ZorgkantoorFactory(), Role.ADMIN)
    assert admin.client.get(reverse(INDEX)).status_code == 403


# --- the page -----------------------------------------------------------------------------------


def test_page_shows_the_policy_and_the_centres_with_their_status(org_a, admin_a):  # noqa: ANN001
    now = timezone.now()
    ok = AlarmCentreFactory(organization=org_a, name="Zorgcentrale Oost", heartbeat_seconds=300,
                            last_heartbeat_at=now - dt.timedelta(seconds=60))
    quiet = AlarmCentreFactory(organization=org_a, name="Platform Sensoren", heartbeat_seconds=300,
                               last_heartbeat_at=now - dt.timedelta(minutes=20))
    AlarmCentreFactory(organization=org_a, name="Oude centrale", is_active=False,
                       last_heartbeat_at=now - dt.timedelta(days=20))
    response = admin_a.client.get(reverse(INDEX))
    assert response.status_code == 200
    rows = {r.centre.name: r.status for r in response.context["rows"]}
    assert rows == {"Zorgcentrale Oost": "ok", "Platform Sensoren": "quiet", "Oude centrale": "inactive"}
    body = response.content.decode()
    assert ok.key in body and quiet.key in body
    assert ALARM_SECRET not in body
    assert "1 channel is quiet" in body
    assert response.context["form"].initial["ack_minutes_day"] == 5


def test_centre_without_any_heartbeat_counts_from_its_creation(org_a):  # noqa: ANN001
    centre = AlarmCentreFactory(organization=org_a, last_heartbeat_at=None, heartbeat_seconds=60)
    with tenant_scope(org_a):
        (row,) = centre_rows(org_a.pk, now=centre.created_at + dt.timedelta(seconds=30))
        assert not row.is_quiet
        (row,) = centre_rows(org_a.pk, now=centre.created_at + dt.timedelta(seconds=90))
        assert row.is_quiet


# --- alarm centres and their secret ---------------------------------------------------------------


def test_new_centre_shows_key_and_secret_once_and_stores_it_encrypted(org_a, admin_a):  # noqa: ANN001
    response = admin_a.client.post(reverse("alarm_setup:centre_create"),
                                   {"name": "Zorgcentrale Haaglanden", "kind": "alarm_centre",
                                    "heartbeat_seconds": "120"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = response.context["secret"]
    centre = response.context["centre"]
    body = response.content.decode()
    assert len(secret) >= 43  # token_urlsafe(32)
    assert secret in body and centre.key in body
    assert "will not be shown again" in body
    assert "docs/alarm-intake.md" in body

    stored = centre_of(org_a, centre.pk)
    assert stored.secret() == secret
    assert stored.heartbeat_seconds == 120
    assert centre.key == f"{org_a.pk}-{stored.key_id}"
    with tenant_scope(org_a):
        column = raw_secret_column(centre.pk)
    assert secret not in column
    # Later pages never show it again.
    edit = admin_a.client.get(reverse("alarm_setup:centre_edit", kwargs={"alarmcentre_id": centre.pk}))
    assert secret not in edit.content.decode()
    assert secret not in admin_a.client.get(reverse(INDEX)).content.decode()
    with tenant_scope(org_a):
        entry = AccessLog.objects.filter(action="create", object_id=str(centre.pk)).first()
    assert entry is not None and secret not in entry.description


def test_centre_secrets_differ(org_a, admin_a):  # noqa: ANN001
    with tenant_scope(org_a):
        first = centre_create(acting=admin_a.membership, name="A")
        second = centre_create(acting=admin_a.membership, name="B")
    assert first[1] != second[1]
    assert first[0].key != second[0].key


def test_rotating_the_secret_invalidates_the_old_one(org_a, admin_a):  # noqa: ANN001
    centre = AlarmCentreFactory(organization=org_a)
    url = reverse("alarm_setup:centre_new_secret", kwargs={"alarmcentre_id": centre.pk})
    assert admin_a.client.get(url).status_code == 405
    response = admin_a.client.post(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    new = response.context["secret"]
    assert new in response.content.decode()
    assert "The previous secret no longer works." in response.content.decode()
    stored = centre_of(org_a, centre.pk)
    assert stored.secret() == new != ALARM_SECRET
    assert stored.key_id == centre.key_id  # the key stays
    with tenant_scope(org_a):
        assert new not in raw_secret_column(centre.pk)


def test_rotating_needs_the_setup_permission(org_a, make_persona):  # noqa: ANN001
    manager = make_persona(org_a, Role.TEAM_MANAGER)
    centre = AlarmCentreFactory(organization=org_a)
    url = reverse("alarm_setup:centre_new_secret", kwargs={"alarmcentre_id": centre.pk})
    assert manager.client.post(url).status_code == 403
    with tenant_scope(org_a), pytest.raises(PermissionDenied):
        centre_rotate_secret(acting=manager.membership, centre=centre)
    assert centre_of(org_a, centre.pk).secret() == ALARM_SECRET


def test_change_a_centre(org_a, admin_a):  # noqa: ANN001
    centre = AlarmCentreFactory(organization=org_a, name="Centrale")
    url = reverse("alarm_setup:centre_edit", kwargs={"alarmcentre_id": centre.pk})
    assert admin_a.client.get(url).status_code == 200
    response = admin_a.client.post(url, {"name": "Centrale Noord", "kind": "device_platform",
                                         "heartbeat_seconds": "600"})
    assert response.status_code == 302
    stored = centre_of(org_a, centre.pk)
    assert (stored.name, stored.kind, stored.heartbeat_seconds, stored.is_active) == (
        "Centrale Noord", "device_platform", 600, False)
    assert stored.secret() == ALARM_SECRET  # editing does not touch the secret


def test_centre_rules(org_a, admin_a):  # noqa: ANN001
    AlarmCentreFactory(organization=org_a, name="Zorgcentrale")
    with tenant_scope(org_a), pytest.raises(ValidationError) as exc:
        centre_create(acting=admin_a.membership, name=" zorgcentrale ", heartbeat_seconds=10)
    assert set(exc.value.error_dict) == {"name", "heartbeat_seconds"}
    other = AlarmCentreFactory(organization=org_a, name="Andere")
    with tenant_scope(org_a), pytest.raises(ValidationError):
        centre_update(acting=admin_a.membership, centre=other, name="Zorgcentrale", kind="alarm_centre",
                      heartbeat_seconds=300, is_active=True)


# --- the policy -----------------------------------------------------------------------------------


@pytest.fixture
def night_team(org_a):  # noqa: ANN001, ANN201
    return TeamFactory(organization=org_a, name="Nachtdienst")


def policy_data(**overrides) -> dict:  # noqa: ANN003
    data = {"ack_minutes_day": "5", "onsite_minutes_day": "30", "ack_minutes_night": "10",
            "onsite_minutes_night": "45", "night_starts": "22:30", "night_ends": "07:30",
            "escalate_every_minutes": "10", "night_team": "", "on_call": ""}
    return data | overrides


def test_save_the_policy(org_a, admin_a, night_team, make_persona):  # noqa: ANN001
    manager = make_persona(org_a, Role.TEAM_MANAGER)
    response = admin_a.client.post(reverse(INDEX), policy_data(night_team=night_team.pk,
                                                               on_call=manager.membership.pk))
    assert response.status_code == 302
    policy = policy_of(org_a)
    assert (policy.ack_minutes_night, policy.onsite_minutes_night, policy.escalate_every_minutes) == (10, 45, 10)
    assert (policy.night_starts, policy.night_ends) == (dt.time(22, 30), dt.time(7, 30))
    assert (policy.night_team_id, policy.on_call_id) == (night_team.pk, manager.membership.pk)


def save_policy(persona: Persona, **fields) -> AlarmPolicy:  # noqa: ANN003
    with tenant_scope(persona.organization):
        return policy_save(acting=persona.membership, **fields)


def test_night_team_must_be_an_active_team_of_the_organisation(org_a, org_b, admin_a):  # noqa: ANN001
    AlarmPolicyFactory(organization=org_a)
    for team in (TeamFactory(organization=org_b), TeamFactory(organization=org_a, is_active=False)):
        with pytest.raises(ValidationError) as exc:
            save_policy(admin_a, night_team=team)
        assert list(exc.value.error_dict) == ["night_team"]
    assert policy_of(org_a).night_team_id is None


def test_on_call_must_be_a_team_manager_or_admin_of_the_organisation(org_a, org_b, admin_a):  # noqa: ANN001
    for membership in (
        MembershipFactory(organization=org_a, role=Role.CLIENT_COACH),
        MembershipFactory(organization=org_a, role=Role.TEAM_MANAGER, is_active=False),
        MembershipFactory(organization=org_b, role=Role.TEAM_MANAGER),
    ):
        with pytest.raises(ValidationError) as exc:
            save_policy(admin_a, on_call=membership)
        assert list(exc.value.error_dict) == ["on_call"]
    manager = MembershipFactory(organization=org_a, role=Role.TEAM_MANAGER)
    assert save_policy(admin_a, on_call=manager).on_call_id == manager.pk
    assert save_policy(admin_a, on_call=admin_a.membership).on_call_id == admin_a.membership.pk


def test_norms_and_night_window(org_a, admin_a):  # noqa: ANN001
    with pytest.raises(ValidationError) as exc:
        save_policy(admin_a, ack_minutes_day=10, onsite_minutes_day=5, escalate_every_minutes=0,
                    night_starts=dt.time(23), night_ends=dt.time(23))
    assert set(exc.value.error_dict) == {"onsite_minutes_day", "escalate_every_minutes", "night_ends"}
    policy = save_policy(admin_a, ack_minutes_day=3, onsite_minutes_day=20)
    assert (policy.ack_minutes_day, policy.onsite_minutes_day) == (3, 20)


def test_form_offers_only_the_organisations_teams_and_managers(org_a, org_b, admin_a, make_persona):  # noqa: ANN001
    own_team = TeamFactory(organization=org_a, name="Eigen team")
    TeamFactory(organization=org_b, name="Vreemd team")
    coach = make_persona(org_a, Role.CLIENT_COACH)
    with tenant_scope(org_a):
        response = admin_a.client.get(reverse(INDEX))
        form = response.context["form"]
        assert [t.pk for t in form.fields["night_team"].queryset] == [own_team.pk]
        on_call = {m.pk for m in form.fields["on_call"].queryset}
    assert admin_a.membership.pk in on_call and coach.membership.pk not in on_call
    body = response.content.decode()
    assert "Eigen team" in body and "Vreemd team" not in body
    # A foreign team posted anyway is an invalid choice.
    foreign = TeamFactory(organization=org_b)
    response = admin_a.client.post(reverse(INDEX), policy_data(night_team=foreign.pk))
    assert response.status_code == 200
    assert "night_team" in response.context["form"].errors
