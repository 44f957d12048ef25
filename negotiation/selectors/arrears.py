"""An account's arrears as the law sees them: the facts, the consequences that apply and
their dates, the notices sent. Read by the pages and by the services that follow plans."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from negotiation import delinquency, policy
from negotiation.models import (
    CollectionNotice,
    ConsequenceRule,
    CreditAccount,
    Payment,
    PlanStatus,
    RepaymentPlan,
)
from negotiation.selectors.ledger import signed_plan_of


def consequences_for(
    language: str, today: dt.date, *, jurisdiction: str | None = None
) -> list[delinquency.Consequence]:
    """The consequence rules in force on ``today``: for each rule, the latest version whose
    effective date has come, in ``language`` (the site's default language when there is no
    text in that one), in the order of the list."""
    jurisdiction = jurisdiction or settings.CONSEQUENCE_JURISDICTION
    for candidate in (language, settings.LANGUAGE_CODE):
        in_force = ConsequenceRule.objects.filter(
            jurisdiction=jurisdiction, language=candidate, effective_from__lte=today
        ).order_by("key", "-effective_from")
        latest: dict[str, ConsequenceRule] = {}
        for rule in in_force:
            latest.setdefault(rule.key, rule)
        if latest:
            ordered = sorted(latest.values(), key=lambda rule: (rule.position, rule.key))
            return [rule.as_consequence() for rule in ordered]
    return []


def plan_kept(plan: RepaymentPlan, *, today: dt.date) -> bool:
    """Whether ``plan`` is an agreement being kept on ``today``: signed, in force, and no
    installment missed beyond the grace its program gives to make one up."""
    if plan.status != PlanStatus.ACTIVE:
        return False
    grace_days = plan.request.program.grace_days
    return not policy.missed(plan.installment_states(), today=today, grace_days=grace_days)


def arrears_facts(account: CreditAccount, *, today: dt.date) -> delinquency.ArrearsFacts:
    return arrears_facts_under(account, signed_plan_of(account), today=today)


def arrears_facts_under(
    account: CreditAccount, active: RepaymentPlan | None, *, today: dt.date
) -> delinquency.ArrearsFacts:
    """The account's facts on ``today`` when its plan in force (``active``, or None) is
    read already (``selectors.ledger.signed_plan_of``)."""
    return facts_from(
        account,
        delivered=account.notices.filter(delivered_at__isnull=False),
        payments=account.payments.all(),
        plan_kept=active is not None and plan_kept(active, today=today),
    )


def facts_from(
    account: CreditAccount,
    *,
    delivered: Iterable[CollectionNotice],
    payments: Iterable[Payment],
    plan_kept: bool,
) -> delinquency.ArrearsFacts:
    return delinquency.ArrearsFacts(
        oldest_unpaid_due_date=account.oldest_unpaid_due_date,
        principal=account.principal,
        notices=tuple(
            delinquency.Notice(
                sent_on=timezone.localdate(n.sent_at),
                received_on=timezone.localdate(n.delivered_at),
            )
            for n in delivered
            if n.delivered_at is not None
        ),
        pauses=tuple(account.pauses()),
        repayments=tuple(
            delinquency.Repayment(p.paid_on, p.amount, p.principal_repaid) for p in payments
        ),
        agreement_kept=plan_kept,
    )


def timeline_for(
    account: CreditAccount,
    *,
    today: dt.date,
    language: str,
    facts: delinquency.ArrearsFacts | None = None,
) -> delinquency.Timeline:
    """Where the account stands and what comes next, with dates, in ``language``."""
    facts = facts or arrears_facts(account, today=today)
    return delinquency.timeline(facts, consequences_for(language, today), today)


def notices_for(account: CreditAccount) -> QuerySet[CollectionNotice]:
    return account.notices.all()
