"""What is owed on an account, read for a page, a letter or a check: the one place that
turns the account's ledger and its signed plan into ``ledger.Owed`` (negotiation/ledger.py
says how the two reconcile)."""

from __future__ import annotations

import datetime as dt

from negotiation import ledger
from negotiation.models import CreditAccount, PlanStatus, RepaymentPlan


def breakdown_of(account: CreditAccount) -> ledger.Breakdown:
    return ledger.Breakdown(
        principal=account.principal,
        interest=account.interest,
        fees=account.fees,
        penalty=account.penalty,
    )


def lines_of(plan: RepaymentPlan) -> list[ledger.Line]:
    """The plan's installments as the ledger reads them (prefetched ones are used)."""
    return [
        ledger.Line(i.number, i.due_date, i.amount, i.cost_part, i.paid_amount)
        for i in plan.installments.all()
    ]


def signed_plan_of(account: CreditAccount) -> RepaymentPlan | None:
    """The account's plan in force, if any: from ``current_plans`` when the page prefetched
    them (selectors.debtor.accounts_with_activity), else one query."""
    prefetched: list[RepaymentPlan] | None = getattr(account, "current_plans", None)
    if prefetched is not None:
        return next((p for p in prefetched if p.status == PlanStatus.ACTIVE), None)
    return (
        RepaymentPlan.objects.filter(account=account, status=PlanStatus.ACTIVE)
        .select_related("request__program")
        .prefetch_related("installments")
        .first()
    )


def owed_on(account: CreditAccount, *, today: dt.date) -> ledger.Owed:
    """What ``account`` owes on ``today``: its ledger, and its signed plan's position."""
    return owed_under(account, signed_plan_of(account), today=today)


def owed_under(
    account: CreditAccount, plan: RepaymentPlan | None, *, today: dt.date
) -> ledger.Owed:
    """The same when the caller has read the account's plan (None: no plan in force; a
    plan not in force, such as one awaiting its signature, counts as none)."""
    lines = lines_of(plan) if plan is not None and plan.status == PlanStatus.ACTIVE else None
    return ledger.owed(breakdown_of(account), lines, today=today)
