"""The bank's payments file: read and checked row by row before anything is written.

Columns (a header row is required, UTF-8, comma-separated)::

    external_id,account_reference,amount,paid_on,source
    BANK-2026-000123,AC-QP37-T2P9,1827.37,2026-12-20,bank_transfer
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from negotiation.imports.fields import FieldInvalid, parse_date, parse_decimal
from negotiation.imports.table import Problem, csv_rows

COLUMNS = ("external_id", "account_reference", "amount", "paid_on", "source")


@dataclass(frozen=True)
class PaymentRow:
    line: int
    external_id: str
    account_reference: str
    amount: Decimal
    paid_on: dt.date
    source: str


def read_payments(text: str | Iterable[str]) -> tuple[list[PaymentRow], list[Problem]]:
    """The rows that parse, and a problem for each value that does not and for an external
    id given twice (the later row is the one reported). ``FileRefused`` for a wrong header."""
    rows: list[PaymentRow] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for row, row_problems in parse_payments(text):
        problems.extend(row_problems)
        if row is None:
            continue
        line = row.line
        if row.external_id in seen:
            problems.append(
                Problem(line, "external_id", _("this external id appears twice in the file"))
            )
            continue
        seen.add(row.external_id)
        rows.append(row)
    return rows, problems


def parse_payments(
    text: str | Iterable[str],
) -> Iterator[tuple[PaymentRow | None, list[Problem]]]:
    """Each row of the file as it is read (an open file is streamed, one row at a time): the
    row when its values parse, and the problems of those that do not. An external id given
    twice is not looked for here (``read_payments`` does; the PostgreSQL import does it in
    its staging table, without holding the ids in memory)."""
    for line, raw in csv_rows(text, COLUMNS):
        yield _parse(line, raw)


def _parse(line: int, raw: dict[str, str]) -> tuple[PaymentRow | None, list[Problem]]:
    problems: list[Problem] = []
    amount = paid_on = None
    try:
        amount = parse_decimal(raw["amount"])
    except FieldInvalid as error:
        problems.append(Problem(line, "amount", error.reason))
    try:
        paid_on = parse_date(raw["paid_on"])
    except FieldInvalid as error:
        problems.append(Problem(line, "paid_on", error.reason))
    if amount is None or paid_on is None:
        return None, problems
    row = PaymentRow(
        line=line,
        external_id=raw["external_id"],
        account_reference=raw["account_reference"],
        amount=amount,
        paid_on=paid_on,
        source=raw["source"],
    )
    return row, problems
