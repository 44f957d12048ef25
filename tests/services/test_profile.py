"""The debtor's profile: a new phone number or email confirmed by a code sent to the new one
(wrong code, expired code, a code for another value, success), the password asked first, the
old one told; the preferences saved and audited; the outbox keeping to the debtor's window
and channel. The pages: tests/web/test_profile.py."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from negotiation.exceptions import (
    CodeNoLongerValid,
    ContactUnchanged,
    PasswordTriesPaused,
    WrongCode,
    WrongPassword,
)
from negotiation.models import (
    AuditAction,
    AuditEvent,
    Debtor,
    Notification,
    NotificationChannel,
    NotificationEvent,
    OneTimeCode,
)
from negotiation.services.notifications import (
    deliver_notification,
    in_contact_hours,
    notify_debtor,
)
from negotiation.services.profile import (
    Preferences,
    change_preferences,
    confirm_contact_change,
    start_contact_change,
)
from tests.factories import PASSWORD, make_debtor

pytestmark = pytest.mark.django_db

CODE = re.compile(r"(?<![0-9])[0-9]{6}(?![0-9])")
OLD_PHONE = "13800138000"
NEW_PHONE = "13911112222"


def code_in(text: str) -> str:
    match = CODE.search(text)
    assert match, text
    return match.group(0)


@pytest.fixture
def holder() -> Debtor:
    return make_debtor(phone=OLD_PHONE, email="old@example.com")


def start_phone(debtor: Debtor, now: dt.datetime, value: str = NEW_PHONE) -> OneTimeCode:
    assert debtor.user is not None
    return start_contact_change(
        debtor, user=debtor.user, password=PASSWORD, field="phone", value=value, ip=None, now=now
    )


def confirm(debtor: Debtor, code: OneTimeCode, entered: str, now: dt.datetime, **kw) -> Debtor:
    assert debtor.user is not None
    kw.setdefault("field", "phone")
    kw.setdefault("value", NEW_PHONE)
    return confirm_contact_change(
        debtor, user=debtor.user, code_id=code.pk, entered=entered, ip=None, now=now, **kw
    )


def test_a_wrong_password_changes_nothing_and_sends_no_code(holder, sms_outbox):
    assert holder.user is not None
    with pytest.raises(WrongPassword):
        start_contact_change(
            holder,
            user=holder.user,
            password="not-the-password",
            field="phone",
            value=NEW_PHONE,
            ip=None,
            now=timezone.now(),
        )
    assert sms_outbox == []
    assert not OneTimeCode.objects.exists()
    assert not AuditEvent.objects.filter(object_reference=holder.reference).exists()


def try_password(debtor: Debtor, password: str, now: dt.datetime, ip: str = "198.51.100.7"):
    assert debtor.user is not None
    return start_contact_change(
        debtor, user=debtor.user, password=password, field="phone", value=NEW_PHONE, ip=ip, now=now
    )


def test_wrong_passwords_pause_the_changes_and_the_pause_ends(holder, sms_outbox, settings):
    """Like the identity check: after IDENTITY_CHECK_MAX_FAILURES passwords that do not match
    nothing is tried, not even the right password, until the pause ends. Audited once."""
    now = timezone.now()
    for _try in range(settings.IDENTITY_CHECK_MAX_FAILURES - 1):
        with pytest.raises(WrongPassword):
            try_password(holder, "not-the-password", now)
    with pytest.raises(PasswordTriesPaused, match="try again in 30 minutes") as paused:
        try_password(holder, "not-the-password", now)
    assert paused.value.until == now + dt.timedelta(minutes=settings.IDENTITY_CHECK_LOCK_MINUTES)
    with pytest.raises(PasswordTriesPaused, match="in 20 minutes"):
        try_password(holder, PASSWORD, now + dt.timedelta(minutes=10))
    assert sms_outbox == []
    locked = AuditEvent.objects.get(action=AuditAction.IDENTITY_CHECK_LOCKED)
    assert locked.after["purpose"] == "contact_change"
    assert locked.after["failures"] == settings.IDENTITY_CHECK_MAX_FAILURES
    assert try_password(holder, PASSWORD, paused.value.until + dt.timedelta(seconds=1))
    assert len(sms_outbox) == 1


def test_wrong_passwords_on_other_debtors_count_against_the_address(holder, settings):
    settings.IDENTITY_CHECK_MAX_FAILURES_PER_IP = 2
    other = make_debtor(phone="13700137000")
    now = timezone.now()
    with pytest.raises(WrongPassword):
        try_password(other, "not-the-password", now)
    with pytest.raises(PasswordTriesPaused):
        try_password(holder, "not-the-password", now)
    with pytest.raises(WrongPassword):  # from another address the debtor is not paused
        try_password(holder, "not-the-password", now, ip="203.0.113.9")


def test_the_number_on_file_already_is_refused(holder):
    with pytest.raises(ContactUnchanged):
        start_phone(holder, timezone.now(), value=OLD_PHONE)


def test_the_code_goes_to_the_new_number_and_a_wrong_one_changes_nothing(holder, sms_outbox):
    now = timezone.now()
    code = start_phone(holder, now)
    (sms,) = sms_outbox
    assert sms.to == NEW_PHONE
    right = code_in(sms.body)
    wrong = "000000" if right != "000000" else "111111"
    with pytest.raises(WrongCode):
        confirm(holder, code, wrong, now)
    holder.refresh_from_db()
    assert holder.phone == OLD_PHONE
    sent = AuditEvent.objects.get(action=AuditAction.DEBTOR_CONTACT_CODE_SENT)
    assert sent.after == {"field": "phone", "channel": "sms"}
    assert right not in str(sent.after) + str(sent.before)


def test_an_expired_code_changes_nothing(holder, sms_outbox):
    now = timezone.now()
    code = start_phone(holder, now)
    with pytest.raises(CodeNoLongerValid):
        confirm(holder, code, code_in(sms_outbox[0].body), now + dt.timedelta(minutes=6))
    holder.refresh_from_db()
    assert holder.phone == OLD_PHONE


def test_a_code_confirms_only_the_number_it_was_sent_to(holder, sms_outbox):
    now = timezone.now()
    code = start_phone(holder, now)
    with pytest.raises(WrongCode):
        confirm(holder, code, code_in(sms_outbox[0].body), now, value="13933334444")
    holder.refresh_from_db()
    assert holder.phone == OLD_PHONE


def test_the_right_code_replaces_the_number_and_the_old_one_is_told(holder, sms_outbox):
    now = timezone.now()
    code = start_phone(holder, now)
    entered = code_in(sms_outbox[0].body)
    changed = confirm(holder, code, entered, now)
    assert changed.phone == NEW_PHONE
    holder.refresh_from_db()
    assert holder.phone == NEW_PHONE
    told = Notification.objects.filter(template=NotificationEvent.CONTACT_CHANGED)
    assert {n.channel for n in told} == {"portal", "sms"}
    sms_row = told.get(channel="sms")
    assert sms_row.address == OLD_PHONE
    assert sms_row.context == {"changed_on": timezone.localdate(now).isoformat(), "field": "phone"}
    deliver_notification(sms_row.pk)  # at once, whatever the hour
    warning = sms_outbox[-1]
    assert warning.to == OLD_PHONE
    assert "changed" in warning.body
    audit = AuditEvent.objects.get(action=AuditAction.DEBTOR_CONTACT_CHANGED)
    assert audit.before == {"phone": OLD_PHONE}
    assert audit.after == {"phone": NEW_PHONE, "notified": ["portal", "sms"]}
    assert audit.actor == holder.user
    assert entered not in str(audit.after)
    # The code is used up.
    with pytest.raises(CodeNoLongerValid):
        confirm(holder, code, entered, now)


def test_a_new_email_is_confirmed_by_email_and_becomes_the_sign_in_email(holder):
    now = timezone.now()
    assert holder.user is not None
    code = start_contact_change(
        holder,
        user=holder.user,
        password=PASSWORD,
        field="email",
        value="new@example.com",
        ip=None,
        now=now,
    )
    (message,) = mail.outbox
    assert message.to == ["new@example.com"]
    confirm(holder, code, code_in(str(message.body)), now, field="email", value="new@example.com")
    holder.refresh_from_db()
    holder.user.refresh_from_db()
    assert holder.email == "new@example.com"
    assert holder.user.email == "new@example.com"
    email_row = Notification.objects.get(
        template=NotificationEvent.CONTACT_CHANGED, channel=NotificationChannel.EMAIL
    )
    deliver_notification(email_row.pk)
    assert mail.outbox[-1].to == ["old@example.com"]
    assert "email address" in mail.outbox[-1].subject
    audit = AuditEvent.objects.get(action=AuditAction.DEBTOR_CONTACT_CHANGED)
    assert audit.before == {"email": "old@example.com"}
    assert audit.after["user_email"] == "new@example.com"


def test_preferences_are_saved_and_audited_and_the_same_again_writes_nothing(holder):
    assert holder.user is not None
    chosen = Preferences(
        preferred_language="zh-hans",
        preferred_channel="sms",
        contact_from_hour=9,
        contact_until_hour=18,
    )
    changed = change_preferences(holder, user=holder.user, preferences=chosen, ip="10.0.0.1")
    assert set(changed) == set(vars(chosen))
    holder.refresh_from_db()
    assert (holder.preferred_language, holder.preferred_channel) == ("zh-hans", "sms")
    assert holder.contact_hours == (9, 18)
    audit = AuditEvent.objects.get(action=AuditAction.DEBTOR_PREFERENCES_CHANGED)
    assert audit.before == {
        "preferred_language": "en",
        "preferred_channel": "",
        "contact_from_hour": None,
        "contact_until_hour": None,
    }
    assert audit.after == vars(chosen)
    assert audit.ip == "10.0.0.1"
    assert change_preferences(holder, user=holder.user, preferences=chosen, ip=None) == []
    assert AuditEvent.objects.filter(action=AuditAction.DEBTOR_PREFERENCES_CHANGED).count() == 1


def test_the_database_refuses_a_window_outside_the_allowed_hours(holder):
    for start, end in ((7, 12), (9, 22), (12, 12), (None, 12)):
        with pytest.raises(IntegrityError), transaction.atomic():
            Debtor.objects.filter(pk=holder.pk).update(
                contact_from_hour=start, contact_until_hour=end
            )


def test_the_outbox_keeps_to_the_debtor_s_window(holder):
    holder.timezone = "Asia/Shanghai"
    holder.contact_from_hour, holder.contact_until_hour = 18, 20
    tz = ZoneInfo("Asia/Shanghai")
    morning = dt.datetime(2027, 3, 1, 9, 30, tzinfo=tz)
    assert in_contact_hours(holder, morning) == dt.datetime(2027, 3, 1, 18, tzinfo=tz)
    evening = dt.datetime(2027, 3, 1, 20, 30, tzinfo=tz)
    assert in_contact_hours(holder, evening) == dt.datetime(2027, 3, 2, 18, tzinfo=tz)
    inside = dt.datetime(2027, 3, 1, 19, tzinfo=tz)
    assert in_contact_hours(holder, inside) == inside


def test_the_preferred_channel_alone_is_used_except_about_the_sign_in(holder):
    Debtor.objects.filter(pk=holder.pk).update(preferred_channel="email")
    holder.refresh_from_db()
    news = notify_debtor(
        holder, NotificationEvent.REQUEST_APPROVED, key="x", context={"reference": "RQ-X"}
    )
    assert {n.channel for n in news} == {"portal", "email"}
    access = notify_debtor(
        holder,
        NotificationEvent.PASSWORD_CHANGED,
        key="y",
        context={"changed_on": "2027-03-01"},
    )
    assert {n.channel for n in access} == {"portal", "email", "sms"}
