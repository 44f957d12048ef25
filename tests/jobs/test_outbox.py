"""The notification outbox: email and SMS in the debtor's language; a failed delivery kept
on its row (error, attempts, next try) and never lost; staff send it again from the admin;
reminders 3 days before each installment; receipts for every payment. Who may see the
outbox in the staff site: tests/admin/test_outbox.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from negotiation.models import (
    AccountStatus,
    AuditEvent,
    Notification,
    NotificationEvent,
    NotificationStatus,
    PlanStatus,
)
from negotiation.roles import SUPERVISORS
from negotiation.services.following import follow_plans
from negotiation.services.notifications import (
    MAX_ATTEMPTS,
    deliver_notification,
    notify_debtor,
    send_due_notifications,
)
from negotiation.services.payments import record_payment
from negotiation.services.requests import approve_request, reject_request
from tests.conftest import staff_client
from tests.factories import make_request, make_staff

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
OVERDUE = NotificationEvent.INSTALLMENT_OVERDUE


def overdue_context(request) -> dict[str, str]:
    """The context of a missed-payment reminder, as the daily job writes it."""
    return {"reference": request.reference, "page": "plan", "due": TODAY.isoformat()}


class BrokenMailServer:
    """An email backend whose server is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server refused the connection")


@pytest.fixture
def with_phone(account):
    debtor = account.debtor
    debtor.phone = "+86 138 0000 0000"
    debtor.save()
    return debtor


def reminders_on(today: dt.date) -> int:
    """How many payment reminders the daily job wrote on ``today``."""
    result = follow_plans(today=today)
    assert result is not None  # nothing else holds the job's lock here
    return result.due_soon


def deliver_pending() -> list[str]:
    return [
        deliver_notification(pk)
        for pk in Notification.objects.filter(status="pending").values_list("pk", flat=True)
    ]


def test_a_decision_goes_by_sms_too_saying_nothing_about_the_debt(
    account, installment_program, supervisor, with_phone, sms_outbox
):
    request = make_request(account, installment_program)
    reject_request(request, actor=supervisor, reason_code="other", explanation="x")
    assert sorted(Notification.objects.values_list("channel", flat=True)) == [
        "email",
        "portal",
        "sms",
    ]
    deliver_pending()
    (sms,) = sms_outbox
    assert sms.to == "+86 138 0000 0000"
    assert "sign in" in sms.body
    # A phone can be picked up by someone else: no reference, no amount.
    assert request.reference not in sms.body
    assert "¥" not in sms.body


def test_the_sms_is_in_the_debtors_language(
    account, installment_program, supervisor, with_phone, sms_outbox
):
    with_phone.preferred_language = "zh-hans"
    with_phone.save()
    reject_request(
        make_request(account, installment_program),
        actor=supervisor,
        reason_code="other",
        explanation="x",
    )
    deliver_pending()
    assert "请登录" in sms_outbox[0].body


def test_a_failed_email_stays_in_the_outbox_with_its_error_and_is_tried_later(
    account, installment_program, supervisor, settings
):
    settings.EMAIL_BACKEND = "tests.jobs.test_outbox.BrokenMailServer"
    request = make_request(account, installment_program)
    approve_request(request, actor=supervisor, today=TODAY)  # the decision stands regardless
    email = Notification.objects.get(channel="email")
    now = timezone.now()
    assert deliver_notification(email.pk, now=now) == NotificationStatus.PENDING
    email.refresh_from_db()
    assert email.attempts == 1
    assert "ConnectionRefusedError: mail server refused" in email.last_error
    assert email.scheduled_for >= now + dt.timedelta(minutes=2)  # backoff, within hours
    assert send_due_notifications(now=now) == 0  # not before its next try


def test_after_the_last_attempt_it_is_failed_and_staff_send_it_again(
    account, installment_program, supervisor, settings
):
    settings.EMAIL_BACKEND = "tests.jobs.test_outbox.BrokenMailServer"
    approve_request(make_request(account, installment_program), actor=supervisor, today=TODAY)
    email = Notification.objects.get(channel="email")
    moment = timezone.now()
    for _ in range(MAX_ATTEMPTS):
        email.refresh_from_db()
        moment = max(moment, email.scheduled_for)
        deliver_notification(email.pk, now=moment)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (NotificationStatus.FAILED, MAX_ATTEMPTS)
    assert send_due_notifications(now=moment + dt.timedelta(days=1)) == 0  # left for staff

    # The mail server is back; a supervisor sends it again from the outbox.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = staff_client(make_staff(SUPERVISORS))
    changelist = reverse("admin:negotiation_notification_changelist")
    page = client.get(changelist, {"status__exact": "failed"})
    assert "ConnectionRefusedError" in page.content.decode()
    response = client.post(
        changelist, {"action": "send_again_action", "_selected_action": [email.pk]}
    )
    assert response.status_code == 302
    email.refresh_from_db()
    assert (email.status, email.attempts) == (NotificationStatus.PENDING, 0)
    assert AuditEvent.objects.filter(action="notification.sent_again", object_id=email.pk).exists()
    send_due_notifications(now=email.scheduled_for)
    email.refresh_from_db()
    assert email.status == NotificationStatus.SENT
    assert len(mail.outbox) == 1


