"""The contact rules staff are held to when they record a contact (DOMAIN.md, "Contact
rules"): contact hours in the debtor's time, a cap on unanswered calls to one number and on
calls that reach the debtor each day, a third party only once the debtor cannot be reached
and only to ask for a call back, two staff on a field visit.

Pure: works on plain values (:class:`Contact`, :class:`Limits`), never on models, and never
reads the clock. Messages are translatable and name the rule broken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _

from negotiation.policy import within_contact_hours


class Rule(StrEnum):
    CONTACT_HOURS = "contact_hours"
    UNANSWERED_CALLS = "unanswered_calls"
    EFFECTIVE_CALLS = "effective_calls"
    THIRD_PARTY_TOO_EARLY = "third_party_too_early"
    # What the record itself must say: no override makes these true, so none is allowed.
    THIRD_PARTY_BY_PHONE = "third_party_by_phone"
    THIRD_PARTY_RELAY_ONLY = "third_party_relay_only"
    FIELD_VISIT_TWO_STAFF = "field_visit_two_staff"


# The rules about when and how often: a supervisor may let a contact through with a reason
# (one already made, recorded late; an agreement with the debtor to call at another time).
OVERRIDABLE = frozenset(
    {Rule.CONTACT_HOURS, Rule.UNANSWERED_CALLS, Rule.EFFECTIVE_CALLS, Rule.THIRD_PARTY_TOO_EARLY}
)


@dataclass(frozen=True)
class Limits:
    """The numbers the rules use (settings, DOMAIN.md): contact hours as (first hour, end
    hour exclusive) in the debtor's time, and the daily caps."""

    hours: tuple[int, int]
    unanswered_calls_per_number: int
    effective_calls_per_debtor: int
    failed_calls_before_third_party: int


@dataclass(frozen=True)
class Contact:
    """One contact, as the rules see it."""

    at: dt.datetime
    outbound: bool
    call: bool  # a phone call
    to_debtor: bool  # with the debtor (False: a third party, the debtor's emergency contact)
    phone: str  # the number called, as stored ("" when none)
    failed: bool  # reached no one: no answer, a message left, the number invalid
    invalid_number: bool

    @property
    def unanswered_call(self) -> bool:
        return self.outbound and self.call and self.failed

    @property
    def effective_call(self) -> bool:
        """A call we made that reached the debtor (the national standard's 有效通话)."""
        return self.outbound and self.call and self.to_debtor and not self.failed


def local_day(at: dt.datetime, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The debtor's calendar day that ``at`` falls on, as [start, end) moments."""
    day = at.astimezone(tz).date()
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return start, end


def debtor_unreachable(earlier: Sequence[Contact], *, failed_calls: int) -> bool:
    """Whether the debtor cannot be reached, from their latest contacts before this one
    (newest first): the latest was a call to a number found invalid, or the latest
    ``failed_calls`` were all calls of ours that reached no one. Any contact that reached
    them, or one they made, in between means they can be reached."""
    latest = [contact for contact in earlier if contact.to_debtor][:failed_calls]
    if latest and latest[0].unanswered_call and latest[0].invalid_number:
        return True
    return len(latest) == failed_calls and all(contact.unanswered_call for contact in latest)


def broken_rules(
    contact: Contact,
    *,
    relay_only: bool,
    field_visit: bool,
    second_staff: bool,
    same_day: Sequence[Contact],
    earlier: Sequence[Contact],
    tz: dt.tzinfo,
    limits: Limits,
) -> list[Rule]:
    """The rules ``contact`` breaks, in the order they are told. ``same_day``: the debtor's
    other contacts on the debtor's day of ``contact``; ``earlier``: the debtor's contacts
    before it, newest first. A contact the debtor made is theirs to make at any hour and
    counts against no cap."""
    broken = []
    if not contact.to_debtor:
        if not (contact.outbound and contact.phone):
            broken.append(Rule.THIRD_PARTY_BY_PHONE)
        if not relay_only:
            broken.append(Rule.THIRD_PARTY_RELAY_ONLY)
    if field_visit and not second_staff:
        broken.append(Rule.FIELD_VISIT_TWO_STAFF)
    if not contact.outbound:
        return broken
    if not within_contact_hours(contact.at, tz, hours=limits.hours):
        broken.append(Rule.CONTACT_HOURS)
    if contact.unanswered_call:
        unanswered = sum(
            1 for other in same_day if other.unanswered_call and other.phone == contact.phone
        )
        if unanswered >= limits.unanswered_calls_per_number:
            broken.append(Rule.UNANSWERED_CALLS)
    if contact.effective_call:
        effective = sum(1 for other in same_day if other.effective_call)
        if effective >= limits.effective_calls_per_debtor:
            broken.append(Rule.EFFECTIVE_CALLS)
    if not contact.to_debtor and not debtor_unreachable(
        earlier, failed_calls=limits.failed_calls_before_third_party
    ):
        broken.append(Rule.THIRD_PARTY_TOO_EARLY)
    return broken


def rule_message(rule: Rule, limits: Limits) -> str:
    """The rule, in the words staff read when a contact breaks it."""
    start, end = limits.hours
    if rule == Rule.CONTACT_HOURS:
        return _(
            "Contact hours: the debtor may be contacted only from %(start)02d:00 to "
            "%(end)02d:00 in their own time."
        ) % {"start": start, "end": end}
    if rule == Rule.UNANSWERED_CALLS:
        return _(
            "Unanswered calls: at most %(limit)d a day to one number, and this number has had "
            "them all on the debtor's day."
        ) % {"limit": limits.unanswered_calls_per_number}
    if rule == Rule.EFFECTIVE_CALLS:
        return _(
            "Calls with the debtor: at most %(limit)d a day that reach the debtor, and the "
            "debtor's day has had them all."
        ) % {"limit": limits.effective_calls_per_debtor}
    if rule == Rule.THIRD_PARTY_TOO_EARLY:
        return _(
            "Third parties: the debtor's emergency contact may be contacted only when the "
            "debtor cannot be reached (their number recorded invalid, or %(count)d failed "
            "calls to them in a row)."
        ) % {"count": limits.failed_calls_before_third_party}
    if rule == Rule.THIRD_PARTY_BY_PHONE:
        return _("Third parties: only a call or a text message we make, to the number you give.")
    if rule == Rule.THIRD_PARTY_RELAY_ONLY:
        return _(
            "Third parties: only to ask for a call back, never a word about the debt; confirm "
            "that this is all that was said."
        )
    return _("Field visits: two staff members make a visit; name the second one.")
