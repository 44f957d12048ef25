"""Issue 10: previews a hundred times faster, with exactly the same disclosed figures.

Every figure of the fast ``disclose`` is compared with the frozen reference (today's
implementation, tests/reference_money.py: the schedule, then the exact Decimal bisection),
on random terms and on terms built to sit exactly where a shown rate rounds the other way.
"""

import calendar
import dataclasses
import datetime as dt
import random
from decimal import Decimal
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from negotiation import money
from negotiation.money import CostMethod, DueDates, ScheduleLine, Terms
from tests import reference_money

starts = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2030, 12, 31))
payment_days = st.one_of(st.none(), st.integers(1, 31))
dues = st.builds(DueDates, payment_day=payment_days, first_due_min_days=st.integers(0, 45))


@st.composite
def any_terms(draw: st.DrawFn) -> Terms:
    """Terms the portal can produce: both cost methods, up to 2% a month (24% a year), 1 to
    60 payments and up to 6 payment-free months within the cap, amounts in fen or whole
    yuan (a Decimal without decimals), with or without a down payment."""
    months = draw(st.integers(1, 60))
    grace = draw(st.integers(0, min(6, 60 - months)))
    method = draw(st.sampled_from(list(CostMethod)))
    monthly = draw(st.decimals(min_value=0, max_value=Decimal("0.02"), places=4))
    annual = draw(st.decimals(min_value=0, max_value=Decimal("0.24"), places=4))  # 7%: 12ths
    rate = (
        monthly if method is CostMethod.FLAT_FEE else draw(st.sampled_from([monthly * 12, annual]))
    )
    floor = Decimal("0.01") * months
    financed = draw(
        st.one_of(
            st.decimals(min_value=floor, max_value=Decimal("9999999.99"), places=2),
            st.integers(months, 2_000_000).map(Decimal),
        )
    )
    down = draw(
        st.one_of(
            st.just(Decimal("0.00")),
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50000.00"), places=2),
        )
    )
    return Terms(
        amount=financed + down,
        months=months,
        grace_months=grace,
        cost_method=method,
        rate=rate,
        down_payment=down,
    )


def assert_identical(fast: money.Disclosure, reference: money.Disclosure) -> None:
    """Every field equal, and written the same (a Decimal's exponent included)."""
    assert fast == reference
    for name in (field.name for field in dataclasses.fields(money.Disclosure)):
        assert repr(getattr(fast, name)) == repr(getattr(reference, name)), name


@settings(max_examples=150, deadline=None)
@given(terms=any_terms(), start=starts, due=dues)
def test_the_fast_disclosure_is_the_reference_figure_for_figure(terms, start, due):
    assert_identical(
        money.disclose(terms, start=start, due=due),
        reference_money.disclose(terms, start=start, due=due),
    )


@settings(max_examples=300, deadline=None)
@given(terms=any_terms(), start=starts, due=dues)
def test_the_schedule_is_the_reference_line_for_line(terms, start, due):
    lines = money.build_schedule(terms, start=start, due=due)
    reference = reference_money.build_schedule(terms, start=start, due=due)
    assert lines == reference
    assert repr(lines) == repr(reference)
    assert money.due_dates(start, terms, due) == reference_money.due_dates(start, terms, due)
    assert money.first_period_share(start, due) == reference_money.first_period_share(start, due)
    assert money.last_due_within_legal_cap(
        start, terms, due
    ) == reference_money.last_due_within_legal_cap(start, terms, due)


def test_schedule_lines_are_ordinary_frozen_lines():
    line = money.build_schedule(
        Terms(amount=Decimal("300.00"), months=3), start=dt.date(2027, 1, 5)
    )[0]
    made = ScheduleLine(
        line.number, line.due_date, line.principal_part, line.cost_part, line.balance_after
    )
    assert line == made
    assert hash(line) == hash(made)
    assert repr(line) == repr(made)
    assert dataclasses.replace(line, number=7).number == 7
    with pytest.raises(dataclasses.FrozenInstanceError):
        line.number = 2  # type: ignore[misc]


@given(start=starts, end=starts)
def test_month_ticks_are_months_between_times_365(start, end):
    reference = reference_money.months_between(start, end)
    assert abs(Decimal(money.month_ticks(start, end)) / 365 - reference) < Decimal("1e-25")
    assert money.months_between(start, end) == reference_money.months_between(start, end)
    assert repr(money.months_between(start, end)) == repr(
        reference_money.months_between(start, end)
    )


def test_add_months_is_the_calendar_one():
    for year in (2026, 2027, 2028, 2100):
        for month in range(1, 13):
            for day in (1, 15, 28, 29, 30, 31):
                if day > calendar.monthrange(year, month)[1]:
                    continue
                start = dt.date(year, month, day)
                for months in range(0, 62):
                    for anchor in (None, 1, 28, 29, 30, 31):
                        assert money.add_months(start, months, day=anchor) == (
                            reference_money.add_months(start, months, day=anchor)
                        )


