"""The debtor's pages: booking a call back (slots grouped by day, radio buttons, no
JavaScript), seeing and cancelling it (a confirmation page, then a POST), and "Contacts
from us" (only the debtor's own contacts, in their words, and the authorised agencies)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from negotiation.models import Callback, CollectionAgency, ContactRecord
from negotiation.roles import COMPLIANCE
from negotiation.services.callbacks import book_callback, open_slots
from negotiation.services.contacts import record_contact
from tests.conftest import staff_client
from tests.factories import make_account, make_request, make_staff

pytestmark = pytest.mark.django_db
CONTACTS_PAGE = 9


@pytest.fixture
def phoned(debtor):
    debtor.phone = "13800138000"
    debtor.save()
    return debtor


def first_slot(debtor) -> dt.datetime:
    return open_slots(debtor, now=timezone.now())[0].start


def first_slot_key(debtor) -> str:
    return open_slots(debtor, now=timezone.now())[0].key


def test_the_booking_page_groups_slots_by_day_as_radio_buttons(debtor_client, phoned):
    page = debtor_client.get(reverse("negotiation:callback_create")).content.decode()
    assert 'type="radio" name="slot"' in page
    assert 'data-testid="slot-day"' in page
    assert "138 0013 8000" in page  # the number on file, offered
    assert "<script" not in page.split('data-testid="callback-form"')[1].split("</form>")[0]


def test_booking_then_seeing_then_cancelling(debtor_client, phoned):
    key = first_slot_key(phoned)
    response = debtor_client.post(
        reverse("negotiation:callback_create"),
        {"slot": key, "number": "on_file", "topic": "paying", "note": ""},
    )
    callback = Callback.objects.get()
    assert response["Location"] == reverse("negotiation:callback_detail", args=[callback.reference])
    assert callback.phone == "13800138000"
    detail = debtor_client.get(response["Location"]).content.decode()
    assert 'data-testid="callback-summary"' in detail
    assert reverse("negotiation:callback_cancel", args=[callback.reference]) in detail
    # Booking again sends the debtor to the one waiting.
    again = debtor_client.get(reverse("negotiation:callback_create"))
    assert again["Location"] == response["Location"]
    # Cancelling asks first (GET changes nothing), then the POST cancels.
    ask = debtor_client.get(reverse("negotiation:callback_cancel", args=[callback.reference]))
    assert 'data-testid="callback-cancel-form"' in ask.content.decode()
    assert Callback.objects.get().status == "requested"
    done = debtor_client.post(reverse("negotiation:callback_cancel", args=[callback.reference]))
    assert done.status_code == 302
    assert Callback.objects.get().status == "cancelled"


def test_a_double_tap_books_one(debtor_client, phoned):
    body = {"slot": first_slot_key(phoned), "number": "on_file", "topic": "plan"}
    first = debtor_client.post(reverse("negotiation:callback_create"), body)
    second = debtor_client.post(reverse("negotiation:callback_create"), body)
    assert first["Location"] == second["Location"]
    assert Callback.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"slot": "", "number": "on_file", "topic": "paying"},
            "Please choose a time for us to call.",
        ),
        ({"slot": "20000101T0000Z", "number": "on_file", "topic": "paying"}, "no longer free"),
        ({"slot": "<script>", "number": "on_file", "topic": "paying"}, "no longer free"),
        ({"number": "other", "other_phone": "", "topic": "paying"}, "the number we should call"),
        ({"number": "other", "other_phone": "not a number", "topic": "paying"}, "a phone number"),
        ({"number": "on_file", "topic": "gossip"}, "what the call is about"),
    ],
)
def test_bad_input_shows_the_portals_words_and_books_nothing(debtor_client, phoned, body, message):
    body = {"slot": first_slot_key(phoned), **body}
    response = debtor_client.post(reverse("negotiation:callback_create"), body)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Callback.objects.exists()


def test_booking_from_an_account_keeps_the_account(debtor_client, phoned):
    account = make_account(phoned)
    page = debtor_client.get(reverse("negotiation:account", args=[account.reference]))
    link = f"{reverse('negotiation:callback_create')}?account={account.reference}"
    assert link in page.content.decode()
    debtor_client.post(
        reverse("negotiation:callback_create"),
        {
            "slot": first_slot_key(phoned),
            "number": "other",
            "other_phone": "139 1234 5678",
            "topic": "account",
            "account": account.reference,
        },
    )
    callback = Callback.objects.get()
    assert (callback.account, callback.phone) == (account, "13912345678")


def test_another_debtors_account_or_callback_is_a_404(debtor_client, phoned, other_debtor):
    other_account = make_account(other_debtor)
    response = debtor_client.get(
        reverse("negotiation:callback_create"), {"account": other_account.reference}
    )
    assert response.status_code == 404
    now = timezone.now()
    theirs = book_callback(
        other_debtor,
        actor=other_debtor.user,
        starts_at=open_slots(other_debtor, now=now)[0].start,
        phone="13912345678",
        topic="plan",
        note="",
        now=now,
    )
    for name in ("callback_detail", "callback_cancel"):
        assert (
            debtor_client.get(reverse(f"negotiation:{name}", args=[theirs.reference])).status_code
            == 404
        )
    assert (
        debtor_client.post(
            reverse("negotiation:callback_cancel", args=[theirs.reference])
        ).status_code
        == 404
    )
    assert Callback.objects.get().status == "requested"


def _contact(request, staff, **kwargs):
    kwargs.setdefault("channel", "phone")
    kwargs.setdefault("direction", "outbound")
    kwargs.setdefault("outcome", "spoke")
    return record_contact(
        request, actor=staff, note="Debtor was rude, escalate.", at=timezone.now(), **kwargs
    )


def test_contacts_from_us_shows_only_the_debtors_own_in_their_words(
    debtor_client, phoned, other_debtor, installment_program, specialist
):
    specialist.first_name = "Wei"
    specialist.save()
    agency = CollectionAgency.objects.create(
        name="Eastern Recovery Services",
        name_zh="东方催收服务",
        registration_number="91310000MA1234567X",
        phones="021 5555 0101\n021 5555 0102",
        authorised_from=timezone.localdate() - dt.timedelta(days=30),
    )
    CollectionAgency.objects.create(
        name="Lapsed Agency Ltd",
        name_zh="过期公司",
        registration_number="X",
        phones="021 0000 0000",
        authorised_from=timezone.localdate() - dt.timedelta(days=400),
        authorised_until=timezone.localdate() - dt.timedelta(days=1),
    )
    mine = make_request(make_account(phoned), installment_program)
    _contact(mine, specialist, outcome="dispute")
    _contact(mine, specialist, outcome="no_answer", agency=agency)
    theirs = make_request(make_account(other_debtor), installment_program)
    _contact(theirs, specialist, outcome="promise_to_pay", channel="sms")

    page = debtor_client.get(reverse("negotiation:contacts")).content.decode()
    listed = page.split('data-testid="contact-list"')[1].split("</ul>")[0]
    assert listed.count("<li") == 2  # the other debtor's contact is not there
    assert "You told us you disagree with what we say you owe." in listed
    assert "Debtor disputes the debt" not in page  # staff words stay in the staff site
    assert "Debtor was rude" not in page  # the staff's note is never shown
    assert "Wei" in listed
    assert specialist.username not in page
    assert "Eastern Recovery Services, on our behalf" in listed
    assert "You told us when you would pay." not in page
    agencies = page.split('data-testid="agency-list"')[1].split("</ul>")[0]
    assert "Eastern Recovery Services" in agencies
    assert "021 5555 0102" in agencies
    assert "Lapsed Agency" not in page  # no longer authorised
    assert "hang up and call us on the number on the back of your card" in page
    assert "never ask for your password" in page


def test_a_call_to_the_emergency_contact_is_told_without_their_details(
    debtor_client, phoned, installment_program, supervisor
):
    request = make_request(make_account(phoned), installment_program)
    _contact(
        request,
        supervisor,
        party="third_party",
        phone="13712345678",
        relay_only=True,
        override_reason="Debtor unreachable for weeks, agreed with compliance.",
    )
    page = debtor_client.get(reverse("negotiation:contacts")).content.decode()
    assert "We asked your emergency contact to ask you to call us." in page
    assert "1371" not in page
    assert "137 1234" not in page


def test_the_contacts_are_paginated_newest_first(
    debtor_client, phoned, installment_program, specialist
):
    request = make_request(make_account(phoned), installment_program)
    for _ in range(21):
        _contact(request, specialist, direction="inbound")
    assert ContactRecord.objects.count() == 21
    first = debtor_client.get(reverse("negotiation:contacts")).content.decode()
    assert first.split('data-testid="contact-list"')[1].split("</ul>")[0].count("<li") == 20
    second = debtor_client.get(reverse("negotiation:contacts"), {"page": "2"}).content.decode()
    assert second.split('data-testid="contact-list"')[1].split("</ul>")[0].count("<li") == 1
    assert debtor_client.get(reverse("negotiation:contacts"), {"page": "x'; --"}).status_code == 200


def test_staff_see_the_callback_in_the_list_and_make_the_call(phoned, specialist):
    now = timezone.now()
    callback = book_callback(
        phoned,
        actor=phoned.user,
        starts_at=open_slots(phoned, now=now)[0].start,
        phone="13800138000",
        topic="paying",
        note="",
        now=now,
    )
    client: Client = staff_client(specialist)
    listing = client.get(reverse("admin:negotiation_callback_changelist")).content.decode()
    assert callback.reference in listing
    mine = client.get(reverse("admin:negotiation_callback_changelist"), {"taken": "me"})
    assert callback.reference not in mine.content.decode()
    client.post(reverse("admin:negotiation_callback_take", args=[callback.pk]))
    mine = client.get(reverse("admin:negotiation_callback_changelist"), {"taken": "me"})
    assert callback.reference in mine.content.decode()
    page = client.get(reverse("admin:negotiation_callback_change", args=[callback.pk]))
    assert 'data-testid="callback-actions"' in page.content.decode()
    # An empty form: back to the page with why, nothing changed.
    refused = client.post(
        reverse("admin:negotiation_callback_close", args=[callback.pk]), {}, follow=True
    )
    assert "Nothing was changed" in refused.content.decode()
    assert Callback.objects.get().status == "requested"
    client.post(
        reverse("admin:negotiation_callback_close", args=[callback.pk]),
        {"outcome": "no_answer", "note": ""},
    )
    assert Callback.objects.get().status == "missed"
    assert ContactRecord.objects.get().outcome == "no_answer"


def test_the_request_page_marks_a_callback_waiting(phoned, installment_program, specialist):
    request = make_request(make_account(phoned), installment_program)
    now = timezone.now()
    callback = book_callback(
        phoned,
        actor=phoned.user,
        starts_at=open_slots(phoned, now=now)[0].start,
        phone="13800138000",
        topic="paying",
        note="",
        now=now,
    )
    page = staff_client(specialist).get(
        reverse("admin:negotiation_reliefrequest_change", args=[request.pk])
    )
    marker = page.content.decode().split('data-testid="callback-marker"')[1].split("</p>")[0]
    assert reverse("admin:negotiation_callback_change", args=[callback.pk]) in marker


def test_only_who_sees_contact_details_reads_the_number_to_call(phoned, specialist):
    now = timezone.now()
    callback = book_callback(
        phoned,
        actor=phoned.user,
        starts_at=open_slots(phoned, now=now)[0].start,
        phone="13800138000",
        topic="paying",
        note="",
        now=now,
    )
    url = reverse("admin:negotiation_callback_change", args=[callback.pk])
    assert "138 0013 8000" in staff_client(specialist).get(url).content.decode()
    masked = staff_client(make_staff(COMPLIANCE)).get(url).content.decode()
    assert "138 0013 8000" not in masked
    assert "13800138000" not in masked
    assert "ending 8000" in masked


@pytest.mark.parametrize("contacts", [1, 30])
def test_contacts_from_us_costs_the_same_whatever_the_history(
    debtor_client, phoned, installment_program, specialist, django_assert_num_queries, contacts
):
    request = make_request(make_account(phoned), installment_program)
    for _ in range(contacts):
        _contact(request, specialist, direction="inbound")
    # The session, the user, their language, the debtor; the page's count and its rows
    # (with staff and agency in the same query); the agencies; the call back waiting; the
    # menu's unread count.
    with django_assert_num_queries(CONTACTS_PAGE):
        assert debtor_client.get(reverse("negotiation:contacts")).status_code == 200


def test_a_call_back_still_waiting_after_its_slot_says_so(debtor_client, phoned):
    now = timezone.now()
    slot = open_slots(phoned, now=now)[0]
    callback = book_callback(
        phoned,
        actor=phoned.user,
        starts_at=slot.start,
        phone="13800138000",
        topic="paying",
        note="",
        now=now,
    )
    url = reverse("negotiation:callback_detail", args=[callback.reference])
    assert 'data-testid="callback-overdue"' not in debtor_client.get(url).content.decode()
    # Its slot passed without the call: moved back in time as a whole.
    back = slot.end - now + dt.timedelta(hours=1)
    Callback.objects.filter(pk=callback.pk).update(
        booked_at=now - back, starts_at=slot.start - back, ends_at=slot.end - back
    )
    page = debtor_client.get(url).content.decode()
    assert 'data-testid="callback-overdue"' in page
    assert reverse("negotiation:callback_cancel", args=[callback.reference]) in page


def test_a_number_reads_the_same_on_every_page_however_it_was_stored(debtor_client, debtor):
    debtor.phone = "+86 138 0013 8000"  # as the demo and an import may store it
    debtor.save()
    callback = book_callback(
        debtor,
        actor=debtor.user,
        starts_at=first_slot(debtor),
        phone="13800138000",  # as the booking stores it
        topic="paying",
        note="",
        now=timezone.now(),
    )
    for url in (
        reverse("negotiation:profile"),
        reverse("negotiation:callback_detail", args=[callback.reference]),
    ):
        page = debtor_client.get(url).content.decode()
        assert "138 0013 8000" in page, url
        assert "+86 138" not in page, url
