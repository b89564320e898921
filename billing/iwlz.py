"""iWlz XML of the start-of-care (AW35) and end-of-care (AW39) notifications.

Schema version: iWlz release 2.2, message and basisschema XSD 1.0.0 (BerichtVersie 5,
BerichtSubversie 2), the bundled copies in vpt/wlz/schemas/iwlz-2.2/. Every message is
validated with lxml against that XSD before it leaves the system; a message that does not
validate raises `InvalidMessage` with the schema's errors and is never exported.

Filled, and from where:
- Header: BerichtCode 354 (AW35) / 358 (AW39), BerichtVersie 5, BerichtSubversie 2 (fixed
  by the XSD); Afzender = the provider's Organization.agb_code; Ontvanger = the iWlz
  zorgkantoor code (LDT_ZorgkantoorCode, 4 digits, e.g. 5509) of the zorgkantoor that
  serves the provider's region: Region.iwlz_code (Region.code is a free short code, not
  the iWlz one); the code must be in the XSD enumeration. BerichtIdentificatie = CareNotification.reference (12 characters,
  the schema's maximum) and Dagtekening = the day the XML is built (frozen once sent);
  XsdVersie = 1.0.0 / 1.0.0.
- Client: Bsn (decrypted with Client.reveal_bsn; the caller logs the EXPORT), Geboortedatum
  (date_of_birth), Geslacht "0" (onbekend: the client file records no sex), Naam:
  Achternaam = last_name, Voorvoegsel = name_prefix, Voorletters = initials of first_name.
- AW35 GeleverdZorgzwaartepakket / AW39 MutatieZorgzwaartepakket, from the client's VPT
  WlzIndication that covers the date (for an end: else the latest one before it):
  Besluitnummer = the digits of ciz_reference (LDT_Nummer, at most 9 digits),
  ZzpCode = zorgprofiel, Leveringsvorm = leveringsvorm, Behandeling (AW35) = with_behandeling,
  ToewijzingIngangsdatum = indication valid_from, Begindatum = Client.care_start,
  Instelling = the provider's AGB code, StatusAanlevering 1 (eerste aanlevering).
  AW35: Leveringsstatus 4 (in zorg). AW39: Mutatiecode = CareNotification.reason,
  Mutatiedatum = the end date, Leveringsstatus see LEVERINGSSTATUS_AFTER.

Not verified (no access to the iWlz functional rules, TR/OP, or a test environment):
- ToewijzingIngangsdatum should be the start date of the zorgkantoor's allocation (AW33);
  the project does not store AW33 yet, so the indication's valid_from stands in for it.
- Besluitnummer: the CIZ decision number is assumed to be the digits of ciz_reference.
- Geslacht is always 0 (onbekend); whether the zorgkantoor accepts that is not checked.
- The mapping of Client.EndReason to a Mutatiecode (billing.services.END_REASON_TO_MUTATIECODE)
  and of a Mutatiecode to a Leveringsstatus (LEVERINGSSTATUS_AFTER) rest on the code labels
  in basisschema.xsd only.
- The XSD checks structure and code lists only; the iWlz business rules are not applied.
"""

from __future__ import annotations

import datetime
import re
from functools import cache

from lxml import etree

from billing.models import CareNotification
from clients.models import Client, WlzIndication
from vpt.wlz import codes

NS_BASIS = "http://www.istandaarden.nl/iwlz/2_2/basisschema/schema"
MESSAGES = {
    CareNotification.Kind.START: ("AW35", "354", "http://www.istandaarden.nl/iwlz/2_2/aw35/schema"),
    CareNotification.Kind.END: ("AW39", "358", "http://www.istandaarden.nl/iwlz/2_2/aw39/schema"),
}
BERICHT_VERSIE, BERICHT_SUBVERSIE, XSD_VERSIE = "5", "2", "1.0.0"
LEVERINGSSTATUS_IN_ZORG = "4"
STATUS_EERSTE_AANLEVERING = "1"
GESLACHT_ONBEKEND = "0"
LEVERINGSSTATUS_EINDE = "5"  # einde zorgvraag
# Leveringsstatus of an AW39 by Mutatiecode (labels from basisschema.xsd; not verified
# against the iWlz rules): 17 overplaatsing -> the client stays in Wlz care elsewhere
# (4 in zorg); every other end of delivery -> 5 einde zorgvraag.
LEVERINGSSTATUS_AFTER = {"17": LEVERINGSSTATUS_IN_ZORG}


class InvalidMessage(ValueError):
    """The message cannot be built or does not validate against the iWlz XSD."""


@cache
def schema(message: str) -> etree.XMLSchema:
    """The bundled XSD of `message` ("AW35", "AW39"); imports basisschema.xsd next to it."""
    return etree.XMLSchema(etree.parse(str(codes.SCHEMA_DIR / f"{message}.xsd")))


