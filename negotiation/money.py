"""Money: rounding, repayment schedules and cost disclosure. Pure: no ORM, no clock.

Every amount is a ``Decimal`` built from a string or an int, never from a float. Rounding
happens in exactly one place, :func:`round_money`, half-up to the fen (0.01).

A schedule always sums exactly to its total: equal parts are rounded and the rounding
remainder goes to the last installment (DESIGN.md section 5).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
LEGAL_MAX_MONTHS = 60  # 商业银行信用卡业务监督管理办法 Art. 70; CBIRC/PBoC notice 2022: 5 years.


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
    last_day = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(anchor, last_day))


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
            raise ValueError("A plan has at least one payment.")
        if self.grace_months < 0:
            raise ValueError("Grace months cannot be negative.")
        if min(self.amount, self.down_payment, self.rate) < 0:
            raise ValueError("Amounts and rates cannot be negative.")
        if min(self.waived_interest, self.waived_penalty) < 0:
            raise ValueError("Waivers cannot be negative.")
        if self.down_payment > self.amount:
            raise ValueError("The down payment cannot exceed the amount restructured.")

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
        """The regular payment: every installment but possibly the last equals it."""
        return self.first_amount

    @property
    def amounts_differ(self) -> bool:
        return self.first_amount != self.last_amount


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


def due_dates(start: dt.date, terms: Terms, due: DueDates) -> list[dt.date]:
    """The due date of each installment for an agreement made on ``start``.

    The first regular date is the first payment day strictly after ``start`` and at least
    ``first_due_min_days`` later; ``grace_months`` regular dates are skipped; then monthly.
    """
    anchor = due.payment_day or start.day
    earliest = start + dt.timedelta(days=max(due.first_due_min_days, 1))
    first = add_months(start, 0, day=anchor)
    while first < earliest:
        first = add_months(first, 1, day=anchor)
    return [add_months(first, terms.grace_months + i, day=anchor) for i in range(terms.months)]


def build_schedule(
    terms: Terms, *, start: dt.date, due: DueDates | None = None
) -> list[ScheduleLine]:
    """The installments of ``terms`` for an agreement made on ``start``.

    Principal parts always sum exactly to the financed amount; the rounding remainder
    goes to the last installment.
    """
    dates = due_dates(start, terms, due or DueDates())
    if terms.cost_method is CostMethod.ANNUITY and terms.rate > 0:
        parts = _annuity_parts(terms.financed, terms.rate / 12, terms.months)
    else:
        parts = _flat_fee_parts(terms.financed, terms.rate, terms.months)
    lines: list[ScheduleLine] = []
    remaining = terms.financed
    for number, (due_date, (principal_part, cost_part)) in enumerate(
        zip(dates, parts, strict=True), start=1
    ):
        remaining -= principal_part
        lines.append(ScheduleLine(number, due_date, principal_part, cost_part, remaining))
    return lines


def _flat_fee_parts(
    financed: Decimal, monthly_fee: Decimal, months: int
) -> list[tuple[Decimal, Decimal]]:
    """Equal principal parts and the same fee every month: total cost is fee x months."""
    fee = round_money(financed * monthly_fee)
    return [(principal, fee) for principal in split_evenly(financed, months)]


def _annuity_parts(
    financed: Decimal, monthly_rate: Decimal, months: int
) -> list[tuple[Decimal, Decimal]]:
    """Level payments; each month's interest on the balance still owed, rounded to the fen.

    The last payment repays whatever principal is left, so principal parts sum exactly to
    the financed amount and the last payment absorbs the rounding of every month.
    """
    with localcontext() as ctx:
        ctx.prec = 34
        payment = round_money(financed * monthly_rate / (1 - (1 + monthly_rate) ** -months))
    parts = []
    balance = financed
    for number in range(1, months + 1):
        interest = round_money(balance * monthly_rate)
        principal = balance if number == months else min(payment - interest, balance)
        parts.append((principal, interest))
        balance -= principal
    return parts


def disclose(terms: Terms, *, start: dt.date, due: DueDates | None = None) -> Disclosure:
    """The full disclosure of ``terms`` agreed on ``start``: schedule, totals, true rates."""
    lines = build_schedule(terms, start=start, due=due)
    installments_total = sum((line.amount for line in lines), ZERO)
    total_repayable = terms.down_payment + installments_total
    monthly_irr = irr_monthly(
        terms.financed, [(months_between(start, line.due_date), line.amount) for line in lines]
    )
    return Disclosure(
        terms=terms,
        start=start,
        lines=tuple(lines),
        first_amount=lines[0].amount,
        last_amount=lines[-1].amount,
        number_of_payments=len(lines),
        first_due_date=lines[0].due_date,
        last_due_date=lines[-1].due_date,
        total_repayable=total_repayable,
        total_cost=total_repayable - terms.amount,
        annual_rate=_percent(monthly_irr * 12),
        effective_annual_rate=_percent((1 + monthly_irr) ** 12 - 1),
    )


def _percent(rate: Decimal) -> Decimal:
    return round_money(rate * 100)


def months_between(start: dt.date, end: dt.date) -> Decimal:
    """Whole calendar months from ``start`` to ``end``, plus the days left over as a
    fraction of a month (x 12 / 365). A due date on the agreement's day of the month (or
    on the last day of a shorter month) is a whole number of months away."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    days_left = (end - add_months(start, months)).days
    return Decimal(months) + Decimal(days_left) * 12 / 365


def irr_monthly(financed: Decimal, payments: list[tuple[Decimal, Decimal]]) -> Decimal:
    """The monthly rate r at which the payments, at their month offsets, repay ``financed``.

    Solves sum(amount / (1 + r) ** month) = financed by bisection, which always converges
    because the present value falls strictly as r grows. Returns 0 when nothing is charged
    beyond the amount financed (an interest freeze), and when nothing is financed.
    """
    total_paid = sum((amount for _, amount in payments), ZERO)
    if financed <= 0 or total_paid <= financed:
        return Decimal(0)
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
