"""Paying online: the debtor starts a payment here, pays on the provider's page, and the
provider's signed notification confirms it. Only a confirmation records a ``Payment``, and
through ``services.payments.record_payment``, so an online payment is allocated, receipted
and counted toward promises, plan completion and the payoff letter by exactly the rules of
every other payment. Until then the intent shows as waiting and the ledger does not move.

Notifications are idempotent by the provider's event id (``PaymentEvent``, unique by
provider and id): a re-delivery changes nothing and gets the answer the first one got. A
notification that does not match its intent (another amount or currency) or that the
ledger refuses is held: the intent is not confirmed, the row and the audit trail say why,
and staff see it in the staff site. Out of order: a failure after a success, or after an
expiry or another failure, is ignored (the outcome is known); a success after a failure or
an expiry is recorded, because the provider, not the portal, knows whether money moved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from negotiation import money
from negotiation.exceptions import ServiceError, TransitionNotAllowed
from negotiation.models import (
    INTENT_TRANSITIONS,
    AuditAction,
    CreditAccount,
    EventKind,
    EventOutcome,
    IntentStatus,
    PaymentEvent,
    PaymentIntent,
    PaymentSource,
    RepaymentPlan,
    User,
)
from negotiation.money import format_amount
from negotiation.payproviders import (
    Checkout,
    PaymentProvider,
    ProviderEvent,
    provider_named,
)
from negotiation.punctuation import sentences
from negotiation.services.audit import record_event
from negotiation.services.jobitems import Failures
from negotiation.services.payments import PaymentRefused, payment_problems, record_payment


class PaymentNotStarted(ServiceError):
    """Why a payment cannot be started, in the debtor's words."""


class UnknownIntent(ServiceError):
    """A verified notification about a payment the portal never started with that
    provider: answered 404, nothing written."""


@dataclass(frozen=True)
class Receipt:
    """What a notification did: its outcome (``EventOutcome``), and whether it had been
    received before (then nothing changed, and it is answered as the first one was)."""

    outcome: str
    again: bool = False


def pending_total(account: CreditAccount) -> Decimal:
    """What the account's payments still waiting for their provider would pay."""
    total = PaymentIntent.objects.filter(account=account, status=IntentStatus.PENDING).aggregate(
        total=Sum("amount")
    )["total"]
    return total or money.ZERO


def start_payment(
    account: CreditAccount,
    *,
    plan: RepaymentPlan | None,
    actor: User,
    amount: Decimal,
    provider: str,
    now: dt.datetime,
) -> PaymentIntent:
    """Record the debtor's intent to pay ``amount`` on ``account`` through ``provider``,
    waiting for confirmation until PAYMENT_INTENT_MINUTES from ``now``. Audited
    (``payment_intent.started``). The checks are those of every payment
    (``payment_problems``: positive, in fen, not above what is owed), counting the payments
    still waiting, so two checkouts cannot pay the same balance twice. Raises
    ``PaymentNotStarted`` with every reason, in the debtor's words."""
    found = provider_named(provider)
    if found is None:
        raise PaymentNotStarted(_("This way of paying online is not available."))
    with transaction.atomic():
        locked = CreditAccount.objects.select_for_update().get(pk=account.pk)
        problems = _start_problems(locked, amount=amount, today=timezone.localdate(now))
        if problems:
            raise PaymentNotStarted(sentences(problems))
        intent = PaymentIntent.objects.create(
            account=locked,
            plan=plan,
            amount=amount,
            currency=locked.currency,
            provider=found.name,
            started_by=actor,
            started_at=now,
            expires_at=now + dt.timedelta(minutes=settings.PAYMENT_INTENT_MINUTES),
        )
        record_event(
            intent,
            actor=actor,
            action=AuditAction.PAYMENT_INTENT_STARTED,
            after={
                "account": locked.reference,
                "plan": plan.reference if plan else None,
                "amount": str(amount),
                "currency": intent.currency,
                "provider": found.name,
                "expires_at": intent.expires_at,
            },
        )
    return intent


