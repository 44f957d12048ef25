"""Promises to pay: the debtor promises an amount by a day at most PROMISE_MAX_DAYS ahead;
payment reminders rest until that day; the promise is kept as soon as payments received
since it was made reach the amount (the debtor is thanked), and broken the day after its
date if they have not (the debtor is told, reminders resume). The specialist sees every
promise on the account's page in the staff site."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from negotiation import money
from negotiation.exceptions import ServiceError, TransitionNotAllowed
from negotiation.models import (
    PROMISE_TRANSITIONS,
    AccountStatus,
    AuditAction,
    CreditAccount,
    NotificationEvent,
    NotificationPage,
    Payment,
    PromiseStatus,
    PromiseToPay,
    User,
)
from negotiation.money import format_amount
from negotiation.punctuation import sentences
from negotiation.selectors.ledger import owed_on
from negotiation.services.audit import record_event
from negotiation.services.jobitems import Failures
from negotiation.services.notifications import notify_debtor

# A promise is for an account that still owes and is being collected or repaid; also one on
# hold for a dispute, whose debtor may well pay the part they do not dispute.
PROMISABLE = (
    AccountStatus.IN_ARREARS,
    AccountStatus.IN_PLAN,
    AccountStatus.DISPUTED,
    AccountStatus.FROZEN,
)


class PromiseRefused(ServiceError):
    """Why the promise cannot be taken, in the debtor's words."""


def promise_problems(
    account: CreditAccount, *, amount: Decimal, by: dt.date, today: dt.date
) -> list[str]:
    problems = []
    if account.status not in PROMISABLE:
        return [_("A payment cannot be promised on this account now.")]
    if open_promise(account) is not None:
        return [_("You have already promised a payment on this account.")]
    latest = today + dt.timedelta(days=settings.PROMISE_MAX_DAYS)
    if not today <= by <= latest:
        problems.append(
            _("Please choose a day from today to %(latest)s.") % {"latest": latest.isoformat()}
        )
    owed = owed_on(account, today=today).headline
    if amount <= 0 or amount != money.round_money(amount):
        problems.append(_("Please enter an amount in yuan and fen, above zero."))
    elif amount > owed:
        problems.append(
            _("That is more than the %(owed)s you owe on this account.")
            % {"owed": format_amount(owed, account.currency)}
        )
    return problems


def open_promise(account: CreditAccount) -> PromiseToPay | None:
    return PromiseToPay.objects.filter(account=account, status=PromiseStatus.OPEN).first()


def make_promise(
    account: CreditAccount, *, actor: User, amount: Decimal, by: dt.date, now: dt.datetime
) -> PromiseToPay:
    """The debtor promises ``amount`` by ``by``. Audited. Raises ``PromiseRefused`` with
    every reason (not an account that owes, a promise already open, a day beyond
    PROMISE_MAX_DAYS or past, an amount above what is owed)."""
    with transaction.atomic():
        locked = CreditAccount.objects.select_for_update().get(pk=account.pk)
        problems = promise_problems(locked, amount=amount, by=by, today=timezone.localdate(now))
        if problems:
            raise PromiseRefused(sentences(problems))
        promise = PromiseToPay.objects.create(
            account=locked, amount=amount, promised_by=by, made_at=now, made_by=actor
        )
        record_event(
            promise,
            actor=actor,
            action=AuditAction.PROMISE_MADE,
            after={"account": locked.reference, "amount": str(amount), "promised_by": by},
        )
    return promise


def paid_toward(promise: PromiseToPay) -> Decimal:
    """What the account has received since the promise was made."""
    total = Payment.objects.filter(
        account_id=promise.account_id, created_at__gte=promise.made_at
    ).aggregate(total=Sum("amount"))["total"]
    return total or money.ZERO


def transition_promise(promise: PromiseToPay, to: str, *, actor: User | None) -> PromiseToPay:
    """The only code that changes a promise's status: lock, check the move, audit, tell
    the debtor (kept: thanks; broken: reminders resume). ``resolved_at`` is the time of the
    audit row, written first for that reason."""
    locked = (
        PromiseToPay.objects.select_for_update()
        .select_related("account__debtor")
        .get(pk=promise.pk)
    )
    if to not in PROMISE_TRANSITIONS[locked.status]:
        raise TransitionNotAllowed
    before = {"status": locked.status}
    locked.status = to
    event = record_event(
        locked,
        actor=actor,
        action=AuditAction.PROMISE_TRANSITION,
        before=before,
        after={"status": to, "paid": str(paid_toward(locked))},
    )
    locked.resolved_at = event.at
    locked.save(update_fields=["status", "resolved_at"])
    account = locked.account
    context = {
        "reference": account.reference,
        "page": NotificationPage.ACCOUNT,
        "amount": format_amount(locked.amount, account.currency),
        "by": locked.promised_by.isoformat(),
    }
    key = f"promise:{locked.pk}"
    if to == PromiseStatus.KEPT:
        notify_debtor(
            account.debtor,
            NotificationEvent.PROMISE_KEPT,
            key=key,
            account=account,
            context=context,
        )
    else:
        notify_debtor(
            account.debtor,
            NotificationEvent.PROMISE_BROKEN,
            key=key,
            account=account,
            context=context,
        )
    return locked


def keep_promise_if_paid(account: CreditAccount) -> PromiseToPay | None:
    """After a payment: the account's open promise is kept once what arrived since it was
    made reaches the amount. Runs inside the payment's transaction."""
    promise = open_promise(account)
    if promise is None or paid_toward(promise) < promise.amount:
        return None
    return transition_promise(promise, PromiseStatus.KEPT, actor=None)


def follow_promises(*, today: dt.date, failures: Failures | None = None) -> int:
    """Daily: each open promise whose day has passed is kept (the money came by an import
    that did not check) or broken, each in its own savepoint (``failures``: one that fails
    is rolled back, logged and counted, and the others go on). Returns how many were
    broken."""
    failures = failures or Failures("follow_promises")
    broken = 0
    due = PromiseToPay.objects.filter(status=PromiseStatus.OPEN, promised_by__lt=today)
    for promise in due.order_by("pk"):
        with failures.each(f"promise {promise.pk}"):
            kept = paid_toward(promise) >= promise.amount
            to = PromiseStatus.KEPT if kept else PromiseStatus.BROKEN
            try:
                transition_promise(promise, to, actor=None)
            except TransitionNotAllowed:
                continue  # settled by a payment meanwhile
            broken += not kept
    return broken


def accounts_with_reminders_resting(today: dt.date) -> set[int]:
    """The accounts whose payment reminders rest today: an open promise not yet due."""
    return set(
        PromiseToPay.objects.filter(status=PromiseStatus.OPEN, promised_by__gte=today).values_list(
            "account_id", flat=True
        )
    )
