"""The plan page's two steps of signing: the terms accepted with the password, then the code
from the text message; a wrong code, a new code, starting again, a pause after wrong
passwords, a debtor without a mobile number, and the flow kept server side (the code's id is
never in the page). The rules behind them: tests/services/test_signing.py."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from negotiation.models import AuditAction, AuditEvent, OneTimeCode, PlanStatus, RepaymentPlan
from negotiation.services.requests import approve_request
from tests.factories import PASSWORD, last_sms_code, make_request

pytestmark = pytest.mark.django_db
CONSENT = {"step": "consent", "consent_terms": "on", "password": PASSWORD}


@pytest.fixture
def plan(account, installment_program, specialist) -> RepaymentPlan:
    account.debtor.phone = "+86 139 1234 5678"
    account.debtor.save(update_fields=["phone"])
    request = make_request(account, installment_program, months=6)
    return approve_request(request, actor=specialist, today=timezone.localdate()).plan


def url(plan: RepaymentPlan) -> str:
    return reverse("negotiation:plan_detail", args=[plan.reference])


def status(plan: RepaymentPlan) -> str:
    plan.refresh_from_db()
    return plan.status


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_step_one_asks_the_consent_and_the_password_and_names_the_phone(debtor_client, plan):
    page = debtor_client.get(url(plan)).content.decode()
    assert 'data-testid="signing-form"' in page
    assert "ending in 5678" in page
    assert 'name="password"' in page
    assert 'name="code"' not in page


def test_the_password_then_the_code_signs(debtor_client, plan, sms_outbox):
    sent = debtor_client.post(url(plan), CONSENT)
    assert sent.status_code == 302
    assert status(plan) == PlanStatus.AWAITING_SIGNATURE
    page = debtor_client.get(url(plan)).content.decode()
    assert 'data-testid="signing-code-form"' in page
    assert "ending in 5678" in page
    assert 'name="password"' not in page
    code = last_sms_code()
    assert code not in page
    hidden = set(re.findall(r'type="hidden" name="([a-z_]+)"', page))
    assert "step" in hidden
    assert hidden <= {"csrfmiddlewaretoken", "step", "next"}, hidden  # the flow is server side
    signed = debtor_client.post(url(plan), {"step": "code", "code": code}, follow=True)
    assert "Your plan is signed and active" in signed.content.decode()
    assert status(plan) == PlanStatus.ACTIVE
    assert plan.signature_code_sent_to == "5678"
    assert "signing" not in debtor_client.session


def test_the_consent_box_and_the_password_are_asked_in_the_portal_s_words(debtor_client, plan):
    page = debtor_client.post(url(plan), {"step": "consent"}).content.decode()
    assert "Please tick the box to say you accept the agreement." in page
    assert "Please type your password." in page
    assert "This field is required" not in page


def test_a_wrong_password_sends_nothing(debtor_client, plan, sms_outbox):
    page = debtor_client.post(url(plan), {**CONSENT, "password": "not-it"}).content.decode()
    assert "That is not the password of your sign-in" in page
    assert sms_outbox == []
    assert 'data-testid="signing-form"' in page


def test_wrong_passwords_pause_signing_with_a_calm_message(debtor_client, plan, settings):
    for _try in range(settings.IDENTITY_CHECK_MAX_FAILURES):
        page = debtor_client.post(url(plan), {**CONSENT, "password": "not-it"})
    assert "signing is paused" in page.content.decode()
    page = debtor_client.post(url(plan), CONSENT).content.decode()
    assert "signing is paused" in page
    assert status(plan) == PlanStatus.AWAITING_SIGNATURE


def test_a_wrong_code_then_the_right_one(debtor_client, plan):
    debtor_client.post(url(plan), CONSENT)
    code = last_sms_code()
    page = debtor_client.post(url(plan), {"step": "code", "code": wrong(code)}).content.decode()
    assert "That code is not the one we sent" in page
    assert status(plan) == PlanStatus.AWAITING_SIGNATURE
    debtor_client.post(url(plan), {"step": "code", "code": code})
    assert status(plan) == PlanStatus.ACTIVE
    assert AuditEvent.objects.filter(action=AuditAction.PLAN_SIGNING_CODE_WRONG).count() == 1


def test_a_code_that_is_not_six_digits_is_refused_in_plain_words(debtor_client, plan):
    debtor_client.post(url(plan), CONSENT)
    page = debtor_client.post(url(plan), {"step": "code", "code": "12a456"}).content.decode()
    assert "The code is 6 digits." in page
    assert status(plan) == PlanStatus.AWAITING_SIGNATURE


def test_a_new_code_and_starting_again(debtor_client, plan, sms_outbox):
    debtor_client.post(url(plan), CONSENT)
    first = last_sms_code()
    # A minute later (a new code is refused within a minute of the last):
    OneTimeCode.objects.update(created_at=F("created_at") - dt.timedelta(seconds=61))
    again = debtor_client.post(url(plan), {"step": "new_code"}, follow=True)
    assert "We have sent you a new code" in again.content.decode()
    assert len(sms_outbox) == 2
    page = debtor_client.post(url(plan), {"step": "code", "code": first}).content.decode()
    assert "can no longer be used" in page or "not the one we sent" in page
    debtor_client.post(url(plan), {"step": "restart"})
    assert 'data-testid="signing-form"' in debtor_client.get(url(plan)).content.decode()
    assert status(plan) == PlanStatus.AWAITING_SIGNATURE


def test_a_code_step_without_a_started_flow_signs_nothing(debtor_client, plan):
    page = debtor_client.post(url(plan), {"step": "code", "code": "123456"}).content.decode()
    assert 'data-testid="signing-form"' in page
    assert status(plan) == PlanStatus.AWAITING_SIGNATURE


def test_without_a_mobile_number_the_page_says_how_to_add_one(debtor_client, plan):
    debtor = plan.account.debtor
    debtor.phone = ""
    debtor.save(update_fields=["phone"])
    page = debtor_client.get(url(plan)).content.decode()
    assert 'data-testid="signing-needs-phone"' in page
    assert reverse("negotiation:profile_phone") in page
    assert 'name="password"' not in page


def test_another_debtor_s_flow_does_not_carry_over(debtor_client, other_client, plan):
    debtor_client.post(url(plan), CONSENT)
    answer = other_client.post(url(plan), {"step": "code", "code": last_sms_code()})
    assert answer.status_code == 404
    assert status(plan) == PlanStatus.AWAITING_SIGNATURE


def test_each_signing_step_comes_back_at_the_step_not_the_top_of_the_long_page(
    debtor_client, plan, sms_outbox
):
    """On a phone the signing step is thousands of pixels below the top, after the whole
    agreement: the forms are sent to the step's own place, and the redirects go there."""
    page = debtor_client.get(url(plan)).content.decode()
    assert 'href="#sign-h" data-testid="to-signing"' in page
    assert 'id="signing-step"' in page
    assert 'action="#signing-step" novalidate data-testid="signing-form"' in page
    sent = debtor_client.post(url(plan), CONSENT)
    assert sent["Location"] == url(plan) + "#signing-step"
    code_page = debtor_client.get(url(plan)).content.decode()
    assert 'action="#signing-step" novalidate data-testid="signing-code-form"' in code_page
    restarted = debtor_client.post(url(plan), {"step": "restart"})
    assert restarted["Location"] == url(plan) + "#signing-step"
