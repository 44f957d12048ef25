"""The ledger's arithmetic (negotiation/ledger.py), without the database: a plan's position
adds up whatever has been paid, and the next payment catches up what is overdue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from negotiation import ledger
from negotiation.money import ZERO

D = Decimal
START = dt.date(2027, 1, 15)


def line(number: int, amount: str, cost: str, paid: str = "0.00") -> ledger.Line:
    due = dt.date(2027, number, 15)
    return ledger.Line(number, due, D(amount), D(cost), D(paid))


cents = st.integers(min_value=1, max_value=500_000).map(lambda c: D(c) / 100)


@st.composite
def schedules(draw):
    """Installments with costs, and what is paid on each (never more than it)."""
    n = draw(st.integers(min_value=1, max_value=12))
    lines = []
    for number in range(1, n + 1):
        amount = draw(cents)
        cost = draw(st.integers(min_value=0, max_value=int(amount * 100)).map(lambda c: D(c) / 100))
        paid = draw(st.integers(min_value=0, max_value=int(amount * 100)).map(lambda c: D(c) / 100))
        lines.append(
            ledger.Line(number, START + dt.timedelta(days=30 * number), amount, cost, paid)
        )
    return lines


@given(schedules(), st.integers(min_value=0, max_value=400))
def test_paid_and_still_to_pay_make_the_total(lines, day):
    position = ledger.plan_position(lines, today=START + dt.timedelta(days=day))
    assert position.paid + position.still_to_pay == position.total
    assert ZERO <= position.cost_left <= position.still_to_pay
    assert position.payments_left == sum(1 for x in lines if x.paid < x.amount)
    assert (position.next_payment is None) == (position.still_to_pay == 0)
    if position.next_payment is not None:
        assert ZERO < position.next_payment.amount <= position.still_to_pay


def test_the_next_payment_is_the_first_open_one_until_its_date():
    lines = [
        line(1, "100.00", "10.00", "100.00"),
        line(2, "100.00", "10.00", "40.00"),
        line(3, "100.00", "10.00"),
    ]
    position = ledger.plan_position(lines, today=dt.date(2027, 2, 1))
    assert position.next_payment == ledger.NextPayment(
        D("60.00"), dt.date(2027, 2, 15), overdue=False
    )
    assert position.paid == D("140.00")
    assert position.still_to_pay == D("160.00")
    assert position.cost_left == D("10.00")  # the second's cost was paid before its principal
    assert position.payments_left == 2


def test_overdue_payments_are_caught_up_together():
    lines = [line(1, "100.00", "10.00"), line(2, "100.00", "10.00"), line(3, "100.00", "10.00")]
    position = ledger.plan_position(lines, today=dt.date(2027, 2, 20))
    assert position.next_payment == ledger.NextPayment(
        D("200.00"), dt.date(2027, 1, 15), overdue=True
    )


def test_a_fully_paid_plan_has_nothing_next():
    lines = [line(1, "100.00", "0.00", "100.00")]
    position = ledger.plan_position(lines, today=dt.date(2027, 5, 1))
    assert position.completed
    assert position.next_payment is None
    assert position.payments_left == 0


def test_under_a_plan_the_headline_is_the_plan_s_and_it_reconciles_with_the_ledger():
    card = ledger.Breakdown(D("170.00"), D("0.00"), D("0.00"), D("0.00"))
    lines = [
        line(1, "110.00", "10.00", "110.00"),
        line(2, "110.00", "10.00"),
        line(3, "90.00", "10.00", "20.00"),
    ]
    owed = ledger.owed(card, lines, today=dt.date(2027, 1, 20))
    assert owed.headline == D("180.00")
    assert owed.reconciles  # 170.00 on the card + 10.00 of the plan's cost still to come
    assert ledger.owed(card, None, today=dt.date(2027, 1, 20)).headline == D("170.00")
    moved = ledger.Breakdown(D("171.00"), D("0.00"), D("0.00"), D("0.00"))
    assert not ledger.owed(moved, lines, today=dt.date(2027, 1, 20)).reconciles
