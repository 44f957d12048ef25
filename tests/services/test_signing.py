"""Signing a plan (Electronic Signature Law Art. 13): the password asked again, counted and
paused like an identity check; then a one-time code texted to the phone on file, bound to
the agreement's digest and to that phone; typed back, it signs, with the evidence stored.
Wrong, stale or foreign codes sign nothing and are audited. The pages:
tests/web/test_signing.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from negotiation.exceptions import (
    ActionNotPermitted,
    CodeNoLongerValid,
    NoMobileNumber,
    SigningPaused,
    TransitionNotAllowed,
    WrongCode,
    WrongPassword,
)
from negotiation.models import (
    AuditAction,
    AuditEvent,
    CodePurpose,
    IdentityCheckFailure,
    Notification,
    NotificationEvent,
    OneTimeCode,
    PlanStatus,
    RepaymentPlan,
)
from negotiation.services.codes import send_code
from negotiation.services.plans import (
    agreement_digest,
    resend_signing_code,
    sign_plan,
    start_signing,
)
from negotiation.services.requests import approve_request
from tests.factories import PASSWORD, last_sms_code, make_request

pytestmark = pytest.mark.django_db
TEXT = "The agreement, word for word."
IP = "203.0.113.7"


@pytest.fixture
def plan(account, installment_program, specialist) -> RepaymentPlan:
    account.debtor.phone = "+86 139 1234 5678"
    account.debtor.save(update_fields=["phone"])
    request = make_request(account, installment_program, months=12)
    return approve_request(request, actor=specialist, today=timezone.localdate()).plan


def start(plan: RepaymentPlan, *, password: str = PASSWORD, now=None, text: str = TEXT):
    return start_signing(
        plan,
        actor=plan.account.debtor.user,  # type: ignore[arg-type]
        password=password,
        agreement_text=text,
        ip=IP,
        now=now or timezone.now(),
    )


def sign(plan: RepaymentPlan, code: OneTimeCode, entered: str, *, now=None, text: str = TEXT):
    return sign_plan(
        plan,
        actor=plan.account.debtor.user,  # type: ignore[arg-type]
        code_id=code.pk,
        entered=entered,
        agreement_text=text,
        ip=IP,
        user_agent="Mozilla/5.0 (test phone)",
        now=now or timezone.now(),
    )


def still_unsigned(plan: RepaymentPlan) -> bool:
    plan.refresh_from_db()
    return plan.status == PlanStatus.AWAITING_SIGNATURE and plan.signed_at is None


def test_the_password_then_a_code_to_the_phone_on_file(plan, sms_outbox):
    code = start(plan)
    (message,) = sms_outbox
    assert message.to == "+86 139 1234 5678"
    assert f"to sign repayment agreement {plan.reference}" in message.body
    assert code.purpose == CodePurpose.SIGNING
    assert last_sms_code() not in code.code_hash
    assert still_unsigned(plan)
    sent = AuditEvent.objects.get(action=AuditAction.PLAN_SIGNING_CODE_SENT)
    assert sent.after == {"sent_to": "5678", "sha256": agreement_digest(plan, TEXT)}
    assert sent.ip == IP


def test_the_right_code_signs_and_keeps_the_evidence(plan):
    now = timezone.now()
    code = start(plan, now=now)
    signed = sign(plan, code, last_sms_code(), now=now + dt.timedelta(minutes=2))
    assert signed.status == PlanStatus.ACTIVE
    signed.refresh_from_db()
    assert signed.agreement_sha256 == agreement_digest(plan, TEXT)
    assert signed.signature_code_sent_to == "5678"
    assert signed.signature_code_verified_at == now + dt.timedelta(minutes=2)
    assert signed.signed_at == now + dt.timedelta(minutes=2)
    assert signed.signature_ip == IP
    assert signed.signature_user_agent == "Mozilla/5.0 (test phone)"
    assert OneTimeCode.objects.get(pk=code.pk).used_at is not None


def test_a_wrong_password_sends_no_code_and_is_counted(plan, sms_outbox):
    with pytest.raises(WrongPassword):
        start(plan, password="not-the-password")
    assert sms_outbox == []
    assert IdentityCheckFailure.objects.filter(purpose=CodePurpose.SIGNING).count() == 1


def test_five_wrong_passwords_pause_signing_and_the_debtor_is_told(plan, sms_outbox, settings):
    """30 wrong passwords and then the right one must not sign: after
    IDENTITY_CHECK_MAX_FAILURES the right password is not even read until the pause ends."""
    now = timezone.now()
    for _try in range(settings.IDENTITY_CHECK_MAX_FAILURES - 1):
        with pytest.raises(WrongPassword):
            start(plan, password="not-the-password", now=now)
    with pytest.raises(SigningPaused, match="signing is paused") as paused:
        start(plan, password="not-the-password", now=now)
    for _try in range(25):
        with pytest.raises(SigningPaused):
            start(plan, password="not-the-password", now=now)
    with pytest.raises(SigningPaused, match="in 20 minutes"):
        start(plan, now=now + dt.timedelta(minutes=10))
    assert sms_outbox == []
    locked = AuditEvent.objects.get(action=AuditAction.IDENTITY_CHECK_LOCKED)
    assert locked.after["purpose"] == CodePurpose.SIGNING
    told = Notification.objects.filter(template=NotificationEvent.PASSWORD_CHECK_PAUSED)
    assert sorted(told.values_list("channel", flat=True)) == ["email", "portal", "sms"]
    assert still_unsigned(plan)
    assert start(plan, now=paused.value.until + dt.timedelta(seconds=1))


def test_a_wrong_code_signs_nothing_and_is_audited(plan):
    code = start(plan)
    right = last_sms_code()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    with pytest.raises(WrongCode):
        sign(plan, code, wrong)
    assert still_unsigned(plan)
    refused = AuditEvent.objects.get(action=AuditAction.PLAN_SIGNING_CODE_WRONG)
    assert refused.after == {"attempts": 1}
    assert sign(plan, code, right).status == PlanStatus.ACTIVE


def test_five_wrong_codes_and_the_code_is_spent(plan):
    code = start(plan)
    right = last_sms_code()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _try in range(4):
        with pytest.raises(WrongCode):
            sign(plan, code, wrong)
    with pytest.raises(CodeNoLongerValid):
        sign(plan, code, wrong)
    with pytest.raises(CodeNoLongerValid):
        sign(plan, code, right)
    assert still_unsigned(plan)
    assert AuditEvent.objects.filter(action=AuditAction.PLAN_SIGNING_CODE_WRONG).count() == 6


def test_the_code_signs_only_the_text_it_was_sent_for(plan):
    """Read in English, the code cannot sign another text (another language, new terms)."""
    code = start(plan, text=TEXT)
    with pytest.raises(WrongCode):
        sign(plan, code, last_sms_code(), text=TEXT + " And one more clause.")
    assert still_unsigned(plan)


def test_the_code_signs_only_for_the_phone_it_went_to(plan):
    code = start(plan)
    debtor = plan.account.debtor
    debtor.phone = "+86 137 0000 1111"
    debtor.save(update_fields=["phone"])
    with pytest.raises(WrongCode):
        sign(plan, code, last_sms_code())
    assert still_unsigned(plan)


def test_an_expired_code_signs_nothing(plan):
    now = timezone.now()
    code = start(plan, now=now)
    with pytest.raises(CodeNoLongerValid):
        sign(plan, code, last_sms_code(), now=now + dt.timedelta(minutes=6))
    assert still_unsigned(plan)


def test_a_new_code_replaces_the_first(plan):
    now = timezone.now()
    first = start(plan, now=now)
    first_digits = last_sms_code()
    second = resend_signing_code(
        plan,
        actor=plan.account.debtor.user,
        agreement_text=TEXT,
        ip=IP,
        now=now + dt.timedelta(minutes=2),
    )
    with pytest.raises(CodeNoLongerValid):
        sign(plan, first, first_digits, now=now + dt.timedelta(minutes=3))
    assert sign(plan, second, last_sms_code(), now=now + dt.timedelta(minutes=3)).status == (
        PlanStatus.ACTIVE
    )
    assert AuditEvent.objects.filter(action=AuditAction.PLAN_SIGNING_CODE_SENT).count() == 2


def test_a_code_for_another_purpose_does_not_sign(plan):
    debtor = plan.account.debtor
    other = send_code(debtor, purpose=CodePurpose.CONTACT_CHANGE, now=timezone.now())
    with pytest.raises(CodeNoLongerValid):
        sign(plan, other, last_sms_code())
    assert still_unsigned(plan)


def test_another_debtor_cannot_start_or_finish_the_signature(plan, other_debtor):
    code = start(plan)
    with pytest.raises(ActionNotPermitted):
        start_signing(
            plan,
            actor=other_debtor.user,
            password=PASSWORD,
            agreement_text=TEXT,
            ip=IP,
            now=timezone.now(),
        )
    with pytest.raises(ActionNotPermitted):
        sign_plan(
            plan,
            actor=other_debtor.user,
            code_id=code.pk,
            entered=last_sms_code(),
            agreement_text=TEXT,
            ip=IP,
            user_agent="",
            now=timezone.now(),
        )
    assert still_unsigned(plan)


def test_without_a_mobile_number_there_is_no_code(plan, sms_outbox):
    debtor = plan.account.debtor
    debtor.phone = ""
    debtor.save(update_fields=["phone"])
    with pytest.raises(NoMobileNumber):
        start(plan)
    assert sms_outbox == []


def test_a_signed_plan_is_not_signed_again(plan):
    code = start(plan)
    digits = last_sms_code()
    sign(plan, code, digits)
    with pytest.raises(TransitionNotAllowed):
        start(plan)
    with pytest.raises(TransitionNotAllowed):
        sign(plan, code, digits)
