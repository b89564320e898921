"""CSV import of clients with their Wlz indication from an existing system.

Two steps: `import_preview` checks every row and stores the upload (nothing else is
written); `import_commit` checks again and creates every client and indication through
the ordinary services, all or nothing. The format is described in
docs/examples/clients-import.csv and on the upload page.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client, ClientImport, bsn_lookup_hash
from clients.selectors import visible_teams
from clients.services.clients import client_create
from clients.services.indications import indication_create
from clients.validation import clean_bsn, clean_postcode
from vpt.audit.models import AccessLog
from vpt.audit.services import record_access
from vpt.tenancy.models import Membership, Team
from vpt.wlz import codes

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000

# Column in the file -> keyword of client_create / indication_create, in file order.
COLUMNS = {
    "voornaam": "first_name",
    "tussenvoegsel": "name_prefix",
    "achternaam": "last_name",
    "geboortedatum": "date_of_birth",
    "bsn": "bsn",
    "straat": "street",
    "huisnummer": "house_number",
    "toevoeging": "house_number_suffix",
    "postcode": "postcode",
    "plaats": "city",
    "wijk": "district",
    "huisarts": "gp_name",
    "team": "primary_team",
    "zorgprofiel": "zorgprofiel",
    "indicatie_van": "valid_from",
    "indicatie_tot": "valid_to",
    "ciz_referentie": "ciz_reference",
}
REQUIRED = (
    "voornaam", "achternaam", "geboortedatum", "bsn", "straat", "huisnummer", "postcode", "plaats", "team",
    "zorgprofiel", "indicatie_van",
)
# Text columns and the model's max_length: refused in the preview, not at the commit.
MAX_LENGTHS = {
    "voornaam": 100, "tussenvoegsel": 20, "achternaam": 100, "straat": 150, "toevoeging": 10, "plaats": 100,
    "wijk": 100, "huisarts": 150, "ciz_referentie": 50,
}
_FIELD_TO_COLUMN = {v: k for k, v in COLUMNS.items()}
_DMY = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_HOUSE_NUMBER = re.compile(r"^(\d{1,6})\s*[-\s]?\s*([A-Za-z0-9][A-Za-z0-9 \-]*)?$")


@dataclass(frozen=True)
class RowError:
    """One problem in the file: line 1 is the header; `column` is "" for the whole row."""

    line: int
    column: str
    code: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Line %(line)s, column %(column)s: %(reason)s") % {
                "line": self.line, "column": self.column, "reason": self.message}
        return _("Line %(line)s: %(reason)s") % {"line": self.line, "reason": self.message}


@dataclass
class ParsedRow:
    """One data row: the raw values as written, the cleaned values, and its problems."""

    line: int
    raw: dict[str, str]
    first_name: str = ""
    name_prefix: str = ""
    last_name: str = ""
    date_of_birth: date | None = None
    bsn: str = ""
    street: str = ""
    house_number: int | None = None
    house_number_suffix: str = ""
    postcode: str = ""
    city: str = ""
    district: str = ""
    gp_name: str = ""
    team: Team | None = None
    zorgprofiel: str = ""  # iWlz code, e.g. "754"
    valid_from: date | None = None
    valid_to: date | None = None
    ciz_reference: str = ""
    errors: list[RowError] = field(default_factory=list)

    def add_error(self, column: str, code: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, code, message))

    @property
    def error_columns(self) -> set[str]:
        return {e.column for e in self.errors}

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.name_prefix, self.last_name) if p)

    @property
    def bsn_masked(self) -> str:
        digits = self.bsn or re.sub(r"\D", "", self.raw.get("bsn", ""))
        return f"•••••{digits[-4:]}" if digits else ""

    @property
    def zorgprofiel_short(self) -> str:
        return codes.zorgprofiel_short(self.zorgprofiel) if self.zorgprofiel else self.raw.get("zorgprofiel", "")

    def client_data(self) -> dict:
        return {
            "first_name": self.first_name, "name_prefix": self.name_prefix, "last_name": self.last_name,
            "date_of_birth": self.date_of_birth, "street": self.street, "house_number": self.house_number,
            "house_number_suffix": self.house_number_suffix, "postcode": self.postcode, "city": self.city,
            "district": self.district, "gp_name": self.gp_name, "primary_team": self.team,
        }


@dataclass
class ImportCheck:
    """The outcome of reading and checking a file: its rows and every problem, by line."""

    rows: list[ParsedRow]
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


class ImportFileError(ValidationError):
    """The file as a whole cannot be read as rows (no header, missing columns)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__([str(e) for e in errors])
        self.errors = errors


