"""Promises to pay: made within PROMISE_MAX_DAYS and what is owed, one at a time; kept as
soon as the money arrives (the debtor thanked), broken the day after its date without it
(the debtor told, reminders resume); payment reminders rest while one is open; every move
audited; the specialist sees the history on the account. The page: promise_create."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from negotiation.models import (
    AuditAction,
    AuditEvent,
    InstallmentStatus,
    Notification,
    NotificationEvent,
    PromiseStatus,
    PromiseToPay,
)
from negotiation.roles import SPECIALISTS
from negotiation.services.following import follow_plans
from negotiation.services.payments import record_payment
from negotiation.services.promises import PromiseRefused, make_promise
from tests.conftest import staff_client
from tests.factories import make_active_plan, make_installment_program, make_staff

pytestmark = pytest.mark.django_db
NOW = timezone.now()
TODAY = timezone.localdate(NOW)


def promise(account, amount="500.00", days=7, now=NOW):
    return make_promise(
        account,
        actor=account.debtor.user,
        amount=Decimal(amount),
        by=timezone.localdate(now) + dt.timedelta(days=days),
        now=now,
    )


def pay(account, amount: str, n: int, on: dt.date = TODAY) -> None:
    record_payment(
        account,
        actor=None,
        amount=Decimal(amount),
        paid_on=on,
        source="bank_transfer",
        external_id=f"PROMISE-{account.pk}-{n}",
        today=on,
    )


def test_a_promise_is_kept_when_the_money_arrives_and_the_debtor_is_thanked(account):
    made = promise(account)
    assert AuditEvent.objects.get(action=AuditAction.PROMISE_MADE).after["amount"] == "500.00"
    pay(account, "200.00", 1)
    made.refresh_from_db()
    assert made.status == PromiseStatus.OPEN  # part of it
    pay(account, "300.00", 2)
    made.refresh_from_db()
    assert made.status == PromiseStatus.KEPT
    assert made.resolved_at is not None
    assert Notification.objects.filter(template=NotificationEvent.PROMISE_KEPT).exists()
    kept = AuditEvent.objects.get(action=AuditAction.PROMISE_TRANSITION)
    assert (kept.before, kept.after) == ({"status": "open"}, {"status": "kept", "paid": "500.00"})


def test_a_promise_not_kept_by_its_day_is_broken_and_the_debtor_told(account):
    made = promise(account, days=3)
    pay(account, "100.00", 1)
    follow_plans(today=TODAY + dt.timedelta(days=3))  # its day: still open
    made.refresh_from_db()
    assert made.status == PromiseStatus.OPEN
    follow_plans(today=TODAY + dt.timedelta(days=4))
    made.refresh_from_db()
    assert made.status == PromiseStatus.BROKEN
    told = Notification.objects.filter(template=NotificationEvent.PROMISE_BROKEN)
    assert told.exists()
    follow_plans(today=TODAY + dt.timedelta(days=5))  # once
    assert (
        told.count()
        == Notification.objects.filter(template=NotificationEvent.PROMISE_BROKEN).count()
    )


@pytest.mark.parametrize(
    ("amount", "days", "reason"),
    [
        ("500.00", 15, "Please choose a day from today to"),
        ("500.00", -1, "Please choose a day from today to"),
        ("0.00", 5, "above zero"),
        ("99999.00", 5, "That is more than the"),
    ],
)
def test_a_promise_keeps_to_the_limits(account, amount, days, reason):
    with pytest.raises(PromiseRefused, match=reason):
        promise(account, amount=amount, days=days)
    assert not PromiseToPay.objects.exists()


def test_one_promise_at_a_time(account):
    promise(account)
    with pytest.raises(PromiseRefused, match="already promised"):
        promise(account)


def test_reminders_rest_while_a_promise_is_open_and_resume_after(account, supervisor):
    program = make_installment_program(months_min=1, months_max=24)
    plan = make_active_plan(
        account, program, supervisor, months=6, today=TODAY - dt.timedelta(days=40)
    )
    first = plan.installments.get(number=1)
    assert first.due_date < TODAY  # overdue today
    promise(account, amount=str(first.amount), days=10)
    reminders = Notification.objects.filter(
        template__in=[NotificationEvent.INSTALLMENT_OVERDUE, NotificationEvent.INSTALLMENT_DUE_SOON]
    )
    follow_plans(today=TODAY)
    first.refresh_from_db()
    assert first.status == InstallmentStatus.OVERDUE  # the record is kept
    assert not reminders.exists()  # but the debtor is not reminded while the promise is open
    # The day passes without the money: the promise is broken and the debtor told.
    follow_plans(today=TODAY + dt.timedelta(days=11))
    assert Notification.objects.filter(template=NotificationEvent.PROMISE_BROKEN).exists()
    # Reminders are back: the next installment is reminded before it falls due.
    second = plan.installments.get(number=2)
    follow_plans(today=second.due_date - dt.timedelta(days=2))
    assert reminders.filter(template=NotificationEvent.INSTALLMENT_DUE_SOON).exists()


def test_the_page_takes_a_promise_and_the_specialist_sees_it(debtor_client, account):
    url = reverse("negotiation:promise_create", args=[account.reference])
    by = (TODAY + dt.timedelta(days=5)).isoformat()
    refused = debtor_client.post(url, {"amount": "1e3", "by": by}).content.decode()
    assert "Please enter “How much you will pay” in the digits 0-9" in refused
    assert not PromiseToPay.objects.exists()
    done = debtor_client.post(url, {"amount": "800", "by": by}, follow=True).content.decode()
    assert "We have noted that you will pay ¥800.00" in done
    assert 'data-testid="open-promise"' in done
    page = staff_client(make_staff(SPECIALISTS)).get(
        reverse("admin:negotiation_creditaccount_change", args=[account.pk])
    )
    assert "800.00" in page.content.decode()
    assert "Open" in page.content.decode()


def test_another_debtor_cannot_promise_on_the_account(other_client, account):
    url = reverse("negotiation:promise_create", args=[account.reference])
    assert other_client.post(url, {"amount": "800", "by": TODAY.isoformat()}).status_code == 404
    assert not PromiseToPay.objects.exists()


def test_a_refusal_is_said_once_in_the_portal_s_words(debtor_client, account):
    url = reverse("negotiation:promise_create", args=[account.reference])
    late = (TODAY + dt.timedelta(days=30)).isoformat()
    page = debtor_client.post(url, {"amount": "800", "by": late}).content.decode()
    assert page.count("Please choose a day from today to") == 1
    assert "This field is required" not in debtor_client.post(url, {}).content.decode()
