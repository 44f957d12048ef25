"""Repayment plans: creation on approval, signature, and every status change."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from negotiation import money
from negotiation.exceptions import (
    AboveRateCeiling,
    ActionNotPermitted,
    BeyondLegalCap,
    TransitionNotAllowed,
)
from negotiation.models import (
    AccountStatus,
    AuditAction,
    Installment,
    PlanStatus,
    ReliefRequest,
    RepaymentPlan,
    User,
)
from negotiation.models.plans import ENDED_PLAN_STATUSES, PLAN_TRANSITIONS
from negotiation.queueing import STORE_SIGNED_AGREEMENT, delay_after_commit
from negotiation.services.accounts import pause_aging, transition_account
from negotiation.services.audit import record_event


def create_plan(request: ReliefRequest, *, actor: User | None, agreed_on: dt.date) -> RepaymentPlan:
    """The plan for an approved request, its schedule dated from ``agreed_on``.

    Runs inside the approval's transaction. The installments are the schedule of the
    request's terms line for line, so they sum exactly to the plan's total.

    Every approval passes here, so this is where the legal cap is enforced, on the terms and
    due rule stored on the request and the day of the agreement: nothing (an exception to
    policy, a late acceptance, a program edited since) can waive it. Raises
    ``BeyondLegalCap``, which rolls the approval back; likewise ``AboveRateCeiling`` when
    the plan dated from ``agreed_on`` would disclose more than the rate ceiling.
    """
    if not money.last_due_within_legal_cap(agreed_on, request.terms, request.due):
        raise BeyondLegalCap
    disclosure = money.disclose(request.terms, start=agreed_on, due=request.due)
    if disclosure.annual_rate > settings.DISCLOSED_ANNUAL_RATE_CEILING:
        raise AboveRateCeiling
    plan = unsaved_plan(request, disclosure=disclosure, agreed_on=agreed_on)
    plan.save()
    Installment.objects.bulk_create(unsaved_installments(plan, disclosure.lines))
    record_event(
        plan,
        actor=actor,
        action=AuditAction.PLAN_CREATED,
        after={"status": plan.status, "total_repayable": str(plan.total_repayable)},
    )
    # The account is under the plan from now: no second request, no second plan.
    transition_account(request.account, AccountStatus.IN_PLAN, actor=actor, reason="plan approved")
    return plan


def unsaved_plan(
    request: ReliefRequest,
    *,
    disclosure: money.Disclosure,
    agreed_on: dt.date,
    status: str = PlanStatus.AWAITING_SIGNATURE,
) -> RepaymentPlan:
    """The plan row for ``request`` with the totals of its disclosure, not yet saved."""
    plan = RepaymentPlan(
        account=request.account,
        request=request,
        status=status,
        agreed_on=agreed_on,
        total_repayable=disclosure.total_repayable,
        total_cost=disclosure.total_cost,
        annual_rate=disclosure.annual_rate,
    )
    plan.set_terms(disclosure.terms)
    plan.set_due(request.due)
    return plan


def unsaved_installments(
    plan: RepaymentPlan, lines: tuple[money.ScheduleLine, ...]
) -> list[Installment]:
    """One installment per schedule line, line for line, and the down payment (number 0,
    due on the day of the agreement) when there is one: together they sum to the plan's
    total repayable."""
    down_payment = (
        [
            Installment(
                plan=plan,
                number=0,
                due_date=plan.agreed_on,
                principal_part=plan.down_payment,
                cost_part=money.ZERO,
                amount=plan.down_payment,
            )
        ]
        if plan.down_payment > 0
        else []
    )
    return down_payment + [
        Installment(
            plan=plan,
            number=line.number,
            due_date=line.due_date,
            principal_part=line.principal_part,
            cost_part=line.cost_part,
            amount=line.amount,
        )
        for line in lines
    ]


def transition_plan(
    plan: RepaymentPlan,
    to: str,
    *,
    actor: User | None,
    changes: dict[str, object] | None = None,
    ip: str | None = None,
) -> RepaymentPlan:
    """The only code that changes a plan's status: lock, check the move, audit. A move that
    ends the plan also sets ``ended_at``, to the time of its audit row (written first, in
    the same transaction, for that reason: the retention clock and the trail agree)."""
    locked = RepaymentPlan.objects.select_for_update().get(pk=plan.pk)
    if to not in PLAN_TRANSITIONS[locked.status]:
        raise TransitionNotAllowed
    before = {"status": locked.status}
    for field, value in (changes or {}).items():
        setattr(locked, field, value)
    locked.status = to
    event = record_event(
        locked,
        actor=actor,
        action=AuditAction.PLAN_TRANSITION,
        before=before,
        after={"status": to},
        ip=ip,
    )
    if to in ENDED_PLAN_STATUSES:
        locked.ended_at = event.at
    locked.save()
    return locked


def agreement_digest(plan: RepaymentPlan, agreement_text: str) -> str:
    """sha256 of the exact agreement text the debtor signed, kept as signature evidence."""
    return hashlib.sha256(f"{plan.reference}\n{agreement_text}".encode()).hexdigest()


def sign_plan(
    plan: RepaymentPlan,
    *,
    actor: User,
    agreement_text: str,
    ip: str | None,
    user_agent: str,
    now: dt.datetime,
) -> RepaymentPlan:
    """The debtor signs the agreement: the plan becomes ACTIVE, with the evidence stored.

    Preconditions: ``actor`` owns the plan's account and has re-entered their password
    (the view checks it). Raises ``ActionNotPermitted`` or ``TransitionNotAllowed``.
    """
    if plan.account.debtor.user_id != actor.pk:
        raise ActionNotPermitted
    with transaction.atomic():
        signed = transition_plan(
            plan,
            PlanStatus.ACTIVE,
            actor=actor,
            ip=ip,
            changes={
                "signed_at": now,
                "signature_ip": ip,
                "signature_user_agent": user_agent[:400],
                "agreement_sha256": agreement_digest(plan, agreement_text),
                "agreement_language": translation.get_language() or "",
            },
        )
        if signed.grace_months:
            _pause_aging_for_deferral(signed, actor=actor, today=timezone.localdate(now))
        _store_agreement_after_commit(signed.pk)
    return signed


def _store_agreement_after_commit(plan_id: int) -> None:
    # If the PDF cannot be made now, the first download makes it
    # (services.agreements.signed_agreement_pdf).
    delay_after_commit(STORE_SIGNED_AGREEMENT, plan_id)


def _pause_aging_for_deferral(plan: RepaymentPlan, *, actor: User, today: dt.date) -> None:
    """An agreed deferral pauses the aging of the account (DOMAIN.md) from the day after the
    signature (the signing day has already counted) until the day before the first payment
    falls due."""
    first_due = plan.installments.filter(number__gte=1).order_by("number").first()
    if first_due is None:
        return
    pause_aging(
        plan.account,
        first_day=today + dt.timedelta(days=1),
        last_day=first_due.due_date - dt.timedelta(days=1),
        actor=actor,
        plan=plan,
    )
