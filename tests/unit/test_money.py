"""money.py: pure, no database. The DOMAIN.md table is reproduced to the hundredth of a percent."""

import calendar
import datetime as dt
import itertools
from decimal import Decimal

import numpy_financial
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from negotiation.money import (
    CostMethod,
    DueDates,
    Terms,
    add_months,
    build_schedule,
    disclose,
    due_dates,
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
    terms = Terms(amount=Decimal("10000.00"), months=months, rate=Decimal(fee))
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
        rate=Decimal("0.006"),
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
    assert (
        irr_monthly(Decimal("100"), [(Decimal(1), Decimal("50")), (Decimal(2), Decimal("50"))]) == 0
    )


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("0.02"), places=4)


@given(amount=amounts, months=st.integers(1, 60), grace=st.integers(0, 6), rate=rates)
def test_a_schedule_sums_exactly_to_its_total(amount, months, grace, rate):
    # Terms the portal can produce: within the legal cap, at least a fen per payment.
    assume(months + grace <= 60 and amount >= Decimal("0.01") * months)
    terms = Terms(amount=amount, months=months, grace_months=grace, rate=rate)
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
    assume(amount >= Decimal("0.01") * months)
    lines = build_schedule(
        Terms(amount=amount, months=months, rate=rate), start=dt.date(2026, 1, 31)
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
    disclosure = disclose(Terms(amount=amount, months=months, rate=rate), start=START)
    assert disclosure.annual_rate >= round_money(rate * 12 * 100)


# --- Cost methods, due dates, and the properties of issue 3 -------------------------------


def test_an_annuity_has_level_payments_and_its_true_rate_is_its_nominal_rate():
    terms = Terms(
        amount=Decimal("10000.00"), months=12, cost_method=CostMethod.ANNUITY, rate=Decimal("0.06")
    )
    disclosure = disclose(terms, start=START)
    assert disclosure.monthly_amount == Decimal("860.66")
    assert sum(line.principal_part for line in disclosure.lines) == Decimal("10000.00")
    assert disclosure.lines[0].cost_part == Decimal("50.00")  # 0.5% of 10,000 in month one
    assert disclosure.annual_rate == Decimal("6.00")
    assert disclosure.effective_annual_rate == Decimal("6.17")


def test_an_annuity_costs_less_than_a_flat_fee_of_the_same_nominal_rate():
    flat = disclose(Terms(amount=Decimal("10000"), months=24, rate=Decimal("0.005")), start=START)
    annuity = disclose(
        Terms(
            amount=Decimal("10000"), months=24, cost_method=CostMethod.ANNUITY, rate=Decimal("0.06")
        ),
        start=START,
    )
    assert annuity.total_cost < flat.total_cost


@pytest.mark.parametrize(
    ("start", "day", "min_days", "expected"),
    [
        (dt.date(2026, 11, 23), 10, 15, [dt.date(2026, 12, 10), dt.date(2027, 1, 10)]),
        (dt.date(2026, 11, 28), 10, 15, [dt.date(2027, 1, 10), dt.date(2027, 2, 10)]),
        (dt.date(2027, 1, 5), 31, 15, [dt.date(2027, 1, 31), dt.date(2027, 2, 28)]),
        (dt.date(2027, 1, 20), 31, 15, [dt.date(2027, 2, 28), dt.date(2027, 3, 31)]),
        (dt.date(2026, 11, 23), None, 15, [dt.date(2026, 12, 23), dt.date(2027, 1, 23)]),
        (dt.date(2026, 11, 23), None, 45, [dt.date(2027, 1, 23), dt.date(2027, 2, 23)]),
    ],
)
def test_the_payment_day_and_the_first_due_date(start, day, min_days, expected):
    terms = Terms(amount=Decimal("1000"), months=2)
    assert (
        due_dates(start, terms, DueDates(payment_day=day, first_due_min_days=min_days)) == expected
    )


def test_a_first_period_longer_than_a_month_lowers_the_true_rate():
    terms = Terms(amount=Decimal("10000.00"), months=12, rate=Decimal("0.006"))
    regular = disclose(terms, start=dt.date(2026, 11, 23))
    later = disclose(
        terms, start=dt.date(2026, 11, 23), due=DueDates(payment_day=10, first_due_min_days=30)
    )
    assert later.first_due_date == dt.date(2027, 1, 10)
    assert later.annual_rate < regular.annual_rate


methods = st.sampled_from([CostMethod.FLAT_FEE, CostMethod.ANNUITY])
starts = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2030, 12, 31))


