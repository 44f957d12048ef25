"""Changing a signed plan by self-service, within policy (docs/ARCHITECTURE.md, "Changing a
plan"): a new payment day (1 to 28, once in PLAN_CHANGE_DAY_INTERVAL_MONTHS), or, where the
program allows, one payment moved to the end once per plan year. Each change is a new
version of the plan's terms (``PlanAmendment``), previewed first, set out for signature, and
in force only once the debtor signs it with the same two steps as the first agreement
(services.plans: the password, then the code bound to the new text). Anything else is a
``PlanChangeRequest`` a specialist answers.

Nothing here reads the clock: every function takes ``today`` or ``now``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from negotiation import money, policy
from negotiation.exceptions import ActionNotPermitted, ServiceError, TransitionNotAllowed
from negotiation.models import (
    AMENDMENT_TRANSITIONS,
    CHANGE_REQUEST_TRANSITIONS,
    AmendmentKind,
    AmendmentStatus,
    AuditAction,
    ChangeRequestStatus,
    CodePurpose,
    Debtor,
    Installment,
    InstallmentStatus,
    IntentStatus,
    NotificationEvent,
    NotificationPage,
    OneTimeCode,
    PaymentIntent,
    PlanAmendment,
    PlanChangeRequest,
    PlanStatus,
    RepaymentPlan,
    User,
)
from negotiation.models.planchanges import CHANGE_REQUEST_MAX_CHARS
from negotiation.phones import last_digits
from negotiation.punctuation import sentences
from negotiation.queueing import STORE_SIGNED_AMENDMENT, delay_after_commit
from negotiation.roles import ANSWER_PLANCHANGEREQUEST
from negotiation.selectors.mandates import mandate_taking, mandates_of
from negotiation.selectors.planchanges import pending_change
from negotiation.services.agreements import signed_agreement_pdf, signed_amendment_pdf
from negotiation.services.audit import record_event
from negotiation.services.jobitems import Failures
from negotiation.services.mandates import follow_new_dates
from negotiation.services.notifications import notify_debtor
from negotiation.services.passwordcheck import check_password_again
from negotiation.services.plans import (
    agreement_digest,
    send_signing_code,
    signing_code_refusal,
)


class ChangeRefused(ServiceError):
    """Why the change cannot be made, every reason in the debtor's words."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(sentences(reasons))
        self.reasons = reasons


class ChangeOutdated(ServiceError):
    """The plan moved on since the change was set out (a payment arrived, a date passed):
    the text signed would no longer be true, so the change lapses."""

    default_message = gettext_lazy(
        "Your plan has changed since you set out this change (a payment arrived or a date "
        "passed), so nothing was changed. Please look at the change again."
    )


@dataclass(frozen=True)
class PreviewRow:
    """One payment, before and after the change, side by side."""

    number: int  # its number after the change
    date_before: dt.date
    date_after: dt.date
    amount: Decimal  # after the change (with the fee where it falls)
    paid: Decimal

    @property
    def moves(self) -> bool:
        return self.date_before != self.date_after


@dataclass(frozen=True)
class ChangePreview:
    """What a change would do, or every reason it cannot be made."""

    kind: str
    reasons: tuple[str, ...]
    amended: money.Amended | None
    rows: tuple[PreviewRow, ...]
    fee: Decimal
    total_repayable_before: Decimal
    annual_rate_before: Decimal
    old_payment_day: int | None = None
    new_payment_day: int | None = None
    moved_number: int | None = None
    moved_from: dt.date | None = None
    moved_to: dt.date | None = None

    @property
    def allowed(self) -> bool:
        return not self.reasons and self.amended is not None


# --- Reading the plan ------------------------------------------------------------------


def plan_lines(plan: RepaymentPlan) -> list[money.PlanLine]:
    """The plan's installments as the money module reads them (prefetched ones are used)."""
    return [
        money.PlanLine(i.number, i.due_date, i.principal_part, i.cost_part, i.paid_amount)
        for i in plan.installments.all()
    ]


def schedule_snapshot(
    lines: list[money.PlanLine], renumbered: dict[int, int] | None = None
) -> list[dict[str, Any]]:
    """Lines as a version keeps them (exact strings, ISO dates), in order; after a change,
    each line also says which installment it is (``was``: its number before)."""
    was = {new: old for old, new in (renumbered or {}).items()}
    return [
        {
            **({"was": was.get(line.number, line.number)} if renumbered is not None else {}),
            "number": line.number,
            "due_date": line.due_date.isoformat(),
            "principal_part": str(line.principal_part),
            "cost_part": str(line.cost_part),
            "paid": str(line.paid),
        }
        for line in sorted(lines, key=lambda line: line.number)
    ]


