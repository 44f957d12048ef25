"""Today's schedule and disclosure, frozen as the reference the fast implementation must
match figure for figure (issue 10: previews a hundred times faster, the same figures).

A verbatim copy of negotiation/money.py as of commit c7731a0 (before the fast previews),
for tests and the benchmark only: never imported by the portal. The value types are the
portal's own, so a reference ``Disclosure`` compares equal to the portal's field by field.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal, localcontext

from negotiation.money import (
    DAYS_PER_YEAR,
    LEGAL_MAX_MONTHS,
    ZERO,
    CostMethod,
    Disclosure,
    DueDates,
    InvalidTerms,
    NoRateExists,
    ScheduleLine,
    Terms,
    round_money,
)


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
    anchor = due.payment_day or start.day
    first = first_regular_date(start, due)
    return [add_months(first, terms.grace_months + i, day=anchor) for i in range(terms.months)]


def short_first_period_days(start: dt.date, first: dt.date) -> int | None:
    """The days of a first period shorter than a month; None for a month or more."""
    if first >= add_months(start, 1):
        return None
    return (first - start).days


def first_period_share(start: dt.date, due: DueDates) -> Decimal:
    """The share of a month's cost the first installment carries: 1 for a first period of
    a month or more, days x 12 / 365 of a month for a shorter one. A first payment due the
    day after the agreement must not cost a whole month (that would disclose an absurd
    annual rate); a longer first period costs no more than a month (in the debtor's
    favour). Payment-free months cost nothing, so they do not enter the share."""
    return min(Decimal(1), months_between(start, first_regular_date(start, due)))


def last_due_within_legal_cap(start: dt.date, terms: Terms, due: DueDates) -> bool:
    """Whether an agreement made on ``start`` ends within the legal cap: its last payment
    falls no later than ``start`` plus ``LEGAL_MAX_MONTHS`` months (Art. 70: five years,
    payment-free months and the first period included)."""
    last = due_dates(start, terms, due)[-1]
    return last <= add_months(start, LEGAL_MAX_MONTHS)


def build_schedule(
    terms: Terms, *, start: dt.date, due: DueDates | None = None
) -> list[ScheduleLine]:
    """The installments of ``terms`` for an agreement made on ``start``.

    Principal parts always sum exactly to the financed amount; the rounding remainder
    goes to the last installment. A first period shorter than a month costs its share of
    a month (:func:`first_period_share`). Raises ``InvalidTerms`` when nothing is financed.
    """
    if terms.financed <= 0:
        raise InvalidTerms("down_payment", "Nothing is left to repay in installments.")
    due = due or DueDates()
    dates = due_dates(start, terms, due)
    short_days = short_first_period_days(start, first_regular_date(start, due))
    if terms.cost_method is CostMethod.ANNUITY and terms.rate > 0:
        parts = _annuity_parts(terms.financed, terms.rate, terms.months, first_days=short_days)
    else:
        parts = _flat_fee_parts(terms.financed, terms.rate, terms.months, first_days=short_days)
    lines: list[ScheduleLine] = []
    remaining = terms.financed
    for number, (due_date, (principal_part, cost_part)) in enumerate(
        zip(dates, parts, strict=True), start=1
    ):
        remaining -= principal_part
        lines.append(ScheduleLine(number, due_date, principal_part, cost_part, remaining))
    return lines


def _flat_fee_parts(
    financed: Decimal, monthly_fee: Decimal, months: int, *, first_days: int | None
) -> list[tuple[Decimal, Decimal]]:
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
    return [(principal, first_fee if i == 0 else fee) for i, principal in enumerate(principals)]


def _annuity_parts(
    financed: Decimal, annual_rate: Decimal, months: int, *, first_days: int | None
) -> list[tuple[Decimal, Decimal]]:
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
    parts = []
    balance = financed
    for number in range(1, months + 1):
        whole_month = round_money(balance * annual_rate / 12)
        if number == 1 and first_days is not None:
            interest = round_money(balance * annual_rate * first_days / DAYS_PER_YEAR)
        else:
            interest = whole_month
        # A short first period repays the principal a whole month would (it is pro rata).
        principal = balance if number == months else min(payment - whole_month, balance)
        parts.append((principal, interest))
        balance -= principal
    return parts


def regular_amount(terms: Terms, lines: Sequence[ScheduleLine]) -> Decimal:
    """The regular monthly payment of a schedule: what a full month costs with the equal
    principal part (flat fee), or the level payment (annuity). The first installment may be
    less (a short first period is pro rata), the last takes the rounding remainder."""
    if len(lines) == 1:
        return lines[0].amount
    if terms.cost_method is CostMethod.ANNUITY and terms.rate > 0:
        with localcontext() as ctx:
            ctx.prec = 50
            monthly_rate = terms.rate / 12
            return round_money(
                terms.financed * monthly_rate / (1 - (1 + monthly_rate) ** -terms.months)
            )
    return lines[0].principal_part + lines[-1].cost_part


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
        regular_amount=regular_amount(terms, lines),
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
