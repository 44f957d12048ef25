"""Reads about disputes: the answer clock, the open dispute that holds an account, and the
dispute's page for the debtor and for staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet

from negotiation import ledger
from negotiation.models import (
    OPEN_DISPUTE_STATUSES,
    CreditAccount,
    Dispute,
    Document,
    Payment,
    RepaymentPlan,
)
from negotiation.models.plans import CURRENT_PLAN_STATUSES
from negotiation.selectors.ledger import owed_on


def answer_due_on(received: dt.date, *, extended: bool) -> dt.date:
    """The day the answer is due by: calendar days from the day received (银行业保险业消费投诉
    处理管理办法, Art. 21: 15 days, or 30 in all once extended for a complex case)."""
    days = settings.DISPUTE_EXTENDED_ANSWER_DAYS if extended else settings.DISPUTE_ANSWER_DAYS
    return received + dt.timedelta(days=days)


def open_dispute_on(account: CreditAccount) -> Dispute | None:
    """The account's open dispute, which holds it, if any (at most one: a constraint)."""
    return Dispute.objects.filter(account=account, status__in=OPEN_DISPUTE_STATUSES).first()


def current_plan_of(account: CreditAccount) -> RepaymentPlan | None:
    """A plan in force or waiting for its signature on the account, if any."""
    return RepaymentPlan.objects.filter(account=account, status__in=CURRENT_PLAN_STATUSES).first()


def disputes_of(account: CreditAccount) -> list[Dispute]:
    """The account's disputes, newest first (the account page lists the last few)."""
    return list(account.disputes.order_by("-opened_at")[:5])


@dataclass(frozen=True)
class DisputePage:
    """A dispute as its reader sees it: the dispute, what was sent with it, and the account
    as it stands (its balance, for the staff's correction, and its payments)."""

    dispute: Dispute
    account: CreditAccount
    documents: QuerySet[Document]
    owed: ledger.Owed
    payments: QuerySet[Payment]  # the 24 most recent


def dispute_page(dispute: Dispute, *, today: dt.date) -> DisputePage:
    account = dispute.account
    return DisputePage(
        dispute=dispute,
        account=account,
        documents=dispute.documents.all(),
        owed=owed_on(account, today=today),
        payments=account.payments.all()[:24],
    )
