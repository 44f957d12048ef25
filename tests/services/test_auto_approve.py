"""The auto-approve envelope: off by default; inside it, with a payment that fits the
debtor's figures, a request is approved by policy and the audit trail says so."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from negotiation.models import AuditEvent, RequestStatus
from negotiation.policy import Choices, Hardship
from negotiation.services.requests import submit_request
from tests.factories import HARDSHIP, make_installment_program

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def submit(account, program, *, months=12, hardship=HARDSHIP):
    return submit_request(
        account,
        actor=account.debtor.user,
        program=program,
        choices=Choices(months=months),
        hardship=hardship,
        now=timezone.now(),
    )


@pytest.fixture
def envelope_program(db):
    return make_installment_program(
        auto_approve=True, auto_approve_max_amount=Decimal("20000.00"), auto_approve_max_months=12
    )


def test_it_is_off_by_default(account, installment_program):
    assert installment_program.auto_approve is False
    assert submit(account, installment_program).status == RequestStatus.SUBMITTED


def test_inside_the_envelope_and_affordable_is_approved_by_policy(account, envelope_program):
    # 982.67 a month against 3,000 left over: about a third, which fits.
    request = submit(account, envelope_program)
    assert request.status == RequestStatus.APPROVED
    assert request.decided_by is None
    assert request.plan.installments.count() == 12
    moves = AuditEvent.objects.filter(object_id=request.pk, action="request.transition").order_by(
        "id"
    )
    assert [(e.actor_label, e.after["status"]) for e in moves] == [
        ("policy", "in_review"),
        ("policy", "approved"),
    ]
    assert all(e.actor is None for e in moves)


def test_beyond_the_envelope_goes_to_a_person(account, envelope_program):
    assert submit(account, envelope_program, months=13).status == RequestStatus.SUBMITTED


def test_a_tight_budget_goes_to_a_person(account, envelope_program):
    tight = Hardship(
        reason="job_loss",
        statement="x",
        monthly_income=Decimal("6500.00"),
        monthly_expenses=Decimal("5000.00"),
        dependents=0,
    )  # 982.67 of 1,500: 66%, tight
    assert submit(account, envelope_program, hardship=tight).status == RequestStatus.SUBMITTED


def test_an_incomplete_envelope_is_refused_by_validation(envelope_program):
    envelope_program.auto_approve_max_months = None
    with pytest.raises(ValidationError) as caught:
        envelope_program.full_clean()
    assert "auto_approve_max_months" in caught.value.message_dict
