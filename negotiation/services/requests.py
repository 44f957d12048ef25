"""Relief requests: submission and every status change.

``transition_request`` is the one function that changes a request's status (DESIGN.md
section 4); the named services below (``approve_request``, ``reject_request``, ...) call it
and add what their decision needs (a plan, a reason).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from negotiation import money, policy
from negotiation.exceptions import (
    ActionNotPermitted,
    BalanceChanged,
    OpenRequestExists,
    ProgramNotAvailable,
    StaleObject,
    TermsOutOfBounds,
    TransitionNotAllowed,
)
from negotiation.models import (
    OPEN_REQUEST_STATUSES,
    CreditAccount,
    Offer,
    OfferKind,
    OfferStatus,
    Program,
    ReliefRequest,
    RequestStatus,
    User,
)
from negotiation.models.accounts import RELIEF_OPEN_ACCOUNT_STATUSES
from negotiation.models.requests import REQUEST_TRANSITIONS
from negotiation.roles import Role, actor_holds
from negotiation.services.audit import record_event


@dataclass(frozen=True)
class Hardship:
    """What the debtor tells us about their situation, as entered on the request form."""

    reason: str
    statement: str
    monthly_income: Decimal
    monthly_expenses: Decimal
    dependents: int


def account_facts(account: CreditAccount, *, today: dt.date) -> policy.AccountFacts:
    return policy.AccountFacts(
        days_past_due=account.days_past_due(today),
        principal=account.principal,
        interest=account.interest,
        fees=account.fees,
        penalty=account.penalty,
        product=account.product,
        open_to_relief=account.status in RELIEF_OPEN_ACCOUNT_STATUSES,
    )


@dataclass(frozen=True)
class Choices:
    """The terms a debtor chooses on the request form."""

    months: int
    grace_months: int = 0
    down_payment: Decimal = Decimal("0.00")
    waived_interest: Decimal = Decimal("0.00")
    waived_penalty: Decimal = Decimal("0.00")


def affordability_thresholds() -> policy.AffordabilityThresholds:
    return policy.AffordabilityThresholds(
        fits=settings.AFFORDABILITY_FITS_MAX_RATIO, tight=settings.AFFORDABILITY_TIGHT_MAX_RATIO
    )


def validated_terms(
    account: CreditAccount, program: Program, choices: Choices, *, today: dt.date
) -> money.Terms:
    """The terms the debtor's choices lead to, after eligibility and bounds checks.

    Raises ``ProgramNotAvailable`` when the program does not fit the account and
    ``TermsOutOfBounds`` (with one message per field) when a bound is broken.
    """
    facts = account_facts(account, today=today)
    bounds = program.bounds
    if not program.active or not policy.is_eligible(facts, bounds, today=today):
        raise ProgramNotAvailable
    waived = choices.waived_interest + choices.waived_penalty
    if waived > facts.balance or choices.down_payment > facts.balance - waived:
        raise TermsOutOfBounds({"down_payment": str(_("This is more than the amount you owe."))})
    terms = policy.terms_for(
        facts,
        bounds,
        months=choices.months,
        grace_months=choices.grace_months,
        down_payment=choices.down_payment,
        waived_interest=choices.waived_interest,
        waived_penalty=choices.waived_penalty,
    )
    errors = policy.bounds_violations(terms, bounds, facts)
    if errors:
        raise TermsOutOfBounds(errors)
    return terms


def submit_request(
    account: CreditAccount,
    *,
    actor: User,
    program: Program,
    choices: Choices,
    hardship: Hardship,
    today: dt.date,
    ip: str | None = None,
) -> ReliefRequest:
    """The debtor asks for relief on ``account`` under ``program``.

    Preconditions: ``actor`` owns the account; the program fits; the terms are in bounds;
    no other request on the account is open. Side effects: the request (SUBMITTED), the
    debtor's ask as an ``Offer``, an audit row; inside the program's auto-approve envelope,
    with a payment that fits the debtor's figures, the approval by policy and its plan.
    Raises ``ActionNotPermitted``, ``ProgramNotAvailable``, ``TermsOutOfBounds`` or
    ``OpenRequestExists``.
    """
    if account.debtor.user_id != actor.pk:
        raise ActionNotPermitted
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
            due_by=timezone.now() + dt.timedelta(hours=settings.RELIEF_SLA_HOURS),
        )
        request.set_terms(terms)
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
        offer = Offer(request=request, kind=OfferKind.ASK, made_by=actor)
        offer.set_terms(terms)
        offer.save()
        record_event(
            request,
            actor=actor,
            action="request.submitted",
            after={"status": request.status, **_terms_for_audit(terms)},
            ip=ip,
        )
        if _inside_auto_approve_envelope(request, program):
            request = approve_by_policy(request, today=today)
    return request


def request_affordability(request: ReliefRequest) -> policy.Affordability:
    """The request's regular payment against the debtor's own figures."""
    return policy.affordability(
        income=request.monthly_income,
        expenses=request.monthly_expenses,
        payment=request.monthly_amount,
        thresholds=affordability_thresholds(),
    )


def _inside_auto_approve_envelope(request: ReliefRequest, program: Program) -> bool:
    return (
        program.within_auto_approve_envelope(amount=request.amount, months=request.months)
        and request_affordability(request).verdict is policy.Verdict.FITS
    )


def _terms_for_audit(terms: money.Terms) -> dict[str, Any]:
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

    Raises ``StaleObject``, ``TransitionNotAllowed`` or ``ActionNotPermitted``.
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
    elif not actor_holds(actor, role, locked):
        raise ActionNotPermitted
    before = {"status": locked.status, "version": locked.version}
    for field, value in (changes or {}).items():
        setattr(locked, field, value)
    locked.status = to
    locked.version += 1
    locked.save()
    record_event(
        locked,
        actor=actor,
        actor_label="policy" if by_policy else "system",
        action="request.transition",
        before=before,
        after={"status": to, "version": locked.version, **_audit_safe(changes or {})},
        ip=ip,
    )
    _notify_debtor_on_commit(locked, to)
    return locked


def _audit_safe(changes: dict[str, Any]) -> dict[str, Any]:
    return {
        field: (value.pk if hasattr(value, "pk") else str(value) if value is not None else None)
        for field, value in changes.items()
    }


# Statuses the debtor hears about by email as well as in the portal.
_DEBTOR_NOTIFIED = frozenset(
    {
        RequestStatus.APPROVED,
        RequestStatus.REJECTED,
        RequestStatus.NEEDS_INFO,
        RequestStatus.COUNTER_OFFERED,
    }
)


def _notify_debtor_on_commit(request: ReliefRequest, status: str) -> None:
    if status not in _DEBTOR_NOTIFIED:
        return
    from negotiation.tasks import send_request_update

    # robust: the decision is committed; a mail or broker failure must not turn it into an
    # error page (the outbox of the notifications work retries sends).
    request_id = request.pk

    def send_update() -> None:  # a named function: robust on_commit logs its __qualname__
        send_request_update.delay(request_id, status)

    transaction.on_commit(send_update, robust=True)


def settle_pending_offer(request: ReliefRequest, to: str) -> None:
    """Close the request's pending offer (the debtor's ask or a counter-offer) as the
    decision says: the only code that changes an offer's status. At most one offer is
    pending per request (a partial unique constraint), so this touches one row or none."""
    Offer.objects.filter(request=request, status=OfferStatus.PENDING).update(status=to)


def start_review(
    request: ReliefRequest, *, actor: User, expected_version: int | None = None
) -> ReliefRequest:
    """A specialist takes a submitted request into review and becomes its assignee."""
    with transaction.atomic():
        return transition_request(
            request,
            RequestStatus.IN_REVIEW,
            actor=actor,
            expected_version=expected_version,
            changes={"assignee": actor},
        )


def _review_started(
    request: ReliefRequest, *, actor: User, expected_version: int | None, ip: str | None
) -> tuple[ReliefRequest, int | None]:
    """A decision on a SUBMITTED request first takes it into review, as the lifecycle says."""
    current = ReliefRequest.objects.select_for_update().get(pk=request.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleObject
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
    ip: str | None = None,
) -> ReliefRequest:
    """Approve the terms asked for and create the plan awaiting the debtor's signature.

    Side effects: the pending ask is accepted; a ``RepaymentPlan`` with its installments
    dated from ``today``; audit rows for the move and the plan; an email to the debtor
    after commit. Raises as ``transition_request``.
    """
    from negotiation.services.plans import create_plan

    with transaction.atomic():
        current, version = _review_started(
            request, actor=actor, expected_version=expected_version, ip=ip
        )
        _refuse_if_balance_changed(current)
        approved = transition_request(
            current,
            RequestStatus.APPROVED,
            actor=actor,
            expected_version=version,
            ip=ip,
            changes={"decided_by": actor, "decided_at": timezone.now()},
        )
        settle_pending_offer(approved, OfferStatus.ACCEPTED)
        create_plan(approved, actor=actor, agreed_on=today)
    return approved


def approve_by_policy(request: ReliefRequest, *, today: dt.date) -> ReliefRequest:
    """Approve inside the program's auto-approve envelope: review and approval are recorded
    with actor "policy", and the plan is created as for any approval."""
    from negotiation.services.plans import create_plan

    with transaction.atomic():
        reviewed = transition_request(request, RequestStatus.IN_REVIEW, actor=None, by_policy=True)
        approved = transition_request(
            reviewed,
            RequestStatus.APPROVED,
            actor=None,
            by_policy=True,
            changes={"decided_at": timezone.now()},
        )
        settle_pending_offer(approved, OfferStatus.ACCEPTED)
        create_plan(approved, actor=None, agreed_on=today)
    return approved


def _refuse_if_balance_changed(request: ReliefRequest) -> None:
    """The plan repays the balance the debtor saw. If payments or charges moved it since,
    approving would agree terms nobody saw: refuse, so the terms are looked at again."""
    account = CreditAccount.objects.select_for_update().get(pk=request.account_id)
    seen = (
        request.snapshot_principal,
        request.snapshot_interest,
        request.snapshot_fees,
        request.snapshot_penalty,
    )
    if seen != (account.principal, account.interest, account.fees, account.penalty):
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
        current, version = _review_started(
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
        settle_pending_offer(rejected, OfferStatus.DECLINED)
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
        settle_pending_offer(withdrawn, OfferStatus.SUPERSEDED)
    return withdrawn
