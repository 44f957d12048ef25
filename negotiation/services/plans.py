"""Repayment plans: creation on approval, signature, and every status change."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from negotiation import money
from negotiation.exceptions import (
    AboveRateCeiling,
    ActionNotPermitted,
    BeyondLegalCap,
    CodeNoLongerValid,
    ServiceError,
    TransitionNotAllowed,
    WrongCode,
)
from negotiation.models import (
    AccountStatus,
    AuditAction,
    CodePurpose,
    Debtor,
    Installment,
    OneTimeCode,
    PlanStatus,
    ReliefRequest,
    RepaymentPlan,
    User,
)
from negotiation.models.plans import ENDED_PLAN_STATUSES, PLAN_TRANSITIONS
from negotiation.phones import last_digits
from negotiation.queueing import STORE_SIGNED_AGREEMENT, delay_after_commit
from negotiation.services.accounts import correct_ledger, pause_aging, transition_account
from negotiation.services.audit import record_event
from negotiation.services.codes import check_code, send_code
from negotiation.services.mandates import end_mandates
from negotiation.services.passwordcheck import check_password_again


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
    the same transaction, for that reason: the retention clock and the trail agree), and
    ends the plan's automatic repayment (services.mandates)."""
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
    if to in ENDED_PLAN_STATUSES:
        end_mandates(locked, actor=actor)  # nothing more is debited under an ended plan
    return locked


def agreement_digest(plan: RepaymentPlan, agreement_text: str) -> str:
    """sha256 of the exact agreement text the debtor signed, kept as signature evidence."""
    return hashlib.sha256(f"{plan.reference}\n{agreement_text}".encode()).hexdigest()


def _signing_binding(plan: RepaymentPlan, agreement_text: str, phone: str) -> str:
    """What a signing code approves: this agreement's text, sent to this phone. A code typed
    back after the text changed (another language, new terms) or after the phone on file
    changed does not match: the signature is over what was read, by whoever holds the phone
    the code went to."""
    return f"{agreement_digest(plan, agreement_text)}:{phone}"


def _signer_of(plan: RepaymentPlan, actor: User) -> Debtor:
    debtor = plan.account.debtor
    if debtor.user_id != actor.pk:
        raise ActionNotPermitted
    # The status as stored: the page may have been open while the plan was signed in another
    # tab, or expired.
    status = RepaymentPlan.objects.filter(pk=plan.pk).values_list("status", flat=True).get()
    if status != PlanStatus.AWAITING_SIGNATURE:
        raise TransitionNotAllowed
    return debtor


def start_signing(
    plan: RepaymentPlan,
    *,
    actor: User,
    password: str,
    agreement_text: str,
    ip: str | None,
    now: dt.datetime,
) -> OneTimeCode:
    """The first step of signing (Electronic Signature Law Art. 13: signing data under the
    signer's sole control): the password asked again, then a one-time code texted to the
    phone on file, bound to the digest of ``agreement_text`` and to that phone. Nothing is
    signed yet. Audited (the number's last digits and the digest, never the code).

    Raises ``ActionNotPermitted`` (not the debtor's plan), ``TransitionNotAllowed`` (not
    awaiting a signature), ``WrongPassword`` / ``SigningPaused`` (services.passwordcheck),
    ``NoMobileNumber``, and what ``send_code`` raises (too soon, a backend failure)."""
    debtor = _signer_of(plan, actor)
    check_password_again(debtor, actor, password, purpose=CodePurpose.SIGNING, ip=ip, now=now)
    return send_signing_code(
        plan, debtor, actor=actor, agreement_text=agreement_text, ip=ip, now=now
    )


def resend_signing_code(
    plan: RepaymentPlan,
    *,
    actor: User,
    agreement_text: str,
    ip: str | None,
    now: dt.datetime,
) -> OneTimeCode:
    """A new signing code to the same phone, in the flow whose password was already asked
    (the view keeps it in the session). The earlier code stops working. Audited like the
    first; the same exceptions but the password's."""
    debtor = _signer_of(plan, actor)
    return send_signing_code(
        plan, debtor, actor=actor, agreement_text=agreement_text, ip=ip, now=now
    )


def send_signing_code(
    plan: RepaymentPlan,
    debtor: Debtor,
    *,
    actor: User,
    agreement_text: str,
    ip: str | None,
    now: dt.datetime,
) -> OneTimeCode:
    """A signing code for ``agreement_text`` of ``plan`` (its first agreement, or a changed
    version: services.planchanges) texted to ``debtor``'s phone, bound to the text's digest
    and that phone; audited. The caller has checked the signer and the password."""
    with transaction.atomic():
        code = send_code(
            debtor,
            purpose=CodePurpose.SIGNING,
            now=now,
            bound_to=_signing_binding(plan, agreement_text, debtor.phone),
            says={"reference": plan.reference},
        )
        record_event(
            plan,
            actor=actor,
            action=AuditAction.PLAN_SIGNING_CODE_SENT,
            after={
                "sent_to": last_digits(debtor.phone),
                "sha256": agreement_digest(plan, agreement_text),
            },
            ip=ip,
        )
    return code


