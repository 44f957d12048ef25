"""Days past due and the stage of arrears. Pure: no ORM, no clock; ``today`` is an argument."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from negotiation.money import add_months


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

    @property
    def tone(self) -> str:
        """How a badge shows the stage: calm when current, stronger as arrears grow."""
        return STAGE_TONES[self]


STAGE_LABELS: dict[Stage, Promise] = {
    Stage.CURRENT: _("Up to date"),
    Stage.EARLY: _("Recently overdue"),
    Stage.ONE_MONTH: _("Overdue for more than a month"),
    Stage.TWO_MONTHS: _("Overdue for more than two months"),
    Stage.NON_PERFORMING: _("Overdue for more than 90 days"),
}

STAGE_TONES: dict[Stage, str] = {
    Stage.CURRENT: "success",
    Stage.EARLY: "info",
    Stage.ONE_MONTH: "warning",
    Stage.TWO_MONTHS: "warning",
    Stage.NON_PERFORMING: "danger",
}

# What each stage means, in the debtor's words: facts about the arrears only. What the bank
# does at a stage (reporting, freezing a card) is its policy, and lives in the consequence
# rules (content, with dates and legal bases), not here.
STAGE_EXPLANATIONS: dict[Stage, Promise] = {
    Stage.CURRENT: _("No payment is overdue on this account."),
    Stage.EARLY: _("A payment is late. Paying or agreeing a plan now keeps costs lowest."),
    Stage.ONE_MONTH: _(
        "Payments have been late for over a month. An agreed plan stops the steps that follow."
    ),
    Stage.TWO_MONTHS: _(
        "Payments have been late for over two months. An agreed plan stops the steps that follow."
    ),
    Stage.NON_PERFORMING: _(
        "Payments have been late for more than 90 days. An agreed plan is the way to settle "
        "the debt without further steps."
    ),
}

# Upper bound, in days past due, of each stage but the last: the one table of stage bounds.
# The nightly SQL (services.accounts), the queue's filter and the badges derive from it.
STAGE_LIMITS: tuple[tuple[int, Stage], ...] = (
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
    are not counted. Every pause counts, however many there are; a day inside two of them
    counts once.
    """
    if oldest_unpaid_due_date is None or today <= oldest_unpaid_due_date:
        return 0
    overdue_first, overdue_last = oldest_unpaid_due_date + dt.timedelta(days=1), today
    paused = 0
    for first, last in merged(pauses):
        overlap_first, overlap_last = max(first, overdue_first), min(last, overdue_last)
        if overlap_first <= overlap_last:
            paused += (overlap_last - overlap_first).days + 1
    return (today - oldest_unpaid_due_date).days - paused


def merged(pauses: Sequence[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """The pauses as ranges that neither overlap nor touch, in date order."""
    ranges: list[tuple[dt.date, dt.date]] = []
    for first, last in sorted(p for p in pauses if p[1] >= p[0]):
        if ranges and first <= ranges[-1][1] + dt.timedelta(days=1):
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], last))
        else:
            ranges.append((first, last))
    return ranges


def stage_for(days: int) -> Stage:
    for limit, stage in STAGE_LIMITS:
        if days <= limit:
            return stage
    return Stage.NON_PERFORMING


# --- What happens next: consequences with their dates -------------------------------------


@dataclass(frozen=True)
class Conditions:
    """Objective conditions a consequence needs besides the days of arrears. A consequence
    with conditions is shown only on a day when all of them hold (DOMAIN.md: the criminal
    provision is shown only to debtors whose facts meet its objective conditions)."""

    min_principal: Decimal | None = None  # principal alone: interest and fees excluded
    min_notices: int | None = None  # effective (delivered) collection notices
    min_notice_gap_days: int | None = None  # between the first and the second of them
    months_after_second_notice: int | None = None  # unpaid for more than this, after it

    @property
    def any(self) -> bool:
        return any(
            value is not None
            for value in (
                self.min_principal,
                self.min_notices,
                self.min_notice_gap_days,
                self.months_after_second_notice,
            )
        )


