"""iWlz start/end-of-care notifications (AW35/AW39): recorded from the client file's events,
exported as XML that validates against the bundled iWlz 2.2 schemas, logged, frozen once sent."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import translation
from lxml import etree

from billing import iwlz, services
from billing.models import CareNotification
from clients.models import WlzIndication
from clients.services import clients as client_services
from tests.factories import ClientFactory, EligibilityAssessmentFactory, WlzIndicationFactory
from vpt.audit.models import AccessLog
from vpt.tenancy.roles import Role
from vpt.tenancy.scope import tenant_scope
from vpt.wlz.codes import SCHEMA_DIR

BSN = "123456782"
START, END = datetime.date(2025, 3, 1), datetime.date(2025, 6, 15)
ZK_CODE = "5509"  # Zorgkantoor Utrecht in LDT_ZorgkantoorCode


@pytest.fixture(autouse=True)
def zorgkantoor_code(regional):  # noqa: ANN001, ANN201
    """The provider's region carries its iWlz zorgkantoor code (the message's receiver)."""
    regional.region.iwlz_code = ZK_CODE
    regional.region.save()


@pytest.fixture
def intake_client(regional):  # noqa: ANN001, ANN201
    client = ClientFactory(organization=regional, bsn=BSN, first_name="Anna Maria", name_prefix="van",
                           last_name="Dijk")
    EligibilityAssessmentFactory(organization=regional, client=client)
    WlzIndicationFactory(organization=regional, client=client, zorgprofiel="754", leveringsvorm="5",
                         valid_from=datetime.date(2025, 1, 1), ciz_reference="CIZ-0012345")
    return client


@pytest.fixture
def finance(regional, make_persona):  # noqa: ANN001, ANN201
    return make_persona(regional, Role.FINANCE)


def start_care(persona, client):  # noqa: ANN001, ANN201
    with tenant_scope(client.organization):
        return client_services.client_start_care(acting=persona.membership, client=client, start=START)


def end_care(persona, client, reason: str = "deceased"):  # noqa: ANN001, ANN201
    with tenant_scope(client.organization):
        return client_services.client_end_care(acting=persona.membership, client=client, end=END, reason=reason)


def notifications(org):  # noqa: ANN001, ANN201
    with tenant_scope(org):
        return list(CareNotification.objects.filter(organization=org).order_by("pk"))


def reload(notification: CareNotification) -> CareNotification:
    with tenant_scope(notification.organization):
        notification.refresh_from_db()
    return notification


def export_logs(org, notification: CareNotification):  # noqa: ANN001, ANN201
    with tenant_scope(org):
        return list(AccessLog.objects.filter(action=AccessLog.Action.EXPORT, object_id=str(notification.pk)))


def xsd(message: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / f"{message}.xsd")))


def test_starting_and_ending_care_record_aw35_and_aw39(finance, intake_client):  # noqa: ANN001
    start_care(finance, intake_client)
    [aw35] = notifications(intake_client.organization)
    assert (aw35.kind, aw35.date, aw35.reason, aw35.status) == ("start", START, "", "to_send")
    end_care(finance, intake_client, reason="nursing_home")
    aw35, aw39 = notifications(intake_client.organization)
    assert (aw39.kind, aw39.date, aw39.reason) == ("end", END, "17")
    assert aw35.reference != aw39.reference and len(aw39.reference) == 12


@pytest.mark.parametrize(("reason", "code"), [("deceased", "19"), ("other", "19"), ("nursing_home", "17")])
def test_end_reason_maps_to_iwlz_mutatiecode(finance, intake_client, reason, code):  # noqa: ANN001
    start_care(finance, intake_client)
    end_care(finance, intake_client, reason=reason)
    assert notifications(intake_client.organization)[-1].reason == code


def test_generated_messages_validate_against_the_bundled_xsd(finance, intake_client):  # noqa: ANN001
    start_care(finance, intake_client)
    end_care(finance, intake_client)
    aw35, aw39 = notifications(intake_client.organization)
    with tenant_scope(intake_client.organization):
        xml35 = iwlz.build(aw35, today=END)
        xml39 = iwlz.build(aw39, today=END)
    doc35, doc39 = etree.fromstring(xml35), etree.fromstring(xml39)
    assert xsd("AW35").validate(doc35), xsd("AW35").error_log
    assert xsd("AW39").validate(doc39), xsd("AW39").error_log
    ns35 = {"m": iwlz.MESSAGES["start"][2]}
    assert doc35.findtext("m:Header/m:Afzender", namespaces=ns35) == intake_client.organization.agb_code
    assert doc35.findtext("m:Header/m:Ontvanger", namespaces=ns35) == ZK_CODE
    ident = doc35.find("m:Header/m:BerichtIdentificatie", ns35)
    assert ident.findtext("b:Identificatie", namespaces={"b": iwlz.NS_BASIS}) == aw35.reference
    zzp = doc35.find("m:Clienten/m:Client/m:GeleverdeZorgzwaartepakketten/m:GeleverdZorgzwaartepakket", ns35)
    assert zzp.findtext("m:ZzpCode", namespaces=ns35) == "754"
    assert zzp.findtext("m:Besluitnummer", namespaces=ns35) == "12345"
    assert zzp.findtext("m:Begindatum", namespaces=ns35) == "2025-03-01"
    ns39 = {"m": iwlz.MESSAGES["end"][2]}
    mut = doc39.find("m:Clienten/m:Client/m:MutatieZorgzwaartepakketten/m:MutatieZorgzwaartepakket", ns39)
    assert mut.findtext("m:Mutatiecode", namespaces=ns39) == "19"
    assert mut.findtext("m:Mutatiedatum", namespaces=ns39) == "2025-06-15"
    assert doc39.findtext("m:Clienten/m:Client/m:Bsn", namespaces=ns39) == BSN


def test_a_broken_message_is_refused(finance, intake_client):  # noqa: ANN001
    start_care(finance, intake_client)
    [aw35] = notifications(intake_client.organization)
    with tenant_scope(intake_client.organization):
        good = iwlz.build(aw35, today=START)
    broken = good.replace(f"<aw35:Bsn>{BSN}</aw35:Bsn>".encode(), b"<aw35:Bsn>12345</aw35:Bsn>")
    assert broken != good
    with pytest.raises(iwlz.InvalidMessage, match="Bsn"):
        iwlz.validate("AW35", broken)
    with pytest.raises(iwlz.InvalidMessage):
        iwlz.validate("AW39", good)  # an AW35 is not an AW39


def test_invalid_data_is_never_exported(finance, intake_client):  # noqa: ANN001
    start_care(finance, intake_client)
    [aw35] = notifications(intake_client.organization)
    with tenant_scope(intake_client.organization):
        intake_client.indications.update(ciz_reference="onbekend")
    response = finance.client.get(reverse("billing:iwlz_xml", args=[aw35.pk]))
    assert response.status_code == 302
    assert reload(aw35).xml == ""
    assert export_logs(intake_client.organization, aw35) == []


def test_a_region_without_an_iwlz_code_has_no_receiver(finance, intake_client):  # noqa: ANN001
    start_care(finance, intake_client)
    [aw35] = notifications(intake_client.organization)
    region = intake_client.organization.region
    region.iwlz_code = ""
    region.save()
    response = finance.client.get(reverse("billing:iwlz_xml", args=[aw35.pk]), follow=True)
    assert "no valid iWlz zorgkantoor code" in response.content.decode()
    assert export_logs(intake_client.organization, aw35) == []


def test_xml_has_the_bsn_the_list_does_not_and_export_is_logged(finance, intake_client):  # noqa: ANN001
    start_care(finance, intake_client)
    [aw35] = notifications(intake_client.organization)
    page = finance.client.get(reverse("billing:iwlz"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Dijk" in body and aw35.reference in body
    assert BSN not in body
    response = finance.client.get(reverse("billing:iwlz_xml", args=[aw35.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert BSN.encode() in response.content
    iwlz.validate("AW35", response.content)
    [entry] = export_logs(intake_client.organization, aw35)
    assert entry.client_id == intake_client.pk
    assert entry.user_id == finance.user.pk


def test_list_filters(finance, intake_client):  # noqa: ANN001
    start_care(finance, intake_client)
    end_care(finance, intake_client)
    aw35, aw39 = notifications(intake_client.organization)
    body = finance.client.get(reverse("billing:iwlz"), {"kind": "end"}).content.decode()
    assert aw39.reference in body and aw35.reference not in body
    body = finance.client.get(reverse("billing:iwlz"), {"status": "sent"}).content.decode()
    assert aw39.reference not in body and aw35.reference not in body


def test_marking_sent_freezes_the_snapshot(finance, intake_client):  # noqa: ANN001
    start_care(finance, intake_client)
    [aw35] = notifications(intake_client.organization)
    url = reverse("billing:iwlz_mark_sent", args=[aw35.pk])
    assert finance.client.get(url).status_code == 405
    assert finance.client.post(url).status_code == 302
    reload(aw35)
    assert aw35.status == "sent" and aw35.sent_at is not None and aw35.sent_by_id == finance.user.pk
    frozen = aw35.xml
    iwlz.validate("AW35", frozen.encode())
    # The client's data change afterwards: the sent message stays what was sent.
    with tenant_scope(intake_client.organization):
        intake_client.last_name = "Anders"
        intake_client.save(update_fields=["last_name"])
    response = finance.client.get(reverse("billing:iwlz_xml", args=[aw35.pk]))
    assert response.content.decode() == frozen and "Anders" not in frozen
    # Marking it sent twice is refused, nothing changes.
    finance.client.post(url)
    reload(aw35)
    assert aw35.xml == frozen
    with translation.override("en"), tenant_scope(intake_client.organization), \
            pytest.raises(Exception, match="already"):
        services.care_notification_mark_sent(acting=finance.membership, notification=aw35)


def test_other_tenant_gets_404(finance, intake_client, org_b, make_persona):  # noqa: ANN001
    start_care(finance, intake_client)
    [aw35] = notifications(intake_client.organization)
    other = make_persona(org_b, Role.ADMIN)
    assert other.client.get(reverse("billing:iwlz_xml", args=[aw35.pk])).status_code == 404
    assert other.client.post(reverse("billing:iwlz_mark_sent", args=[aw35.pk])).status_code == 404
    assert aw35.reference not in other.client.get(reverse("billing:iwlz")).content.decode()


def test_coach_gets_403(finance, intake_client, regional, make_persona):  # noqa: ANN001
    start_care(finance, intake_client)
    [aw35] = notifications(intake_client.organization)
    coach = make_persona(regional, Role.CLIENT_COACH)
    assert coach.client.get(reverse("billing:iwlz")).status_code == 403
    assert coach.client.get(reverse("billing:iwlz_xml", args=[aw35.pk])).status_code == 403
    assert coach.client.post(reverse("billing:iwlz_mark_sent", args=[aw35.pk])).status_code == 403
    reload(aw35)
    assert aw35.status == "to_send"


@pytest.mark.parametrize(("reference", "expected"), [
    ("CIZ-0012345", "12345"),
    ("CIZ-2025-595746", "595746"),  # the year and the number: the number is the last group
    ("123456789", "123456789"),
])
def test_besluitnummer_from_the_ciz_reference(reference, expected):  # noqa: ANN001
    assert iwlz.besluitnummer(WlzIndication(ciz_reference=reference)) == expected


def test_a_reference_without_a_besluitnummer_is_refused():
    with pytest.raises(iwlz.InvalidMessage):
        iwlz.besluitnummer(WlzIndication(ciz_reference="CIZ-2025-1234567890"))
