"""Payments: allocated to late charges first without a plan, to the plan's installments
with one (an overpayment shortens it from the end), never more than is owed; the last one
completes the plan and settles the account. Imports: tests/jobs/test_import_payments.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from negotiation.models import AccountStatus, Installment, Payment, PlanStatus
from negotiation.services.payments import PaymentRefused
from tests.factories import pay

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_without_a_plan_a_payment_reduces_late_charges_first(account):
    pay(account, "350.00")  # penalty 300, fees 100, interest 600, principal 10,000
    account.refresh_from_db()
    assert (account.penalty, account.fees, account.interest, account.principal) == (
        Decimal("0.00"),
        Decimal("50.00"),
        Decimal("600.00"),
        Decimal("10000.00"),
    )


def test_a_payment_larger_than_what_is_owed_is_refused(account):
    with pytest.raises(PaymentRefused, match=r"more than the 11,000\.00 still owed"):
        pay(account, "11000.01")
    assert not Payment.objects.exists()


def test_a_payment_settles_installments_and_the_account_ledger(account, active_plan):
    # 11,000 over 3 months at 0.6%: 3,666.67 + 66.00 fee = 3,732.67 a month.
    first = active_plan.installments.get(number=1)
    pay(account, "3732.67", paid_on=first.due_date)
    first.refresh_from_db()
    assert (first.paid_amount, first.status) == (Decimal("3732.67"), "paid")
    account.refresh_from_db()
    assert account.total_balance == Decimal("11000.00") - Decimal("3666.67")  # the principal part


def test_an_overpayment_shortens_the_plan_from_the_end(account, active_plan):
    first = active_plan.installments.get(number=1)
    pay(account, "4000.00", paid_on=first.due_date - dt.timedelta(days=3))
    paid = dict(Installment.objects.filter(plan=active_plan).values_list("number", "paid_amount"))
    assert paid == {1: Decimal("3732.67"), 2: Decimal("0.00"), 3: Decimal("267.33")}


def test_paying_every_installment_completes_the_plan_and_settles_the_account(account, active_plan):
    for n, installment in enumerate(active_plan.installments.order_by("number"), start=1):
        pay(account, str(installment.amount), external_id=f"PAY-{n}", paid_on=installment.due_date)
    active_plan.refresh_from_db()
    account.refresh_from_db()
    assert active_plan.status == PlanStatus.COMPLETED
    assert account.status == AccountStatus.SETTLED
    assert account.total_balance == Decimal("0.00")
