"""The arrangement as a signed document (PDF): content, no BSN, logged as PRINT, isolation."""

from __future__ import annotations

import datetime
import os
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from arrangements.models import ArrangementLine, MenuItem, TaskAgreement
from arrangements.services import arrangements as services
from clients.models import Client
from tests.clients import conftest as client_fixtures
from tests.factories import (
    ClientFactory,
    ContractFactory,
    MenuItemFactory,
    NetworkMemberFactory,
    RegionFactory,
    TaskAgreementFactory,
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

BSN = "123456782"
JAN_1 = date(2026, 1, 1)


@pytest.fixture(autouse=True)
def pinned_today():  # noqa: ANN201
    with time_machine.travel(datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def person(org_a, team_north):  # noqa: ANN001, ANN201
    """Johanna, in care since 1 January 2026 with a 5VV VPT indication; tariffs and a contract."""
    load_default_tariffs()
    zorgkantoor = ZorgkantoorFactory()
    org_a.region = RegionFactory(zorgkantoor=zorgkantoor)
    org_a.save(update_fields=["region"])
    ContractFactory(organization=org_a, zorgkantoor=zorgkantoor, year=2026, percentage=Decimal("96.50"))
    client = ClientFactory(organization=org_a, primary_team=team_north, first_name="Johanna", name_prefix="van der",
                           last_name="Berg", bsn=BSN, street="Lindelaan", house_number=12, postcode="2511 AB",
                           city="Den Haag")
    WlzIndicationFactory(organization=org_a, client=client, zorgprofiel="754", valid_from=date(2025, 1, 1))
    with tenant_scope(org_a):
        Client.objects.filter(pk=client.pk).update(status=Client.Status.IN_CARE, care_start=JAN_1)
        client.refresh_from_db()
    return client


@pytest.fixture
def arrangement(org_a, person, manager_north):  # noqa: ANN001, ANN201
    """An active version over budget (justified), with every kind of 'delivered by' and tasks."""
    alarm = MenuItemFactory(organization=org_a, code="alarm", name="Personal alarm", kind=MenuItem.Kind.PERSONAL_ALARM,
                            unit=MenuItem.Unit.PER_MONTH, function_level=None, cost_price=Decimal("36.50"),
                            is_fixed=True, default_quantity=Decimal("1"))
    care = MenuItemFactory(organization=org_a, code="care", name="Personal care", unit=MenuItem.Unit.HOURS_PER_WEEK,
                           function_level=3, cost_price=Decimal("56.00"))
    household = MenuItemFactory(organization=org_a, code="household", name="Household help",
                                kind=MenuItem.Kind.HOUSEHOLD, unit=MenuItem.Unit.HOURS_PER_WEEK, function_level=2,
                                cost_price=Decimal("35.00"))
    meals = MenuItemFactory(organization=org_a, code="meals", name="Warm meals", kind=MenuItem.Kind.MEALS,
                            unit=MenuItem.Unit.PER_DAY, function_level=None, cost_price=Decimal("9.50"))
    acting = manager_north.membership
    with tenant_scope(org_a):
        version = services.arrangement_create_draft(acting=acting, client=person, valid_from=JAN_1)
        services.line_add(acting=acting, arrangement=version, menu_item=care, quantity=Decimal("30"))
        services.line_add(acting=acting, arrangement=version, menu_item=household, quantity=Decimal("2"),
                          delivered_by=ArrangementLine.DeliveredBy.SUBCONTRACTOR, subcontractor="Schoon BV")
        services.line_add(acting=acting, arrangement=version, menu_item=household, quantity=Decimal("1.5"),
                          delivered_by=ArrangementLine.DeliveredBy.MANTELZORG)
        services.line_add(acting=acting, arrangement=version, menu_item=meals, quantity=Decimal("1"),
                          delivered_by=ArrangementLine.DeliveredBy.PRIVATE)
        daughter = NetworkMemberFactory(organization=org_a, client=person, name="Els van der Berg")
        TaskAgreementFactory(organization=org_a, arrangement=version, task="Boodschappen doen",
                             done_by=TaskAgreement.DoneBy.NETWORK, network_member=daughter, frequency="2x per week")
        TaskAgreementFactory(organization=org_a, arrangement=version, task="Ontbijt klaarzetten",
                             done_by=TaskAgreement.DoneBy.CLIENT, frequency="dagelijks")
        services.arrangement_activate(acting=acting, arrangement=version, agreed_on=date(2025, 12, 20),
                                      justification="Tijdelijk meer zorg na ziekenhuisopname.")
    assert alarm.is_fixed
    return version


def _pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def _url(arrangement) -> str:  # noqa: ANN001
    return reverse("arrangements:pdf", args=[arrangement.client_id, arrangement.pk])


def _prints(org, client) -> list[AccessLog]:  # noqa: ANN001
    with tenant_scope(org):
        return list(AccessLog.objects.filter(client_id=client.pk, action=AccessLog.Action.PRINT))


def test_pdf_is_the_agreement_to_sign_without_the_bsn(coach_north, org_a, person, arrangement):  # noqa: ANN001
    response = coach_north.client.get(_url(arrangement))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and b"%%EOF" in response.content[-32:]
    if os.environ.get("VPT_KEEP_PDF"):  # to look at it: pdftoppm -png -r 60
        Path(os.environ["VPT_KEEP_PDF"]).write_bytes(response.content)
    text = _pdf_text(response.content)
    flat = " ".join(text.split())
    with translation.override("nl"):
        labels = [gettext(s) for s in ("Care arrangement VPT in de wijk", "Client or representative", "Signature",
                                       "Task division")]
    for label in labels:
        assert label in flat
    assert "Johanna van der Berg" in flat and "17-05-1940" in flat and "Lindelaan 12" in flat
    assert "5VV" in flat and org_a.name in flat
    for name in ("Personal alarm", "Personal care", "Household help", "Warm meals"):
        assert name in flat
    assert "Schoon BV" in flat and "Els van der Berg" in flat and "Boodschappen doen" in flat
    assert "Tijdelijk meer zorg na ziekenhuisopname." in flat and "20-12-2025" in flat
    assert "illustrat" in flat.lower() or "illustratief" in flat.lower()
    assert BSN not in text and BSN.encode() not in response.content
    entries = _prints(org_a, person)
    assert len(entries) == 1 and entries[0].object_type == "arrangements.arrangement"


def test_a_coach_of_another_team_gets_404(org_a, person, arrangement, team_south, make_persona):  # noqa: ANN001
    coach = make_persona(org_a, Role.CLIENT_COACH)
    team_south.members.add(coach.membership)
    assert coach.client.get(_url(arrangement)).status_code == 404
    assert not _prints(org_a, person)


def test_another_organisation_gets_404(org_a, person, arrangement, admin_b):  # noqa: ANN001
    assert admin_b.client.get(_url(arrangement)).status_code == 404
    assert not _prints(org_a, person)


def test_a_version_of_another_client_is_404(org_a, person, arrangement, manager_north, team_north):  # noqa: ANN001
    other = ClientFactory(organization=org_a, primary_team=team_north)
    url = reverse("arrangements:pdf", args=[other.pk, arrangement.pk])
    assert manager_north.client.get(url).status_code == 404


def test_the_arrangement_pages_link_to_the_pdf(coach_north, person, arrangement):  # noqa: ANN001
    pdf = _url(arrangement)
    for page in ("arrangements:detail", "arrangements:version"):
        args = [person.pk] if page == "arrangements:detail" else [person.pk, arrangement.pk]
        response = coach_north.client.get(reverse(page, args=args))
        assert response.status_code == 200
        body = response.content.decode()
        assert pdf in body
        assert reverse("budget:tasks", args=[person.pk]) in body
        assert reverse("budget:evaluation_create", args=[person.pk]) in body
