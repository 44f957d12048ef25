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
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from itertools import accumulate, count, repeat
from operator import add, floordiv, mod, sub
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
    return value.quantize(CENT, rounding=rounding)


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
    earliest = start + dt.timedelta(days=max(due.first_due_min_days, 1))
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
        first = dt.date(year, month + 1, anchor).toordinal()
        return list(map(dt.date.fromordinal, accumulate(lengths[:-1], add, initial=first)))
    indices = range(first_index, first_index + count)
    years = map(floordiv, indices, repeat(12))
    months = map(add, map(mod, indices, repeat(12)), repeat(1))
    return list(map(dt.date, years, months, map(min, repeat(anchor), lengths)))


_LEAP_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


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
    return _share_of_first_month(start, first_regular_date(start, due))


def _share_of_first_month(start: dt.date, first: dt.date) -> Decimal:
    """:func:`first_period_share` once the first regular date ``first`` is known."""
    if first >= add_months(start, 1):  # a month or more: months_between is 1 or more
        return Decimal(1)
    return min(Decimal(1), months_between(start, first))


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
    share = _share_of_first_month(start, first)
    if terms.cost_method is CostMethod.ANNUITY and terms.rate > 0:
        parts = _annuity_parts(financed, terms.rate, terms.months, first_share=share)
    else:
        parts = _flat_fee_parts(financed, terms.rate, terms.months, first_share=share)
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


class _Parts(NamedTuple):
    """The installments' parts, column by column, and what they come to."""

    principals: list[Decimal]
    costs: list[Decimal]
    balances: list[Decimal]  # the principal still to repay after each payment
    cost_total: Decimal
    amounts: list[Decimal] | None  # principal + cost of each, where the parts had it at hand


def _flat_fee_parts(
    financed: Decimal, monthly_fee: Decimal, months: int, *, first_share: Decimal
) -> _Parts:
    """Equal principal parts and the same fee every month (the first month's fee pro rata
    when it is short): total cost is at most fee x months."""
    fee = round_money(financed * monthly_fee)
    first_fee = fee if first_share == 1 else round_money(financed * monthly_fee * first_share)
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
    financed: Decimal, annual_rate: Decimal, months: int, *, first_share: Decimal
) -> _Parts:
    """Level payments; each month's interest on the balance still owed, rounded to the fen.

    Each month's interest is one exact expression, balance x annual rate / 12, rounded
    once: dividing the annual rate by 12 first would truncate it (7%/12 = 0.00583...) and
    round an exact half-fen down. The first month's interest is pro rata when it is short.
    The last payment repays whatever principal is left, so principal parts sum exactly to
    the financed amount and the last payment absorbs the rounding of every month.
    """
    with localcontext() as ctx:
        ctx.prec = 50
        monthly_rate = annual_rate / 12
        payment = round_money(financed * monthly_rate / (1 - (1 + monthly_rate) ** -months))
    balance = financed
    interest = round_money(financed * annual_rate * first_share / 12)
    principals, interests, balances = [], [interest], []
    for _ in range(months - 1):
        principal = payment - interest
        if principal > balance:
            principal = balance
        balance -= principal
        principals.append(principal)
        balances.append(balance)
        # A whole month: balance x rate x 1 / 12, the same expression (x 1 is exact),
        # rounded as round_money rounds, in place: this runs for every month of every
        # annuity preview, and the call cost as much as the rest of the month.
        interest = (balance * annual_rate / 12).quantize(CENT, rounding=ROUND_HALF_UP)
        interests.append(interest)
    principals.append(balance)  # the last payment repays what is left
    balances.append(balance - balance)
    return _Parts(principals, interests, balances, sum(interests, ZERO), None)


def regular_amount(terms: Terms, lines: Sequence[ScheduleLine]) -> Decimal:
    """The regular monthly payment of a schedule: what a full month costs with the equal
    principal part (flat fee), or the level payment (annuity). The first installment may be
    less (a short first period is pro rata), the last takes the rounding remainder."""
    if len(lines) == 1 or (terms.cost_method is CostMethod.ANNUITY and terms.rate > 0):
        return lines[0].amount
    return lines[0].principal_part + lines[-1].cost_part


def disclose(terms: Terms, *, start: dt.date, due: DueDates | None = None) -> Disclosure:
    """The full disclosure of ``terms`` agreed on ``start``: schedule, totals, true rates."""
    lines = build_schedule(terms, start=start, due=due)
    installments_total = sum((line.amount for line in lines), ZERO)
    total_repayable = terms.down_payment + installments_total
    monthly_irr = irr_monthly(
        terms.financed, [(months_between(start, line.due_date), line.amount) for line in lines]
    )
    annual_rate, effective_annual_rate = rates_shown(monthly_irr)
    return Disclosure(
        terms=terms,
        start=start,
        lines=tuple(lines),
        first_amount=lines[0].amount,
        regular_amount=regular_amount(terms, lines),
        last_amount=lines[-1].amount,
        number_of_payments=len(lines),
        first_due_date=lines[0].due_date,
        last_due_date=lines[-1].due_date,
        total_repayable=total_repayable,
        total_cost=total_repayable - terms.amount,
        annual_rate=annual_rate,
        effective_annual_rate=effective_annual_rate,
    )


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