def current_payment_day(plan: RepaymentPlan) -> int:
    """The day of the month the plan's payments fall on: its payment day, or the day of the
    agreement when it has none (money.due_dates)."""
    return plan.payment_day or plan.agreed_on.day


def legal_end(plan: RepaymentPlan) -> dt.date:
    """The latest day the plan's last payment may fall on (Art. 70: five years)."""
    return money.add_months(plan.agreed_on, money.LEGAL_MAX_MONTHS)


def signed_changes(plan: RepaymentPlan, kind: str) -> list[PlanAmendment]:
    return list(
        PlanAmendment.objects.filter(plan=plan, kind=kind, status=AmendmentStatus.SIGNED).order_by(
            "-signed_at"
        )
    )


def next_day_change_from(plan: RepaymentPlan) -> dt.date | None:
    """The first day a new payment day may be chosen again, or None when one may now."""
    last = next(iter(signed_changes(plan, AmendmentKind.PAYMENT_DAY)), None)
    if last is None or last.signed_at is None:
        return None
    signed_on = timezone.localdate(last.signed_at)
    return money.add_months(signed_on, settings.PLAN_CHANGE_DAY_INTERVAL_MONTHS)


def plan_year(plan: RepaymentPlan, today: dt.date) -> tuple[dt.date, dt.date]:
    """The plan year ``today`` falls in, counted from the day of the agreement: its first
    day and the first day of the next."""
    years = 0
    while money.add_months(plan.agreed_on, 12 * (years + 1)) <= today:
        years += 1
    return (
        money.add_months(plan.agreed_on, 12 * years),
        money.add_months(plan.agreed_on, 12 * (years + 1)),
    )


def _day(value: dt.date) -> str:
    return date_format(value, "DATE_FORMAT")


# --- Previews --------------------------------------------------------------------------


def _common_reasons(plan: RepaymentPlan) -> list[str]:
    if plan.status != PlanStatus.ACTIVE:
        return [_("Only a signed plan that is running can be changed.")]
    return []


def _amended(
    plan: RepaymentPlan, lines: list[money.PlanLine], moves: dict[int, dt.date], today: dt.date
) -> money.Amended:
    return money.amend_schedule(
        lines,
        moves,
        fee=plan.request.program.change_fee,
        today=today,
        start=plan.agreed_on,
        amount=plan.amount,
        down_payment=plan.down_payment,
    )


def _limits_of_the_result(plan: RepaymentPlan, amended: money.Amended) -> list[str]:
    """What no change may do: end after the legal cap, or cost above the rate ceiling."""
    reasons = []
    if not money.ends_within_legal_cap(plan.agreed_on, amended.last_due_date):
        reasons.append(
            _(
                "The last payment would then fall on %(last)s, more than %(months)s months "
                "after the agreement, which the law does not allow (the latest is %(end)s)."
            )
            % {
                "last": _day(amended.last_due_date),
                "months": money.LEGAL_MAX_MONTHS,
                "end": _day(legal_end(plan)),
            }
        )
    if amended.annual_rate > settings.DISCLOSED_ANNUAL_RATE_CEILING:
        reasons.append(
            _("With the change's fee the plan would cost more than %(ceiling)s%% a year.")
            % {"ceiling": settings.DISCLOSED_ANNUAL_RATE_CEILING}
        )
    return reasons


def _rows(lines: list[money.PlanLine], amended: money.Amended) -> tuple[PreviewRow, ...]:
    after = {line.number: line for line in amended.lines}
    rows = []
    for line in lines:
        new_number = line.number if line.number == 0 else amended.renumbered[line.number]
        changed = after[new_number]
        rows.append(
            PreviewRow(new_number, line.due_date, changed.due_date, changed.amount, line.paid)
        )
    return tuple(sorted(rows, key=lambda row: (row.date_after, row.number)))


