"""money.py: pure, no database. The DOMAIN.md table is reproduced to the hundredth of a percent."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from negotiation.money import (
    Terms,
    add_months,
    build_schedule,
    disclose,
    irr_monthly,
    round_money,
    split_evenly,
)

START = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("fee", "months", "payment", "total_cost", "annual_rate"),
    [
        ("0.0060", 12, "893.33", "720.00", "13.03"),
        ("0.0060", 24, "476.67", "1440.00", "13.27"),
        ("0.0060", 60, "226.67", "3600.00", "12.83"),
        ("0.0075", 36, "352.78", "2700.00", "16.24"),
    ],
)
def test_it_reproduces_the_domain_table(fee, months, payment, total_cost, annual_rate):
    terms = Terms(amount=Decimal("10000.00"), months=months, monthly_fee_rate=Decimal(fee))
    disclosure = disclose(terms, start=START)
    assert disclosure.monthly_amount == Decimal(payment)
    assert disclosure.total_cost == Decimal(total_cost)
    assert disclosure.annual_rate == Decimal(annual_rate)
    # The naive 12 x monthly fee understates the true rate by about half.
    assert disclosure.annual_rate > Decimal(fee) * 12 * 100 * Decimal("1.7")


def test_the_remainder_goes_to_the_last_installment():
    lines = build_schedule(Terms(amount=Decimal("10000.00"), months=12), start=START)
    assert [line.principal_part for line in lines[:-1]] == [Decimal("833.33")] * 11
    assert lines[-1].principal_part == Decimal("833.37")
    assert lines[-1].balance_after == Decimal("0.00")


def test_an_interest_freeze_costs_nothing_and_has_a_zero_rate():
    disclosure = disclose(Terms(amount=Decimal("5432.10"), months=24), start=START)
    assert disclosure.total_cost == Decimal("0.00")
    assert disclosure.annual_rate == Decimal("0.00")
    assert disclosure.total_repayable == Decimal("5432.10")


def test_a_deferral_has_nothing_due_during_the_grace_months():
    terms = Terms(amount=Decimal("3000.00"), months=1, grace_months=3)
    (line,) = build_schedule(terms, start=dt.date(2026, 1, 31))
    # Three payment-free months skip the due dates of February, March and April; the
    # one-installment deferral is a lump sum on the first due date after them.
    assert line.due_date == dt.date(2026, 5, 31)
    assert line.amount == Decimal("3000.00")


def test_a_down_payment_is_not_financed_and_counts_in_the_total():
    terms = Terms(
        amount=Decimal("12000.00"),
        months=10,
        down_payment=Decimal("2000.00"),
        monthly_fee_rate=Decimal("0.006"),
    )
    disclosure = disclose(terms, start=START)
    assert disclosure.monthly_amount == Decimal("1060.00")
    assert disclosure.total_repayable == Decimal("2000.00") + Decimal("10600.00")
    assert disclosure.total_cost == Decimal("600.00")


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 1, 31), 2, dt.date(2026, 3, 31)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
    ],
)
def test_month_ends_are_handled(start, months, expected):
    assert add_months(start, months) == expected


def test_rounding_is_half_up_to_the_fen():
    assert round_money(Decimal("0.005")) == Decimal("0.01")
    assert round_money(Decimal("2.345")) == Decimal("2.35")
    assert round_money(Decimal("-2.345")) == Decimal("-2.35")


def test_tiny_amounts_over_many_months_never_leave_a_negative_last_part():
    parts = split_evenly(Decimal("1.00"), 60)
    assert sum(parts) == Decimal("1.00")
    assert min(parts) >= 0


def test_terms_refuse_impossible_values():
    with pytest.raises(ValueError, match="at least one payment"):
        Terms(amount=Decimal("100.00"), months=0)
    with pytest.raises(ValueError, match="down payment"):
        Terms(amount=Decimal("100.00"), months=1, down_payment=Decimal("100.01"))


def test_irr_is_zero_when_nothing_beyond_the_amount_is_paid():
    assert irr_monthly(Decimal("100"), [(1, Decimal("50")), (2, Decimal("50"))]) == 0


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("0.02"), places=4)


@given(amount=amounts, months=st.integers(1, 60), grace=st.integers(0, 6), rate=rates)
def test_a_schedule_sums_exactly_to_its_total(amount, months, grace, rate):
    terms = Terms(amount=amount, months=months, grace_months=grace, monthly_fee_rate=rate)
    disclosure = disclose(terms, start=START)
    lines = disclosure.lines
    assert sum(line.principal_part for line in lines) == amount
    assert sum(line.amount for line in lines) == disclosure.total_repayable
    assert disclosure.total_repayable == amount + disclosure.total_cost
    assert all(line.principal_part >= 0 and line.cost_part >= 0 for line in lines)
    assert all(line.amount == line.amount.quantize(Decimal("0.01")) for line in lines)
    assert lines[-1].balance_after == 0
    # Every payment but the last equals the regular one.
    assert {line.amount for line in lines[:-1]} <= {disclosure.monthly_amount}


@given(amount=amounts, months=st.integers(1, 60), rate=rates)
def test_due_dates_increase_monthly(amount, months, rate):
    lines = build_schedule(
        Terms(amount=amount, months=months, monthly_fee_rate=rate), start=dt.date(2026, 1, 31)
    )
    dates = [line.due_date for line in lines]
    assert dates == sorted(dates)
    assert all((b - a).days in range(28, 32) for a, b in itertools.pairwise(dates))


@given(
    amount=st.decimals(min_value=Decimal("100"), max_value=Decimal("1000000"), places=2),
    months=st.integers(2, 60),
    rate=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("0.02"), places=4),
)
def test_the_true_rate_exceeds_the_naive_rate_when_a_fee_is_charged(amount, months, rate):
    disclosure = disclose(Terms(amount=amount, months=months, monthly_fee_rate=rate), start=START)
    assert disclosure.annual_rate >= round_money(rate * 12 * 100)
