"""After an approval: the account is under the plan, a second plan is impossible, the down
payment is a line of the schedule, and a signed deferral pauses the aging of the account."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from negotiation.exceptions import BalanceChanged, ProgramNotAvailable, TermsOutOfBounds
from negotiation.models import (
    AccountStatus,
    AuditEvent,
    CreditAccount,
    ReliefRequest,
    RepaymentPlan,
    RequestStatus,
)
from negotiation.policy import Choices
from negotiation.services.requests import approve_request, submit_request
from tests.factories import HARDSHIP, make_active_plan, make_request, sign_with_code

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_approval_puts_the_account_under_the_plan(account, installment_program, specialist):
    approve_request(make_request(account, installment_program), actor=specialist, today=TODAY)
    account.refresh_from_db()
    assert account.status == AccountStatus.IN_PLAN
    event = AuditEvent.objects.get(action="account.transition", object_id=account.pk)
    assert event.after == {"status": "in_plan", "reason": "plan approved"}


def test_no_second_request_once_a_plan_is_agreed(account, installment_program, specialist):
    approve_request(make_request(account, installment_program), actor=specialist, today=TODAY)
    account.refresh_from_db()
    with pytest.raises(ProgramNotAvailable):
        make_request(account, installment_program)


def test_the_database_refuses_a_second_current_plan(account, installment_program, specialist):
    plan = approve_request(
        make_request(account, installment_program), actor=specialist, today=TODAY
    ).plan
    # A second, closed request on the account, so that the only rule a second plan would
    # break is "one current plan per account".
    other_request = ReliefRequest.objects.get(pk=plan.request_id)
    other_request.pk = None
    other_request.reference = "RQ-TEST-0001"
    other_request.save()
    clone = RepaymentPlan.objects.get(pk=plan.pk)
    clone.pk = None
    clone.reference = "PL-TEST-0001"
    clone.request = other_request
    # PostgreSQL names the constraint; SQLite names its column.
    refused = "one_current_plan_per_account|negotiation_repaymentplan.account_id"
    with pytest.raises(IntegrityError, match=refused), transaction.atomic():
        clone.save()
    clone.status = "expired"  # test set-up: a plan that is no longer current is allowed
    clone.save()


def test_approval_is_refused_if_the_balance_moved(account, installment_program, specialist):
    request = make_request(account, installment_program)
    CreditAccount.objects.filter(pk=account.pk).update(principal=Decimal("9500.00"))  # a payment
    with pytest.raises(BalanceChanged):
        approve_request(request, actor=specialist, today=TODAY)
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert not RepaymentPlan.objects.exists()


def test_a_down_payment_is_the_first_line_of_the_plan(account, installment_program, specialist):
    request = submit_request(
        account,
        actor=account.debtor.user,
        program=installment_program,
        choices=Choices(months=10, down_payment=Decimal("1000.00")),
        hardship=HARDSHIP,
        now=timezone.now(),
    )
    plan = approve_request(request, actor=specialist, today=TODAY).plan
    lines = list(plan.installments.order_by("number"))
    assert (lines[0].number, lines[0].amount, lines[0].due_date) == (0, Decimal("1000.00"), TODAY)
    assert len(lines) == 11
    # 1,000 now, then 10 x (1,000 repaid + 60.00 fee on the 10,000 financed).
    assert sum(line.amount for line in lines) == plan.total_repayable == Decimal("11600.00")


def test_paying_everything_as_a_down_payment_is_not_a_plan(account, installment_program):
    with pytest.raises(TermsOutOfBounds) as caught:
        submit_request(
            account,
            actor=account.debtor.user,
            program=installment_program,
            choices=Choices(months=3, down_payment=account.total_balance),
            hardship=HARDSHIP,
            now=timezone.now(),
        )
    assert "no plan is needed" in caught.value.errors["down_payment"]


def test_signing_a_deferral_pauses_the_aging_of_the_account(account, deferral_program, specialist):
    request = make_request(account, deferral_program, months=3, grace_months=2)
    plan = approve_request(request, actor=specialist, today=TODAY).plan
    days_before = account.days_past_due(TODAY)
    sign_with_code(plan, agreement_text="text", ip="127.0.0.1", user_agent="test")
    account.refresh_from_db()
    first_due = plan.installments.get(number=1).due_date
    assert account.pauses() == [
        (TODAY + dt.timedelta(days=1), first_due - dt.timedelta(days=1)),
    ]
    # During the deferral the days overdue stay where they were on the day of signing.
    assert account.days_past_due(TODAY) == days_before
    assert account.days_past_due(TODAY + dt.timedelta(days=40)) == days_before
    assert AuditEvent.objects.filter(action="account.aging_paused", object_id=account.pk).exists()


def test_signing_an_installment_plan_does_not_pause_aging(account, active_plan):
    account.refresh_from_db()
    assert account.pauses() == []


def _signed_deferral(account, program, specialist, *, on: dt.date):
    """Two payments after two payment-free months, agreed and signed at noon on ``on``."""
    noon = timezone.make_aware(dt.datetime.combine(on, dt.time(12)))
    return make_active_plan(
        account, program, specialist, months=2, grace_months=2, today=on, now=noon
    )


def test_a_second_deferral_keeps_the_first_pause(account, deferral_program, specialist):
    """Days past due subtract every agreed pause: a second deferral must not erase the
    first and move every dated consequence earlier."""
    from negotiation.services.following import follow_plans

    first_plan = _signed_deferral(account, deferral_program, specialist, on=TODAY)
    installments = list(first_plan.installments.order_by("number"))
    # Both installments missed past the grace: the plan breaks, the account is in arrears.
    follow_plans(today=installments[-1].due_date + dt.timedelta(days=60))
    first_plan.refresh_from_db()
    assert first_plan.status == "broken"
    account.refresh_from_db()
    [first_pause] = account.pauses()
    later = installments[-1].due_date + dt.timedelta(days=61)
    before_second = account.days_past_due(later)

    _signed_deferral(account, deferral_program, specialist, on=later)
    account.refresh_from_db()
    pauses = account.pauses()
    assert len(pauses) == 2
    assert pauses[0] == first_pause
    # On the day the second deferral is signed, nothing has moved: both pauses count.
    assert account.days_past_due(later) == before_second
    raw = (later - account.oldest_unpaid_due_date).days
    first_days = (first_pause[1] - first_pause[0]).days + 1
    assert account.days_past_due(later) == raw - first_days
    assert (
        AuditEvent.objects.filter(action="account.aging_paused", object_id=account.pk).count() == 2
    )


def test_a_pause_ends_with_its_plan_and_hides_no_later_arrears(
    account, deferral_program, specialist
):
    from negotiation.selectors.ledger import owed_on
    from negotiation.services.payments import record_payment

    plan = _signed_deferral(account, deferral_program, specialist, on=TODAY)
    [(first, last)] = account.pauses()
    assert last > TODAY + dt.timedelta(days=30)
    # Everything paid the day after signing: the plan is completed, the account settled.
    paid_on = TODAY + dt.timedelta(days=1)
    account.refresh_from_db()
    record_payment(
        account,
        actor=None,
        amount=owed_on(account, today=paid_on).headline,
        paid_on=paid_on,
        source="bank_transfer",
        external_id="PAY-ALL",
        today=paid_on,
    )
    plan.refresh_from_db()
    assert plan.status == "completed"
    account.refresh_from_db()
    assert account.pauses() == [(first, paid_on)]
    # New arrears ten days later age from their first day: no pause agreed for them.
    CreditAccount.objects.filter(pk=account.pk).update(
        oldest_unpaid_due_date=TODAY + dt.timedelta(days=10)
    )
    account.refresh_from_db()
    assert account.days_past_due(TODAY + dt.timedelta(days=50)) == 40
    assert AuditEvent.objects.filter(action="account.aging_pause_ended").count() == 1


def test_terms_above_the_rate_ceiling_are_refused_at_request_and_at_approval(
    account, installment_program, supervisor, settings
):
    """Program validation warns early; the ceiling is enforced on what the debtor pays."""
    from negotiation.exceptions import AboveRateCeiling

    # 0.60% a month over 12 months discloses 13.03%: above a ceiling of 13%.
    settings.DISCLOSED_ANNUAL_RATE_CEILING = Decimal("13.00")
    with pytest.raises(TermsOutOfBounds) as refused:
        make_request(account, installment_program, months=12)
    assert "above what the bank may charge" in refused.value.errors["months"]
    settings.DISCLOSED_ANNUAL_RATE_CEILING = Decimal("24.00")
    request = make_request(account, installment_program, months=12)
    settings.DISCLOSED_ANNUAL_RATE_CEILING = Decimal("13.00")
    with pytest.raises(AboveRateCeiling):
        approve_request(request, actor=supervisor, today=TODAY)
    assert not RepaymentPlan.objects.exists()


def test_audit_values_are_written_one_way():
    import datetime as dt_

    from negotiation.models import PlanStatus
    from negotiation.services.audit import audit_value

    assert audit_value(
        {
            "amount": Decimal("10.50"),
            "on": dt_.date(2027, 1, 2),
            "status": PlanStatus.ACTIVE,
            "pauses": [(dt_.date(2027, 1, 1), dt_.date(2027, 1, 3))],
            "none": None,
            "count": 3,
        }
    ) == {
        "amount": "10.50",
        "on": "2027-01-02",
        "status": "active",
        "pauses": [["2027-01-01", "2027-01-03"]],
        "none": None,
        "count": 3,
    }