@dataclass(frozen=True)
class Consequence:
    """One consequence of arrears as content: what, from when, on what legal basis."""

    key: str
    from_day: int | None  # the day of arrears from which it applies; None: not by days
    title: str
    body: str
    how_to_avoid: str
    legal_basis: str
    conditions: Conditions = Conditions()
    date_is_earliest: bool = False  # bank practice: the date is the earliest it can happen
    # A sentence about one relief option (its kind, such as an interest freeze), said after
    # ``how_to_avoid`` only to a debtor to whom an option of that kind is open: never an
    # option the account cannot have (``ArrearsFacts.options_open``).
    option_kind: str = ""
    option_text: str = ""

    def as_told(self, options_open: frozenset[str]) -> Consequence:
        """This consequence as the debtor reads it: its option's sentence kept when an
        option of that kind is open to them, emptied otherwise (pages print
        ``option_text`` after ``how_to_avoid`` when there is one)."""
        if self.option_text and self.option_kind not in options_open:
            return replace(self, option_text="")
        return self


@dataclass(frozen=True)
class Notice:
    """A formal collection notice the debtor received: when it was sent and received."""

    sent_on: dt.date
    received_on: dt.date


@dataclass(frozen=True)
class Repayment:
    """Money received on the account, and the part of it the ledger applied to principal."""

    paid_on: dt.date
    amount: Decimal
    to_principal: Decimal


@dataclass(frozen=True)
class ArrearsFacts:
    """What the timeline needs to know about an account."""

    oldest_unpaid_due_date: dt.date | None
    principal: Decimal  # as the bank's ledger has it
    notices: tuple[Notice, ...] = ()  # received notices, effective or not
    pauses: tuple[tuple[dt.date, dt.date], ...] = ()
    repayments: tuple[Repayment, ...] = ()
    agreement_kept: bool = False  # a signed plan in force, no installment missed past grace
    options_open: frozenset[str] = frozenset()  # the kinds of relief the account can have today

    @property
    def principal_unpaid_in_law(self) -> Decimal:
        """The principal the criminal provision looks at: the ledger's principal less every
        repayment the ledger applied elsewhere (penalty, fees, interest, a plan's cost),
        because the law counts every repayment as repaying principal whatever the bank's
        allocation order (法释〔2018〕19号 Art. 9). The ledger's principal is what was drawn
        less what it applied to principal, so this is what was drawn less every repayment.
        Never below 0."""
        elsewhere = sum((r.amount - r.to_principal for r in self.repayments), Decimal(0))
        return max(Decimal(0), self.principal - elsewhere)

    def effective_notices(self, today: dt.date) -> list[dt.date]:
        """When the notices that count were received: only those sent after the current
        overdraft began (法释〔2018〕19号 Art. 6: 在透支超过规定限额或者规定期限后进行)
        and received by ``today``. Notices from an earlier, cured delinquency do not count."""
        if self.oldest_unpaid_due_date is None:
            return []
        began = self.oldest_unpaid_due_date
        return sorted(
            n.received_on for n in self.notices if n.sent_on > began and n.received_on <= today
        )

    def under_agreement(self, today: dt.date) -> bool:
        """Whether the debtor is repaying under an agreement with the bank on ``today``: a
        signed plan in force, or a day inside an agreed deferral."""
        return self.agreement_kept or any(first <= today <= last for first, last in self.pauses)


class When(StrEnum):
    DONE = "done"  # has applied (dated)
    NEXT = "next"  # the next thing to happen (dated)
    LATER = "later"  # after that (dated)
    ONLY_IF = "only_if"  # not by date: only if something else happens first (a judgment)


@dataclass(frozen=True)
class TimelineEntry:
    consequence: Consequence
    when: When
    on: dt.date | None

    @property
    def is_next(self) -> bool:
        return self.when is When.NEXT


@dataclass(frozen=True)
class Timeline:
    today: dt.date
    days_past_due: int
    stage: Stage
    entries: tuple[TimelineEntry, ...]

    @property
    def done(self) -> list[TimelineEntry]:
        return [e for e in self.entries if e.when == When.DONE]

    @property
    def upcoming(self) -> list[TimelineEntry]:
        return [e for e in self.entries if e.when in (When.NEXT, When.LATER)]

    @property
    def only_if(self) -> list[TimelineEntry]:
        return [e for e in self.entries if e.when == When.ONLY_IF]

    @property
    def next(self) -> TimelineEntry | None:
        return next((e for e in self.entries if e.when == When.NEXT), None)


def date_reaching(
    days: int, oldest_unpaid_due_date: dt.date, pauses: Sequence[tuple[dt.date, dt.date]] = ()
) -> dt.date:
    """The first date on which the account is ``days`` days past due, agreed pauses
    included. Days past due never decrease with the date, so a binary search between the
    date without pauses and that date plus every paused day finds it exactly."""
    low = oldest_unpaid_due_date + dt.timedelta(days=days)
    paused_days = sum((last - first).days + 1 for first, last in pauses if last >= first)
    high = low + dt.timedelta(days=paused_days)
    while low < high:
        middle = low + (high - low) // 2
        if days_past_due(oldest_unpaid_due_date, middle, pauses=pauses) >= days:
            high = middle
        else:
            low = middle + dt.timedelta(days=1)
    return low


