import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from negotiation.delinquency import Stage, days_past_due, stage_for

TODAY = dt.date(2026, 11, 23)


def test_nothing_overdue_is_zero_days():
    assert days_past_due(None, TODAY) == 0
    assert days_past_due(TODAY, TODAY) == 0
    assert days_past_due(TODAY + dt.timedelta(days=3), TODAY) == 0


def test_days_count_from_the_oldest_unpaid_due_date():
    assert days_past_due(TODAY - dt.timedelta(days=45), TODAY) == 45


def test_a_pause_does_not_count():
    due = TODAY - dt.timedelta(days=100)
    pause = (TODAY - dt.timedelta(days=60), TODAY - dt.timedelta(days=31))  # 30 days
    assert days_past_due(due, TODAY, pauses=[pause]) == 70


def test_a_pause_that_is_still_running_freezes_the_count():
    due = TODAY - dt.timedelta(days=40)
    pause = (TODAY - dt.timedelta(days=10), TODAY + dt.timedelta(days=50))
    # 40 overdue days, of which the last 11 (the pause began 10 days ago, today included).
    assert days_past_due(due, TODAY, pauses=[pause]) == 29
    assert days_past_due(due, TODAY + dt.timedelta(days=20), pauses=[pause]) == 29


@pytest.mark.parametrize(
    ("days", "stage"),
    [
        (0, Stage.CURRENT),
        (1, Stage.EARLY),
        (30, Stage.EARLY),
        (31, Stage.ONE_MONTH),
        (60, Stage.ONE_MONTH),
        (61, Stage.TWO_MONTHS),
        (90, Stage.TWO_MONTHS),
        (91, Stage.NON_PERFORMING),
        (1000, Stage.NON_PERFORMING),
    ],
)
def test_stages(days, stage):
    assert stage_for(days) is stage


@given(st.integers(0, 3000), st.integers(0, 3000))
def test_days_never_negative_and_grow_with_time(age, later):
    due = TODAY - dt.timedelta(days=age)
    first = days_past_due(due, TODAY)
    assert first >= 0
    assert days_past_due(due, TODAY + dt.timedelta(days=later)) >= first
