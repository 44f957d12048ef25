"""Automatic repayment (自动还款): the consent recorded with its text, time, version, address
and browser; one active mandate per plan; the account in the debtor's own name; the password
asked again; the first debit far enough ahead; cancelled at any time, a cancellation within
MANDATE_NOTICE_BUSINESS_DAYS business days of the next debit letting that one go ahead (the
weekend, public holidays and make-up working days on both sides of the line); a plan that
ends ends its mandate; every change audited without the account's number; the debtor told;
the reminder before each debit says where the money is taken from."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from negotiation import policy
from negotiation.exceptions import ActionNotPermitted, MandatePaused, WrongPassword
from negotiation.models import (
    AuditAction,
    AuditEvent,
    DirectDebitMandate,
    Installment,
    MandateStatus,
    Notification,
    NotificationChannel,
    NotificationEvent,
    PlanStatus,
    RepaymentPlan,
)
from negotiation.notification_texts import notification_text
from negotiation.selectors.mandates import last_day_to_stop
from negotiation.services import following
from negotiation.services.following import follow_plans
from negotiation.services.mandates import (
    MANDATE_CONSENT_VERSION,
    REMINDER_DAYS,
    MandateRefused,
    NothingToDebit,
    cancel_mandate,
    consent_text,
    debit_from,
    forget_account_numbers,
    set_up_mandate,
)
from negotiation.services.plans import transition_plan
from tests.factories import PASSWORD, at_noon, pay

pytestmark = pytest.mark.django_db
NUMBER = "6222020200112233445"
D = dt.date


def due_on(plan: RepaymentPlan, first: dt.date) -> list[dt.date]:
    """The plan's installments moved to ``first`` and a month apart after it."""
    days = []
    for n, installment in enumerate(plan.installments.order_by("number")):
        day = first + dt.timedelta(days=31 * n)
        Installment.objects.filter(pk=installment.pk).update(due_date=day)
        days.append(day)
    return days


def set_up(plan: RepaymentPlan, *, now: dt.datetime, **overrides) -> DirectDebitMandate:
    debtor = plan.account.debtor
    arguments = {
        "actor": debtor.user,
        "bank_name": "ICBC Shanghai",
        "account_number": NUMBER,
        "holder_name": debtor.full_name,
        "agreed_text": consent_text(plan, language="en", today=timezone.localdate(now)),
        "language": "en",
        "password": PASSWORD,
        "ip": "203.0.113.5",
        "user_agent": "Browser/1.0",
        "now": now,
    }
    return set_up_mandate(plan, **{**arguments, **overrides})


def cancel(mandate: DirectDebitMandate, *, on: dt.date) -> DirectDebitMandate:
    debtor = mandate.plan.account.debtor.user
    assert debtor is not None
    return cancel_mandate(mandate, actor=debtor, reason="", ip=None, now=at_noon(on))


# The consent ---------------------------------------------------------------------------


def test_the_consent_is_recorded_with_its_text_time_version_address_and_browser(active_plan):
    first, _, _ = due_on(active_plan, D(2026, 3, 5))
    now = at_noon(D(2026, 2, 20))
    text = consent_text(active_plan, language="en", today=now.date())
    mandate = set_up(active_plan, now=now)
    assert mandate.status == MandateStatus.ACTIVE
    assert mandate.consent_text == text
    assert "I, Alice Debtor, ask the bank to take each payment of my repayment plan" in text
    assert "The first one taken is the payment due on 5 March 2026 (¥3,732.67)" in text
    assert "at least 3 working days before a due date" in text
    assert mandate.consent_version == MANDATE_CONSENT_VERSION
    assert f"(version {MANDATE_CONSENT_VERSION})" in text
    assert mandate.consented_at == now
    assert (mandate.consent_ip, mandate.consent_user_agent) == ("203.0.113.5", "Browser/1.0")
    assert mandate.consent_language == "en"
    assert mandate.first_debit_on == first


def test_the_consent_reads_in_the_debtors_language(active_plan):
    due_on(active_plan, D(2026, 3, 5))
    text = consent_text(active_plan, language="zh-hans", today=D(2026, 2, 20))
    with translation.override("zh-hans"):
        assert "2026年3月5日" in text


# The words of the consent and their version travel together: a new wording without a new
# version fails here. Change both, and add the new pair.
CONSENT_TEXT_VERSIONS = {
    "2026-1": "7b74ee3cf69fa2868fbd8a3d1cb6b2c5e937394bea24c4c5d32f90faef647d47",
    "2026-2": "84eec0f31cdede81a123bff4005e6098eb4ff03fb907863d38b75448b651e902",
}


