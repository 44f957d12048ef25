"""Automatic repayment as the pages, the reminders and the export read it: which debits a
mandate takes, and what setting one up or cancelling it today would mean, with dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from negotiation import policy
from negotiation.models import (
    DirectDebitMandate,
    Installment,
    MandateStatus,
    PlanStatus,
    RepaymentPlan,
)

# A cancelled mandate can still have one debit to come (a cancellation too late for it).
_MAY_STILL_DEBIT = (MandateStatus.ACTIVE, MandateStatus.CANCELLED)


def bank_calendar() -> policy.BankCalendar:
    return policy.BankCalendar(
        holidays=settings.BANK_HOLIDAYS, workdays=settings.BANK_MAKEUP_WORKDAYS
    )


def last_day_to_stop(due: dt.date) -> dt.date:
    """The last day a debit due on ``due`` can be stopped, or a first one set up."""
    return policy.last_day_to_stop_debit(
        due, calendar=bank_calendar(), notice=settings.MANDATE_NOTICE_BUSINESS_DAYS
    )


def unpaid(installments: Iterable[Installment], *, since: dt.date) -> list[Installment]:
    """The installments due on ``since`` or later and not paid in full, by due date."""
    return sorted(
        (i for i in installments if i.due_date >= since and i.paid_amount < i.amount),
        key=lambda i: (i.due_date, i.number),
    )


def first_debit(installments: Iterable[Installment], *, today: dt.date) -> Installment | None:
    """The first installment a mandate set up today would take: the first unpaid one still
    far enough ahead for the bank to prepare its debit."""
    return next(
        (i for i in unpaid(installments, since=today) if today <= last_day_to_stop(i.due_date)),
        None,
    )


@dataclass(frozen=True)
class Cancellation:
    """What cancelling today means: the debit that still goes ahead (too close to stop),
    and the first installment no longer debited; either may be None."""

    still_debited: Installment | None
    stops_from: Installment | None


def cancellation_today(
    mandate: DirectDebitMandate, installments: Iterable[Installment], *, today: dt.date
) -> Cancellation:
    to_come = [i for i in unpaid(installments, since=today) if mandate.debits_on(i.due_date)]
    if not to_come:
        return Cancellation(None, None)
    following = to_come[1] if len(to_come) > 1 else None
    if today > last_day_to_stop(to_come[0].due_date):
        return Cancellation(to_come[0], following)
    return Cancellation(None, to_come[0])


@dataclass(frozen=True)
class MandateStanding:
    """The plan page's automatic repayment: the latest mandate (None: never set up), the
    next debit it takes, and whether the debtor may set one up now."""

    mandate: DirectDebitMandate | None
    next_debit: Installment | None
    stops_from: Installment | None  # a cancelled mandate: the first installment not taken
    may_set_up: bool


def mandate_standing(plan: RepaymentPlan, *, today: dt.date) -> MandateStanding:
    """One query (the latest mandate); the installments come from the page's prefetch."""
    mandate = plan.mandates.order_by("-consented_at", "-pk").first()
    installments = list(plan.installments.all())
    active_plan = plan.status == PlanStatus.ACTIVE
    next_debit = stops_from = None
    if mandate is not None and active_plan:
        to_come = [i for i in unpaid(installments, since=today) if mandate.debits_on(i.due_date)]
        next_debit = to_come[0] if to_come else None
        if mandate.status == MandateStatus.CANCELLED and mandate.last_debit_on is not None:
            stops_from = next(
                (
                    i
                    for i in unpaid(installments, since=mandate.last_debit_on)
                    if i.due_date > mandate.last_debit_on
                ),
                None,
            )
    may_set_up = (
        active_plan
        and (mandate is None or mandate.status != MandateStatus.ACTIVE)
        and first_debit(installments, today=today) is not None
    )
    return MandateStanding(mandate, next_debit, stops_from, may_set_up)


def active_mandate(plan: RepaymentPlan) -> DirectDebitMandate | None:
    return plan.mandates.filter(status=MandateStatus.ACTIVE).first()


def mandates_of(plan_ids: Iterable[int]) -> dict[int, list[DirectDebitMandate]]:
    """The mandates of these plans that may still take a debit, oldest first, in one
    query."""
    found: dict[int, list[DirectDebitMandate]] = {}
    candidates = DirectDebitMandate.objects.filter(
        plan_id__in=list(plan_ids), status__in=_MAY_STILL_DEBIT
    ).order_by("consented_at", "pk")
    for mandate in candidates:
        found.setdefault(mandate.plan_id, []).append(mandate)
    return found


def mandate_taking(
    mandates: Iterable[DirectDebitMandate], day: dt.date
) -> DirectDebitMandate | None:
    """The mandate that takes the debit due on ``day``: the latest, should two ever cover
    one day, so an installment is debited once."""
    taking = [mandate for mandate in mandates if mandate.debits_on(day)]
    return taking[-1] if taking else None
