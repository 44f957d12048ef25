"""Reading the queue's search box (pure) and the answer-due words at their boundaries."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from negotiation.admin.mixins import DueBucket, due_bucket, due_words_cell
from negotiation.queuesearch import SearchKey, search_term


@pytest.mark.parametrize(
    ("typed", "key", "text"),
    [
        ("7788", SearchKey.CARD_LAST4, "7788"),
        ("７７８８", SearchKey.CARD_LAST4, "7788"),  # full-width digits
        ("11010519491231002x", SearchKey.NATIONAL_ID, "11010519491231002X"),
        ("110105 19491231 002X", SearchKey.NATIONAL_ID, "11010519491231002X"),
        ("+86 138-0013-8000", SearchKey.PHONE, "13800138000"),
        ("(138) 0013 8000", SearchKey.PHONE, "13800138000"),
        ("008613800138000", SearchKey.PHONE, "13800138000"),  # 15 digits, but a mobile
        ("rq-7k3m-9xab", SearchKey.REFERENCE, "RQ-7K3M-9XAB"),
        ("PL7K3M9XAB", SearchKey.REFERENCE, "PL-7K3M-9XAB"),
        ("  Zhang   Wei ", SearchKey.NAME, "Zhang Wei"),
        ("张伟", SearchKey.NAME, "张伟"),
        ("RQ-1234", SearchKey.NAME, "RQ-1234"),  # not a whole reference: a name
    ],
)
def test_each_key_is_read_from_what_was_typed(typed, key, text):
    term = search_term(typed)
    assert term is not None
    assert (term.key, term.text) == (key, text)


def test_a_15_digit_number_is_looked_up_as_an_old_id_and_as_a_phone():
    term = search_term("110105491231002")
    assert term is not None
    assert term.key is SearchKey.NATIONAL_ID
    assert term.phones == ("110105491231002",)


def test_an_empty_box_searches_nothing():
    assert search_term("   ") is None


SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI)  # a Wednesday morning


@pytest.mark.parametrize(
    ("due", "bucket"),
    [
        (NOW - dt.timedelta(seconds=1), DueBucket.PAST),
        (NOW, DueBucket.TODAY),
        (dt.datetime(2026, 3, 4, 23, 59, 59, tzinfo=SHANGHAI), DueBucket.TODAY),
        (dt.datetime(2026, 3, 5, 0, 0, tzinfo=SHANGHAI), DueBucket.WEEK),
        (dt.datetime(2026, 3, 10, 23, 59, tzinfo=SHANGHAI), DueBucket.WEEK),
        (dt.datetime(2026, 3, 11, 0, 0, tzinfo=SHANGHAI), DueBucket.LATER),
        # The local calendar decides: 17:00 UTC is already tomorrow in Shanghai.
        (dt.datetime(2026, 3, 4, 17, 0, tzinfo=dt.UTC), DueBucket.WEEK),
    ],
)
def test_the_answer_due_words_at_their_boundaries(due, bucket, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    assert due_bucket(due, now=NOW) is bucket


def test_the_cell_says_it_in_words_and_colour_only_while_the_bank_owes_the_answer(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    late = NOW - dt.timedelta(hours=2)
    assert due_words_cell(late, waiting=True, now=NOW) == (
        '<span class="due-past">Past due</span><br><span class="due-date">03-04 08:00</span>'
    )
    assert 'class="due-soon">Due today<' in due_words_cell(NOW, waiting=True, now=NOW)
    week = NOW + dt.timedelta(days=3)
    assert 'class="due-week">This week<' in due_words_cell(week, waiting=True, now=NOW)
    later = NOW + dt.timedelta(days=30)
    assert due_words_cell(later, waiting=True, now=NOW) == (
        '<span class="due-date">2026-04-03</span>'
    )
    # Waiting on the debtor: the date, never "past due".
    assert due_words_cell(late, waiting=False, now=NOW) == (
        '<span class="due-date">2026-03-04</span>'
    )
