"""The conduct rules of DOMAIN.md on outgoing messages: contact hours in the debtor's own
timezone, at most 7 reminders per account per 7 days, none while disputed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from negotiation.models import AccountStatus, CreditAccount, Notification
from negotiation.policy import next_allowed_time
from negotiation.services.notifications import notify_debtor, send_due_notifications
from tests.factories import make_request

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def at(tz: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz)


@pytest.mark.parametrize(
    ("moment", "tz", "expected"),
    [
        (at(SHANGHAI, 2026, 11, 23, 12, 0), SHANGHAI, at(SHANGHAI, 2026, 11, 23, 12, 0)),
        (at(SHANGHAI, 2026, 11, 23, 7, 59), SHANGHAI, at(SHANGHAI, 2026, 11, 23, 8, 0)),
        (at(SHANGHAI, 2026, 11, 23, 20, 59), SHANGHAI, at(SHANGHAI, 2026, 11, 23, 20, 59)),
        (at(SHANGHAI, 2026, 11, 23, 21, 0), SHANGHAI, at(SHANGHAI, 2026, 11, 24, 8, 0)),
        (at(SHANGHAI, 2026, 11, 23, 23, 30), SHANGHAI, at(SHANGHAI, 2026, 11, 24, 8, 0)),
        (at(SHANGHAI, 2026, 11, 24, 0, 30), SHANGHAI, at(SHANGHAI, 2026, 11, 24, 8, 0)),
        # Noon in Shanghai is 23:00 the day before in New York: wait for 08:00 there.
        (at(SHANGHAI, 2026, 11, 24, 12, 0), NEW_YORK, at(NEW_YORK, 2026, 11, 24, 8, 0)),
        (at(SHANGHAI, 2026, 12, 31, 22, 0), SHANGHAI, at(SHANGHAI, 2027, 1, 1, 8, 0)),
    ],
)
def test_contact_hours_in_the_debtors_own_time(moment, tz, expected):
    assert next_allowed_time(moment, tz) == expected


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
        "request.rejected",
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
    for n in range(9):
        notify_debtor(
            account.debtor, "installment.overdue", key=f"r{n}", request=request, context={}
        )
    assert Notification.objects.filter(channel="email").count() == 7
    assert Notification.objects.filter(channel="portal").count() == 9
    notify_debtor(account.debtor, "request.rejected", key="decision", request=request, context={})
    assert Notification.objects.filter(channel="email", template="request.rejected").count() == 1


@pytest.mark.django_db
def test_no_reminders_while_the_account_is_disputed(account, installment_program):
    request = make_request(account, installment_program)
    CreditAccount.objects.filter(pk=account.pk).update(status=AccountStatus.DISPUTED)
    request.account.refresh_from_db()
    notify_debtor(account.debtor, "installment.overdue", key="d", request=request, context={})
    assert not Notification.objects.filter(channel="email").exists()
