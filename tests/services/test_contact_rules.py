"""The conduct rules of DOMAIN.md on outgoing messages: a message at night waits for the
morning in the debtor's own timezone, at most 7 reminders per account per 7 days, none
while disputed. The contact-hours rule itself is pure: tests/unit/test_policy.py.

Then the contact rules staff are held to when they record a contact (DOMAIN.md, "Contact
rules"), each at its boundary, the supervisor's exception, and the staff site's form."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from negotiation.exceptions import ActionNotPermitted, ContactRuleBroken, NoSecondStaff
from negotiation.models import (
    AccountStatus,
    AuditAction,
    AuditEvent,
    ContactParty,
    ContactRecord,
    CreditAccount,
    Notification,
    NotificationEvent,
)
from negotiation.services.contacts import record_contact
from negotiation.services.notifications import notify_debtor, send_due_notifications
from tests.conftest import staff_client
from tests.factories import make_request

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.django_db
def test_a_message_at_night_waits_for_the_morning(account, installment_program, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    debtor = account.debtor
    now = timezone.now()
    # A timezone where it is 02:00 now.
    offset = (2 - now.astimezone(dt.UTC).hour + 12) % 24 - 12
    debtor.timezone = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"
    debtor.save()
    request = make_request(account, installment_program)
    notify_debtor(
        debtor,
        NotificationEvent.REQUEST_REJECTED,
        key="night",
        request=request,
        context={"reference": request.reference},
    )
    email = Notification.objects.get(channel="email")
    assert email.status == "pending"
    assert email.scheduled_for > now + dt.timedelta(hours=5)  # 08:00 there, six hours on
    assert Notification.objects.get(channel="portal").status == "sent"  # the inbox is not a contact
    assert send_due_notifications(now=now) == 0
    assert send_due_notifications(now=email.scheduled_for) == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_at_most_seven_reminders_a_week_per_account(account, installment_program):
    request = make_request(account, installment_program)
    overdue = {"reference": request.reference, "page": "plan", "due": "2027-01-15"}
    for n in range(9):
        notify_debtor(
            account.debtor,
            NotificationEvent.INSTALLMENT_OVERDUE,
            key=f"r{n}",
            request=request,
            context=overdue,
        )
    assert Notification.objects.filter(channel="email").count() == 7
    assert Notification.objects.filter(channel="portal").count() == 9
    notify_debtor(
        account.debtor,
        NotificationEvent.REQUEST_REJECTED,
        key="decision",
        request=request,
        context={"reference": request.reference},
    )
    assert Notification.objects.filter(channel="email", template="request.rejected").count() == 1


@pytest.mark.django_db
def test_no_reminders_while_the_account_is_disputed(account, installment_program):
    request = make_request(account, installment_program)
    CreditAccount.objects.filter(pk=account.pk).update(status=AccountStatus.DISPUTED)
    request.account.refresh_from_db()
    notify_debtor(
        account.debtor,
        NotificationEvent.INSTALLMENT_OVERDUE,
        key="d",
        request=request,
        context={"reference": request.reference, "page": "plan", "due": "2027-01-15"},
    )
    assert not Notification.objects.filter(channel="email").exists()


# The rules staff are held to when they record a contact (services.contacts) ----------------

DAY = dt.date(2026, 3, 10)


def at(hour: int, minute: int = 0, *, tz: dt.tzinfo = SHANGHAI, day: dt.date = DAY):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)


@pytest.fixture
def case(account, installment_program):
    """A request whose debtor lives in Shanghai, with a mobile number on file."""
    account.debtor.timezone = "Asia/Shanghai"
    account.debtor.phone = "138 0013 8000"
    account.debtor.save()
    return make_request(account, installment_program)


def contact(request, actor, when, *, outcome="no_answer", channel="phone", **kwargs):
    kwargs.setdefault("direction", "outbound")
    return record_contact(
        request, actor=actor, channel=channel, outcome=outcome, note="", at=when, **kwargs
    )


def refused(request, actor, when, **kwargs) -> ContactRuleBroken:
    before = ContactRecord.objects.count()
    with pytest.raises(ContactRuleBroken) as caught:
        contact(request, actor, when, **kwargs)
    assert ContactRecord.objects.count() == before
    return caught.value


def test_the_sixth_unanswered_call_to_a_number_is_allowed_the_seventh_refused(case, specialist):
    for n in range(6):
        contact(case, specialist, at(10, n))
    error = refused(case, specialist, at(11))
    assert error.rules == ["unanswered_calls"]
    assert "at most 6 a day to one number" in str(error.message)
    assert "A supervisor may record it as an exception" in str(error.message)
    # However the number is written, it is the one number.
    refused(case, specialist, at(11), phone="+86 138-0013-8000")
    # Another number, and the next day, are not capped by it.
    contact(case, specialist, at(11), phone="139 0000 0000")
    contact(case, specialist, at(9, day=DAY + dt.timedelta(days=1)))
    assert ContactRecord.objects.filter(phone="13800138000", party=ContactParty.DEBTOR).count() == 7


def test_the_day_is_the_debtors_own(case, specialist):
    debtor = case.account.debtor
    debtor.timezone = "America/New_York"
    debtor.save()
    for n in range(6):
        contact(case, specialist, at(9, n, tz=NEW_YORK))
    # 20:30 in New York is the next day in Shanghai and in UTC: still the debtor's same day.
    refused(case, specialist, at(20, 30, tz=NEW_YORK))
    contact(case, specialist, at(8, 30, tz=NEW_YORK, day=DAY + dt.timedelta(days=1)))


def test_the_third_call_that_reaches_the_debtor_is_allowed_the_fourth_refused(case, specialist):
    for outcome in ("spoke", "promise_to_pay", "no_answer", "other"):
        contact(case, specialist, at(10), outcome=outcome)
    error = refused(case, specialist, at(15), outcome="spoke")
    assert error.rules == ["effective_calls"]
    assert "at most 3 a day that reach the debtor" in str(error.message)
    # Unanswered calls have their own cap; the debtor calling us is never capped.
    contact(case, specialist, at(15), outcome="no_answer")
    contact(case, specialist, at(16), outcome="spoke", direction="inbound")


@pytest.mark.parametrize(
    ("hour", "minute", "allowed"),
    [(7, 59, False), (8, 0, True), (20, 59, True), (21, 0, False)],
)
def test_contact_hours_in_the_debtors_zone(case, specialist, hour, minute, allowed):
    debtor = case.account.debtor
    debtor.timezone = "America/New_York"  # not the bank's zone: the debtor's counts
    debtor.save()
    when = at(hour, minute, tz=NEW_YORK)
    if allowed:
        contact(case, specialist, when, outcome="spoke")
    else:
        error = refused(case, specialist, when, outcome="spoke")
        assert error.rules == ["contact_hours"]
        assert "only from 08:00 to 21:00 in their own time" in str(error.message)


def test_the_debtor_may_call_us_at_any_hour(case, specialist):
    contact(case, specialist, at(22, 30), outcome="spoke", direction="inbound")


def test_the_debtors_own_narrower_hours_hold(case, specialist):
    debtor = case.account.debtor
    debtor.contact_from_hour, debtor.contact_until_hour = 9, 18
    debtor.save()
    error = refused(case, specialist, at(8, 30), outcome="spoke")
    assert "only from 09:00 to 18:00" in str(error.message)


THIRD_PARTY = {"party": "third_party", "phone": "13900001111", "relay_only": True}


def test_a_third_party_only_once_the_debtor_cannot_be_reached(case, specialist):
    assert refused(case, specialist, at(10), **THIRD_PARTY).rules == ["third_party_too_early"]
    contact(case, specialist, at(10, 1))
    contact(case, specialist, at(10, 2))
    refused(case, specialist, at(10, 3), **THIRD_PARTY)  # two failed calls are not three
    contact(case, specialist, at(10, 4))
    record = contact(case, specialist, at(10, 5), **THIRD_PARTY)
    assert (record.party, record.phone, record.relay_only) == ("third_party", "13900001111", True)
    # The debtor calling back makes them reachable again.
    contact(case, specialist, at(12), outcome="spoke", direction="inbound")
    refused(case, specialist, at(12, 5), **THIRD_PARTY)


def test_a_third_party_once_the_debtors_number_is_recorded_invalid(case, specialist):
    contact(case, specialist, at(10), outcome="invalid_number")
    contact(case, specialist, at(10, 5), **THIRD_PARTY)


def test_a_third_party_is_asked_only_for_a_call_back_and_no_one_may_waive_it(
    case, specialist, supervisor
):
    for n in range(3):
        contact(case, specialist, at(10, n))
    error = refused(case, specialist, at(11), **{**THIRD_PARTY, "relay_only": False})
    assert error.rules == ["third_party_relay_only"]
    assert not error.overridable
    assert "never a word about the debt" in str(error.message)
    refused(
        case,
        supervisor,
        at(11),
        **{**THIRD_PARTY, "relay_only": False},
        override_reason="The debtor asked us to",
    )
    # Only a call or a text message, to a number.
    assert refused(case, specialist, at(11), **{**THIRD_PARTY, "phone": ""}).rules == [
        "third_party_by_phone"
    ]
    assert (
        "third_party_by_phone"
        in refused(case, specialist, at(11), **{**THIRD_PARTY, "channel": "email"}).rules
    )


def test_a_field_visit_takes_two_staff(case, specialist, supervisor):
    visit = {"channel": "in_person", "outcome": "spoke"}
    error = refused(case, specialist, at(10), **visit)
    assert error.rules == ["field_visit_two_staff"]
    with pytest.raises(NoSecondStaff):
        contact(case, specialist, at(10), second_staff=specialist, **visit)
    record = contact(case, specialist, at(10), second_staff=supervisor, **visit)
    assert record.second_staff == supervisor
    # The debtor coming to the branch is no visit of ours.
    contact(case, specialist, at(11), channel="in_person", outcome="spoke", direction="inbound")


def test_the_database_refuses_what_the_rules_refuse(case, specialist):
    debtor = case.account.debtor
    base = {"debtor": debtor, "staff": specialist, "at": at(10), "outcome": "spoke"}
    for broken in (
        {"channel": "in_person", "direction": "outbound"},
        {"channel": "in_person", "direction": "outbound", "second_staff": specialist},
        {"channel": "phone", "direction": "outbound", "party": "third_party", "phone": "139"},
        {"channel": "phone", "direction": "outbound", "party": "third_party", "relay_only": True},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            ContactRecord.objects.create(**base, **broken)


def test_a_supervisor_records_an_exception_with_a_reason_audited(case, specialist, supervisor):
    for n in range(6):
        contact(case, specialist, at(10, n))
    error = refused(case, supervisor, at(11))  # no reason, no exception
    assert "To record it as an exception, give the reason for it." in str(error.message)
    record = contact(case, supervisor, at(11), override_reason="  The debtor asked us to.  ")
    assert record.override_reason == "The debtor asked us to."
    event = AuditEvent.objects.get(action=AuditAction.CONTACT_RULES_OVERRIDDEN)
    assert (event.object_id, event.actor) == (case.pk, supervisor)
    assert event.after["rules"] == ["unanswered_calls"]
    assert event.after["reason"] == "The debtor asked us to."
    assert event.after["contact"] == record.pk
    assert AuditEvent.objects.filter(action=AuditAction.CONTACT_RECORDED).count() == 6


def test_a_specialist_cannot_record_an_exception(case, specialist):
    for n in range(6):
        contact(case, specialist, at(10, n))
    with pytest.raises(ActionNotPermitted):
        contact(case, specialist, at(11), override_reason="Urgent")
    assert ContactRecord.objects.count() == 6
    assert not AuditEvent.objects.filter(action=AuditAction.CONTACT_RULES_OVERRIDDEN).exists()


def test_a_reason_on_a_contact_within_the_rules_is_no_exception(case, supervisor):
    record = contact(case, supervisor, at(10), override_reason="Just in case")
    assert record.override_reason == ""
    assert AuditEvent.objects.get(object_id=case.pk, action=AuditAction.CONTACT_RECORDED)


def test_the_settings_set_the_limits(case, specialist, settings):
    settings.CONTACT_MAX_UNANSWERED_CALLS_PER_NUMBER = 2
    settings.CONTACT_MAX_EFFECTIVE_CALLS_PER_DEBTOR = 1
    contact(case, specialist, at(10))
    contact(case, specialist, at(10, 1))
    assert "at most 2 a day" in str(refused(case, specialist, at(10, 2)).message)
    contact(case, specialist, at(11), outcome="spoke")
    assert refused(case, specialist, at(12), outcome="spoke").rules == ["effective_calls"]


# The staff site's form -------------------------------------------------------------------


def contact_url(request):
    return reverse("admin:negotiation_reliefrequest_contact", args=[request.pk])


def form_data(when, **extra):
    data = {
        "channel": "phone",
        "direction": "outbound",
        "outcome": "no_answer",
        "party": "debtor",
        "at": when.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        "note": "",
    }
    return {**data, **extra}


def test_the_form_refuses_with_the_rules_words_and_offers_supervisors_the_exception(
    case, specialist, supervisor
):
    for n in range(6):
        contact(case, specialist, at(10, n))
    page = reverse("admin:negotiation_reliefrequest_change", args=[case.pk])
    specialist_page = staff_client(specialist).get(page).content.decode()
    assert 'name="relay_only"' in specialist_page
    assert 'name="second_staff"' in specialist_page
    assert 'name="override_reason"' not in specialist_page
    assert 'name="override_reason"' in staff_client(supervisor).get(page).content.decode()

    response = staff_client(specialist).post(
        contact_url(case), form_data(at(11), override_reason="Please"), follow=True
    )
    text = response.content.decode()
    assert "Not recorded." in text
    assert "at most 6 a day to one number" in text
    assert ContactRecord.objects.count() == 6  # the reason box a specialist has not is ignored

    client = staff_client(supervisor)
    response = client.post(contact_url(case), form_data(at(11)), follow=True)
    assert "To record it as an exception, give the reason for it." in response.content.decode()
    response = client.post(
        contact_url(case), form_data(at(11), override_reason="Debtor asked for it."), follow=True
    )
    assert "Contact recorded as an exception to the contact rules." in response.content.decode()
    assert ContactRecord.objects.get(override_reason="Debtor asked for it.").staff == supervisor


def test_the_form_records_a_field_visit_and_a_third_party(case, specialist, supervisor):
    client = staff_client(specialist)
    visit = form_data(at(10), channel="in_person", outcome="spoke")
    text = client.post(contact_url(case), visit, follow=True).content.decode()
    assert "two staff members make a visit" in text
    client.post(contact_url(case), {**visit, "second_staff": supervisor.pk})
    assert ContactRecord.objects.get(channel="in_person").second_staff == supervisor
    for n in range(3):
        client.post(contact_url(case), form_data(at(11, n)))
    third = form_data(at(12), party="third_party", phone="139 0000 1111")
    text = client.post(contact_url(case), third, follow=True).content.decode()
    assert "never a word about the debt" in text
    client.post(contact_url(case), {**third, "relay_only": "on"})
    assert ContactRecord.objects.get(party="third_party").phone == "13900001111"
    wrong = client.post(contact_url(case), {**third, "phone": "call me"}, follow=True)
    assert "Please enter a phone number, digits only." in wrong.content.decode()