def second_effective_notice(
    delivered: Sequence[dt.date], *, gap_days: int, on_or_before: dt.date
) -> dt.date | None:
    """The earliest date by which two notices ``gap_days`` or more apart had been received,
    counting only notices received by ``on_or_before``."""
    received = sorted(d for d in delivered if d <= on_or_before)
    seconds = [
        later
        for i, first in enumerate(received)
        for later in received[i + 1 :]
        if (later - first).days >= gap_days
    ]
    return min(seconds) if seconds else None


def conditions_met_on(
    conditions: Conditions, facts: ArrearsFacts, today: dt.date
) -> dt.date | None:
    """The date from which ``conditions`` hold, if they all hold on ``today``; else None.

    Principal in law (:attr:`ArrearsFacts.principal_unpaid_in_law`) at or above the minimum;
    at least the minimum number of effective notices (:meth:`ArrearsFacts.effective_notices`),
    two of them at least the gap apart; and, after the second, *more than* the given number
    of months unpaid (so it holds from the day after that many months)."""
    if conditions.min_principal is not None and (
        facts.principal_unpaid_in_law < conditions.min_principal
    ):
        return None
    met_on = facts.oldest_unpaid_due_date or today
    received = facts.effective_notices(today)
    if conditions.min_notices is not None and len(received) < conditions.min_notices:
        return None
    if conditions.min_notice_gap_days is not None or conditions.months_after_second_notice:
        second = second_effective_notice(
            received, gap_days=conditions.min_notice_gap_days or 0, on_or_before=today
        )
        if second is None:
            return None
        met_on = max(met_on, second)
        if conditions.months_after_second_notice is not None:
            met_on = add_months(second, conditions.months_after_second_notice) + dt.timedelta(
                days=1
            )
    return met_on if met_on <= today else None


def timeline(facts: ArrearsFacts, consequences: Sequence[Consequence], today: dt.date) -> Timeline:
    """Where the account stands on ``today``: what has applied (with the date it did), what
    comes next and after (with the date it will, if nothing is done), and what could happen
    only if something else happens first. Dated entries come in date order.

    A consequence with conditions appears only when they all hold on ``today``, and never
    while the debtor repays under an agreement (:meth:`ArrearsFacts.under_agreement`): the
    conditions describe a debtor who does not pay after being told, which a kept plan or an
    agreed deferral is not."""
    days = days_past_due(facts.oldest_unpaid_due_date, today, pauses=facts.pauses)
    dated: list[tuple[dt.date, Consequence]] = []
    undated: list[Consequence] = []
    agreed = facts.under_agreement(today)
    if facts.oldest_unpaid_due_date is not None and days > 0:
        for rule in consequences:
            if agreed and rule.conditions.any:
                continue
            consequence = rule.as_told(facts.options_open)
            on = _date_of(consequence, facts, today)
            if on is not None:
                dated.append((on, consequence))
            elif consequence.from_day is None and not consequence.conditions.any:
                undated.append(consequence)
    dated.sort(key=lambda pair: pair[0])
    entries: list[TimelineEntry] = []
    next_given = False
    for on, consequence in dated:
        if on <= today:
            when = When.DONE
        elif not next_given:
            when, next_given = When.NEXT, True
        else:
            when = When.LATER
        entries.append(TimelineEntry(consequence, when, on))
    entries += [TimelineEntry(c, When.ONLY_IF, None) for c in undated]
    return Timeline(today, days, stage_for(days), tuple(entries))


def _date_of(consequence: Consequence, facts: ArrearsFacts, today: dt.date) -> dt.date | None:
    """When ``consequence`` applies (or applied) for this account; None if it is not dated
    or its conditions do not hold today."""
    assert facts.oldest_unpaid_due_date is not None
    by_days = (
        date_reaching(consequence.from_day, facts.oldest_unpaid_due_date, facts.pauses)
        if consequence.from_day is not None
        else None
    )
    if not consequence.conditions.any:
        return by_days
    met_on = conditions_met_on(consequence.conditions, facts, today)
    if met_on is None:
        return None
    return max(met_on, by_days) if by_days is not None else met_on