def _preview(
    plan: RepaymentPlan,
    kind: str,
    reasons: list[str],
    lines: list[money.PlanLine],
    moves: dict[int, dt.date],
    today: dt.date,
    **what: Any,
) -> ChangePreview:
    amended = _amended(plan, lines, moves, today) if moves else None
    if amended is not None:
        reasons = reasons + _limits_of_the_result(plan, amended)
    return ChangePreview(
        kind=kind,
        reasons=tuple(reasons),
        amended=amended,
        rows=_rows(lines, amended) if amended is not None else (),
        fee=plan.request.program.change_fee,
        total_repayable_before=plan.total_repayable,
        annual_rate_before=plan.annual_rate,
        **what,
    )


def preview_payment_day_change(plan: RepaymentPlan, new_day: int, today: dt.date) -> ChangePreview:
    """The schedule with the payments still to come on ``new_day`` of the month, or every
    reason that cannot be: not a running plan, a day outside 1 to 28, the day it already
    is, too soon after the last new day (with the date it becomes possible), nothing left to
    move, past the legal cap or the rate ceiling."""
    old_day = current_payment_day(plan)
    reasons = _common_reasons(plan)
    if reasons:
        return _preview(plan, AmendmentKind.PAYMENT_DAY, reasons, [], {}, today)
    lines = plan_lines(plan)
    moves: dict[int, dt.date] = {}
    if new_day not in money.CHANGEABLE_DAYS:
        reasons.append(_("Please choose a day from 1 to 28: every month has those days."))
    elif new_day == old_day:
        reasons.append(
            _("Your payments already fall on day %(day)s of the month.") % {"day": old_day}
        )
    else:
        moves = money.payment_day_moves(lines, new_day=new_day, today=today)
        if not moves:
            reasons.append(_("No payment is left to move to a new day."))
    possible_from = next_day_change_from(plan)
    if possible_from is not None and today < possible_from:
        reasons.append(
            _(
                "The payment day can be changed once in %(months)s months. You can change it "
                "again from %(day)s."
            )
            % {"months": settings.PLAN_CHANGE_DAY_INTERVAL_MONTHS, "day": _day(possible_from)}
        )
    return _preview(
        plan,
        AmendmentKind.PAYMENT_DAY,
        reasons,
        lines,
        moves,
        today,
        old_payment_day=old_day,
        new_payment_day=new_day,
    )


def movable_installments(plan: RepaymentPlan, today: dt.date) -> list[Installment]:
    """The payments that could move to the end: monthly, nothing paid on them yet, not
    overdue, and not the last one."""
    monthly = [i for i in plan.installments.all() if i.number >= 1]
    if not monthly:
        return []
    last = max(monthly, key=lambda i: (i.due_date, i.number))
    return [
        i
        for i in monthly
        if i.paid_amount == 0
        and i.due_date >= today
        and i.status != InstallmentStatus.OVERDUE
        and i is not last
    ]


def preview_move_to_end(plan: RepaymentPlan, number: int, today: dt.date) -> ChangePreview:
    """The schedule with payment ``number`` moved to a month after the last one, or every
    reason that cannot be: not a running plan, the program does not allow it, no such
    payment, already paid (even in part), overdue, already the last one, already used this
    plan year (with the date it becomes possible), past the legal cap or the rate ceiling."""
    reasons = _common_reasons(plan)
    if reasons:
        return _preview(plan, AmendmentKind.MOVE_TO_END, reasons, [], {}, today)
    if not plan.request.program.allows_move_to_end:
        reasons.append(
            _("Your plan's program does not allow moving a payment to the end. You can ask us.")
        )
    lines = plan_lines(plan)
    installment = next(
        (i for i in plan.installments.all() if i.number == number and number >= 1), None
    )
    if installment is None:
        reasons.append(_("There is no such payment in your plan."))
        return _preview(plan, AmendmentKind.MOVE_TO_END, reasons, lines, {}, today)
    reasons += _installment_reasons(plan, installment, today)
    year_start, next_year = plan_year(plan, today)
    used = [
        a
        for a in signed_changes(plan, AmendmentKind.MOVE_TO_END)
        if a.signed_at is not None and timezone.localdate(a.signed_at) >= year_start
    ]
    if used:
        reasons.append(
            _(
                "You have moved a payment to the end in this plan year already. You can move "
                "one again from %(day)s."
            )
            % {"day": _day(next_year)}
        )
    moves = (
        money.move_to_end_moves(lines, number=number, anchor=current_payment_day(plan))
        if not reasons
        else {}
    )
    return _preview(
        plan,
        AmendmentKind.MOVE_TO_END,
        reasons,
        lines,
        moves,
        today,
        moved_number=number,
        moved_from=installment.due_date,
        moved_to=moves.get(number),
    )


