"""Write the file of the debits due on a day for the bank's core system (what beat runs
every morning at 05:30 for the day itself).

    manage.py export_due_debits --date 2026-03-05
    manage.py export_due_debits --date 2026-03-05 --output /srv/bank-outbox/dd.csv

Without ``--output`` the file is DIRECT_DEBIT_EXPORT_DIR/direct-debits-<date>.csv. Safe to
run twice: the same debits make the same file, which is then left as it is. The amounts are
what is unpaid on each installment when the file is written. The file holds account
numbers: it is readable by its owner only. Its format, and how the results come back
(``import_payments``), are in docs/OPERATIONS.md, "Automatic repayment".
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from negotiation.services.mandates import export_due_debits


class Command(BaseCommand):
    help = "Write the CSV file of the direct debits due on a day (safe to run twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=dt.date.fromisoformat, required=True)
        parser.add_argument("--output", type=Path, default=None)

    def handle(self, *args: Any, date: dt.date, output: Path | None, **options: Any) -> None:
        try:
            result = export_due_debits(day=date, now=timezone.now(), output=output)
        except OSError as error:
            raise CommandError(f"Cannot write the file: {error}") from error
        if result.busy:
            raise CommandError("Another export of this day is in progress; nothing was done.")
        what = "written" if result.written else "already up to date, left as it was"
        self.stdout.write(
            self.style.SUCCESS(
                f"{date}: {result.lines} debit(s), {result.total} in all, {what}: {result.path}"
            )
        )
