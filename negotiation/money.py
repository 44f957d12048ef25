"""Money: rounding, repayment schedules and cost disclosure. Pure: no ORM, no clock.

Every amount is a ``Decimal`` built from a string or an int, never from a float. Rounding
follows one rule, :func:`round_money`'s: half-up to the fen (0.01); only the annuity's
monthly loop applies it in place rather than by the call.

A schedule always sums exactly to its total: equal parts are rounded and the rounding
remainder goes to the last installment (DESIGN.md section 5).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, getcontext, localcontext
from enum import StrEnum
from itertools import accumulate, count, repeat
from operator import add, floordiv, gt, mod, mul, sub, truediv
from typing import NamedTuple

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
LEGAL_MAX_MONTHS = 60  # 商业银行信用卡业务监督管理办法 Art. 70; CBIRC/PBoC notice 2022: 5 years.
DAYS_PER_YEAR = 365  # an odd period of d days is d x 12 / 365 of a month (pricing and IRR)


class InvalidTerms(ValueError):
    """Terms the portal must never produce. ``field`` names the part of the terms at fault
    (a ``Terms`` attribute), so a caller can put its own words against the right input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NoRateExists(ValueError):
    """The cash flows have no rate of return: nothing is lent over time (every payment
    falls on the day of the agreement or before), so no annual rate can be disclosed."""