def _rate_for(method, rate):
    return rate if method is CostMethod.FLAT_FEE else rate * 12


@given(
    months=st.integers(1, 60),
    per_month=st.decimals(min_value=Decimal("10.00"), max_value=Decimal("100000.00"), places=2),
    grace=st.integers(0, 6),
    method=methods,
    rate=rates,
    start=starts,
    day=st.one_of(st.none(), st.integers(1, 31)),
    min_days=st.integers(0, 45),
)
def test_schedule_properties(months, per_month, grace, method, rate, start, day, min_days):
    assume(months + grace <= 60)
    amount = per_month * months
    terms = Terms(
        amount=amount,
        months=months,
        grace_months=grace,
        cost_method=method,
        rate=_rate_for(method, rate),
    )
    due = DueDates(payment_day=day, first_due_min_days=min_days)
    disclosure = disclose(terms, start=start, due=due)
    lines = disclosure.lines
    # Sums exactly; every installment positive.
    assert sum(line.principal_part for line in lines) == amount
    assert disclosure.total_repayable == amount + disclosure.total_cost
    assert all(line.amount > 0 for line in lines)
    # Every installment between the first and the last is the regular one; the last differs
    # from it by at most the rounding remainder (less when a short first period saved
    # interest); the first costs no more than a full month (a short one is pro rata).
    regular = disclosure.monthly_amount
    assert {line.amount for line in lines[1:-1]} <= {regular}
    tolerance = Decimal("0.01") * months
    assert lines[-1].amount <= regular + tolerance
    if day is None:
        assert abs(lines[-1].amount - regular) <= tolerance
    assert lines[0].amount <= regular
    # Due dates strictly increase, fall on the payment day (or the month's end), and the
    # first is late enough.
    dates = [line.due_date for line in lines]
    assert all(a < b for a, b in itertools.pairwise(dates))
    anchor = day or start.day
    for date in dates:
        last_day = calendar.monthrange(date.year, date.month)[1]
        assert date.day == min(anchor, last_day)
    assert dates[0] >= start + dt.timedelta(days=max(min_days, 1))


@settings(max_examples=60, deadline=None)
@given(
    amount=st.decimals(min_value=Decimal("1000"), max_value=Decimal("500000"), places=2),
    months=st.integers(2, 60),
    method=methods,
    rate=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("0.02"), places=4),
)
def test_the_annual_rate_matches_an_independent_irr(amount, months, method, rate):
    terms = Terms(amount=amount, months=months, cost_method=method, rate=_rate_for(method, rate))
    disclosure = disclose(terms, start=START)
    flows = [-float(amount)] + [float(line.amount) for line in disclosure.lines]
    independent = numpy_financial.irr(flows) * 12 * 100
    assert abs(float(disclosure.annual_rate) - independent) < 0.006


# --- Allocation of payments (issue 5) --------------------------------------------------------

from negotiation.money import Open, allocate  # noqa: E402


def _plan(months: int, amount: str = "100.00", start: dt.date = dt.date(2027, 1, 10)) -> list[Open]:
    return [Open(n, add_months(start, n - 1), Decimal(amount)) for n in range(1, months + 1)]