def open_checkout(intent: PaymentIntent, *, return_url: str) -> str:
    """The provider's page for ``intent``, where the debtor pays (and from which the
    provider sends them back to ``return_url``). Called after ``start_payment`` has
    committed, so no lock is held while the provider is asked over the network. If it
    cannot be reached the intent is closed as not completed (audited, reason
    "unreachable") and ``PaymentNotStarted`` raised."""
    provider = provider_named(intent.provider)
    try:
        if provider is None:
            raise OSError("the provider is no longer enabled")
        return provider.start(checkout_of(intent), return_url=return_url)
    except OSError:
        with transaction.atomic():
            transition_intent(intent, IntentStatus.FAILED, reason="unreachable")
        raise PaymentNotStarted(
            _("We could not reach the payment service. No money was taken. Please try again.")
        ) from None


def _start_problems(account: CreditAccount, *, amount: Decimal, today: dt.date) -> list[str]:
    waiting = pending_total(account)
    problems = payment_problems(
        account,
        amount=amount,
        paid_on=today,
        source=PaymentSource.ONLINE,
        # The provider's payment id comes with its confirmation; this stands in for it.
        external_id="online",
        today=today,
        already_in_this_batch=waiting,
    )
    if problems and waiting:
        problems.append(
            _(
                "A payment of %(amount)s you started is still waiting for confirmation; it "
                "counts toward what you owe until it is confirmed or lapses."
            )
            % {"amount": format_amount(waiting, account.currency)}
        )
    return problems


def checkout_of(intent: PaymentIntent) -> Checkout:
    return Checkout(
        reference=intent.reference,
        amount=intent.amount,
        currency=intent.currency,
        description=_("Repayment, account %(reference)s") % {"reference": intent.account.reference},
    )


def transition_intent(
    intent: PaymentIntent,
    to: str,
    *,
    reason: str,
    changes: dict[str, object] | None = None,
) -> PaymentIntent:
    """The only code that changes an intent's status: lock, check the move against
    ``INTENT_TRANSITIONS``, audit; ``resolved_at`` is the audit row's time (written first
    for that reason). Moves are the provider's or the clock's, never a person's. Raises
    ``TransitionNotAllowed``."""
    locked = PaymentIntent.objects.select_for_update().get(pk=intent.pk)
    if to not in INTENT_TRANSITIONS[locked.status]:
        raise TransitionNotAllowed
    before = {"status": locked.status}
    for field, value in (changes or {}).items():
        setattr(locked, field, value)
    locked.status = to
    event = record_event(
        locked,
        actor=None,
        actor_label=f"payment provider {locked.provider}" if reason == "provider" else "system",
        action=AuditAction.PAYMENT_INTENT_TRANSITION,
        before=before,
        after={
            "status": to,
            "reason": reason,
            "payment": locked.payment.external_id if locked.payment else None,
        },
    )
    locked.resolved_at = event.at
    locked.save()
    return locked


def receive_notification(
    provider: PaymentProvider, body: bytes, headers: Mapping[str, str], *, now: dt.datetime
) -> Receipt:
    """One notification as the provider sent it, raw: verified by the provider (its
    signature over the exact bytes, its time), then confirmed. The webhook and the
    sandbox's page both come here. Raises ``BadNotification`` (nothing written) and
    ``UnknownIntent``."""
    return confirm_payment_event(provider.verify(body, headers, now=now), now=now)


