"""The 60-month legal cap (商业银行信用卡业务监督管理办法 Art. 70) holds on every path to a plan:
an approval alone, a second approval, a counter-offer accepted days after it was made, and a
program whose due rule was edited after the request. Each plan is checked on the terms and
due rule stored with it, dated from the day of the agreement."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negotiation.exceptions import BeyondLegalCap, TermsOutOfBounds
from negotiation.models import ApprovalLimit, Offer, RepaymentPlan, RequestStatus
from negotiation.money import LEGAL_MAX_MONTHS, add_months
from negotiation.policy import Choices
from negotiation.roles import SUPERVISORS
from negotiation.services.offers import accept_counter_offer, make_counter_offer
from negotiation.services.requests import approve_request, submit_request
from tests.factories import (
    HARDSHIP,
    at_noon,
    make_account,
    make_debtor,
    make_installment_program,
    make_staff,
)

# Agreed on 10 January 2027, a 60-payment plan on the 25th, first payment at least 15 days
# later, starts on 25 January and ends on 25 December 2031: within the cap. Agreed two days
# later it starts on 25 February and ends on 25 January 2032, 13 days past 12 January 2032.
MADE_ON = dt.date(2027, 1, 10)
TWO_DAYS_LATER = dt.date(2027, 1, 12)


def _last_due(plan: RepaymentPlan) -> dt.date:
    return plan.installments.order_by("-due_date").values_list("due_date", flat=True)[0]


def _within_cap(plan: RepaymentPlan) -> bool:
    return _last_due(plan) <= add_months(plan.agreed_on, LEGAL_MAX_MONTHS)


@pytest.fixture
def day_25_program(db):
    return make_installment_program(
        code="day-25", months_max=60, payment_day=25, first_due_min_days=15
    )


def _submit(account, program, *, today, months=60):
    return submit_request(
        account,
        actor=account.debtor.user,
        program=program,
        choices=Choices(months=months),
        hardship=HARDSHIP,
        now=at_noon(today),
    )


def _counter_offer(request, specialist, *, today):
    ApprovalLimit.objects.filter(user=specialist).update(
        max_amount=Decimal("100000"), max_months=60
    )
    return make_counter_offer(
        request,
        actor=specialist,
        choices=Choices(months=60),
        message="Sixty months keeps each payment low.",
        expires_on=dt.date(2027, 3, 1),
        today=today,
    )


def test_a_counter_offer_accepted_on_its_day_makes_a_plan_within_the_cap(
    account, day_25_program, specialist
):
    request = _submit(account, day_25_program, today=MADE_ON, months=24)
    _counter_offer(request, specialist, today=MADE_ON)
    approved = accept_counter_offer(request, actor=account.debtor.user, now=at_noon(MADE_ON))
    plan = approved.plan
    assert _last_due(plan) == dt.date(2031, 12, 25)
    assert _within_cap(plan)


def test_a_counter_offer_accepted_days_later_cannot_pass_the_cap(
    account, day_25_program, specialist
):
    request = _submit(account, day_25_program, today=MADE_ON, months=24)
    _counter_offer(request, specialist, today=MADE_ON)
    with pytest.raises(BeyondLegalCap):
        accept_counter_offer(request, actor=account.debtor.user, now=at_noon(TWO_DAYS_LATER))
    request.refresh_from_db()
    assert request.status == RequestStatus.COUNTER_OFFERED
    assert not RepaymentPlan.objects.exists()
    assert Offer.objects.get(request=request, kind="counter").status == "pending"


def test_a_second_approval_cannot_waive_the_cap(account, day_25_program, specialist, supervisor):
    request = _submit(account, day_25_program, today=MADE_ON)
    # No approval limit: the specialist's approval is a recommendation for a supervisor.
    recommended = approve_request(request, actor=specialist, today=MADE_ON)
    assert recommended.status == RequestStatus.AWAITING_SECOND_APPROVAL
    with pytest.raises(BeyondLegalCap):
        approve_request(recommended, actor=supervisor, today=TWO_DAYS_LATER)
    recommended.refresh_from_db()
    assert recommended.status == RequestStatus.AWAITING_SECOND_APPROVAL
    assert not RepaymentPlan.objects.exists()


def test_a_program_edited_after_the_request_cannot_move_a_plan_past_the_cap(
    account, day_25_program, supervisor
):
    request = _submit(account, day_25_program, today=MADE_ON)
    # The supervisor drops the payment day: under the new rule 60 payments from 12 January
    # would fit, but the request keeps the rule it was priced with, and its plan would not.
    day_25_program.payment_day = None
    day_25_program.first_due_min_days = 0
    day_25_program.save()
    with pytest.raises(BeyondLegalCap):
        approve_request(request, actor=supervisor, today=TWO_DAYS_LATER)
    assert not RepaymentPlan.objects.exists()


def test_the_database_refuses_terms_beyond_the_cap(account, day_25_program):
    request = _submit(account, day_25_program, today=MADE_ON, months=12)
    request.months, request.grace_months = 58, 3
    with pytest.raises(IntegrityError):
        request.save()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.dates(min_value=dt.date(2027, 1, 1), max_value=dt.date(2028, 12, 31)),
    day=st.one_of(st.none(), st.integers(1, 31)),
    min_days=st.integers(0, 45),
    months=st.integers(50, 60),
    delay=st.integers(0, 40),
)
def test_every_approved_plan_ends_within_the_cap(db, start, day, min_days, months, delay):
    """Submitted on one day, approved by a supervisor ``delay`` days later: either a plan
    whose last payment is within 60 months of the approval, or a refusal."""
    program = make_installment_program(months_max=60, payment_day=day, first_due_min_days=min_days)
    supervisor = make_staff(SUPERVISORS)
    account = make_account(make_debtor())
    try:
        request = _submit(account, program, today=start, months=months)
    except TermsOutOfBounds:  # out of bounds on the day of the request: nothing to approve
        return
    try:
        approved = approve_request(
            request, actor=supervisor, today=start + dt.timedelta(days=delay)
        )
    except BeyondLegalCap:
        assert not RepaymentPlan.objects.filter(request=request).exists()
        return
    assert approved.status == RequestStatus.APPROVED
    assert _within_cap(approved.plan)