def validate(message: str, xml: bytes) -> None:
    """Raise InvalidMessage with the schema's errors unless `xml` is a valid `message`."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        document = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidMessage(f"{message}: not well-formed XML: {exc}") from exc
    xsd = schema(message)
    if not xsd.validate(document):
        errors = "; ".join(f"line {e.line}: {e.message}" for e in xsd.error_log)
        raise InvalidMessage(f"{message} does not validate against the iWlz 2.2 schema: {errors}")


def zorgkantoor_code(notification: CareNotification) -> str:
    region = notification.organization.region
    zorgkantoor = region.zorgkantoor if region is not None else None
    if zorgkantoor is None:
        raise InvalidMessage("The organisation has no region with a zorgkantoor: no receiver for the message.")
    code = region.iwlz_code
    if code not in codes.zorgkantoor_codes():
        raise InvalidMessage(
            f"Region {region.name} has no valid iWlz zorgkantoor code (Region.iwlz_code, e.g. 5518): "
            "no receiver for the message."
        )
    return code


def indication_for(client: Client, day: datetime.date) -> WlzIndication:
    vpt = client.indications.vpt()
    indication = vpt.valid_on(day).order_by("-valid_from").first() or (
        vpt.filter(valid_from__lte=day).order_by("-valid_from").first()
    )
    if indication is None:
        raise InvalidMessage(f"The client has no VPT indication on {day:%d-%m-%Y}.")
    return indication


def besluitnummer(indication: WlzIndication) -> str:
    """The CIZ besluitnummer (1-9 digits) in the indication's reference: its digits, or when
    those are too many (a reference like CIZ-2025-595746), the last group of digits."""
    digits = re.sub(r"\D", "", indication.ciz_reference).lstrip("0") or ""
    if len(digits) > 9:
        groups = re.findall(r"\d+", indication.ciz_reference)
        digits = groups[-1].lstrip("0") if groups else ""
    if not digits or len(digits) > 9:
        raise InvalidMessage(
            f"The CIZ decision reference {indication.ciz_reference!r} holds no besluitnummer (1 to 9 digits)."
        )
    return digits


def initials(first_name: str) -> str:
    return "".join(part[0] for part in re.findall(r"[^\W\d_]+", first_name)).upper()[:6]


def build(notification: CareNotification, *, today: datetime.date) -> bytes:
    """The AW35/AW39 XML of `notification`, validated. Decrypts the BSN: callers log the export."""
    message, bericht_code, ns = MESSAGES[notification.kind]
    client = notification.client
    provider = notification.organization
    indication = indication_for(client, notification.date)

    def el(parent: etree._Element, name: str, text: str | None = None, *, basis: bool = False) -> etree._Element:
        # Children of the basisschema's composite types (CDT_*) are in its namespace.
        child = etree.SubElement(parent, f"{{{NS_BASIS if basis else ns}}}{name}")
        if text is not None:
            child.text = text
        return child

    root = etree.Element(f"{{{ns}}}Bericht", nsmap={message.lower(): ns, "iwlz": NS_BASIS})
    header = el(root, "Header")
    el(header, "BerichtCode", bericht_code)
    el(header, "BerichtVersie", BERICHT_VERSIE)
    el(header, "BerichtSubversie", BERICHT_SUBVERSIE)
    el(header, "Afzender", provider.agb_code)
    el(header, "Ontvanger", zorgkantoor_code(notification))
    ident = el(header, "BerichtIdentificatie")
    el(ident, "Identificatie", notification.reference, basis=True)
    el(ident, "Dagtekening", today.isoformat(), basis=True)
    versie = el(header, "XsdVersie")
    el(versie, "BasisschemaXsdVersie", XSD_VERSIE, basis=True)
    el(versie, "BerichtXsdVersie", XSD_VERSIE, basis=True)

    person = el(el(root, "Clienten"), "Client")
    el(person, "Bsn", client.reveal_bsn())
    el(el(person, "Geboortedatum"), "Datum", client.date_of_birth.isoformat(), basis=True)
    el(person, "Geslacht", GESLACHT_ONBEKEND)
    naam = el(person, "Naam")
    achternaam = el(naam, "Geslachtsnaam", basis=True)
    el(achternaam, "Achternaam", client.last_name, basis=True)
    if client.name_prefix:
        el(achternaam, "Voorvoegsel", client.name_prefix, basis=True)
    if initials(client.first_name):
        el(naam, "Voorletters", initials(client.first_name), basis=True)

    if notification.kind == CareNotification.Kind.START:
        zzp = el(el(person, "GeleverdeZorgzwaartepakketten"), "GeleverdZorgzwaartepakket")
    else:
        zzp = el(el(person, "MutatieZorgzwaartepakketten"), "MutatieZorgzwaartepakket")
    el(zzp, "Besluitnummer", besluitnummer(indication))
    el(zzp, "ZzpCode", indication.zorgprofiel)
    el(zzp, "ToewijzingIngangsdatum", indication.valid_from.isoformat())
    el(zzp, "Begindatum", (client.care_start or notification.date).isoformat())
    el(zzp, "Instelling", provider.agb_code)
    if notification.kind == CareNotification.Kind.START:
        el(zzp, "Leveringsstatus", LEVERINGSSTATUS_IN_ZORG)
        el(zzp, "Leveringsvorm", indication.leveringsvorm)
        el(zzp, "Behandeling", "1" if indication.with_behandeling else "2")
    else:
        el(zzp, "Mutatiecode", notification.reason)
        el(zzp, "Mutatiedatum", notification.date.isoformat())
        el(zzp, "Leveringsstatus", LEVERINGSSTATUS_AFTER.get(notification.reason, LEVERINGSSTATUS_EINDE))
        el(zzp, "Leveringsvorm", indication.leveringsvorm)
    el(zzp, "StatusAanlevering", STATUS_EERSTE_AANLEVERING)

    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(message, xml)
    return xml
