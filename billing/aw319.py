"""The declaration as files: the Vektis AW319 flat file (what is sent to the zorgkantoor
through VECOZO) and a CSV overview for spreadsheets.

AW319 layout followed: **AW319 version 1.3** ("DECLARATIE AWBZ", Vektis EI code 187), fixed
records of 310 positions: 01 voorloop, 02 verzekerde (one per client), 04 prestatie (one per
declaration line), 99 sluit. Positions and lengths are those of the public machine-readable
copy of the Vektis record layout in the open-source project olmeca/vektor
(vektor-data/doctypes.json). The Vektis specification itself (and the current Wlz release
of AW319) was not available: docs/declarations.md lists what could not be verified. Every
field is written from `LAYOUT`, which is checked at import to tile the record exactly.

Field rules (Vektis): N fields right-aligned and zero-filled, AN fields left-aligned and
space-filled; dates YYYYMMDD; amounts in euro cents. A code or amount that does not fit its
field is refused (AW319Error), never cut; names are cut to their field. Text is written as
ASCII (accents removed), records end with CR LF.
"""

from __future__ import annotations

import calendar
import csv
import datetime
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Declaration, DeclarationLine
from clients.models import Client
from vpt.core.csv_export import safe_cell
from vpt.tenancy.models import Region
from vpt.wlz import codes

RECORD_LENGTH = 310
EI_CODE = "187"  # COD002 code externe-integratiebericht of AW319
VERSION, SUBVERSION = "01", "03"
SOFTWARE_VERSION = "vpt"
PAYMENT_TO_INSTITUTION = "04"  # COD833 identificatiecode betaling aan: 04 = instelling (not verified)
PRESTATIECODELIJST = "000"  # COD367 aanduiding prestatiecodelijst (Wlz list number not verified)
TIME_UNIT_DAY = "01"  # COD218 tijdseenheid zorgperiode: day (not verified)
SETTLEMENT_100 = "10000"  # ANT094 verrekenpercentage 100,00 %

# (name, start position, length, kind) per record type; kind "N" numeric or "AN" text.
LAYOUT: dict[str, list[tuple[str, int, int, str]]] = {
    "01": [
        ("record", 1, 2, "N"), ("ei_code", 3, 3, "N"), ("version", 6, 2, "N"), ("subversion", 8, 2, "N"),
        ("message_kind", 10, 1, "AN"), ("software_code", 11, 6, "N"), ("software_version", 17, 10, "AN"),
        ("uzovi", 27, 4, "N"), ("service_bureau", 31, 8, "N"), ("practitioner", 39, 8, "N"),
        ("practice", 47, 8, "N"), ("institution", 55, 8, "N"), ("payment_to", 63, 2, "N"),
        ("period_begin", 65, 8, "N"), ("period_end", 73, 8, "N"), ("invoice_number", 81, 12, "AN"),
        ("invoice_date", 93, 8, "N"), ("vat_id", 101, 14, "AN"), ("currency", 115, 3, "AN"),
        ("reserve", 118, 193, "AN"),
    ],
    "02": [
        ("record", 1, 2, "N"), ("detail_id", 3, 12, "N"), ("bsn", 15, 9, "N"), ("uzovi", 24, 4, "N"),
        ("insured_number", 28, 15, "AN"), ("patient_number", 43, 11, "AN"), ("date_of_birth", 54, 8, "N"),
        ("gender", 62, 1, "N"), ("name_code_1", 63, 1, "N"), ("name_1", 64, 25, "AN"), ("prefix_1", 89, 10, "AN"),
        ("name_code_2", 99, 1, "N"), ("name_2", 100, 25, "AN"), ("prefix_2", 125, 10, "AN"),
        ("initials", 135, 6, "AN"), ("name_code_3", 141, 1, "N"), ("postcode", 142, 6, "AN"),
        ("postcode_abroad", 148, 9, "AN"), ("house_number", 157, 5, "N"), ("house_number_suffix", 162, 6, "AN"),
        ("country", 168, 2, "AN"), ("debtor_number", 170, 11, "AN"), ("deceased", 181, 1, "N"),
        ("indication_body", 182, 4, "N"), ("indication_client_number", 186, 20, "AN"), ("reserve", 206, 105, "AN"),
    ],
    "04": [
        ("record", 1, 2, "N"), ("detail_id", 3, 12, "N"), ("bsn", 15, 9, "N"), ("uzovi", 24, 4, "N"),
        ("insured_number", 28, 15, "AN"), ("authorisation_number", 43, 15, "AN"), ("forwarding_allowed", 58, 1, "N"),
        ("indication_body", 59, 4, "N"), ("indication_client_number", 63, 20, "AN"),
        ("indication_request_number", 83, 9, "N"), ("indication_decision_number", 92, 9, "N"),
        ("function_code", 101, 2, "N"), ("zorgprofiel", 103, 3, "N"), ("begin", 106, 8, "N"), ("end", 114, 8, "N"),
        ("code_list", 122, 3, "N"), ("prestatiecode", 125, 5, "AN"), ("units", 130, 4, "N"),
        ("time_unit", 134, 2, "N"), ("performer", 136, 8, "N"), ("performer_specialism", 144, 4, "N"),
        ("prescriber", 148, 8, "N"), ("prescriber_specialism", 156, 4, "N"), ("settlement_percentage", 160, 5, "N"),
        ("tariff", 165, 8, "N"), ("calculated_amount", 173, 8, "N"), ("debit_credit_1", 181, 1, "AN"),
        ("vat_percentage", 182, 4, "N"), ("amount", 186, 8, "N"), ("debit_credit_2", 194, 1, "AN"),
        ("reference", 195, 20, "AN"), ("corrected_reference", 215, 20, "AN"), ("reserve", 235, 76, "AN"),
    ],
    "99": [
        ("record", 1, 2, "N"), ("insured_records", 3, 6, "N"), ("debtor_records", 9, 6, "N"),
        ("prestatie_records", 15, 6, "N"), ("comment_records", 21, 6, "N"), ("detail_records", 27, 7, "N"),
        ("total_amount", 34, 11, "N"), ("debit_credit", 45, 1, "AN"), ("reserve", 46, 265, "AN"),
    ],
}


