"""Bank staff's account actions (services.accounts, services.notices): each checks the right,
needs a reason, moves only from where it may, writes its audit row and tells the debtor, who
reads the change and its reason on the account page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.db.models import BaseConstraint, CheckConstraint, UniqueConstraint
from django.utils import timezone

from negotiation.exceptions import ActionNotPermitted
from negotiation.models import (
    AccountStatus,
    AuditAction,
    AuditEvent,
    CollectionNotice,
    Notification,
    NotificationEvent,
)
from negotiation.models.accounts import ACCOUNT_TRANSITIONS
from negotiation.roles import SPECIALISTS
from negotiation.selectors.accounts import (
    STATUS_ACTIONS,
    account_changes,
    status_action_problems,
)
from negotiation.services.accounts import (
    AccountActionRefused,
    charge_off_account,
    close_account,
    correct_balance,
    freeze_account,
    unfreeze_account,
)
from negotiation.services.disputes import open_dispute, reject_dispute
from negotiation.services.notices import NoticeRefused, record_collection_notice
from tests.factories import make_request, make_staff

pytestmark = pytest.mark.django_db


def _zero(account):
    for part in ("principal", "interest", "fees", "penalty"):
        setattr(account, part, Decimal("0.00"))
    account.save()


def test_freeze_and_unfreeze_are_audited_with_the_reason_and_told(account, bankstaff):
    now = timezone.now()
    freeze_account(account, actor=bankstaff, reason="  Card reported lost.  ", now=now)
    account.refresh_from_db()
    assert account.status == AccountStatus.FROZEN
    row = AuditEvent.objects.get(action=AuditAction.ACCOUNT_TRANSITION)
    assert row.actor == bankstaff
    assert row.before == {"status": "in_arrears"}
    assert row.after == {"status": "frozen", "reason": "Card reported lost.", "action": "freeze"}
    told = Notification.objects.filter(template=NotificationEvent.ACCOUNT_CHANGED)
    assert told.filter(channel="portal").get().context == {
        "reference": account.reference,
        "page": "account",
    }
    unfreeze_account(account, actor=bankstaff, reason="Card found.", now=timezone.now())
    account.refresh_from_db()
    assert account.status == AccountStatus.IN_ARREARS
    changes = account_changes(account)
    assert [c.reason for c in changes] == ["Card found.", "Card reported lost."]
    assert changes[0].what == "Card unfrozen."
    assert told.filter(channel="portal").count() == 2


def test_each_action_needs_its_right(account, specialist):
    now = timezone.now()
    for service in (freeze_account, unfreeze_account, close_account, charge_off_account):
        with pytest.raises(ActionNotPermitted):
            service(account, actor=specialist, reason="x", now=now)
    with pytest.raises(ActionNotPermitted):
        correct_balance(
            account, actor=specialist, part="fees", change=Decimal("-1"), reason="x", now=now
        )
    with pytest.raises(ActionNotPermitted):
        record_collection_notice(
            account,
            actor=make_staff(SPECIALISTS),
            channel="letter",
            sent_at=now,
            text="t",
            reason="r",
            now=now,
        )
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(account, bankstaff, reason):
    with pytest.raises(AccountActionRefused, match="reason"):
        freeze_account(account, actor=bankstaff, reason=reason, now=timezone.now())
    with pytest.raises(AccountActionRefused, match="reason"):
        correct_balance(
            account,
            actor=bankstaff,
            part="fees",
            change=Decimal("-10"),
            reason=reason,
            now=timezone.now(),
        )
    account.refresh_from_db()
    assert account.status == AccountStatus.IN_ARREARS
    assert account.fees == Decimal("100.00")
    assert not AuditEvent.objects.exists()


def test_the_staff_moves_are_in_the_transition_table():
    for action in STATUS_ACTIONS.values():
        for start in action.starts_from:
            assert action.to in ACCOUNT_TRANSITIONS[start]
    assert ACCOUNT_TRANSITIONS[AccountStatus.CLOSED] == frozenset()


def test_only_a_frozen_card_is_unfrozen_and_only_arrears_are_frozen(account, bankstaff):
    with pytest.raises(AccountActionRefused, match="Only a frozen card"):
        unfreeze_account(account, actor=bankstaff, reason="r", now=timezone.now())
    freeze_account(account, actor=bankstaff, reason="r", now=timezone.now())
    with pytest.raises(AccountActionRefused, match="Only an account in arrears"):
        freeze_account(account, actor=bankstaff, reason="r", now=timezone.now())


def test_an_account_is_closed_only_when_nothing_is_owed(account, bankstaff):
    with pytest.raises(AccountActionRefused, match=r"¥11,000\.00 is still owed"):
        close_account(account, actor=bankstaff, reason="Done.", now=timezone.now())
    _zero(account)
    close_account(account, actor=bankstaff, reason="Done.", now=timezone.now())
    account.refresh_from_db()
    assert account.status == AccountStatus.CLOSED
    assert status_action_problems(account, "freeze")  # the end: nothing moves it


def test_charge_off_waits_for_an_open_request(account, bankstaff, installment_program):
    make_request(account, installment_program)
    with pytest.raises(AccountActionRefused, match="request for relief"):
        charge_off_account(account, actor=bankstaff, reason="r", now=timezone.now())


def test_a_charged_off_account_is_still_owed_and_the_debtor_reads_why(account, bankstaff):
    freeze_account(account, actor=bankstaff, reason="No contact.", now=timezone.now())
    charge_off_account(account, actor=bankstaff, reason="Written off.", now=timezone.now())
    account.refresh_from_db()
    assert account.status == AccountStatus.CHARGED_OFF
    assert account.total_balance == Decimal("11000.00")
    assert account_changes(account)[0].what.startswith("Account charged off")


def test_a_balance_correction_moves_one_part_with_before_and_after(account, bankstaff):
    correct_balance(
        account,
        actor=bankstaff,
        part="penalty",
        change=Decimal("-120.50"),
        reason="Late charge applied twice.",
        now=timezone.now(),
    )
    account.refresh_from_db()
    assert account.penalty == Decimal("179.50")
    row = AuditEvent.objects.get(action=AuditAction.ACCOUNT_LEDGER_CORRECTED)
    assert row.before == {"penalty": "300.00"}
    assert row.after == {
        "penalty": "179.50",
        "reason": "Late charge applied twice.",
        "plan": None,
        "action": "correct_balance",
    }
    (change,) = account_changes(account)
    assert change.what == ("Balance corrected, Late charges: -¥120.50 (from ¥300.00 to ¥179.50).")
    assert change.reason == "Late charge applied twice."
    assert Notification.objects.filter(
        template=NotificationEvent.ACCOUNT_CHANGED, channel="portal"
    ).exists()


@pytest.mark.parametrize(
    ("part", "change", "words"),
    [
        ("fees", Decimal("-100.01"), "Fees is ¥100.00: at most that can be taken off."),
        ("fees", Decimal("0"), "The amount must be more than ¥0.00."),
        ("credit_limit", Decimal("1"), "Please choose which part"),
    ],
)
def test_a_correction_that_cannot_be_is_refused_in_plain_words(
    account, bankstaff, part, change, words
):
    with pytest.raises(AccountActionRefused) as refused:
        correct_balance(
            account, actor=bankstaff, part=part, change=change, reason="r", now=timezone.now()
        )
    assert words in str(refused.value.message)
    assert not AuditEvent.objects.exists()


def test_a_collection_notice_is_recorded_with_its_text_and_listed(account, bankstaff):
    now = timezone.now()
    notice = record_collection_notice(
        account,
        actor=bankstaff,
        channel="registered_letter",
        sent_at=now,
        text="We wrote to remind you of the overdue balance.",
        reason="Second reminder.",
        now=now,
    )
    assert list(account.notices.all()) == [notice]
    assert notice.recorded_by == bankstaff
    row = AuditEvent.objects.get(action=AuditAction.NOTICE_RECORDED)
    assert row.after["reason"] == "Second reminder."
    assert row.after["notice"] == notice.pk


def test_a_notice_in_the_future_or_without_text_is_refused(account, bankstaff):
    now = timezone.now()
    with pytest.raises(NoticeRefused) as refused:
        record_collection_notice(
            account,
            actor=bankstaff,
            channel="letter",
            sent_at=now + dt.timedelta(days=1),
            text=" ",
            reason="",
            now=now,
        )
    words = str(refused.value.message)
    assert "later than today" in words
    assert "what the notice said" in words
    assert "reason" in words
    assert not CollectionNotice.objects.exists()


def test_a_frozen_card_can_still_be_disputed_and_stays_frozen_after_the_answer(account, bankstaff):
    """The dispute's answer puts the account back where it was: frozen."""
    freeze_account(account, actor=bankstaff, reason="r", now=timezone.now())
    dispute = open_dispute(
        account,
        actor=account.debtor.user,
        kind="amount_wrong",
        explanation="The late charge is wrong.",
        now=timezone.now(),
    )
    reject_dispute(
        dispute, actor=make_staff(SPECIALISTS), answer="It is right.", now=timezone.now()
    )
    account.refresh_from_db()
    assert account.status == AccountStatus.FROZEN


def test_every_constraint_says_what_is_wrong_in_the_portals_words():
    """Django 5 checks constraints in every ModelForm and shows ``violation_error_message``:
    never its default, which names the constraint."""
    default = BaseConstraint.default_violation_error_message
    missing = [
        f"{model._meta.label}.{constraint.name}"
        for model in apps.get_app_config("negotiation").get_models()
        for constraint in model._meta.constraints
        if isinstance(constraint, CheckConstraint | UniqueConstraint)
        and str(constraint.violation_error_message) == str(default)
    ]
    assert missing == []
