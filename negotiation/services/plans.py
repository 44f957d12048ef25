"""Repayment plans: creation on approval, signature, and every status change."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from negotiation import money, policy
from negotiation.exceptions import (
    AboveRateCeiling,
    ActionNotPermitted,
    BeyondLegalCap,
    TransitionNotAllowed,
)
from negotiation.locks import advisory_lock
from negotiation.models import (
    AccountStatus,
    Installment,
    InstallmentStatus,
    Message,
    PlanStatus,
    ReliefRequest,
    RepaymentPlan,
    User,
)
from negotiation.models.plans import PLAN_TRANSITIONS
from negotiation.queueing import STORE_SIGNED_AGREEMENT, delay_after_commit
from negotiation.services.accounts import end_aging_pauses, pause_aging, transition_account
from negotiation.services.audit import record_event
from negotiation.services.notifications import notify_debtor
from negotiation.templatetags.money import money as format_money


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
        action="plan.created",
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
    """The only code that changes a plan's status: lock, check the move, audit."""
    locked = RepaymentPlan.objects.select_for_update().get(pk=plan.pk)
    if to not in PLAN_TRANSITIONS[locked.status]:
        raise TransitionNotAllowed
    before = {"status": locked.status}
    for field, value in (changes or {}).items():
        setattr(locked, field, value)
    locked.status = to
    locked.save()
    record_event(
        locked, actor=actor, action="plan.transition", before=before, after={"status": to}, ip=ip
    )
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
    now: dt.datetime | None = None,
) -> RepaymentPlan:
    """The debtor signs the agreement: the plan becomes ACTIVE, with the evidence stored.

    Preconditions: ``actor`` owns the plan's account and has re-entered their password
    (the view checks it). Raises ``ActionNotPermitted`` or ``TransitionNotAllowed``.
    """
    if plan.account.debtor.user_id != actor.pk:
        raise ActionNotPermitted
    now = now or timezone.now()
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


@dataclass(frozen=True)
class FollowUp:
    """What one run of ``follow_plans`` did."""

    overdue: int
    broken: int
    expired: int
    reminded: int
    due_soon: int = 0


SIGNATURE_REMINDER_DAYS = 3  # the debtor is reminded this many days before an unsigned plan expires
PAYMENT_REMINDER_DAYS = 3  # and this many days before each installment falls due


def follow_plans(*, today: dt.date) -> FollowUp | None:
    """The daily follow-up of every plan; idempotent, and one run at a time (None when
    another run holds the lock).

    Installments past their due date and not paid in full become OVERDUE (one set-based
    update) and the debtor is told once per installment; an active plan whose latest
    ``misses_before_break`` installments are missed beyond the program's grace is BROKEN
    (account back in arrears; debtor and assigned specialist told); a plan left unsigned
    past its program's ``signature_days`` EXPIRES (account back in arrears), its debtor
    reminded ``SIGNATURE_REMINDER_DAYS`` before."""
    with advisory_lock("follow_plans") as acquired:
        if not acquired:
            return None
        return FollowUp(
            overdue=_mark_overdue(today),
            broken=_break_plans(today),
            expired=_expire_unsigned(today),
            reminded=_remind_to_sign(today),
            due_soon=_remind_upcoming_payments(today),
        )


def _mark_overdue(today: dt.date) -> int:
    with transaction.atomic():
        newly = list(
            Installment.objects.select_for_update()
            .filter(
                plan__status=PlanStatus.ACTIVE,
                due_date__lt=today,
                status__in=[InstallmentStatus.DUE, InstallmentStatus.PARTIALLY_PAID],
            )
            .select_related("plan__account__debtor", "plan__request")
        )
        Installment.objects.filter(pk__in=[i.pk for i in newly]).update(
            status=InstallmentStatus.OVERDUE
        )
        for installment in newly:
            plan = installment.plan
            notify_debtor(
                plan.account.debtor,
                "installment.overdue",
                key=f"{plan.reference}:{installment.number}",
                request=plan.request,
                context={
                    "reference": plan.reference,
                    "page": "plan",
                    "due": installment.due_date.isoformat(),
                },
            )
    return len(newly)