class ImportRefused(ValidationError):
    """import_commit found problems; nothing was saved. `errors` lists them per row."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__([str(e) for e in errors], code="import_refused")
        self.errors = errors


# --- reading -------------------------------------------------------------------------------


def _check_size(content: str) -> None:
    if len(content.encode("utf-8")) > MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)s MB. Split it into smaller files.") % {"mb": MAX_BYTES // (1024 * 1024)},
            code="too_large",
        )


def _delimiter(header_line: str) -> str:
    """`;` (Dutch Excel) or `,`: whichever separates the header; ';' on a tie."""
    return "," if header_line.count(",") > header_line.count(";") else ";"


def parse_date(value: str) -> date:
    """dd-mm-jjjj or jjjj-mm-dd; ValueError otherwise (also for 31-02-2020)."""
    value = value.strip()
    if m := _DMY.match(value):
        day, month, year = (int(g) for g in m.groups())
    elif m := _YMD.match(value):
        year, month, day = (int(g) for g in m.groups())
    else:
        raise ValueError(value)
    return date(year, month, day)


def _clean_date(row: ParsedRow, column: str) -> date | None:
    value = row.raw.get(column, "")
    if not value:
        return None
    try:
        return parse_date(value)
    except ValueError:
        row.add_error(column, "date", _("'%(value)s' is not a date; write dd-mm-jjjj (e.g. 17-05-1940) or jjjj-mm-dd.")
                      % {"value": value[:20]})
        return None


def _clean_row(row: ParsedRow) -> None:
    """Everything that can be checked without the database."""
    raw = row.raw
    for column in REQUIRED:
        if not raw.get(column):
            row.add_error(column, "required", _("This value is required."))
    for column, limit in MAX_LENGTHS.items():
        if len(raw.get(column, "")) > limit:
            row.add_error(column, "too_long", _("At most %(limit)s characters.") % {"limit": limit})
    row.first_name, row.name_prefix, row.last_name = raw["voornaam"], raw.get("tussenvoegsel", ""), raw["achternaam"]
    row.street, row.city = raw["straat"], raw["plaats"]
    row.district, row.gp_name = raw.get("wijk", ""), raw.get("huisarts", "")
    row.ciz_reference = raw.get("ciz_referentie", "")
    row.house_number_suffix = raw.get("toevoeging", "")

    if raw["bsn"]:
        try:
            row.bsn = clean_bsn(raw["bsn"])
        except ValidationError as exc:
            row.add_error("bsn", exc.error_list[0].code or "bsn", exc.messages[0])
    if raw["postcode"]:
        try:
            row.postcode = clean_postcode(raw["postcode"])
        except ValidationError as exc:
            row.add_error("postcode", "postcode", exc.messages[0])
        else:
            row.raw["postcode"] = row.postcode
    if raw["huisnummer"]:
        match = _HOUSE_NUMBER.match(raw["huisnummer"])
        # "12a" or "12-2" with an empty toevoeging: split, as people write addresses.
        if match and int(match.group(1)) > 0 and not (match.group(2) and row.house_number_suffix):
            row.house_number = int(match.group(1))
            row.house_number_suffix = row.house_number_suffix or (match.group(2) or "").strip()[:10]
        else:
            row.add_error("huisnummer", "house_number", _("A house number is a whole number, e.g. 12; put 'a' or 'bis' in the column toevoeging."))

    row.date_of_birth = _clean_date(row, "geboortedatum")
    if row.date_of_birth and row.date_of_birth > timezone.localdate():
        row.add_error("geboortedatum", "date", _("The date of birth lies in the future."))
    row.valid_from = _clean_date(row, "indicatie_van")
    row.valid_to = _clean_date(row, "indicatie_tot")
    if row.valid_from and row.valid_to and row.valid_to < row.valid_from:
        row.add_error("indicatie_tot", "end_before_start", _("The indication ends before it starts."))

    if raw["zorgprofiel"]:
        value = raw["zorgprofiel"].strip()
        code = value if value in codes.zorgprofielen() else codes.zorgprofiel_from_short(value)
        if code is None:
            row.add_error("zorgprofiel", "zorgprofiel", _("Unknown zorgprofiel '%(value)s'; write it like 5VV or 6LG.")
                          % {"value": value[:10]})
        else:
            row.zorgprofiel = code


def _skipped(values: list[str]) -> bool:
    """Empty lines and comment lines (starting with #, as in the sample file) are ignored."""
    return not any(v.strip() for v in values) or values[0].lstrip("\ufeff").lstrip().startswith("#")


def import_rows(content: str) -> list[ParsedRow]:
    """Read the CSV text into rows, each cleaned and with its own problems (no database).

    Raises ImportFileError when the header is missing or lacks required columns, and
    ValidationError when the file is too large or has too many rows."""
    _check_size(content)
    content = content.removeprefix("\ufeff")
    lines = content.splitlines()
    first = next((line for line in lines if line.strip() and not line.lstrip().startswith("#")), None)
    if first is None:
        raise ImportFileError([RowError(1, "", "empty", _("The file is empty."))])
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=_delimiter(first))
    try:
        header_raw = next((r for r in reader if not _skipped(r)), None)
    except csv.Error as exc:
        raise ImportFileError([RowError(1, "", "csv", _("The file cannot be read as CSV: %(error)s") % {"error": exc})]) from exc
    if header_raw is None:
        raise ImportFileError([RowError(1, "", "empty", _("The file is empty."))])
    header_line = reader.line_num
    header = [h.strip().lstrip("\ufeff").lower() for h in header_raw]

    problems = []
    for column in header:
        if column and column not in COLUMNS:
            problems.append(RowError(header_line, column, "unknown_column", _("Unknown column. Expected columns: %(columns)s.")
                                     % {"columns": ", ".join(COLUMNS)}))
        elif column and header.count(column) > 1:
            problems.append(RowError(header_line, column, "duplicate_column", _("This column appears more than once.")))
    for column in REQUIRED:
        if column not in header:
            problems.append(RowError(header_line, column, "missing_column", _("The header row lacks this required column.")))
    if problems:
        raise ImportFileError(list(dict.fromkeys(problems)))

    rows: list[ParsedRow] = []
    previous_end = header_line
    try:
        for values in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if _skipped(values):
                continue
            if len(rows) >= MAX_ROWS:
                raise ValidationError(
                    _("The file has more than %(max)s rows. Split it into smaller files.") % {"max": f"{MAX_ROWS:,}".replace(",", ".")},
                    code="too_many_rows",
                )
            raw = {column: "" for column in COLUMNS}
            raw.update({column: value.strip() for column, value in zip(header, values, strict=False) if column})
            row = ParsedRow(line=line, raw=raw)
            if len(values) > len(header) and any(v.strip() for v in values[len(header):]):
                row.add_error("", "columns", _("This row has more values than the header has columns (a separator inside a value?)."))
            _clean_row(row)
            rows.append(row)
    except csv.Error as exc:
        raise ImportFileError([RowError(reader.line_num, "", "csv", _("The file cannot be read as CSV: %(error)s") % {"error": exc})]) from exc
    return rows


