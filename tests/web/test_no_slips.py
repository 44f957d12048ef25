"""Nothing irreversible in one tap, nothing done twice by two taps, and the bank's question
right above the answer box (issue 16): what a person under stress on a phone would trip on."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from negotiation.models import AuditAction, AuditEvent, OneTimeCode, RequestStatus
from negotiation.services.requests import approve_request, ask_for_information
from tests.factories import PASSWORD, give_a_mobile_number, make_request

pytestmark = pytest.mark.django_db


def withdraw_url(request) -> str:
    return reverse("negotiation:request_withdraw", args=[request.reference])


def test_withdrawing_asks_first_and_the_request_page_only_links_to_the_question(
    debtor_client, account, installment_program
):
    request = make_request(account, installment_program)
    detail = debtor_client.get(reverse("negotiation:request_detail", args=[request.reference]))
    page = detail.content.decode()
    assert f'href="{withdraw_url(request)}"' in page
    assert f'action="{withdraw_url(request)}"' not in page  # no one-tap withdrawal
    asked = debtor_client.get(withdraw_url(request)).content.decode()
    assert 'data-testid="withdraw-confirm"' in asked
    assert "Yes, withdraw my request" in asked
    assert "No, keep my request" in asked
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED  # asking changed nothing


def test_the_confirmation_withdraws_and_a_second_tap_does_nothing_more(
    debtor_client, account, installment_program
):
    request = make_request(account, installment_program)
    debtor_client.post(withdraw_url(request), {"version": request.version})
    again = debtor_client.post(withdraw_url(request), {"version": request.version}, follow=True)
    assert "This request is withdrawn." in again.content.decode()
    assert "changed while you were looking" not in again.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    withdrawals = AuditEvent.objects.filter(
        action=AuditAction.REQUEST_TRANSITION, after__status=RequestStatus.WITHDRAWN
    )
    assert withdrawals.count() == 1


def test_a_closed_request_has_nothing_to_withdraw(
    debtor_client, account, installment_program, specialist
):
    request = make_request(account, installment_program)
    approve_request(request, actor=specialist, today=timezone.localdate())
    page = debtor_client.get(withdraw_url(request), follow=True).content.decode()
    assert "This request is closed: there is nothing to withdraw." in page
    assert 'data-testid="withdraw-link"' not in page


def test_the_question_is_right_above_the_answer_and_the_answer_before_the_upload(
    debtor_client, account, installment_program, specialist
):
    request = make_request(account, installment_program)
    ask_for_information(request, actor=specialist, question="What is your monthly rent?")
    page = debtor_client.get(
        reverse("negotiation:request_detail", args=[request.reference])
    ).content.decode()
    question = page.index('data-testid="question"')
    asked = page.index("What is your monthly rent?")
    answer = page.index('name="answer"')
    upload = page.index('name="document"')
    conversation = page.index('id="conv-h"')
    assert question < asked < answer < upload < conversation


def test_the_password_step_tapped_twice_texts_one_code_and_shows_the_code_step(
    debtor_client, account, installment_program, specialist, sms_outbox
):
    give_a_mobile_number(account.debtor)
    request = make_request(account, installment_program, months=6)
    plan = approve_request(request, actor=specialist, today=timezone.localdate()).plan
    url = reverse("negotiation:plan_detail", args=[plan.reference])
    consent = {"step": "consent", "consent_terms": "on", "password": PASSWORD}
    debtor_client.post(url, consent)
    second = debtor_client.post(url, consent, follow=True).content.decode()
    assert len(sms_outbox) == 1
    assert OneTimeCode.objects.filter(debtor=account.debtor).count() == 1
    assert 'data-testid="signing-code-form"' in second
    assert "A code was sent very recently" in second


def test_the_steps_and_their_legal_basis_are_folded_after_the_options(debtor_client, account):
    page = debtor_client.get(
        reverse("negotiation:account", args=[account.reference])
    ).content.decode()
    options, stand = page.index('id="opt-h"'), page.index('id="stand-h"')
    folded = page.index('<details class="timeline-details" data-testid="timeline">')
    assert options < stand < folded < page.index("Legal basis:", folded)
    assert page.index('data-testid="next-step"') < folded  # the next step said before it
