"""One truth for what is owed, through real payments: whatever their order (early, late,
partial, more than one installment, more than is owed), after every payment the plan's
position and the card's ledger reconcile exactly, what was paid is what the plan says was
paid, and a plan paid off leaves nothing on the card. Waivers leave the ledger when the plan
is signed, audited, so no payment goes to a charge the bank gave up."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db.models import F
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from negotiation.models import AccountStatus, AuditAction, AuditEvent, PlanStatus
from negotiation.policy import Choices
from negotiation.selectors.ledger import owed_on
from negotiation.services.payments import PaymentRefused, record_payment
from negotiation.services.requests import approve_request, submit_request
from tests.factories import (
    HARDSHIP,
    make_account,
    make_debtor,
    make_installment_program,
    sign_with_code,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)
_ids = itertools.count()


def signed_plan(approver, *, rate: str, months: int, waived_interest="0.00", waived_penalty="0.00"):
    account = make_account(make_debtor())
    program = make_installment_program(
        months_min=1, months_max=24, rate=Decimal(rate), max_waiver_pct=Decimal("100")
    )
    request = submit_request(
        account,
        actor=account.debtor.user,  # type: ignore[arg-type]
        program=program,
        choices=Choices(
            months=months,
            waived_interest=Decimal(waived_interest),
            waived_penalty=Decimal(waived_penalty),
        ),
        hardship=HARDSHIP,
        now=dt.datetime(2026, 12, 1, 4, 0, tzinfo=dt.UTC),
    )
    plan = approve_request(request, actor=approver, today=TODAY).plan
    return sign_with_code(plan)


def pay(account, amount: Decimal, on: dt.date):
    return record_payment(
        account,
        actor=None,
        amount=amount,
        paid_on=on,
        source="bank_transfer",
        external_id=f"RECONCILE-{next(_ids)}",
        today=on,
    )


# A payment: days after the plan was agreed (before, on and after due dates), and what share
# of what is still owed (a sliver, about one installment, most of it, or more than all).
payments = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=420),
        st.sampled_from(["0.01", "0.08", "0.3", "1", "1.2"]),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rate=st.sampled_from(["0.006", "0", "0.0075"]),
    months=st.integers(min_value=1, max_value=12),
    waived=st.sampled_from([("0.00", "0.00"), ("100.00", "0.00"), ("600.00", "300.00")]),
    steps=payments,
)
@example(rate="0.006", months=3, waived=("600.00", "300.00"), steps=[(10, "0.08"), (45, "0.3")])
@example(
    rate="0", months=6, waived=("100.00", "0.00"), steps=[(100, "0.01"), (200, "1.2"), (201, "1")]
)
def test_every_payment_order_keeps_the_plan_and_the_ledger_reconciled(
    supervisor, rate, months, waived, steps
):
    plan = signed_plan(
        supervisor, rate=rate, months=months, waived_interest=waived[0], waived_penalty=waived[1]
    )
    account = plan.account
    paid = Decimal("0.00")
    on = TODAY
    for days, share in sorted(steps):
        on = TODAY + dt.timedelta(days=days)
        owed = owed_on(account, today=on)
        if owed.plan is None:
            break  # paid off already
        amount = max(Decimal("0.01"), (owed.headline * Decimal(share)).quantize(Decimal("0.01")))
        if amount > owed.headline:
            with pytest.raises(PaymentRefused):  # never more than is owed
                pay(account, amount, on)
            continue
        pay(account, amount, on)
        paid += amount
        account.refresh_from_db()
        after = owed_on(account, today=on)
        for field in ("principal", "interest", "fees", "penalty"):
            assert getattr(account, field) >= 0
        if after.plan is None:
            plan.refresh_from_db()
            assert plan.status == PlanStatus.COMPLETED
            assert account.status == AccountStatus.SETTLED
            assert after.headline == Decimal("0.00")
            assert paid == plan.total_repayable
            break
        assert after.reconciles, after
        assert after.plan.paid == paid
        assert after.headline == plan.total_repayable - paid
        assert (
            after.plan.payments_left
            == plan.installments.filter(paid_amount__lt=F("amount")).count()
        )


def test_a_signed_plan_writes_its_waivers_off_the_card(supervisor):
    plan = signed_plan(
        supervisor, rate="0.006", months=6, waived_interest="300.00", waived_penalty="300.00"
    )
    account = plan.account
    account.refresh_from_db()
    assert (account.interest, account.penalty) == (Decimal("300.00"), Decimal("0.00"))
    assert account.total_balance == plan.amount  # what the plan covers, no more
    corrected = AuditEvent.objects.get(action=AuditAction.ACCOUNT_LEDGER_CORRECTED)
    assert corrected.before == {"interest": "600.00", "penalty": "300.00"}
    assert corrected.after["reason"] == "waived by the signed plan"
    assert corrected.after["plan"] == plan.reference
    owed = owed_on(account, today=TODAY)
    assert owed.reconciles
    assert owed.headline == plan.total_repayable
    # Every installment paid: nothing is left on the card, the waived charges included.
    pay(account, plan.total_repayable, TODAY + dt.timedelta(days=1))
    account.refresh_from_db()
    assert account.total_balance == Decimal("0.00")
    assert account.status == AccountStatus.SETTLED