# --- Rates on the edge of rounding --------------------------------------------------------


class CountingBisection:
    """Counts the calls to the exact bisection, which must decide on a rounding edge."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        bisection = money.irr_monthly

        def counted(financed, payments):
            self.calls += 1
            return bisection(financed, payments)

        monkeypatch.setattr(money, "irr_monthly", counted)


@settings(max_examples=60, deadline=None)
@given(
    halves=st.integers(0, 2399),
    scale=st.integers(1, 4000),
    method=st.sampled_from(list(CostMethod)),
    start=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2030, 12, 28)),
)
def test_an_annual_rate_exactly_on_a_half_hundredth(halves, scale, method, start):
    # One payment a whole month after the agreement, of the amount plus a cost: the rate is
    # cost / amount a month, 1200 x that in percent a year. Amount 2400 x scale and cost
    # (2 x halves + 1) x scale / 100 put the annual rate exactly at halves / 100 + 0.005%.
    financed = Decimal(2400 * scale)
    cost = Decimal((2 * halves + 1) * scale) / 100
    monthly = (cost / financed).quantize(Decimal("1E-14"))
    rate = monthly if method is CostMethod.FLAT_FEE else monthly * 12
    terms = Terms(amount=financed, months=1, cost_method=method, rate=rate)
    with mock.patch.object(money, "irr_monthly", wraps=money.irr_monthly) as bisection:
        disclosure = money.disclose(terms, start=start)
    assert disclosure.lines[0].cost_part == cost
    assert bisection.call_count == 1  # on the edge, the bisection decides
    assert_identical(disclosure, reference_money.disclose(terms, start=start))


@settings(max_examples=60, deadline=None)
@given(halves=st.integers(0, 4999), scale=st.integers(1, 2000))
def test_an_effective_rate_exactly_on_a_half_hundredth(halves, scale):
    # One payment twelve months after the agreement (eleven payment-free months): the
    # effective annual rate is cost / amount, exactly halves / 100 + 0.005%.
    financed = Decimal(20000 * scale)
    cost = Decimal((2 * halves + 1) * scale)
    terms = Terms(amount=financed, months=1, grace_months=11, rate=cost / financed)
    start = dt.date(2027, 3, 14)
    with mock.patch.object(money, "irr_monthly", wraps=money.irr_monthly) as bisection:
        disclosure = money.disclose(terms, start=start)
    assert disclosure.lines[0].cost_part == cost
    assert bisection.call_count == 1
    assert disclosure.last_due_date == dt.date(2028, 3, 14)
    assert_identical(disclosure, reference_money.disclose(terms, start=start))


def test_on_the_edge_the_bisection_decides(monkeypatch):
    bisection = CountingBisection(monkeypatch)
    # 1.49 on 2,400.00 a month after the agreement: 0.745% a year, between 0.74 and 0.75.
    terms = Terms(amount=Decimal("2400.00"), months=1, rate=Decimal("0.00062083333333"))
    disclosure = money.disclose(terms, start=dt.date(2027, 1, 10))
    assert disclosure.lines[0].cost_part == Decimal("1.49")
    assert bisection.calls == 1
    assert_identical(disclosure, reference_money.disclose(terms, start=dt.date(2027, 1, 10)))


def _payments_repaying_at(
    rate: Decimal, financed: Decimal, amounts: list[Decimal]
) -> list[Decimal]:
    """Monthly payments of ``amounts`` and a last one that makes ``rate`` exactly the IRR."""
    discount = 1 / (1 + rate)
    present = sum(amount * discount ** (month + 1) for month, amount in enumerate(amounts))
    last = (financed - present) / discount ** (len(amounts) + 1)
    return [*amounts, last]


@pytest.mark.parametrize("nudge", ["0", "1e-10", "-1e-10", "4e-12", "-4e-12", "1e-13"])
@pytest.mark.parametrize("months", [2, 12, 59])
def test_rates_next_to_a_rounding_edge_are_the_bisections(nudge, months):
    # A monthly rate of 37 / 240000 is 0.185% a year exactly: on the edge of 0.18 / 0.19.
    rate = Decimal(37) / Decimal(240000) + Decimal(nudge)
    financed = Decimal("100000.00")
    amounts = _payments_repaying_at(rate, financed, [Decimal("1000.00")] * (months - 1))
    payments = [(money.TICKS_PER_MONTH * (month + 1), a) for month, a in enumerate(amounts)]
    offsets = [(Decimal(month + 1), amount) for month, amount in enumerate(amounts)]
    expected = money.rates_shown(money.irr_monthly(financed, offsets))
    assert money.disclosed_rates(financed, payments) == expected


@pytest.mark.parametrize("nudge", ["0", "2e-11", "-2e-11"])
def test_an_effective_rate_next_to_its_rounding_edge_is_the_bisections(nudge):
    # (1 + r) ** 12 = 1.12345 exactly: 12.345% effective, on the edge of 12.34 / 12.35.
    financed = Decimal("10000.00")
    amount = Decimal("11234.50") * (1 + Decimal(nudge))
    payments = [(12 * money.TICKS_PER_MONTH, amount)]
    expected = money.rates_shown(money.irr_monthly(financed, [(Decimal(12), amount)]))
    assert money.disclosed_rates(financed, payments) == expected


def test_payments_out_of_order_or_before_the_agreement_are_the_bisections():
    financed = Decimal("1000.00")
    payments = [(730, Decimal("600.00")), (365, Decimal("500.00"))]
    offsets = [(Decimal(2), Decimal("600.00")), (Decimal(1), Decimal("500.00"))]
    assert money.disclosed_rates(financed, payments) == money.rates_shown(
        money.irr_monthly(financed, offsets)
    )
    assert money.disclosed_rates(financed, [(365, Decimal("900.00"))]) == (
        Decimal("0.00"),
        Decimal("0.00"),
    )
    with pytest.raises(money.NoRateExists):
        money.disclosed_rates(financed, [(0, Decimal("1500.00"))])


def test_away_from_the_edges_the_bisection_is_not_needed(monkeypatch):
    # The fast path must really be taken: on varied plans with a cost, never the bisection.
    bisection = CountingBisection(monkeypatch)
    draw = random.Random(10)
    for _ in range(400):
        months = draw.randint(1, 60)
        method = draw.choice(list(CostMethod))
        monthly = Decimal(draw.randint(1, 200)) / 10000
        terms = Terms(
            amount=Decimal(draw.randint(100 * months, 50_000_000)) / 100,
            months=months,
            grace_months=draw.randint(0, min(6, 60 - months)),
            cost_method=method,
            rate=monthly if method is CostMethod.FLAT_FEE else monthly * 12,
        )
        start = dt.date(2026, 1, 1) + dt.timedelta(days=draw.randint(0, 1800))
        due = DueDates(payment_day=draw.choice([None, draw.randint(1, 31)]))
        money.disclose(terms, start=start, due=due)
    assert bisection.calls == 0


# --- What policy reads without a schedule --------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(terms=any_terms())
def test_installment_figures_are_the_whole_month_schedules(terms):
    start = dt.date(2000, 1, 1)  # a whole first month, as policy has always read it
    lines = reference_money.build_schedule(terms, start=start)
    figures = money.installment_figures(terms)
    assert repr(figures.regular) == repr(reference_money.regular_amount(terms, lines))
    assert repr(money.regular_installment(terms)) == repr(figures.regular)
    assert repr(figures.smallest) == repr(min(line.amount for line in lines))
    total_cost = reference_money.disclose(terms, start=start).total_cost
    assert repr(figures.total_cost) == repr(total_cost)


@pytest.mark.parametrize("rate", ["0.07", "0.0725", "0.1", "0.06", "0.09", "0.123456789"])
@pytest.mark.parametrize("amount", ["162.00", "10000", "9999999.99", "0.60"])
def test_annuity_interest_whatever_the_rate_divides_into(rate, amount):
    # 9% a year is exactly 0.75% a month (one multiplication a month), 7% is not (the
    # balance x rate / 12 of the reference): either way the reference's figures.
    terms = Terms(
        amount=Decimal(amount), months=60, cost_method=CostMethod.ANNUITY, rate=Decimal(rate)
    )
    start = dt.date(2027, 5, 31)
    assert_identical(
        money.disclose(terms, start=start), reference_money.disclose(terms, start=start)
    )


@pytest.mark.parametrize("payment_day", [None, 10])
def test_where_the_convexity_bound_falls_short_the_far_present_value_decides(payment_day):
    # The higher rate as close to the root as the lower one: the bound cannot hold, so the
    # present value at the higher rate itself proves (or not) which side the root is on.
    terms = Terms(amount=Decimal("123456.78"), months=36, rate=Decimal("0.0075"))
    start, due = dt.date(2027, 3, 20), DueDates(payment_day=payment_day)
    with (
        mock.patch.object(money, "_far_side", return_value=money._NEAR_SIDE),
        mock.patch.object(money, "irr_monthly", wraps=money.irr_monthly) as bisection,
    ):
        disclosure = money.disclose(terms, start=start, due=due)
    assert bisection.call_count == 0
    assert_identical(disclosure, reference_money.disclose(terms, start=start, due=due))
