"""Counter-offers: the bank's terms sent to the debtor, accepted (an approval, through the
request's own transition), declined with a comment, or closed when they expire."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from negotiation import money
from negotiation.exceptions import (
    BeyondApprovalLimit,
    BeyondLegalCap,
    OfferNoLongerOpen,
)
from negotiation.models import (
    AuditAction,
    CreditAccount,
    Debtor,
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
from negotiation.models.staff import within_approval_limit
from negotiation.policy import Choices
from negotiation.selectors.debtor import pending_counter_offer
from negotiation.selectors.support import deadline_days, has_support_need
from negotiation.selectors.terms import validated_terms
from negotiation.services.audit import record_event
from negotiation.services.disputes import refuse_while_disputed
from negotiation.services.jobitems import Failures
from negotiation.services.requests import (
    approve_locked,
    debtor_replies,
    locked_request,
    refuse_if_balance_changed,
    review_started,
    settle_pending_offer,
    terms_for_audit,
    transition_request,
)


def answer_by(debtor: Debtor | int, *, today: dt.date) -> dt.date:
    """The earliest day a counter-offer to this debtor may close: today with no extra
    support (the specialist sets the date, COUNTER_OFFER_DAYS by default); with it,
    COUNTER_OFFER_DAYS x SUPPORT_DEADLINE_FACTOR days from today (28 by default)."""
    if not has_support_need(debtor):
        return today
    return today + dt.timedelta(days=deadline_days(settings.COUNTER_OFFER_DAYS, supported=True))


def make_counter_offer(
    request: ReliefRequest,
    *,
    actor: User,
    choices: Choices,
    message: str,
    expires_on: dt.date,
    today: dt.date,
    program: Program | None = None,
    expected_version: int | None = None,
    ip: str | None = None,
) -> ReliefRequest:
    """Propose other terms, under the request's program or ``program``, another the account
    is eligible for today (the hardship plan with waivers, say). The terms must be within
    that program's bounds and the actor's approval limit (a counter-offer the debtor
    accepts is an approval); beyond them, a supervisor makes it. The debtor's ask is
    superseded. The offer is priced on today's balance; accepting it checks the balance
    again, and puts the request (so its plan) under the offer's program.

    A debtor with extra support in place has at least ``answer_by`` to answer: an earlier
    ``expires_on`` is moved to it (the audit row holds the date used).

    Raises ``TermsOutOfBounds``, ``ProgramNotAvailable``, ``BeyondApprovalLimit`` and as
    ``transition_request``."""
    with transaction.atomic():
        current, version = review_started(
            request, actor=actor, expected_version=expected_version, ip=ip
        )
        # Said first: on an account on hold the program would only look "not available".
        refuse_while_disputed(current.account_id)
        account = CreditAccount.objects.select_for_update().get(pk=current.account_id)
        offered = program or current.program
        terms = validated_terms(account, offered, choices, today=today)
        if not within_approval_limit(actor, amount=terms.amount, months=terms.months):
            raise BeyondApprovalLimit
        due = offered.bounds.due
        expires_on = max(expires_on, answer_by(account.debtor_id, today=today))
        settle_pending_offer(current, OfferStatus.SUPERSEDED, actor=actor)
        offer = Offer(
            request=current,
            kind=OfferKind.COUNTER,
            program=offered,
            made_by=actor,
            expires_at=_end_of_day(expires_on),
        )
        offer.set_terms(terms)
        offer.set_due(due)
        offer.save()
        record_event(
            offer,
            actor=actor,
            action=AuditAction.OFFER_MADE,
            after={
                **terms_for_audit(terms),
                "expires_at": offer.expires_at,
                "message": message,
                "program": offered.code,
            },
            ip=ip,
        )
        Message.objects.create(request=current, author=actor, body=message)
        return transition_request(
            current, RequestStatus.COUNTER_OFFERED, actor=actor, expected_version=version, ip=ip
        )


def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def accept_counter_offer(
    request: ReliefRequest,
    *,
    actor: User,
    now: dt.datetime,
    expected_version: int | None = None,
    ip: str | None = None,
) -> ReliefRequest:
    """The debtor accepts the counter-offer at ``now``: its terms become the request's, the
    request is approved and the plan created, dated that day. Refused if the offer had
    expired by then or the balance moved."""
    today = timezone.localdate(now)
    with transaction.atomic():
        current = locked_request(request, expected_version)
        offer = pending_counter_offer(current)
        if offer is None or (offer.expires_at and offer.expires_at < now):
            raise OfferNoLongerOpen
        if not money.last_due_within_legal_cap(today, offer.terms, offer.due):
            raise BeyondLegalCap
        refuse_if_balance_changed(offer, current.account_id)
        lines = money.build_schedule(offer.terms, start=today, due=offer.due)
        return approve_locked(
            current,
            actor=actor,
            today=today,
            ip=ip,
            changes={
                **_terms_changes(offer),
                # The plan is under the program the offer was made under.
                "program": offer.program,
                "kind": offer.program.kind,
                "monthly_amount": money.regular_amount(offer.terms, lines),
                "decided_by": offer.made_by,  # who made the offer decided its terms
                "decided_at": now,
            },
        )


def _terms_changes(offer: Offer) -> dict[str, Any]:
    """The offer's terms as field changes for ``transition_request``, which applies changes
    to the row it locks (setting them on another copy would be lost)."""
    names = [field.name for field in TermsFields._meta.get_fields()]
    return {name: getattr(offer, name) for name in names}


def decline_counter_offer(
    request: ReliefRequest,
    *,
    actor: User,
    comment: str,
    expected_version: int | None = None,
    ip: str | None = None,
) -> ReliefRequest:
    """The debtor declines the counter-offer, saying why: back to review."""
    with transaction.atomic():
        returned = debtor_replies(
            request, RequestStatus.COUNTER_OFFERED, actor, comment, expected_version, ip
        )
        settle_pending_offer(returned, OfferStatus.DECLINED, actor=actor)
    return returned


def expire_counter_offers(*, now: dt.datetime) -> int:
    """Counter-offers past their date close: the request expires (the system acts). Takes
    each request's lock in turn, each in its own savepoint (``failures``: one that fails is
    rolled back, logged and counted, and the others go on); safe to run again. Returns how
    many expired."""
    failures = Failures("expire_counter_offers")
    expired = 0
    overdue = ReliefRequest.objects.filter(
        status=RequestStatus.COUNTER_OFFERED,
        offers__kind=OfferKind.COUNTER,
        offers__status=OfferStatus.PENDING,
        offers__expires_at__lt=now,
    ).values_list("pk", flat=True)
    for pk in list(overdue):
        with failures.each(f"request {pk}"):
            current = locked_request(ReliefRequest(pk=pk), None)
            if current.status != RequestStatus.COUNTER_OFFERED:
                continue
            transition_request(current, RequestStatus.EXPIRED, actor=None)
            settle_pending_offer(current, OfferStatus.EXPIRED)
            expired += 1
    failures.report()
    return expired
