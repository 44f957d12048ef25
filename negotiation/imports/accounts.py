"""The bank's file of debtors and their card accounts: one row per account, read and checked
without the database. A debtor with several accounts takes one row per account.

Columns (a header row with exactly these names, UTF-8 CSV or the first sheet of an XLSX)::

    debtor_external_id, full_name, national_id, phone, email, language, timezone,
    account_number, product, card_last4, currency, credit_limit, principal, interest, fees,
    penalty, minimum_due, oldest_unpaid_due_date, status

A full card number (PAN) anywhere in a row refuses the row, and the problem names the column,
never the value: a PAN must not be stored, logged or echoed (PCI DSS 3.3, 3.4).
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

from negotiation.imports.table import FileRefused, Problem, count_csv_rows

COLUMNS = (
    "debtor_external_id",
    "full_name",
    "national_id",
    "phone",
    "email",
    "language",
    "timezone",
    "account_number",
    "product",
    "card_last4",
    "currency",
    "credit_limit",
    "principal",
    "interest",
    "fees",
    "penalty",
    "minimum_due",
    "oldest_unpaid_due_date",
    "status",
)
# The account's own columns, as the model names its fields (the import writes them as they are).
ACCOUNT_COLUMNS = COLUMNS[COLUMNS.index("product") :]
AMOUNTS = ("credit_limit", "principal", "interest", "fees", "penalty", "minimum_due")
# The debtor's own columns: every row of one debtor must agree on them.
DEBTOR_COLUMNS = ("full_name", "national_id", "phone", "email", "language", "timezone")
LARGEST_AMOUNT = Decimal("999999999999.99")  # the database's 14 digits, 2 of them decimals


@dataclass(frozen=True)
class Vocabulary:
    """The values the bank's file may use, given by the caller (the models' choices)."""

    products: frozenset[str]
    statuses: frozenset[str]
    languages: frozenset[str]
    currencies: frozenset[str]


@dataclass(frozen=True)
class AccountRow:
    line: int
    debtor_external_id: str
    full_name: str
    national_id: str  # kept in memory only, to be hashed; never stored or logged
    phone: str  # normalised: +86 and separators removed for a mainland mobile number
    email: str
    language: str
    timezone: str
    account_number: str
    product: str
    card_last4: str
    currency: str
    credit_limit: Decimal
    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalty: Decimal
    minimum_due: Decimal
    oldest_unpaid_due_date: dt.date | None
    status: str

    def __repr__(self) -> str:  # the national ID never reaches a log through a repr
        return f"AccountRow(line={self.line}, account_number={self.account_number!r})"


# --- One value at a time --------------------------------------------------------------------

DIGIT_RUN = re.compile(r"\d(?:[ -]?\d){12,}")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")
CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")
INTERNATIONAL = re.compile(r"^\+[1-9]\d{6,14}$")
PHONE_SEPARATORS = re.compile(r"[\s\-()]")
AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
LAST4 = re.compile(r"^\d{4}$")
TIMEZONES = frozenset(zoneinfo.available_timezones())
validate_email = EmailValidator()
# An address of plain letters, digits and dots that Django's EmailValidator always accepts
# (a property test holds the two together); anything else is left to the validator itself,
# which costs ten times as much and an import asks it of every row.
PLAIN_EMAIL = re.compile(
    r"^[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    re.IGNORECASE,
)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def has_card_number(text: str) -> bool:
    """Whether ``text`` holds a run of 13 to 19 digits (spaces or dashes between them
    allowed) that passes the Luhn check, as every payment card number does. Each run is
    judged whole: a longer number is not a card number, and its pieces are not either (a
    19-digit account number would otherwise hold a Luhn-valid piece nine times in ten)."""
    for match in DIGIT_RUN.finditer(text):
        digits = match.group().replace(" ", "").replace("-", "")
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            return True
    return False


def resident_id_valid(text: str) -> bool:
    """GB 11643-1999: 17 digits, a valid date of birth at positions 7-14, and the ISO 7064
    MOD 11-2 check character (0-9 or X)."""
    if not RESIDENT_ID.match(text):
        return False
    try:
        dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    total = sum(map(operator.mul, map(int, text[:17]), ID_WEIGHTS))
    return ID_CHECK[total % 11] == text[17]


def normalised_phone(text: str) -> str | None:
    """A mainland mobile number as its 11 digits (+86 or 0086 dropped), or an international
    number as + and its digits; None when it is neither."""
    phone = PHONE_SEPARATORS.sub("", text)
    for prefix in ("+86", "0086"):
        if phone.startswith(prefix) and CN_MOBILE.match(phone[len(prefix) :]):
            return phone[len(prefix) :]
    if CN_MOBILE.match(phone) or (INTERNATIONAL.match(phone) and not phone.startswith("+86")):
        return phone
    return None


# --- A row ------------------------------------------------------------------------------------


class RowChecker:
    """Checks one row after another, remembering what earlier rows said (duplicates)."""

    def __init__(self, vocabulary: Vocabulary, *, today: dt.date) -> None:
        self.vocabulary = vocabulary
        self.today = today
        self.accounts: dict[str, int] = {}  # account number -> line
        self.debtors: dict[str, tuple[int, tuple[str, ...]]] = {}  # external id -> line, facts
        self.ids: dict[str, str] = {}  # national ID -> external id

    def check(self, line: int, raw: dict[str, str]) -> tuple[AccountRow | None, list[Problem]]:
        national_id = raw["national_id"].upper()
        id_valid = resident_id_valid(national_id)
        pans = (
            []
            if not _may_hold_card_number(raw)
            else [
                Problem(
                    line,
                    name,
                    _("a full card number is not allowed here; give only the last 4 digits"),
                )
                for name in COLUMNS
                if _holds_card_number(name, raw[name])
            ]
        )
        if pans:
            return None, pans  # nothing else is read from a row that holds a card number
        problems: list[Problem] = []

        def problem(column: str, reason: str) -> None:
            problems.append(Problem(line, column, reason))

        external_id = raw["debtor_external_id"]
        if not external_id or len(external_id) > 64:
            problem(
                "debtor_external_id", _("give the bank's id of the debtor, at most 64 characters")
            )
        if not raw["full_name"] or len(raw["full_name"]) > 200:
            problem("full_name", _("give the debtor's full name, at most 200 characters"))
        if not id_valid:
            problem("national_id", _("not a valid 18-character resident ID number (GB 11643)"))
        phone = normalised_phone(raw["phone"])
        if phone is None:
            problem("phone", _("not a mobile number (11 digits, or + and the country code)"))
        email = raw["email"]
        if email and not email_valid(email):
            problem("email", _("not an email address"))
        language = raw["language"].lower()
        if language not in self.vocabulary.languages:
            problem(
                "language",
                _("use one of: %(values)s")
                % {"values": ", ".join(sorted(self.vocabulary.languages))},
            )
        if raw["timezone"] not in TIMEZONES:
            problem("timezone", _("not a time zone name such as Asia/Shanghai"))
        account_number = raw["account_number"]
        if not account_number or len(account_number) > 32:
            problem("account_number", _("give the account number, at most 32 characters"))
        if raw["product"] not in self.vocabulary.products:
            problem(
                "product",
                _("use one of: %(values)s")
                % {"values": ", ".join(sorted(self.vocabulary.products))},
            )
        if not LAST4.match(raw["card_last4"]):
            problem("card_last4", _("give exactly the last 4 digits of the card"))
        currency = raw["currency"].upper()
        if currency not in self.vocabulary.currencies:
            problem(
                "currency",
                _("use one of: %(values)s")
                % {"values": ", ".join(sorted(self.vocabulary.currencies))},
            )
        amounts: dict[str, Decimal] = {}
        for name in AMOUNTS:
            amount = _amount(raw[name])
            if amount is None:
                problem(name, _("an amount of 0 or more, with a dot and at most 2 decimals"))
            else:
                amounts[name] = amount
        due = None
        if raw["oldest_unpaid_due_date"]:
            try:
                due = dt.date.fromisoformat(raw["oldest_unpaid_due_date"])
            except ValueError:
                problem("oldest_unpaid_due_date", _("a date as YYYY-MM-DD"))
            else:
                if due > self.today:
                    problem("oldest_unpaid_due_date", _("this date is in the future"))
        if raw["status"] not in self.vocabulary.statuses:
            problem(
                "status",
                _("use one of: %(values)s")
                % {"values": ", ".join(sorted(self.vocabulary.statuses))},
            )
        problems.extend(self._duplicates(line, raw, national_id, phone))
        if problems:
            return None, problems
        assert phone is not None
        row = AccountRow(
            line=line,
            debtor_external_id=external_id,
            full_name=raw["full_name"],
            national_id=national_id,
            phone=phone,
            email=email,
            language=language,
            timezone=raw["timezone"],
            account_number=account_number,
            product=raw["product"],
            card_last4=raw["card_last4"],
            currency=currency,
            oldest_unpaid_due_date=due,
            status=raw["status"],
            **amounts,
        )
        return row, []

    def _duplicates(
        self, line: int, raw: dict[str, str], national_id: str, phone: str | None
    ) -> list[Problem]:
        """An account number twice; one debtor described two ways; one national ID under two
        of the bank's debtor ids. The later row is the one reported."""
        found: list[Problem] = []
        account_number, external_id = raw["account_number"], raw["debtor_external_id"]
        if account_number in self.accounts:
            found.append(
                Problem(
                    line,
                    "account_number",
                    _("this account number is also on line %(line)d")
                    % {"line": self.accounts[account_number]},
                )
            )
        else:
            self.accounts[account_number] = line
        facts = (
            raw["full_name"],
            national_id,
            phone or "",
            raw["email"],
            raw["language"].lower(),
            raw["timezone"],
        )
        earlier = self.debtors.get(external_id)
        if earlier is None:
            self.debtors[external_id] = (line, facts)
        elif earlier[1] != facts:
            column = DEBTOR_COLUMNS[
                next(i for i, (a, b) in enumerate(zip(earlier[1], facts, strict=True)) if a != b)
            ]
            found.append(
                Problem(
                    line,
                    column,
                    _("the same debtor is described differently on line %(line)d")
                    % {"line": earlier[0]},
                )
            )
        owner = self.ids.setdefault(national_id, external_id)
        if owner != external_id:
            found.append(
                Problem(
                    line,
                    "national_id",
                    _("this resident ID belongs to another debtor id in the file"),
                )
            )
        return found


