"""Days past due and the stage of arrears. Pure: no ORM, no clock; ``today`` is an argument."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Stage(StrEnum):
    CURRENT = "current"
    EARLY = "early"  # 1-30 days
    ONE_MONTH = "one_month"  # 31-60 days
    TWO_MONTHS = "two_months"  # 61-90 days
    NON_PERFORMING = "non_performing"  # over 90 days: classified non-performing

    @property
    def label(self) -> Promise:
        return STAGE_LABELS[self]

    @property
    def explanation(self) -> Promise:
        return STAGE_EXPLANATIONS[self]


STAGE_LABELS: dict[Stage, Promise] = {
    Stage.CURRENT: _("Up to date"),
    Stage.EARLY: _("Recently overdue"),
    Stage.ONE_MONTH: _("Overdue for more than a month"),
    Stage.TWO_MONTHS: _("Overdue for more than two months"),
    Stage.NON_PERFORMING: _("Overdue for more than 90 days"),
}

STAGE_EXPLANATIONS: dict[Stage, Promise] = {
    Stage.CURRENT: _("No payment is overdue on this account."),
    Stage.EARLY: _("A payment is late. Paying or agreeing a plan now keeps costs lowest."),
    Stage.ONE_MONTH: _(
        "Payments have been late for over a month. Late payments are reported to the credit "
        "reference center."
    ),
    Stage.TWO_MONTHS: _(
        "Payments have been late for over two months. After about 90 days the debt is "
        "classified as non-performing and the card may be frozen."
    ),
    Stage.NON_PERFORMING: _(
        "The debt is classified as non-performing. An agreed plan is the way to settle it "
        "without further steps."
    ),
}

# Upper bound, in days past due, of each stage but the last.
_STAGE_LIMITS: tuple[tuple[int, Stage], ...] = (
    (0, Stage.CURRENT),
    (30, Stage.EARLY),
    (60, Stage.ONE_MONTH),
    (90, Stage.TWO_MONTHS),
)


def days_past_due(
    oldest_unpaid_due_date: dt.date | None,
    today: dt.date,
    *,
    pauses: Sequence[tuple[dt.date, dt.date]] = (),
) -> int:
    """Whole days since the oldest unpaid due date; 0 when nothing is overdue.

    During an agreed deferral the aging clock pauses (DOMAIN.md, "Deferral"): each pause is
    a (first day, last day) range, both inclusive, and its days inside the overdue period
    are not counted.
    """
    if oldest_unpaid_due_date is None or today <= oldest_unpaid_due_date:
        return 0
    overdue_first, overdue_last = oldest_unpaid_due_date + dt.timedelta(days=1), today
    paused = 0
    for first, last in pauses:
        overlap_first, overlap_last = max(first, overdue_first), min(last, overdue_last)
        if overlap_first <= overlap_last:
            paused += (overlap_last - overlap_first).days + 1
    return (today - oldest_unpaid_due_date).days - paused


def stage_for(days: int) -> Stage:
    for limit, stage in _STAGE_LIMITS:
        if days <= limit:
            return stage
    return Stage.NON_PERFORMING
