"""Disputes: the debtor says a balance is not theirs, is wrong, or is already paid.

Opening one puts the account on hold (``AccountStatus.DISPUTED``): payment reminders are not
sent (services.notifications), the plan follow-up neither breaks nor expires a plan on it
(services.following), no relief decision is taken on it (services.requests), and its pages
show no step as coming. Payments, promises to pay and a plan's own payments are still taken:
a debtor who disputes part of a balance may well pay the rest, and refusing their money
would only add to what they owe.

Staff answer within ``DISPUTE_ANSWER_DAYS`` calendar days of the day received, or, extended
once with a reason the debtor reads, within ``DISPUTE_EXTENDED_ANSWER_DAYS``
(银行业保险业消费投诉处理管理办法, Art. 21): upheld, with an optional correction of the
balance through ``services.accounts.correct_ledger``, or not upheld, with the reason. Either
answer ends the hold. ``transition_dispute`` is the one function that changes a dispute's
status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from negotiation import money
from negotiation.exceptions import (
    ActionNotPermitted,
    HeldByDispute,
    ServiceError,
    TransitionNotAllowed,
)
from negotiation.models import (
    DISPUTE_TRANSITIONS,
    AccountStatus,
    AuditAction,
    CreditAccount,
    Dispute,
    DisputeKind,
    DisputeStatus,
    NotificationEvent,
    NotificationPage,
    User,
)
from negotiation.models.disputes import EXPLANATION_MAX_CHARS, PART_LABELS, REASON_MAX_CHARS
from negotiation.punctuation import sentences
from negotiation.queueing import ISSUE_PAYOFF_LETTER, delay_after_commit
from negotiation.roles import RESOLVE_DISPUTE
from negotiation.selectors.disputes import answer_due_on, current_plan_of, open_dispute_on
from negotiation.services.accounts import (
    LEDGER_FIELDS,
    correct_ledger,
    end_aging_pauses,
    transition_account,
)
from negotiation.services.audit import record_event
from negotiation.services.documents import upload_dispute_document
from negotiation.services.notifications import notify_debtor

# A dispute is about a balance the bank is collecting or that a plan repays. (A settled
# account owes nothing; a charged-off one is handled by phone. A frozen card's balance is
# collected like any in arrears: the answer puts the freeze back, see _end_hold.)
DISPUTABLE = (AccountStatus.IN_ARREARS, AccountStatus.IN_PLAN, AccountStatus.FROZEN)


class DisputeRefused(ServiceError):
    """Why the dispute, or the step on it, cannot be taken, in the reader's words."""


def dispute_problems(account: CreditAccount, *, kind: str, explanation: str) -> list[str]:
    """Why a dispute cannot be opened on ``account`` as given; empty when it can."""
    already = open_dispute_on(account)
    if already is not None:
        return [
            _(
                "You already have dispute %(ref)s open on this account. We will answer it by "
                "%(due)s; if you want to add something, please call us."
            )
            % {"ref": already.reference, "due": already.answer_due.isoformat()}
        ]
    if account.status not in DISPUTABLE:
        return [
            _(
                "A dispute cannot be opened on this account in the portal. Please call us on "
                "the number on the back of your card."
            )
        ]
    problems = []
    if kind not in DisputeKind.values:
        problems.append(_("Please choose what is wrong."))
    text = explanation.strip()
    if not text:
        problems.append(_("Please tell us in your own words what is wrong."))
    elif len(text) > EXPLANATION_MAX_CHARS:
        problems.append(
            _("Please keep your explanation to %(max)d characters.")
            % {"max": EXPLANATION_MAX_CHARS}
        )
    return problems


