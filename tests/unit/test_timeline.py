"""What happens next, with dates: the pure timeline for accounts at many stages and dates
(dates increase; nothing "next" has already applied), the criminal-liability rule exactly
when its objective conditions hold. The rules as seeded and versioned content are in
tests/services/test_consequence_rules.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from negotiation import delinquency
from negotiation.delinquency import (
    ArrearsFacts,
    Conditions,
    Consequence,
    Notice,
    Repayment,
    When,
    date_reaching,
    days_past_due,
    timeline,
)

CRIMINAL = Conditions(
    min_principal=Decimal("50000.00"),
    min_notices=2,
    min_notice_gap_days=30,
    months_after_second_notice=3,
)


NO_CONDITIONS = Conditions()


def rule(key: str, from_day: int | None, conditions: Conditions = NO_CONDITIONS) -> Consequence:
    return Consequence(key, from_day, key, "body", "avoid", "basis", conditions)


RULES = [
    rule("cost", 1),
    rule("credit_record", 31),
    rule("card_measures", 91),
    rule("lawsuit", 180),
    rule("enforcement_list", None),
    rule("criminal_liability", None, CRIMINAL),
]
TODAY = dt.date(2027, 1, 15)


def facts(days_overdue: int, principal: str = "10000.00", **kwargs) -> ArrearsFacts:
    return ArrearsFacts(
        oldest_unpaid_due_date=TODAY - dt.timedelta(days=days_overdue),
        principal=Decimal(principal),
        **kwargs,
    )


def received(on: dt.date, *, sent: dt.date | None = None) -> Notice:
    """A notice received on ``on``, sent three days before unless said otherwise."""
    return Notice(sent_on=sent or on - dt.timedelta(days=3), received_on=on)


def keys(entries) -> list[str]:
    return [e.consequence.key for e in entries]


def test_at_45_days_cost_and_credit_record_have_applied_and_the_card_measures_come_next():
    result = timeline(facts(45), RULES, TODAY)
    assert result.days_past_due == 45
    assert keys(result.done) == ["cost", "credit_record"]
    assert result.done[1].on == TODAY - dt.timedelta(days=45 - 31)
    assert result.next is not None
    assert result.next.consequence.key == "card_measures"
    assert result.next.on == TODAY + dt.timedelta(days=91 - 45)
    assert keys(result.upcoming) == ["card_measures", "lawsuit"]
    assert keys(result.only_if) == ["enforcement_list"]  # no date: only after a judgment


def test_nothing_is_listed_when_nothing_is_overdue():
    result = timeline(ArrearsFacts(None, Decimal("99999")), RULES, TODAY)
    assert (result.days_past_due, result.entries) == (0, ())


def test_an_agreed_pause_moves_the_next_dates_by_its_length():
    pause = (TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=30))
    paused = timeline(facts(45, pauses=(pause,)), RULES, TODAY)
    assert paused.next is not None
    assert paused.next.on == TODAY + dt.timedelta(days=91 - 45 + 30)


dates = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2030, 12, 31))


@st.composite
def account_facts(draw):
    oldest = draw(dates)
    pauses = []
    if draw(st.booleans()):
        first = oldest + dt.timedelta(days=draw(st.integers(1, 200)))
        pauses.append((first, first + dt.timedelta(days=draw(st.integers(0, 120)))))
    notices = tuple(
        received(oldest + dt.timedelta(days=d))
        for d in draw(st.lists(st.integers(1, 400), max_size=4))
    )
    principal = Decimal(draw(st.integers(0, 100_000_00))) / 100
    return ArrearsFacts(oldest, principal, notices, tuple(pauses))


@given(account_facts(), st.integers(0, 900))
def test_dates_increase_and_nothing_next_has_already_applied(account, offset):
    today = account.oldest_unpaid_due_date + dt.timedelta(days=offset)
    result = timeline(account, RULES, today)
    dated = [e.on for e in result.entries if e.on is not None]
    assert dated == sorted(dated)
    for entry in result.done:
        assert entry.on is not None
        assert entry.on <= today
    for entry in result.upcoming:
        assert entry.on is not None
        assert entry.on > today
        # On its date, and not the day before, the account has reached the day it needs.
        if entry.consequence.from_day is not None:
            pauses = account.pauses
            assert days_past_due(account.oldest_unpaid_due_date, entry.on, pauses=pauses) >= (
                entry.consequence.from_day
            )
    assert len([e for e in result.entries if e.when == When.NEXT]) <= 1
    if result.upcoming:
        assert result.upcoming[0].when == When.NEXT


@given(dates, st.integers(0, 400), st.integers(0, 100), st.integers(0, 100))
def test_date_reaching_is_the_first_day_with_that_many_days_overdue(oldest, days, start, length):
    pause = (oldest + dt.timedelta(days=start), oldest + dt.timedelta(days=start + length))
    reached = date_reaching(days, oldest, [pause])
    assert days_past_due(oldest, reached, pauses=[pause]) >= days
    if days > 0:
        assert days_past_due(oldest, reached - dt.timedelta(days=1), pauses=[pause]) < days


# --- The criminal-liability rule: shown exactly when its objective conditions hold --------

FIRST_NOTICE = dt.date(2026, 6, 1)


def criminal_shown(principal: str, gap_days: int, today: dt.date) -> bool:
    notices = (received(FIRST_NOTICE), received(FIRST_NOTICE + dt.timedelta(days=gap_days)))
    account = ArrearsFacts(dt.date(2026, 1, 1), Decimal(principal), notices)
    return "criminal_liability" in keys(timeline(account, RULES, today).entries)


SECOND_NOTICE = FIRST_NOTICE + dt.timedelta(days=30)  # 2026-07-01
THREE_MONTHS_LATER = dt.date(2026, 10, 1)


def test_criminal_rule_needs_fifty_thousand_of_principal():
    after = THREE_MONTHS_LATER + dt.timedelta(days=1)
    assert criminal_shown("50000.00", 30, after)
    assert not criminal_shown("49999.99", 30, after)


def test_criminal_rule_needs_two_notices_thirty_days_apart():
    after = THREE_MONTHS_LATER + dt.timedelta(days=5)
    assert criminal_shown("60000.00", 30, after)
    assert not criminal_shown("60000.00", 29, after)


def test_criminal_rule_needs_more_than_three_months_after_the_second_notice():
    assert not criminal_shown("60000.00", 30, THREE_MONTHS_LATER)
    assert criminal_shown("60000.00", 30, THREE_MONTHS_LATER + dt.timedelta(days=1))


def test_a_notice_not_yet_received_does_not_count():
    account = ArrearsFacts(
        dt.date(2026, 1, 1),
        Decimal("60000"),
        (received(FIRST_NOTICE), received(dt.date(2027, 6, 1))),
    )
    assert "criminal_liability" not in keys(timeline(account, RULES, dt.date(2027, 1, 1)).entries)


def test_the_criminal_rule_is_dated_from_when_its_conditions_were_met():
    notices = (received(FIRST_NOTICE), received(SECOND_NOTICE))
    account = ArrearsFacts(dt.date(2026, 1, 1), Decimal("60000"), notices)
    result = timeline(account, RULES, dt.date(2026, 12, 1))
    (entry,) = [e for e in result.entries if e.consequence.key == "criminal_liability"]
    assert (entry.when, entry.on) == (When.DONE, THREE_MONTHS_LATER + dt.timedelta(days=1))


def test_stage_comes_from_the_days():
    assert timeline(facts(95), RULES, TODAY).stage == delinquency.Stage.NON_PERFORMING


# --- Rules as content: seeded, in both languages, versioned by effective date -----------


# --- Issue 10: the criminal-liability section only when the law's conditions truly hold ----

OVERDRAFT_BEGAN = dt.date(2026, 1, 1)  # the oldest unpaid due date: overdue from 2 January
AFTER_IT_ALL = dt.date(2026, 12, 1)  # well past three months after the second notice


def criminal_in(account: ArrearsFacts, today: dt.date = AFTER_IT_ALL) -> bool:
    return "criminal_liability" in keys(timeline(account, RULES, today).entries)


def two_notices(first_sent: dt.date, gap_days: int = 30) -> tuple[Notice, ...]:
    second_sent = first_sent + dt.timedelta(days=gap_days)
    return (
        Notice(first_sent, first_sent + dt.timedelta(days=3)),
        Notice(second_sent, second_sent + dt.timedelta(days=3)),
    )


def test_only_notices_sent_after_the_overdraft_began_count():
    # Notices from an earlier, cured delinquency: sent on or before the current due date.
    earlier = (
        Notice(OVERDRAFT_BEGAN - dt.timedelta(days=60), OVERDRAFT_BEGAN - dt.timedelta(days=57)),
        Notice(OVERDRAFT_BEGAN, OVERDRAFT_BEGAN + dt.timedelta(days=3)),
    )
    old = ArrearsFacts(OVERDRAFT_BEGAN, Decimal("60000"), earlier)
    assert not criminal_in(old, dt.date(2026, 12, 1))
    # The same two notices sent from the first overdue day on count.
    after = two_notices(OVERDRAFT_BEGAN + dt.timedelta(days=1))
    assert criminal_in(ArrearsFacts(OVERDRAFT_BEGAN, Decimal("60000"), after), dt.date(2026, 12, 1))


def test_six_days_into_new_arrears_old_notices_do_not_bring_the_section_back():
    new_due = dt.date(2026, 11, 25)
    cured = (received(dt.date(2026, 3, 1)), received(dt.date(2026, 4, 15)))
    account = ArrearsFacts(new_due, Decimal("80000"), cured)
    assert not criminal_in(account, new_due + dt.timedelta(days=6))


def repaid(amount: str, to_principal: str = "0.00", on: dt.date = dt.date(2026, 2, 1)) -> Repayment:
    return Repayment(on, Decimal(amount), Decimal(to_principal))


@pytest.mark.parametrize(
    ("ledger_principal", "repayments", "shown"),
    [
        # ¥52,000 on the ledger, ¥5,000 repaid and allocated to charges first: ¥47,000 in law.
        ("52000.00", (repaid("5000.00"),), False),
        ("52000.00", (repaid("2000.01"),), False),  # ¥49,999.99 in law
        ("52000.00", (repaid("2000.00"),), True),  # ¥50,000.00 in law
        # What the ledger already applied to principal is not subtracted twice.
        ("50000.00", (repaid("3000.00", to_principal="3000.00"),), True),
        # A repayment on or before the due date counts too: every repayment is principal.
        ("50000.00", (repaid("900.00", on=OVERDRAFT_BEGAN),), False),
        ("50000.00", (repaid("900.00", on=OVERDRAFT_BEGAN - dt.timedelta(days=5)),), False),
    ],
)
def test_the_principal_is_what_is_left_after_every_repayment_counts_as_principal(
    ledger_principal, repayments, shown
):
    account = ArrearsFacts(
        OVERDRAFT_BEGAN,
        Decimal(ledger_principal),
        two_notices(FIRST_NOTICE),
        repayments=repayments,
    )
    assert account.principal_unpaid_in_law <= Decimal(ledger_principal)
    assert criminal_in(account) is shown


def test_never_while_an_agreed_plan_is_kept():
    notices = two_notices(FIRST_NOTICE)
    kept = ArrearsFacts(OVERDRAFT_BEGAN, Decimal("60000"), notices, agreement_kept=True)
    assert not criminal_in(kept)
    assert keys(timeline(kept, RULES, AFTER_IT_ALL).done)  # the other facts still show


def test_never_during_an_agreed_deferral_and_again_after_it_if_nothing_is_paid():
    notices = two_notices(FIRST_NOTICE)
    pause = (AFTER_IT_ALL - dt.timedelta(days=10), AFTER_IT_ALL + dt.timedelta(days=20))
    deferred = ArrearsFacts(OVERDRAFT_BEGAN, Decimal("60000"), notices, pauses=(pause,))
    assert not criminal_in(deferred, AFTER_IT_ALL)
    assert criminal_in(deferred, pause[1] + dt.timedelta(days=1))


def test_two_deferrals_both_keep_their_pause():
    """A second deferral must not erase the first: days past due subtract every pause, so
    no dated consequence moves earlier when the second is agreed."""
    oldest = dt.date(2026, 1, 1)
    first = (dt.date(2026, 3, 1), dt.date(2026, 4, 30))  # 61 days
    second = (dt.date(2026, 8, 1), dt.date(2026, 8, 31))  # 31 days
    today = dt.date(2026, 10, 1)
    assert days_past_due(oldest, today) == 273
    assert days_past_due(oldest, today, pauses=[first]) == 212
    assert days_past_due(oldest, today, pauses=[first, second]) == 181
    one = timeline(ArrearsFacts(oldest, Decimal("1000"), pauses=(first,)), RULES, today)
    both = timeline(ArrearsFacts(oldest, Decimal("1000"), pauses=(first, second)), RULES, today)
    for entry in both.entries:
        if entry.on is not None:
            before = next(e for e in one.entries if e.consequence.key == entry.consequence.key)
            assert before.on is not None
            assert entry.on >= before.on


def test_overlapping_pauses_count_each_day_once():
    oldest = dt.date(2026, 1, 1)
    overlapping = [
        (dt.date(2026, 2, 1), dt.date(2026, 2, 20)),
        (dt.date(2026, 2, 10), dt.date(2026, 2, 28)),
    ]
    assert days_past_due(oldest, dt.date(2026, 3, 31), pauses=overlapping) == 89 - 28


FREEZE_RULE = Consequence(
    "cost", 1, "cost", "body", "avoid", "basis", option_kind="interest_freeze", option_text="freeze"
)


@pytest.mark.parametrize(
    ("open_kinds", "said"),
    [
        (frozenset(), ""),
        (frozenset({"installment", "deferral"}), ""),
        (frozenset({"installment", "interest_freeze"}), "freeze"),
    ],
)
def test_an_option_s_sentence_is_kept_only_where_an_option_of_its_kind_is_open(open_kinds, said):
    result = timeline(facts(45, options_open=open_kinds), [FREEZE_RULE], TODAY)
    assert [e.consequence.option_text for e in result.entries] == [said]
    assert result.entries[0].consequence.how_to_avoid == "avoid"
