"""Invitations (sent, resent, revoked, expired, changed, used), the identity check behind a
link (national ID and a card's last four, rests after too many answers that did not match),
one-time codes (hashed, five minutes, five tries, a new one replaces the old), setting up
the sign-in and choosing a new password. The pages: tests/web/test_onboarding.py."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.utils import timezone

from negotiation.exceptions import (
    ActionNotPermitted,
    AlreadyActivated,
    CodeNoLongerValid,
    CodeNotSent,
    CodeNotSentYet,
    IdentityCheckPaused,
    IdentityNotConfirmed,
    LinkNotUsable,
    NoMobileNumber,
    WrongCode,
)
from negotiation.models import (
    AuditAction,
    AuditEvent,
    CodePurpose,
    Invitation,
    Notification,
    NotificationEvent,
    NotificationStatus,
    OneTimeCode,
    User,
)
from negotiation.selectors.onboarding import AccessLink, invitation_link, reset_link
from negotiation.services.codes import check_code, send_code
from negotiation.services.notifications import deliver_notification
from negotiation.services.onboarding import (
    activate_debtor,
    confirm_identity,
    invite_debtors,
    resend_invitation,
    reset_password,
    revoke_invitation,
    send_password_reset,
)
from negotiation.sms import BaseSmsBackend
from tests.factories import (
    NATIONAL_ID,
    PASSWORD,
    invite,
    make_debtor,
    make_imported_debtor,
)

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://\S+")
CODE = re.compile(r"(?<![0-9])[0-9]{6}(?![0-9])")
NEW_PASSWORD = "a calm new password 2027"


def found(pattern: re.Pattern[str], text: object) -> str:
    match = pattern.search(str(text))
    assert match is not None, text
    return match.group()


def deliver_pending() -> None:
    for pk in Notification.objects.filter(status="pending").values_list("pk", flat=True):
        deliver_notification(pk)


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


@pytest.fixture
def imported(db):
    return make_imported_debtor(national_id=NATIONAL_ID, email="lina@example.com")


# Invitations ---------------------------------------------------------------------------------


def test_an_invitation_sends_a_link_that_names_nobody_and_stores_only_its_hash(
    imported, bankstaff, sms_outbox
):
    issued = invite(imported, bankstaff)
    token = token_of(issued.link)
    assert len(token) >= 40
    invitation = Invitation.objects.get()
    assert invitation.token_hash != token
    assert token not in str(list(Invitation.objects.values()))
    assert imported.reference not in issued.link
    assert NATIONAL_ID not in issued.link
    # By email and SMS, never to an inbox the debtor cannot open yet.
    assert sorted(Notification.objects.values_list("channel", flat=True)) == ["email", "sms"]
    deliver_pending()
    (sms,) = sms_outbox
    assert sms.to == "+86 139 1234 5678"
    assert found(LINK, sms.body) == issued.link
    (email,) = mail.outbox
    assert issued.link in email.body
    assert "sign in to the portal to read" not in email.body
    # Delivered: the outbox keeps no usable link.
    assert {n.context["link"] for n in Notification.objects.all()} == {""}
    sent = AuditEvent.objects.get(action=AuditAction.INVITATION_SENT)
    assert sent.object_reference == imported.reference
    assert sent.actor == bankstaff
    assert sent.after["channels"] == ["email", "sms"]
    assert invitation.expires_at - invitation.created_at == dt.timedelta(hours=72)


def test_the_link_is_valid_until_it_expires(imported, bankstaff, settings):
    settings.INVITATION_VALID_HOURS = 72
    now = timezone.now()
    token = token_of(invite(imported, bankstaff, now=now).link)
    assert invitation_link(token, now=now + dt.timedelta(hours=71)).debtor == imported
    with pytest.raises(LinkNotUsable):
        invitation_link(token, now=now + dt.timedelta(hours=72))


def test_a_changed_link_is_refused(imported, bankstaff):
    token = token_of(invite(imported, bankstaff).link)
    changed = token[:-1] + ("A" if token[-1] != "A" else "B")
    with pytest.raises(LinkNotUsable):
        invitation_link(changed, now=timezone.now())
    with pytest.raises(LinkNotUsable):
        invitation_link("", now=timezone.now())


def test_a_used_link_is_refused(imported, bankstaff):
    issued = invite(imported, bankstaff)
    now = timezone.now()
    activate_debtor(issued.invitation, password=NEW_PASSWORD, ip=None, now=now)
    with pytest.raises(LinkNotUsable):
        invitation_link(token_of(issued.link), now=now)
    with pytest.raises(LinkNotUsable):
        activate_debtor(issued.invitation, password=NEW_PASSWORD, ip=None, now=now)


def test_a_revoked_link_is_refused(imported, bankstaff):
    issued = invite(imported, bankstaff)
    assert revoke_invitation(imported, actor=bankstaff, now=timezone.now()) == 1
    with pytest.raises(LinkNotUsable):
        invitation_link(token_of(issued.link), now=timezone.now())
    revoked = AuditEvent.objects.get(action=AuditAction.INVITATION_REVOKED)
    assert revoked.after == {"invitation": issued.invitation.reference, "reason": "revoked"}
    assert revoked.before == {"state": "open"}
    assert revoke_invitation(imported, actor=bankstaff, now=timezone.now()) == 0


def test_a_new_link_revokes_the_old_one(imported, bankstaff):
    first = invite(imported, bankstaff)
    second = resend_invitation(imported, actor=bankstaff, now=timezone.now())
    with pytest.raises(LinkNotUsable):
        invitation_link(token_of(first.link), now=timezone.now())
    assert invitation_link(token_of(second.link), now=timezone.now()).invitation == (
        second.invitation
    )
    assert actions() == ["invitation.sent", "invitation.revoked", "invitation.sent"]
    replaced = AuditEvent.objects.get(action=AuditAction.INVITATION_REVOKED)
    assert replaced.after["reason"] == "replaced"
    latest = AuditEvent.objects.filter(action="invitation.sent").first()
    assert latest is not None
    assert latest.after["replaces"] == first.invitation.reference


def test_inviting_many_skips_who_needs_no_invitation(bankstaff):
    fresh = make_imported_debtor()
    invited = make_imported_debtor()
    invite(invited, bankstaff)
    without_mobile = make_imported_debtor(phone="", email="x@example.com")
    signed_up = make_debtor()
    expired = make_imported_debtor()
    invite(expired, bankstaff, now=timezone.now() - dt.timedelta(days=4))
    ids = [d.pk for d in (fresh, invited, without_mobile, signed_up, expired)]
    outcome = invite_debtors(ids, actor=bankstaff, now=timezone.now())
    assert sorted(i.invitation.debtor_id for i in outcome.issued) == [fresh.pk, expired.pk]
    assert (outcome.already_invited, outcome.already_active, outcome.without_mobile) == (1, 1, 1)
    # Again: nobody is invited twice.
    again = invite_debtors(
        type(fresh).objects.filter(pk__in=ids), actor=bankstaff, now=timezone.now()
    )
    assert again.issued == []
    assert again.already_invited == 3


def test_only_who_holds_the_right_invites(imported, specialist, supervisor):
    for actor in (specialist, supervisor):
        with pytest.raises(ActionNotPermitted):
            invite_debtors([imported.pk], actor=actor, now=timezone.now())
        with pytest.raises(ActionNotPermitted):
            resend_invitation(imported, actor=actor, now=timezone.now())
        with pytest.raises(ActionNotPermitted):
            revoke_invitation(imported, actor=actor, now=timezone.now())
    assert not Invitation.objects.exists()


def test_a_debtor_who_signed_up_or_has_no_mobile_is_not_sent_a_link(debtor, bankstaff):
    with pytest.raises(AlreadyActivated):
        resend_invitation(debtor, actor=bankstaff, now=timezone.now())
    with pytest.raises(NoMobileNumber):
        resend_invitation(make_imported_debtor(phone=""), actor=bankstaff, now=timezone.now())


def test_an_invitation_waits_for_contact_hours(bankstaff, sms_outbox):
    utc_hour = dt.datetime.now(dt.UTC).hour
    offset = (2 - utc_hour + 12) % 24 - 12  # where it is about 02:00 now
    night = make_imported_debtor(timezone="Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}")
    invite(night, bankstaff)
    sms = Notification.objects.get(channel="sms")
    assert sms.status == NotificationStatus.PENDING
    assert sms.scheduled_for > timezone.now() + dt.timedelta(hours=4)


# The identity check --------------------------------------------------------------------------


@pytest.fixture
def link(imported, bankstaff) -> AccessLink:
    return invitation_link(token_of(invite(imported, bankstaff).link), now=timezone.now())


def check(link, national_id=NATIONAL_ID, last4="6688", ip="203.0.113.9", now=None):
    confirm_identity(
        link, national_id=national_id, card_last4=last4, ip=ip, now=now or timezone.now()
    )


def test_the_right_answers_pass_with_either_case_of_x(link):
    check(link)
    check(link, national_id=NATIONAL_ID.lower())


@pytest.mark.parametrize(
    ("national_id", "last4"),
    [("110105199003071520", "6688"), (NATIONAL_ID, "6689"), ("110105199003071520", "1234")],
    ids=["wrong id", "wrong last 4", "both wrong"],
)
def test_wrong_answers_get_one_message_that_does_not_say_which(link, national_id, last4):
    with pytest.raises(IdentityNotConfirmed) as refused:
        check(link, national_id=national_id, last4=last4)
    assert str(refused.value.message) == str(IdentityNotConfirmed.default_message)


def test_five_wrong_answers_rest_the_link_then_it_opens_again(link, settings):
    settings.IDENTITY_CHECK_MAX_FAILURES = 5
    settings.IDENTITY_CHECK_LOCK_MINUTES = 30
    now = timezone.now()
    for _ in range(4):
        with pytest.raises(IdentityNotConfirmed):
            check(link, last4="0000", now=now)
    with pytest.raises(IdentityCheckPaused) as paused:
        check(link, last4="0000", now=now)
    assert paused.value.until == now + dt.timedelta(minutes=30)
    # Resting: even the right answers wait.
    with pytest.raises(IdentityCheckPaused):
        check(link, now=now + dt.timedelta(minutes=29))
    locked = AuditEvent.objects.get(action=AuditAction.IDENTITY_CHECK_LOCKED)
    assert locked.after["failures"] == 5
    assert locked.after["invitation"] == link.invitation.reference
    check(link, now=now + dt.timedelta(minutes=31))
    # After the rest, one more wrong answer rests it again.
    with pytest.raises(IdentityCheckPaused):
        check(link, last4="0000", now=now + dt.timedelta(minutes=32))
    assert AuditEvent.objects.filter(action=AuditAction.IDENTITY_CHECK_LOCKED).count() == 1


def test_many_wrong_answers_from_one_address_rest_every_link_there(bankstaff, settings):
    settings.IDENTITY_CHECK_MAX_FAILURES_PER_IP = 6
    now = timezone.now()
    links = [
        invitation_link(
            token_of(
                invite(make_imported_debtor(national_id=f"{n}{NATIONAL_ID[1:]}"), bankstaff).link
            ),
            now=now,
        )
        for n in (3, 4, 5)
    ]
    for target in links[:2]:
        for _ in range(3):
            with pytest.raises((IdentityNotConfirmed, IdentityCheckPaused)):
                check(target, last4="0000", ip="198.51.100.7", now=now)
    third = f"5{NATIONAL_ID[1:]}"
    with pytest.raises(IdentityCheckPaused):
        check(links[2], national_id=third, ip="198.51.100.7", now=now)
    check(links[2], national_id=third, ip="192.0.2.1", now=now)  # elsewhere, the same link answers


# One-time codes ------------------------------------------------------------------------------


def sent_code(sms_outbox) -> str:
    return found(CODE, sms_outbox[-1].body)


def test_a_code_is_six_digits_stored_only_as_a_keyed_digest(imported, sms_outbox):
    now = timezone.now()
    row = send_code(imported, purpose=CodePurpose.ACTIVATION, now=now)
    code = sent_code(sms_outbox)
    assert sms_outbox[-1].to == imported.phone
    assert code not in row.code_hash
    assert len(row.code_hash) == 64
    assert check_code(row.pk, code, now=now + dt.timedelta(minutes=4)).used_at is not None
    with pytest.raises(CodeNoLongerValid):  # used once
        check_code(row.pk, code, now=now + dt.timedelta(minutes=4))


def test_a_code_expires_after_five_minutes(imported, sms_outbox):
    now = timezone.now()
    row = send_code(imported, purpose=CodePurpose.ACTIVATION, now=now)
    with pytest.raises(CodeNoLongerValid):
        check_code(row.pk, sent_code(sms_outbox), now=now + dt.timedelta(minutes=5))


def test_five_wrong_tries_then_a_new_code_is_needed(imported, sms_outbox):
    now = timezone.now()
    row = send_code(imported, purpose=CodePurpose.ACTIVATION, now=now)
    code = sent_code(sms_outbox)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(4):
        with pytest.raises(WrongCode):
            check_code(row.pk, wrong, now=now)
    with pytest.raises(CodeNoLongerValid):
        check_code(row.pk, wrong, now=now)
    with pytest.raises(CodeNoLongerValid):
        check_code(row.pk, code, now=now)
    assert OneTimeCode.objects.get().attempts == 5
    later = now + dt.timedelta(minutes=2)
    fresh = send_code(imported, purpose=CodePurpose.ACTIVATION, now=later)
    assert check_code(fresh.pk, sent_code(sms_outbox), now=later)


def test_a_new_code_replaces_the_one_before_and_not_too_often(imported, sms_outbox):
    now = timezone.now()
    first = send_code(imported, purpose=CodePurpose.ACTIVATION, now=now)
    first_code = sent_code(sms_outbox)
    with pytest.raises(CodeNotSentYet):
        send_code(imported, purpose=CodePurpose.ACTIVATION, now=now + dt.timedelta(seconds=30))
    send_code(imported, purpose=CodePurpose.ACTIVATION, now=now + dt.timedelta(seconds=61))
    with pytest.raises(CodeNoLongerValid):
        check_code(first.pk, first_code, now=now + dt.timedelta(seconds=62))
    for minutes in (3, 5, 7):
        send_code(imported, purpose=CodePurpose.ACTIVATION, now=now + dt.timedelta(minutes=minutes))
    with pytest.raises(CodeNotSentYet):  # five in the hour
        send_code(imported, purpose=CodePurpose.ACTIVATION, now=now + dt.timedelta(minutes=10))
    assert len(sms_outbox) == 5


def test_no_code_without_a_mobile_and_none_kept_when_sending_fails(imported, settings):
    with pytest.raises(NoMobileNumber):
        send_code(
            make_imported_debtor(phone=""), purpose=CodePurpose.ACTIVATION, now=timezone.now()
        )
    settings.SMS_BACKEND = "tests.services.test_onboarding.BrokenSms"
    with pytest.raises(CodeNotSent):
        send_code(imported, purpose=CodePurpose.ACTIVATION, now=timezone.now())
    assert not OneTimeCode.objects.exists()


class BrokenSms(BaseSmsBackend):
    def send(self, message):
        raise ConnectionRefusedError("the provider is down")


# Setting up the sign-in -----------------------------------------------------------------------


def test_activation_makes_the_sign_in_and_links_it(link, imported):
    user = activate_debtor(
        link.invitation, password=NEW_PASSWORD, ip="203.0.113.9", now=timezone.now()
    )
    imported.refresh_from_db()
    assert imported.user == user
    assert user.email == "lina@example.com"
    assert user.check_password(NEW_PASSWORD)
    assert not user.is_staff
    assert Invitation.objects.get().used_at is not None
    event = AuditEvent.objects.get(action=AuditAction.DEBTOR_ACTIVATED)
    assert (event.actor, event.ip, event.object_reference) == (
        user,
        "203.0.113.9",
        imported.reference,
    )


def test_an_email_another_sign_in_has_is_left_out(link, imported):
    make_debtor(email="LINA@example.com")
    user = activate_debtor(link.invitation, password=NEW_PASSWORD, ip=None, now=timezone.now())
    assert user.email == ""


# A forgotten password ------------------------------------------------------------------------


@pytest.fixture
def signed_up(link, imported) -> User:
    activate_debtor(link.invitation, password=PASSWORD, ip=None, now=timezone.now())
    imported.refresh_from_db()
    Notification.objects.all().delete()
    mail.outbox.clear()
    assert imported.user is not None
    user: User = imported.user
    return user


def test_a_reset_link_goes_where_it_was_asked_for(signed_up, imported, sms_outbox):
    assert send_password_reset("LINA@example.com", ip=None, now=timezone.now())
    deliver_pending()
    (email,) = mail.outbox
    link = found(LINK, email.body)
    reference, token = link.rstrip("/").split("/")[-2:]
    assert reset_link(reference, token).debtor == imported
    assert sms_outbox == []  # at once, whatever the hour, and only by email
    assert send_password_reset("139-1234-5678", ip=None, now=timezone.now())
    deliver_pending()
    assert LINK.search(sms_outbox[-1].body)
    assert actions()[-2:] == ["password.reset_sent", "password.reset_sent"]


def test_nothing_is_sent_for_an_unknown_or_shared_address(signed_up, imported, sms_outbox):
    assert not send_password_reset("nobody@example.com", ip=None, now=timezone.now())
    assert not send_password_reset("+86 130 0000 0000", ip=None, now=timezone.now())
    make_debtor(phone="13912345678")  # another sign-in with the same number
    assert not send_password_reset("13912345678", ip=None, now=timezone.now())
    assert (mail.outbox, sms_outbox, Notification.objects.count()) == ([], [], 0)


def test_at_most_three_reset_links_an_hour(signed_up):
    sent = [send_password_reset("lina@example.com", ip=None, now=timezone.now()) for _ in range(4)]
    assert sent == [True, True, True, False]


def test_a_reset_link_works_once(signed_up, imported):
    send_password_reset("lina@example.com", ip=None, now=timezone.now())
    deliver_pending()
    reference, token = found(LINK, mail.outbox[0].body).rstrip("/").split("/")[-2:]
    link = reset_link(reference, token)
    reset_password(link, password=NEW_PASSWORD, ip=None, now=timezone.now())
    with pytest.raises(LinkNotUsable):
        reset_link(reference, token)


def test_the_change_is_told_on_the_other_channel(signed_up, imported, sms_outbox):
    send_password_reset("lina@example.com", ip=None, now=timezone.now())
    link = reset_link(imported.reference, default_token(signed_up))
    user = reset_password(link, password=NEW_PASSWORD, ip="203.0.113.9", now=timezone.now())
    deliver_pending()
    assert user.check_password(NEW_PASSWORD)
    told = Notification.objects.filter(template=NotificationEvent.PASSWORD_CHANGED)
    assert sorted(told.values_list("channel", flat=True)) == ["portal", "sms"]
    assert [sms.to for sms in sms_outbox] == [imported.phone]
    event = AuditEvent.objects.get(action=AuditAction.PASSWORD_RESET)
    assert event.after["notified"] == ["portal", "sms"]


def test_after_a_reset_by_sms_the_email_is_told(signed_up, imported):
    send_password_reset("13912345678", ip=None, now=timezone.now())
    link = reset_link(imported.reference, default_token(signed_up))
    reset_password(link, password=NEW_PASSWORD, ip=None, now=timezone.now())
    deliver_pending()
    told = Notification.objects.filter(template=NotificationEvent.PASSWORD_CHANGED)
    assert sorted(told.values_list("channel", flat=True)) == ["email", "portal"]


def default_token(user: User) -> str:
    token: str = default_token_generator.make_token(user)
    return token