def _installment_reasons(
    plan: RepaymentPlan, installment: Installment, today: dt.date
) -> list[str]:
    words = {"number": installment.number}
    if installment.paid_amount >= installment.amount:
        return [_("Payment %(number)s is already paid.") % words]
    if installment.paid_amount > 0:
        return [_("Payment %(number)s is partly paid, so it stays where it is.") % words]
    if installment.due_date < today or installment.status == InstallmentStatus.OVERDUE:
        return [
            _("Payment %(number)s is overdue, so it cannot be moved; you can still make it up.")
            % words
        ]
    monthly = [i for i in plan.installments.all() if i.number >= 1]
    if max(monthly, key=lambda i: (i.due_date, i.number)).pk == installment.pk:
        return [_("Payment %(number)s is already the last one.") % words]
    if installment.due_date == today and _debited_today(plan, today):
        # Today's debits went to the bank this morning: moving it would not stop this one.
        return [
            _(
                "Payment %(number)s is being taken from your account today by automatic "
                "repayment, so it stays where it is."
            )
            % words
        ]
    return []


def _debited_today(plan: RepaymentPlan, today: dt.date) -> bool:
    return mandate_taking(mandates_of([plan.pk]).get(plan.pk, []), today) is not None


# --- Setting a change out for signature ------------------------------------------------


def _locked_plan(plan: RepaymentPlan) -> RepaymentPlan:
    """The plan, its row locked (one change at a time, and none while a payment is being
    allocated to it), with its installments and program."""
    locked = (
        RepaymentPlan.objects.select_for_update(of=("self",))
        .select_related("request__program", "account__debtor")
        .get(pk=plan.pk)
    )
    prefetch_related_objects([locked], "installments")
    return locked


def propose_change(
    plan: RepaymentPlan,
    *,
    actor: User,
    kind: str,
    new_day: int | None = None,
    number: int | None = None,
    now: dt.datetime,
) -> PlanAmendment:
    """The change set out as the plan's next version, waiting for the debtor's signature
    until ``now`` + PLAN_CHANGE_SIGNATURE_HOURS; nothing on the plan changes yet. The
    preview is made again under the plan's lock, so what is set out is what the rules allow
    now. A lapsed change waiting is expired first. Audited.

    Raises ``ActionNotPermitted`` (not the debtor's plan), ``ChangeRefused`` with every
    reason (a change already waiting included)."""
    today = timezone.localdate(now)
    with transaction.atomic():
        locked = _locked_plan(plan)
        _check_owner(locked, actor)
        _expire_lapsed(locked, now=now)
        if pending_change(locked, now=now) is not None:
            raise ChangeRefused(
                [_("A change is already waiting for your signature: sign it or give it up first.")]
            )
        if _payment_waiting(locked):
            raise ChangeRefused(
                [
                    _(
                        "A payment you started online is still waiting for confirmation from "
                        "the payment service. Please change your plan once it is confirmed: "
                        "this usually takes a few minutes."
                    )
                ]
            )
        if kind == AmendmentKind.PAYMENT_DAY and new_day is not None:
            preview = preview_payment_day_change(locked, new_day, today)
        elif kind == AmendmentKind.MOVE_TO_END and number is not None:
            preview = preview_move_to_end(locked, number, today)
        else:
            raise ChangeRefused([_("Please choose one of the changes below.")])
        if not preview.allowed or preview.amended is None:
            raise ChangeRefused(list(preview.reasons))
        amendment = PlanAmendment.objects.create(
            plan=locked,
            version=_next_version(locked),
            kind=kind,
            old_payment_day=preview.old_payment_day,
            new_payment_day=preview.new_payment_day,
            moved_number=preview.moved_number,
            moved_from=preview.moved_from,
            moved_to=preview.moved_to,
            fee=preview.fee,
            schedule_before=schedule_snapshot(plan_lines(locked)),
            schedule_after=schedule_snapshot(
                list(preview.amended.lines), preview.amended.renumbered
            ),
            total_repayable_before=locked.total_repayable,
            annual_rate_before=locked.annual_rate,
            total_repayable=preview.amended.total_repayable,
            total_cost=preview.amended.total_cost,
            annual_rate=preview.amended.annual_rate,
            requested_at=now,
            requested_by=actor,
            expires_at=now + dt.timedelta(hours=settings.PLAN_CHANGE_SIGNATURE_HOURS),
        )
        record_event(
            locked,
            actor=actor,
            action=AuditAction.PLAN_CHANGE_PROPOSED,
            after={
                "version": amendment.version,
                "kind": kind,
                "old_payment_day": amendment.old_payment_day,
                "new_payment_day": amendment.new_payment_day,
                "moved_number": amendment.moved_number,
                "moved_from": amendment.moved_from,
                "moved_to": amendment.moved_to,
                "fee": amendment.fee,
                "total_repayable": amendment.total_repayable,
                "annual_rate": amendment.annual_rate,
                "expires_at": amendment.expires_at,
            },
        )
    return amendment