def open_dispute(
    account: CreditAccount,
    *,
    actor: User,
    kind: str,
    explanation: str,
    uploads: Sequence[UploadedFile[bytes]] = (),
    consent: bool = False,
    now: dt.datetime,
    ip: str | None = None,
) -> Dispute:
    """The debtor disputes ``account``'s balance, with an explanation and optional
    documents. All or nothing: a refused document leaves no dispute behind.

    Preconditions: ``actor`` owns the account, which is in arrears or in a plan, with no
    open dispute. Side effects: the dispute (answer due ``DISPUTE_ANSWER_DAYS`` days after
    the day received), the account DISPUTED, the documents, audit rows, the debtor told.
    Raises ``ActionNotPermitted``, ``DisputeRefused`` or ``DocumentRefused``."""
    if account.debtor.user_id != actor.pk:
        raise ActionNotPermitted
    with transaction.atomic():
        # The account's row is the lock: two disputes sent at once give one (the second
        # sees the first), and a relief decision waiting on the same row sees the hold.
        locked = (
            CreditAccount.objects.select_for_update().select_related("debtor").get(pk=account.pk)
        )
        problems = dispute_problems(locked, kind=kind, explanation=explanation)
        if problems:
            raise DisputeRefused(sentences(problems))
        status_before = locked.status
        dispute = _create(locked, actor=actor, kind=kind, explanation=explanation, now=now)
        transition_account(
            locked,
            AccountStatus.DISPUTED,
            actor=actor,
            reason=f"dispute {dispute.reference} opened",
        )
        for upload in uploads:
            upload_dispute_document(dispute, actor=actor, upload=upload, consent=consent, ip=ip)
        record_event(
            dispute,
            actor=actor,
            action=AuditAction.DISPUTE_OPENED,
            after={
                "account": locked.reference,
                "kind": kind,
                "status": dispute.status,
                "answer_due": dispute.answer_due,
                "account_status": status_before,
                "documents": len(uploads),
            },
            ip=ip,
        )
        notify_debtor(
            dispute.debtor,
            NotificationEvent.DISPUTE_RECEIVED,
            key=dispute.reference,
            account=locked,
            context=_context(dispute, with_due=True),
        )
    return dispute


def _create(
    account: CreditAccount, *, actor: User, kind: str, explanation: str, now: dt.datetime
) -> Dispute:
    try:
        # The partial unique constraint is the last line of defence behind the row lock.
        with transaction.atomic():
            return Dispute.objects.create(
                account=account,
                debtor=account.debtor,
                kind=kind,
                explanation=explanation.strip(),
                opened_at=now,
                opened_by=actor,
                answer_due=answer_due_on(timezone.localdate(now), extended=False),
                account_status_before=account.status,
            )
    except IntegrityError as error:
        if open_dispute_on(account) is not None:
            raise DisputeRefused(_("You already have a dispute open on this account.")) from error
        raise


def transition_dispute(
    dispute: Dispute,
    to: str,
    *,
    actor: User,
    changes: Mapping[str, Any],
    reason: str,
    extra: Mapping[str, Any] | None = None,
) -> Dispute:
    """The only code that changes a dispute's status: lock, check the move against
    ``DISPUTE_TRANSITIONS`` and the actor's right (``resolve_dispute``), apply ``changes``,
    audit with ``reason`` (the words the debtor reads). Must run inside a transaction.
    Raises ``ActionNotPermitted`` or ``TransitionNotAllowed``."""
    locked = _refuse_move(dispute, to, actor=actor)
    before = {"status": locked.status, "answer_due": locked.answer_due}
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.status = to
    locked.save()
    record_event(
        locked,
        actor=actor,
        action=AuditAction.DISPUTE_TRANSITION,
        before=before,
        after={"status": to, "answer_due": locked.answer_due, "reason": reason, **(extra or {})},
    )
    return locked


def _refuse_move(dispute: Dispute, to: str, *, actor: User) -> Dispute:
    """The dispute locked, once the actor's right and the move are checked: before anything
    else is written, so a refused step changes nothing."""
    if not actor.has_perm(RESOLVE_DISPUTE):
        raise ActionNotPermitted
    locked = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("debtor", "account")
        .get(pk=dispute.pk)
    )
    if to not in DISPUTE_TRANSITIONS[locked.status]:
        raise TransitionNotAllowed(_not_allowed(locked, to))
    return locked


