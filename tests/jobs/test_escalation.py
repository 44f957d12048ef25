"""Answers past their due time: the job escalates each late request once to the
supervisors, never one that waits for the debtor, and the queue's filter shows them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from negotiation.models import AuditEvent, ReliefRequest
from negotiation.services.requests import ask_for_information
from tests.conftest import staff_client
from tests.factories import make_account, make_request

pytestmark = pytest.mark.django_db


def test_late_answers_are_escalated_once_to_the_supervisors(
    account, installment_program, specialist, supervisor
):
    from negotiation.services.requests import escalate_overdue_requests

    late = make_request(account, installment_program)
    waiting = ask_for_information(
        make_request(make_account(account.debtor, card_last4="8888"), installment_program),
        actor=specialist,
        question="?",
    )
    past = timezone.now() - dt.timedelta(hours=1)
    ReliefRequest.objects.filter(pk__in=[late.pk, waiting.pk]).update(due_by=past)
    assert (
        escalate_overdue_requests(now=timezone.now()) == 1
    )  # the one waiting on the debtor is not late
    assert escalate_overdue_requests(now=timezone.now()) == 0
    assert AuditEvent.objects.filter(action="request.escalated", object_id=late.pk).count() == 1
    page = (
        staff_client(supervisor)
        .get(reverse("admin:negotiation_reliefrequest_changelist"), {"sla": "escalated"})
        .content.decode()
    )
    assert late.reference in page
    assert waiting.reference not in page