# --- checking against the organisation -------------------------------------------------------


def _team_lookup(acting: Membership) -> dict[str, Team | None]:
    """Team name -> team (exact names first, then case-insensitive when unambiguous)."""
    teams = list(visible_teams(acting))
    lookup: dict[str, Team | None] = {}
    for team in teams:
        key = team.name.strip().lower()
        lookup[key] = None if key in lookup else team  # None: two teams differ only in case
    lookup.update({team.name: team for team in teams})
    return lookup


def validate(*, acting: Membership, rows: list[ParsedRow]) -> list[RowError]:
    """Add the checks that need the organisation: the team is one of the acting member's
    teams, each BSN appears once in the file and is not yet a client of the organisation.
    Two queries for the whole file, whatever its length. Returns every error by line."""
    teams = _team_lookup(acting)
    for row in rows:
        name = row.raw["team"]
        if name:
            row.team = teams.get(name) or teams.get(name.strip().lower())
            if row.team is None:
                row.add_error("team", "unknown_team", _("Unknown team '%(team)s'; use the name of one of your teams.")
                              % {"team": name[:100]})

    hashes = {row.line: bsn_lookup_hash(row.bsn) for row in rows if row.bsn}
    existing = set(
        Client.objects.filter(organization=acting.organization, bsn_hash__in=set(hashes.values())).values_list("bsn_hash", flat=True)
    ) if hashes else set()
    first_line: dict[str, int] = {}
    for row in rows:
        digest = hashes.get(row.line)
        if digest is None:
            continue
        if digest in first_line:
            row.add_error("bsn", "duplicate_bsn", _("The same BSN as on line %(line)s.") % {"line": first_line[digest]})
        else:
            first_line[digest] = row.line
        if digest in existing:
            row.add_error("bsn", "bsn_exists", _("A client with this BSN already exists in this organisation."))
    return [error for row in rows for error in row.errors]