def email_valid(text: str) -> bool:
    """Django's EmailValidator's verdict, asked only of an address that is not plain."""
    if len(text) <= 254 and PLAIN_EMAIL.match(text):
        return True
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


def _may_hold_card_number(raw: dict[str, str]) -> bool:
    """One scan of the row's values of 13 characters or more (a card number has 13 digits
    at least; most values are shorter) for a run of digits as long: the column by column
    check only runs where one is found. A value shaped like a resident ID, in its own
    column, is not scanned."""
    id_shaped = RESIDENT_ID.match(raw["national_id"].upper()) is not None
    text = "\x1f".join(
        value
        for name, value in raw.items()
        if len(value) >= 13 and not (id_shaped and name == "national_id")
    )
    return DIGIT_RUN.search(text) is not None


def _holds_card_number(column: str, value: str) -> bool:
    # A resident ID is 18 characters that may pass the Luhn check by chance: in its own
    # column, anything shaped like one is judged as an ID (a mistyped ID is told so; an
    # 18-digit card number there is refused as an invalid ID, and never echoed either).
    if column == "national_id" and RESIDENT_ID.match(value.upper()):
        return False
    return len(value) >= 13 and has_card_number(value)


def _amount(text: str) -> Decimal | None:
    if not AMOUNT.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def read_accounts(
    rows: Iterable[tuple[int, dict[str, str]]], vocabulary: Vocabulary, *, today: dt.date
) -> Iterator[tuple[AccountRow | None, list[Problem]]]:
    """Each row checked, in file order, as it is read: a file is never held in memory."""
    checker = RowChecker(vocabulary, today=today)
    for line, raw in rows:
        yield checker.check(line, raw)


