"""The NZa tariff table: importing it, and looking up maximum and contracted day tariffs.

Tariffs are data (DOMAIN.md "Tariffs and rules as data"): finance imports the NZa table
each year with `manage.py import_tariffs`; the repository ships an *illustrative* table
(vpt/wlz/data/tariffs/, see its README) so the demo and the tests have amounts.

This module imports no app (clients, billing, ...): apps call it. `Contract` and
`ContractTariff` are tenant-owned, so `contract_for` and `contracted_amount` must be called
inside `tenant_scope` (views are; tasks open one).
"""

from __future__ import annotations

import csv
import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from vpt.tenancy.models import Contract, ContractTariff, Organization
from vpt.wlz import codes
from vpt.wlz.models import Tariff

TARIFF_DIR = Path(__file__).resolve().parent / "data" / "tariffs"
DEFAULT_FILES = ("vpt-2025-illustrative.csv", "vpt-2026-illustrative.csv")

COLUMNS = (
    "prestatiecode", "description", "component", "zorgprofiel", "with_behandeling",
    "with_dagbesteding", "amount", "valid_from", "valid_to", "source",
)
OPTIONAL_COLUMNS = ("illustrative",)
# Fields compared to decide between "updated" and "unchanged".
_COMPARED = (
    "description", "component", "zorgprofiel", "with_behandeling", "with_dagbesteding", "amount",
    "valid_to", "source", "is_illustrative",
)
CENT = Decimal("0.01")

_TRUE = {"true", "1", "ja", "j", "yes", "y", "waar", "x"}
_FALSE = {"false", "0", "nee", "n", "no", "onwaar"}


# --------------------------------------------------------------------------- lookup


def nza_tariff(*, zorgprofiel: str, day: datetime.date, with_behandeling: bool, with_dagbesteding: bool) -> Tariff | None:
    """The NZa base prestatie for a zorgprofiel and variant, valid on `day` (one query).

    When finance has imported the official table for a period that the illustrative table
    also covers, the official row wins.
    """
    return (
        Tariff.objects.filter(
            component=Tariff.Component.BASE,
            zorgprofiel=zorgprofiel,
            with_behandeling=with_behandeling,
            with_dagbesteding=with_dagbesteding,
            valid_from__lte=day,
            valid_to__gte=day,
        )
        .order_by("is_illustrative", "-valid_from")
        .first()
    )


def base_tariffs_on(day: datetime.date) -> dict[tuple[str, bool, bool], Tariff]:
    """All base prestaties valid on `day`, keyed (zorgprofiel, with_behandeling,
    with_dagbesteding), with the same precedence as nza_tariff (one query)."""
    result: dict[tuple[str, bool, bool], Tariff] = {}
    rows = Tariff.objects.filter(
        component=Tariff.Component.BASE, valid_from__lte=day, valid_to__gte=day
    ).order_by("is_illustrative", "-valid_from")
    for row in rows:
        result.setdefault((row.zorgprofiel, row.with_behandeling, row.with_dagbesteding), row)
    return result


def contract_for(*, organization: Organization, day: datetime.date) -> Contract | None:
    """The provider's contract with the zorgkantoor of its region for `day.year` (one query).

    None when the organisation has no region, the region no zorgkantoor, or there is no
    contract for that year. Call inside the organisation's tenant scope.
    """
    if organization.region_id is None:
        return None
    return (
        Contract.objects.filter(
            organization=organization,
            year=day.year,
            zorgkantoor__served_regions__id=organization.region_id,
        )
        .select_related("zorgkantoor")
        .order_by("pk")
        .first()
    )


def round_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def contract_price(
    tariff: Tariff, contract: Contract, *, overrides: Mapping[str, Decimal] | None = None
) -> tuple[Decimal, bool]:
    """(contracted amount, True when a per-prestatie amount applies). See contracted_amount."""
    if overrides is None:
        override = (
            ContractTariff.objects.filter(
                organization_id=contract.organization_id, contract=contract, prestatiecode=tariff.prestatiecode
            )
            .values_list("amount", flat=True)
            .first()
        )
    else:
        override = overrides.get(tariff.prestatiecode)
    if override is not None:
        return override, True
    return round_cents(tariff.amount * contract.percentage / 100), False


def contracted_amount(
    tariff: Tariff, contract: Contract, *, overrides: Mapping[str, Decimal] | None = None
) -> Decimal:
    """The contracted day tariff: the contract's amount for this prestatiecode if it has one
    (ContractTariff), else the NZa maximum × the contract percentage / 100, rounded half-up
    to cents. A declared tariff that differs from this is rejected (iWlz return code 0611).

    Pass `overrides` (prestatiecode -> amount, e.g. from `contract_overrides`) to price
    many rows without a query each.
    """
    return contract_price(tariff, contract, overrides=overrides)[0]