def check_content(*, acting: Membership, content: str) -> ImportCheck:
    """Read and check a file; problems with the file as a whole come back as errors too."""
    try:
        rows = import_rows(content)
    except ImportFileError as exc:
        return ImportCheck(rows=[], errors=exc.errors)
    errors = validate(acting=acting, rows=rows)
    if not rows:
        errors = [RowError(2, "", "no_rows", _("The file has a header but no clients."))]
    return ImportCheck(rows=rows, errors=errors)


# --- the two steps ---------------------------------------------------------------------------


def import_preview(*, acting: Membership, filename: str, content: str) -> ClientImport:
    """Check an uploaded file and keep it for the preview; no client is written yet.

    Refused outright (ValidationError, nothing stored) above MAX_BYTES or MAX_ROWS."""
    _check_size(content)
    check = check_content(acting=acting, content=content)  # may raise for too many rows
    client_import = ClientImport(
        organization=acting.organization,
        filename=(filename or "import.csv")[-200:],
        content=content,
        row_count=len(check.rows),
        error_count=len(check.errors),
        status=ClientImport.Status.PREVIEWED,
        created_by=acting.user,
    )
    client_import.full_clean(exclude=["organization", "created_by"])
    client_import.save()
    return client_import


class _Rollback(Exception):  # noqa: N818 - internal signal, never leaves import_commit
    pass


def _service_errors(line: int, exc: ValidationError) -> list[RowError]:
    if hasattr(exc, "error_dict"):
        return [
            RowError(line, _FIELD_TO_COLUMN.get(name, ""), "invalid", message)
            for name, errors in exc.error_dict.items()
            for message in ValidationError(errors).messages
        ]
    return [RowError(line, "", "invalid", message) for message in exc.messages]


def import_commit(*, acting: Membership, client_import: ClientImport, request: HttpRequest | None = None) -> int:
    """Create every client of a previewed file with its indication, or none of them.

    Rules: an import is committed once; every row is checked again (the organisation may
    have changed since the preview) and the ordinary services apply their own rules. On
    success the stored file is wiped, because it holds BSNs. Returns the number of clients."""
    errors: list[RowError] = []
    try:
        with transaction.atomic():
            locked = (
                ClientImport.objects.select_for_update()
                .filter(organization=acting.organization, pk=client_import.pk)
                .first()
            )
            if locked is None or locked.status == ClientImport.Status.IMPORTED:
                raise ValidationError(_("This file has already been imported."), code="already_imported")
            check = check_content(acting=acting, content=locked.content)
            errors = list(check.errors)
            if errors:
                raise _Rollback
            for row in check.rows:
                try:
                    client = client_create(acting=acting, bsn=row.bsn, request=request, **row.client_data())
                    indication_create(
                        acting=acting, client=client, zorgprofiel=row.zorgprofiel, valid_from=row.valid_from,
                        valid_to=row.valid_to, ciz_reference=row.ciz_reference, request=request,
                    )
                except ValidationError as exc:
                    errors += _service_errors(row.line, exc)
            if errors:
                raise _Rollback
            locked.status = ClientImport.Status.IMPORTED
            locked.imported_at = timezone.now()
            locked.content = ""
            locked.row_count = len(check.rows)
            locked.error_count = 0
            locked.save(update_fields=["status", "imported_at", "content", "row_count", "error_count"])
            record_access(action=AccessLog.Action.CREATE, request=request, membership=acting, obj=locked,
                          description=f"CSV import: {len(check.rows)} clients with indications")
    except _Rollback:
        # Outside the rolled-back block: the refusal itself is kept.
        client_import.status = ClientImport.Status.FAILED
        client_import.error_count = len(errors)
        client_import.save(update_fields=["status", "error_count"])
        raise ImportRefused(errors) from None
    client_import.status, client_import.imported_at, client_import.content = locked.status, locked.imported_at, ""
    return len(check.rows)
