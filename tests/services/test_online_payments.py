"""Paying online (services.intents): a payment started is recorded as waiting, audited, and
checked like every payment (what is owed, counting the payments still waiting); the
provider's verified notification confirms it once by its event id, through record_payment,
so the allocation is exactly that of any other payment; a notification that does not match
is held for staff; one for a payment never started writes nothing; out of order, a failure
after the outcome is ignored and a late success still recorded; nobody's word expires it
but the clock's. The pages and the webhook: tests/web/test_pay.py."""

from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from negotiation.models import (
    AccountStatus,
    AuditAction,
    AuditEvent,
    CreditAccount,
    EventOutcome,
    Installment,
    IntentStatus,
    Notification,
    NotificationEvent,
    Payment,
    PaymentEvent,
    PaymentIntent,
    PlanStatus,
)
from negotiation.payproviders import FAILED, SUCCEEDED, SandboxProvider
from negotiation.services.intents import (
    PaymentNotStarted,
    UnknownIntent,
    expire_payment_intents,
    open_checkout,
    receive_notification,
    start_payment,
)
from negotiation.services.payments import record_payment
from tests.factories import make_account, make_active_plan

pytestmark = pytest.mark.django_db
NOW = timezone.now()
TODAY = timezone.localdate(NOW)
SANDBOX = SandboxProvider()


def start(account, amount="500.00", *, plan=None, now=NOW) -> PaymentIntent:
    return start_payment(
        account,
        plan=plan,
        actor=account.debtor.user,
        amount=Decimal(amount),
        provider="sandbox",
        now=now,
    )


def notify(
    intent: PaymentIntent,
    kind: str = SUCCEEDED,
    *,
    event_id: str = "evt_1",
    amount: str | None = None,
    currency: str | None = None,
    payment_id: str = "pay_1",
    reference: str | None = None,
    now: dt.datetime = NOW,
):
    """The sandbox's notification, signed, through the one entry of every provider's."""
    body = json.dumps(
        {
            "id": event_id,
            "type": f"payment.{kind}",
            "intent": reference or intent.reference,
            "payment_id": payment_id,
            "amount": amount or str(intent.amount),
            "currency": currency or intent.currency,
            "occurred_at": now.isoformat(),
        }
    ).encode()
    return receive_notification(SANDBOX, body, SANDBOX.signed(body, now=now), now=now)


def fresh(intent: PaymentIntent) -> PaymentIntent:
    return PaymentIntent.objects.get(pk=intent.pk)


# Starting ------------------------------------------------------------------------------


def test_a_started_payment_waits_for_its_provider_and_is_audited(account):
    intent = start(account, "500.00")
    assert intent.status == IntentStatus.PENDING
    assert (intent.amount, intent.currency, intent.provider) == (
        Decimal("500.00"),
        "CNY",
        "sandbox",
    )
    assert intent.expires_at == NOW + dt.timedelta(minutes=30)
    started = AuditEvent.objects.get(action=AuditAction.PAYMENT_INTENT_STARTED)
    assert started.actor == account.debtor.user
    assert started.after["amount"] == "500.00"
    assert started.after["account"] == account.reference
    # Nothing is paid until the provider says so.
    account.refresh_from_db()
    assert account.total_balance == Decimal("11000.00")
    assert not Payment.objects.exists()


def test_the_checkout_is_the_sandboxs_page_with_the_way_back(account):
    intent = start(account)
    url = open_checkout(intent, return_url="https://portal.example/payments/back/")
    assert url.startswith(f"/payments/sandbox/{intent.reference}/?return=")


@pytest.mark.parametrize("amount", ["0.00", "-5.00", "10.005", "11000.01"])
def test_an_amount_that_is_no_payment_or_more_than_owed_starts_nothing(account, amount):
    with pytest.raises(PaymentNotStarted):
        start(account, amount)
    assert not PaymentIntent.objects.exists()
    assert not AuditEvent.objects.exists()


def test_two_checkouts_cannot_pay_the_same_balance_twice(account):
    start(account, "11000.00")
    with pytest.raises(PaymentNotStarted, match="still waiting for confirmation"):
        start(account, "1.00")
    # Once the first lapses, the balance can be paid again.
    expire_payment_intents(now=NOW + dt.timedelta(minutes=31))
    assert start(account, "11000.00").status == IntentStatus.PENDING


def test_a_provider_not_enabled_starts_nothing(account, settings):
    settings.PAYMENTS_SANDBOX_ENABLED = False  # DEBUG is off in the tests: refused
    with pytest.raises(PaymentNotStarted):
        start(account)
    assert not PaymentIntent.objects.exists()


