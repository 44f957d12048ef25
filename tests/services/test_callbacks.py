"""Call backs (services.callbacks): booked only in an open slot, once (a double tap books
one), the last place in a slot to one debtor of two, cancelled by the debtor, and made by
staff as a contact held to the contact rules; every step audited."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction

from negotiation.exceptions import (
    ActionNotPermitted,
    ContactRuleBroken,
    TransitionNotAllowed,
)
from negotiation.models import AuditAction, AuditEvent, Callback, ContactRecord
from negotiation.services.callbacks import (
    CallbackRefused,
    book_callback,
    cancel_callback,
    close_callback,
    open_slots,
    take_callback,
)
from negotiation.services.contacts import record_contact
from tests.factories import make_account, make_debtor, make_request

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = dt.date(2026, 12, 7)


def at(hour: int, minute: int = 0, day: dt.date = MONDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
def shanghai_debtor(debtor):
    debtor.timezone = "Asia/Shanghai"
    debtor.phone = "13800138000"
    debtor.save()
    return debtor


def book(debtor, start, **kwargs):
    kwargs.setdefault("now", at(5))
    kwargs.setdefault("phone", "138 0013 8000")
    kwargs.setdefault("topic", "paying")
    kwargs.setdefault("note", "")
    return book_callback(debtor, actor=debtor.user, starts_at=start, **kwargs)


@pytest.mark.django_db
def test_a_callback_is_booked_in_an_open_slot_and_audited(shanghai_debtor):
    account = make_account(shanghai_debtor)
    callback = book(shanghai_debtor, at(9), account=account, note=" After work please ")
    assert (callback.starts_at, callback.ends_at) == (at(9), at(9, 30))
    assert callback.phone == "13800138000"
    assert callback.note == "After work please"
    assert callback.status == "requested"
    event = AuditEvent.objects.get(action=AuditAction.CALLBACK_BOOKED)
    assert event.object_reference == callback.reference
    assert event.after["account"] == account.reference
    assert "phone" not in event.after


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "why"),
    [
        (at(7, 30), "before 08:00"),
        (at(21), "ends after 21:00"),
        (at(5, 30), "within the lead time"),
        (at(9, 10), "not a slot's start"),
        (at(9, day=dt.date(2026, 12, 5)), "a Saturday"),
    ],
)
def test_a_time_that_is_not_an_open_slot_is_refused(shanghai_debtor, start, why):
    with pytest.raises(CallbackRefused):
        book(shanghai_debtor, start)
    assert not Callback.objects.exists(), why


@pytest.mark.django_db
def test_a_double_tap_books_one_callback(shanghai_debtor):
    first = book(shanghai_debtor, at(9))
    again = book(shanghai_debtor, at(9))
    assert again.pk == first.pk
    with pytest.raises(CallbackRefused):
        book(shanghai_debtor, at(10))  # one waiting at a time
    assert Callback.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CALLBACK_BOOKED).count() == 1


@pytest.mark.django_db
def test_one_waiting_callback_per_debtor_is_the_databases_rule_too(shanghai_debtor):
    book(shanghai_debtor, at(9))
    with pytest.raises(IntegrityError), transaction.atomic():
        Callback.objects.create(
            debtor=shanghai_debtor,
            starts_at=at(10),
            ends_at=at(10, 30),
            phone="13800138000",
            topic="plan",
            booked_at=at(5),
        )


@pytest.mark.django_db
def test_a_slot_in_the_past_is_refused_by_the_database(shanghai_debtor):
    with pytest.raises(IntegrityError), transaction.atomic():
        Callback.objects.create(
            debtor=shanghai_debtor,
            starts_at=at(4),
            ends_at=at(4, 30),
            phone="13800138000",
            topic="plan",
            booked_at=at(5),
        )


@pytest.mark.django_db
def test_a_full_slot_is_not_offered_and_refused(shanghai_debtor, settings):
    settings.CALLBACK_SLOT_CAPACITY = 1
    other = make_debtor(timezone="Asia/Shanghai")
    assert other.user is not None
    book(other, at(9))
    assert at(9) not in [slot.start for slot in open_slots(shanghai_debtor, now=at(5))]
    with pytest.raises(CallbackRefused):
        book(shanghai_debtor, at(9))
    # Cancelled, the place is free again.
    cancel_callback(Callback.objects.get(debtor=other), actor=other.user, now=at(6))
    assert book(shanghai_debtor, at(9)).starts_at == at(9)


@pytest.mark.django_db
def test_a_day_whose_calls_reached_the_cap_offers_no_slot(
    shanghai_debtor, installment_program, specialist, settings
):
    settings.CONTACT_MAX_EFFECTIVE_CALLS_PER_DEBTOR = 1
    request = make_request(make_account(shanghai_debtor), installment_program)
    record_contact(
        request,
        actor=specialist,
        channel="phone",
        direction="outbound",
        outcome="spoke",
        note="",
        at=at(8, 30),
    )
    days = {
        slot.start.astimezone(SHANGHAI).date() for slot in open_slots(shanghai_debtor, now=at(9))
    }
    assert MONDAY not in days
    assert MONDAY + dt.timedelta(days=1) in days
    with pytest.raises(CallbackRefused):
        book(shanghai_debtor, at(15), now=at(9))


@pytest.mark.django_db
def test_a_number_that_is_not_one_is_refused(shanghai_debtor):
    with pytest.raises(CallbackRefused):
        book(shanghai_debtor, at(9), phone="call me")
    with pytest.raises(CallbackRefused):
        book(shanghai_debtor, at(9), topic="gossip")
    assert not Callback.objects.exists()


@pytest.mark.django_db
def test_another_debtors_account_is_refused(shanghai_debtor, other_account):
    with pytest.raises(ActionNotPermitted):
        book(shanghai_debtor, at(9), account=other_account)


@pytest.mark.django_db
def test_the_debtor_cancels_and_only_the_debtor(shanghai_debtor, other_debtor):
    callback = book(shanghai_debtor, at(9))
    with pytest.raises(ActionNotPermitted):
        cancel_callback(callback, actor=other_debtor.user, now=at(6))
    cancelled = cancel_callback(callback, actor=shanghai_debtor.user, now=at(6))
    assert cancelled.status == "cancelled"
    assert cancelled.closed_at == at(6)
    with pytest.raises(TransitionNotAllowed):
        cancel_callback(callback, actor=shanghai_debtor.user, now=at(6))
    event = AuditEvent.objects.get(action=AuditAction.CALLBACK_TRANSITION)
    assert (event.before, event.after) == (
        {"status": "requested"},
        {"status": "cancelled", "contact": None},
    )


@pytest.mark.django_db
def test_staff_take_and_make_the_call_which_is_recorded_as_a_contact(shanghai_debtor, specialist):
    callback = book(shanghai_debtor, at(9))
    take_callback(callback, actor=specialist)
    assert Callback.objects.get().handled_by == specialist
    done = close_callback(callback, actor=specialist, outcome="spoke", note="Talked.", now=at(9, 5))
    assert done.status == "done"
    contact = ContactRecord.objects.get()
    assert done.contact == contact
    assert (contact.channel, contact.direction, contact.phone) == (
        "phone",
        "outbound",
        "13800138000",
    )
    assert contact.debtor == shanghai_debtor
    assert set(
        AuditEvent.objects.filter(object_reference=callback.reference).values_list(
            "action", flat=True
        )
    ) == {
        AuditAction.CALLBACK_BOOKED,
        AuditAction.CALLBACK_TAKEN,
        AuditAction.CONTACT_RECORDED,
        AuditAction.CALLBACK_TRANSITION,
    }
    with pytest.raises(TransitionNotAllowed):
        close_callback(callback, actor=specialist, outcome="spoke", note="", now=at(9, 6))


@pytest.mark.django_db
def test_no_answer_marks_the_callback_missed(shanghai_debtor, specialist):
    callback = book(shanghai_debtor, at(9))
    missed = close_callback(callback, actor=specialist, outcome="no_answer", note="", now=at(9, 5))
    assert missed.status == "missed"
    assert missed.contact is not None
    assert missed.contact.outcome == "no_answer"


@pytest.mark.django_db
def test_a_call_that_breaks_a_contact_rule_changes_nothing(shanghai_debtor, specialist):
    callback = book(shanghai_debtor, at(20, 30))
    with pytest.raises(ContactRuleBroken):
        close_callback(callback, actor=specialist, outcome="spoke", note="", now=at(21, 5))
    assert Callback.objects.get().status == "requested"
    assert not ContactRecord.objects.exists()


@pytest.mark.django_db
def test_only_staff_who_record_contacts_make_the_call(shanghai_debtor, bankstaff):
    callback = book(shanghai_debtor, at(9))
    with pytest.raises(ActionNotPermitted):
        take_callback(callback, actor=shanghai_debtor.user)
    with pytest.raises(ActionNotPermitted):
        close_callback(callback, actor=shanghai_debtor.user, outcome="spoke", note="", now=at(9, 5))
    # Bank staff record contacts but see no requests: as for any contact, refused.
    with pytest.raises(ActionNotPermitted):
        close_callback(callback, actor=bankstaff, outcome="spoke", note="", now=at(9, 5))


@pytest.mark.django_db(transaction=True)
def test_two_debtors_for_the_last_place_one_gets_it(settings):
    if connection.vendor != "postgresql":
        pytest.skip("row and advisory locks: PostgreSQL")
    settings.CALLBACK_SLOT_CAPACITY = 1
    debtors = [make_debtor(timezone="Asia/Shanghai") for _ in range(2)]

    def attempt(debtor):
        try:
            return book(debtor, at(9)).pk
        except CallbackRefused:
            return None
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(attempt, debtors))
    assert sum(result is not None for result in results) == 1
    assert Callback.objects.filter(starts_at=at(9)).count() == 1