def test_a_new_wording_of_the_consent_is_a_new_version():
    template = Path(__file__).resolve().parents[2] / "templates/negotiation/mandate_consent.txt"
    digest = hashlib.sha256(template.read_bytes()).hexdigest()
    assert CONSENT_TEXT_VERSIONS.get(MANDATE_CONSENT_VERSION) == digest, digest


def test_the_account_number_is_kept_whole_and_shown_by_its_last_four(active_plan):
    due_on(active_plan, D(2026, 3, 5))
    mandate = set_up(active_plan, now=at_noon(D(2026, 2, 20)))
    assert (mandate.account_number, mandate.account_last4) == (NUMBER, "3445")
    assert str(mandate) == "ICBC Shanghai ···· 3445"
    assert debit_from(mandate) == "ICBC Shanghai ···· 3445"


def test_one_active_mandate_per_plan(active_plan):
    due_on(active_plan, D(2026, 3, 5))
    first = set_up(active_plan, now=at_noon(D(2026, 2, 20)))
    with pytest.raises(MandateRefused, match="already set up"):
        set_up(active_plan, now=at_noon(D(2026, 2, 21)))
    # The database refuses a second one too, whatever the code above it does.
    with pytest.raises(IntegrityError), transaction.atomic():
        DirectDebitMandate.objects.create(
            **{
                field.name: getattr(first, field.name)
                for field in DirectDebitMandate._meta.concrete_fields
                if field.name != "id"
            }
        )
    # After a cancellation, a new one may be set up.
    cancel(first, on=D(2026, 2, 21))
    again = set_up(active_plan, now=at_noon(D(2026, 2, 22)))
    assert again.status == MandateStatus.ACTIVE


def test_the_account_must_be_in_the_debtors_own_name(active_plan):
    due_on(active_plan, D(2026, 3, 5))
    with pytest.raises(MandateRefused, match="must be in your own name, Alice Debtor"):
        set_up(active_plan, now=at_noon(D(2026, 2, 20)), holder_name="Bob Debtor")
    # Spaces and letter case are not the name.
    assert set_up(active_plan, now=at_noon(D(2026, 2, 20)), holder_name=" alice  DEBTOR ")
    assert DirectDebitMandate.objects.count() == 1


def test_a_number_that_is_not_one_is_refused(active_plan):
    due_on(active_plan, D(2026, 3, 5))
    for number in ("12345", "6222 0202 0011", "62220202001122334455667788990011", "六二二二"):
        with pytest.raises(MandateRefused, match="digits 0-9 only"):
            set_up(active_plan, now=at_noon(D(2026, 2, 20)), account_number=number)
    assert not DirectDebitMandate.objects.exists()


def test_only_the_debtor_and_only_on_an_active_plan(active_plan, account, other_debtor):
    due_on(active_plan, D(2026, 3, 5))
    with pytest.raises(ActionNotPermitted):
        set_up(active_plan, now=at_noon(D(2026, 2, 20)), actor=other_debtor.user)
    transition_plan(active_plan, PlanStatus.BROKEN, actor=None)
    with pytest.raises(MandateRefused, match="once your plan is signed and active"):
        set_up(RepaymentPlan.objects.get(pk=active_plan.pk), now=at_noon(D(2026, 2, 20)))
    assert not DirectDebitMandate.objects.exists()


def test_a_wrong_password_sets_up_nothing_and_too_many_pause_it(active_plan, settings):
    due_on(active_plan, D(2026, 3, 5))
    now = at_noon(D(2026, 2, 20))
    with pytest.raises(WrongPassword):
        set_up(active_plan, now=now, password="not-it")
    for _ in range(settings.IDENTITY_CHECK_MAX_FAILURES - 2):
        with pytest.raises(WrongPassword):
            set_up(active_plan, now=now, password="not-it")
    with pytest.raises(MandatePaused, match="setting up automatic repayment is paused"):
        set_up(active_plan, now=now, password="not-it")
    with pytest.raises(MandatePaused):  # even with the right password, for a while
        set_up(active_plan, now=now)
    assert not DirectDebitMandate.objects.exists()


def test_the_first_debit_is_the_first_installment_far_enough_ahead(active_plan):
    first, second, _ = due_on(active_plan, D(2026, 3, 5))  # a Thursday
    # Monday 2 March is the last day to set up a debit for Thursday 5 March.
    assert set_up(active_plan, now=at_noon(D(2026, 3, 2))).first_debit_on == first
    DirectDebitMandate.objects.all().delete()
    assert set_up(active_plan, now=at_noon(D(2026, 3, 3))).first_debit_on == second