def round_money(value: Decimal, *, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round to the fen. Half-up unless a caller needs truncation to keep a remainder >= 0."""
    return value.quantize(CENT, rounding)  # positional: Decimal parses keywords slowly


CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$"}


def format_amount(value: Decimal, currency: str = "CNY") -> str:
    """An amount as every page, message and document shows it: the currency's symbol (or
    its code), thousands separated, two decimals, rounded by ``round_money``: ¥1,234.50."""
    amount = round_money(value)
    sign = "-" if amount < 0 else ""
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
    return f"{sign}{symbol}{abs(amount):,.2f}"


def add_months(start: dt.date, months: int, *, day: int | None = None) -> dt.date:
    """``start`` plus ``months`` calendar months, on ``day`` (default: start's day).

    A day past the end of the target month falls on its last day: 31 January + 1 month is
    28 February (29 in a leap year), and the next month is 31 March again, because the
    anchor day is kept rather than the clamped one.
    """
    anchor = start.day if day is None else day
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    return dt.date(year, month, min(anchor, days_in_month(year, month)))


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    """The number of days in ``month`` of ``year``: ``calendar.monthrange`` without the
    weekday it also works out, which cost more than the rest of a due date."""
    if month == 2 and calendar.isleap(year):
        return 29
    return _DAYS_IN_MONTH[month - 1]


class CostMethod(StrEnum):
    """How a plan is priced; chosen per program."""

    # The Chinese card convention: a fixed monthly fee on the original financed amount and
    # equal principal parts. ``rate`` is the monthly fee (0.006 is 0.60% a month).
    FLAT_FEE = "flat_fee"
    # A declining-balance annual rate: level payments (annuity), interest each month on the
    # balance still owed. ``rate`` is the nominal annual rate (0.06 is 6% a year).
    ANNUITY = "annuity"


@dataclass(frozen=True)
class Terms:
    """The terms of a relief arrangement; one value object for asks, offers and plans.

    ``amount`` is the amount restructured: the balance being repaid after waivers.
    ``down_payment`` is paid at the agreement and is not financed.
    ``grace_months`` is a deferral: nothing falls due, and no cost accrues, during them.
    ``rate`` is read according to ``cost_method``; an interest freeze has rate 0.
    """

    amount: Decimal
    months: int
    down_payment: Decimal = ZERO
    grace_months: int = 0
    cost_method: CostMethod = CostMethod.FLAT_FEE
    rate: Decimal = ZERO
    waived_interest: Decimal = ZERO
    waived_penalty: Decimal = ZERO

    def __post_init__(self) -> None:
        if self.months < 1:
            raise InvalidTerms("months", "A plan has at least one payment.")
        if self.grace_months < 0:
            raise InvalidTerms("grace_months", "Grace months cannot be negative.")
        if self.months + self.grace_months > LEGAL_MAX_MONTHS:
            raise InvalidTerms(
                "months", f"A plan lasts at most {LEGAL_MAX_MONTHS} months, payment-free included."
            )
        for name in ("amount", "down_payment", "waived_interest", "waived_penalty"):
            value: Decimal = getattr(self, name)
            if value < 0:
                raise InvalidTerms(name, "Amounts cannot be negative.")
            if value != value.quantize(CENT):
                raise InvalidTerms(name, "Amounts are in yuan and fen: at most two decimals.")
        if self.rate < 0:
            raise InvalidTerms("rate", "Rates cannot be negative.")
        if self.down_payment > self.amount:
            raise InvalidTerms(
                "down_payment", "The down payment cannot exceed the amount restructured."
            )
        if 0 < self.financed < CENT * self.months:
            # Fewer fen than payments: some installment would be zero.
            raise InvalidTerms("months", "Every installment must be at least one fen.")

    @property
    def financed(self) -> Decimal:
        """The part repaid in installments: the amount restructured less the down payment."""
        return self.amount - self.down_payment

    @property
    def amount_waived(self) -> Decimal:
        return self.waived_interest + self.waived_penalty

    @property
    def level_payments(self) -> bool:
        """Whether the schedule is an annuity (level payments, interest on the balance)."""
        return self.cost_method is CostMethod.ANNUITY and self.rate > 0


@dataclass(frozen=True)
class DueDates:
    """When payments fall due: a program's setting.

    ``payment_day`` is the day of the month (a day past a month's end falls on its last
    day); None keeps the day of the agreement. The first due date is at least
    ``first_due_min_days`` days after the agreement, and always after it.
    """

    payment_day: int | None = None
    first_due_min_days: int = 0

    def __post_init__(self) -> None:
        if self.payment_day is not None and not 1 <= self.payment_day <= 31:
            raise ValueError("The payment day is a day of the month, 1 to 31.")
        if self.first_due_min_days < 0:
            raise ValueError("The minimum days before the first due date cannot be negative.")


@dataclass(frozen=True)
class ScheduleLine:
    number: int
    due_date: dt.date
    principal_part: Decimal
    cost_part: Decimal
    balance_after: Decimal  # principal still to repay after this payment

    @property
    def amount(self) -> Decimal:
        return self.principal_part + self.cost_part


@dataclass(frozen=True)
class Disclosure:
    """What the debtor must see before committing (DESIGN.md section 5; PBoC/CBIRC 2022)."""

    terms: Terms
    start: dt.date  # the day of the agreement the dates count from
    lines: tuple[ScheduleLine, ...] = field(repr=False)
    first_amount: Decimal
    regular_amount: Decimal  # every installment but the first and the last is this
    last_amount: Decimal
    number_of_payments: int
    first_due_date: dt.date
    last_due_date: dt.date
    total_repayable: Decimal  # down payment + every installment
    total_cost: Decimal  # the fees: total repayable less the amount restructured
    annual_rate: Decimal  # nominal, IRR of the monthly cash flows x 12, in percent, 2 places
    effective_annual_rate: Decimal  # (1 + monthly IRR) ** 12 - 1, in percent, 2 places

    @property
    def monthly_amount(self) -> Decimal:
        """The regular payment: every installment equals it but possibly the first (a short
        first period costs less) and the last (it takes the rounding remainder)."""
        return self.regular_amount

    @property
    def first_differs(self) -> bool:
        return self.first_amount != self.regular_amount

    @property
    def last_differs(self) -> bool:
        return self.last_amount != self.regular_amount

    @property
    def amounts_differ(self) -> bool:
        return self.first_differs or self.last_differs


def split_evenly(total: Decimal, parts: int) -> list[Decimal]:
    """``parts`` amounts that sum exactly to ``total``; the remainder goes to the last.

    Parts are rounded half-up. For tiny totals over many parts half-up rounding can
    overshoot (¥1.00 over 60 parts would be 60 x 0.02), which would leave a negative last
    part; there the parts are truncated instead, so the last part is never negative.
    """
    base = round_money(total / parts)
    if base * (parts - 1) > total:
        base = round_money(total / parts, rounding=ROUND_DOWN)
    return [base] * (parts - 1) + [total - base * (parts - 1)]


def first_regular_date(start: dt.date, due: DueDates) -> dt.date:
    """The first payment day strictly after ``start`` and at least ``first_due_min_days``
    later: where the first installment falls when there are no payment-free months."""
    anchor = due.payment_day or start.day
    earliest = start + dt.timedelta(max(due.first_due_min_days, 1))  # days
    first = add_months(start, 0, day=anchor)
    while first < earliest:
        first = add_months(first, 1, day=anchor)
    return first


def due_dates(start: dt.date, terms: Terms, due: DueDates) -> list[dt.date]:
    """The due date of each installment for an agreement made on ``start``.

    The first regular date is :func:`first_regular_date`; ``grace_months`` regular dates
    are skipped; then monthly.
    """
    first = first_regular_date(start, due)
    return _monthly_dates(
        _month_index(first) + terms.grace_months, due.payment_day or start.day, terms.months
    )


def _month_index(date: dt.date) -> int:
    """Months since the start of year 0: consecutive months have consecutive indices."""
    return date.year * 12 + date.month - 1


def _monthly_dates(first_index: int, anchor: int, count: int) -> list[dt.date]:
    """``count`` due dates a month apart from month ``first_index`` (see
    :func:`_month_index`), on the ``anchor`` day or the month's last if it is shorter.

    The dates ``add_months`` gives, built with ``map`` and ``accumulate`` (loops in C) from
    the months' lengths rather than month by month: every preview builds them.
    """
    lengths = _month_lengths(first_index, count)
    year, month = divmod(first_index, 12)
    if anchor <= 28:
        # Every month has the day: each date is the month's length after the one before.
        gaps = map(_DAYS.__getitem__, lengths[:-1])
        return list(accumulate(gaps, add, initial=dt.date(year, month + 1, anchor)))
    indices = range(first_index, first_index + count)
    years = map(floordiv, indices, repeat(12))
    months = map(add, map(mod, indices, repeat(12)), repeat(1))
    return list(map(dt.date, years, months, map(min, repeat(anchor), lengths)))


_LEAP_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_DAYS = tuple(dt.timedelta(days=days) for days in range(32))  # a month's length as a timedelta


def _month_lengths(first_index: int, count: int) -> list[int]:
    """The days in each of ``count`` consecutive months from month ``first_index``: whole
    years of month lengths joined and cut, rather than a function call a month."""
    first_year, last_year = first_index // 12, (first_index + count - 1) // 12
    lengths: list[int] = []
    for year in range(first_year, last_year + 1):
        lengths += _LEAP_DAYS_IN_MONTH if calendar.isleap(year) else _DAYS_IN_MONTH
    offset = first_index - first_year * 12
    return lengths[offset : offset + count]


def first_period_share(start: dt.date, due: DueDates) -> Decimal:
    """The share of a month's cost the first installment carries: 1 for a first period of
    a month or more, days x 12 / 365 of a month for a shorter one. A first payment due the
    day after the agreement must not cost a whole month (that would disclose an absurd
    annual rate); a longer first period costs no more than a month (in the debtor's
    favour). Payment-free months cost nothing, so they do not enter the share."""
    days = short_first_period_days(start, first_regular_date(start, due))
    return Decimal(1) if days is None else Decimal(12 * days) / DAYS_PER_YEAR


def short_first_period_days(start: dt.date, first: dt.date) -> int | None:
    """The days of a first period shorter than a month (from ``start`` to the first regular
    date ``first``), which cost days x 12 / 365 of a month; None for a month or more."""
    if first >= add_months(start, 1):
        return None
    return (first - start).days


def last_due_within_legal_cap(start: dt.date, terms: Terms, due: DueDates) -> bool:
    """Whether an agreement made on ``start`` ends within the legal cap: its last payment
    falls no later than ``start`` plus ``LEGAL_MAX_MONTHS`` months (Art. 70: five years,
    payment-free months and the first period included)."""
    # Only the last due date, not the whole list: the suggestions ask this of every month
    # count of every program. The same date as due_dates(start, terms, due)[-1].
    anchor = due.payment_day or start.day
    skipped = terms.grace_months + terms.months - 1
    last = add_months(first_regular_date(start, due), skipped, day=anchor)
    return last <= add_months(start, LEGAL_MAX_MONTHS)


class _Columns(NamedTuple):
    """A schedule column by column: what its lines are made of, and what a disclosure
    reads without going through the lines."""

    start: dt.date
    anchor: int  # the day of the month payments fall on
    first_index: int  # the month of the first payment (see _month_index)
    dates: list[dt.date]
    parts: _Parts


def build_schedule(
    terms: Terms, *, start: dt.date, due: DueDates | None = None
) -> list[ScheduleLine]:
    """The installments of ``terms`` for an agreement made on ``start``.

    Principal parts always sum exactly to the financed amount; the rounding remainder
    goes to the last installment. A first period shorter than a month costs its share of
    a month (:func:`first_period_share`). Raises ``InvalidTerms`` when nothing is financed.
    """
    return _schedule_lines(_schedule_columns(terms, terms.financed, start, due or DueDates()))


def _schedule_columns(terms: Terms, financed: Decimal, start: dt.date, due: DueDates) -> _Columns:
    """The columns of :func:`build_schedule`'s lines (``financed`` is the terms')."""
    if financed <= 0:
        raise InvalidTerms("down_payment", "Nothing is left to repay in installments.")
    first = first_regular_date(start, due)
    anchor = due.payment_day or start.day
    first_index = _month_index(first) + terms.grace_months
    short_days = short_first_period_days(start, first)
    if terms.cost_method is CostMethod.ANNUITY and terms.rate > 0:
        parts = _annuity_parts(financed, terms.rate, terms.months, first_days=short_days)
    else:
        parts = _flat_fee_parts(financed, terms.rate, terms.months, first_days=short_days)
    dates = _monthly_dates(first_index, anchor, terms.months)
    return _Columns(start, anchor, first_index, dates, parts)


def _schedule_lines(columns: _Columns) -> list[ScheduleLine]:
    """The lines of a schedule from its columns.

    Each line is the very object ``ScheduleLine(...)`` makes (its fields are all it holds,
    and it stays frozen), given its fields as its ``__dict__`` at once: the frozen
    dataclass's ``__init__`` sets each field through ``object.__setattr__``, which cost more
    than all the rest of a line."""
    parts = columns.parts
    lines = []
    rows = zip(count(1), columns.dates, parts.principals, parts.costs, parts.balances)
    for number, due_date, principal_part, cost_part, balance_after in rows:
        line = _new_object(ScheduleLine)
        fields = {
            "number": number,
            "due_date": due_date,
            "principal_part": principal_part,
            "cost_part": cost_part,
            "balance_after": balance_after,
        }
        _set_attribute(line, "__dict__", fields)
        lines.append(line)
    return lines


_new_object = object.__new__
_set_attribute = object.__setattr__  # past the frozen dataclass's own __setattr__


_TWELVE = Decimal(12)  # x / 12 with the int converted once, not every month


class _Parts(NamedTuple):
    """The installments' parts, column by column, and what they come to."""

    principals: list[Decimal]
    costs: list[Decimal]
    balances: list[Decimal]  # the principal still to repay after each payment
    cost_total: Decimal
    amounts: list[Decimal] | None  # principal + cost of each, where the parts had it at hand


