"""Import payments from a CSV file: all or nothing, idempotent by external id.

Columns (a header row is required, UTF-8, comma-separated):

    external_id,account_reference,amount,paid_on,source
    BANK-2026-000123,AC-QP37-T2P9,1827.37,2026-12-20,bank_transfer

``amount`` in yuan with at most two decimals; ``paid_on`` as YYYY-MM-DD; ``source`` one of
bank_transfer, branch, auto_debit, app. Every row is checked before anything is written:
one bad row and the whole file is refused, each problem reported with its line number. A
row whose external id was already imported with the same details is skipped, so running
the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from negotiation.models import CreditAccount, Payment
from negotiation.services.payments import payment_problems, record_payment

COLUMNS = ["external_id", "account_reference", "amount", "paid_on", "source"]


@dataclass(frozen=True)
class Row:
    line: int
    external_id: str
    account: CreditAccount | None
    amount: Decimal
    paid_on: dt.date
    source: str


class Command(BaseCommand):
    help = "Import payments from a CSV file (all or nothing; safe to run twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        rows, problems = self._read(file)
        new_rows = self._drop_already_imported(rows, problems)
        problems.extend(self._check(new_rows))
        if problems:
            for line, reason in sorted(problems):
                self.stderr.write(f"line {line}: {reason}")
            raise CommandError(f"{len(problems)} problem(s); nothing was imported.")
        with transaction.atomic():
            for done, row in enumerate(new_rows, start=1):
                assert row.account is not None
                record_payment(
                    row.account,
                    actor=None,
                    amount=row.amount,
                    paid_on=row.paid_on,
                    source=row.source,
                    external_id=row.external_id,
                    today=timezone.localdate(),
                )
                self._progress(done, len(new_rows))
        skipped = len(rows) - len(new_rows)
        self.stdout.write(
            self.style.SUCCESS(f"{len(new_rows)} payment(s) imported, {skipped} already imported.")
        )

    def _read(self, file: Path) -> tuple[list[Row], list[tuple[int, str]]]:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        reader = csv.DictReader(text.splitlines())
        if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != COLUMNS:
            raise CommandError(f"The header must be: {','.join(COLUMNS)}")
        references = {r["account_reference"].strip() for r in csv.DictReader(text.splitlines())}
        accounts = CreditAccount.objects.in_bulk(list(references), field_name="reference")
        rows: list[Row] = []
        problems: list[tuple[int, str]] = []
        for line, raw in enumerate(reader, start=2):
            row, row_problems = self._parse(line, raw, accounts)
            problems.extend((line, p) for p in row_problems)
            if row is not None:
                rows.append(row)
        return rows, problems

    def _parse(
        self, line: int, raw: dict[str, str], accounts: dict[str, CreditAccount]
    ) -> tuple[Row | None, list[str]]:
        problems = []
        try:
            amount = Decimal(raw["amount"].strip())
        except (InvalidOperation, AttributeError):
            problems.append(f"the amount {raw.get('amount')!r} is not a number")
        try:
            paid_on = dt.date.fromisoformat(raw["paid_on"].strip())
        except (ValueError, AttributeError):
            problems.append(f"the date {raw.get('paid_on')!r} is not YYYY-MM-DD")
        if problems:
            return None, problems
        return (
            Row(
                line=line,
                external_id=raw["external_id"].strip(),
                account=accounts.get(raw["account_reference"].strip()),
                amount=amount,
                paid_on=paid_on,
                source=raw["source"].strip(),
            ),
            [],
        )

    def _drop_already_imported(self, rows: list[Row], problems: list[tuple[int, str]]) -> list[Row]:
        existing = Payment.objects.in_bulk([r.external_id for r in rows], field_name="external_id")
        new_rows, seen = [], set()
        for row in rows:
            if row.external_id in seen:
                problems.append((row.line, "this external id appears twice in the file"))
                continue
            seen.add(row.external_id)
            earlier = existing.get(row.external_id)
            if earlier is None:
                new_rows.append(row)
            elif (earlier.account_id, earlier.amount, earlier.paid_on) != (
                row.account.pk if row.account else None,
                row.amount,
                row.paid_on,
            ):
                problems.append(
                    (row.line, "this external id was imported before with other details")
                )
        return new_rows

    def _check(self, rows: list[Row]) -> list[tuple[int, str]]:
        problems: list[tuple[int, str]] = []
        running: dict[int, Decimal] = {}
        today = timezone.localdate()
        for row in rows:
            key = row.account.pk if row.account else 0
            for problem in payment_problems(
                row.account,
                amount=row.amount,
                paid_on=row.paid_on,
                source=row.source,
                external_id=row.external_id,
                today=today,
                already_in_this_batch=running.get(key, Decimal(0)),
            ):
                problems.append((row.line, str(problem)))
            running[key] = running.get(key, Decimal(0)) + row.amount
        return problems

    def _progress(self, done: int, total: int) -> None:
        """A bar on long files; silent for short ones."""
        if total < 200 or (done % max(total // 50, 1) and done != total):
            return
        width = 30
        filled = width * done // total
        bar = "#" * filled + "." * (width - filled)
        end = "\n" if done == total else ""
        sys.stderr.write(f"\r[{bar}] {done}/{total}{end}")
        sys.stderr.flush()