def test_nothing_left_to_debit(active_plan):
    due_on(active_plan, D(2026, 3, 5))
    with pytest.raises(NothingToDebit):
        consent_text(active_plan, language="en", today=D(2026, 6, 1))
    with pytest.raises(NothingToDebit):
        set_up(
            active_plan,
            now=at_noon(D(2026, 6, 1)),
            agreed_text="t",  # the page could not have shown one either
        )


# The cancellation window: business days, both sides of the line -----------------------

WINDOW = [
    # (due date, cancelled on, does that debit still go ahead?)
    (D(2026, 3, 5), D(2026, 3, 2), False),  # Thursday: Monday is the last day
    (D(2026, 3, 5), D(2026, 3, 3), True),
    (D(2026, 3, 9), D(2026, 3, 4), False),  # Monday: the weekend does not count
    (D(2026, 3, 9), D(2026, 3, 5), True),
    (D(2026, 3, 9), D(2026, 3, 7), True),  # a Saturday after the last day
    # After the Spring Festival (15-23 February): Friday 13 February is the last day for
    # Wednesday 25 February, the make-up working Saturday 14 February one of the three.
    (D(2026, 2, 25), D(2026, 2, 13), False),
    (D(2026, 2, 25), D(2026, 2, 14), True),
    (D(2026, 2, 25), D(2026, 2, 18), True),  # during the holiday
    # Tuesday 3 March: Saturday 28 February is a make-up working day, so Friday 27 is the last.
    (D(2026, 3, 3), D(2026, 2, 27), False),
    (D(2026, 3, 3), D(2026, 3, 2), True),
]


@pytest.mark.parametrize(("due", "cancelled_on", "goes_ahead"), WINDOW)
def test_a_cancellation_stops_the_debits_it_has_time_to_stop(
    active_plan, due, cancelled_on, goes_ahead
):
    first, second, _ = due_on(active_plan, due)
    mandate = set_up(active_plan, now=at_noon(due - dt.timedelta(days=30)))
    cancelled = cancel(mandate, on=cancelled_on)
    assert cancelled.status == MandateStatus.CANCELLED
    assert cancelled.last_debit_on == (first if goes_ahead else None)
    assert cancelled.debits_on(first) is goes_ahead
    assert not cancelled.debits_on(second)
    message = Notification.objects.get(
        template=NotificationEvent.MANDATE_CANCELLED, channel=NotificationChannel.PORTAL
    )
    assert message.context["last_debit"] == (first.isoformat() if goes_ahead else "")
    assert message.context["stops_from"] == (second if goes_ahead else first).isoformat()


def test_the_calendar_comes_from_the_settings(settings):
    assert last_day_to_stop(D(2026, 2, 25)) == D(2026, 2, 13)
    settings.BANK_HOLIDAYS = frozenset()
    settings.BANK_MAKEUP_WORKDAYS = frozenset()
    assert last_day_to_stop(D(2026, 2, 25)) == D(2026, 2, 20)
    assert last_day_to_stop(D(2026, 3, 3)) == D(2026, 2, 26)
    settings.MANDATE_NOTICE_BUSINESS_DAYS = 1
    assert last_day_to_stop(D(2026, 3, 3)) == D(2026, 3, 2)


def test_the_bank_calendar_counts_working_days():
    calendar = policy.BankCalendar(
        holidays=frozenset({D(2026, 10, 1), D(2026, 10, 2)}),
        workdays=frozenset({D(2026, 10, 10)}),
    )
    assert calendar.is_business_day(D(2026, 9, 30))
    assert not calendar.is_business_day(D(2026, 10, 1))  # a holiday on a Thursday
    assert not calendar.is_business_day(D(2026, 10, 3))  # a Saturday
    assert calendar.is_business_day(D(2026, 10, 10))  # a make-up Saturday
    assert calendar.business_days_before(D(2026, 10, 5), 1) == D(2026, 9, 30)
    assert calendar.business_days_before(D(2026, 10, 12), 1) == D(2026, 10, 10)
    assert calendar.business_days_before(D(2026, 10, 12), 0) == D(2026, 10, 12)


