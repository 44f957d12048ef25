"""Relief requests: submission and every status change.

``transition_request`` is the one function that changes a request's status (DESIGN.md
section 4); the named services below (``approve_request``, ``reject_request``, ...) call it
and add what their decision needs (a plan, a reason).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from negotiation import money, policy
from negotiation.exceptions import (
    ActionNotPermitted,
    AlreadyAssigned,
    BalanceChanged,
    BeyondApprovalLimit,
    BeyondLegalCap,
    HeldByColleague,
    NotApprovableInBulk,
    OpenRequestExists,
    OutsideAutoApproveEnvelope,
    SameApprover,
    StaleObject,
    TransitionNotAllowed,
)
from negotiation.models import (
    OPEN_REQUEST_STATUSES,
    AuditAction,
    CreditAccount,
    Message,
    Offer,
    OfferKind,
    OfferStatus,
    Program,
    ReliefRequest,
    RequestStatus,
    TermsFields,
    User,
)
from negotiation.models.requests import (
    CLOSED_REQUEST_STATUSES,
    DECISION_STATUSES,
    REQUEST_TRANSITIONS,
    WITH_THE_BANK_STATUSES,
)
from negotiation.policy import Choices, Hardship
from negotiation.roles import ROLE_PERMISSIONS, Role, is_supervisor
from negotiation.selectors.terms import approves_alone, request_affordability, validated_terms
from negotiation.selectors.workbench import holds_role, may_work_on
from negotiation.services.audit import record_event
from negotiation.services.disputes import refuse_while_disputed
from negotiation.services.jobitems import Failures
from negotiation.services.notifications import REQUEST_EVENTS, notify_request_event
from negotiation.services.plans import create_plan


def submit_request(
    account: CreditAccount,
    *,
    actor: User,
    program: Program,
    choices: Choices,
    hardship: Hardship,
    now: dt.datetime,
    ip: str | None = None,
) -> ReliefRequest:
    """The debtor asks for relief on ``account`` under ``program`` at ``now``: the terms
    are priced as agreed that day, and the answer's due time counts from that moment.

    Preconditions: ``actor`` owns the account; the program fits; the terms are in bounds;
    no other request on the account is open. Side effects: the request (SUBMITTED), the
    debtor's ask as an ``Offer``, an audit row; inside the program's auto-approve envelope,
    with a payment that fits the debtor's figures, the approval by policy and its plan.
    Raises ``ActionNotPermitted``, ``ProgramNotAvailable``, ``TermsOutOfBounds`` or
    ``OpenRequestExists``.
    """
    if account.debtor.user_id != actor.pk:
        raise ActionNotPermitted
    today = timezone.localdate(now)
    terms = validated_terms(account, program, choices, today=today)
    disclosure = money.disclose(terms, start=today, due=program.bounds.due)
    with transaction.atomic():
        request = ReliefRequest(
            account=account,
            program=program,
            kind=program.kind,
            hardship_reason=hardship.reason,
            hardship_statement=hardship.statement,
            monthly_income=hardship.monthly_income,
            monthly_expenses=hardship.monthly_expenses,
            dependents=hardship.dependents,
            consent_truthful=True,
            consent_data_processing=True,
            snapshot_principal=account.principal,
            snapshot_interest=account.interest,
            snapshot_fees=account.fees,
            snapshot_penalty=account.penalty,
            monthly_amount=disclosure.monthly_amount,
            days_past_due_at_submission=account.days_past_due(today),
            due_by=sla_due_by(program.kind, timezone.localtime(now)),
        )
        request.set_terms(terms)
        request.set_due(program.bounds.due)
        try:
            # The partial unique constraint, not a Python check, is what makes two
            # simultaneous submissions on one account yield exactly one open request.
            with transaction.atomic():
                request.save()
        except IntegrityError as error:
            if ReliefRequest.objects.filter(
                account=account, status__in=OPEN_REQUEST_STATUSES
            ).exists():
                raise OpenRequestExists from error
            raise
        offer = Offer(request=request, kind=OfferKind.ASK, program=program, made_by=actor)
        offer.set_terms(terms)
        offer.set_due(request.due)
        offer.save()
        record_event(
            request,
            actor=actor,
            action=AuditAction.REQUEST_SUBMITTED,
            after={"status": request.status, **terms_for_audit(terms)},
            ip=ip,
        )
        if _inside_auto_approve_envelope(request, program):
            request = approve_by_policy(request, today=today)
    return request


def sla_due_by(kind: str, submitted: dt.datetime) -> dt.datetime:
    """When an answer is due: the kind's business days after submission (settings)."""
    days = settings.RELIEF_SLA_BUSINESS_DAYS[policy.Kind(kind)]
    return policy.add_business_days(submitted, days)


