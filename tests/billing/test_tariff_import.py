"""The NZa tariff import (CSV/XLSX, all or nothing) and the shipped illustrative tables."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from vpt.wlz.models import Tariff
from vpt.wlz.tariffs import (
    DEFAULT_FILES,
    TARIFF_DIR,
    TariffImportError,
    import_tariffs,
    load_default_tariffs,
    nza_tariff,
)

HEADER = "prestatiecode;description;component;zorgprofiel;with_behandeling;with_dagbesteding;amount;valid_from;valid_to;source;illustrative"
ROWS_PER_FILE = 6 * 4 + 3  # six profiles in four variants, dagbesteding, vervoer, one toeslag


def write(tmp_path: Path, *lines: str, name: str = "table.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_shipped_files_import_with_counts(db):  # noqa: ANN001
    result = load_default_tariffs()
    assert (result.created, result.updated, result.unchanged) == (2 * ROWS_PER_FILE, 0, 0)
    assert Tariff.objects.count() == 2 * ROWS_PER_FILE
    assert not Tariff.objects.filter(is_illustrative=False).exists()
    for year in (2025, 2026):
        rows = Tariff.objects.filter(valid_from=datetime.date(year, 1, 1), valid_to=datetime.date(year, 12, 31))
        assert rows.count() == ROWS_PER_FILE
        assert rows.filter(component="base").count() == 24
        assert {c for c in rows.values_list("component", flat=True)} == {"base", "dagbesteding", "vervoer", "toeslag"}
        assert all(s.startswith("Illustratief") for s in rows.values_list("source", flat=True))


def test_2026_is_2025_times_the_assumed_index(db):  # noqa: ANN001
    load_default_tariffs()
    for old in Tariff.objects.filter(valid_from__year=2025):
        new = Tariff.objects.get(prestatiecode=old.prestatiecode, valid_from__year=2026)
        assert new.amount == (old.amount * Decimal("1.0456")).quantize(Decimal("0.01"))


def test_reimport_is_unchanged(db):  # noqa: ANN001
    load_default_tariffs()
    again = load_default_tariffs()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2 * ROWS_PER_FILE)


def test_command_prints_counts_and_dry_run_writes_nothing(db):  # noqa: ANN001
    path = TARIFF_DIR / DEFAULT_FILES[0]
    out = StringIO()
    call_command("import_tariffs", str(path), "--dry-run", stdout=out)
    assert f"{ROWS_PER_FILE} created, 0 updated, 0 unchanged" in out.getvalue()
    assert "Dry run" in out.getvalue()
    assert Tariff.objects.count() == 0
    out = StringIO()
    call_command("import_tariffs", str(path), stdout=out)
    assert f"{ROWS_PER_FILE} created, 0 updated, 0 unchanged" in out.getvalue()
    out = StringIO()
    call_command("import_tariffs", str(path), stdout=out)
    assert f"0 created, 0 updated, {ROWS_PER_FILE} unchanged" in out.getvalue()


def test_changed_amount_is_updated(db, tmp_path):  # noqa: ANN001
    load_default_tariffs()
    lines = (TARIFF_DIR / DEFAULT_FILES[0]).read_text(encoding="utf-8").splitlines()
    lines = [line.replace(";215.00;", ";216.00;") for line in lines]
    result = import_tariffs(write(tmp_path, *lines))
    assert (result.created, result.updated, result.unchanged) == (0, 1, ROWS_PER_FILE - 1)
    assert Tariff.objects.get(prestatiecode="V754B", valid_from__year=2025).amount == Decimal("216.00")


def test_bad_row_is_refused_with_its_line_number_and_nothing_is_written(db, tmp_path):  # noqa: ANN001
    path = write(
        tmp_path,
        HEADER,
        "X-1;Goed;base;754;false;true;215.00;2025-01-01;2025-12-31;test;true",
        "X-2;Fout;base;123;false;true;-5;2025-01-01;2024-12-31;test;true",
        "X-3;Fout;extra;;;;abc;1-1-25;2025-12-31;test;true",
    )
    with pytest.raises(TariffImportError) as caught:
        import_tariffs(path)
    errors = caught.value.errors
    assert any(e.startswith("line 3: zorgprofiel") for e in errors)
    assert any(e.startswith("line 3: amount") and "negative" in e for e in errors)
    assert any(e.startswith("line 3: valid_to") for e in errors)
    assert any(e.startswith("line 4: component") for e in errors)
    assert any(e.startswith("line 4: amount") for e in errors)
    assert any(e.startswith("line 4: valid_from") for e in errors)
    assert not any(e.startswith("line 2") for e in errors)
    assert Tariff.objects.count() == 0

    err = StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_tariffs", str(path), stderr=err)
    assert "line 3: zorgprofiel" in err.getvalue()
    assert Tariff.objects.count() == 0


def test_one_bad_row_keeps_the_good_updates_out(db, tmp_path):  # noqa: ANN001
    load_default_tariffs()
    lines = (TARIFF_DIR / DEFAULT_FILES[0]).read_text(encoding="utf-8").splitlines()
    lines = [line.replace(";215.00;", ";216.00;") for line in lines]
    lines.append("VPT-X;Zonder variant;base;754;;true;100.00;2025-01-01;2025-12-31;test;true")
    with pytest.raises(TariffImportError) as caught:
        import_tariffs(write(tmp_path, *lines))
    assert caught.value.errors == [f"line {len(lines)}: with_behandeling: required for a base prestatie (true or false)"]
    assert Tariff.objects.get(prestatiecode="V754B", valid_from__year=2025).amount == Decimal("215.00")


def test_overlapping_variant_is_refused(db, tmp_path):  # noqa: ANN001
    load_default_tariffs()
    path = write(tmp_path, HEADER, "OTHER-754;5VV again;base;754;false;true;200.00;2025-07-01;2025-12-31;test;true")
    with pytest.raises(TariffImportError) as caught:
        import_tariffs(path)
    assert caught.value.errors[0].startswith("line 2: OTHER-754")
    assert not Tariff.objects.filter(prestatiecode="OTHER-754").exists()


def test_duplicate_row_in_file_is_refused(db, tmp_path):  # noqa: ANN001
    row = "X-1;Goed;base;754;false;true;215.00;2025-01-01;2025-12-31;test;true"
    with pytest.raises(TariffImportError) as caught:
        import_tariffs(write(tmp_path, HEADER, row, row))
    assert caught.value.errors == ["line 3: duplicate of line 2 (same prestatiecode and valid_from)"]


def test_missing_column_is_refused(db, tmp_path):  # noqa: ANN001
    with pytest.raises(TariffImportError, match="missing column"):
        import_tariffs(write(tmp_path, "prestatiecode;amount", "X;1"))


def test_comma_csv_with_short_profile_and_dutch_notation(db, tmp_path):  # noqa: ANN001
    path = write(
        tmp_path,
        HEADER.replace(";", ",").replace(",illustrative", ""),
        'N-5VV,5VV official,base,5VV,nee,ja,"1.215,50",01-01-2027,31-12-2027,NZa tarieventabel 2027',
    )
    result = import_tariffs(path, official=True)
    assert result.created == 1
    tariff = Tariff.objects.get(prestatiecode="N-5VV")
    assert (tariff.zorgprofiel, tariff.with_behandeling, tariff.with_dagbesteding) == ("754", False, True)
    assert tariff.amount == Decimal("1215.50")
    assert tariff.is_illustrative is False


def test_official_refuses_rows_marked_illustrative(db):  # noqa: ANN001
    with pytest.raises(TariffImportError, match="cannot be imported as official"):
        import_tariffs(TARIFF_DIR / DEFAULT_FILES[0], official=True)
    assert Tariff.objects.count() == 0


def test_xlsx_import(db, tmp_path):  # noqa: ANN001
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(";"))
    sheet.append(["OFF-754-ZD", "5VV zonder behandeling met dagbesteding", "base", 754, False, True, 219.35,
                  datetime.datetime(2025, 1, 1), datetime.datetime(2025, 12, 31), "NZa BR/REG-25131 bijlage", None])
    sheet.append(["OFF-VERV", "Vervoer", "vervoer", None, None, None, 15, "2025-01-01", "2025-12-31",
                  "NZa BR/REG-25131 bijlage", "false"])
    sheet.append([None] * 11)  # trailing empty row, as Excel leaves them
    path = tmp_path / "nza.xlsx"
    workbook.save(path)

    out = StringIO()
    call_command("import_tariffs", str(path), "--official", stdout=out)
    assert "2 official tariff rows from nza.xlsx: 2 created, 0 updated, 0 unchanged" in out.getvalue()
    tariff = Tariff.objects.get(prestatiecode="OFF-754-ZD")
    assert tariff.amount == Decimal("219.35")
    assert tariff.valid_from == datetime.date(2025, 1, 1)
    assert tariff.is_illustrative is False
    assert Tariff.objects.get(prestatiecode="OFF-VERV").amount == Decimal("15.00")


def test_xlsx_bad_row_reports_the_sheet_row(db, tmp_path):  # noqa: ANN001
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(";"))
    sheet.append(["A", "ok", "base", "754", "false", "true", 1, "2025-01-01", "2025-12-31", "s", "true"])
    sheet.append(["B", "bad", "base", "754", "false", "false", "veel", "2025-01-01", "2025-12-31", "s", "true"])
    path = tmp_path / "bad.xlsx"
    workbook.save(path)
    with pytest.raises(TariffImportError) as caught:
        import_tariffs(path)
    assert caught.value.errors == ["line 3: amount: 'veel' is not an amount"]
    assert Tariff.objects.count() == 0


def test_official_row_wins_over_the_illustrative_one(db, tmp_path):  # noqa: ANN001
    load_default_tariffs()
    import_tariffs(write(tmp_path, HEADER, "OFF-754-ZD;official;base;754;false;true;219.35;2025-01-01;2025-12-31;NZa;false"),
                   official=True)
    found = nza_tariff(zorgprofiel="754", day=datetime.date(2025, 5, 1), with_behandeling=False, with_dagbesteding=True)
    assert (found.prestatiecode, found.amount, found.is_illustrative) == ("OFF-754-ZD", Decimal("219.35"), False)
