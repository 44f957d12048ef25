from decimal import Decimal

import pytest

from negotiation.money import Terms
from negotiation.policy import (
    AccountFacts,
    ProgramBounds,
    bounds_violations,
    ineligibility_reasons,
    terms_for,
)

BOUNDS = ProgramBounds(
    kind="installment",
    months_min=3,
    months_max=60,
    grace_months_max=0,
    min_days_past_due=1,
    max_days_past_due=365,
    min_balance=Decimal("1000.00"),
    max_balance=Decimal("200000.00"),
    products=("gold_card",),
    min_down_payment_pct=Decimal("0"),
    monthly_fee_rate=Decimal("0.006"),
)
FACTS = AccountFacts(
    days_past_due=45,
    balance=Decimal("11000.00"),
    product="gold_card",
    status="in_arrears",
    open_to_relief=True,
)


def test_an_account_within_every_range_is_eligible():
    assert ineligibility_reasons(FACTS, BOUNDS) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"days_past_due": 0},
        {"days_past_due": 400},
        {"balance": Decimal("999.99")},
        {"balance": Decimal("200000.01")},
        {"product": "classic_card"},
        {"open_to_relief": False},
    ],
)
def test_each_eligibility_rule_can_refuse(changes):
    facts = AccountFacts(**{**FACTS.__dict__, **changes})
    assert len(ineligibility_reasons(facts, BOUNDS)) == 1


def test_months_never_exceed_the_legal_cap_even_if_a_program_says_more():
    loose = ProgramBounds(**{**BOUNDS.__dict__, "months_max": 72})
    errors = bounds_violations(Terms(amount=Decimal("1000"), months=61), loose)
    assert "60" in errors["months"]


def test_each_broken_bound_has_its_own_message():
    strict = ProgramBounds(**{**BOUNDS.__dict__, "min_down_payment_pct": Decimal("10")})
    terms = Terms(amount=Decimal("10000"), months=2, grace_months=1)
    errors = bounds_violations(terms, strict)
    assert set(errors) == {"months", "grace_months", "down_payment"}


def test_a_deferral_needs_at_least_one_payment_free_month():
    deferral = ProgramBounds(
        **{**BOUNDS.__dict__, "kind": "deferral", "grace_months_max": 3, "months_min": 1}
    )
    assert "grace_months" in bounds_violations(Terms(amount=Decimal("100"), months=3), deferral)
    assert bounds_violations(Terms(amount=Decimal("100"), months=3, grace_months=2), deferral) == {}


def test_an_interest_freeze_has_no_fee_whatever_the_program_rate():
    freeze = ProgramBounds(**{**BOUNDS.__dict__, "kind": "interest_freeze"})
    assert terms_for(Decimal("5000"), freeze, months=12).monthly_fee_rate == 0
    assert terms_for(Decimal("5000"), BOUNDS, months=12).monthly_fee_rate == Decimal("0.006")