def _flat_fee_parts(
    financed: Decimal, monthly_fee: Decimal, months: int, *, first_days: int | None
) -> _Parts:
    """Equal principal parts and the same fee every month (the first month's fee pro rata
    when it is short): total cost is at most fee x months."""
    fee = round_money(financed * monthly_fee)
    # A short first period's fee as one exact expression, rounded once: a share of a month
    # rounded to 28 digits first could round an exact half fen down.
    first_fee = (
        fee
        if first_days is None
        else round_money(financed * monthly_fee * (12 * first_days) / DAYS_PER_YEAR)
    )
    principals = split_evenly(financed, months)
    balances = list(accumulate(principals, sub, initial=financed))[1:]
    base, last = principals[0], principals[-1]
    if months == 1:
        amounts = [last + first_fee]
    else:  # the same parts, added once rather than installment by installment
        amounts = [base + first_fee, *[base + fee] * (months - 2), last + fee]
    costs = [first_fee] + [fee] * (months - 1)
    return _Parts(principals, costs, balances, first_fee + fee * (months - 1), amounts)


def _annuity_parts(
    financed: Decimal, annual_rate: Decimal, months: int, *, first_days: int | None
) -> _Parts:
    """Level payments; each month's interest on the balance still owed, rounded to the fen.

    Each month's interest is one exact expression, balance x annual rate / 12, rounded
    once: dividing the annual rate by 12 first would truncate it (7%/12 = 0.00583...) and
    round an exact half-fen down. The first month's interest is pro rata when it is short.
    The last payment repays whatever principal is left, so principal parts sum exactly to
    the financed amount and the last payment absorbs the rounding of every month.
    """
    payment = _annuity_payment(financed, annual_rate, months)
    balance = financed
    # A short first period is pro rata: its interest is its days' share, and it repays the
    # principal a whole first month would (the level payment less a whole month's
    # interest), so from the second month on the schedule is the level one. Paying the
    # level payment after a few days instead put the saved interest into principal, and
    # the savings could repay the plan a month early, leaving a last installment of zero.
    whole_first = round_money(financed * annual_rate / 12)
    interest = (
        whole_first
        if first_days is None
        else round_money(financed * annual_rate * first_days / DAYS_PER_YEAR)
    )
    principals, interests, balances = [], [interest], []
    monthly = _exact_twelfth(annual_rate, financed)
    owed_interest = whole_first
    for _ in range(months - 1):
        principal = payment - owed_interest
        if principal > balance:
            principal = balance
        balance -= principal
        principals.append(principal)
        balances.append(balance)
        # A whole month: balance x rate x 1 / 12, the same expression (x 1 is exact),
        # rounded as round_money rounds, in place: this runs for every month of every
        # annuity preview, and the call cost as much as the rest of the month.
        if monthly is None:
            interest = (balance * annual_rate / _TWELVE).quantize(CENT, ROUND_HALF_UP)
        else:
            interest = (balance * monthly).quantize(CENT, ROUND_HALF_UP)
        interests.append(interest)
        owed_interest = interest
    principals.append(balance)  # the last payment repays what is left
    balances.append(balance - balance)
    return _Parts(principals, interests, balances, sum(interests, ZERO), None)


def _exact_twelfth(annual_rate: Decimal, financed: Decimal) -> Decimal | None:
    """The annual rate / 12 where that is exact (9% a year is 0.75% a month, 7% is not) and
    any balance up to ``financed`` times it fits the context's digits: then balance x it is
    balance x rate / 12 to the last digit, one multiplication instead of a multiplication
    and a division. None otherwise.

    A quotient rounded to the context has all its digits, which the digit count excludes;
    one with fewer digits times 12 is exact, so comparing it with the rate is a true test.
    """
    monthly = annual_rate / _TWELVE
    digits = len(monthly.as_tuple().digits) + len(financed.as_tuple().digits) + 4
    if digits > getcontext().prec or monthly * _TWELVE != annual_rate:
        return None
    return monthly


def _annuity_payment(financed: Decimal, annual_rate: Decimal, months: int) -> Decimal:
    """The annuity's level payment, to the fen."""
    with localcontext() as ctx:
        ctx.prec = 50
        monthly_rate = annual_rate / 12
        return round_money(financed * monthly_rate / (1 - (1 + monthly_rate) ** -months))


def regular_amount(terms: Terms, lines: Sequence[ScheduleLine]) -> Decimal:
    """The regular monthly payment of a schedule: what a full month costs with the equal
    principal part (flat fee), or the level payment (annuity). The first installment may be
    less (a short first period is pro rata), the last takes the rounding remainder."""
    if len(lines) == 1:
        return lines[0].amount
    if terms.cost_method is CostMethod.ANNUITY and terms.rate > 0:
        return _annuity_payment(terms.financed, terms.rate, terms.months)
    return lines[0].principal_part + lines[-1].cost_part