def _payment_waiting(plan: RepaymentPlan) -> bool:
    """Whether a payment online on the plan's account waits for its provider: it will be
    allocated to the schedule in force when it is confirmed."""
    waiting: bool = PaymentIntent.objects.filter(
        account_id=plan.account_id, status=IntentStatus.PENDING
    ).exists()
    return waiting


def _still_as_set_out(plan: RepaymentPlan, amendment: PlanAmendment, today: dt.date) -> bool:
    """Whether the rules, today, make the same change of the (locked) plan as when it was
    set out: a date passed since may keep an installment where it is."""
    if amendment.kind == AmendmentKind.PAYMENT_DAY and amendment.new_payment_day is not None:
        preview = preview_payment_day_change(plan, amendment.new_payment_day, today)
    elif amendment.kind == AmendmentKind.MOVE_TO_END and amendment.moved_number is not None:
        preview = preview_move_to_end(plan, amendment.moved_number, today)
    else:
        return False
    if not preview.allowed or preview.amended is None:
        return False
    after = schedule_snapshot(list(preview.amended.lines), preview.amended.renumbered)
    same: bool = after == amendment.schedule_after
    return same


def _next_version(plan: RepaymentPlan) -> int:
    signed = PlanAmendment.objects.filter(plan=plan, status=AmendmentStatus.SIGNED)
    return 1 + max((a.version for a in signed), default=1)


def _check_owner(plan: RepaymentPlan, actor: User) -> Debtor:
    debtor = plan.account.debtor
    if debtor.user_id != actor.pk:
        raise ActionNotPermitted
    return debtor


# --- Every move of a change ------------------------------------------------------------


def transition_amendment(
    amendment: PlanAmendment,
    to: str,
    *,
    actor: User | None,
    reason: str = "",
    changes: dict[str, object] | None = None,
    noted: dict[str, object] | None = None,
    ip: str | None = None,
) -> PlanAmendment:
    """The only code that changes a change's status: lock, check the move, audit. A move
    out of waiting sets ``ended_at`` to the time of its audit row (written first)."""
    locked = PlanAmendment.objects.select_for_update().get(pk=amendment.pk)
    if to not in AMENDMENT_TRANSITIONS[locked.status]:
        raise TransitionNotAllowed
    before = {"status": locked.status}
    for field, value in (changes or {}).items():
        setattr(locked, field, value)
    locked.status = to
    after: dict[str, object] = {"status": to, "version": locked.version}
    if reason:
        after["reason"] = reason
    if locked.agreement_sha256:
        after["sha256"] = locked.agreement_sha256
    after.update(noted or {})
    event = record_event(
        amendment.plan,
        actor=actor,
        action=AuditAction.PLAN_CHANGE_TRANSITION,
        before=before,
        after=after,
        ip=ip,
    )
    locked.ended_at = event.at
    locked.save()
    return locked


def abandon_change(amendment: PlanAmendment, *, actor: User) -> PlanAmendment:
    """The debtor gives the change up before signing it: nothing changed. Raises
    ``ActionNotPermitted`` and ``TransitionNotAllowed`` (signed or ended already)."""
    _check_owner(amendment.plan, actor)
    with transaction.atomic():
        return transition_amendment(
            amendment, AmendmentStatus.ABANDONED, actor=actor, reason="given up"
        )


def _expire_lapsed(plan: RepaymentPlan, *, now: dt.datetime) -> None:
    lapsed = PlanAmendment.objects.filter(
        plan=plan, status=AmendmentStatus.AWAITING_SIGNATURE, expires_at__lte=now
    )
    for amendment in lapsed:
        transition_amendment(amendment, AmendmentStatus.EXPIRED, actor=None, reason="not signed")


