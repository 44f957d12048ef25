"""Reading the bank's files without the database: each problem with its line and column."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from negotiation.imports.payments import read_payments
from negotiation.imports.table import FileRefused, Problem, decode

HEADER = "external_id,account_reference,amount,paid_on,source\n"


def test_good_rows_are_read_with_their_line_numbers():
    rows, problems = read_payments(
        HEADER + " B-1 , AC-1,100.50,2026-11-30,app\nB-2,AC-2,7,2026-11-01,branch\n"
    )
    assert problems == []
    assert [(r.line, r.external_id, r.amount, r.paid_on) for r in rows] == [
        (2, "B-1", Decimal("100.50"), dt.date(2026, 11, 30)),
        (3, "B-2", Decimal("7"), dt.date(2026, 11, 1)),
    ]


@pytest.mark.parametrize(
    ("amount", "paid_on", "column"),
    [
        ("ten", "2026-11-30", "amount"),
        ("NaN", "2026-11-30", "amount"),
        ("Infinity", "2026-11-30", "amount"),
        ("10", "30/11/2026", "paid_on"),
        ("10", "", "paid_on"),
    ],
)
def test_a_value_that_does_not_parse_names_its_line_and_column(amount, paid_on, column):
    rows, problems = read_payments(HEADER + f"B-1,AC-1,{amount},{paid_on},app\n")
    assert rows == []
    assert [(p.line, p.column) for p in problems] == [(2, column)]


def test_an_external_id_given_twice_is_a_problem_on_the_later_line():
    rows, problems = read_payments(
        HEADER + "B-1,AC-1,1,2026-11-30,app\nB-1,AC-1,2,2026-11-30,app\n"
    )
    assert [r.line for r in rows] == [2]
    assert problems == [Problem(3, "external_id", "this external id appears twice in the file")]
    assert str(problems[0]) == "line 3: this external id appears twice in the file"


@pytest.mark.parametrize(
    "text",
    ["", "external_id,amount\nB-1,1\n", "account_reference,external_id,amount,paid_on,source\n"],
)
def test_a_wrong_header_refuses_the_whole_file(text):
    with pytest.raises(FileRefused, match="header must be"):
        read_payments(text)


def test_the_byte_order_mark_is_accepted_and_other_encodings_refused():
    assert decode("\ufeffa,b".encode()) == "a,b"
    with pytest.raises(FileRefused):
        decode("金额".encode("gb18030"))
