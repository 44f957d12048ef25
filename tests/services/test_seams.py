"""Where the four features of issue 14 meet: a changed plan and its automatic repayment,
its payments online and a dispute; the debits the bank takes and the results it sends back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from negotiation.imports.payments import PaymentRow
from negotiation.models import (
    AmendmentKind,
    AmendmentStatus,
    DirectDebitMandate,
    DisputeKind,
    Installment,
    MandateStatus,
    Notification,
    NotificationEvent,
    Payment,
    PaymentIntent,
    PaymentSource,
    PlanStatus,
    RepaymentPlan,
    User,
)
from negotiation.selectors.ledger import owed_on
from negotiation.services.disputes import open_dispute
from negotiation.services.following import follow_plans
from negotiation.services.intents import start_payment
from negotiation.services.mandates import (
    cancel_mandate,
    consent_text,
    due_debits,
    set_up_mandate,
)
from negotiation.services.payments import import_payments, record_payment
from negotiation.services.planchanges import (
    ChangeOutdated,
    ChangeRefused,
    preview_move_to_end,
    propose_change,
    sign_change,
    start_change_signing,
)
from tests.factories import (
    PASSWORD,
    at_noon,
    last_sms_code,
    make_active_plan,
    make_installment_program,
)

pytestmark = pytest.mark.django_db
D = dt.date
START = D(2027, 1, 10)  # the agreement; six payments on the 10th from 10 February 2027
NUMBER = "6222020200112233445"


@pytest.fixture
def plan(account, specialist):
    program = make_installment_program(payment_day=10, allows_move_to_end=True)
    return make_active_plan(account, program, specialist, months=6, today=START, now=at_noon(START))


def user_of(plan: RepaymentPlan) -> User:
    user = plan.account.debtor.user
    assert user is not None
    return user


def fresh(plan: RepaymentPlan) -> RepaymentPlan:
    return (
        RepaymentPlan.objects.prefetch_related("installments")
        .select_related("request__program", "account__debtor")
        .get(pk=plan.pk)
    )


def dates(plan: RepaymentPlan) -> list[dt.date]:
    return [
        i.due_date for i in Installment.objects.filter(plan=plan, number__gte=1).order_by("number")
    ]


def set_up(plan: RepaymentPlan, on: dt.date) -> DirectDebitMandate:
    debtor = plan.account.debtor
    return set_up_mandate(
        fresh(plan),
        actor=user_of(plan),
        bank_name="ICBC Shanghai",
        account_number=NUMBER,
        holder_name=debtor.full_name,
        agreed_text=consent_text(fresh(plan), language="en", today=on),
        language="en",
        password=PASSWORD,
        ip=None,
        user_agent="",
        now=at_noon(on),
    )


def propose(plan: RepaymentPlan, on: dt.datetime, **what):
    kind = AmendmentKind.PAYMENT_DAY if "new_day" in what else AmendmentKind.MOVE_TO_END
    return propose_change(fresh(plan), actor=user_of(plan), kind=kind, now=on, **what)


def sign(amendment, now: dt.datetime):
    actor = amendment.plan.account.debtor.user
    code = start_change_signing(
        amendment, actor=actor, password=PASSWORD, agreement_text="v", ip=None, now=now
    )
    return sign_change(
        amendment,
        actor=actor,
        code_id=code.pk,
        entered=last_sms_code(),
        agreement_text="v",
        ip=None,
        user_agent="",
        now=now,
    )


def change(plan: RepaymentPlan, on: dt.date, **what):
    return sign(propose(plan, at_noon(on), **what), at_noon(on))


def debited(day: dt.date) -> list[str]:
    return [line.debit_reference for line in due_debits(day)]


# A changed plan and its automatic repayment ----------------------------------------------


def test_an_earlier_payment_day_is_debited_on_the_new_day(plan, sms_outbox):
    mandate = set_up(plan, D(2027, 1, 20))
    assert mandate.first_debit_on == D(2027, 2, 10)
    change(plan, D(2027, 1, 21), new_day=5)
    assert dates(plan)[0] == D(2027, 2, 5)
    mandate.refresh_from_db()
    assert mandate.first_debit_on == D(2027, 2, 5)
    assert debited(D(2027, 2, 5)) == [f"DD-{plan.reference}-01-20270205"]
    assert debited(D(2027, 2, 10)) == []  # never on the old day


def test_a_first_debit_moved_to_the_end_starts_the_debits_with_the_next_payment(plan, sms_outbox):
    mandate = set_up(plan, D(2027, 1, 20))
    change(plan, D(2027, 1, 21), number=1)
    mandate.refresh_from_db()
    assert mandate.first_debit_on == D(2027, 3, 10)
    assert debited(D(2027, 3, 10)) == [f"DD-{plan.reference}-01-20270310"]
    assert debited(D(2027, 8, 10)) == [f"DD-{plan.reference}-06-20270810"]


def cancel(mandate: DirectDebitMandate, on: dt.date) -> DirectDebitMandate:
    return cancel_mandate(mandate, actor=user_of(mandate.plan), reason="", ip=None, now=at_noon(on))


def test_a_last_debit_too_late_to_stop_follows_its_payment_to_an_earlier_day(plan, sms_outbox):
    mandate = cancel(set_up(plan, D(2027, 1, 20)), D(2027, 2, 8))
    assert mandate.last_debit_on == D(2027, 2, 10)  # too late to stop: still taken
    change(plan, D(2027, 2, 8), new_day=9)
    mandate.refresh_from_db()
    assert mandate.last_debit_on == D(2027, 2, 9)
    assert debited(D(2027, 2, 9)) == [f"DD-{plan.reference}-01-20270209"]
    assert debited(D(2027, 3, 9)) == []


def test_a_last_debit_moved_far_enough_away_is_stopped_as_the_cancellation_asked(plan, sms_outbox):
    mandate = cancel(set_up(plan, D(2027, 1, 20)), D(2027, 2, 8))
    change(plan, D(2027, 2, 8), new_day=25)  # 10 February moves to 25 February
    mandate.refresh_from_db()
    assert mandate.status == MandateStatus.CANCELLED
    assert mandate.last_debit_on is None  # now there is time to stop it: nothing more taken
    assert debited(D(2027, 2, 25)) == []
    assert debited(D(2027, 2, 10)) == []


def test_a_change_signed_after_its_first_payment_fell_due_lapses(plan, sms_outbox):
    set_up(plan, D(2027, 1, 20))
    amendment = propose(plan, at_noon(D(2027, 2, 9)), new_day=20)  # 10 February to the 20th
    # The morning of the 10th the installment due that day goes to the bank.
    assert debited(D(2027, 2, 10)) == [f"DD-{plan.reference}-01-20270210"]
    with pytest.raises(ChangeOutdated):
        sign(amendment, at_noon(D(2027, 2, 10)))
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.EXPIRED
    assert dates(plan)[0] == D(2027, 2, 10)  # not moved into a second debit on the 20th
    assert debited(D(2027, 2, 20)) == []


def test_a_payment_debited_today_is_not_moved_to_the_end(plan, sms_outbox):
    # Without automatic repayment a payment due today may still move ("Changing a plan").
    assert preview_move_to_end(fresh(plan), 1, D(2027, 2, 10)).allowed
    set_up(plan, D(2027, 1, 20))
    preview = preview_move_to_end(fresh(plan), 1, D(2027, 2, 10))
    assert not preview.allowed
    assert "automatic repayment" in " ".join(preview.reasons)
    assert preview_move_to_end(fresh(plan), 1, D(2027, 2, 9)).allowed  # the day before


# A changed plan and its payments online ---------------------------------------------------


def start_online(plan: RepaymentPlan, amount: str, now: dt.datetime) -> PaymentIntent:
    return start_payment(
        plan.account,
        plan=plan,
        actor=user_of(plan),
        amount=Decimal(amount),
        provider="sandbox",
        now=now,
    )


def test_no_change_is_set_out_while_a_payment_online_waits(plan):
    now = at_noon(D(2027, 1, 20))
    start_online(plan, "100.00", now)
    with pytest.raises(ChangeRefused) as refused:
        propose(plan, now, number=1)
    assert "waiting for confirmation" in str(refused.value.message)


def test_a_payment_online_started_before_signing_makes_the_change_lapse(plan, sms_outbox):
    now = at_noon(D(2027, 1, 20))
    amendment = propose(plan, now, number=1)
    start_online(plan, "100.00", now)
    with pytest.raises(ChangeOutdated):
        sign(amendment, now)
    assert dates(plan)[0] == D(2027, 2, 10)


# The bank's results after a payment online of the same installment ------------------------


def test_a_debit_taken_after_the_plan_was_paid_online_is_held_not_the_whole_file(
    plan, other_account, sms_outbox
):
    set_up(plan, D(2027, 1, 20))
    day = D(2027, 2, 10)
    (line,) = due_debits(day)  # the morning's file takes the first payment
    # The same day the debtor pays everything online: the plan completes.
    everything = owed_on(plan.account, today=day).headline
    record_payment(
        plan.account,
        actor=None,
        amount=everything,
        paid_on=day,
        source=PaymentSource.ONLINE,
        external_id="sandbox:pay_1",
        today=day,
    )
    assert fresh(plan).status == PlanStatus.COMPLETED
    # The bank's results: that debit, and another debtor's payment.
    rows = [
        PaymentRow(2, line.debit_reference, line.account_reference, line.amount, day, "auto_debit"),
        PaymentRow(3, "BANK-1", other_account.reference, Decimal("100.00"), day, "bank_transfer"),
    ]
    result = import_payments(rows, today=day)
    assert result.imported == 1
    assert [problem.line for problem in result.held] == [2]
    assert Payment.objects.filter(external_id="BANK-1").exists()
    assert not Payment.objects.filter(external_id=line.debit_reference).exists()
    # Run again: the same row is held again, nothing recorded twice.
    again = import_payments(rows, today=day)
    assert (again.imported, again.already_imported, len(again.held)) == (0, 1, 1)


# A dispute and automatic repayment --------------------------------------------------------


def test_a_disputed_account_keeps_its_debits_and_their_notice(plan, sms_outbox):
    set_up(plan, D(2027, 1, 20))
    open_dispute(
        plan.account,
        actor=user_of(plan),
        kind=DisputeKind.AMOUNT_WRONG,
        explanation="The late charge is wrong.",
        now=at_noon(D(2027, 2, 1)),
    )
    follow_plans(today=D(2027, 2, 7))
    notice = Notification.objects.filter(
        template=NotificationEvent.INSTALLMENT_DUE_SOON, context__due="2027-02-10"
    )
    # The debit goes ahead (the debtor's own instruction; cancelling it is one click), so
    # its notice does too, by SMS as well as on the portal.
    assert set(notice.values_list("channel", flat=True)) >= {"portal", "sms"}
    assert notice.first().context["debit_from"]  # type: ignore[union-attr]
    assert debited(D(2027, 2, 10)) == [f"DD-{plan.reference}-01-20270210"]