# --- What a plan comes to before the day of the agreement is known ------------------------
#
# Policy checks bounds and compares plans on the schedule whose first period is a whole
# month (build_schedule from 1 January 2000, say) for every month count of every program:
# these give that schedule's figures without its dates or lines.


def regular_installment(terms: Terms) -> Decimal:
    """``regular_amount`` of the schedule of ``terms`` when its first period is a whole
    month: the equal principal part plus the fee, or the annuity's first installment (its
    level payment, unless that would repay more than is owed)."""
    financed = terms.financed
    if terms.cost_method is CostMethod.ANNUITY and terms.rate > 0:
        interest = round_money(financed * terms.rate / 12)
        if terms.months == 1:
            return financed + interest
        principal = _annuity_payment(financed, terms.rate, terms.months) - interest
        return (financed if principal > financed else principal) + interest
    return split_evenly(financed, terms.months)[0] + round_money(financed * terms.rate)


@dataclass(frozen=True)
class InstallmentFigures:
    """What the installments of terms come to when the first period is a whole month."""

    regular: Decimal  # the schedule's regular_amount
    smallest: Decimal  # its smallest installment
    total_cost: Decimal  # the disclosure's total cost: total repayable less the amount


def installment_figures(terms: Terms) -> InstallmentFigures:
    """The figures of the schedule of ``terms`` when its first period is a whole month,
    worked out from its parts without dates or lines. Raises ``InvalidTerms`` when nothing
    is financed, as ``build_schedule`` does."""
    financed = terms.financed
    if financed <= 0:
        raise InvalidTerms("down_payment", "Nothing is left to repay in installments.")
    annuity = terms.cost_method is CostMethod.ANNUITY and terms.rate > 0
    if annuity:
        parts = _annuity_parts(financed, terms.rate, terms.months, first_days=None)
    else:
        parts = _flat_fee_parts(financed, terms.rate, terms.months, first_days=None)
    amounts = parts.amounts or list(map(add, parts.principals, parts.costs))
    # As regular_amount reads the lines.
    single = len(amounts) == 1
    regular = amounts[0] if single or annuity else parts.principals[0] + parts.costs[-1]
    total_repayable = terms.down_payment + (financed + parts.cost_total)
    return InstallmentFigures(regular, min(amounts), total_repayable - terms.amount)


def disclose(terms: Terms, *, start: dt.date, due: DueDates | None = None) -> Disclosure:
    """The full disclosure of ``terms`` agreed on ``start``: schedule, totals, true rates."""
    financed = terms.financed
    columns = _schedule_columns(terms, financed, start, due or DueDates())
    lines = _schedule_lines(columns)
    parts = columns.parts
    amounts = parts.amounts or list(map(add, parts.principals, parts.costs))
    installments_total = financed + parts.cost_total  # the principal parts sum to financed
    total_repayable = terms.down_payment + installments_total
    ticks = _schedule_ticks(columns)  # in order: due dates increase
    annual_rate, effective_annual_rate = _rates_in_order(
        financed, ticks, amounts, installments_total
    )
    # Disclosure(...) itself, given its fields at once (as the schedule's lines are).
    disclosure = _new_object(Disclosure)
    fields = {
        "terms": terms,
        "start": start,
        "lines": tuple(lines),
        "first_amount": amounts[0],
        "regular_amount": regular_amount(terms, lines),
        "last_amount": amounts[-1],
        "number_of_payments": len(lines),
        "first_due_date": lines[0].due_date,
        "last_due_date": lines[-1].due_date,
        "total_repayable": total_repayable,
        "total_cost": total_repayable - terms.amount,
        "annual_rate": annual_rate,
        "effective_annual_rate": effective_annual_rate,
    }
    _set_attribute(disclosure, "__dict__", fields)
    return disclosure


def rates_shown(monthly_rate: Decimal) -> tuple[Decimal, Decimal]:
    """The annual rate (the monthly rate x 12) and the effective annual rate ((1 + monthly
    rate) ** 12 - 1) of ``monthly_rate``, in percent to 2 places, as a disclosure shows
    them. Both only grow with the monthly rate."""
    return _percent(monthly_rate * 12), _percent((1 + monthly_rate) ** 12 - 1)


def _percent(rate: Decimal) -> Decimal:
    return round_money(rate * 100)


# A tick is 1/365 of a month. months_between counts a day as 12/365 of a month, so every
# offset it gives is a whole number of ticks: a month is 365 ticks and a day 12.
TICKS_PER_MONTH = DAYS_PER_YEAR
TICKS_PER_DAY = 12


def months_between(start: dt.date, end: dt.date) -> Decimal:
    """Whole calendar months from ``start`` to ``end``, plus the days left over as a
    fraction of a month (x 12 / 365). A due date on the agreement's day of the month (or
    on the last day of a shorter month) is a whole number of months away."""
    return _months_of_ticks(month_ticks(start, end))