def _remind_upcoming_payments(today: dt.date) -> int:
    """A reminder ``PAYMENT_REMINDER_DAYS`` before each installment not yet paid in full.
    The window is the next three days, not the third day only, so a day the job did not
    run is caught up; the key (plan, installment) makes it once per installment."""
    upcoming = (
        Installment.objects.filter(
            plan__status=PlanStatus.ACTIVE,
            due_date__gt=today,
            due_date__lte=today + dt.timedelta(days=PAYMENT_REMINDER_DAYS),
            status__in=[InstallmentStatus.DUE, InstallmentStatus.PARTIALLY_PAID],
        )
        .select_related("plan__account__debtor", "plan__request__account")
        .order_by("due_date", "pk")
    )
    reminded = 0
    for installment in upcoming:
        plan = installment.plan
        with transaction.atomic():
            written = notify_debtor(
                plan.account.debtor,
                "installment.due_soon",
                key=f"{plan.reference}:{installment.number}",
                request=plan.request,
                context={
                    "reference": plan.reference,
                    "page": "plan",
                    "due": installment.due_date.isoformat(),
                    "amount": format_money(
                        installment.amount - installment.paid_amount, plan.account.currency
                    ),
                },
            )
        reminded += bool(written)
    return reminded


def _break_plans(today: dt.date) -> int:
    broken = 0
    candidates = (
        RepaymentPlan.objects.filter(
            status=PlanStatus.ACTIVE, installments__status=InstallmentStatus.OVERDUE
        )
        .distinct()
        .select_related("request__program", "request__assignee", "account__debtor")
        .prefetch_related("installments")
    )
    for plan in candidates:
        program = plan.request.program
        if not policy.breaks_plan(
            plan.installment_states(),
            today=today,
            grace_days=program.grace_days,
            misses=program.misses_before_break,
        ):
            continue
        with transaction.atomic():
            ended = transition_plan(plan, PlanStatus.BROKEN, actor=None)
            end_aging_pauses(plan.account, on=today, actor=None)
            transition_account(
                plan.account, AccountStatus.IN_ARREARS, actor=None, reason="plan broken"
            )
            notify_debtor(
                plan.account.debtor,
                "plan.broken",
                key=plan.reference,
                request=plan.request,
                context={"reference": plan.reference, "page": "plan"},
            )
            if plan.request.assignee is not None:
                Message.objects.create(
                    request=plan.request,
                    author=plan.request.assignee,
                    internal=True,
                    body=f"Plan {ended.reference} ended after {program.misses_before_break} "
                    f"consecutive missed payments; the account is back in collection.",
                )
        broken += 1
    return broken


def _awaiting_signature() -> Iterator[tuple[RepaymentPlan, dt.date]]:
    """Each plan waiting for the debtor's signature, with the last day to sign it."""
    waiting = RepaymentPlan.objects.filter(status=PlanStatus.AWAITING_SIGNATURE).select_related(
        "request__program", "account__debtor"
    )
    for plan in waiting:
        yield plan, plan.agreed_on + dt.timedelta(days=plan.request.program.signature_days)


def _expire_unsigned(today: dt.date) -> int:
    expired = 0
    for plan, last_day in _awaiting_signature():
        if today <= last_day:
            continue
        with transaction.atomic():
            transition_plan(plan, PlanStatus.EXPIRED, actor=None)
            transition_account(
                plan.account, AccountStatus.IN_ARREARS, actor=None, reason="plan expired unsigned"
            )
            notify_debtor(
                plan.account.debtor,
                "plan.expired",
                key=plan.reference,
                request=plan.request,
                context={"reference": plan.reference, "page": "plan"},
            )
        expired += 1
    return expired


def _remind_to_sign(today: dt.date) -> int:
    reminded = 0
    for plan, last_day in _awaiting_signature():
        if last_day - dt.timedelta(days=SIGNATURE_REMINDER_DAYS) <= today <= last_day:
            written = notify_debtor(
                plan.account.debtor,
                "plan.signature_reminder",
                key=plan.reference,
                request=plan.request,
                context={
                    "reference": plan.reference,
                    "page": "plan",
                    "until": last_day.isoformat(),
                },
            )
            reminded += bool(written)
    return reminded