def confirm_payment_event(event: ProviderEvent, *, now: dt.datetime) -> Receipt:
    """Apply one verified event to its intent, once. Under the intent's row lock, so two
    deliveries of one event (or two events of one intent) are taken one after the other;
    the unique (provider, event id) is the last line of defence. Side effects: a
    ``PaymentEvent`` row and a ``payment_intent.event_received`` audit row for a new event;
    on a success that matches, the payment recorded (``record_payment``: allocation,
    receipt, promise, completion) and the intent SUCCEEDED; on a failure of a waiting
    intent, FAILED."""
    with transaction.atomic():
        intent = (
            PaymentIntent.objects.select_for_update(of=("self",))
            .select_related("account")
            .filter(reference=event.intent_reference, provider=event.provider)
            .first()
        )
        if intent is None:
            raise UnknownIntent
        seen = PaymentEvent.objects.filter(provider=event.provider, event_id=event.event_id).first()
        if seen is not None:
            return Receipt(seen.outcome, again=True)
        outcome, problem = _apply(intent, event, now=now)
        intent.refresh_from_db()
        if outcome != EventOutcome.IGNORED:
            # What needs attention is the latest word: a later confirmation that applies
            # clears it (the events keep the history).
            intent.problem = problem
            intent.save(update_fields=["problem"])
        PaymentEvent.objects.create(
            intent=intent,
            provider=event.provider,
            event_id=event.event_id,
            kind=event.kind,
            amount=event.amount,
            currency=event.currency,
            occurred_at=event.occurred_at,
            received_at=now,
            outcome=outcome,
            note=problem,
        )
        record_event(
            intent,
            actor=None,
            actor_label=f"payment provider {event.provider}",
            action=AuditAction.PAYMENT_EVENT_RECEIVED,
            after={
                "event": event.event_id,
                "kind": event.kind,
                "amount": str(event.amount),
                "currency": event.currency,
                "outcome": outcome,
                "problem": problem,
                "status": intent.status,
            },
        )
    return Receipt(outcome)


def _apply(intent: PaymentIntent, event: ProviderEvent, *, now: dt.datetime) -> tuple[str, str]:
    """The event's outcome on the locked ``intent`` and, when held, why (in staff's words)."""
    if (event.amount, event.currency) != (intent.amount, intent.currency):
        return EventOutcome.HELD, (
            f"The provider reported {event.amount} {event.currency} for a payment of "
            f"{intent.amount} {intent.currency}: not confirmed."
        )
    if event.kind == EventKind.FAILED:
        if intent.status != IntentStatus.PENDING:
            return EventOutcome.IGNORED, ""
        transition_intent(intent, IntentStatus.FAILED, reason="provider")
        return EventOutcome.APPLIED, ""
    if intent.status == IntentStatus.SUCCEEDED:
        return EventOutcome.IGNORED, ""  # already recorded, under another event id
    return _record_success(intent, event, now=now)


def _record_success(
    intent: PaymentIntent, event: ProviderEvent, *, now: dt.datetime
) -> tuple[str, str]:
    today = timezone.localdate(now)
    try:
        payment = record_payment(
            intent.account,
            actor=None,
            amount=intent.amount,
            # The provider's day, never a day ahead of ours (clocks differ by seconds).
            paid_on=min(timezone.localdate(event.occurred_at), today),
            source=PaymentSource.ONLINE,
            external_id=f"{event.provider}:{event.provider_payment_id}",
            today=today,
            actor_label=f"payment provider {event.provider}",
        )
    except PaymentRefused as refused:
        # The money moved at the provider but the ledger cannot take it as it stands (the
        # account was paid another way meanwhile): staff settle it with the bank.
        return EventOutcome.HELD, "Confirmed by the provider but not recorded: " + "; ".join(
            refused.problems
        )
    transition_intent(
        intent,
        IntentStatus.SUCCEEDED,
        reason="provider",
        changes={"payment": payment, "provider_payment_id": event.provider_payment_id},
    )
    return EventOutcome.APPLIED, ""


def expire_payment_intents(*, now: dt.datetime) -> int:
    """Every few minutes (beat): intents still waiting past ``expires_at`` stop showing as
    waiting and no longer count against what may be paid. A confirmation that comes later
    is still recorded (``INTENT_TRANSITIONS``). Rows another transaction holds (a
    notification being applied) are skipped until the next run. Each intent in its own
    savepoint: one that fails is rolled back, logged, counted (``Failures``) and left out of
    the rest of the run. Returns how many expired."""
    failures = Failures("expire_payment_intents")
    failed: list[int] = []
    expired = 0
    while True:
        with transaction.atomic():
            batch = list(
                PaymentIntent.objects.select_for_update(skip_locked=True)
                .filter(status=IntentStatus.PENDING, expires_at__lt=now)
                .exclude(pk__in=failed)
                .order_by("pk")[:200]
            )
            for intent in batch:
                before = failures.count
                with failures.each(f"payment intent {intent.pk}"):
                    transition_intent(intent, IntentStatus.EXPIRED, reason="expired")
                    expired += 1
                if failures.count > before:
                    failed.append(intent.pk)
        if len(batch) < 200:
            failures.report()
            return expired