def test_the_default_calendar_is_the_state_councils_2026_notice(settings):
    holidays = settings.BANK_HOLIDAYS
    assert len([day for day in holidays if day.year == 2026]) == 33
    assert holidays >= {D(2026, 2, 15), D(2026, 2, 23), D(2026, 10, 7), D(2026, 6, 19)}
    assert {
        D(2026, 1, 4),
        D(2026, 2, 14),
        D(2026, 2, 28),
        D(2026, 5, 9),
        D(2026, 9, 20),
        D(2026, 10, 10),
    } == settings.BANK_MAKEUP_WORKDAYS


def test_a_cancelled_mandate_cannot_be_cancelled_again_or_by_another(active_plan, other_debtor):
    due_on(active_plan, D(2026, 3, 5))
    mandate = set_up(active_plan, now=at_noon(D(2026, 2, 20)))
    with pytest.raises(ActionNotPermitted):
        cancel_mandate(
            mandate, actor=other_debtor.user, reason="", ip=None, now=at_noon(D(2026, 2, 21))
        )
    cancel(mandate, on=D(2026, 2, 21))
    with pytest.raises(Exception, match="not possible"):
        cancel(mandate, on=D(2026, 2, 22))
    assert AuditEvent.objects.filter(action=AuditAction.MANDATE_TRANSITION).count() == 1


# The plan's end ------------------------------------------------------------------------


def test_a_broken_plan_ends_its_mandate(active_plan):
    due_on(active_plan, D(2026, 3, 5))
    mandate = set_up(active_plan, now=at_noon(D(2026, 2, 20)))
    transition_plan(active_plan, PlanStatus.BROKEN, actor=None)
    ended = DirectDebitMandate.objects.get(pk=mandate.pk)
    assert ended.status == MandateStatus.ENDED
    assert ended.ended_at is not None
    assert not ended.debits_on(D(2026, 3, 5))
    row = AuditEvent.objects.get(action=AuditAction.MANDATE_TRANSITION)
    assert (row.before, row.after) == (
        {"status": "active"},
        {"status": "ended", "last_debit_on": None},
    )


def test_a_plan_paid_in_full_ends_its_mandate(active_plan):
    mandate = set_up(active_plan, now=timezone.now())
    pay(active_plan.account, str(active_plan.total_repayable))
    assert RepaymentPlan.objects.get(pk=active_plan.pk).status == PlanStatus.COMPLETED
    assert DirectDebitMandate.objects.get(pk=mandate.pk).status == MandateStatus.ENDED


def test_a_plan_without_a_mandate_ends_as_before(active_plan, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):  # the lock, the row, the audit, save: one more read
        transition_plan(active_plan, PlanStatus.BROKEN, actor=None)
    assert not DirectDebitMandate.objects.exists()


# The trail and the messages ------------------------------------------------------------


def test_set_up_and_cancellation_are_audited_without_the_account_number(active_plan):
    first, _, _ = due_on(active_plan, D(2026, 3, 5))
    mandate = set_up(active_plan, now=at_noon(D(2026, 2, 20)))
    cancel(mandate, on=D(2026, 3, 4))
    set_up_row = AuditEvent.objects.get(action=AuditAction.MANDATE_SET_UP)
    assert set_up_row.after == {
        "plan": active_plan.reference,
        "bank_name": "ICBC Shanghai",
        "account_last4": "3445",
        "first_debit_on": first.isoformat(),
        "version": MANDATE_CONSENT_VERSION,
    }
    assert set_up_row.ip == "203.0.113.5"
    assert set_up_row.actor == active_plan.account.debtor.user
    cancelled_row = AuditEvent.objects.get(action=AuditAction.MANDATE_TRANSITION)
    assert cancelled_row.after == {"status": "cancelled", "last_debit_on": first.isoformat()}
    trail = json.dumps(list(AuditEvent.objects.values("before", "after")))
    assert NUMBER not in trail
    assert NUMBER[:-4] not in trail
    assert "Alice" not in trail  # nor the holder's name


def test_the_debtor_is_told_of_set_up_and_cancellation(active_plan):
    _, second, _ = due_on(active_plan, D(2026, 3, 5))
    mandate = set_up(active_plan, now=at_noon(D(2026, 2, 20)))
    told = Notification.objects.get(
        template=NotificationEvent.MANDATE_SET_UP, channel=NotificationChannel.PORTAL
    )
    text = notification_text(told.template, told.context)
    assert text.subject == f"Automatic repayment is set up for your plan {active_plan.reference}"
    assert "From 5 March 2026, each payment of your plan will be taken from your account " in (
        text.message
    )
    assert "ICBC Shanghai ···· 3445" in text.message
    cancel(mandate, on=D(2026, 3, 3))
    told = Notification.objects.get(
        template=NotificationEvent.MANDATE_CANCELLED, channel=NotificationChannel.PORTAL
    )
    message = notification_text(told.template, told.context).message
    assert "The payment due on 5 March 2026 is still taken from your account" in message
    assert f"From the payment due on {second.day} April 2026, nothing more is taken" in message
    assert NUMBER not in json.dumps(list(Notification.objects.values("context")))