def contract_overrides(contract: Contract) -> dict[str, Decimal]:
    """prestatiecode -> agreed amount of a contract (one query)."""
    return dict(
        ContractTariff.objects.filter(organization_id=contract.organization_id, contract=contract)
        .values_list("prestatiecode", "amount")
    )


# --------------------------------------------------------------------------- import


class TariffImportError(Exception):
    """The file was refused; `errors` holds one message per problem, with its line."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    files: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __add__(self, other: ImportResult) -> ImportResult:
        return ImportResult(
            self.created + other.created, self.updated + other.updated, self.unchanged + other.unchanged,
            self.dry_run or other.dry_run, self.files + other.files,
        )


def read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, {column: raw value}) for each non-empty data row of a CSV (`;` or `,`,
    UTF-8 with or without BOM) or XLSX (first sheet). Line 1 is the header."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        header, rows = _read_xlsx(path)
    else:
        header, rows = _read_csv(path)
    names = [str(h or "").strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise TariffImportError([f"line 1: missing column(s): {', '.join(missing)}"])
    result = []
    for line, values in rows:
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        record = {name: (values[i] if i < len(values) else None) for i, name in enumerate(names) if name}
        result.append((line, record))
    return result


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TariffImportError([f"{path.name}: not UTF-8 text ({exc.reason}); save the file as CSV UTF-8"]) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise TariffImportError([f"{path.name}: the file is empty"]) from None
    rows = [(reader.line_num, row) for row in reader]
    return header, rows


def _read_xlsx(path: Path) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook  # only needed for Excel files

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()
    if not rows:
        raise TariffImportError([f"{path.name}: the first sheet is empty"])
    return list(rows[0]), [(i, list(r)) for i, r in enumerate(rows[1:], start=2)]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text == "":
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"'{text}' is not true/false")


def _parse_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (use 2025-01-01 or 01-01-2025)")


def _parse_amount(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"'{value}' is not an amount")
    if isinstance(value, int | Decimal):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    else:
        text = _text(value).replace("€", "").replace(" ", "")
        if "," in text:  # Dutch notation: 1.234,56
            text = text.replace(".", "").replace(",", ".")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"'{_text(value)}' is not an amount") from None
    if not amount.is_finite():
        raise ValueError(f"'{_text(value)}' is not an amount")
    if amount != amount.quantize(CENT):
        raise ValueError(f"{amount} has more than 2 decimals")
    if amount < 0:
        raise ValueError(f"{amount} is negative")
    if amount >= Decimal("10000000"):
        raise ValueError(f"{amount} is too large")
    return amount.quantize(CENT)


def _parse_zorgprofiel(value: Any) -> str:
    text = _text(value)
    if text == "":
        return ""
    if text in codes.zorgprofielen():
        return text
    code = codes.zorgprofiel_from_short(text)
    if code is None:
        raise ValueError(f"unknown zorgprofiel '{text}' (use the iWlz code, e.g. 754, or 5VV)")
    return code


def _validate_row(record: dict[str, Any], *, official: bool) -> tuple[dict[str, Any], list[str]]:
    """Field values for a Tariff, and the problems found (without the line prefix)."""
    problems: list[str] = []
    values: dict[str, Any] = {}

    def take(name: str, parse, **kw) -> Any:  # noqa: ANN001, ANN003
        try:
            return parse(record.get(name), **kw)
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
            return None

    values["prestatiecode"] = _text(record.get("prestatiecode"))
    if not values["prestatiecode"]:
        problems.append("prestatiecode: empty")
    elif len(values["prestatiecode"]) > Tariff._meta.get_field("prestatiecode").max_length:
        problems.append("prestatiecode: longer than 20 characters")
    values["description"] = _text(record.get("description"))[:200]
    if not values["description"]:
        problems.append("description: empty")
    values["component"] = _text(record.get("component")).lower()
    if values["component"] not in Tariff.Component.values:
        problems.append(f"component: '{values['component']}' is not one of {', '.join(Tariff.Component.values)}")
    values["zorgprofiel"] = take("zorgprofiel", _parse_zorgprofiel)
    values["with_behandeling"] = take("with_behandeling", _parse_bool)
    values["with_dagbesteding"] = take("with_dagbesteding", _parse_bool)
    values["amount"] = take("amount", _parse_amount)
    values["valid_from"] = take("valid_from", _parse_date)
    values["valid_to"] = take("valid_to", _parse_date)
    values["source"] = _text(record.get("source"))[:300]
    if not values["source"]:
        problems.append("source: empty (say where the amount comes from)")
    marked_illustrative = take("illustrative", _parse_bool) if "illustrative" in record else None

    if values["component"] == Tariff.Component.BASE:
        if not values["zorgprofiel"] and not any(p.startswith("zorgprofiel") for p in problems):
            problems.append("zorgprofiel: required for a base prestatie")
        for name in ("with_behandeling", "with_dagbesteding"):
            if values[name] is None and not any(p.startswith(name) for p in problems):
                problems.append(f"{name}: required for a base prestatie (true or false)")
    if values["valid_from"] and values["valid_to"] and values["valid_to"] < values["valid_from"]:
        problems.append("valid_to: before valid_from")
    if official and marked_illustrative:
        problems.append("illustrative: the row is marked illustrative; it cannot be imported as official")
    values["zorgprofiel"] = values["zorgprofiel"] or ""
    values["is_illustrative"] = not official
    return values, problems


def _overlap_errors(imported: Mapping[tuple[str, datetime.date], int]) -> list[str]:
    """Two rows valid on the same day for one prestatiecode, or for one base variant of one
    zorgprofiel (official and illustrative rows apart), make the lookup ambiguous."""
    errors = []
    by_code: dict[Any, list[Tariff]] = defaultdict(list)
    by_variant: dict[Any, list[Tariff]] = defaultdict(list)
    for t in Tariff.objects.all():
        by_code[(t.prestatiecode,)].append(t)
        if t.component == Tariff.Component.BASE:
            by_variant[(t.is_illustrative, t.zorgprofiel, t.with_behandeling, t.with_dagbesteding)].append(t)
    for groups, what in ((by_code, "prestatiecode"), (by_variant, "zorgprofiel and variant")):
        for rows in groups.values():
            rows.sort(key=lambda t: t.valid_from)
            for earlier, later in zip(rows, rows[1:], strict=False):
                if later.valid_from > earlier.valid_to:
                    continue
                for row in (later, earlier):
                    line = imported.get((row.prestatiecode, row.valid_from))
                    if line is not None:
                        other = earlier if row is later else later
                        errors.append(
                            f"line {line}: {row.prestatiecode} {row.valid_from}–{row.valid_to} overlaps "
                            f"{other.prestatiecode} {other.valid_from}–{other.valid_to} (same {what})"
                        )
                        break
    return errors


def import_tariffs(path: Path | str, *, official: bool = False, dry_run: bool = False) -> ImportResult:
    """Import an NZa tariff table, all or nothing.

    Every row is validated (known zorgprofiel code, dates, amount ≥ 0, known component,
    base prestaties with zorgprofiel and both variant flags); rows are upserted by
    (prestatiecode, valid_from). Any problem refuses the whole file with one message per
    problem and its line number (TariffImportError). Without `official` every row is
    marked illustrative; with it, rows marked illustrative in the file are refused.
    """
    path = Path(path)
    rows = read_rows(path)
    errors: list[str] = []
    parsed: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[str, datetime.date], int] = {}
    for line, record in rows:
        values, problems = _validate_row(record, official=official)
        key = (values["prestatiecode"], values["valid_from"])
        if not problems and key in seen:
            problems.append(f"duplicate of line {seen[key]} (same prestatiecode and valid_from)")
        errors += [f"line {line}: {p}" for p in problems]
        if not problems:
            seen[key] = line
            parsed.append((line, values))
    if not rows:
        errors.append(f"{path.name}: no tariff rows")
    if errors:
        raise TariffImportError(errors)

    result = ImportResult(dry_run=dry_run, files=[path.name])
    with transaction.atomic():
        existing = {(t.prestatiecode, t.valid_from): t for t in Tariff.objects.filter(
            prestatiecode__in={v["prestatiecode"] for _, v in parsed})}
        for line, values in parsed:
            tariff = existing.get((values["prestatiecode"], values["valid_from"]))
            if tariff is None:
                tariff = Tariff(**values)
                result.created += 1
            elif all(getattr(tariff, f) == values[f] for f in _COMPARED):
                result.unchanged += 1
                continue
            else:
                for name, value in values.items():
                    setattr(tariff, name, value)
                result.updated += 1
            try:
                tariff.full_clean(validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                errors += [f"line {line}: {name}: {'; '.join(msgs)}" for name, msgs in exc.message_dict.items()]
                continue
            tariff.save()
        errors += _overlap_errors(seen)
        if errors:
            transaction.set_rollback(True)
            raise TariffImportError(errors)
        if dry_run:
            transaction.set_rollback(True)
    return result


def load_default_tariffs(files: Iterable[str] = DEFAULT_FILES) -> ImportResult:
    """Import the shipped illustrative tables (demo seeder, tests). Idempotent: a second
    call reports every row unchanged."""
    result = ImportResult()
    with transaction.atomic():
        for name in files:
            result = result + import_tariffs(TARIFF_DIR / name)
    return result
