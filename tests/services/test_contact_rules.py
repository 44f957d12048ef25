"""The conduct rules of DOMAIN.md on outgoing messages: a message at night waits for the
morning in the debtor's own timezone, at most 7 reminders per account per 7 days, none
while disputed. The contact-hours rule itself is pure: tests/unit/test_policy.py."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from negotiation.models import AccountStatus, CreditAccount, Notification, NotificationEvent
from negotiation.services.notifications import notify_debtor, send_due_notifications
from tests.factories import make_request

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.django_db
def test_a_message_at_night_waits_for_the_morning(account, installment_program, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    debtor = account.debtor
    now = timezone.now()
    # A timezone where it is 02:00 now.
    offset = (2 - now.astimezone(dt.UTC).hour + 12) % 24 - 12
    debtor.timezone = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"
    debtor.save()
    request = make_request(account, installment_program)
    notify_debtor(
        debtor,
        NotificationEvent.REQUEST_REJECTED,
        key="night",
        request=request,
        context={"reference": request.reference},
    )
    email = Notification.objects.get(channel="email")
    assert email.status == "pending"
    assert email.scheduled_for > now + dt.timedelta(hours=5)  # 08:00 there, six hours on
    assert Notification.objects.get(channel="portal").status == "sent"  # the inbox is not a contact
    assert send_due_notifications(now=now) == 0
    assert send_due_notifications(now=email.scheduled_for) == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_at_most_seven_reminders_a_week_per_account(account, installment_program):
    request = make_request(account, installment_program)
    overdue = {"reference": request.reference, "page": "plan", "due": "2027-01-15"}
    for n in range(9):
        notify_debtor(
            account.debtor,
            NotificationEvent.INSTALLMENT_OVERDUE,
            key=f"r{n}",
            request=request,
            context=overdue,
        )
    assert Notification.objects.filter(channel="email").count() == 7
    assert Notification.objects.filter(channel="portal").count() == 9
    notify_debtor(
        account.debtor,
        NotificationEvent.REQUEST_REJECTED,
        key="decision",
        request=request,
        context={"reference": request.reference},
    )
    assert Notification.objects.filter(channel="email", template="request.rejected").count() == 1


@pytest.mark.django_db
def test_no_reminders_while_the_account_is_disputed(account, installment_program):
    request = make_request(account, installment_program)
    CreditAccount.objects.filter(pk=account.pk).update(status=AccountStatus.DISPUTED)
    request.account.refresh_from_db()
    notify_debtor(
        account.debtor,
        NotificationEvent.INSTALLMENT_OVERDUE,
        key="d",
        request=request,
        context={"reference": request.reference, "page": "plan", "due": "2027-01-15"},
    )
    assert not Notification.objects.filter(channel="email").exists()
