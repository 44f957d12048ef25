"""The call-back slots (callbackslots): at the boundaries of the contact hours, the lead
time, the daily cap on calls that reach the debtor, the team's places in a slot, and the
bank's working days; in any time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from negotiation.callbackslots import SlotRules, by_day, day_slots, open_slots, parse_key
from negotiation.policy import BankCalendar, within_contact_hours

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
MONDAY = dt.date(2026, 12, 7)
RULES = SlotRules(
    hours=(8, 21),
    minutes=30,
    lead=dt.timedelta(hours=1),
    days_ahead=0,
    effective_calls_per_day=3,
    capacity=2,
)
WEEKDAYS = BankCalendar()


def at(day: dt.date, hour: int, minute: int = 0, tz: dt.tzinfo = SHANGHAI) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)


def starts(slots) -> list[str]:
    return [f"{s.start.astimezone(SHANGHAI):%H:%M}" for s in slots]


def offered(now: dt.datetime, **kwargs) -> list[str]:
    kwargs.setdefault("rules", RULES)
    kwargs.setdefault("calendar", WEEKDAYS)
    kwargs.setdefault("effective_calls", {})
    kwargs.setdefault("booked", {})
    return starts(open_slots(now, SHANGHAI, **kwargs))


def test_the_first_slot_is_at_0800_and_none_before():
    early = offered(at(MONDAY, 5))
    assert early[0] == "08:00"
    assert "07:30" not in early


def test_the_last_slot_ends_at_2100_and_none_runs_past_it():
    slots = open_slots(
        at(MONDAY, 5), SHANGHAI, rules=RULES, calendar=WEEKDAYS, effective_calls={}, booked={}
    )
    assert starts(slots)[-1] == "20:30"
    assert slots[-1].end == at(MONDAY, 21)
    assert "21:00" not in starts(slots)


def test_an_hour_that_ends_inside_a_slot_cuts_the_slot():
    """A debtor's window to 20:00 with 50-minute slots: the last one starts at 18:50
    (19:40 would end at 20:30)."""
    rules = SlotRules(**{**RULES.__dict__, "hours": (8, 20), "minutes": 50})
    assert offered(at(MONDAY, 5), rules=rules)[-2:] == ["18:00", "18:50"]


def test_the_lead_time_at_its_boundary():
    # At 07:59, 08:00 is less than an hour ahead; 09:00 is the first.
    assert offered(at(MONDAY, 7, 59))[0] == "09:00"
    # At 07:00 exactly, 08:00 is exactly an hour ahead: offered.
    assert offered(at(MONDAY, 7))[0] == "08:00"
    # At 19:30, the 20:30 slot is the last of the day.
    assert offered(at(MONDAY, 19, 30)) == ["20:30"]
    # At 19:31, nothing is left today.
    assert offered(at(MONDAY, 19, 31)) == []


def test_a_day_whose_calls_are_used_up_is_not_offered():
    assert offered(at(MONDAY, 5), effective_calls={MONDAY: 3}) == []
    assert offered(at(MONDAY, 5), effective_calls={MONDAY: 2})[0] == "08:00"


def test_a_full_slot_is_not_offered_and_one_place_left_is():
    nine = at(MONDAY, 9)
    assert "09:00" not in offered(at(MONDAY, 5), booked={nine: 2})
    assert "09:00" in offered(at(MONDAY, 5), booked={nine: 1})
    # The same moment written in another zone is the same slot.
    assert "09:00" not in offered(at(MONDAY, 5), booked={nine.astimezone(dt.UTC): 2})


def test_only_the_banks_working_days_are_offered():
    saturday = dt.date(2026, 12, 5)
    rules = SlotRules(**{**RULES.__dict__, "days_ahead": 3})
    slots = open_slots(
        at(saturday, 5), SHANGHAI, rules=rules, calendar=WEEKDAYS, effective_calls={}, booked={}
    )
    assert [day for day, _ in by_day(slots, SHANGHAI)] == [MONDAY, MONDAY + dt.timedelta(days=1)]
    holiday = BankCalendar(holidays=frozenset({MONDAY}))
    slots = open_slots(
        at(saturday, 5), SHANGHAI, rules=rules, calendar=holiday, effective_calls={}, booked={}
    )
    assert [day for day, _ in by_day(slots, SHANGHAI)] == [MONDAY + dt.timedelta(days=1)]


def test_the_hours_are_the_debtors_own_in_their_zone():
    """A debtor in New York: 08:00 there, whatever the bank's clock says."""
    now = at(MONDAY, 5, tz=NEW_YORK)
    slots = open_slots(now, NEW_YORK, rules=RULES, calendar=WEEKDAYS, effective_calls={}, booked={})
    assert slots[0].start == at(MONDAY, 8, tz=NEW_YORK)
    assert slots[-1].end == at(MONDAY, 21, tz=NEW_YORK)