def test_arrears_first_then_the_next_installment_then_the_last_ones():
    plan = _plan(6)  # due 10 Jan .. 10 Jun
    # Paid on 15 March: January to March are due, April is next; 50 left goes to June.
    assert allocate(Decimal("450.00"), plan, paid_on=dt.date(2027, 3, 15)) == {
        1: Decimal("100.00"),
        2: Decimal("100.00"),
        3: Decimal("100.00"),
        4: Decimal("100.00"),
        6: Decimal("50.00"),
    }


def test_a_payment_a_few_days_early_is_for_the_next_installment():
    assert allocate(Decimal("100.00"), _plan(6), paid_on=dt.date(2027, 1, 7)) == {
        1: Decimal("100.00")
    }


@given(
    payment=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2),
    outstanding=st.lists(
        st.decimals(min_value=Decimal("0"), max_value=Decimal("800"), places=2),
        min_size=1,
        max_size=24,
    ),
    paid_on=st.dates(min_value=dt.date(2026, 12, 1), max_value=dt.date(2029, 6, 1)),
)
def test_allocation_properties(payment, outstanding, paid_on):
    plan = [
        Open(n, add_months(dt.date(2027, 1, 10), n - 1), amount)
        for n, amount in enumerate(outstanding, 1)
    ]
    owed = {i.number: i.outstanding for i in plan}
    allocations = allocate(payment, plan, paid_on=paid_on)
    assert sum(allocations.values(), Decimal(0)) == min(payment, sum(owed.values(), Decimal(0)))
    assert all(Decimal(0) < part <= owed[number] for number, part in allocations.items())
    # Nothing goes past an installment that is due and still not fully paid.
    due = sorted(n for n, i in enumerate(plan, 1) if i.due_date <= paid_on and i.outstanding > 0)
    if due and sum(allocations.values(), Decimal(0)) < sum(owed[n] for n in due):
        assert all(n in due for n in allocations)


# --- Issue 10: money rules without a fen of doubt -------------------------------------------

from fractions import Fraction  # noqa: E402

from negotiation.money import (  # noqa: E402
    LEGAL_MAX_MONTHS,
    InvalidTerms,
    NoRateExists,
    first_period_share,
    last_due_within_legal_cap,
)


def _half_up(value: Fraction) -> Decimal:
    """An independent half-up rounding to the fen, on exact fractions."""
    fen = value * 100
    whole = fen.numerator // fen.denominator
    if fen - whole >= Fraction(1, 2):
        whole += 1
    return Decimal(whole) / 100


def test_an_exact_half_fen_of_annuity_interest_rounds_up():
    # 162.00 x 7% / 12 = 0.945 exactly: 0.95, not the 0.94 a truncated 7%/12 gives.
    terms = Terms(
        amount=Decimal("162.00"), months=12, cost_method=CostMethod.ANNUITY, rate=Decimal("0.07")
    )
    disclosure = disclose(terms, start=START)
    assert disclosure.lines[0].cost_part == Decimal("0.95")
    assert disclosure.annual_rate == Decimal("6.99")