def expire_lapsed_changes(*, now: dt.datetime, failures: Failures | None = None) -> int:
    """Daily (services.following): every change left unsigned past its time lapses, each
    in its own savepoint (``failures``: one that fails is rolled back, logged and counted).
    Returns how many."""
    failures = failures or Failures("expire_lapsed_changes")
    expired = 0
    lapsed = PlanAmendment.objects.filter(
        status=AmendmentStatus.AWAITING_SIGNATURE, expires_at__lte=now
    ).select_related("plan")
    for amendment in lapsed.order_by("pk"):
        with failures.each(f"plan change {amendment.pk}"):
            try:
                transition_amendment(
                    amendment, AmendmentStatus.EXPIRED, actor=None, reason="not signed"
                )
            except TransitionNotAllowed:
                continue  # signed or given up meanwhile
            expired += 1
    return expired


# --- Signing a change (the two steps of services.plans) --------------------------------


def _signer_of_change(amendment: PlanAmendment, actor: User, now: dt.datetime) -> Debtor:
    plan = amendment.plan
    debtor = _check_owner(plan, actor)
    stored = PlanAmendment.objects.filter(pk=amendment.pk).values_list("status", "expires_at").get()
    if stored[0] != AmendmentStatus.AWAITING_SIGNATURE or stored[1] <= now:
        raise TransitionNotAllowed
    return debtor


def start_change_signing(
    amendment: PlanAmendment,
    *,
    actor: User,
    password: str,
    agreement_text: str,
    ip: str | None,
    now: dt.datetime,
) -> OneTimeCode:
    """The first step of signing a change, as for the first agreement: the password asked
    again (its tries counted: services.passwordcheck), then a code texted to the phone on
    file, bound to the digest of the new version's text. Raises what
    ``services.plans.start_signing`` raises."""
    debtor = _signer_of_change(amendment, actor, now)
    check_password_again(debtor, actor, password, purpose=CodePurpose.SIGNING, ip=ip, now=now)
    return send_signing_code(
        amendment.plan, debtor, actor=actor, agreement_text=agreement_text, ip=ip, now=now
    )


def resend_change_code(
    amendment: PlanAmendment,
    *,
    actor: User,
    agreement_text: str,
    ip: str | None,
    now: dt.datetime,
) -> OneTimeCode:
    """A new code for the same change, in the flow whose password was already asked."""
    debtor = _signer_of_change(amendment, actor, now)
    return send_signing_code(
        amendment.plan, debtor, actor=actor, agreement_text=agreement_text, ip=ip, now=now
    )


def sign_change(
    amendment: PlanAmendment,
    *,
    actor: User,
    code_id: int,
    entered: str,
    agreement_text: str,
    ip: str | None,
    user_agent: str,
    now: dt.datetime,
) -> PlanAmendment:
    """The debtor signs the change by typing back the code: the plan takes the new version
    (installments re-dated and numbered in date order, the fee where it falls, the payment
    day, totals and annual rate), the version keeps the evidence, the debtor is told, and
    the new version's PDF is stored and sealed after the commit. The document of the
    version it replaces is stored first if it was not yet, so it keeps what was signed.

    Raises ``ActionNotPermitted``, ``TransitionNotAllowed`` (not waiting, or lapsed),
    ``WrongCode`` / ``CodeNoLongerValid`` (audited), and ``ChangeOutdated`` when the plan
    is no longer the one the change was set out on (the change then lapses)."""
    debtor = _signer_of_change(amendment, actor, now)
    plan = amendment.plan
    today = timezone.localdate(now)
    with transaction.atomic():
        # The plan's and the change's rows are locked from the code's check to the
        # signature (as services.plans.sign_plan): a button tapped twice sends the code
        # twice at once, and the second waits here, then finds the change signed
        # (TransitionNotAllowed) instead of a code used up by the first.
        locked = _locked_plan(plan)
        current = PlanAmendment.objects.select_for_update().get(pk=amendment.pk)
        if current.status != AmendmentStatus.AWAITING_SIGNATURE:
            raise TransitionNotAllowed
        refused = signing_code_refusal(
            plan,
            debtor,
            actor=actor,
            code_id=code_id,
            entered=entered,
            agreement_text=agreement_text,
            ip=ip,
            now=now,
        )
        outdated = refused is None and _outdated(locked, current, today)
        signed = None
        if outdated:
            transition_amendment(
                current, AmendmentStatus.EXPIRED, actor=actor, reason="the plan moved on"
            )
        elif refused is None:
            signed = _change_signed_now(
                locked, current, debtor, actor, ip, user_agent, agreement_text, now
            )
    # Raised after the commit: the try is counted and audited, the lapse recorded.
    if refused is not None:
        raise refused
    if outdated:
        raise ChangeOutdated
    assert signed is not None
    return signed


