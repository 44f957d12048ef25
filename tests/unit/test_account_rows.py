"""The bank's account file read without the database: every rejection reason names its
line and column; a card number is refused and never repeated."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from negotiation.imports.accounts import (
    COLUMNS,
    PLAIN_EMAIL,
    Vocabulary,
    email_valid,
    has_card_number,
    normalised_phone,
    read_accounts,
    resident_id_valid,
    rows_in_file,
    validate_email,
    xlsx_rows,
)
from negotiation.imports.table import FileRefused, count_csv_rows, csv_rows
from tests.accountfiles import PANS, account_row, csv_text, resident_id

TODAY = dt.date(2026, 12, 1)
WORDS = Vocabulary(
    products=frozenset({"classic_card", "gold_card"}),
    statuses=frozenset({"in_arrears", "settled"}),
    languages=frozenset({"en", "zh-hans"}),
    currencies=frozenset({"CNY", "USD"}),
)


def checked(*rows):
    return list(read_accounts(csv_rows(csv_text(list(rows)), COLUMNS), WORDS, today=TODAY))


def problems_of(*rows):
    return [(p.line, p.column) for _row, found in checked(*rows) for p in found]


def test_a_good_row_is_read_with_its_types():
    [(row, problems)] = checked(account_row(1, phone="+86 139-0000-0001", language="EN"))
    assert problems == []
    assert row.phone == "13900000001"
    assert row.language == "en"
    assert str(row.principal) == "1001.50"
    assert row.oldest_unpaid_due_date == dt.date(2026, 9, 1)
    assert row.national_id not in repr(row)  # never in a log through a repr


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("debtor_external_id", ""),
        ("full_name", ""),
        ("national_id", "110101196001010004"),  # wrong check character
        ("national_id", "110101196013010003"),  # no 13th month
        ("national_id", "11010119600101000"),  # 17 characters
        ("phone", "12345"),
        ("email", "not-an-email"),
        ("language", "fr"),
        ("timezone", "Mars/Olympus"),
        ("account_number", ""),
        ("product", "diamond_card"),
        ("card_last4", "12a4"),
        ("currency", "XYZ"),
        ("credit_limit", "-1.00"),
        ("principal", "10.001"),
        ("interest", "1,000.00"),
        ("fees", "ten"),
        ("penalty", ""),
        ("minimum_due", "1e3"),
        ("oldest_unpaid_due_date", "01/09/2026"),
        ("oldest_unpaid_due_date", "2027-01-01"),  # in the future
        ("status", "happy"),
    ],
)
def test_each_bad_value_is_named_by_its_line_and_column(column, value):
    assert problems_of({**account_row(1), column: value}) == [(2, column)]


@pytest.mark.parametrize("pan", PANS)
@pytest.mark.parametrize(
    "column", ["full_name", "email", "account_number", "card_last4", "national_id"]
)
def test_a_card_number_anywhere_refuses_the_row_without_repeating_it(pan, column):
    [(row, problems)] = checked({**account_row(1), column: f"x {pan} y"})
    assert row is None
    assert [(p.column, "card number" in p.reason) for p in problems] == [(column, True)]
    digits = pan.replace(" ", "").replace("-", "")
    assert all(digits not in p.reason and pan not in p.reason for p in problems)


def test_a_resident_id_is_never_taken_for_a_card_number():
    ids = [resident_id(n) for n in range(3000)]
    assert all(resident_id_valid(i) for i in ids)
    luhn_ids = [i for i in ids if has_card_number(i)]
    assert luhn_ids  # some IDs pass the Luhn check by chance…
    assert problems_of(account_row(1, national_id=luhn_ids[0])) == []  # …and are still IDs


def test_a_mistyped_resident_id_is_told_so_even_when_its_digits_pass_the_luhn_check():
    mistyped = next(
        i[:-1] + d
        for i in (resident_id(n) for n in range(200))
        for d in "0123456789"
        if d != i[-1] and not resident_id_valid(i[:-1] + d) and has_card_number(i[:-1] + d)
    )
    [(_row, problems)] = checked(account_row(1, national_id=mistyped))
    assert [(p.column, p.reason) for p in problems] == [
        ("national_id", "not a valid 18-character resident ID number (GB 11643)")
    ]


def test_duplicates_in_the_file_are_reported_on_the_later_line():
    rows = [
        account_row(1),
        account_row(1, debtor=2),  # the same account number again
        account_row(3, debtor=1, phone="13911112222"),  # debtor 1 described differently
        account_row(4, debtor=4, national_id=resident_id(1)),  # debtor 1's ID, another id
    ]
    assert problems_of(*rows) == [
        (3, "account_number"),
        (4, "phone"),
        (5, "national_id"),
    ]


def test_one_debtor_with_two_accounts_is_two_good_rows():
    assert problems_of(account_row(1, debtor=7), account_row(2, debtor=7)) == []


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("13912345678", "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("0086-139-1234-5678", "13912345678"),
        ("+852 9123 4567", "+85291234567"),
        ("+86 12345", None),
        ("139123456789", None),
    ],
)
def test_phone_numbers_are_normalised(text, phone):
    assert normalised_phone(text) == phone


def test_a_long_number_that_is_no_card_number_is_not_refused():
    """A 19-digit account number fails the Luhn check as a whole: it is not a card number,
    whatever Luhn-valid pieces it holds."""
    number = next(f"62{n:017d}" for n in range(1000) if not has_card_number(f"62{n:017d}"))
    assert problems_of(account_row(1, account_number=number)) == []
    assert has_card_number(f"no. {PANS[0]}.")


@given(st.from_regex(PLAIN_EMAIL, fullmatch=True).filter(lambda text: len(text) <= 254))
def test_every_plain_address_is_one_djangos_validator_accepts(address):
    # The import skips Django's validator for a plain address: it must accept them all.
    validate_email(address)
    assert email_valid(address)


@pytest.mark.parametrize("address", ["a@b", "a..b@example.com", "a@-example.com", "王@例子.中国"])
def test_an_address_that_is_not_plain_is_judged_by_djangos_validator(address):
    try:
        validate_email(address)
    except ValidationError:
        expected = False
    else:
        expected = True
    assert email_valid(address) is expected


def test_a_line_number_is_where_the_row_is_in_the_file_blank_lines_counted():
    text = csv_text([account_row(1)]) + "\n" + csv_text([account_row(2)]).split("\n", 1)[1]
    lines = [line for line, _raw in csv_rows(text, COLUMNS)]
    assert lines == [2, 4]


def test_a_short_row_reads_as_empty_cells_and_extra_cells_are_not_read():
    header = ",".join(COLUMNS)
    [(_line, short)] = list(csv_rows(f"{header}\nCUST-1,王芳\n", COLUMNS))
    assert short["full_name"] == "王芳"
    assert short["status"] == ""
    [(_line, long)] = list(csv_rows(f"{header}\n{',' * 18}x,extra\n", COLUMNS))
    assert long["status"] == "x"
    assert "extra" not in long.values()


@pytest.mark.parametrize(
    "text",
    [
        "h\n",
        "h\nrow one\n\nrow two\n",
        'h\n"a value\nover two lines",x\nrow two\n\n',
        "h\nno newline at the end",
    ],
)
def test_the_rows_counted_first_are_the_rows_read(text):
    """The progress page's total: as many rows as csv_rows then gives, quoted line breaks
    and blank lines included."""
    read = list(csv_rows(text, ("h",)))
    assert count_csv_rows(io.StringIO(text, newline="")) == len(read)


def test_a_file_the_csv_reader_cannot_parse_is_refused_with_its_line():
    text = "h\nfine\n" + '"' + "x" * 200_000 + '"\n'
    with pytest.raises(FileRefused, match="Line 3 cannot be read"):
        list(csv_rows(text, ("h",)))
    with pytest.raises(FileRefused, match="Line 3 cannot be read"):
        count_csv_rows(io.StringIO(text))


def test_a_file_that_is_no_workbook_is_refused_as_one(tmp_path):
    path = tmp_path / "accounts.xlsx"
    path.write_text(csv_text([account_row(1)]))
    with pytest.raises(FileRefused, match="not an XLSX workbook"):
        list(xlsx_rows(str(path), COLUMNS))
    with pytest.raises(FileRefused, match="not an XLSX workbook"):
        rows_in_file(str(path))
