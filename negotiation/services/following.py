"""The daily follow-up of plans: installments marked overdue, payment and signature
reminders, unsigned plans expired, broken plans ended. Run once a day under a lock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from negotiation import policy
from negotiation.locks import advisory_lock
from negotiation.models import (
    AccountStatus,
    Installment,
    InstallmentStatus,
    Message,
    NotificationEvent,
    NotificationPage,
    PlanStatus,
    RepaymentPlan,
)
from negotiation.money import format_amount
from negotiation.selectors.mandates import mandate_taking, mandates_of
from negotiation.selectors.support import deadline_days, support_in_place
from negotiation.services.accounts import end_aging_pauses, transition_account
from negotiation.services.jobitems import Failures
from negotiation.services.mandates import debit_from
from negotiation.services.notifications import dispatch_due_notifications, notify_debtor
from negotiation.services.planchanges import expire_lapsed_changes
from negotiation.services.plans import transition_plan
from negotiation.services.promises import accounts_with_reminders_resting, follow_promises


@dataclass(frozen=True)
class FollowUp:
    """What one run of ``follow_plans`` did."""

    overdue: int
    broken: int
    expired: int
    reminded: int
    due_soon: int = 0
    promises_broken: int = 0  # promises to pay whose day passed without the money
    changes_expired: int = 0  # changes of a plan left unsigned past their time
    failed: int = 0  # plans, installments or promises that failed, rolled back and logged


SIGNATURE_REMINDER_DAYS = 3  # the debtor is reminded this many days before an unsigned plan expires


PAYMENT_REMINDER_DAYS = 3  # and this many days before each installment falls due


def follow_plans(*, today: dt.date, now: dt.datetime | None = None) -> FollowUp | None:
    """The daily follow-up of every plan; idempotent, and one run at a time (None when
    another run holds the lock).

    Installments past their due date and not paid in full become OVERDUE (one set-based
    update) and the debtor is told once per installment; an active plan whose latest
    ``misses_before_break`` installments are missed beyond the program's grace is BROKEN
    (account back in arrears; debtor and assigned specialist told); a plan left unsigned
    past its program's ``signature_days`` (SUPPORT_DEADLINE_FACTOR times that with extra
    support in place) EXPIRES (account back in arrears), its debtor reminded
    ``SIGNATURE_REMINDER_DAYS`` before.

    Each plan, installment and promise is handled in its own savepoint (``Failures.each``):
    one that fails (an inconsistent row) is rolled back, logged and counted in ``failed``,
    and the run goes on with the others and with every later step.

    The messages it writes get no task each: with ``now`` (the scheduled run's clock) what
    is due by then goes to the workers in batches (``dispatch_due_notifications``); the
    rest, and everything when ``now`` is not given, the dispatcher's next run sends."""
    with advisory_lock("follow_plans") as acquired:
        if not acquired:
            return None
        failures = Failures("follow_plans")
        result = FollowUp(
            promises_broken=follow_promises(today=today, failures=failures),
            overdue=_mark_overdue(today, failures),
            broken=_break_plans(today, failures),
            expired=_expire_unsigned(today, failures),
            reminded=_remind_to_sign(today, failures),
            due_soon=_remind_upcoming_payments(today, failures),
            changes_expired=expire_lapsed_changes(
                now=timezone.make_aware(dt.datetime.combine(today, dt.time.min)),
                failures=failures,
            ),
            failed=failures.count,
        )
        failures.report()
    # At 06:00 nothing is due yet (contact hours open at 08:00); a run by hand in the day
    # hands its messages to the workers at once, in batches.
    if now is not None:
        dispatch_due_notifications(now=now)
    return result


def _mark_overdue(today: dt.date, failures: Failures) -> int:
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
        resting = accounts_with_reminders_resting(today)
        for installment in newly:
            plan = installment.plan
            if plan.account_id in resting:
                continue  # a promise to pay is open: its breaking says it, if it comes
            with failures.each(f"overdue notice {_occasion(installment)}"):
                notify_debtor(
                    plan.account.debtor,
                    NotificationEvent.INSTALLMENT_OVERDUE,
                    key=_occasion(installment),
                    request=plan.request,
                    deliver=False,
                    context={
                        "reference": plan.reference,
                        "page": NotificationPage.PLAN,
                        "due": installment.due_date.isoformat(),
                    },
                )
    return len(newly)


def _occasion(installment: Installment) -> str:
    """One reminder per installment and due date: a changed plan (services.planchanges)
    re-dates and renumbers installments, and each new date is a new occasion, never one
    already told of under the same number."""
    return f"{installment.plan.reference}:{installment.number}:{installment.due_date.isoformat()}"


def _remind_upcoming_payments(today: dt.date, failures: Failures) -> int:
    """A reminder ``PAYMENT_REMINDER_DAYS`` before each installment not yet paid in full;
    under automatic repayment it says the amount is taken from the debtor's account then.
    The window is the next three days, not the third day only, so a day the job did not
    run is caught up; the key (plan, installment) makes it once per installment."""
    upcoming = list(
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
    resting = accounts_with_reminders_resting(today)
    mandates = mandates_of({i.plan_id for i in upcoming})
    for installment in upcoming:
        plan = installment.plan
        if plan.account_id in resting:
            continue  # reminders rest until the day the debtor promised to pay
        with failures.each(f"due-soon reminder {_occasion(installment)}"):
            # Under automatic repayment the reminder says where the money is taken from.
            mandate = mandate_taking(mandates.get(plan.pk, []), installment.due_date)
            context = {
                "reference": plan.reference,
                "page": NotificationPage.PLAN,
                "due": installment.due_date.isoformat(),
                "amount": format_amount(
                    installment.amount - installment.paid_amount, plan.account.currency
                ),
                "debit_from": debit_from(mandate) if mandate is not None else "",
            }
            written = notify_debtor(
                plan.account.debtor,
                NotificationEvent.INSTALLMENT_DUE_SOON,
                key=_occasion(installment),
                request=plan.request,
                deliver=False,
                context=context,
            )
            reminded += bool(written)
    return reminded


def _break_plans(today: dt.date, failures: Failures) -> int:
    broken = 0
    candidates = (
        RepaymentPlan.objects.filter(
            status=PlanStatus.ACTIVE, installments__status=InstallmentStatus.OVERDUE
        )
        # An account on hold for a dispute: nothing further happens until it is answered.
        .exclude(account__status=AccountStatus.DISPUTED)
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
        with failures.each(f"plan {plan.reference} (broken)"):
            ended = transition_plan(plan, PlanStatus.BROKEN, actor=None)
            end_aging_pauses(plan.account, on=today, actor=None)
            transition_account(
                plan.account, AccountStatus.IN_ARREARS, actor=None, reason="plan broken"
            )
            notify_debtor(
                plan.account.debtor,
                NotificationEvent.PLAN_BROKEN,
                key=plan.reference,
                request=plan.request,
                deliver=False,
                context={"reference": plan.reference, "page": NotificationPage.PLAN},
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
    # An account on hold for a dispute: its unsigned plan waits for the answer.
    # A debtor with extra support in place has longer to sign (selectors.support).
    waiting = (
        RepaymentPlan.objects.filter(status=PlanStatus.AWAITING_SIGNATURE)
        .exclude(account__status=AccountStatus.DISPUTED)
        .select_related("request__program", "account__debtor")
        .annotate(supported=support_in_place("account__debtor"))
    )
    for plan in waiting:
        days = deadline_days(plan.request.program.signature_days, supported=plan.supported)
        yield plan, plan.agreed_on + dt.timedelta(days=days)


def _expire_unsigned(today: dt.date, failures: Failures) -> int:
    expired = 0
    for plan, last_day in _awaiting_signature():
        if today <= last_day:
            continue
        with failures.each(f"plan {plan.reference} (expired unsigned)"):
            transition_plan(plan, PlanStatus.EXPIRED, actor=None)
            transition_account(
                plan.account, AccountStatus.IN_ARREARS, actor=None, reason="plan expired unsigned"
            )
            notify_debtor(
                plan.account.debtor,
                NotificationEvent.PLAN_EXPIRED,
                key=plan.reference,
                request=plan.request,
                deliver=False,
                context={"reference": plan.reference, "page": NotificationPage.PLAN},
            )
            expired += 1
    return expired


def _remind_to_sign(today: dt.date, failures: Failures) -> int:
    reminded = 0
    for plan, last_day in _awaiting_signature():
        if not last_day - dt.timedelta(days=SIGNATURE_REMINDER_DAYS) <= today <= last_day:
            continue
        with failures.each(f"plan {plan.reference} (signature reminder)"):
            written = notify_debtor(
                plan.account.debtor,
                NotificationEvent.PLAN_SIGNATURE_REMINDER,
                key=plan.reference,
                request=plan.request,
                deliver=False,
                context={
                    "reference": plan.reference,
                    "page": NotificationPage.PLAN,
                    "until": last_day.isoformat(),
                },
            )
            reminded += bool(written)
    return reminded