def test_a_reminder_by_email_and_sms_is_one_contact_for_the_cap(
    account, installment_program, with_phone
):
    request = make_request(account, installment_program)
    for n in range(8):
        notify_debtor(
            with_phone, OVERDUE, key=f"r{n}", request=request, context=overdue_context(request)
        )
    assert Notification.objects.filter(channel="email").count() == 7
    assert Notification.objects.filter(channel="sms").count() == 7


def test_a_reminder_waiting_for_the_morning_is_withheld_if_a_dispute_opens(
    account, installment_program
):
    request = make_request(account, installment_program)
    notify_debtor(
        account.debtor, OVERDUE, key="k", request=request, context=overdue_context(request)
    )
    email = Notification.objects.get(channel="email")
    type(account).objects.filter(pk=account.pk).update(status=AccountStatus.DISPUTED)
    assert deliver_notification(email.pk) == NotificationStatus.WITHHELD
    assert mail.outbox == []


def test_a_reminder_three_days_before_each_installment_once(active_plan):
    first = active_plan.installments.get(number=1)
    assert reminders_on(first.due_date - dt.timedelta(days=4)) == 0
    assert reminders_on(first.due_date - dt.timedelta(days=3)) == 1
    assert reminders_on(first.due_date - dt.timedelta(days=2)) == 0  # once
    portal = Notification.objects.get(template="installment.due_soon", channel="portal")
    assert portal.context["due"] == first.due_date.isoformat()
    assert portal.context["amount"] == f"¥{first.amount:,.2f}"


def test_a_missed_run_still_reminds_before_the_due_date(active_plan):
    first = active_plan.installments.get(number=1)
    assert reminders_on(first.due_date - dt.timedelta(days=1)) == 1


def test_no_reminder_for_an_installment_already_paid(account, active_plan):
    first = active_plan.installments.get(number=1)
    record_payment(
        account,
        actor=None,
        amount=first.amount,
        paid_on=TODAY,
        source="bank_transfer",
        external_id="EARLY-1",
        today=TODAY,
    )
    assert reminders_on(first.due_date - dt.timedelta(days=3)) == 0


def test_every_payment_gets_a_receipt_and_the_last_one_a_thank_you(account, active_plan):
    remaining = sum(i.amount for i in active_plan.installments.all())
    record_payment(
        account,
        actor=None,
        amount=Decimal("100.00"),
        paid_on=TODAY,
        source="bank_transfer",
        external_id="P-1",
        today=TODAY,
    )
    receipt = Notification.objects.get(template="payment.received", channel="portal")
    assert receipt.context["amount"] == "¥100.00"
    record_payment(
        account,
        actor=None,
        amount=remaining - Decimal("100.00"),
        paid_on=TODAY,
        source="bank_transfer",
        external_id="P-2",
        today=TODAY,
    )
    active_plan.refresh_from_db()
    assert active_plan.status == PlanStatus.COMPLETED
    assert Notification.objects.filter(template="payment.received", channel="portal").count() == 2
    assert Notification.objects.filter(template="plan.completed", channel="email").exists()


def test_sms_backends_by_short_name_and_a_misspelt_one_fails_the_checks(settings, tmp_path):
    import json

    from negotiation.apps import check_sms_backend
    from negotiation.sms import send_sms

    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    settings.SMS_BACKEND = "file"
    send_sms("+86 138 0000 0000", "hello")
    (line,) = settings.SMS_FILE_PATH.read_text().splitlines()
    assert json.loads(line)["to"] == "+86 138 0000 0000"
    assert check_sms_backend(None) == []
    settings.SMS_BACKEND = "negotiation.sms.NoSuchBackend"
    assert [e.id for e in check_sms_backend(None)] == ["negotiation.E001"]


def test_send_outbox_sends_what_is_due_and_in_the_demo_what_is_held(
    settings, sms_outbox, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from negotiation.models import Notification, NotificationEvent
    from negotiation.services.notifications import notify_debtor
    from tests.factories import make_debtor

    debtor = make_debtor(phone="13800138000", email="")
    with django_capture_on_commit_callbacks():  # nothing delivered at once: it is "held"
        (held,) = notify_debtor(
            debtor,
            NotificationEvent.INVITATION,
            key="x",
            context={"link": "https://portal/activate/t/", "hours": "72"},
            channels=["sms"],
        )
    later = timezone.now() + dt.timedelta(hours=3)  # as outside contact hours
    Notification.objects.filter(pk=held.pk).update(scheduled_for=later)
    out = StringIO()
    call_command("send_outbox", stdout=out)
    assert "0 message(s) sent" in out.getvalue()
    settings.DEBUG = False
    with pytest.raises(CommandError, match="demo only"):
        call_command("send_outbox", "--demo-now")
    settings.DEBUG = True
    out = StringIO()
    call_command("send_outbox", "--demo-now", stdout=out)
    assert "1 held message(s) moved to now" in out.getvalue()
    assert len(sms_outbox) == 1
    assert Notification.objects.get(pk=held.pk).status == "sent"
