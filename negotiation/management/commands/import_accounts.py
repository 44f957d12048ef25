"""Import debtors and their card accounts from the bank's file (CSV or XLSX).

    manage.py import_accounts accounts.csv                  # all or nothing
    manage.py import_accounts accounts.xlsx --skip-invalid  # only the good rows

The columns and the rules are in docs/OPERATIONS.md. Every bad row is reported with its line,
column and reason; a value that could be a card number is never repeated. Exits non-zero
when it writes nothing because of bad rows. Importing the same file twice changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from negotiation.imports.accounts import COLUMNS, rows_in_file, xlsx_rows
from negotiation.imports.table import FileRefused, csv_rows
from negotiation.services.imports import ImportRefused, import_accounts


class Command(BaseCommand):
    help = "Import debtors and accounts from a CSV or XLSX file (all or nothing by default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--skip-invalid", action="store_true", help="Import the good rows, skip the bad ones."
        )

    def handle(self, *args: Any, file: Path, skip_invalid: bool, **options: Any) -> None:
        try:
            if file.suffix.lower() == ".xlsx":
                run = self._import(xlsx_rows(str(file), COLUMNS), file, skip_invalid)
            else:
                with file.open(encoding="utf-8-sig", newline="") as text:
                    run = self._import(csv_rows(text, COLUMNS), file, skip_invalid)
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        except FileRefused as error:
            raise CommandError(str(error)) from error
        except ImportRefused as error:
            self._report(error.run.problems)
            raise CommandError(str(error.message)) from error
        self._report(run.problems)
        self.stdout.write(
            self.style.SUCCESS(
                f"{run.rows_total} row(s) read: {run.debtors_created} debtor(s) added, "
                f"{run.debtors_updated} changed; {run.accounts_created} account(s) added, "
                f"{run.accounts_updated} changed; {run.rows_skipped} bad row(s) skipped."
            )
        )

    def _import(self, rows: Any, file: Path, skip_invalid: bool) -> Any:
        # The bar is on stderr with the problems; the summary alone on stdout, for scripts.
        with tqdm(total=rows_in_file(str(file)), unit=" rows", desc="Reading") as bar:

            def progress(done: int) -> None:
                bar.update(done - bar.n)

            return import_accounts(
                rows,
                file_name=file.name,
                actor=None,
                today=timezone.localdate(),
                skip_invalid=skip_invalid,
                progress=progress,
            )

    def _report(self, problems: list[list[Any]]) -> None:
        for line, column, reason in problems:
            self.stderr.write(f"line {line}, {column or 'row'}: {reason}")