def _inside_auto_approve_envelope(request: ReliefRequest, program: Program) -> bool:
    # The envelope itself excludes programs that ask for evidence (Program.clean and a
    # database constraint): a person must see the evidence first.
    return (
        program.within_auto_approve_envelope(amount=request.amount, months=request.months)
        and request_affordability(request).verdict is policy.Verdict.FITS
    )


def terms_for_audit(terms: money.Terms) -> dict[str, Any]:
    return {
        "amount": str(terms.amount),
        "down_payment": str(terms.down_payment),
        "months": terms.months,
        "grace_months": terms.grace_months,
        "cost_method": terms.cost_method.value,
        "rate": str(terms.rate),
        "waived_interest": str(terms.waived_interest),
        "waived_penalty": str(terms.waived_penalty),
    }


def transition_request(
    request: ReliefRequest,
    to: str,
    *,
    actor: User | None,
    expected_version: int | None = None,
    changes: dict[str, Any] | None = None,
    ip: str | None = None,
    by_policy: bool = False,
) -> ReliefRequest:
    """Move ``request`` to status ``to``: the only code that changes a request's status.

    ``by_policy`` is an approval by a program's auto-approve envelope: no person acts, the
    audit row names "policy", and only the review and approval moves are open to it.

    Locks the row (so two specialists acting at once produce one decision), refuses a
    decision made on a stale page (``expected_version``), checks the move against
    ``REQUEST_TRANSITIONS`` and the actor's right to make it, applies ``changes`` (other
    fields the decision sets), bumps ``version`` and writes one audit row. Must run inside
    a transaction. Returns the locked, updated instance.

    A decision (``DECISION_STATUSES``) on an account with an open dispute is refused.

    Raises ``StaleObject``, ``TransitionNotAllowed``, ``ActionNotPermitted`` or
    ``HeldByDispute``.
    """
    locked = (
        ReliefRequest.objects.select_for_update(of=("self",))
        .select_related("account__debtor")
        .get(pk=request.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleObject
    role = REQUEST_TRANSITIONS.get((locked.status, to))
    if role is None:
        raise TransitionNotAllowed
    if by_policy:
        if actor is not None or role not in (Role.REVIEWER, Role.DECIDER):
            raise ActionNotPermitted
    elif not holds_role(actor, role, locked):
        raise ActionNotPermitted
    elif role in (Role.REVIEWER, Role.DECIDER) and not may_work_on(actor, locked):
        raise HeldByColleague
    if to in DECISION_STATUSES:
        refuse_while_disputed(locked.account_id)
    before = {"status": locked.status, "version": locked.version}
    for field, value in (changes or {}).items():
        setattr(locked, field, value)
    locked.status = to
    locked.version += 1
    # The audit row first (the same transaction), so a closing move stamps the request with
    # that row's own time: the retention clock and the trail never disagree.
    event = record_event(
        locked,
        actor=actor,
        actor_label="policy" if by_policy else "system",
        action=AuditAction.REQUEST_TRANSITION,
        before=before,
        after={"status": to, "version": locked.version, **(changes or {})},
        ip=ip,
    )
    if to in CLOSED_REQUEST_STATUSES:
        locked.closed_at = event.at
    locked.save()
    _notify_debtor(locked, to)
    return locked


def _notify_debtor(request: ReliefRequest, status: str) -> None:
    event = REQUEST_EVENTS.get(status)
    if event is not None:
        notify_request_event(request, event)


def settle_pending_offer(request: ReliefRequest, to: str, *, actor: User | None = None) -> None:
    """Close the request's pending offer (the debtor's ask or a counter-offer) as the
    decision says: the only code that changes an offer's status, each change audited. At
    most one offer is pending per request (a partial unique constraint)."""
    for offer in Offer.objects.select_for_update().filter(
        request=request, status=OfferStatus.PENDING
    ):
        offer.status = to
        offer.save(update_fields=["status"])
        record_event(
            offer,
            actor=actor,
            action=AuditAction.OFFER_SETTLED,
            before={"status": OfferStatus.PENDING},
            after={"status": to, "request": request.reference, "kind": offer.kind},
        )


def review_started(
    request: ReliefRequest, *, actor: User, expected_version: int | None, ip: str | None
) -> tuple[ReliefRequest, int | None]:
    """A decision on a SUBMITTED request first takes it into review, as the lifecycle says."""
    current = locked_request(request, expected_version)
    if current.status != RequestStatus.SUBMITTED:
        return current, expected_version
    reviewed = transition_request(
        current, RequestStatus.IN_REVIEW, actor=actor, changes={"assignee": actor}, ip=ip
    )
    return reviewed, reviewed.version


def approve_request(
    request: ReliefRequest,
    *,
    actor: User,
    today: dt.date,
    expected_version: int | None = None,
    recommendation: str = "",
    ip: str | None = None,
) -> ReliefRequest:
    """Approve the terms on the table; beyond the actor's limit, recommend them instead.

    Four-eyes: a decider approves alone only within their approval limit and the program's
    bounds; otherwise the request moves to AWAITING_SECOND_APPROVAL with the actor as first
    approver and ``recommendation`` for the supervisor. A second approver (holding that
    right) approves a request awaiting it, and can never be the first approver.

    Side effects of an approval: the pending offer accepted; the plan, dated from
    ``today``, awaiting the debtor's signature; the account under the plan; audit rows; the
    debtor notified. Raises as ``transition_request``, and ``BalanceChanged`` or
    ``SameApprover``.
    """
    with transaction.atomic():
        current = locked_request(request, expected_version)
        # Not even a recommendation for terms no one may approve: the legal cap, on the
        # terms and due rule stored on the request, dated from today.
        if not money.last_due_within_legal_cap(today, current.terms, current.due):
            raise BeyondLegalCap
        if current.status == RequestStatus.AWAITING_SECOND_APPROVAL:
            return _second_approval(current, actor=actor, today=today, ip=ip)
        current, version = review_started(current, actor=actor, expected_version=None, ip=ip)
        refuse_if_balance_changed(current, current.account_id)
        if not approves_alone(actor, current, today=today):
            return transition_request(
                current,
                RequestStatus.AWAITING_SECOND_APPROVAL,
                actor=actor,
                expected_version=version,
                ip=ip,
                changes={"first_approved_by": actor, "recommendation": recommendation},
            )
        return approve_locked(current, actor=actor, today=today, ip=ip)


def approve_within_envelope(
    request: ReliefRequest,
    *,
    actor: User,
    today: dt.date,
    expected_version: int | None = None,
    ip: str | None = None,
) -> ReliefRequest:
    """Approve ``request`` as one of many (the queue's bulk action), only where no judgement
    is needed: a request waiting for review, inside its program's auto-approve envelope
    (the amount and term, payments that fit: what the policy itself approves), that
    ``actor`` may approve alone (their approval limit and the program's bounds). Then the
    one approval every decision takes (``approve_request``: the lock, the version, the
    audit rows, the plan). Never a recommendation: a request that needs a second approver
    is refused here and decided on its own page.

    Raises ``NotApprovableInBulk``, ``OutsideAutoApproveEnvelope``, ``BeyondApprovalLimit``,
    and whatever ``approve_request`` raises.
    """
    with transaction.atomic():
        current = locked_request(request, expected_version)
        if current.status not in (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW):
            raise NotApprovableInBulk
        if not _inside_auto_approve_envelope(current, current.program):
            raise OutsideAutoApproveEnvelope
        if not approves_alone(actor, current, today=today):
            raise BeyondApprovalLimit(
                _(
                    "Beyond your approval limit or the program's bounds: approve it on its "
                    "own page, where it goes to a supervisor for the second approval."
                )
            )
        return approve_request(
            current, actor=actor, today=today, expected_version=current.version, ip=ip
        )


def _second_approval(
    request: ReliefRequest, *, actor: User, today: dt.date, ip: str | None
) -> ReliefRequest:
    if request.first_approved_by_id == actor.pk:
        raise SameApprover
    refuse_if_balance_changed(request, request.account_id)
    return approve_locked(request, actor=actor, today=today, ip=ip)


def approve_locked(
    request: ReliefRequest,
    *,
    actor: User | None,
    today: dt.date,
    ip: str | None = None,
    changes: dict[str, Any] | None = None,
    by_policy: bool = False,
) -> ReliefRequest:
    """Every approval, whoever gives it: the move, the pending offer accepted, the plan
    dated from ``today``. ``changes`` defaults to recording the actor as the decider."""

    approved = transition_request(
        request,
        RequestStatus.APPROVED,
        actor=actor,
        ip=ip,
        by_policy=by_policy,
        changes=changes or {"decided_by": actor, "decided_at": timezone.now()},
    )
    settle_pending_offer(approved, OfferStatus.ACCEPTED, actor=actor)
    create_plan(approved, actor=actor, agreed_on=today)
    return approved


def send_back(
    request: ReliefRequest,
    *,
    actor: User,
    note: str,
    expected_version: int | None = None,
    ip: str | None = None,
) -> ReliefRequest:
    """A supervisor declines to give the second approval: back to review, with a note for
    the specialist (internal: the debtor does not see it)."""
    with transaction.atomic():
        current = locked_request(request, expected_version)
        returned = transition_request(
            current,
            RequestStatus.IN_REVIEW,
            actor=actor,
            ip=ip,
            changes={"first_approved_by": None},
        )
        Message.objects.create(request=returned, author=actor, body=note, internal=True)
    return returned


def locked_request(request: ReliefRequest, expected_version: int | None) -> ReliefRequest:
    current = (
        ReliefRequest.objects.select_for_update(of=("self",))
        .select_related("account__debtor", "program")
        .get(pk=request.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise StaleObject
    return current


def approve_by_policy(request: ReliefRequest, *, today: dt.date) -> ReliefRequest:
    """Approve inside the program's auto-approve envelope: review and approval are recorded
    with actor "policy", and the plan is created as for any approval."""
    with transaction.atomic():
        reviewed = transition_request(request, RequestStatus.IN_REVIEW, actor=None, by_policy=True)
        return approve_locked(
            reviewed,
            actor=None,
            today=today,
            by_policy=True,
            changes={"decided_at": timezone.now()},
        )


def refuse_if_balance_changed(terms: TermsFields, account_id: int) -> None:
    """The terms must repay exactly what is owed now (less their waivers). If payments or
    charges moved the balance since they were priced, agreeing them would agree terms
    nobody saw, or a plan for more or less than the debt: refuse, so they are priced again.
    Compared with the terms themselves, not a snapshot, so no later step can hide it."""
    account = CreditAccount.objects.select_for_update().get(pk=account_id)
    if terms.amount + terms.waived_interest + terms.waived_penalty != account.total_balance:
        raise BalanceChanged


def reject_request(
    request: ReliefRequest,
    *,
    actor: User,
    reason_code: str,
    explanation: str,
    expected_version: int | None = None,
    ip: str | None = None,
) -> ReliefRequest:
    """Refuse the request with a reason code and a text the debtor will read."""
    with transaction.atomic():
        current, version = review_started(
            request, actor=actor, expected_version=expected_version, ip=ip
        )
        rejected = transition_request(
            current,
            RequestStatus.REJECTED,
            actor=actor,
            expected_version=version,
            ip=ip,
            changes={
                "decided_by": actor,
                "decided_at": timezone.now(),
                "decision_reason_code": reason_code,
                "decision_note": explanation,
            },
        )
        settle_pending_offer(rejected, OfferStatus.DECLINED, actor=actor)
    return rejected


def withdraw_request(
    request: ReliefRequest,
    *,
    actor: User,
    expected_version: int | None = None,
    ip: str | None = None,
) -> ReliefRequest:
    """The debtor withdraws an open request; the account is free for a new one."""
    with transaction.atomic():
        withdrawn = transition_request(
            request, RequestStatus.WITHDRAWN, actor=actor, expected_version=expected_version, ip=ip
        )
        settle_pending_offer(withdrawn, OfferStatus.SUPERSEDED, actor=actor)
    return withdrawn


def claim_request(
    request: ReliefRequest, *, actor: User, expected_version: int | None = None
) -> ReliefRequest:
    """The actor takes the request: a submitted one moves into review with them as its
    assignee; an unassigned open one becomes theirs. Taking one a colleague holds is a
    supervisor's reassignment, not a claim. Audited either way."""
    with transaction.atomic():
        current = locked_request(request, expected_version)
        if current.assignee_id not in (None, actor.pk) and not is_supervisor(actor):
            raise AlreadyAssigned
        if current.status == RequestStatus.SUBMITTED:
            return transition_request(
                current, RequestStatus.IN_REVIEW, actor=actor, changes={"assignee": actor}
            )
        return assign_request(current, assignee=actor, actor=actor)


def assign_request(request: ReliefRequest, *, assignee: User, actor: User) -> ReliefRequest:
    """Give an open request to ``assignee`` (anyone may take work; supervisors also hand it
    out). Not a change of status, but of the request: ``version`` grows and it is audited.
    Raises ``ActionNotPermitted`` or ``TransitionNotAllowed``."""
    with transaction.atomic():
        current = locked_request(request, None)
        if not current.is_open:
            raise TransitionNotAllowed
        if not holds_role(actor, Role.REVIEWER, current) or not assignee.has_perm(
            ROLE_PERMISSIONS[Role.REVIEWER]
        ):
            raise ActionNotPermitted
        if actor.pk != assignee.pk and not is_supervisor(actor):
            raise ActionNotPermitted  # only supervisors hand work to others
        before = {"assignee": current.assignee_id}
        current.assignee = assignee
        current.version += 1
        current.save(update_fields=["assignee", "version", "updated_at"])
        record_event(
            current,
            actor=actor,
            action=AuditAction.REQUEST_ASSIGNED,
            before=before,
            after={"assignee": assignee.pk},
        )
    return current


def ask_for_information(
    request: ReliefRequest,
    *,
    actor: User,
    question: str,
    expected_version: int | None = None,
    ip: str | None = None,
) -> ReliefRequest:
    """Ask the debtor for something (a document, a figure): the request waits for them."""
    with transaction.atomic():
        current, version = review_started(
            request, actor=actor, expected_version=expected_version, ip=ip
        )
        Message.objects.create(request=current, author=actor, body=question)
        return transition_request(
            current, RequestStatus.NEEDS_INFO, actor=actor, expected_version=version, ip=ip
        )


def answer_question(
    request: ReliefRequest,
    *,
    actor: User,
    answer: str,
    expected_version: int | None = None,
    ip: str | None = None,
) -> ReliefRequest:
    """The debtor answers (documents are uploaded alongside): back to review."""
    with transaction.atomic():
        return debtor_replies(
            request, RequestStatus.NEEDS_INFO, actor, answer, expected_version, ip
        )


def debtor_replies(
    request: ReliefRequest,
    waiting_in: str,
    actor: User,
    text: str,
    expected_version: int | None,
    ip: str | None,
) -> ReliefRequest:
    """The debtor's reply to what the request waits for (``waiting_in``), and only to that:
    back to review with their message. The bank's clock stopped while it waited and starts
    again, in full: due the kind's business days from now."""
    current = locked_request(request, expected_version)
    if current.status != waiting_in:
        raise TransitionNotAllowed
    returned = transition_request(
        current,
        RequestStatus.IN_REVIEW,
        actor=actor,
        ip=ip,
        changes={"due_by": sla_due_by(current.kind, timezone.localtime()), "escalated_at": None},
    )
    Message.objects.create(request=returned, author=actor, body=text)
    return returned


def add_internal_note(request: ReliefRequest, *, actor: User, body: str) -> Message:
    """A note for colleagues on the request; never shown to the debtor."""
    if not holds_role(actor, Role.REVIEWER, request):
        raise ActionNotPermitted
    return Message.objects.create(request=request, author=actor, body=body, internal=True)


def escalate_overdue_requests(*, now: dt.datetime) -> int:
    """Requests with the bank past their answer-due time go to the supervisors: marked
    escalated once, audited with the assignee at the time, and shown by the queue's
    "escalated" filter. Safe to run again: an escalated request is not counted twice. Each
    request in its own savepoint: one that fails is rolled back, logged and counted
    (``Failures``), and the others go on. Returns how many were escalated."""
    failures = Failures("escalate_overdue_requests")
    overdue = ReliefRequest.objects.filter(
        status__in=WITH_THE_BANK_STATUSES, due_by__lt=now, escalated_at__isnull=True
    ).values_list("pk", flat=True)
    escalated = 0
    for pk in list(overdue):
        with failures.each(f"request {pk}"):
            current = locked_request(ReliefRequest(pk=pk), None)
            if current.escalated_at is not None or current.status not in WITH_THE_BANK_STATUSES:
                continue
            current.escalated_at = now
            current.save(update_fields=["escalated_at", "updated_at"])
            record_event(
                current,
                actor=None,
                action=AuditAction.REQUEST_ESCALATED,
                after={"due_by": current.due_by, "assignee": current.assignee_id},
            )
            escalated += 1
    failures.report()
    return escalated
