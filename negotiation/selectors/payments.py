"""Reads for paying online: the payments still waiting for their provider, and the amounts
the pay page offers. No writes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from negotiation import ledger
from negotiation.models import (
    CreditAccount,
    IntentStatus,
    PaymentIntent,
    PlanStatus,
    RepaymentPlan,
)
from negotiation.models.accounts import PAID_UP_ACCOUNT_STATUSES
from negotiation.payproviders import enabled_providers

OTHER = "other"


@dataclass(frozen=True)
class AmountChoice:
    key: str
    label: str
    amount: Decimal


def waiting_payments(account: CreditAccount) -> list[PaymentIntent]:
    """The account's online payments still waiting for confirmation, oldest first: shown at
    once on its pages; the ledger's figures move only when the provider confirms."""
    prefetched: list[PaymentIntent] | None = getattr(account, "waiting_intents", None)
    if prefetched is not None:
        return prefetched
    return list(
        PaymentIntent.objects.filter(account=account, status=IntentStatus.PENDING).order_by(
            "started_at"
        )
    )


def amount_choices(account: CreditAccount, owed: ledger.Owed) -> list[AmountChoice]:
    """What the pay page offers besides an amount of the debtor's own: under a plan the
    next payment (everything overdue, when something is), otherwise the statement's minimum
    payment; and everything still to pay. An amount equal to a later one is offered once."""
    choices = []
    position = owed.plan
    if position is not None and position.next_payment is not None:
        next_payment = position.next_payment
        label = (
            _("Everything overdue now")
            if next_payment.overdue
            else _("Your next payment, due %(day)s") % {"day": date_format(next_payment.due_date)}
        )
        choices.append(AmountChoice("next", label, next_payment.amount))
    elif position is None and account.minimum_due > 0:
        choices.append(
            AmountChoice("minimum", _("The minimum payment on your statement"), account.minimum_due)
        )
    everything = _("Everything still to pay") if position else _("The whole balance")
    choices = [choice for choice in choices if 0 < choice.amount < owed.headline]
    choices.append(AmountChoice("all", everything, owed.headline))
    return choices


def online_payment_open(account: CreditAccount, plan: RepaymentPlan | None = None) -> bool:
    """Whether a page offers "Pay online": a provider is enabled, and there is something
    to pay on it (a plan in force; an account not settled)."""
    if not enabled_providers():
        return False
    if plan is not None:
        return plan.status == PlanStatus.ACTIVE
    return account.status not in PAID_UP_ACCOUNT_STATUSES
