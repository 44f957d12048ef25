"""Import payments from a CSV file: all or nothing, idempotent by external id.

Columns (a header row is required, UTF-8, comma-separated):

    external_id,account_reference,amount,paid_on,source
    BANK-2026-000123,AC-QP37-T2P9,1827.37,2026-12-20,bank_transfer

``amount`` in yuan with at most two decimals; ``paid_on`` as YYYY-MM-DD; ``source`` one of
bank_transfer, branch, auto_debit, app. Every row is checked before anything is written:
one bad row and the whole file is refused, each problem reported with its line number
(except an automatic debit taken for more than is still owed: held, printed, not
recorded; docs/OPERATIONS.md, "Automatic repayment"). A row whose external id was already
imported with the same details is skipped, so running the same file twice changes nothing.
On PostgreSQL the file is streamed, checked set-based and written in batches of accounts
(services/payments_bulk.py); a run stopped part-way is finished by running it again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from negotiation.imports.table import FileRefused, count_csv_rows, utf8_lines
from negotiation.services.payments import ImportRefused
from negotiation.services.payments_bulk import import_payments_file


class Command(BaseCommand):
    help = "Import payments from a CSV file (all or nothing; safe to run twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            # A quick first pass counts the rows for the bar; the import reads the file again,
            # as a stream (it is never held in memory whole).
            with file.open("rb") as raw:
                total = count_csv_rows(utf8_lines(raw))
            with (
                file.open("rb") as raw,
                tqdm(total=total, unit=" rows", desc="Importing") as bar,
            ):

                def progress(done: int, _total: int) -> None:
                    bar.update(done - bar.n)

                result = import_payments_file(
                    utf8_lines(raw), today=timezone.localdate(), progress=progress, total=total
                )
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        except FileRefused as error:
            raise CommandError(str(error)) from error
        except ImportRefused as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(str(error.message)) from error
        for problem in result.held:
            self.stderr.write(self.style.WARNING(str(problem)))
        held = f" {len(result.held)} automatic debit(s) held for staff." if result.held else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.imported} payment(s) imported, "
                f"{result.already_imported} already imported.{held}"
            )
        )