def _months_of_ticks(ticks: int) -> Decimal:
    """Ticks as months, in the very Decimal arithmetic ``months_between`` has always used."""
    months, days_in_ticks = divmod(ticks, TICKS_PER_MONTH)
    return Decimal(months) + Decimal(days_in_ticks // TICKS_PER_DAY) * 12 / 365


def month_ticks(start: dt.date, end: dt.date) -> int:
    """``months_between(start, end)`` in ticks (x 365), exactly: whole calendar months
    (to the last anniversary of ``start`` on or before ``end``) x 365 + the days after it
    x 12."""
    months = _month_index(end) - _month_index(start)
    anniversary = add_months(start, months)
    if anniversary > end:
        months -= 1
        anniversary = add_months(start, months)
    return months * TICKS_PER_MONTH + (end - anniversary).days * TICKS_PER_DAY


def _schedule_ticks(columns: _Columns) -> Sequence[int]:
    """:func:`month_ticks` from the agreement to each due date of a schedule.

    On the agreement's own day of the month every due date is a whole number of months
    after it; so it is, plus the same few days, when the payment day comes later in the
    month and neither day is past the 28th: a tick range, a month apart. A payment day
    earlier in the month counts from last month's anniversary: its length decides.
    Otherwise (a day past the 28th, which some months do not have) date by date.
    """
    start, anchor, count = columns.start, columns.anchor, len(columns.dates)
    day = start.day
    months = columns.first_index - _month_index(start)  # to the first due date's month
    if anchor == day or day <= anchor <= 28:
        first = months * TICKS_PER_MONTH + (anchor - day) * TICKS_PER_DAY
        return range(first, first + count * TICKS_PER_MONTH, TICKS_PER_MONTH)
    if anchor < day <= 28:
        # From last month's anniversary: its length - the agreement's day + the payment day.
        lengths = _month_lengths(columns.first_index - 1, count)
        base = (months - 1) * TICKS_PER_MONTH + (anchor - day) * TICKS_PER_DAY
        whole = range(base, base + count * TICKS_PER_MONTH, TICKS_PER_MONTH)
        return list(map(add, whole, map(mul, lengths, repeat(TICKS_PER_DAY))))
    return [month_ticks(start, date) for date in columns.dates]


# --- The disclosed rates, fast and exactly the reference's ---------------------------------
#
# irr_monthly (a Decimal bisection) is the reference: a disclosure shows rates_shown() of its
# rate. It takes about 40 Decimal present values, with a fractional Decimal power for every
# payment when a program sets a payment day. disclosed_rates() finds the rate in float and
# proves, in Decimal, that the figures shown are the ones the bisection gives:
#
# 1. Offsets are whole ticks, so discounting by y = (1 + r) ** (-1/365) a tick makes every
#    discount factor an integer power of y: no fractional Decimal powers.
# 2. The secant method in float gives s = ln(1 + r) to about 1e-14.
# 3. A discount y a hair below the float root's rate (s - 2e-12) is taken as an exact
#    Decimal. The Decimal present value there, to 19 digits with integer powers, sums and
#    products of positive numbers only, is within 1e-15 of the exact one, and must exceed
#    the amount financed by more than 1e-14 of it: the true rate is higher. At a smaller
#    discount far (a higher rate, a little above the root) the present value is at most
#    P(near) / (1 + first tick x (near - far) / far), because P(y) = sum(amount x y ** tick)
#    is convex and y x P'(y) >= first tick x P(y): if that is below the amount financed,
#    the true rate is lower (where it is not, P(far) itself is worked out). The payments
#    are all a day or more away, so these distances move P by far more than its rounding.
# 4. The bisection stops within 5e-13 of the true rate (its bracket is 1e-12 wide; its own
#    34-digit present values and 28-digit offsets move its root by far less), so its rate
#    lies in the proved bracket widened by 1e-11 each side. Both figures shown only grow
#    with the rate: the same at both ends of the widened bracket, they are the same at the
#    bisection's rate. Otherwise (a rate within about 1e-10 of where a figure rounds the
#    other way: about one plan in 20,000) the bisection itself gives them.
#
# A schedule's payments are mostly evenly spaced and equal (all but the first and the last):
# then each present value is a geometric sum, in a few operations instead of one a payment.

_SECANT_STEPS = 50
_SECANT_TOLERANCE = 1e-14  # on ln(1 + r): the error the last step may leave
_NEAR_SIDE = 2e-12  # on ln(1 + r), below the float root: the lower rate of the bracket
_PROOF_DIGITS = 19  # one machine word for Decimal, ample for the 1e-14 the proof needs
_PROOF_MARGIN = Decimal("1e-14")  # of the amount financed: over the Decimal rounding
_BISECTION_SLACK = Decimal("1e-11")  # irr_monthly lands within 5e-13 of the root


def disclosed_rates(
    financed: Decimal, payments: Sequence[tuple[int, Decimal]]
) -> tuple[Decimal, Decimal]:
    """The annual and the effective annual rate, in percent to 2 places, of lending
    ``financed`` against ``payments``: (offset after the agreement in ticks, as
    :func:`month_ticks` counts it; amount).

    Always exactly ``rates_shown(irr_monthly(financed, ...))`` at the same offsets: the rate
    is found in float and the figures proved in Decimal (see above); where the proof does
    not hold, the bisection gives them. Raises ``NoRateExists`` as the bisection does."""
    ordered = sorted(payments) if any(map(gt, payments, payments[1:])) else payments
    ticks = [tick for tick, _ in ordered]
    amounts = [amount for _, amount in ordered]
    return _rates_in_order(financed, ticks, amounts, sum(amounts, ZERO))


def _rates_in_order(
    financed: Decimal, ticks: Sequence[int], amounts: list[Decimal], total: Decimal
) -> tuple[Decimal, Decimal]:
    """:func:`disclosed_rates` of payments given as their ticks, in increasing order, their
    amounts and the total of the amounts."""
    if ticks:
        proved = _proved_rates_shown(financed, _cash_flows(ticks, amounts, total))
        if proved is not None:
            return proved
    offsets = [
        (_months_of_ticks(tick), amount) for tick, amount in zip(ticks, amounts, strict=True)
    ]
    return rates_shown(irr_monthly(financed, offsets))


class _Discount:
    """Powers of a discount per tick, y, taken as powers of y ** 365 (a month's) and
    y ** 12 (a day's): a few multiplications for any offset, where y ** ticks itself would
    take a dozen. Where every offset is whole months, the month's discount is given itself
    (``unit`` 365 ticks) and nothing is raised to the 365th power."""

    def __init__(self, per_unit: Decimal, unit: int) -> None:
        self.per_unit, self.unit = per_unit, unit
        if unit == TICKS_PER_MONTH:
            self.per_month, self.per_day = per_unit, Decimal("NaN")  # no days to discount
        else:
            self.per_month = per_unit**TICKS_PER_MONTH
            self.per_day = per_unit**TICKS_PER_DAY

    def over(self, ticks: int) -> Decimal:
        """y ** ticks, for an offset or a gap between two: whole months and days, as many
        as 30 days fewer than a whole month (the next payment's anniversary came later)."""
        months, rest = divmod(ticks, TICKS_PER_MONTH)
        if rest % TICKS_PER_DAY:  # 365 + 12 x (negative days): one month more, days back
            months, rest = months + 1, rest - TICKS_PER_MONTH
        over_months = self.per_month if months == 1 else self.per_month**months
        return over_months * self.per_day ** (rest // TICKS_PER_DAY) if rest else over_months

    @property
    def monthly_rate(self) -> Decimal:
        """The monthly rate this discount stands for: 1 / y ** 365 - 1."""
        return 1 / self.per_month - 1


class _Payments:
    """Payments in increasing order of ticks: their present value in float at s = ln(1 + r)
    and in Decimal at a discount per tick. Their total, and the mean and the variance of
    the months they fall in (weighted by amount), start the float solve."""

    first_tick: int
    whole_months: bool  # every payment a whole number of months after the agreement
    total: Decimal
    float_total: float
    mean: float
    variance: float

    def float_value(self, log_rate: float) -> float:
        raise NotImplementedError

    def present_value(self, discount: _Discount) -> Decimal:
        raise NotImplementedError


class _EachPayment(_Payments):
    """Any payments, one term each."""

    def __init__(
        self, ticks: list[int], amounts: list[Decimal], total: Decimal, *, middle_equal: bool
    ) -> None:
        self.ticks, self.amounts, self.total = ticks, amounts, total
        self.first_tick = ticks[0]
        self.whole_months = not any(map(mod, ticks, repeat(TICKS_PER_MONTH)))
        self.middle_equal = middle_equal
        self.gaps = list(map(sub, ticks[1:], ticks[:-1]))
        if middle_equal:  # one conversion for all the equal ones
            middle = [float(amounts[1])] * (len(amounts) - 2)
            self.floats = [float(amounts[0]), *middle, float(amounts[-1])]
        else:
            self.floats = list(map(float, amounts))
        self.months = list(map(truediv, ticks, repeat(float(TICKS_PER_MONTH))))
        weighted = list(map(mul, self.floats, self.months))
        self.float_total = sum(self.floats)
        self.mean = sum(weighted) / self.float_total
        spread = sum(map(mul, weighted, self.months)) / self.float_total
        self.variance = max(spread - self.mean * self.mean, 0.0)

    def float_value(self, log_rate: float) -> float:
        value: float = sum(
            map(mul, self.floats, map(pow, repeat(math.exp(-log_rate)), self.months))
        )
        return value

    def present_value(self, discount: _Discount) -> Decimal:
        """Each payment's discount the one before's times the discount over the gap (a
        power for each distinct gap: a few, when a payment day makes the gaps follow the
        months' lengths), summed in C loops; equal payments between the first and the
        last are summed once and multiplied by their amount."""
        steps = _discounts_over(discount, self.gaps)
        first = discount.over(self.first_tick)
        discounts = list(accumulate(map(steps.__getitem__, self.gaps), mul, initial=first))
        amounts = self.amounts
        if self.middle_equal:
            middle = amounts[1] * sum(discounts[1:-1], ZERO)
            return amounts[0] * discounts[0] + middle + amounts[-1] * discounts[-1]
        return sum(map(mul, amounts, discounts), ZERO)


def _discounts_over(discount: _Discount, gaps: list[int]) -> dict[int, Decimal]:
    """The discount over each distinct gap between payments. Gaps a day (12 ticks) apart,
    as a payment day's gaps are, take one multiplication each from the one before."""
    steps: dict[int, Decimal] = {}
    previous_gap, step = 0, Decimal(1)
    for gap in sorted(set(gaps)):
        if steps and gap - previous_gap == TICKS_PER_DAY:
            step *= discount.per_day
        else:
            step = discount.over(gap)
        steps[gap], previous_gap = step, gap
    return steps


class _EvenPayments(_Payments):
    """``count`` (>= 3) payments ``gap`` ticks apart from ``first_tick``, all the same but
    the first and the last: sums over the middle ones are geometric."""

    def __init__(
        self, first_tick: int, gap: int, count: int, amounts: list[Decimal], total: Decimal
    ) -> None:
        self.first_tick, self.gap, self.inner, self.total = first_tick, gap, count - 2, total
        self.whole_months = not first_tick % TICKS_PER_MONTH and not gap % TICKS_PER_MONTH
        first, middle, last = self.first, self.middle, self.last = (
            amounts[0],
            amounts[1],
            amounts[-1],
        )
        self.floats = float(first), float(middle), float(last)
        self.start = first_tick / TICKS_PER_MONTH  # months to the first payment
        self.step = gap / TICKS_PER_MONTH  # months between payments
        self.float_total = self.floats[0] + self.floats[1] * self.inner + self.floats[2]
        # The middle payments fall at start + j x step for j = 1 .. inner, the last at
        # start + (inner + 1) x step: sums of j and of j squared.
        inner, step, start = self.inner, self.step, self.start
        middle_months = inner * start + step * inner * (inner + 1) / 2
        middle_squares = (
            inner * start * start
            + start * step * inner * (inner + 1)
            + step * step * inner * (inner + 1) * (2 * inner + 1) / 6
        )
        last_month = start + (inner + 1) * step
        first_float, middle_float, last_float = self.floats
        moment = first_float * start + middle_float * middle_months + last_float * last_month
        square = (
            first_float * start * start
            + middle_float * middle_squares
            + last_float * last_month * last_month
        )
        self.mean = moment / self.float_total
        self.variance = max(square / self.float_total - self.mean * self.mean, 0.0)

    def float_value(self, log_rate: float) -> float:
        exponent = -log_rate * self.step
        ratio = math.exp(exponent)
        # 1 + ratio + ... + ratio ** (inner - 1), with expm1 so no digits cancel near s = 0.
        if exponent:
            sum_inner = math.expm1(exponent * self.inner) / math.expm1(exponent)
        else:
            sum_inner = float(self.inner)
        first, middle, last = self.floats
        after_first = ratio * (middle * sum_inner + last * ratio**self.inner)
        return math.exp(-log_rate * self.start) * (first + after_first)

    def present_value(self, discount: _Discount) -> Decimal:
        ratio = discount.over(self.gap)
        sum_inner, power = _geometric(ratio, self.inner)
        after_first = ratio * (self.middle * sum_inner + self.last * power)
        return discount.over(self.first_tick) * (self.first + after_first)


def _geometric(ratio: Decimal, count: int) -> tuple[Decimal, Decimal]:
    """(1 + ratio + ... + ratio ** (count - 1), ratio ** count) by doubling, from the
    leading bit of ``count`` (>= 1): the sum of 2c terms is the sum of c times 1 +
    ratio ** c, one more term adds ratio ** c. Sums and products of positive numbers only:
    nothing cancels however close the ratio is to 1 (as in (1 - ratio ** count) / (1 -
    ratio))."""
    total, power = Decimal(1), ratio
    for bit in bin(count)[3:]:
        total, power = total * (1 + power), power * power
        if bit == "1":
            total, power = total + power, power * ratio
    return total, power


def _cash_flows(ticks: Sequence[int], amounts: list[Decimal], total: Decimal) -> _Payments:
    """Payments (in order) as even payments where they are, else one by one."""
    count = len(ticks)
    middle_equal = count >= 3 and amounts[1:-1].count(amounts[1]) == count - 2
    if middle_equal:
        first_tick, gap = ticks[0], ticks[1] - ticks[0]
        even_ticks = range(first_tick, first_tick + gap * count, gap)
        if ticks == even_ticks or list(ticks) == list(even_ticks):
            return _EvenPayments(first_tick, gap, count, amounts, total)
    return _EachPayment(list(ticks), amounts, total, middle_equal=middle_equal)


def _proved_rates_shown(financed: Decimal, payments: _Payments) -> tuple[Decimal, Decimal] | None:
    """The figures of :func:`disclosed_rates` by the float solve and the Decimal proof;
    None when they are not proved (then only the bisection can say)."""
    # No cost, nothing financed, or a payment on the day of the agreement or before: the
    # bisection answers at once (a zero rate, or no rate at all).
    if financed <= 0 or payments.first_tick <= 0 or payments.total <= financed:
        return None
    log_rate = _float_log_rate(payments, float(financed))
    if log_rate is None:
        return None
    bracket = _proved_bracket(payments, financed, log_rate)
    if bracket is None:
        return None
    low, high = bracket
    lowest = rates_shown(max(low - _BISECTION_SLACK, Decimal(0)))
    highest = rates_shown(high + _BISECTION_SLACK)
    return lowest if lowest == highest else None


def _float_log_rate(payments: _Payments, financed: float) -> float | None:
    """s = ln(1 + r) of the monthly rate r at which ``payments`` repay ``financed``, in
    float; None if it does not settle.

    f(s) = ln PV(s) - ln financed, PV(s) = sum(amount x exp(-s x month)), is convex and
    decreasing, so the secant method from two points below the root stays below it and
    converges. The points: s = 0, and where the first three terms of ln PV's expansion at 0
    (the total paid; the mean and the variance of the months it is paid in) reach ln
    financed, which leaves one to three steps.
    """
    log_financed = math.log(financed)
    previous, previous_excess = 0.0, math.log(payments.float_total) - log_financed
    current = _second_order_start(previous_excess, payments.mean, payments.variance)
    # The error a secant step leaves is about curvature x the step x the step before.
    curvature = 2 * payments.variance / payments.mean  # four times f'' / 2f' at s = 0
    previous_step = current
    try:
        for _ in range(_SECANT_STEPS):
            excess = math.log(payments.float_value(current)) - log_financed
            if excess == previous_excess:
                return current
            step = excess * (current - previous) / (previous_excess - excess)
            previous, previous_excess, current = current, excess, current + step
            if abs(step) <= _SECANT_TOLERANCE or (
                abs(step) <= 1e-6 and curvature * abs(step * previous_step) <= _SECANT_TOLERANCE
            ):
                return current
            previous_step = step
    except (ValueError, OverflowError, ZeroDivisionError):  # a present value out of range
        return None
    return None


def _second_order_start(excess: float, mean: float, variance: float) -> float:
    """The smaller root of excess - mean x s + variance x s ** 2 / 2 = 0 (the expansion of
    ln PV(s) - ln financed to second order), or of its first order if it has none."""
    discriminant = mean * mean - 2 * variance * excess
    if discriminant <= 0:
        return excess / mean
    return 2 * excess / (mean + math.sqrt(discriminant))  # the stable form of the root


def _proved_bracket(
    payments: _Payments, financed: Decimal, log_rate: float
) -> tuple[Decimal, Decimal] | None:
    """Two monthly rates with the true rate between them, either side of ``log_rate``,
    proved in Decimal (step 3 above); None when the float root was not close enough.

    The lower rate by its present value, above ``financed``. The higher one by a bound:
    the present value P(y) = sum(amount x y ** tick) is convex in the discount y, and
    y x P'(y) >= first tick x P(y), so at a smaller discount far,
    P(far) x (1 + first tick x (near - far) / far) <= P(near). Only where that bound falls
    short is P(far) itself worked out."""
    # The discounts are taken per tick, or per month where every payment is whole months
    # after the agreement: P is then a polynomial in the month's discount, just as convex.
    unit = TICKS_PER_MONTH if payments.whole_months else 1
    with localcontext() as ctx:
        ctx.prec = _PROOF_DIGITS
        margin = financed * _PROOF_MARGIN  # more than the Decimal present value's rounding
        near = _Discount(_exact(log_rate - _NEAR_SIDE, unit), unit)
        near_value = payments.present_value(near) + margin  # at least P(near)
        if near_value - margin - margin <= financed:
            return None
        far = _Discount(_exact(log_rate + _far_side(payments), unit), unit)
        first = payments.first_tick // unit
        growth = 1 + first * (near.per_unit - far.per_unit) / far.per_unit
        falls_short = near_value >= financed * growth  # then P(far) itself must say
        if falls_short and payments.present_value(far) + margin >= financed:
            return None
        return near.monthly_rate, far.monthly_rate


def _exact(log_rate: float, unit: int) -> Decimal:
    """The discount over ``unit`` ticks at ``log_rate`` (ln(1 + r)), as an exact Decimal of
    17 digits (the float's shortest repr): the proof is about this very number, whatever
    float it came from."""
    return Decimal(repr(math.exp(-log_rate * unit / TICKS_PER_MONTH)))


def _far_side(payments: _Payments) -> float:
    """How far above the float root (on ln(1 + r)) to take the higher rate, for the bound
    in :func:`_proved_bracket` to hold: P(near) exceeds the amount by about the mean month x
    the distance below, the bound gains the first payment's month x the whole width; twice
    what that needs, and never less than the near side."""
    first_month = payments.first_tick / TICKS_PER_MONTH
    needed = payments.mean * (_NEAR_SIDE + _SECANT_TOLERANCE) + 3 * float(_PROOF_MARGIN)
    return max(2 * needed / first_month - _NEAR_SIDE, _NEAR_SIDE)


def irr_monthly(financed: Decimal, payments: list[tuple[Decimal, Decimal]]) -> Decimal:
    """The monthly rate r at which the payments, at their month offsets, repay ``financed``.

    Solves sum(amount / (1 + r) ** month) = financed by bisection, which always converges
    because the present value falls strictly as r grows. Returns 0 when nothing is charged
    beyond the amount financed (an interest freeze), and when nothing is financed.
    """
    total_paid = sum((amount for _, amount in payments), ZERO)
    if financed <= 0 or total_paid <= financed:
        return Decimal(0)
    # As r grows without bound only what is paid at month 0 (or before) keeps its value:
    # if that alone repays the amount, no rate solves the equation.
    if sum((amount for month, amount in payments if month <= 0), ZERO) >= financed:
        raise NoRateExists("Every payment falls on the day of the agreement: no rate exists.")
    ordered = sorted(payments)
    with localcontext() as ctx:
        ctx.prec = 34
        low, high = Decimal(0), Decimal(1)
        while _present_value(ordered, high) > financed:
            high *= 2
        # 1e-12 a month is 1.2e-9 of a percent a year: far below the 0.01% shown.
        while high - low > Decimal("1e-12"):
            mid = (low + high) / 2
            if _present_value(ordered, mid) > financed:
                low = mid
            else:
                high = mid
        return (low + high) / 2


def _present_value(ordered: list[tuple[Decimal, Decimal]], rate: Decimal) -> Decimal:
    """Present value of payments sorted by month, discounting by a running product."""
    per_month = 1 / (1 + rate)
    discount, at_month, total = Decimal(1), Decimal(0), Decimal(0)
    for month, amount in ordered:
        discount *= per_month ** (month - at_month)
        at_month = month
        total += amount * discount
    return total


@dataclass(frozen=True)
class Open:
    """An installment with money still owed on it, for allocation."""

    number: int
    due_date: dt.date
    outstanding: Decimal


def allocate(amount: Decimal, installments: list[Open], *, paid_on: dt.date) -> dict[int, Decimal]:
    """How a payment of ``amount`` received on ``paid_on`` settles a plan's installments.

    Oldest first through what is due: every installment already due, then the next one to
    fall due (a payment a few days early is for it). Any excess then goes to the last
    installment and backwards, so an overpayment shortens the plan instead of paying the
    months after next early. Returns {installment number: amount}: never more than an
    installment's outstanding amount, summing to the payment or to everything owed,
    whichever is less.
    """
    ordered = sorted(
        (i for i in installments if i.outstanding > 0), key=lambda i: (i.due_date, i.number)
    )
    due = [i for i in ordered if i.due_date <= paid_on]
    upcoming = [i for i in ordered if i.due_date > paid_on]
    sequence = [*due, *upcoming[:1], *reversed(upcoming[1:])]
    remaining = amount
    allocations: dict[int, Decimal] = {}
    for installment in sequence:
        if remaining <= 0:
            break
        part = min(remaining, installment.outstanding)
        allocations[installment.number] = part
        remaining -= part
    return allocations


# --- Changing a signed plan (a new version of its terms) ---------------------------------
#
# A change moves due dates only: the payment day of every open installment, or one
# installment to the end. Principal and cost parts stay as agreed (the change costs nothing
# unless the program sets a fee, which is added to the first installment the change moves),
# so the schedule still sums exactly to what was still to pay, plus that fee. The annual
# rate is worked out again over the new dates, from the day of the agreement, exactly as
# the first disclosure worked it out.

CHANGEABLE_DAYS = range(1, 29)  # a day every month has: the payment falls on it every month


@dataclass(frozen=True)
class PlanLine:
    """One installment of a signed plan as it stands (number 0 is a down payment)."""

    number: int
    due_date: dt.date
    principal_part: Decimal
    cost_part: Decimal
    paid: Decimal

    @property
    def amount(self) -> Decimal:
        return self.principal_part + self.cost_part

    @property
    def settled(self) -> bool:
        return self.paid >= self.amount


@dataclass(frozen=True)
class Amended:
    """A plan's schedule after a change: its lines in date order, numbered again from 1 (a
    down payment keeps 0), and what the new version discloses."""

    lines: tuple[PlanLine, ...]
    renumbered: dict[int, int]  # the number each installment had -> the number it has now
    total_repayable: Decimal
    total_cost: Decimal  # total repayable less the amount restructured
    annual_rate: Decimal  # IRR of the installments at their new dates x 12, percent
    effective_annual_rate: Decimal
    last_due_date: dt.date


def payment_day_moves(
    lines: Sequence[PlanLine], *, new_day: int, today: dt.date
) -> dict[int, dt.date]:
    """The new due date of each installment a new payment day moves: those not paid in full
    and due after ``today`` (one due today or overdue is due now and keeps its date; one
    paid in full keeps the date it was paid for). Each keeps its month, on ``new_day``; when
    the first of them would then fall on or before ``today``, all of them go a month later,
    so no payment is ever due in the past and none two in one month."""
    if new_day not in CHANGEABLE_DAYS:
        raise ValueError("A new payment day is 1 to 28.")
    moving = sorted((line for line in lines if _moves_with_the_day(line, today)), key=_in_order)
    if not moving:
        return {}
    shift = 1 if add_months(moving[0].due_date, 0, day=new_day) <= today else 0
    return {line.number: add_months(line.due_date, shift, day=new_day) for line in moving}


def _moves_with_the_day(line: PlanLine, today: dt.date) -> bool:
    return line.number >= 1 and not line.settled and line.due_date > today


def _in_order(line: PlanLine) -> tuple[dt.date, int]:
    return line.due_date, line.number


def move_to_end_moves(lines: Sequence[PlanLine], *, number: int, anchor: int) -> dict[int, dt.date]:
    """Installment ``number`` falls due a month after the plan's last installment, on the
    plan's payment day ``anchor`` (a day past a month's end falls on its last day)."""
    last = max(line.due_date for line in lines)
    return {number: add_months(last, 1, day=anchor)}


def amend_schedule(
    lines: Sequence[PlanLine],
    moves: dict[int, dt.date],
    *,
    fee: Decimal,
    today: dt.date,
    start: dt.date,
    amount: Decimal,
    down_payment: Decimal,
) -> Amended:
    """The schedule ``lines`` with the due dates ``moves`` gives ({number: new date}) and
    the change's ``fee`` added to the cost of the next payment due after ``today`` (not
    paid in full), in date order and numbered again. ``start`` is the day of the agreement
    the rate counts from; ``amount`` and ``down_payment`` are the plan's terms. Raises
    ``ValueError`` for a move of an installment that is not there (or of the down payment),
    or a fee that is negative or not in fen."""
    if fee < 0 or fee != fee.quantize(CENT):
        raise ValueError("A change fee is zero or more, in yuan and fen.")
    numbers = {line.number for line in lines}
    if not moves.keys() <= numbers or 0 in moves:
        raise ValueError("Only installments of the plan move, never the down payment.")
    moved = [
        PlanLine(
            line.number,
            moves.get(line.number, line.due_date),
            line.principal_part,
            line.cost_part,
            line.paid,
        )
        for line in lines
    ]
    upcoming = sorted((line for line in moved if _moves_with_the_day(line, today)), key=_in_order)
    fee_on = upcoming[0].number if upcoming and fee > 0 else None
    changed = [
        PlanLine(
            line.number,
            line.due_date,
            line.principal_part,
            line.cost_part + (fee if line.number == fee_on else ZERO),
            line.paid,
        )
        for line in moved
    ]
    down = [line for line in changed if line.number == 0]
    monthly = sorted((line for line in changed if line.number >= 1), key=_in_order)
    renumbered = {line.number: new for new, line in enumerate(monthly, start=1)}
    ordered = tuple(
        down
        + [
            PlanLine(
                renumbered[line.number],
                line.due_date,
                line.principal_part,
                line.cost_part,
                line.paid,
            )
            for line in monthly
        ]
    )
    total_repayable = sum((line.amount for line in ordered), ZERO)
    annual, effective = disclosed_rates(
        amount - down_payment,
        [(month_ticks(start, line.due_date), line.amount) for line in ordered if line.number >= 1],
    )
    return Amended(
        lines=ordered,
        renumbered=renumbered,
        total_repayable=total_repayable,
        total_cost=total_repayable - amount,
        annual_rate=annual,
        effective_annual_rate=effective,
        last_due_date=max(line.due_date for line in ordered),
    )


def ends_within_legal_cap(start: dt.date, last_due_date: dt.date) -> bool:
    """Whether a plan agreed on ``start`` whose last payment falls on ``last_due_date`` is
    within the legal cap (Art. 70: five years from the agreement), as
    :func:`last_due_within_legal_cap` reads it for a new plan."""
    return last_due_date <= add_months(start, LEGAL_MAX_MONTHS)