def _not_allowed(dispute: Dispute, to: str) -> str:
    if dispute.status == DisputeStatus.EXTENDED and to == DisputeStatus.EXTENDED:
        return _(
            "The answer date of this dispute has already been extended once, to %(due)s, "
            "which is as far as it may go. Please answer it by then."
        ) % {"due": dispute.answer_due.isoformat()}
    return _("This dispute has already been answered.")


def extend_dispute(dispute: Dispute, *, actor: User, reason: str, now: dt.datetime) -> Dispute:
    """A complex case: the answer date moves once, to ``DISPUTE_EXTENDED_ANSWER_DAYS`` after
    the day received; the debtor is told, with ``reason`` on the dispute's page. A second
    extension is refused (``TransitionNotAllowed``); so is an empty reason."""
    reason = _required(reason, _("Please say why the answer needs more time: the debtor reads it."))
    with transaction.atomic():
        extended = transition_dispute(
            dispute,
            DisputeStatus.EXTENDED,
            actor=actor,
            reason=reason,
            changes={
                "extended_at": now,
                "extension_reason": reason,
                "answer_due": answer_due_on(timezone.localdate(dispute.opened_at), extended=True),
            },
        )
        notify_debtor(
            extended.debtor,
            NotificationEvent.DISPUTE_EXTENDED,
            key=f"{extended.reference}:extended",
            account=extended.account,
            context=_context(extended, with_due=True),
        )
    return extended


def uphold_dispute(
    dispute: Dispute,
    *,
    actor: User,
    answer: str,
    reductions: Mapping[str, Decimal] | None = None,
    now: dt.datetime,
) -> Dispute:
    """The debtor is right. ``reductions`` (part -> amount taken off, each at least 0) corrects
    the balance through ``correct_ledger`` (audited with the balances before and after);
    the hold ends and the account goes back to where its facts say (nothing left owed:
    settled). Refused (``DisputeRefused``) without an answer, for a reduction below zero,
    with sub-fen digits or beyond what the part holds, and for any correction while a plan
    is in force on the account: its schedule repays the balance as it was. Raises as
    ``transition_dispute`` too."""
    answer = _required(answer, _("Please write the answer: the debtor reads it."))
    taken_off = {part: amount for part, amount in (reductions or {}).items() if amount}
    with transaction.atomic():
        _refuse_move(dispute, DisputeStatus.UPHELD, actor=actor)
        account = CreditAccount.objects.select_for_update().get(pk=dispute.account_id)
        _refuse_bad_correction(account, taken_off)
        if taken_off:
            correct_ledger(
                account,
                actor=actor,
                changes={part: -amount for part, amount in taken_off.items()},
                reason=f"dispute {dispute.reference} upheld",
                dispute=dispute,
            )
        correction = {part: str(amount) for part, amount in taken_off.items()}
        account_status = _end_hold(dispute, actor=actor, now=now)
        upheld = transition_dispute(
            dispute,
            DisputeStatus.UPHELD,
            actor=actor,
            reason=answer,
            changes={
                "answer": answer,
                "correction": correction,
                "resolved_at": now,
                "resolved_by": actor,
            },
            extra={"correction": correction, "account_status": account_status},
        )
        # The answer is a decision: never capped.
        notify_debtor(
            upheld.debtor,
            NotificationEvent.DISPUTE_ANSWERED,
            key=f"{upheld.reference}:answered",
            account=upheld.account,
            context=_context(upheld, with_due=False),
        )
    return upheld


