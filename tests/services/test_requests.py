"""The request transition service: every allowed and every forbidden move, rights, audit,
stale pages, and the one-open-request rule down to the database."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from negotiation.exceptions import (
    ActionNotPermitted,
    AlreadyAssigned,
    HeldByColleague,
    OpenRequestExists,
    ProgramNotAvailable,
    StaleObject,
    TermsOutOfBounds,
    TransitionNotAllowed,
)
from negotiation.models import (
    AuditEvent,
    Installment,
    Offer,
    OfferStatus,
    PlanStatus,
    ReliefRequest,
    RequestStatus,
)
from negotiation.models.requests import REQUEST_TRANSITIONS
from negotiation.policy import Choices
from negotiation.roles import SPECIALISTS, Role
from negotiation.services.requests import (
    answer_question,
    approve_request,
    ask_for_information,
    claim_request,
    reject_request,
    submit_request,
    transition_request,
    withdraw_request,
)
from tests.conftest import staff_client
from tests.factories import HARDSHIP, make_account, make_request, make_staff

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _force_status(request: ReliefRequest, status: str) -> ReliefRequest:
    # Test set-up only: put a request in a given state without walking the lifecycle.
    ReliefRequest.objects.filter(pk=request.pk).update(status=status)
    request.refresh_from_db()
    return request


def _actor_for(role: Role, request: ReliefRequest, specialist, supervisor):
    return {
        Role.DEBTOR: request.account.debtor.user,
        Role.REVIEWER: specialist,
        Role.DECIDER: specialist,
        Role.SECOND_APPROVER: supervisor,
        Role.SYSTEM: None,
    }[role]


def test_submit_creates_the_request_the_ask_and_an_audit_row(account, installment_program):
    request = make_request(account, installment_program, months=12)
    assert request.status == RequestStatus.SUBMITTED
    assert request.reference.startswith("RQ-")
    assert request.amount == account.total_balance == Decimal("11000.00")
    assert request.monthly_amount == Decimal("982.67")  # 11000/12 = 916.67 + 66.00 fee
    assert request.snapshot_penalty == account.penalty
    offer = Offer.objects.get(request=request)
    assert (offer.kind, offer.status, offer.months) == ("ask", "pending", 12)
    event = AuditEvent.objects.get(object_id=request.pk, action="request.submitted")
    assert event.actor == account.debtor.user
    assert event.after["months"] == 12


def test_only_the_owner_may_submit(account, other_debtor, installment_program):
    with pytest.raises(ActionNotPermitted):
        submit_request(
            account,
            actor=other_debtor.user,
            program=installment_program,
            choices=Choices(months=12),
            hardship=HARDSHIP,
            now=timezone.now(),
        )


def test_terms_out_of_bounds_are_refused_with_a_message_per_field(account, installment_program):
    with pytest.raises(TermsOutOfBounds) as caught:
        make_request(account, installment_program, months=61, grace_months=2)
    assert set(caught.value.errors) == {"months", "grace_months"}
    assert not ReliefRequest.objects.exists()


def test_an_ineligible_program_is_refused(debtor, installment_program):
    current = make_account(debtor, days_past_due=0)
    with pytest.raises(ProgramNotAvailable):
        make_request(current, installment_program)


def test_a_second_open_request_on_the_account_is_refused(account, installment_program):
    make_request(account, installment_program)
    with pytest.raises(OpenRequestExists):
        make_request(account, installment_program, months=24)
    assert ReliefRequest.objects.count() == 1


def test_the_database_itself_refuses_two_open_requests(account, installment_program):
    first = make_request(account, installment_program)
    clone = ReliefRequest.objects.get(pk=first.pk)
    clone.pk = None
    clone.reference = "RQ-TEST-0001"
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()
    # A closed request does not count: once withdrawn, a new one is allowed.
    withdraw_request(first, actor=account.debtor.user)
    assert make_request(account, installment_program).status == RequestStatus.SUBMITTED


ALL_STATUSES = list(RequestStatus.values)
ALLOWED = sorted(REQUEST_TRANSITIONS)
FORBIDDEN = sorted(set(itertools.product(ALL_STATUSES, ALL_STATUSES)) - set(REQUEST_TRANSITIONS))


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_every_allowed_move_succeeds_for_its_role_and_is_audited(
    source, target, account, installment_program, specialist, supervisor
):
    request = _force_status(make_request(account, installment_program), source)
    actor = _actor_for(REQUEST_TRANSITIONS[(source, target)], request, specialist, supervisor)
    with transaction.atomic():
        moved = transition_request(request, target, actor=actor, expected_version=request.version)
    assert moved.status == target
    assert moved.version == request.version + 1
    event = AuditEvent.objects.filter(object_id=request.pk, action="request.transition").get()
    assert (event.before["status"], event.after["status"]) == (source, target)
    assert event.actor == actor
    assert event.actor_label == (actor.username if actor else "system")


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_every_allowed_move_is_refused_to_the_wrong_people(
    source, target, account, installment_program, specialist, supervisor, bankstaff, other_debtor
):
    request = _force_status(make_request(account, installment_program), source)
    role = REQUEST_TRANSITIONS[(source, target)]
    everyone = {
        "owner": account.debtor.user,
        "other debtor": other_debtor.user,
        "specialist": specialist,
        "supervisor": supervisor,
        "bank staff": bankstaff,
        "system": None,
    }
    allowed = {
        Role.DEBTOR: {"owner"},
        Role.REVIEWER: {"specialist", "supervisor"},
        Role.DECIDER: {"specialist", "supervisor"},
        Role.SECOND_APPROVER: {"supervisor"},
        Role.SYSTEM: {"system"},
    }[role]
    for name, actor in everyone.items():
        if name in allowed:
            continue
        with pytest.raises(ActionNotPermitted), transaction.atomic():
            transition_request(request, target, actor=actor)
    request.refresh_from_db()
    assert request.status == source
    assert not AuditEvent.objects.filter(action="request.transition").exists()


@pytest.mark.parametrize(("source", "target"), FORBIDDEN)
def test_every_forbidden_move_is_refused(source, target, account, installment_program, supervisor):
    request = _force_status(make_request(account, installment_program), source)
    with pytest.raises(TransitionNotAllowed), transaction.atomic():
        transition_request(request, target, actor=supervisor)
    request.refresh_from_db()
    assert request.status == source


def test_a_decision_on_a_stale_page_is_refused(account, installment_program, specialist):
    request = make_request(account, installment_program)
    seen_version = request.version
    withdraw_request(request, actor=account.debtor.user)  # the debtor acts meanwhile
    with pytest.raises(StaleObject):
        approve_request(request, actor=specialist, today=TODAY, expected_version=seen_version)
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN


def test_approval_goes_through_review_and_creates_the_plan(
    account, installment_program, specialist
):
    request = make_request(account, installment_program, months=12)
    approved = approve_request(
        request, actor=specialist, today=TODAY, expected_version=request.version
    )
    assert approved.status == RequestStatus.APPROVED
    assert approved.decided_by == specialist
    assert approved.assignee == specialist
    statuses = [
        e.after["status"]
        for e in AuditEvent.objects.filter(
            object_id=request.pk, action="request.transition"
        ).order_by("id")
    ]
    assert statuses == ["in_review", "approved"]
    plan = approved.plan
    assert plan.status == PlanStatus.AWAITING_SIGNATURE
    assert plan.reference.startswith("PL-")
    installments = list(Installment.objects.filter(plan=plan))
    assert len(installments) == 12
    assert sum(i.amount for i in installments) == plan.total_repayable == Decimal("11792.00")
    assert sum(i.principal_part for i in installments) == plan.amount
    assert plan.annual_rate == Decimal("13.03")
    assert Offer.objects.get(request=request).status == OfferStatus.ACCEPTED
    assert AuditEvent.objects.filter(object_id=plan.pk, action="plan.created").exists()


def test_rejection_keeps_the_reason_for_the_debtor(account, installment_program, specialist):
    request = make_request(account, installment_program)
    rejected = reject_request(
        request,
        actor=specialist,
        reason_code="affordability",
        explanation="Your figures leave too little each month. A longer term may work.",
    )
    assert rejected.status == RequestStatus.REJECTED
    assert rejected.decision_reason_code == "affordability"
    assert "longer term" in rejected.decision_note
    assert not hasattr(rejected, "plan") or rejected.plan is None


def test_bank_staff_cannot_decide(account, installment_program, bankstaff):
    request = make_request(account, installment_program)
    with pytest.raises(ActionNotPermitted):
        approve_request(request, actor=bankstaff, today=TODAY)
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_a_decided_request_cannot_be_decided_again(account, installment_program, specialist):
    request = make_request(account, installment_program)
    approve_request(request, actor=specialist, today=TODAY)
    with pytest.raises(TransitionNotAllowed):
        reject_request(request, actor=specialist, reason_code="other", explanation="x")


def test_audit_rows_cannot_be_changed_or_deleted(account, installment_program):
    make_request(account, installment_program)
    event = AuditEvent.objects.get()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


def test_claims_check_the_page_and_do_not_take_a_colleagues_request(
    account, installment_program, specialist
):
    request = claim_request(make_request(account, installment_program), actor=specialist)
    colleague = make_staff(SPECIALISTS)
    with pytest.raises(AlreadyAssigned):
        claim_request(request, actor=colleague, expected_version=request.version)
    with pytest.raises(StaleObject):
        claim_request(request, actor=specialist, expected_version=request.version - 1)


@pytest.mark.parametrize("decide", ["approve", "reject", "ask"])
def test_a_colleagues_request_is_theirs_to_decide_or_a_supervisors(
    account, installment_program, specialist, supervisor, decide
):
    request = claim_request(make_request(account, installment_program), actor=specialist)
    colleague = make_staff(SPECIALISTS)
    today = timezone.localdate()
    decisions = {
        "approve": lambda actor: approve_request(request, actor=actor, today=today),
        "reject": lambda actor: reject_request(
            request, actor=actor, reason_code="other", explanation="x"
        ),
        "ask": lambda actor: ask_for_information(request, actor=actor, question="Payslip?"),
    }
    with pytest.raises(HeldByColleague, match="with a colleague"):
        decisions[decide](colleague)
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_REVIEW
    assert not AuditEvent.objects.filter(actor=colleague).exists()
    decisions[decide](supervisor)  # a supervisor may act on anyone's case
    request.refresh_from_db()
    assert request.status != RequestStatus.IN_REVIEW


def test_an_answer_from_an_old_page_is_refused(account, installment_program, specialist):
    request = ask_for_information(
        make_request(account, installment_program), actor=specialist, question="?"
    )
    with pytest.raises(StaleObject):
        answer_question(
            request, actor=account.debtor.user, answer="x", expected_version=request.version - 1
        )


def test_the_answer_due_time_restarts_when_the_debtor_replies(
    account, installment_program, specialist
):
    request = ask_for_information(
        make_request(account, installment_program), actor=specialist, question="?"
    )
    ReliefRequest.objects.filter(pk=request.pk).update(due_by=timezone.now() - dt.timedelta(days=5))
    client = staff_client(specialist)
    breached = client.get(
        reverse("admin:negotiation_reliefrequest_changelist"), {"sla": "breached"}
    )
    assert request.reference not in breached.content.decode()  # waiting for the debtor
    answered = answer_question(request, actor=account.debtor.user, answer="Here.")
    assert answered.due_by > timezone.now()
