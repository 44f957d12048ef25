"""Background work: decisions reach the debtor in the portal and by email after commit, in
their language; with a broker configured, a real worker on Redis sends the email."""

from __future__ import annotations

import os
import time

import pytest
from django.core import mail
from django.utils import timezone

from negotiation.models import Notification, NotificationStatus
from negotiation.services.requests import approve_request, reject_request
from negotiation.tasks import send_notification
from tests.factories import make_request

pytestmark = pytest.mark.django_db


def test_approval_notifies_in_the_portal_and_by_email_after_commit(
    account, installment_program, supervisor, django_capture_on_commit_callbacks
):
    request = make_request(account, installment_program)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        approve_request(request, actor=supervisor, today=timezone.localdate())
    assert len(callbacks) == 1
    portal = Notification.objects.get(channel="portal")
    assert (portal.template, portal.status, portal.read_at) == ("request.approved", "sent", None)
    email = Notification.objects.get(channel="email")
    assert email.status == NotificationStatus.SENT
    (message,) = mail.outbox
    assert message.to == [account.debtor.email]
    assert request.reference in message.subject
    assert "has been approved" in message.body


def test_nothing_is_sent_before_the_decision_commits(
    account, installment_program, supervisor, django_capture_on_commit_callbacks
):
    request = make_request(account, installment_program)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        approve_request(request, actor=supervisor, today=timezone.localdate())
    assert mail.outbox == []
    assert len(callbacks) == 1  # queued for commit, not sent inside the transaction


def test_sending_twice_sends_once(account, installment_program, supervisor):
    request = make_request(account, installment_program)
    approve_request(request, actor=supervisor, today=timezone.localdate())
    email = Notification.objects.get(channel="email")
    assert send_notification(email.pk) == "sent"
    assert send_notification(email.pk) == "sent"
    assert len(mail.outbox) == 1


def test_the_email_is_in_the_debtors_language(account, installment_program, supervisor):
    debtor = account.debtor
    debtor.preferred_language = "zh-hans"
    debtor.save()
    request = make_request(account, installment_program)
    reject_request(request, actor=supervisor, reason_code="other", explanation="x")
    send_notification(Notification.objects.get(channel="email").pk)
    assert "您的申请" in mail.outbox[-1].subject


def test_no_email_address_means_a_portal_notification_only(
    account, installment_program, supervisor
):
    debtor = account.debtor
    debtor.email = ""
    debtor.save()
    request = make_request(account, installment_program)
    approve_request(request, actor=supervisor, today=timezone.localdate())
    assert list(Notification.objects.values_list("channel", flat=True)) == ["portal"]


@pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (Redis)"
)
@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_email_through_the_broker(
    account, installment_program, supervisor, settings
):
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    request = make_request(account, installment_program)
    app.conf.task_always_eager = False
    app.control.purge()  # nothing left over from an earlier run may be consumed here
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        approve_request(request, actor=supervisor, today=timezone.localdate())  # commits: sends
        deadline = time.monotonic() + 20
        while not mail.outbox and time.monotonic() < deadline:
            time.sleep(0.05)
    assert [m.subject for m in mail.outbox if request.reference in m.subject]
    assert Notification.objects.get(channel="email").status == NotificationStatus.SENT


@pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (Redis)"
)
@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_task_delivered_twice_sends_the_email_once(
    account, installment_program, supervisor, settings
):
    """Redis may deliver a message again (a worker lost before its ack, a visibility
    timeout); the same task published three times, twice with one id, sends one email."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from portal.celery import app

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    runs: list[str] = []

    def count(sender=None, task_id=None, **kwargs):
        if sender is not None and sender.name == send_notification.name:
            runs.append(task_id)

    task_postrun.connect(count, weak=False)
    app.conf.task_always_eager = False
    app.control.purge()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            request = make_request(account, installment_program)
            approve_request(request, actor=supervisor, today=timezone.localdate())
            email = Notification.objects.get(channel="email")
            send_notification.apply_async((email.pk,), task_id="redelivered")
            send_notification.apply_async((email.pk,), task_id="redelivered")
            deadline = time.monotonic() + 20
            while len(runs) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        task_postrun.disconnect(count)
    assert len(runs) == 3  # the worker ran it three times...
    assert len([m for m in mail.outbox if request.reference in m.subject]) == 1  # ...sent once
    email.refresh_from_db()
    assert (email.status, email.attempts) == (NotificationStatus.SENT, 1)
