"""Import the NZa tariff table (CSV with `;` or `,`, or XLSX): `manage.py import_tariffs <path>`.

All or nothing: one bad row refuses the file, with every problem and its line number.
Without --official the rows are marked illustrative (the demo tables in
vpt/wlz/data/tariffs/); finance imports the real annex of the NZa beleidsregel with
--official.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vpt.wlz.tariffs import TariffImportError, import_tariffs


class Command(BaseCommand):
    help = "Import an NZa tariff table (CSV or XLSX); upserts by (prestatiecode, valid_from)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="CSV (; or ,) or XLSX file with the tariff columns")
        parser.add_argument("--official", action="store_true",
                            help="the official NZa table: rows are not marked illustrative")
        parser.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")

    def handle(self, *args, path: Path, official: bool, dry_run: bool, **options) -> None:  # noqa: ANN002, ANN003
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            result = import_tariffs(path, official=official, dry_run=dry_run)
        except TariffImportError as exc:
            for error in exc.errors:
                self.stderr.write(f"{path.name}: {error}")
            raise CommandError(f"{path.name} refused: {len(exc.errors)} problem(s), nothing imported") from None
        kind = "official" if official else "illustrative"
        prefix = "Dry run (nothing written): " if dry_run else ""
        self.stdout.write(self.style.SUCCESS(
            f"{prefix}{result.total} {kind} tariff rows from {path.name}: "
            f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        ))