def test_a_provider_that_cannot_be_reached_closes_the_intent(account, monkeypatch):
    intent = start(account)

    def unreachable(self, checkout, *, return_url):
        raise OSError("connection refused")

    monkeypatch.setattr(SandboxProvider, "start", unreachable)
    with pytest.raises(PaymentNotStarted, match="No money was taken"):
        open_checkout(intent, return_url="/")
    assert fresh(intent).status == IntentStatus.FAILED
    moved = AuditEvent.objects.get(action=AuditAction.PAYMENT_INTENT_TRANSITION)
    assert moved.after == {"status": "failed", "reason": "unreachable", "payment": None}


# Confirming ----------------------------------------------------------------------------


def test_a_confirmation_records_the_payment_by_the_rules_of_every_payment(account):
    intent = start(account, "500.00")
    assert notify(intent, payment_id="pay_ABC").outcome == EventOutcome.APPLIED
    intent = fresh(intent)
    assert intent.status == IntentStatus.SUCCEEDED
    assert intent.resolved_at is not None
    assert intent.provider_payment_id == "pay_ABC"
    payment = intent.payment
    assert payment is not None
    assert (payment.amount, payment.source, payment.external_id, payment.paid_on) == (
        Decimal("500.00"),
        "online",
        "sandbox:pay_ABC",
        TODAY,
    )
    account.refresh_from_db()
    assert account.penalty == Decimal("0.00")  # late charges first, as every payment
    assert account.fees == Decimal("0.00")
    assert account.interest == Decimal("500.00")
    assert Notification.objects.filter(template=NotificationEvent.PAYMENT_RECEIVED).exists()
    recorded = AuditEvent.objects.get(action=AuditAction.PAYMENT_RECORDED)
    assert recorded.actor_label == "payment provider sandbox"
    received = AuditEvent.objects.get(action=AuditAction.PAYMENT_EVENT_RECEIVED)
    assert received.after["outcome"] == "applied"
    assert received.after["status"] == "succeeded"


def test_a_notification_delivered_twice_changes_nothing_the_second_time(account):
    intent = start(account, "500.00")
    first = notify(intent, event_id="evt_same")
    rows = AuditEvent.objects.count()
    again = notify(intent, event_id="evt_same")
    assert (first.again, again.again) == (False, True)
    assert again.outcome == first.outcome == EventOutcome.APPLIED
    assert Payment.objects.count() == 1
    assert PaymentEvent.objects.count() == 1
    assert AuditEvent.objects.count() == rows


@pytest.mark.parametrize(
    ("amount", "currency"), [("499.99", None), ("5000.00", None), (None, "USD")]
)
def test_a_notification_that_does_not_match_is_held_and_confirms_nothing(account, amount, currency):
    intent = start(account, "500.00")
    receipt = notify(intent, amount=amount, currency=currency)
    assert receipt.outcome == EventOutcome.HELD
    intent = fresh(intent)
    assert intent.status == IntentStatus.PENDING
    assert "not confirmed" in intent.problem
    assert not Payment.objects.exists()
    held = AuditEvent.objects.get(action=AuditAction.PAYMENT_EVENT_RECEIVED)
    assert held.after["outcome"] == "held"
    assert held.after["problem"] == intent.problem
    # The same notification again is held again, and written once.
    assert notify(intent, amount=amount, currency=currency).again
    assert PaymentEvent.objects.get().outcome == EventOutcome.HELD


def test_a_notification_for_a_payment_never_started_writes_nothing(account, other_account):
    intent = start(account)
    rows = AuditEvent.objects.count()
    with pytest.raises(UnknownIntent):
        notify(intent, reference="PI-NONE-NONE")
    # Another provider's payment is no payment of the sandbox's either.
    PaymentIntent.objects.filter(pk=intent.pk).update(provider="other")
    with pytest.raises(UnknownIntent):
        notify(intent)
    assert AuditEvent.objects.count() == rows
    assert not PaymentEvent.objects.exists()
    assert not Payment.objects.exists()


def test_a_decline_closes_the_payment_and_takes_nothing(account):
    intent = start(account)
    assert notify(intent, FAILED).outcome == EventOutcome.APPLIED
    assert fresh(intent).status == IntentStatus.FAILED
    assert not Payment.objects.exists()


# Out of order ---------------------------------------------------------------------------


def test_a_failure_after_the_success_is_ignored(account):
    intent = start(account)
    notify(intent, event_id="evt_ok")
    assert notify(intent, FAILED, event_id="evt_late").outcome == EventOutcome.IGNORED
    assert fresh(intent).status == IntentStatus.SUCCEEDED
    assert Payment.objects.count() == 1


def test_a_second_success_under_another_event_id_records_nothing_more(account):
    intent = start(account)
    notify(intent, event_id="evt_1", payment_id="pay_1")
    assert notify(intent, event_id="evt_2", payment_id="pay_2").outcome == EventOutcome.IGNORED
    assert Payment.objects.count() == 1