def sign_plan(
    plan: RepaymentPlan,
    *,
    actor: User,
    code_id: int,
    entered: str,
    agreement_text: str,
    ip: str | None,
    user_agent: str,
    now: dt.datetime,
) -> RepaymentPlan:
    """The debtor signs the agreement by typing back the code ``code_id`` texted to them
    (``start_signing``): the plan becomes ACTIVE, with the evidence stored: the SHA-256 of
    the exact agreement text, where the code went and when it was verified, the time, the
    address and the browser. The stored PDF is then made and sealed (after the commit).

    Raises ``ActionNotPermitted``, ``TransitionNotAllowed``, ``WrongCode`` (the try counted
    and audited) and ``CodeNoLongerValid`` (expired, replaced, out of tries, or for another
    text or phone; audited when a try was refused)."""
    debtor = _signer_of(plan, actor)
    with transaction.atomic():
        # The plan's row is locked from the code's check to the signature: a button tapped
        # twice sends the code twice at once, and the second waits here, then finds the
        # plan signed (TransitionNotAllowed) instead of a code used up by the first.
        if _locked_status(plan) != PlanStatus.AWAITING_SIGNATURE:
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
        if refused is not None:
            signed = None
        else:
            signed = _signed_now(plan, debtor, actor, ip, user_agent, agreement_text, now)
    if refused is not None:
        raise refused  # after the commit: the try is counted and audited
    assert signed is not None
    return signed


def _locked_status(plan: RepaymentPlan) -> str:
    return str(
        RepaymentPlan.objects.select_for_update().values_list("status", flat=True).get(pk=plan.pk)
    )


def signing_code_refusal(plan: RepaymentPlan, debtor: Debtor, **check: Any) -> ServiceError | None:
    """``check_signing_code``'s refusal, returned rather than raised so that the transaction
    around it keeps the try it counted (signing a plan, and a change to it)."""
    try:
        check_signing_code(plan, debtor, **check)
    except (WrongCode, CodeNoLongerValid) as refused:
        return refused
    return None


def _signed_now(
    plan: RepaymentPlan,
    debtor: Debtor,
    actor: User,
    ip: str | None,
    user_agent: str,
    agreement_text: str,
    now: dt.datetime,
) -> RepaymentPlan:
    """The plan signed: active, with the signature's facts, its waivers written off."""
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
            "signature_code_sent_to": last_digits(debtor.phone),
            "signature_code_verified_at": now,
        },
    )
    _write_off_waivers(signed, actor=actor)
    if signed.grace_months:
        _pause_aging_for_deferral(signed, actor=actor, today=timezone.localdate(now))
    _store_agreement_after_commit(signed.pk)
    return signed


def check_signing_code(
    plan: RepaymentPlan,
    debtor: Debtor,
    *,
    actor: User,
    code_id: int,
    entered: str,
    agreement_text: str,
    ip: str | None,
    now: dt.datetime,
) -> None:
    """The code ``code_id`` typed back for ``agreement_text`` of ``plan`` (``send_signing_code``).
    Raises ``WrongCode`` (the try counted and audited) and ``CodeNoLongerValid`` (expired,
    replaced, out of tries, or for another text or phone; audited when a try was refused)."""
    try:
        check_code(
            code_id,
            entered,
            now=now,
            target=_signing_binding(plan, agreement_text, debtor.phone),
            debtor=debtor,
            purpose=CodePurpose.SIGNING,
        )
    except (WrongCode, CodeNoLongerValid):
        _signing_code_refused(plan, code_id, actor=actor, ip=ip)
        raise


def _write_off_waivers(plan: RepaymentPlan, *, actor: User) -> None:
    """What the signed agreement waives leaves the card's ledger now: the plan covers the
    rest, so the ledger and the plan reconcile (negotiation/ledger.py), and no later payment
    can go to a late charge the bank gave up. The waiver stands even if the plan later
    breaks (docs/DOMAIN.md)."""
    account = plan.account
    changes = {
        field: -min(waived, getattr(account, field))
        for field, waived in (("interest", plan.waived_interest), ("penalty", plan.waived_penalty))
        if waived > 0
    }
    if changes:
        correct_ledger(
            account, actor=actor, changes=changes, reason="waived by the signed plan", plan=plan
        )


def _signing_code_refused(
    plan: RepaymentPlan, code_id: int, *, actor: User, ip: str | None
) -> None:
    attempts = (
        OneTimeCode.objects.filter(pk=code_id, purpose=CodePurpose.SIGNING)
        .values_list("attempts", flat=True)
        .first()
    )
    record_event(
        plan,
        actor=actor,
        action=AuditAction.PLAN_SIGNING_CODE_WRONG,
        after={"attempts": attempts or 0},
        ip=ip,
    )


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
