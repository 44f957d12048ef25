"""Approval in bulk (the queue's action): only what the auto-approve envelope would approve
and the user may approve alone, each through the one approval service; anything else is
refused as it stands, never turned into a recommendation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from negotiation.exceptions import (
    BeyondApprovalLimit,
    NotApprovableInBulk,
    OutsideAutoApproveEnvelope,
)
from negotiation.models import ApprovalLimit, AuditEvent, Program, ReliefRequest, RequestStatus
from negotiation.roles import SPECIALISTS
from negotiation.services.requests import approve_request, approve_within_envelope
from tests.factories import make_account, make_request, make_staff

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def open_envelope(program: Program, *, months: int = 24) -> None:
    """A supervisor opens the envelope after the requests came in (at submission they
    would have been approved by policy at once)."""
    Program.objects.filter(pk=program.pk).update(
        auto_approve=True,
        auto_approve_max_amount=Decimal("20000.00"),
        auto_approve_max_months=months,
    )


@pytest.fixture
def limited(db):
    """A specialist who may approve alone up to 20 months."""
    user = make_staff(SPECIALISTS)
    ApprovalLimit.objects.create(user=user, max_amount=Decimal("50000.00"), max_months=20)
    return user


def test_inside_the_envelope_and_the_limit_it_is_approved(debtor, installment_program, limited):
    request = make_request(make_account(debtor, card_last4="1001"), installment_program, months=18)
    open_envelope(installment_program)
    approved = approve_within_envelope(
        request, actor=limited, today=TODAY, expected_version=request.version
    )
    assert approved.status == RequestStatus.APPROVED
    assert approved.decided_by == limited
    assert approved.plan.agreed_on == TODAY
    moves = AuditEvent.objects.filter(object_id=request.pk, action="request.transition")
    # The same moves as any approval: into review, then approved, each audited by the user.
    assert [(e.after["status"], e.actor_id) for e in moves.order_by("id")] == [
        ("in_review", limited.pk),
        ("approved", limited.pk),
    ]


def test_outside_the_envelope_it_is_left_as_it_was(debtor, installment_program, limited):
    request = make_request(make_account(debtor, card_last4="1002"), installment_program, months=30)
    open_envelope(installment_program)
    with pytest.raises(OutsideAutoApproveEnvelope):
        approve_within_envelope(request, actor=limited, today=TODAY)
    unchanged = ReliefRequest.objects.get(pk=request.pk)
    assert (unchanged.status, unchanged.version) == (RequestStatus.SUBMITTED, request.version)


def test_beyond_the_users_limit_it_is_refused_not_recommended(debtor, installment_program, limited):
    request = make_request(make_account(debtor, card_last4="1003"), installment_program, months=24)
    open_envelope(installment_program)
    with pytest.raises(BeyondApprovalLimit):
        approve_within_envelope(request, actor=limited, today=TODAY)
    unchanged = ReliefRequest.objects.get(pk=request.pk)
    assert unchanged.status == RequestStatus.SUBMITTED
    assert unchanged.first_approved_by is None


def test_a_second_approval_is_never_given_in_bulk(debtor, installment_program, limited, supervisor):
    request = make_request(make_account(debtor, card_last4="1004"), installment_program, months=24)
    recommended = approve_request(request, actor=limited, today=TODAY)
    assert recommended.status == RequestStatus.AWAITING_SECOND_APPROVAL
    open_envelope(installment_program)
    with pytest.raises(NotApprovableInBulk):
        approve_within_envelope(recommended, actor=supervisor, today=TODAY)
    assert ReliefRequest.objects.get(pk=request.pk).status == RequestStatus.AWAITING_SECOND_APPROVAL