def _open_workbook(path: str) -> Any:
    """The workbook in read-only mode; a file that is not one (a CSV saved as .xlsx, a broken
    download) is refused as a whole, in words, not a traceback."""
    import zipfile

    import openpyxl  # imported here: only uploads in XLSX need it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError) as error:
        raise FileRefused(_("The file is not an XLSX workbook that can be read.")) from error


def xlsx_rows(path: str, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """The first sheet of an XLSX, read row by row (openpyxl's read-only mode), as text under
    the same header rule as a CSV. Numbers and dates as a spreadsheet stores them become the
    text a person would type (2026-11-30, 1234.5)."""
    workbook = _open_workbook(path)
    try:
        sheet = workbook.worksheets[0]
        cells = sheet.iter_rows(values_only=True)
        header = [str(value or "").strip() for value in next(cells, ())]
        if header != list(columns):
            raise FileRefused(_("The header must be: %(columns)s") % {"columns": ",".join(columns)})
        for line, values in enumerate(cells, start=2):
            if values is None or all(value in (None, "") for value in values):
                continue
            yield (
                line,
                {name: _cell_text(value) for name, value in zip(columns, values, strict=False)}
                | dict.fromkeys(columns[len(values) :], ""),
            )
    finally:
        workbook.close()


def count_xlsx_rows(path: str) -> int:
    """Data rows of the first sheet as the workbook records its own size (its dimension),
    so the file is not read twice; a sheet written without one is counted row by row. Blank
    rows are in the count, so a bar may end short of its end: the run's own count is exact."""
    workbook = _open_workbook(path)
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.max_row if sheet.max_row else sum(1 for _row in sheet.iter_rows())
        return max(int(rows) - 1, 0)
    finally:
        workbook.close()


def rows_in_file(path: str) -> int:
    """Data rows in the bank's file, CSV or XLSX, before it is imported."""
    if path.lower().endswith(".xlsx"):
        return count_xlsx_rows(path)
    with open(path, encoding="utf-8-sig", newline="") as text:
        return count_csv_rows(text)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
