"""The times a debtor may book a call back (services.callbacks): slots of a fixed length
inside their contact hours in their own time, at least a lead time ahead, on the bank's
working days, on no day whose calls that reach the debtor have reached the daily cap, and
in no slot the team has already filled.

Pure: plain values in, the slots out; never reads the clock or the database. Any time zone
works: a slot is its moments in absolute time, its hours read in the debtor's zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from negotiation.policy import BankCalendar


@dataclass(frozen=True)
class SlotRules:
    """The settings the slots follow: ``hours`` as (first hour, end hour exclusive) in the
    debtor's time (their own window, inside 08:00-21:00)."""

    hours: tuple[int, int]
    minutes: int  # a slot's length
    lead: dt.timedelta  # how far ahead of now the first slot may start
    days_ahead: int  # the last day offered: today plus this many
    effective_calls_per_day: int  # the cap on calls that reach the debtor, per their day
    capacity: int  # callbacks one slot takes, across all debtors


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime

    @property
    def key(self) -> str:
        """The slot as a form sends it: its start in UTC, to the minute."""
        return self.start.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")


def parse_key(key: str) -> dt.datetime | None:
    """A slot's start from its key; None when the text is not one."""
    try:
        return dt.datetime.strptime(key, "%Y%m%dT%H%MZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def day_slots(day: dt.date, tz: dt.tzinfo, *, hours: tuple[int, int], minutes: int) -> list[Slot]:
    """Every slot of ``day`` in ``tz``: from the first hour, each ``minutes`` long, the
    last one ending at the end hour at the latest. Built in absolute time, so a day that
    skips or repeats an hour (daylight saving) neither loses nor doubles a slot's length."""
    first, end_hour = hours
    start = dt.datetime.combine(day, dt.time(first), tzinfo=tz).astimezone(dt.UTC)
    closing = dt.datetime.combine(day, dt.time(end_hour % 24), tzinfo=tz).astimezone(dt.UTC)
    if end_hour >= 24:
        closing += dt.timedelta(days=1)
    length = dt.timedelta(minutes=minutes)
    slots = []
    while start + length <= closing:
        slots.append(Slot(start.astimezone(tz), (start + length).astimezone(tz)))
        start += length
    return slots


def open_slots(
    now: dt.datetime,
    tz: dt.tzinfo,
    *,
    rules: SlotRules,
    calendar: BankCalendar,
    effective_calls: Mapping[dt.date, int],
    booked: Mapping[dt.datetime, int],
) -> list[Slot]:
    """The slots a debtor in ``tz`` may book at ``now``, earliest first.
    ``effective_calls``: calls that reached the debtor, by their local day;
    ``booked``: callbacks booked (by anyone) by slot start."""
    today = now.astimezone(tz).date()
    earliest = now + rules.lead
    booked_utc = {start.astimezone(dt.UTC): count for start, count in booked.items()}
    slots = []
    for offset in range(rules.days_ahead + 1):
        day = today + dt.timedelta(days=offset)
        if not calendar.is_business_day(day):
            continue
        if effective_calls.get(day, 0) >= rules.effective_calls_per_day:
            continue
        for slot in day_slots(day, tz, hours=rules.hours, minutes=rules.minutes):
            if slot.start < earliest:
                continue
            if booked_utc.get(slot.start.astimezone(dt.UTC), 0) >= rules.capacity:
                continue
            slots.append(slot)
    return slots


def by_day(slots: list[Slot], tz: dt.tzinfo) -> list[tuple[dt.date, list[Slot]]]:
    """The slots grouped by the debtor's day, in order."""
    groups: dict[dt.date, list[Slot]] = {}
    for slot in slots:
        groups.setdefault(slot.start.astimezone(tz).date(), []).append(slot)
    return list(groups.items())