def test_a_day_that_changes_the_clock_keeps_every_slot_its_length():
    """New York's clocks go back at 02:00 on 2026-11-01: the day is 25 hours long, yet the
    slots from 08:00 to 21:00 there are 26 of 30 minutes."""
    sunday = dt.date(2026, 11, 1)
    slots = day_slots(sunday, NEW_YORK, hours=(8, 21), minutes=30)
    assert len(slots) == 26
    assert {slot.end - slot.start for slot in slots} == {dt.timedelta(minutes=30)}
    assert slots[0].start.astimezone(NEW_YORK).hour == 8


def test_a_slot_key_reads_back_as_its_start():
    slot = day_slots(MONDAY, SHANGHAI, hours=(8, 21), minutes=30)[0]
    assert parse_key(slot.key) == slot.start
    assert parse_key("not a slot") is None
    assert parse_key("20261307T0100Z") is None


ZONES = st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/London", "Asia/Kolkata"])


@given(
    zone=ZONES,
    now=st.datetimes(
        min_value=dt.datetime(2026, 1, 1),  # noqa: DTZ001 (naive bounds: hypothesis's rule)
        max_value=dt.datetime(2027, 12, 31),  # noqa: DTZ001
        timezones=st.none(),
    ),
    first=st.integers(8, 20),
    length=st.integers(1, 13),
    minutes=st.sampled_from([15, 20, 30, 60, 120]),
    lead=st.integers(0, 600),
    days=st.integers(0, 10),
    calls=st.integers(0, 5),
    booked=st.integers(0, 3),
)
def test_every_slot_offered_keeps_every_rule(
    zone, now, first, length, minutes, lead, days, calls, booked
):
    tz = ZoneInfo(zone)
    hours = (first, min(first + length, 21))
    rules = SlotRules(hours, minutes, dt.timedelta(minutes=lead), days, 3, 2)
    now = now.replace(tzinfo=dt.UTC)
    today = now.astimezone(tz).date()
    slots = open_slots(
        now,
        tz,
        rules=rules,
        calendar=WEEKDAYS,
        effective_calls={today: calls},
        booked={},
    )
    for slot in slots:
        assert slot.end - slot.start == dt.timedelta(minutes=minutes)
        assert slot.start >= now + rules.lead
        assert within_contact_hours(slot.start, tz, hours=hours)
        # The call ends by the end hour on the same day.
        local_end = slot.end.astimezone(tz)
        assert local_end.date() == slot.start.astimezone(tz).date() or local_end.time() == dt.time()
        assert local_end.hour < hours[1] or (local_end.hour == hours[1] and local_end.minute == 0)
        assert WEEKDAYS.is_business_day(slot.start.astimezone(tz).date())
        assert slot.start.astimezone(tz).date() <= today + dt.timedelta(days=days)
        if calls >= 3:
            assert slot.start.astimezone(tz).date() != today
    # A slot full for everyone disappears, and only that one.
    if slots and booked:
        full = {slots[0].start: 2 if booked >= 2 else booked}
        again = open_slots(
            now, tz, rules=rules, calendar=WEEKDAYS, effective_calls={today: calls}, booked=full
        )
        assert (slots[0] in again) is (booked < 2)
        assert [s for s in again if s != slots[0]] == slots[1:]