# The reminder before each debit --------------------------------------------------------


def test_the_reminder_before_a_debit_says_where_the_money_is_taken_from(active_plan):
    first, _, _ = due_on(active_plan, D(2026, 3, 12))
    set_up(active_plan, now=at_noon(D(2026, 3, 2)))
    follow_plans(today=first - dt.timedelta(days=REMINDER_DAYS))
    reminder = Notification.objects.get(
        template=NotificationEvent.INSTALLMENT_DUE_SOON, channel=NotificationChannel.PORTAL
    )
    assert reminder.context["debit_from"] == "ICBC Shanghai ···· 3445"
    message = notification_text(reminder.template, reminder.context).message
    assert (
        f"the next payment of your plan {active_plan.reference}, ¥3,732.67, will be taken from "
        "your account ICBC Shanghai ···· 3445 on 12 March 2026." in message
    )
    assert "Please make sure the money is in that account by then." in message


def test_without_a_mandate_the_reminder_asks_the_debtor_to_pay(active_plan, account):
    first, _, _ = due_on(active_plan, D(2026, 3, 12))
    follow_plans(today=first - dt.timedelta(days=REMINDER_DAYS))
    reminder = Notification.objects.get(
        template=NotificationEvent.INSTALLMENT_DUE_SOON, channel=NotificationChannel.PORTAL
    )
    assert reminder.context["debit_from"] == ""
    message = notification_text(reminder.template, reminder.context).message
    assert "is due on 12 March 2026" in message
    assert "taken from" not in message


def test_after_a_cancellation_in_time_the_reminder_asks_the_debtor_to_pay(active_plan):
    first, _, _ = due_on(active_plan, D(2026, 3, 12))
    cancel(set_up(active_plan, now=at_noon(D(2026, 3, 2))), on=D(2026, 3, 9))
    follow_plans(today=first - dt.timedelta(days=REMINDER_DAYS))
    reminder = Notification.objects.get(
        template=NotificationEvent.INSTALLMENT_DUE_SOON, channel=NotificationChannel.PORTAL
    )
    assert reminder.context["debit_from"] == ""


def test_the_consent_names_the_reminder_the_follow_up_sends():
    assert REMINDER_DAYS == following.PAYMENT_REMINDER_DAYS


# The account number is kept no longer than needed --------------------------------------


def test_the_account_number_is_forgotten_once_no_debit_can_need_it(active_plan, settings):
    settings.MANDATE_ACCOUNT_NUMBER_KEEP_DAYS = 7
    first, _, _ = due_on(active_plan, D(2026, 3, 5))
    mandate = set_up(active_plan, now=at_noon(D(2026, 2, 20)))
    assert forget_account_numbers(today=D(2026, 3, 20)) == 0  # active: still needed
    cancel(mandate, on=D(2026, 3, 4))  # too late for 5 March
    assert forget_account_numbers(today=first + dt.timedelta(days=7)) == 0
    assert forget_account_numbers(today=first + dt.timedelta(days=8)) == 1
    forgotten = DirectDebitMandate.objects.get(pk=mandate.pk)
    assert (forgotten.account_number, forgotten.account_last4) == ("", "3445")
    assert forgotten.account_number_removed_on == first + dt.timedelta(days=8)
    row = AuditEvent.objects.get(action=AuditAction.RETENTION_PURGED)
    assert row.after["removed"] == ["account_number"]
    assert forget_account_numbers(today=first + dt.timedelta(days=9)) == 0


def test_an_ended_mandates_number_goes_after_the_days_kept(active_plan, settings):
    settings.MANDATE_ACCOUNT_NUMBER_KEEP_DAYS = 7
    mandate = set_up(active_plan, now=timezone.now())
    transition_plan(active_plan, PlanStatus.BROKEN, actor=None)
    today = timezone.localdate()
    assert forget_account_numbers(today=today + dt.timedelta(days=7)) == 0
    assert forget_account_numbers(today=today + dt.timedelta(days=8)) == 1
    assert DirectDebitMandate.objects.get(pk=mandate.pk).account_number == ""