@pytest.mark.parametrize("first", ["expired", "failed"])
def test_a_success_after_an_expiry_or_a_failure_is_still_recorded(account, first):
    intent = start(account)
    if first == "expired":
        expire_payment_intents(now=NOW + dt.timedelta(hours=1))
    else:
        notify(intent, FAILED, event_id="evt_failed")
    assert fresh(intent).status == first
    assert notify(intent, event_id="evt_ok").outcome == EventOutcome.APPLIED
    assert fresh(intent).status == IntentStatus.SUCCEEDED
    assert Payment.objects.count() == 1


def test_a_failure_after_an_expiry_is_ignored(account):
    intent = start(account)
    expire_payment_intents(now=NOW + dt.timedelta(hours=1))
    assert notify(intent, FAILED).outcome == EventOutcome.IGNORED
    assert fresh(intent).status == IntentStatus.EXPIRED


def test_a_success_the_ledger_cannot_take_is_held_for_staff(account):
    intent = start(account, "11000.00")
    # Meanwhile the whole balance arrived another way.
    record_payment(
        account,
        actor=None,
        amount=Decimal("11000.00"),
        paid_on=TODAY,
        source="bank_transfer",
        external_id="BANK-1",
        today=TODAY,
    )
    assert notify(intent).outcome == EventOutcome.HELD
    intent = fresh(intent)
    assert intent.status == IntentStatus.PENDING
    assert intent.problem.startswith("Confirmed by the provider but not recorded")
    assert Payment.objects.count() == 1


# Expiry ---------------------------------------------------------------------------------


def test_payments_no_provider_confirmed_in_time_expire(account):
    waiting = start(account, "100.00")
    later = start(account, "100.00", now=NOW + dt.timedelta(minutes=20))
    confirmed = start(account, "100.00")
    notify(confirmed)
    assert expire_payment_intents(now=NOW + dt.timedelta(minutes=29)) == 0
    assert expire_payment_intents(now=NOW + dt.timedelta(minutes=31)) == 1
    assert [fresh(i).status for i in (waiting, later, confirmed)] == [
        "expired",
        "pending",
        "succeeded",
    ]
    expired = AuditEvent.objects.filter(action=AuditAction.PAYMENT_INTENT_TRANSITION).first()
    assert expired is not None
    assert expired.after["reason"] == "expired"
    assert fresh(waiting).resolved_at == expired.at
    assert expire_payment_intents(now=NOW + dt.timedelta(minutes=31)) == 0  # safe twice


# The same rules as every other payment -------------------------------------------------


def _state(account: CreditAccount):
    account.refresh_from_db()
    plan = account.plans.get()
    installments = list(
        Installment.objects.filter(plan=plan)
        .order_by("number")
        .values_list("paid_amount", "status")
    )
    ledger = (account.principal, account.interest, account.fees, account.penalty)
    return ledger, account.status, plan.status, installments


@pytest.mark.parametrize("amount", ["100.00", "3732.67", "5000.00", "whole"])
def test_an_online_payment_is_allocated_exactly_as_a_bank_transfer(
    debtor, installment_program, specialist, amount
):
    by_bank = make_account(debtor, card_last4="1001")
    online = make_account(debtor, card_last4="1002")
    plan = make_active_plan(by_bank, installment_program, specialist)
    online_plan = make_active_plan(online, installment_program, specialist)
    whole = amount == "whole"
    amount = str(plan.total_repayable) if whole else amount
    record_payment(
        by_bank,
        actor=None,
        amount=Decimal(amount),
        paid_on=TODAY,
        source="bank_transfer",
        external_id="BANK-1",
        today=TODAY,
    )
    notify(start(online, amount, plan=online_plan))
    assert _state(online) == _state(by_bank)
    if whole:  # the plan's total: completed and settled, both ways
        assert _state(online)[1:3] == (AccountStatus.SETTLED, PlanStatus.COMPLETED)


# At the same time ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_one_notification_delivered_twice_at_once_pays_once(debtor):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    account = make_account(debtor)
    intent = start(account, "500.00")
    outcomes: list[object] = []
    barrier = threading.Barrier(2)

    def deliver() -> None:
        barrier.wait()
        try:
            outcomes.append(notify(intent, event_id="evt_race"))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(receipt.again for receipt in outcomes) == [False, True]  # type: ignore[attr-defined]
    assert Payment.objects.count() == 1
    assert PaymentEvent.objects.count() == 1


def test_the_periodic_job_expires_them(account):
    from negotiation import tasks

    intent = start(account, now=timezone.now() - dt.timedelta(hours=1))
    assert tasks.expire_payment_intents() == 1
    assert fresh(intent).status == IntentStatus.EXPIRED