@given(
    multiple=st.integers(0, 20000),
    months=st.integers(1, 60),
)
def test_annuity_interest_is_the_exact_expression_rounded_once(multiple, months):
    # At 7% a year, 6 x (2k + 1) yuan earns (2k + 1) x 0.035 a month: a half fen every time.
    amount = Decimal(6 * (2 * multiple + 1))
    rate = Decimal("0.07")
    terms = Terms(amount=amount, months=months, cost_method=CostMethod.ANNUITY, rate=rate)
    balance = amount
    for line in build_schedule(terms, start=START):
        assert line.cost_part == _half_up(Fraction(balance) * Fraction(rate) / 12)
        balance -= line.principal_part


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": Decimal("100.00"), "months": 0}, "months"),
        ({"amount": Decimal("100.00"), "months": -3}, "months"),
        ({"amount": Decimal("100.005"), "months": 2}, "amount"),
        (
            {"amount": Decimal("100.00"), "months": 2, "down_payment": Decimal("1.001")},
            "down_payment",
        ),
        (
            {"amount": Decimal("100.00"), "months": 2, "waived_interest": Decimal("0.5001")},
            "waived_interest",
        ),
        ({"amount": Decimal("0.59"), "months": 60}, "months"),  # a zero installment
        ({"amount": Decimal("1000.00"), "months": LEGAL_MAX_MONTHS + 1}, "months"),
        ({"amount": Decimal("1000.00"), "months": 58, "grace_months": 3}, "months"),
        ({"amount": Decimal("1000.00"), "months": 2, "rate": Decimal("-0.01")}, "rate"),
    ],
)
def test_terms_refuse_what_the_portal_must_never_produce(kwargs, field):
    with pytest.raises(InvalidTerms) as refused:
        Terms(**kwargs)
    assert refused.value.field == field


def test_the_legal_cap_itself_is_a_valid_term():
    assert Terms(amount=Decimal("0.60"), months=60).months == 60
    assert Terms(amount=Decimal("1000.00"), months=57, grace_months=3).grace_months == 3


def test_the_rate_solver_says_so_when_no_rate_exists():
    # Everything repaid on the day of the agreement, and more than was lent: no rate solves it.
    with pytest.raises(NoRateExists):
        irr_monthly(Decimal("100"), [(Decimal(0), Decimal("150"))])


def test_a_first_payment_the_next_day_costs_a_day_not_a_month():
    # ¥10,000 at a 2% monthly fee, first payment the day after the agreement: a whole
    # month's fee for one day would disclose 991.64% a year.
    terms = Terms(amount=Decimal("10000.00"), months=12, rate=Decimal("0.02"))
    due = DueDates(payment_day=24)
    assert first_period_share(START, due) == Decimal(12) / 365
    disclosure = disclose(terms, start=START, due=due)
    assert disclosure.first_due_date == START + dt.timedelta(days=1)
    assert disclosure.lines[0].cost_part == Decimal("6.58")  # 200.00 x 12 / 365
    assert disclosure.monthly_amount == Decimal("1033.33")
    assert disclosure.annual_rate < Decimal("50")
    # A first period of a month or more costs exactly one month, as before.
    regular = disclose(terms, start=START)
    assert regular.lines[0].cost_part == Decimal("200.00")
    assert regular.first_amount == regular.monthly_amount


def test_the_legal_cap_counts_from_the_agreement_to_the_last_payment():
    due = DueDates(payment_day=25, first_due_min_days=15)
    sixty = Terms(amount=Decimal("60000.00"), months=60)
    assert last_due_within_legal_cap(dt.date(2027, 1, 10), sixty, due)
    assert not last_due_within_legal_cap(dt.date(2027, 1, 12), sixty, due)


@pytest.mark.parametrize(
    ("terms", "start", "due", "first_cost"),
    [
        # 20,001.25 x 7.3% x 20 / 365 = 80.005 exactly: 80.01, not 80.00.
        (
            Terms(
                amount=Decimal("20001.25"),
                months=12,
                cost_method=CostMethod.ANNUITY,
                rate=Decimal("0.073"),
            ),
            dt.date(2027, 1, 11),
            DueDates(payment_day=31, first_due_min_days=15),
            Decimal("80.01"),
        ),
        # 1,960,871.25 x 0.75% x 2 x 12 / 365 = 967.005 exactly: 967.01, not 967.00.
        (
            Terms(amount=Decimal("1960871.25"), months=12, rate=Decimal("0.0075")),
            dt.date(2027, 1, 1),
            DueDates(payment_day=3),
            Decimal("967.01"),
        ),
    ],
)
def test_a_short_first_periods_cost_is_one_exact_expression(terms, start, due, first_cost):
    assert build_schedule(terms, start=start, due=due)[0].cost_part == first_cost
