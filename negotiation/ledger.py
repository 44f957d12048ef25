"""What is owed, one truth for every page, letter and check: pure (no ORM, no clock).

Before a plan the account's ledger is the truth: principal, interest, fees and late charges.
Under a signed plan the plan's schedule is: what the debtor still has to pay is what is left
of its installments, which is the ledger's balance plus the plan's own cost still to come
(the plan's fee is not on the card's ledger). The two reconcile exactly because a payment
under a plan reduces the ledger by the principal it repays, and waived amounts leave the
ledger when the plan is signed (services.plans.sign_plan):

    still_to_pay == ledger.total + cost_left

Every figure is a ``Decimal`` in yuan and fen; nothing here rounds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from negotiation.money import ZERO


@dataclass(frozen=True)
class Breakdown:
    """The account's ledger."""

    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalty: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.penalty


@dataclass(frozen=True)
class Line:
    """One installment of a plan as agreed and as paid (number 0 is a down payment)."""

    number: int
    due_date: dt.date
    amount: Decimal  # principal part + cost part
    cost_part: Decimal  # the plan's fee or interest in it (not on the card's ledger)
    paid: Decimal

    @property
    def left(self) -> Decimal:
        return self.amount - self.paid

    @property
    def cost_left(self) -> Decimal:
        """Within an installment the cost is settled before the principal (as allocated)."""
        return max(ZERO, self.cost_part - self.paid)


@dataclass(frozen=True)
class NextPayment:
    """What to pay next: every installment due by the first open one's date, overdue ones
    included, so paying this brings the plan up to date."""

    amount: Decimal
    due_date: dt.date
    overdue: bool  # an installment whose date has passed is not paid in full


@dataclass(frozen=True)
class PlanPosition:
    total: Decimal  # the plan's total repayable
    paid: Decimal
    still_to_pay: Decimal
    cost_left: Decimal  # the part of still_to_pay that is the plan's cost
    payments_left: int  # installments not paid in full
    next_payment: NextPayment | None

    @property
    def completed(self) -> bool:
        return self.still_to_pay == ZERO


@dataclass(frozen=True)
class Owed:
    """What the debtor owes on one account: the ledger, and the plan's position when a
    signed plan is in force."""

    ledger: Breakdown
    plan: PlanPosition | None = None

    @property
    def headline(self) -> Decimal:
        """The one figure "what you owe": under a plan, what is left to pay under it."""
        return self.plan.still_to_pay if self.plan is not None else self.ledger.total

    @property
    def reconciles(self) -> bool:
        """Whether the plan and the ledger agree (always, unless the ledger was moved
        outside the plan's rules)."""
        return self.plan is None or self.plan.still_to_pay == self.ledger.total + (
            self.plan.cost_left
        )


def plan_position(lines: Iterable[Line], *, today: dt.date) -> PlanPosition:
    """Where a plan stands on ``today`` from its installments."""
    ordered = sorted(lines, key=lambda line: line.number)
    total = sum((line.amount for line in ordered), ZERO)
    paid = sum((line.paid for line in ordered), ZERO)
    still_open = [line for line in ordered if line.left > ZERO]
    return PlanPosition(
        total=total,
        paid=paid,
        still_to_pay=total - paid,
        cost_left=sum((line.cost_left for line in ordered), ZERO),
        payments_left=len(still_open),
        next_payment=_next_payment(still_open, today=today),
    )


def _next_payment(still_open: list[Line], *, today: dt.date) -> NextPayment | None:
    if not still_open:
        return None
    first = still_open[0]
    # Overdue: everything due by today, to catch up; otherwise the first open installment.
    due_by = today if first.due_date < today else first.due_date
    owing = [line for line in still_open if line.due_date <= due_by]
    return NextPayment(
        amount=sum((line.left for line in owing), ZERO),
        due_date=first.due_date,
        overdue=first.due_date < today,
    )


def owed(ledger: Breakdown, lines: Iterable[Line] | None, *, today: dt.date) -> Owed:
    """The account's ``ledger`` and, when ``lines`` (the signed plan's installments) are
    given, the plan's position on ``today``."""
    return Owed(ledger, plan_position(lines, today=today) if lines is not None else None)
