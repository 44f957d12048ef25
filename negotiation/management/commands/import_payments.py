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
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from negotiation.imports.payments import read_payments
from negotiation.imports.table import FileRefused, decode
from negotiation.services.payments import ImportRefused, import_payments


class Command(BaseCommand):
    help = "Import payments from a CSV file (all or nothing; safe to run twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            rows, problems = read_payments(decode(file.read_bytes()))
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        except FileRefused as error:
            raise CommandError(str(error)) from error
        try:
            with tqdm(total=len(rows), unit=" rows", desc="Importing") as bar:

                def progress(done: int, _total: int) -> None:
                    bar.update(done - bar.n)

                result = import_payments(
                    rows, problems=problems, today=timezone.localdate(), progress=progress
                )
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