def _check_layout() -> None:
    for record, fields in LAYOUT.items():
        position = 1
        for name, start, length, _kind in fields:
            if start != position:
                raise AssertionError(f"AW319 layout {record}.{name} starts at {start}, expected {position}")
            position += length
        if position - 1 != RECORD_LENGTH:
            raise AssertionError(f"AW319 record {record} is {position - 1} long, expected {RECORD_LENGTH}")


_check_layout()


class AW319Error(ValidationError):
    """A value does not fit the AW319 layout; the file is not made."""


def ascii_text(value: str) -> str:
    return unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode("ascii")


def format_record(record: str, values: dict[str, object]) -> str:
    """One fixed-width record from `values` (missing fields: zeros or spaces)."""
    parts = []
    for name, _start, length, kind in LAYOUT[record]:
        value = record if name == "record" else values.get(name)
        if kind == "N":
            text = "" if value in (None, "") else str(value)
            if text and not text.isdigit():
                raise AW319Error(_("AW319 field %(field)s of record %(record)s needs digits, not '%(value)s'.")
                                 % {"field": name, "record": record, "value": text})
            if len(text) > length:
                raise AW319Error(_("AW319 field %(field)s of record %(record)s holds %(length)s digits; "
                                   "'%(value)s' does not fit.")
                                 % {"field": name, "record": record, "length": length, "value": text})
            parts.append(text.rjust(length, "0"))
        else:
            text = ascii_text("" if value is None else str(value))
            if len(text) > length:
                if not isinstance(value, _Cut):
                    raise AW319Error(_("AW319 field %(field)s of record %(record)s holds %(length)s characters; "
                                       "'%(value)s' does not fit.")
                                     % {"field": name, "record": record, "length": length, "value": text})
                text = text[:length]
            parts.append(text.ljust(length, " "))
    line = "".join(parts)
    assert len(line) == RECORD_LENGTH
    return line


class _Cut(str):
    """A text that may be cut to its field (names); codes and references may not."""


def parse_record(line: str) -> dict[str, str]:
    """A record as {field: raw text}, by the same layout (for tests and for reading back)."""
    record = line[:2]
    return {name: line[start - 1:start - 1 + length] for name, start, length, _kind in LAYOUT[record]}


