"""Background work: decisions reach the debtor by email after commit, in their language;
with a broker configured, a real worker on Redis runs the task."""

from __future__ import annotations

import os
import time

import pytest
from django.core import mail
from django.utils import timezone

from negotiation.services.requests import approve_request, reject_request
from negotiation.tasks import send_request_update
from tests.factories import make_request

pytestmark = pytest.mark.django_db


def test_approval_emails_the_debtor_after_commit(
    account, installment_program, specialist, django_capture_on_commit_callbacks
):
    request = make_request(account, installment_program)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        approve_request(request, actor=specialist, today=timezone.localdate())
    assert len(callbacks) == 1
    (message,) = mail.outbox
    assert message.to == [account.debtor.email]
    assert request.reference in message.subject
    assert "has been approved" in message.body


def test_nothing_is_sent_if_the_decision_rolls_back(
    account, installment_program, specialist, django_capture_on_commit_callbacks
):
    request = make_request(account, installment_program)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        approve_request(request, actor=specialist, today=timezone.localdate())
    assert mail.outbox == []
    assert len(callbacks) == 1  # queued for commit, not sent inside the transaction


def test_the_email_is_in_the_debtors_language(account, installment_program, specialist):
    debtor = account.debtor
    debtor.preferred_language = "zh-hans"
    debtor.save()
    request = make_request(account, installment_program)
    reject_request(request, actor=specialist, reason_code="other", explanation="x")
    assert send_request_update(request.pk, "rejected") is True
    assert "您的申请" in mail.outbox[-1].subject


def test_no_email_address_means_no_email(account, installment_program):
    debtor = account.debtor
    debtor.email = ""
    debtor.save()
    request = make_request(account, installment_program)
    assert send_request_update(request.pk, "approved") is False
    assert mail.outbox == []


@pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL"), reason="needs CELERY_BROKER_URL (Redis)"
)
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_task_through_the_broker(account, installment_program, settings):
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    request = make_request(account, installment_program)
    app.conf.task_always_eager = False
    app.control.purge()  # nothing left over from an earlier run may be consumed here
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        send_request_update.delay(request.pk, "approved")
        deadline = time.monotonic() + 20
        while not mail.outbox and time.monotonic() < deadline:
            time.sleep(0.05)
    assert [m.subject for m in mail.outbox if request.reference in m.subject]