def _outdated(plan: RepaymentPlan, amendment: PlanAmendment, today: dt.date) -> bool:
    """Whether the plan moved on since the change was set out: a payment arrived, one is
    waiting online (it would be allocated to a schedule the debtor did not sign), or a date
    passed (an installment fell due, and may already be in the day's debits, so the rules
    no longer make this change)."""
    return (
        plan.status != PlanStatus.ACTIVE
        or schedule_snapshot(plan_lines(plan)) != amendment.schedule_before
        or _payment_waiting(plan)
        or not _still_as_set_out(plan, amendment, today)
    )


def _change_signed_now(
    plan: RepaymentPlan,
    amendment: PlanAmendment,
    debtor: Debtor,
    actor: User,
    ip: str | None,
    user_agent: str,
    agreement_text: str,
    now: dt.datetime,
) -> PlanAmendment:
    """The change signed: the plan takes the new version, automatic repayment follows the
    new dates, the version keeps the evidence, the debtor is told, the PDF is stored after
    the commit. ``plan`` and ``amendment`` are locked by the caller."""
    today = timezone.localdate(now)
    _keep_the_earlier_document(plan, actor=actor)
    _apply(plan, amendment)
    # Automatic repayment follows the new dates: never the old day, never twice.
    mandates = follow_new_dates(plan, moved=_moved_dates(amendment), today=today)
    signed = transition_amendment(
        amendment,
        AmendmentStatus.SIGNED,
        actor=actor,
        ip=ip,
        noted={"mandates": mandates} if mandates else None,
        changes={
            "signed_at": now,
            "signature_ip": ip,
            "signature_user_agent": user_agent[:400],
            "agreement_sha256": agreement_digest(plan, agreement_text),
            "agreement_language": translation.get_language() or "",
            "signature_code_sent_to": last_digits(debtor.phone),
            "signature_code_verified_at": now,
        },
    )
    _tell_the_debtor(plan, signed, today=today)
    delay_after_commit(STORE_SIGNED_AMENDMENT, signed.pk)
    return signed


def _keep_the_earlier_document(plan: RepaymentPlan, *, actor: User) -> None:
    """The signed document of the version being replaced, stored now if its after-commit
    task was lost: it is rendered from the plan's figures, which the change is about to
    move (the document of a signed version must show what was signed)."""
    earlier = (
        PlanAmendment.objects.filter(plan=plan, status=AmendmentStatus.SIGNED)
        .order_by("-version")
        .first()
    )
    if earlier is None:
        if not plan.agreement_pdf:
            signed_agreement_pdf(plan.pk, actor=actor)
    elif not earlier.agreement_pdf:
        signed_amendment_pdf(earlier.pk, actor=actor)


def _apply(plan: RepaymentPlan, amendment: PlanAmendment) -> None:
    """The plan takes the version's schedule and figures. Numbers are given in two passes
    (far above, then in place) so the unique number per plan holds at every row written."""
    installments = {i.number: i for i in plan.installments.all()}
    changed: list[Installment] = []
    for line in amendment.schedule_after:
        installment = installments[line["was"]]
        installment.number = line["number"]
        installment.due_date = dt.date.fromisoformat(line["due_date"])
        installment.cost_part = Decimal(line["cost_part"])
        installment.amount = installment.principal_part + installment.cost_part
        changed.append(installment)
    offset = 1000
    for installment in changed:
        installment.number += offset
    Installment.objects.bulk_update(changed, ["number"])
    for installment in changed:
        installment.number -= offset
    Installment.objects.bulk_update(changed, ["number", "due_date", "cost_part", "amount"])
    if amendment.new_payment_day is not None:
        plan.payment_day = amendment.new_payment_day
    plan.total_repayable = amendment.total_repayable
    plan.total_cost = amendment.total_cost
    plan.annual_rate = amendment.annual_rate
    plan.save(update_fields=["payment_day", "total_repayable", "total_cost", "annual_rate"])


def _moved_dates(amendment: PlanAmendment) -> dict[dt.date, dt.date]:
    """Each installment's due date before the change and after it (by its number before)."""
    before = {line["number"]: line["due_date"] for line in amendment.schedule_before}
    return {
        dt.date.fromisoformat(before[line["was"]]): dt.date.fromisoformat(line["due_date"])
        for line in amendment.schedule_after
    }


