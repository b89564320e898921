"""A client's devices: the Wzd rule (service first, database check second), consent dates,
unique external ids, roles (403) and visibility (404), the devices card on the client page
and the dashboard card of clients without a working personal alarm."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection
from django.urls import reverse
from django.utils import timezone, translation

from alarms.cards import personal_alarm_card
from alarms.models import Device
from alarms.services_devices import device_save
from clients.models import Client
from tests.conftest import Persona
from tests.factories import (
    AlarmCentreFactory,
    ChannelOutageFactory,
    ClientFactory,
    DeviceFactory,
    TeamFactory,
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


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def team_north(org_a):  # noqa: ANN001, ANN201
    return TeamFactory(organization=org_a, name="Team Noord")


@pytest.fixture
def team_south(org_a):  # noqa: ANN001, ANN201
    return TeamFactory(organization=org_a, name="Team Zuid")


def _member_of(make_persona, org, team, role) -> Persona:  # noqa: ANN001
    persona = make_persona(org, role)
    with tenant_scope(org):
        team.members.add(persona.membership)
    return persona


@pytest.fixture
def manager_north(org_a, team_north, make_persona) -> Persona:  # noqa: ANN001
    return _member_of(make_persona, org_a, team_north, Role.TEAM_MANAGER)


@pytest.fixture
def manager_south(org_a, team_south, make_persona) -> Persona:  # noqa: ANN001
    return _member_of(make_persona, org_a, team_south, Role.TEAM_MANAGER)


@pytest.fixture
def coach_north(org_a, team_north, make_persona) -> Persona:  # noqa: ANN001
    return _member_of(make_persona, org_a, team_north, Role.CLIENT_COACH)


def in_care(org, team, today, **kwargs) -> Client:  # noqa: ANN001
    return ClientFactory(organization=org, primary_team=team, status=Client.Status.IN_CARE,
                         care_start=today - dt.timedelta(days=30), **kwargs)


@pytest.fixture
def client_north(org_a, team_north, today):  # noqa: ANN001, ANN201
    return in_care(org_a, team_north, today, first_name="Jan", last_name="Noorderling")


def gps(**overrides) -> dict:  # noqa: ANN003
    fields = {"kind": Device.Kind.GPS, "external_id": "GPS-001", "supplier": "Wandel BV", "centre": None,
              "installed_on": None, "status": Device.Status.ACTIVE, "consent_by": "", "consent_on": None,
              "wzd_decision": "", "check_in_minutes": None, "note": ""}
    return fields | overrides


def save(persona: Persona, client: Client, device: Device | None = None, **fields) -> Device:  # noqa: ANN003
    with tenant_scope(persona.organization):
        return device_save(acting=persona.membership, client=client, device=device, **fields)


def devices_of(org, client: Client) -> list[tuple[str, str, str]]:  # noqa: ANN001
    with tenant_scope(org):
        return list(Device.objects.filter(organization=org, client=client).values_list("kind", "external_id", "status"))


def codes(exc: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in exc.value.error_dict.items()}


# --- the Wzd rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [Device.Kind.GPS, Device.Kind.LIFESTYLE, Device.Kind.CAMERA])
def test_active_monitoring_device_without_consent_is_refused(org_a, admin_a, client_north, kind):  # noqa: ANN001
    with pytest.raises(ValidationError) as exc:
        save(admin_a, client_north, **gps(kind=kind))
    assert codes(exc) == {"__all__": ["wzd_consent_required"]}
    assert "involuntary care under the Wzd" in exc.value.messages[0]
    assert devices_of(org_a, client_north) == []


def test_monitoring_device_with_consent_may_work(org_a, admin_a, client_north, today):  # noqa: ANN001
    device = save(admin_a, client_north, **gps(consent_by=Device.ConsentBy.REPRESENTATIVE, consent_on=today))
    assert (device.status, device.consent_by) == (Device.Status.ACTIVE, "representative")
    with tenant_scope(org_a):
        assert AccessLog.objects.filter(client_id=client_north.pk, action="create", object_id=str(device.pk)).exists()


def test_monitoring_device_with_a_wzd_decision_instead_of_consent(org_a, admin_a, client_north):  # noqa: ANN001
    device = save(admin_a, client_north, **gps(wzd_decision="WZD-2026-014 (stappenplan)"))
    assert device.status == Device.Status.ACTIVE
    assert devices_of(org_a, client_north) == [("gps", "GPS-001", "active")]


def test_consent_needs_who_and_when(admin_a, client_north, today):  # noqa: ANN001
    with pytest.raises(ValidationError) as exc:
        save(admin_a, client_north, **gps(consent_by=Device.ConsentBy.CLIENT))
    assert codes(exc) == {"consent_on": ["consent_date_missing"], "__all__": ["wzd_consent_required"]}
    with pytest.raises(ValidationError) as exc:
        save(admin_a, client_north, **gps(consent_on=today))
    assert codes(exc)["consent_by"] == ["consent_by_missing"]


def test_monitoring_device_without_consent_may_wait_to_be_installed(org_a, admin_a, client_north, today):  # noqa: ANN001
    device = save(admin_a, client_north, **gps(status=Device.Status.PLANNED))
    with pytest.raises(ValidationError):
        save(admin_a, client_north, device, status=Device.Status.ACTIVE)
    assert devices_of(org_a, client_north) == [("gps", "GPS-001", "planned")]
    save(admin_a, client_north, device, status=Device.Status.ACTIVE, consent_by="client", consent_on=today)
    assert devices_of(org_a, client_north) == [("gps", "GPS-001", "active")]


@pytest.mark.parametrize("kind", [Device.Kind.PERSONAL_ALARM, Device.Kind.DOOR_ACCESS, Device.Kind.OTHER])
def test_other_devices_need_no_consent(org_a, admin_a, client_north, kind):  # noqa: ANN001
    device = save(admin_a, client_north, **gps(kind=kind, external_id="PA-1"))
    assert device.status == Device.Status.ACTIVE


def test_consent_date_in_the_future_is_refused(org_a, admin_a, client_north, today):  # noqa: ANN001
    with pytest.raises(ValidationError) as exc:
        save(admin_a, client_north, **gps(consent_by="client", consent_on=today + dt.timedelta(days=1)))
    assert codes(exc)["consent_on"] == ["consent_in_future"]
    assert devices_of(org_a, client_north) == []


def test_database_check_is_the_second_guard(org_a, client_north):  # noqa: ANN001
    """Bypassing the service (a plain ORM save) still cannot store a watching device
    without consent or Wzd decision: the PostgreSQL check constraint refuses it."""
    assert connection.vendor == "postgresql"
    with tenant_scope(org_a):
        device = Device.objects.create(organization=org_a, client=client_north, kind=Device.Kind.GPS,
                                       external_id="GPS-RAW", status=Device.Status.PLANNED)
    device.status = Device.Status.ACTIVE
    with pytest.raises(IntegrityError, match="active_monitoring_has_consent_or_wzd"), tenant_scope(org_a):
        device.save()
    with pytest.raises(IntegrityError, match="active_monitoring_has_consent_or_wzd"), tenant_scope(org_a):
        Device.objects.create(organization=org_a, client=client_north, kind=Device.Kind.CAMERA,
                              external_id="CAM-RAW", status=Device.Status.ACTIVE, consent_by="client")
    assert devices_of(org_a, client_north) == [("gps", "GPS-RAW", "planned")]


# --- external ids -------------------------------------------------------------------------------


def test_external_id_is_unique_per_organisation(org_a, org_b, admin_a, client_north, today):  # noqa: ANN001
    DeviceFactory(organization=org_a, external_id="PA-7")
    with pytest.raises(ValidationError) as exc:
        save(admin_a, client_north, **gps(kind=Device.Kind.PERSONAL_ALARM, external_id=" pa-7 "))
    assert codes(exc) == {"external_id": ["duplicate_external_id"]}
    # Another organisation may use the same id.
    DeviceFactory(organization=org_b, external_id="PA-8")
    device = save(admin_a, client_north, **gps(kind=Device.Kind.PERSONAL_ALARM, external_id="PA-8"))
    # Saving a device with its own id is no conflict.
    save(admin_a, client_north, device, note="batterij vervangen")


def test_centre_must_be_of_the_organisation(org_b, admin_a, client_north):  # noqa: ANN001
    other = AlarmCentreFactory(organization=org_b)
    with pytest.raises(ValidationError) as exc:
        save(admin_a, client_north, **gps(kind=Device.Kind.PERSONAL_ALARM, centre=other))
    assert list(exc.value.error_dict) == ["centre"]


# --- pages, roles and visibility -------------------------------------------------------------------


def list_url(client: Client) -> str:
    return reverse("devices:list", kwargs={"client_id": client.pk})


def test_coach_sees_the_devices_but_cannot_add(org_a, coach_north, client_north, today):  # noqa: ANN001
    DeviceFactory(organization=org_a, client=client_north, kind=Device.Kind.GPS, external_id="GPS-9",
                  consent_by="client", consent_on=today)
    response = coach_north.client.get(list_url(client_north))
    assert response.status_code == 200
    assert [d.external_id for d in response.context["devices"]] == ["GPS-9"]
    assert b"devices/nieuw/" not in response.content  # no add button
    assert "No working personal alarm" in response.content.decode()
    create = reverse("devices:create", kwargs={"client_id": client_north.pk})
    assert coach_north.client.get(create).status_code == 403
    assert coach_north.client.post(create, {"kind": "personal_alarm"}).status_code == 403
    with tenant_scope(org_a):
        assert AccessLog.objects.filter(client_id=client_north.pk, action="view", description="devices").exists()


def test_manager_of_another_team_gets_404(org_a, manager_south, client_north):  # noqa: ANN001
    device = DeviceFactory(organization=org_a, client=client_north)
    assert manager_south.client.get(list_url(client_north)).status_code == 404
    assert manager_south.client.get(reverse("devices:create", kwargs={"client_id": client_north.pk})).status_code == 404
    edit = reverse("devices:edit", kwargs={"client_id": client_north.pk, "device_id": device.pk})
    assert manager_south.client.post(edit, {}).status_code == 404


def test_device_of_another_client_is_404(org_a, manager_north, client_north, team_north, today):  # noqa: ANN001
    other = DeviceFactory(organization=org_a, client=in_care(org_a, team_north, today))
    edit = reverse("devices:edit", kwargs={"client_id": client_north.pk, "device_id": other.pk})
    assert manager_north.client.get(edit).status_code == 404


def form_data(**overrides) -> dict:  # noqa: ANN003
    data = {"kind": "gps", "external_id": "GPS-100", "supplier": "", "centre": "", "installed_on": "",
            "status": "active", "consent_by": "", "consent_on": "", "wzd_decision": "", "check_in_minutes": "",
            "note": ""}
    return data | overrides


def test_manager_adds_a_device_through_the_form(org_a, manager_north, client_north):  # noqa: ANN001
    centre = AlarmCentreFactory(organization=org_a, name="Zorgcentrale West")
    create = reverse("devices:create", kwargs={"client_id": client_north.pk})
    page = manager_north.client.get(create + "?kind=gps")
    assert page.status_code == 200
    assert "Monitoring devices need consent." in page.content.decode()
    # Without consent: the Wzd rule on top of the form, nothing saved.
    response = manager_north.client.post(create, form_data(centre=centre.pk))
    assert response.status_code == 200
    assert "involuntary care under the Wzd" in response.content.decode()
    assert devices_of(org_a, client_north) == []
    # With consent: saved, back to the list.
    response = manager_north.client.post(create, form_data(centre=centre.pk, consent_by="client",
                                                           consent_on="2026-01-05", check_in_minutes="60"))
    assert response.status_code == 302
    assert response["Location"] == list_url(client_north)
    assert devices_of(org_a, client_north) == [("gps", "GPS-100", "active")]


def test_manager_changes_a_device(org_a, manager_north, client_north):  # noqa: ANN001
    device = DeviceFactory(organization=org_a, client=client_north, kind=Device.Kind.PERSONAL_ALARM,
                           external_id="PA-55", status=Device.Status.ACTIVE)
    edit = reverse("devices:edit", kwargs={"client_id": client_north.pk, "device_id": device.pk})
    page = manager_north.client.get(edit)
    assert page.status_code == 200
    assert page.context["form"].initial["external_id"] == "PA-55"
    response = manager_north.client.post(edit, form_data(kind="personal_alarm", external_id="PA-55",
                                                         status="defect"))
    assert response.status_code == 302
    assert devices_of(org_a, client_north) == [("personal_alarm", "PA-55", "defect")]


def test_client_page_shows_the_devices_card(org_a, coach_north, client_north, today):  # noqa: ANN001
    DeviceFactory(organization=org_a, client=client_north, kind=Device.Kind.PERSONAL_ALARM, external_id="PA-1")
    DeviceFactory(organization=org_a, client=client_north, kind=Device.Kind.GPS, external_id="GPS-1",
                  wzd_decision="WZD-7")
    response = coach_north.client.get(reverse("clients:detail", kwargs={"client_id": client_north.pk}))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Personal alarm and devices" in body
    assert "WZD-7" in body
    assert "No working personal alarm" not in body
    assert list_url(client_north) in body


# --- the dashboard card ------------------------------------------------------------------------------


class _Request:
    def __init__(self, persona: Persona) -> None:
        self.membership = persona.membership
        self.organization = persona.organization


def card_of(persona: Persona):  # noqa: ANN201
    with tenant_scope(persona.organization):
        cards = list(personal_alarm_card(_Request(persona)))
    assert len(cards) == 1
    return cards[0]


def test_dashboard_card_lists_clients_without_a_working_alarm(org_a, team_north, team_south, manager_north, today):  # noqa: ANN001
    without = in_care(org_a, team_north, today, first_name="Zonder", last_name="Alarm")
    with_alarm = in_care(org_a, team_north, today, first_name="Met", last_name="Alarm")
    defect = in_care(org_a, team_north, today, first_name="Kapot", last_name="Alarm")
    DeviceFactory(organization=org_a, client=with_alarm, kind=Device.Kind.PERSONAL_ALARM, status=Device.Status.ACTIVE)
    DeviceFactory(organization=org_a, client=defect, kind=Device.Kind.PERSONAL_ALARM, status=Device.Status.DEFECT)
    in_care(org_a, team_south, today, first_name="Ander", last_name="Team")  # not my team
    ClientFactory(organization=org_a, primary_team=team_north, first_name="Nog", last_name="Intake")  # not in care
    ChannelOutageFactory(organization=org_a, ended_at=None)

    card = card_of(manager_north)
    names = [label for label, _value in card.rows]
    assert card.value == 2
    assert names == [defect.full_name, without.full_name]
    assert with_alarm.full_name not in names
    assert "1 open outage" in card.detail
    assert card.url == reverse("devices:list", kwargs={"client_id": defect.pk})


def test_dashboard_card_counts_beyond_the_first_five(org_a, team_north, admin_a, today):  # noqa: ANN001
    for n in range(7):
        in_care(org_a, team_north, today, last_name=f"Klant{n}")
    card = card_of(admin_a)
    assert card.value == 7
    assert len(card.rows) == 6
    assert card.rows[-1][0] == "and 2 more"


def test_manage_devices_is_checked_in_the_service(coach_north, client_north):  # noqa: ANN001
    with pytest.raises(PermissionDenied):
        save(coach_north, client_north, **gps(kind=Device.Kind.PERSONAL_ALARM))