def reject_dispute(dispute: Dispute, *, actor: User, answer: str, now: dt.datetime) -> Dispute:
    """The balance stands: ``answer`` (required) tells the debtor why, and where they may
    take it. The hold ends and the account goes back to where it was."""
    answer = _required(answer, _("Please write the reason: the debtor reads it."))
    with transaction.atomic():
        _refuse_move(dispute, DisputeStatus.REJECTED, actor=actor)
        account_status = _end_hold(dispute, actor=actor, now=now)
        rejected = transition_dispute(
            dispute,
            DisputeStatus.REJECTED,
            actor=actor,
            reason=answer,
            changes={"answer": answer, "resolved_at": now, "resolved_by": actor},
            extra={"account_status": account_status},
        )
        notify_debtor(
            rejected.debtor,
            NotificationEvent.DISPUTE_ANSWERED,
            key=f"{rejected.reference}:answered",
            account=rejected.account,
            context=_context(rejected, with_due=False),
        )
    return rejected


def _required(text: str, refusal: str) -> str:
    text = text.strip()
    if not text:
        raise DisputeRefused(refusal)
    if len(text) > REASON_MAX_CHARS:
        raise DisputeRefused(_("Please keep it to %(max)d characters.") % {"max": REASON_MAX_CHARS})
    return text


def _refuse_bad_correction(account: CreditAccount, taken_off: Mapping[str, Decimal]) -> None:
    problems = []
    for part, amount in taken_off.items():
        assert part in LEDGER_FIELDS, part
        if amount < 0 or amount != money.round_money(amount):
            problems.append(_("Each amount taken off must be zero or more, in yuan and fen."))
        elif amount > getattr(account, part):
            problems.append(
                _("%(part)s: %(amount)s is more than the %(held)s the account holds.")
                % {
                    "part": PART_LABELS[part],
                    "amount": money.format_amount(amount, account.currency),
                    "held": money.format_amount(getattr(account, part), account.currency),
                }
            )
    plan = current_plan_of(account) if taken_off else None
    if plan is not None:
        problems.append(
            _(
                "Plan %(plan)s is in force on this account and its schedule repays the balance "
                "as it was, so the balance cannot be corrected here. Uphold the dispute without "
                "a correction, or ask a supervisor to arrange the plan first."
            )
            % {"plan": plan.reference}
        )
    if problems:
        raise DisputeRefused(sentences(dict.fromkeys(problems)))


def _end_hold(dispute: Dispute, *, actor: User, now: dt.datetime) -> str:
    """The answer ends the hold: the account goes back to where its facts say now (a plan
    in force or waiting for its signature: in plan; nothing owed: settled; else in
    arrears), which is where it was unless a payment or the correction changed it. An
    account that left the hold meanwhile (a payment settled it) stays where it is."""
    account = CreditAccount.objects.select_for_update().get(pk=dispute.account_id)
    if account.status != AccountStatus.DISPUTED:
        return str(account.status)
    if current_plan_of(account) is not None:
        to = AccountStatus.IN_PLAN
    elif account.total_balance == 0:
        to = AccountStatus.SETTLED
    elif dispute.account_status_before == AccountStatus.FROZEN:
        to = AccountStatus.FROZEN  # the card stays frozen: only bank staff unfreeze it
    else:
        to = AccountStatus.IN_ARREARS
    transition_account(account, to, actor=actor, reason=f"dispute {dispute.reference} answered")
    if to == AccountStatus.SETTLED:
        end_aging_pauses(account, on=timezone.localdate(now), actor=actor)
        # If the letter cannot be made now, the first download makes it.
        delay_after_commit(ISSUE_PAYOFF_LETTER, account.pk)
    return str(to)


def _context(dispute: Dispute, *, with_due: bool) -> dict[str, str]:
    """What a dispute's notification carries: its page, and the answer's date while due."""
    context = {"reference": dispute.reference, "page": NotificationPage.DISPUTE.value}
    if with_due:
        context["due"] = dispute.answer_due.isoformat()
    return context


def refuse_while_disputed(account_id: int) -> None:
    """No relief decision on an account on hold: raises ``HeldByDispute`` naming the open
    dispute. Takes the account's row lock first, so a dispute being opened at the same
    moment is either seen here or sees the decision's result."""
    account = CreditAccount.objects.select_for_update().get(pk=account_id)
    dispute = open_dispute_on(account)
    if dispute is not None:
        raise HeldByDispute(dispute.reference)
