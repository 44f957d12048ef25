"""Extra support (services.support): the consent rules, every allowed and forbidden move,
withdrawal removing the content and keeping its trail, the audit rows holding no content,
the database's checks as the last defence; and its effects: reminders spaced, a
counter-offer's and a signature's deadlines longer, with exact dates."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from negotiation.exceptions import ConsentNeeded, NoSupportDriver, TransitionNotAllowed
from negotiation.models import (
    AuditAction,
    AuditEvent,
    Notification,
    NotificationEvent,
    Offer,
    PlanStatus,
    SupportNeed,
    SupportStatus,
)
from negotiation.selectors.support import has_support_need
from negotiation.services.following import follow_plans
from negotiation.services.notifications import notify_debtor
from negotiation.services.requests import approve_request
from negotiation.services.support import (
    SUPPORT_CONSENT_VERSION,
    SupportAnswer,
    dismiss_support_offer,
    read_support_need,
    say_support_need,
    withdraw_support_need,
)
from tests.factories import counter_offer, make_account, make_request

pytestmark = pytest.mark.django_db

NOW = timezone.now()
TODAY = timezone.localdate()
NOTE = "My husband died in March and I look after our two children alone."


def say(debtor, **answer):
    return say_support_need(
        debtor, actor=debtor.user, answer=SupportAnswer(**answer), now=NOW, ip="10.0.0.1"
    )


def audit_rows(need):
    return list(
        AuditEvent.objects.filter(object_type="negotiation.supportneed", object_id=need.pk)
        .order_by("pk")
        .values_list("action", "before", "after")
    )


# The consent rules -------------------------------------------------------------------------


def test_health_is_kept_with_the_separate_consent_its_version_and_moment(debtor):
    need = say(debtor, health=True, note=NOTE, consent=True)
    need.refresh_from_db()
    assert need.status == SupportStatus.ACTIVE
    assert need.drivers == ["health"]
    assert need.note == NOTE
    assert (need.consent_version, need.consented_at, need.said_at) == (
        SUPPORT_CONSENT_VERSION,
        NOW,
        NOW,
    )


def test_without_consent_health_cannot_be_stored(debtor):
    with pytest.raises(ConsentNeeded):
        say(debtor, health=True, life_event=True)
    assert not SupportNeed.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.SUPPORT_NEED_SAID).exists()


def test_without_consent_a_note_cannot_be_stored_either(debtor):
    """A note may speak of health: it is kept under the same consent."""
    with pytest.raises(ConsentNeeded):
        say(debtor, life_event=True, note=NOTE)
    assert not SupportNeed.objects.exists()


def test_without_consent_the_other_drivers_are_kept(debtor):
    need = say(debtor, life_event=True, resilience=True, capability=True)
    assert need.drivers == ["life_event", "resilience", "capability"]
    assert (need.consent_version, need.consented_at) == ("", None)
    assert has_support_need(debtor)


def test_at_least_one_driver(debtor):
    with pytest.raises(NoSupportDriver):
        say(debtor, consent=True, note=NOTE)
    assert not SupportNeed.objects.exists()


def test_a_change_keeps_the_first_consent_moment_while_it_stands(debtor):
    say(debtor, health=True, consent=True)
    later = NOW + dt.timedelta(days=3)
    need = say_support_need(
        debtor,
        actor=debtor.user,
        answer=SupportAnswer(health=True, capability=True, consent=True),
        now=later,
        ip=None,
    )
    assert (need.consented_at, need.said_at) == (NOW, later)
    # Without the consent now, health goes: the consent is dropped with it.
    need = say(debtor, capability=True)
    assert (need.health, need.consent_version, need.consented_at) == (False, "", None)


# Moves and their audit rows ----------------------------------------------------------------


def test_withdrawal_removes_the_content_and_keeps_the_trail(debtor):
    need = say(debtor, health=True, life_event=True, note=NOTE, consent=True)
    withdrawn = withdraw_support_need(debtor, actor=debtor.user, now=NOW, ip=None)
    withdrawn.refresh_from_db()
    assert withdrawn.status == SupportStatus.WITHDRAWN
    assert withdrawn.drivers == []
    assert (withdrawn.note, withdrawn.consent_version, withdrawn.consented_at) == ("", "", None)
    assert withdrawn.withdrawn_at == NOW
    assert not has_support_need(debtor)
    assert audit_rows(need) == [
        (
            AuditAction.SUPPORT_NEED_SAID,
            {},
            {"status": "active", "consent_version": SUPPORT_CONSENT_VERSION, "drivers": 2},
        ),
        (
            AuditAction.SUPPORT_NEED_WITHDRAWN,
            {"status": "active"},
            {"status": "withdrawn", "reason": "debtor"},
        ),
    ]


def test_no_audit_row_holds_what_was_said(debtor, specialist):
    need = say(debtor, health=True, life_event=True, note=NOTE, consent=True)
    read_support_need(debtor, reader=specialist, ip=None)
    withdraw_support_need(debtor, actor=debtor.user, now=NOW, ip=None)
    text = str(audit_rows(need))
    for word in ("health", "life_event", "husband", NOTE):
        assert word not in text


def test_said_again_after_a_withdrawal(debtor):
    say(debtor, resilience=True)
    withdraw_support_need(debtor, actor=debtor.user, now=NOW, ip=None)
    again = say(debtor, capability=True)
    assert (again.status, again.withdrawn_at, again.drivers) == ("active", None, ["capability"])


def test_nothing_to_withdraw_is_refused(debtor):
    with pytest.raises(TransitionNotAllowed):
        withdraw_support_need(debtor, actor=debtor.user, now=NOW, ip=None)


@pytest.mark.parametrize("first", ["dismissed", "withdrawn"])
def test_a_withdrawal_only_of_a_need_in_place(debtor, first):
    if first == "dismissed":
        dismiss_support_offer(debtor, actor=debtor.user, now=NOW, ip=None)
    else:
        say(debtor, resilience=True)
        withdraw_support_need(debtor, actor=debtor.user, now=NOW, ip=None)
    with pytest.raises(TransitionNotAllowed):
        withdraw_support_need(debtor, actor=debtor.user, now=NOW, ip=None)


def test_the_offer_dismissed_is_remembered_once(debtor):
    dismissed = dismiss_support_offer(debtor, actor=debtor.user, now=NOW, ip=None)
    assert dismissed is not None
    assert (dismissed.status, dismissed.dismissed_at) == (SupportStatus.DISMISSED, NOW)
    assert dismiss_support_offer(debtor, actor=debtor.user, now=NOW, ip=None) is None
    assert AuditEvent.objects.filter(action=AuditAction.SUPPORT_OFFER_DISMISSED).count() == 1
    assert not has_support_need(debtor)
    # Dismissed is not "never": the debtor may still say it from My details.
    assert say(debtor, life_event=True).status == SupportStatus.ACTIVE


def test_an_answered_offer_is_not_dismissed_afterwards(debtor):
    say(debtor, life_event=True)
    assert dismiss_support_offer(debtor, actor=debtor.user, now=NOW, ip=None) is None
    assert SupportNeed.objects.get(debtor=debtor).status == SupportStatus.ACTIVE


def test_each_staff_reading_is_audited_with_the_reader(debtor, specialist):
    need = say(debtor, resilience=True)
    assert read_support_need(debtor, reader=specialist, ip="10.0.0.9") == need
    read_support_need(debtor, reader=specialist, ip="10.0.0.9")
    reads = AuditEvent.objects.filter(action=AuditAction.SUPPORT_NEED_READ)
    assert [(r.actor, r.ip, r.object_id) for r in reads] == [(specialist, "10.0.0.9", need.pk)] * 2


def test_nothing_in_place_is_no_reading(debtor, specialist):
    assert read_support_need(debtor, reader=specialist, ip=None) is None
    say(debtor, resilience=True)
    withdraw_support_need(debtor, actor=debtor.user, now=NOW, ip=None)
    assert read_support_need(debtor, reader=specialist, ip=None) is None
    assert not AuditEvent.objects.filter(action=AuditAction.SUPPORT_NEED_READ).exists()


def test_the_service_logs_nothing_of_what_was_said(debtor, specialist, caplog):
    with caplog.at_level(logging.DEBUG):
        say(debtor, health=True, note=NOTE, consent=True)
        read_support_need(debtor, reader=specialist, ip=None)
        withdraw_support_need(debtor, actor=debtor.user, now=NOW, ip=None)
    assert "husband" not in caplog.text


# The database's checks, the last defence ----------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "active", "health": True},  # health without consent
        {"status": "active", "life_event": True, "note": "x"},  # a note without consent
        {"status": "active"},  # in place with nothing that applies
        {"status": "withdrawn", "resilience": True},  # withdrawn keeping a driver
        {"status": "dismissed", "note": "x", "consent_version": "v", "consented_at": NOW},
        {"status": "forgotten", "resilience": True},  # a status the portal does not know
    ],
)
def test_the_database_refuses_what_the_rules_forbid(debtor, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        SupportNeed.objects.bulk_create([SupportNeed(debtor=debtor, said_at=NOW, **fields)])


# The effects --------------------------------------------------------------------------------


def _overdue(debtor, request, n: int):
    return notify_debtor(
        debtor,
        NotificationEvent.INSTALLMENT_OVERDUE,
        key=f"r{n}",
        request=request,
        context={"reference": request.reference, "page": "plan", "due": TODAY.isoformat()},
    )


def test_reminders_at_most_one_in_three_days_with_extra_support(
    account, installment_program, settings
):
    assert settings.SUPPORT_REMINDER_INTERVAL_DAYS == 3
    request = make_request(account, installment_program)
    say(account.debtor, resilience=True)
    for n in range(5):
        _overdue(account.debtor, request, n)
    assert Notification.objects.filter(channel="email").count() == 1
    assert Notification.objects.filter(channel="portal").count() == 5  # the inbox has them all
    # Three days on, the next one goes.
    email = Notification.objects.get(channel="email")
    Notification.objects.filter(pk=email.pk).update(created_at=NOW - dt.timedelta(days=3))
    _overdue(account.debtor, request, 9)
    assert Notification.objects.filter(channel="email").count() == 2


def test_without_extra_support_seven_reminders_a_week(account, installment_program):
    request = make_request(account, installment_program)
    for n in range(5):
        _overdue(account.debtor, request, n)
    assert Notification.objects.filter(channel="email").count() == 5


def test_the_spacing_counts_every_account_of_the_debtor(debtor, installment_program):
    first = make_request(make_account(debtor, card_last4="1111"), installment_program)
    second = make_request(make_account(debtor, card_last4="2222"), installment_program)
    say(debtor, capability=True)
    _overdue(debtor, first, 1)
    _overdue(debtor, second, 2)
    assert Notification.objects.filter(channel="email").count() == 1


def test_decisions_are_not_held_back_by_the_spacing(account, installment_program, specialist):
    say(account.debtor, resilience=True)
    _overdue(account.debtor, make_request(account, installment_program), 1)
    approve_request(
        make_request(make_account(account.debtor, card_last4="3333"), installment_program),
        actor=specialist,
        today=TODAY,
    )
    assert Notification.objects.filter(channel="email", template="request.approved").exists()


def test_a_counter_offer_to_a_supported_debtor_is_open_28_days(
    account, installment_program, specialist, settings
):
    assert (settings.COUNTER_OFFER_DAYS, settings.SUPPORT_DEADLINE_FACTOR) == (14, 2)
    say(account.debtor, life_event=True)
    request = counter_offer(
        make_request(account, installment_program),
        specialist,
        expires_on=TODAY + dt.timedelta(days=14),
    )
    offer = Offer.objects.get(request=request, kind="counter")
    assert timezone.localdate(offer.expires_at) == TODAY + dt.timedelta(days=28)
    made = AuditEvent.objects.get(action=AuditAction.OFFER_MADE)
    assert made.after["expires_at"].startswith((TODAY + dt.timedelta(days=28)).isoformat())


def test_a_counter_offer_keeps_a_later_date_and_the_others_their_14_days(
    account, other_account, installment_program, specialist
):
    say(account.debtor, life_event=True)
    later = counter_offer(
        make_request(account, installment_program),
        specialist,
        expires_on=TODAY + dt.timedelta(days=40),
    )
    plain = counter_offer(
        make_request(other_account, installment_program),
        specialist,
        expires_on=TODAY + dt.timedelta(days=14),
    )
    expiry = {
        o.request_id: timezone.localdate(o.expires_at) for o in Offer.objects.filter(kind="counter")
    }
    assert expiry == {
        later.pk: TODAY + dt.timedelta(days=40),
        plain.pk: TODAY + dt.timedelta(days=14),
    }


def run(today: dt.date):
    result = follow_plans(today=today)
    assert result is not None
    return result


def test_a_supported_debtor_has_twice_as_long_to_sign(account, installment_program, specialist):
    plan = approve_request(
        make_request(account, installment_program), actor=specialist, today=TODAY
    ).plan
    say(account.debtor, capability=True)
    assert installment_program.signature_days == 14
    last_day = plan.agreed_on + dt.timedelta(days=28)
    assert run(plan.agreed_on + dt.timedelta(days=15)).expired == 0  # 14 days would end it
    assert run(last_day - dt.timedelta(days=3)).reminded == 1
    reminder = Notification.objects.get(template="plan.signature_reminder", channel="portal")
    assert reminder.context["until"] == last_day.isoformat()
    assert run(last_day).expired == 0
    assert run(last_day + dt.timedelta(days=1)).expired == 1
    plan.refresh_from_db()
    assert plan.status == PlanStatus.EXPIRED


def test_without_extra_support_the_program_s_14_days(account, installment_program, specialist):
    plan = approve_request(
        make_request(account, installment_program), actor=specialist, today=TODAY
    ).plan
    assert run(plan.agreed_on + dt.timedelta(days=15)).expired == 1