def _tell_the_debtor(plan: RepaymentPlan, amendment: PlanAmendment, *, today: dt.date) -> None:
    upcoming = [
        line
        for line in amendment.schedule_after
        if Decimal(line["paid"]) < Decimal(line["principal_part"]) + Decimal(line["cost_part"])
    ]
    next_due = min((line["due_date"] for line in upcoming), default=today.isoformat())
    notify_debtor(
        plan.account.debtor,
        NotificationEvent.PLAN_CHANGED,
        key=f"{plan.reference}:v{amendment.version}",
        request=plan.request,
        context={
            "reference": plan.reference,
            "page": NotificationPage.PLAN,
            "version": str(amendment.version),
            "next_due": next_due,
        },
    )


# --- Anything else: a request for the specialist ---------------------------------------


class ChangeRequestRefused(ServiceError):
    """Why the request cannot be taken, in the debtor's words."""


def ask_for_change(
    plan: RepaymentPlan, *, actor: User, text: str, now: dt.datetime
) -> PlanChangeRequest:
    """The debtor asks, in their own words, for a change the portal cannot make by itself;
    a specialist answers it in the staff site within PLAN_CHANGE_REQUEST_ANSWER_DAYS
    business days. One at a time per plan. Audited (never the words themselves).

    Raises ``ActionNotPermitted`` and ``ChangeRequestRefused`` (not a running plan, no
    words or too many, one already waiting)."""
    words = text.strip()
    with transaction.atomic():
        locked = _locked_plan(plan)
        _check_owner(locked, actor)
        if locked.status != PlanStatus.ACTIVE:
            raise ChangeRequestRefused(_("Only a signed plan that is running can be changed."))
        if not words or len(words) > CHANGE_REQUEST_MAX_CHARS:
            raise ChangeRequestRefused(
                _("Please say what you would like to change, in at most %(max)s characters.")
                % {"max": CHANGE_REQUEST_MAX_CHARS}
            )
        if PlanChangeRequest.objects.filter(plan=locked, status=ChangeRequestStatus.OPEN).exists():
            raise ChangeRequestRefused(
                _("We are still looking at what you asked before. We will answer it first.")
            )
        asked = PlanChangeRequest.objects.create(
            plan=locked,
            text=words,
            asked_at=now,
            asked_by=actor,
            due_by=policy.add_business_days(now, settings.PLAN_CHANGE_REQUEST_ANSWER_DAYS),
        )
        record_event(
            locked,
            actor=actor,
            action=AuditAction.PLAN_CHANGE_ASKED,
            after={"change_request": asked.pk, "due_by": asked.due_by},
        )
    return asked


def answer_change_request(
    change_request: PlanChangeRequest, *, actor: User, answer: str, now: dt.datetime
) -> PlanChangeRequest:
    """A specialist answers the debtor's request in words (the debtor reads it on the plan
    page and is told). The one move of a request; audited. Raises ``ActionNotPermitted``
    (no right to answer), ``ChangeRequestRefused`` (no words) and ``TransitionNotAllowed``
    (answered already)."""
    if not actor.has_perm(ANSWER_PLANCHANGEREQUEST):
        raise ActionNotPermitted
    words = answer.strip()
    if not words:
        raise ChangeRequestRefused(_("Please write the answer the debtor will read."))
    with transaction.atomic():
        locked = (
            PlanChangeRequest.objects.select_for_update()
            .select_related("plan__account__debtor", "plan__request")
            .get(pk=change_request.pk)
        )
        to = ChangeRequestStatus.ANSWERED
        if to not in CHANGE_REQUEST_TRANSITIONS[locked.status]:
            raise TransitionNotAllowed
        before = {"status": locked.status}
        locked.status = to
        locked.answer = words
        locked.answered_by = actor
        locked.answered_at = now
        locked.save(update_fields=["status", "answer", "answered_by", "answered_at"])
        plan = locked.plan
        record_event(
            plan,
            actor=actor,
            action=AuditAction.PLAN_CHANGE_ANSWERED,
            before=before,
            after={"status": to, "change_request": locked.pk},
        )
        notify_debtor(
            plan.account.debtor,
            NotificationEvent.PLAN_CHANGE_ANSWERED,
            key=f"{plan.reference}:{locked.pk}",
            request=plan.request,
            context={"reference": plan.reference, "page": NotificationPage.PLAN},
        )
    return locked