def parse(content: bytes) -> list[dict[str, str]]:
    return [parse_record(line) for line in content.decode("ascii").split("\r\n") if line]


def cents(amount: Decimal) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


def _date(day: datetime.date) -> str:
    return day.strftime("%Y%m%d")


def _initials(first_name: str) -> str:
    return "".join(part[0] for part in ascii_text(first_name).replace("-", " ").split() if part).upper()


@dataclass(frozen=True)
class Header:
    uzovi: str
    agb_code: str
    period_begin: datetime.date
    period_end: datetime.date
    invoice_number: str
    invoice_date: datetime.date
    test: bool


@dataclass(frozen=True)
class Insured:
    client_id: int
    bsn: str
    date_of_birth: datetime.date
    last_name: str
    name_prefix: str
    first_name: str
    postcode: str
    house_number: int
    house_number_suffix: str
    deceased: bool


def build(header: Header, insured: dict[int, Insured], lines: Sequence[DeclarationLine]) -> bytes:
    """The AW319 file: 01, then per client a 02 followed by its 04 records (in line order),
    then 99 with the record counts and the net total (debit minus credit, with its sign)."""
    records = [format_record("01", {
        "ei_code": EI_CODE, "version": VERSION, "subversion": SUBVERSION, "message_kind": "T" if header.test else "P",
        "software_version": SOFTWARE_VERSION, "uzovi": header.uzovi, "institution": header.agb_code,
        "payment_to": PAYMENT_TO_INSTITUTION, "period_begin": _date(header.period_begin),
        "period_end": _date(header.period_end), "invoice_number": header.invoice_number,
        "invoice_date": _date(header.invoice_date), "currency": "EUR",
    })]
    detail = insured_count = prestatie_count = 0
    net = 0
    references = {line.pk: line.reference for line in lines}
    previous_client = None
    for line in lines:
        person = insured[line.client_id]
        if line.client_id != previous_client:
            detail += 1
            insured_count += 1
            records.append(format_record("02", {
                "detail_id": detail, "bsn": person.bsn, "uzovi": header.uzovi,
                "patient_number": str(person.client_id), "date_of_birth": _date(person.date_of_birth),
                "gender": 0, "name_code_1": 1, "name_1": _Cut(person.last_name), "prefix_1": _Cut(person.name_prefix),
                "initials": _Cut(_initials(person.first_name)), "postcode": person.postcode.replace(" ", ""),
                "house_number": person.house_number, "house_number_suffix": _Cut(person.house_number_suffix),
                "country": "NL", "deceased": 1 if person.deceased else 2,
            }))
            previous_client = line.client_id
        detail += 1
        prestatie_count += 1
        amount = cents(line.amount)
        net += -amount if line.side == DeclarationLine.Side.CREDIT else amount
        corrected = ""
        if line.corrects_id:
            corrected = references.get(line.corrects_id) or (line.corrects.reference if line.corrects else "")
        records.append(format_record("04", {
            "detail_id": detail, "bsn": person.bsn, "uzovi": header.uzovi, "zorgprofiel": line.zorgprofiel,
            "begin": _date(line.begin), "end": _date(line.end), "code_list": PRESTATIECODELIJST,
            "prestatiecode": line.prestatiecode, "units": line.days, "time_unit": TIME_UNIT_DAY,
            "settlement_percentage": SETTLEMENT_100, "tariff": cents(line.tariff), "calculated_amount": amount,
            "debit_credit_1": line.side, "vat_percentage": 0, "amount": amount, "debit_credit_2": line.side,
            "reference": line.reference, "corrected_reference": corrected,
        }))
    records.append(format_record("99", {
        "insured_records": insured_count, "debtor_records": 0, "prestatie_records": prestatie_count,
        "comment_records": 0, "detail_records": insured_count + prestatie_count, "total_amount": abs(net),
        "debit_credit": "D" if net >= 0 else "C",
    }))
    return ("\r\n".join(records) + "\r\n").encode("ascii")


