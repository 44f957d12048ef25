"""Four-eyes: beyond a specialist's approval limit (or the program's bounds) an approval
is a recommendation for a supervisor, never approved twice by the same person, down to
the database; a supervisor may send it back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from negotiation.exceptions import SameApprover
from negotiation.models import ApprovalLimit, ReliefRequest, RequestStatus
from negotiation.roles import SUPERVISORS
from negotiation.services.requests import approve_request, send_back
from tests.factories import make_installment_program, make_request, make_staff

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_beyond_the_limit_an_approval_is_a_recommendation(
    account, installment_program, specialist, supervisor
):
    ApprovalLimit.objects.filter(user=specialist).update(max_amount=Decimal("5000.00"))
    request = approve_request(
        make_request(account, installment_program),
        actor=specialist,
        today=TODAY,
        recommendation="Fits.",
    )
    assert request.status == RequestStatus.AWAITING_SECOND_APPROVAL
    assert (request.first_approved_by, request.recommendation) == (specialist, "Fits.")
    approved = approve_request(request, actor=supervisor, today=TODAY)
    assert approved.status == RequestStatus.APPROVED
    assert (approved.first_approved_by, approved.decided_by) == (specialist, supervisor)


def test_the_second_approver_is_never_the_first(account, installment_program, specialist):
    ApprovalLimit.objects.filter(user=specialist).update(max_amount=Decimal("5000.00"))
    request = approve_request(
        make_request(account, installment_program), actor=specialist, today=TODAY
    )
    specialist.groups.add(make_staff(SUPERVISORS).groups.first())  # even if promoted meanwhile
    specialist = type(specialist).objects.get(pk=specialist.pk)  # fresh permission cache
    with pytest.raises(SameApprover):
        approve_request(request, actor=specialist, today=TODAY)


def test_the_database_refuses_the_same_person_twice(account, installment_program, specialist):
    request = make_request(account, installment_program)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReliefRequest.objects.filter(pk=request.pk).update(
            first_approved_by=specialist, decided_by=specialist
        )


def test_a_specialist_without_a_limit_only_recommends(account, installment_program, specialist):
    ApprovalLimit.objects.filter(user=specialist).delete()
    request = approve_request(
        make_request(account, installment_program), actor=specialist, today=TODAY
    )
    assert request.status == RequestStatus.AWAITING_SECOND_APPROVAL


def test_a_supervisor_can_send_it_back(
    debtor_client, account, installment_program, specialist, supervisor
):
    ApprovalLimit.objects.filter(user=specialist).update(max_amount=Decimal("5000.00"))
    request = approve_request(
        make_request(account, installment_program), actor=specialist, today=TODAY
    )
    returned = send_back(request, actor=supervisor, note="Check the income first.")
    assert returned.status == RequestStatus.IN_REVIEW
    assert returned.first_approved_by is None
    page = debtor_client.get(
        reverse("negotiation:request_detail", args=[request.reference])
    ).content.decode()
    assert "Check the income first." not in page  # internal notes stay internal


def test_outside_the_programs_bounds_even_a_supervisor_needs_a_second(account, supervisor):
    program = make_installment_program(months_max=24)
    request = make_request(account, program, months=24)
    program.months_max = 12  # tightened after the request
    program.save()
    assert (
        approve_request(request, actor=supervisor, today=TODAY).status
        == RequestStatus.AWAITING_SECOND_APPROVAL
    )
