"""One bad item never stops a periodic job: it is rolled back, logged and counted, and the
others are handled (services.jobitems). And a job's messages go to the workers in batches,
never a task per debtor. (The follow-up's own case, an inconsistent plan, is in
test_plan_following.py.)"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from negotiation.models import (
    IntentStatus,
    Notification,
    NotificationEvent,
    PaymentIntent,
    ReliefRequest,
)
from negotiation.queueing import SEND_NOTIFICATION, SEND_NOTIFICATIONS
from negotiation.services import intents, notifications, requests
from negotiation.services.following import follow_plans
from negotiation.services.jobitems import Failures
from negotiation.services.notifications import (
    DISPATCH_BATCH,
    dispatch_due_notifications,
    notify_debtor,
)
from tests.factories import make_account, make_active_plan, make_debtor, make_request

pytestmark = pytest.mark.django_db


class Planted(Exception):
    """The failure a test plants in one item."""


def test_a_failure_is_rolled_back_logged_counted_and_not_raised(debtor, caplog):
    failures = Failures("a job")
    done = []
    for n in range(3):
        with failures.each(f"item {n}"):
            make_account(debtor, card_last4=f"{n:04d}")
            if n == 1:
                raise Planted
            done.append(n)
    assert done == [0, 2]
    assert failures.items == ["item 1"]
    assert debtor.accounts.count() == 2  # item 1's account rolled back with it
    assert "a job: item 1 failed" in caplog.text


def test_one_failing_request_does_not_stop_the_escalations(
    account, installment_program, monkeypatch, caplog
):
    bad = make_request(account, installment_program)
    good = make_request(make_account(account.debtor, card_last4="8888"), installment_program)
    ReliefRequest.objects.filter(pk__in=[bad.pk, good.pk]).update(
        due_by=timezone.now() - dt.timedelta(hours=1)
    )
    from negotiation.services.audit import record_event as real

    def record_event(obj, **kwargs):
        if obj.pk == bad.pk:
            raise Planted
        return real(obj, **kwargs)

    monkeypatch.setattr("negotiation.services.requests.record_event", record_event)
    assert requests.escalate_overdue_requests(now=timezone.now()) == 1
    assert ReliefRequest.objects.get(pk=good.pk).escalated_at is not None
    assert ReliefRequest.objects.get(pk=bad.pk).escalated_at is None  # rolled back
    assert f"request {bad.pk} failed" in caplog.text


def test_one_failing_payment_intent_does_not_stop_the_expiries(account, monkeypatch):
    late = timezone.now() - dt.timedelta(hours=1)
    started = [
        intents.start_payment(
            account,
            plan=None,
            actor=account.debtor.user,
            amount=Decimal("10.00"),
            provider="sandbox",
            now=late,
        )
        for _ in range(2)
    ]
    bad = started[0]
    real = intents.transition_intent

    def transition_intent(intent, to, **kwargs):
        if intent.pk == bad.pk:
            raise Planted
        return real(intent, to, **kwargs)

    monkeypatch.setattr(intents, "transition_intent", transition_intent)
    assert intents.expire_payment_intents(now=timezone.now()) == 1
    statuses = dict(PaymentIntent.objects.values_list("pk", "status"))
    assert statuses == {bad.pk: IntentStatus.PENDING, started[1].pk: IntentStatus.EXPIRED}


def test_the_dispatcher_queues_a_task_per_batch_not_per_message(monkeypatch):
    queued: list[tuple[str, list[int]]] = []
    monkeypatch.setattr(
        notifications, "delay_after_commit", lambda name, ids: queued.append((name, ids))
    )
    debtor = make_debtor(phone="13800138000")
    for n in range(DISPATCH_BATCH + 3):
        notify_debtor(
            debtor,
            NotificationEvent.INVITATION,
            key=f"k{n}",
            context={"link": "https://portal/activate/t/", "hours": "72"},
            channels=["sms"],
            deliver=False,
        )
    assert queued == []  # deliver=False: left for the dispatcher, no task of their own
    due = Notification.objects.filter(channel="sms", status="pending")
    assert due.count() == DISPATCH_BATCH + 3
    assert dispatch_due_notifications(now=timezone.now()) == DISPATCH_BATCH + 3
    assert [(name, len(ids)) for name, ids in queued] == [
        (SEND_NOTIFICATIONS, DISPATCH_BATCH),
        (SEND_NOTIFICATIONS, 3),
    ]
    assert sorted(queued[0][1] + queued[1][1]) == sorted(due.values_list("pk", flat=True))


def test_the_follow_up_queues_no_task_per_debtor(
    account, installment_program, specialist, monkeypatch
):
    plan = make_active_plan(account, installment_program, specialist)
    due = plan.installments.get(number=1).due_date
    queued: list[str] = []
    monkeypatch.setattr(
        notifications, "delay_after_commit", lambda name, *args: queued.append(name)
    )
    result = follow_plans(today=due - dt.timedelta(days=1), now=timezone.now())
    assert result is not None
    assert result.due_soon == 1
    assert Notification.objects.filter(template="installment.due_soon", channel="email").exists()
    assert SEND_NOTIFICATION not in queued
    assert queued == [SEND_NOTIFICATIONS]  # the reminder, in the run's one batch
