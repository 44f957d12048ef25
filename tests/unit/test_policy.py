"""policy.py: pure. Each eligibility rule, each bound, each affordability verdict,
suggestions that are always within their program's bounds, contact hours and business
days, and when a plan's installments are missed and the plan broken."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from negotiation.money import CostMethod, Terms
from negotiation.policy import (
    AccountFacts,
    AffordabilityThresholds,
    InstallmentState,
    Kind,
    ProgramBounds,
    SuggestionKind,
    Verdict,
    add_business_days,
    affordability,
    bounds_violations,
    breaks_plan,
    checked_terms,
    ineligibility_reasons,
    is_eligible,
    missed,
    next_allowed_time,
    suggest_plans,
    terms_for,
)

TODAY = dt.date(2026, 11, 23)
BOUNDS = ProgramBounds(
    kind=Kind.INSTALLMENT,
    months_min=3,
    months_max=24,
    grace_months_max=0,
    min_days_past_due=1,
    max_days_past_due=365,
    min_balance=Decimal("1000.00"),
    max_balance=Decimal("200000.00"),
    products=("gold_card",),
    min_down_payment_pct=Decimal("0"),
    max_waiver_pct=Decimal("0"),
    cost_method=CostMethod.FLAT_FEE,
    rate=Decimal("0.006"),
    min_installment=Decimal("100.00"),
)
FACTS = AccountFacts(
    days_past_due=45,
    principal=Decimal("10000.00"),
    interest=Decimal("600.00"),
    fees=Decimal("100.00"),
    penalty=Decimal("300.00"),
    product="gold_card",
    open_to_relief=True,
)
HARDSHIP = replace(
    BOUNDS,
    months_min=6,
    months_max=60,
    min_days_past_due=30,
    cost_method=CostMethod.ANNUITY,
    rate=Decimal("0.06"),
    max_waiver_pct=Decimal("50"),
    products=(),
)
FREEZE = replace(
    BOUNDS,
    kind=Kind.INTEREST_FREEZE,
    months_min=12,
    months_max=60,
    min_days_past_due=90,
    products=(),
)
DEFERRAL = replace(
    BOUNDS,
    kind=Kind.DEFERRAL,
    months_min=1,
    months_max=12,
    grace_months_max=3,
    rate=Decimal("0"),
    products=(),
)


def test_an_account_within_every_range_is_eligible():
    assert ineligibility_reasons(FACTS, BOUNDS, today=TODAY) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"days_past_due": 0},
        {"days_past_due": 366},
        {
            "principal": Decimal("0.00"),
            "interest": Decimal("0"),
            "fees": Decimal("0"),
            "penalty": Decimal("999.99"),
        },
        {"principal": Decimal("200000.00")},
        {"product": "classic_card"},
        {"open_to_relief": False},
    ],
)
def test_each_eligibility_rule_can_refuse(changes):
    assert len(ineligibility_reasons(replace(FACTS, **changes), BOUNDS, today=TODAY)) == 1


def test_a_program_outside_its_dates_is_not_open():
    closed = replace(BOUNDS, active_from=TODAY + dt.timedelta(days=1))
    assert ineligibility_reasons(FACTS, closed, today=TODAY) == [
        "This option is not open at the moment."
    ]
    ended = replace(BOUNDS, active_until=TODAY - dt.timedelta(days=1))
    assert not is_eligible(FACTS, ended, today=TODAY)
    assert is_eligible(FACTS, replace(BOUNDS, active_from=TODAY, active_until=TODAY), today=TODAY)


def test_the_whole_balance_less_waivers_is_restructured():
    terms = terms_for(FACTS, HARDSHIP, months=12, waived_penalty=Decimal("300.00"))
    assert terms.amount == Decimal("10700.00")
    assert terms.amount_waived == Decimal("300.00")
    assert terms.cost_method is CostMethod.ANNUITY


def test_months_never_exceed_the_legal_cap_even_if_a_program_says_more():
    loose = replace(BOUNDS, months_max=72)
    _, errors = checked_terms(FACTS, loose, months=61)
    assert errors["months"] == "Choose between 3 and 60 monthly payments."


@pytest.mark.parametrize(
    ("bounds", "terms", "field", "message"),
    [
        (
            BOUNDS,
            Terms(amount=Decimal("11000"), months=2),
            "months",
            "Choose between 3 and 24 monthly payments.",
        ),
        (
            BOUNDS,
            Terms(amount=Decimal("11000"), months=12, grace_months=1),
            "grace_months",
            "This option has no payment-free months.",
        ),
        (
            DEFERRAL,
            Terms(amount=Decimal("11000"), months=3, grace_months=4),
            "grace_months",
            "Choose at most 3 payment-free months.",
        ),
        (
            DEFERRAL,
            Terms(amount=Decimal("11000"), months=3),
            "grace_months",
            "A deferral has at least one payment-free month.",
        ),
        (
            replace(BOUNDS, min_down_payment_pct=Decimal("10")),
            Terms(amount=Decimal("11000"), months=12, down_payment=Decimal("1099.99")),
            "down_payment",
            "The first payment must be at least 1,100.00.",
        ),
        (
            BOUNDS,
            Terms(amount=Decimal("1000"), months=12),
            "months",
            "With this many payments each would be below 100.00. Choose fewer payments.",
        ),
        (
            BOUNDS,
            Terms(amount=Decimal("10700"), months=12, waived_penalty=Decimal("300")),
            "waived_penalty",
            "This option does not waive interest or late charges.",
        ),
        (
            HARDSHIP,
            Terms(amount=Decimal("10400"), months=12, waived_interest=Decimal("600")),
            "waived_interest",
            "This option can waive at most ¥450.00 of the interest and late charges owed together.",
        ),
        (
            HARDSHIP,
            Terms(amount=Decimal("10000"), months=12, waived_interest=Decimal("601")),
            "waived_interest",
            "You cannot ask to waive more than the interest owed, ¥600.00.",
        ),
    ],
)
def test_each_bound_has_its_own_message(bounds, terms, field, message):
    assert bounds_violations(terms, bounds, FACTS) == {field: message}


def test_terms_inside_every_bound_pass():
    assert bounds_violations(terms_for(FACTS, BOUNDS, months=12), BOUNDS, FACTS) == {}
    waived = terms_for(FACTS, HARDSHIP, months=24, waived_interest=Decimal("450.00"))
    assert bounds_violations(waived, HARDSHIP, FACTS) == {}


def test_an_interest_freeze_has_no_cost_whatever_the_program_rate():
    assert terms_for(FACTS, FREEZE, months=12).rate == 0
    assert terms_for(FACTS, BOUNDS, months=12).rate == Decimal("0.006")


THRESHOLDS = AffordabilityThresholds(fits=Decimal("0.50"), tight=Decimal("0.80"))


@pytest.mark.parametrize(
    ("income", "expenses", "payment", "verdict", "ratio"),
    [
        ("8000", "5000", "1500.00", Verdict.FITS, "0.5000"),
        ("8000", "5000", "1500.01", Verdict.TIGHT, "0.5000"),
        ("8000", "5000", "2400.00", Verdict.TIGHT, "0.8000"),
        ("8000", "5000", "2400.03", Verdict.DOES_NOT_FIT, "0.8000"),
        ("5000", "5000", "10.00", Verdict.DOES_NOT_FIT, None),
        ("4000", "5000", "10.00", Verdict.DOES_NOT_FIT, None),
    ],
)
def test_affordability_verdicts(income, expenses, payment, verdict, ratio):
    result = affordability(
        income=Decimal(income),
        expenses=Decimal(expenses),
        payment=Decimal(payment),
        thresholds=THRESHOLDS,
    )
    assert result.verdict is verdict
    assert result.disposable == Decimal(income) - Decimal(expenses)
    assert result.ratio == (Decimal(ratio) if ratio else None)


PROGRAMS = [
    ("standard", BOUNDS),
    ("hardship", HARDSHIP),
    ("freeze", FREEZE),
    ("deferral", DEFERRAL),
]


def test_suggestions_without_figures():
    kinds = {s.kind: s for s in suggest_plans(FACTS, PROGRAMS, today=TODAY)}
    assert set(kinds) == {
        SuggestionKind.BALANCED,
        SuggestionKind.LOWEST_PAYMENT,
        SuggestionKind.DEFERRAL,
    }
    assert kinds[SuggestionKind.BALANCED].terms.months == 12
    lowest = kinds[SuggestionKind.LOWEST_PAYMENT]
    assert (lowest.program_key, lowest.terms.months) == ("hardship", 60)
    assert kinds[SuggestionKind.DEFERRAL].terms.grace_months == 3
    assert all(s.affordability is None for s in kinds.values())


def test_the_shortest_plan_that_fits_the_budget():
    suggestions = suggest_plans(
        FACTS,
        PROGRAMS,
        today=TODAY,
        income=Decimal("6000"),
        expenses=Decimal("4000"),
        thresholds=THRESHOLDS,
    )
    shortest = next(s for s in suggestions if s.kind is SuggestionKind.SHORTEST_THAT_FITS)
    # 1,000 a month is half of the 2,000 left; 11,000 over 12 months at 0.6% is 982.67.
    assert shortest.terms.months == 12
    assert shortest.disclosure.monthly_amount <= Decimal("1000.00")
    assert shortest.affordability is not None
    assert shortest.affordability.verdict is Verdict.FITS


def test_with_nothing_left_over_no_plan_is_said_to_fit():
    suggestions = suggest_plans(
        FACTS,
        PROGRAMS,
        today=TODAY,
        income=Decimal("4000"),
        expenses=Decimal("4000"),
        thresholds=THRESHOLDS,
    )
    assert SuggestionKind.SHORTEST_THAT_FITS not in {s.kind for s in suggestions}
    assert all(
        s.affordability and s.affordability.verdict is Verdict.DOES_NOT_FIT for s in suggestions
    )


def test_no_eligible_program_means_no_suggestion():
    assert suggest_plans(replace(FACTS, open_to_relief=False), PROGRAMS, today=TODAY) == []


balances = st.decimals(min_value=Decimal("1000.00"), max_value=Decimal("500000.00"), places=2)


@settings(max_examples=40, deadline=None)
@given(
    principal=balances,
    days=st.integers(1, 400),
    income=st.decimals(min_value=Decimal("0"), max_value=Decimal("50000"), places=2),
    expenses=st.decimals(min_value=Decimal("0"), max_value=Decimal("50000"), places=2),
    with_figures=st.booleans(),
)
def test_suggestions_are_always_eligible_and_within_bounds(
    principal, days, income, expenses, with_figures
):
    facts = replace(FACTS, principal=principal, days_past_due=days, product="classic_card")
    programs = dict(PROGRAMS)
    figures = {"income": income, "expenses": expenses} if with_figures else {}
    for suggestion in suggest_plans(facts, PROGRAMS, today=TODAY, thresholds=THRESHOLDS, **figures):
        program = programs[suggestion.program_key]
        assert is_eligible(facts, program, today=TODAY)
        assert bounds_violations(suggestion.terms, program, facts) == {}
        assert (
            suggestion.disclosure.total_repayable
            == suggestion.terms.amount + suggestion.disclosure.total_cost
        )


def test_the_legal_cap_counts_the_first_period_too():
    # Payment day 20, at least 15 days before the first payment: agreed on 6 November, the
    # first payment is on 20 December, so 60 payments would end 60.5 months later.
    late_first = replace(HARDSHIP, payment_day=20, first_due_min_days=15)
    terms = terms_for(FACTS, late_first, months=60)
    start = dt.date(2026, 11, 6)
    assert "months" in bounds_violations(terms, late_first, FACTS, start=start)
    assert (
        bounds_violations(terms_for(FACTS, late_first, months=59), late_first, FACTS, start=start)
        == {}
    )


def test_no_schedule_with_an_empty_payment_is_within_bounds():
    tiny = replace(BOUNDS, min_installment=Decimal("0.01"), min_balance=Decimal("0"))
    facts = replace(
        FACTS,
        principal=Decimal("0.10"),
        interest=Decimal("0"),
        fees=Decimal("0"),
        penalty=Decimal("0"),
    )
    assert "months" in checked_terms(facts, tiny, months=24)[1]
    assert checked_terms(facts, tiny, months=5) == (terms_for(facts, tiny, months=5), {})


# --- Issue 10: affordability counts the dependents, refuses nonsense ------------------------

from negotiation.policy import highest_disclosed_rate  # noqa: E402


def test_dependents_are_kept_back_before_the_verdict():
    thresholds = AffordabilityThresholds(
        fits=Decimal("0.50"), tight=Decimal("0.80"), dependent_allowance=Decimal("1000.00")
    )
    alone = affordability(
        income=Decimal("8000"),
        expenses=Decimal("5000"),
        payment=Decimal("1400"),
        thresholds=thresholds,
    )
    with_two = affordability(
        income=Decimal("8000"),
        expenses=Decimal("5000"),
        payment=Decimal("1400"),
        thresholds=thresholds,
        dependents=2,
    )
    assert (alone.disposable, alone.verdict) == (Decimal("3000"), Verdict.FITS)
    assert (with_two.disposable, with_two.verdict) == (Decimal("1000"), Verdict.DOES_NOT_FIT)


@pytest.mark.parametrize(
    "figures",
    [
        {"income": Decimal("-1"), "expenses": Decimal("0"), "payment": Decimal("10")},
        {"income": Decimal("100"), "expenses": Decimal("-5"), "payment": Decimal("10")},
        {"income": Decimal("100"), "expenses": Decimal("0"), "payment": Decimal("-10")},
        {
            "income": Decimal("100"),
            "expenses": Decimal("0"),
            "payment": Decimal("10"),
            "dependents": -1,
        },
    ],
)
def test_affordability_refuses_negative_figures(figures):
    with pytest.raises(ValueError, match="negative"):
        affordability(thresholds=THRESHOLDS, **figures)


def test_thresholds_out_of_order_are_refused():
    with pytest.raises(ValueError, match="fits <= tight"):
        AffordabilityThresholds(fits=Decimal("0.80"), tight=Decimal("0.50"))


def test_the_highest_rate_of_a_program_covers_its_shortest_first_period():
    next_day = replace(BOUNDS, rate=Decimal("0.02"), payment_day=24, months_min=1, months_max=12)
    highest = highest_disclosed_rate(next_day)
    # A whole month's 2% for one day would disclose 991.64%; pro rata it stays in proportion.
    assert Decimal("40") < highest < Decimal("60")
    assert highest_disclosed_rate(BOUNDS) == Decimal("13.27")  # 0.60% a month, up to 24 months


# --- Issue 10: the same suggestions and bounds, found without a schedule a month count ----

from negotiation.money import CostMethod as Method  # noqa: E402
from negotiation.money import regular_installment  # noqa: E402
from negotiation.policy import _MonthCounts  # noqa: E402  (the search itself)
from tests import reference_policy  # noqa: E402

money_amounts = st.one_of(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1.00"), places=2),  # a few fen
    st.decimals(min_value=Decimal("1.00"), max_value=Decimal("1000.00"), places=2),
    st.decimals(min_value=Decimal("1000.00"), max_value=Decimal("500000.00"), places=2),
)


@st.composite
def programs(draw: st.DrawFn) -> ProgramBounds:
    kind = draw(
        st.sampled_from([Kind.INSTALLMENT, Kind.INSTALLMENT, Kind.INTEREST_FREEZE, Kind.DEFERRAL])
    )
    method = draw(st.sampled_from(list(Method)))
    monthly = draw(st.decimals(min_value=0, max_value=Decimal("0.02"), places=4))
    months_min = draw(st.integers(0, 24))
    return ProgramBounds(
        kind=kind,
        months_min=months_min,
        months_max=draw(st.integers(months_min, 72)),
        grace_months_max=draw(st.integers(0, 6)),
        min_days_past_due=draw(st.integers(0, 60)),
        max_days_past_due=draw(st.sampled_from([None, 365])),
        min_balance=draw(st.sampled_from([Decimal("0"), Decimal("1000.00")])),
        max_balance=draw(st.sampled_from([None, Decimal("300000.00")])),
        products=(),
        min_down_payment_pct=draw(st.sampled_from([Decimal(0), Decimal(10), Decimal(100)])),
        max_waiver_pct=draw(st.sampled_from([Decimal(0), Decimal(50)])),
        cost_method=method,
        rate=monthly if method is Method.FLAT_FEE else monthly * 12,
        min_installment=draw(st.sampled_from(["0.01", "100.00", "500.00", "3000.00"]).map(Decimal)),
        payment_day=draw(st.one_of(st.none(), st.integers(1, 31))),
        first_due_min_days=draw(st.integers(0, 45)),
    )


accounts = st.builds(
    AccountFacts,
    days_past_due=st.integers(1, 400),
    principal=money_amounts,
    interest=st.decimals(min_value=0, max_value=Decimal("5000.00"), places=2),
    fees=st.just(Decimal("0.00")),
    penalty=st.decimals(min_value=0, max_value=Decimal("2000.00"), places=2),
    product=st.just("classic_card"),
    open_to_relief=st.just(True),
)
days = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2030, 12, 31))
budgets: st.SearchStrategy[dict[str, Decimal]] = st.one_of(
    st.just({}),
    st.fixed_dictionaries(
        {
            "income": st.decimals(min_value=0, max_value=Decimal("60000"), places=2),
            "expenses": st.decimals(min_value=0, max_value=Decimal("30000"), places=2),
        }
    ),
)


@settings(max_examples=60, deadline=None)
@given(
    account=accounts,
    offered=st.lists(programs(), min_size=1, max_size=8),
    today=days,
    budget=budgets,
)
def test_suggestions_are_the_references(account, offered, today, budget):
    named = [(f"program-{i}", program) for i, program in enumerate(offered)]
    fast = suggest_plans(account, named, today=today, thresholds=THRESHOLDS, **budget)
    reference = reference_policy.suggest_plans(
        account, named, today=today, thresholds=THRESHOLDS, **budget
    )
    assert fast == reference
    assert repr(fast) == repr(reference)
    assert [repr(s.disclosure) for s in fast] == [repr(s.disclosure) for s in reference]


@settings(max_examples=150, deadline=None)
@given(account=accounts, program=programs(), today=days, grace=st.integers(0, 6))
def test_the_bounds_searched_by_bisection_follow_the_number_of_months(
    account, program, today, grace
):
    counts = _MonthCounts(account, program, today=today, grace_months=grace)
    months = range(counts.least, counts.most + 1)
    within = [counts.within(n) for n in months]
    # Within the bounds up to a top, outside them after it.
    held = [terms is not None for terms in within]
    assert held == sorted(held, reverse=True)
    # The regular installment never grows with the months, so fitting a budget holds from
    # some number of months on.
    regular = [regular_installment(terms) for terms in within if terms is not None]
    assert regular == sorted(regular, reverse=True)
    # Valid as the reference says, and every valid plan within them; the search finds the
    # reference's longest.
    valid = [reference_policy._valid_terms(account, program, n, grace, today=today) for n in months]
    assert [counts.valid(n) for n in months] == valid
    assert all(
        terms == reference for terms, reference in zip(within, valid, strict=True) if reference
    )
    assert counts.longest_valid() == next((terms for terms in reversed(valid) if terms), None)


@settings(max_examples=300, deadline=None)
@given(
    account=accounts,
    program=programs(),
    months=st.integers(-1, 64),
    grace=st.integers(0, 8),
    down=st.decimals(min_value=0, max_value=Decimal("2000.00"), places=2),
    waived=st.decimals(min_value=0, max_value=Decimal("800.00"), places=2),
    start=st.one_of(st.none(), days),
)
def test_checked_terms_and_bounds_are_the_references(
    account, program, months, grace, down, waived, start
):
    choices = {
        "months": months,
        "grace_months": grace,
        "down_payment": down,
        "waived_interest": waived,
        "start": start,
    }
    terms, errors = checked_terms(account, program, **choices)
    reference_terms, reference_errors = reference_policy.checked_terms(account, program, **choices)
    assert terms == reference_terms
    assert list(errors.items()) == list(reference_errors.items())
    if terms is not None:
        assert list(bounds_violations(terms, program, account, start=start).items()) == list(
            reference_policy.bounds_violations(terms, program, account, start=start).items()
        )


# Contact hours and business days, in the debtor's and the bank's own time -----------------

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def test_business_days_skip_the_weekend():
    friday = dt.datetime(2026, 11, 27, 16, 0, tzinfo=SHANGHAI)
    assert add_business_days(friday, 2) == (dt.datetime(2026, 12, 1, 16, 0, tzinfo=SHANGHAI))
    saturday = friday + dt.timedelta(days=1)
    assert add_business_days(saturday, 1) == (dt.datetime(2026, 11, 30, 16, 0, tzinfo=SHANGHAI))


def at(tz: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz)


@pytest.mark.parametrize(
    ("moment", "tz", "expected"),
    [
        (at(SHANGHAI, 2026, 11, 23, 12, 0), SHANGHAI, at(SHANGHAI, 2026, 11, 23, 12, 0)),
        (at(SHANGHAI, 2026, 11, 23, 7, 59), SHANGHAI, at(SHANGHAI, 2026, 11, 23, 8, 0)),
        (at(SHANGHAI, 2026, 11, 23, 20, 59), SHANGHAI, at(SHANGHAI, 2026, 11, 23, 20, 59)),
        (at(SHANGHAI, 2026, 11, 23, 21, 0), SHANGHAI, at(SHANGHAI, 2026, 11, 24, 8, 0)),
        (at(SHANGHAI, 2026, 11, 23, 23, 30), SHANGHAI, at(SHANGHAI, 2026, 11, 24, 8, 0)),
        (at(SHANGHAI, 2026, 11, 24, 0, 30), SHANGHAI, at(SHANGHAI, 2026, 11, 24, 8, 0)),
        # Noon in Shanghai is 23:00 the day before in New York: wait for 08:00 there.
        (at(SHANGHAI, 2026, 11, 24, 12, 0), NEW_YORK, at(NEW_YORK, 2026, 11, 24, 8, 0)),
        (at(SHANGHAI, 2026, 12, 31, 22, 0), SHANGHAI, at(SHANGHAI, 2027, 1, 1, 8, 0)),
    ],
)
def test_contact_hours_in_the_debtors_own_time(moment, tz, expected):
    assert next_allowed_time(moment, tz) == expected


# A plan's installments: missed beyond the grace, and broken by consecutive misses ---------


def _line(n: int, due: dt.date, paid: bool) -> InstallmentState:
    return InstallmentState(n, due, paid)


def test_missed_means_unpaid_beyond_the_grace():
    lines = [_line(1, dt.date(2027, 1, 10), False), _line(2, dt.date(2027, 2, 10), False)]
    assert missed(lines, today=dt.date(2027, 1, 25), grace_days=15) == []
    assert missed(lines, today=dt.date(2027, 1, 26), grace_days=15) == [1]


def test_only_consecutive_misses_break_a_plan():
    on_track_again = [
        _line(1, dt.date(2027, 1, 10), False),
        _line(2, dt.date(2027, 2, 10), True),
        _line(3, dt.date(2027, 3, 10), False),
    ]
    assert not breaks_plan(on_track_again, today=dt.date(2027, 3, 30), grace_days=15, misses=2)
    two_in_a_row = [
        *on_track_again[:2],
        _line(3, dt.date(2027, 3, 10), False),
        _line(4, dt.date(2027, 4, 10), False),
    ]
    assert breaks_plan(two_in_a_row, today=dt.date(2027, 4, 26), grace_days=15, misses=2)
    assert not breaks_plan(two_in_a_row, today=dt.date(2027, 4, 25), grace_days=15, misses=2)