def _uzovi(declaration: Declaration) -> str:
    """The zorgkantoor's 4-digit code: the iWlz zorgkantoor code of the region it serves
    (the provider's own region first)."""
    region = declaration.organization.region
    if region is not None and region.zorgkantoor_id == declaration.zorgkantoor_id and region.iwlz_code:
        return region.iwlz_code
    code = (Region.objects.filter(zorgkantoor_id=declaration.zorgkantoor_id).exclude(iwlz_code="")
            .order_by("code").values_list("iwlz_code", flat=True).first())
    if not code:
        raise AW319Error(_("The region of %(zk)s has no iWlz zorgkantoor code; it is needed in the AW319 file.")
                         % {"zk": declaration.zorgkantoor.name})
    return code


def build_for(declaration: Declaration, lines: Sequence[DeclarationLine], *, test: bool,
              created_on: datetime.date) -> bytes:
    """The AW319 file of a declaration (lines in number order, with `client` loaded). Reads
    the BSNs (the caller logs the export)."""
    width = next(length for name, _start, length, _kind in LAYOUT["04"] if name == "prestatiecode")
    too_long = sorted({line.prestatiecode for line in lines if len(line.prestatiecode) > width})
    if too_long:
        raise AW319Error(_("The prestatiecodes %(codes)s are longer than the %(width)s positions of the AW319 file. "
                           "The illustrative demo tariff table has such codes; import the official NZa table.")
                         % {"codes": ", ".join(too_long), "width": width})
    first = datetime.date(declaration.year, declaration.month, 1)
    last = datetime.date(declaration.year, declaration.month, calendar.monthrange(declaration.year, declaration.month)[1])
    # The period: the month, reaching back to the earliest (late or corrected) line in it.
    begin = min([first, *(line.begin for line in lines)])
    submitted = timezone.localdate(declaration.submitted_at) if declaration.submitted_at else created_on
    header = Header(uzovi=_uzovi(declaration), agb_code=declaration.organization.agb_code, period_begin=begin,
                    period_end=last, invoice_number=declaration.reference, invoice_date=submitted, test=test)
    insured: dict[int, Insured] = {}
    for line in lines:
        client: Client = line.client
        if client.pk in insured:
            continue
        try:
            bsn = client.reveal_bsn()
        except ValueError as exc:
            raise AW319Error(_("The BSN of %(client)s cannot be read.") % {"client": client.sort_name}) from exc
        insured[client.pk] = Insured(
            client_id=client.pk, bsn=bsn, date_of_birth=client.date_of_birth, last_name=client.last_name,
            name_prefix=client.name_prefix, first_name=client.first_name, postcode=client.postcode,
            house_number=client.house_number, house_number_suffix=client.house_number_suffix,
            deceased=client.end_reason == Client.EndReason.DECEASED,
        )
    return build(header, insured, lines)


def _number(value: Decimal | int) -> str:
    # Semicolon-separated with decimal commas: what Dutch Excel opens as numbers.
    return str(value).replace(".", ",")


def csv_for(declaration: Declaration, lines: Sequence[DeclarationLine]) -> bytes:
    """An overview of the lines for spreadsheets (BSN masked; cells safe from formulas)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([
        _("Line"), _("Reference"), _("Client"), _("Client number"), _("BSN"), _("Zorgprofiel"), _("Prestatiecode"),
        _("Begin"), _("End"), _("Days"), _("Tariff"), _("Amount"), _("Debit/credit"), _("Corrects"), _("Status"),
        _("Return code"), _("Reason"),
    ])
    for line in lines:
        writer.writerow([
            line.number, safe_cell(line.reference), safe_cell(line.client.sort_name), line.client_id,
            line.client.bsn_masked, codes.zorgprofiel_short(line.zorgprofiel), safe_cell(line.prestatiecode),
            line.begin.strftime("%d-%m-%Y"), line.end.strftime("%d-%m-%Y"), line.days, _number(line.tariff),
            _number(line.signed_amount), line.side, safe_cell(line.corrects.reference if line.corrects else ""),
            line.get_status_display(), line.return_code, safe_cell(line.return_reason),
        ])
    writer.writerow([])
    writer.writerow([_("Declaration"), safe_cell(declaration.reference), _("Debit"), _number(declaration.total_debit),
                     _("Credit"), _number(declaration.total_credit), _("Total"), _number(declaration.total)])
    return buffer.getvalue().encode("utf-8")
