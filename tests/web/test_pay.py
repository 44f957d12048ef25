"""Paying online, the pages: the pay page for a plan or an account (amounts offered, the
portal's own words for bad input, another debtor's a 404), the sandbox provider's page in
test mode with no card asked for, the way back with what the provider's notification
left, the payment pending at once on the dashboard, the account and the plan; and the
webhook: a good notification, a bad signature, a replay, a changed body, a stale time, a
payment never started, an amount that does not match; the sandbox refused when disabled.
The services: tests/services/test_online_payments.py."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from negotiation.models import AuditEvent, IntentStatus, Payment, PaymentEvent, PaymentIntent
from negotiation.payproviders import SandboxProvider
from negotiation.services.intents import start_payment
from negotiation.services.requests import approve_request
from tests.factories import make_request

pytestmark = pytest.mark.django_db
SANDBOX = SandboxProvider()


def pay_url(reference: str) -> str:
    return reverse("negotiation:pay", args=[reference])


def webhook(provider: str = "sandbox") -> str:
    return reverse("payments_webhook", args=[provider])


def started(account, amount: str = "500.00", plan=None) -> PaymentIntent:
    return start_payment(
        account,
        plan=plan,
        actor=account.debtor.user,
        amount=Decimal(amount),
        provider="sandbox",
        now=timezone.now(),
    )


def event_body(of: PaymentIntent, **changes) -> bytes:
    event = {
        "id": "evt_web_1",
        "type": "payment.succeeded",
        "intent": of.reference,
        "payment_id": "pay_web_1",
        "amount": str(of.amount),
        "currency": of.currency,
        "occurred_at": timezone.now().isoformat(),
        **changes,
    }
    return json.dumps(event).encode()


def post_signed(client, body: bytes, *, signed_at: dt.datetime | None = None, headers=None):
    headers = headers or SANDBOX.signed(body, now=signed_at or timezone.now())
    return client.post(
        webhook(),
        body,
        content_type="application/json",
        headers=headers,
    )


# The pay page ---------------------------------------------------------------------------


def test_the_account_page_offers_to_pay_online_and_the_pay_page_the_amounts(debtor_client, account):
    page = debtor_client.get(reverse("negotiation:account", args=[account.reference]))
    assert pay_url(account.reference) in page.content.decode()
    response = debtor_client.get(pay_url(account.reference))
    assert response.status_code == 200
    text = response.content.decode()
    assert "The minimum payment on your statement: ¥1,000.00" in text
    assert "The whole balance: ¥11,000.00" in text
    assert "Another amount" in text
    assert "Test payment (sandbox: no real money moves)" in text
    # No card number, expiry or security code is ever asked for on the portal.
    assert not re.search(r'name="(card|pan|cvv|cvc|expiry)', text)


def test_the_plan_page_offers_to_pay_the_next_payment(debtor_client, active_plan):
    page = debtor_client.get(reverse("negotiation:plan_detail", args=[active_plan.reference]))
    assert pay_url(active_plan.reference) in page.content.decode()
    text = debtor_client.get(pay_url(active_plan.reference)).content.decode()
    assert "Your next payment, due" in text
    assert "¥3,732.67" in text
    assert "Everything still to pay" in text


def test_paying_the_next_payment_in_the_sandbox_confirms_it(debtor_client, active_plan):
    """The browser story: the first installment paid online, pending then confirmed."""
    response = debtor_client.post(
        pay_url(active_plan.reference), {"choice": "next", "provider": "sandbox"}
    )
    intent = PaymentIntent.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("negotiation:payment_sandbox", args=[intent.reference])
    )
    assert intent.amount == Decimal("3732.67")
    assert intent.plan == active_plan
    # Pending at once, on the plan's page, before the provider has said anything.
    plan_page = debtor_client.get(reverse("negotiation:plan_detail", args=[active_plan.reference]))
    assert "Payment of ¥3,732.67 pending confirmation." in plan_page.content.decode()
    sandbox = debtor_client.get(response["Location"])
    text = sandbox.content.decode()
    assert "Test mode — no real money moves" in text
    assert "¥3,732.67" in text
    assert "Example Bank card services" in text
    assert not re.search(r'<input[^>]+type="(text|number|tel)"', text)  # no card fields
    back = debtor_client.post(response["Location"], {"decision": "pay"}, follow=True)
    assert back.redirect_chain[-1][0] == reverse(
        "negotiation:plan_detail", args=[active_plan.reference]
    )
    page = back.content.decode()
    assert "Your payment of ¥3,732.67 is confirmed" in page
    assert "pending confirmation" not in page
    intent.refresh_from_db()
    assert intent.status == IntentStatus.SUCCEEDED
    assert active_plan.installments.get(number=1).status == "paid"
    assert Payment.objects.get().source == "online"


def test_declining_in_the_sandbox_takes_nothing(debtor_client, account):
    debtor_client.post(pay_url(account.reference), {"choice": "minimum", "provider": "sandbox"})
    intent = PaymentIntent.objects.get()
    sandbox = reverse("negotiation:payment_sandbox", args=[intent.reference])
    back = debtor_client.post(sandbox, {"decision": "decline"}, follow=True)
    assert back.redirect_chain[-1][0] == reverse("negotiation:account", args=[account.reference])
    assert "did not go through, and no money was taken" in back.content.decode()
    intent.refresh_from_db()
    assert intent.status == IntentStatus.FAILED
    assert not Payment.objects.exists()
    # Once decided, the page pays nothing more.
    again = debtor_client.post(sandbox, {"decision": "pay"})
    assert "This payment is no longer waiting" in again.content.decode()
    assert not Payment.objects.exists()


def test_a_payment_pending_shows_on_the_dashboard_and_the_account(debtor_client, account):
    started(account, "250.00")
    for url in (
        reverse("negotiation:dashboard"),
        reverse("negotiation:account", args=[account.reference]),
    ):
        text = debtor_client.get(url).content.decode()
        assert "Payment of ¥250.00 pending confirmation." in text, url


def test_the_way_back_says_what_the_notification_left_not_what_the_address_says(
    debtor_client, account
):
    intent = started(account)
    back = reverse("negotiation:pay_return", args=[intent.reference])
    response = debtor_client.get(f"{back}?status=succeeded&paid=yes", follow=True)
    text = response.content.decode()
    assert "is waiting for confirmation from the payment service" in text
    assert "is confirmed" not in text


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"choice": "other", "other_amount": "", "provider": "sandbox"}, "Please enter the amount"),
        ({"choice": "other", "other_amount": "abc", "provider": "sandbox"}, "digits 0-9"),
        ({"choice": "other", "other_amount": "10.001", "provider": "sandbox"}, "two digits"),
        ({"choice": "other", "other_amount": "99999", "provider": "sandbox"}, "still owed"),
        ({"choice": "other", "other_amount": "0", "provider": "sandbox"}, "must be positive"),
        ({"choice": "everything", "provider": "sandbox"}, "Please choose one of the amounts"),
        ({"choice": "all", "provider": "stripe"}, "Please choose one of the ways to pay"),
        ({}, "Please choose how much"),
    ],
)
def test_bad_input_changes_nothing_and_says_why(debtor_client, account, body, words):
    rows = AuditEvent.objects.count()
    response = debtor_client.post(pay_url(account.reference), body)
    assert response.status_code == 200
    assert words in response.content.decode()
    assert "This field is required" not in response.content.decode()
    assert not PaymentIntent.objects.exists()
    assert AuditEvent.objects.count() == rows


def test_another_debtors_plan_account_and_payment_are_404(other_client, account, active_plan):
    intent = started(account)
    for url in (
        pay_url(account.reference),
        pay_url(active_plan.reference),
        reverse("negotiation:pay_return", args=[intent.reference]),
        reverse("negotiation:payment_sandbox", args=[intent.reference]),
    ):
        assert other_client.get(url).status_code == 404, url
    sandbox = reverse("negotiation:payment_sandbox", args=[intent.reference])
    assert other_client.post(sandbox, {"decision": "pay"}).status_code == 404
    assert not Payment.objects.exists()


def test_the_sandbox_sends_the_debtor_back_only_to_this_site(debtor_client, account):
    intent = started(account)
    sandbox = reverse("negotiation:payment_sandbox", args=[intent.reference])
    response = debtor_client.post(
        f"{sandbox}?return=https://evil.example/phish", {"decision": "decline"}
    )
    assert response["Location"] == reverse("negotiation:pay_return", args=[intent.reference])


def test_with_the_sandbox_disabled_nothing_pays_through_it(
    debtor_client, client, account, settings
):
    intent = started(account)
    settings.PAYMENTS_SANDBOX_ENABLED = False
    response = debtor_client.get(pay_url(account.reference), follow=True)
    assert "Paying online is not available at the moment" in response.content.decode()
    page = debtor_client.get(reverse("negotiation:account", args=[account.reference]))
    assert 'data-testid="pay-online"' not in page.content.decode()
    sandbox = reverse("negotiation:payment_sandbox", args=[intent.reference])
    assert debtor_client.post(sandbox, {"decision": "pay"}).status_code == 404
    assert post_signed(client, event_body(intent)).status_code == 404
    assert not Payment.objects.exists()


def test_a_plan_not_in_force_has_nothing_to_pay(
    debtor_client, account, installment_program, specialist
):
    plan = approve_request(
        make_request(account, installment_program), actor=specialist, today=timezone.localdate()
    ).plan
    page = debtor_client.get(reverse("negotiation:plan_detail", args=[plan.reference]))
    assert 'data-testid="pay-online"' not in page.content.decode()  # awaiting its signature
    response = debtor_client.get(pay_url(plan.reference), follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "negotiation:plan_detail", args=[plan.reference]
    )
    assert "it cannot be paid online" in response.content.decode()
    assert not PaymentIntent.objects.exists()


def test_starting_payments_is_rate_limited(debtor_client, account, settings):
    settings.RATE_PAYMENT_START = "2/h"
    body = {"choice": "other", "other_amount": "1.00", "provider": "sandbox"}
    for _ in range(2):
        assert debtor_client.post(pay_url(account.reference), body).status_code == 302
    assert debtor_client.post(pay_url(account.reference), body).status_code == 429
    assert PaymentIntent.objects.count() == 2


# The webhook ----------------------------------------------------------------------------


def test_a_good_notification_confirms_the_payment(client, account):
    intent = started(account)
    response = post_signed(client, event_body(intent))
    assert (response.status_code, response.content) == (200, b"applied")
    intent.refresh_from_db()
    assert intent.status == IntentStatus.SUCCEEDED
    assert Payment.objects.get().external_id == "sandbox:pay_web_1"


def test_a_replayed_notification_changes_nothing(client, account):
    intent = started(account)
    body = event_body(intent)
    post_signed(client, body)
    rows = AuditEvent.objects.count()
    again = post_signed(client, body)
    assert (again.status_code, again.content) == (200, b"already received")
    assert Payment.objects.count() == PaymentEvent.objects.count() == 1
    assert AuditEvent.objects.count() == rows


def test_a_bad_signature_a_changed_body_or_a_stale_time_is_refused(client, account):
    intent = started(account)
    body = event_body(intent)
    good = SANDBOX.signed(body, now=timezone.now())
    forged = {**good, SANDBOX.SIGNATURE_HEADER: "v1=" + "0" * 64}
    tampered = body.replace(b'"500.00"', b'"5.00"')
    assert tampered != body
    cases = [
        post_signed(client, body, headers=forged),
        post_signed(client, tampered, headers=good),
        post_signed(client, body, signed_at=timezone.now() - dt.timedelta(minutes=10)),
        post_signed(client, body, signed_at=timezone.now() + dt.timedelta(minutes=10)),
        client.post(webhook(), body, content_type="application/json"),  # unsigned
    ]
    assert [response.status_code for response in cases] == [400] * 5
    assert not PaymentEvent.objects.exists()
    assert not Payment.objects.exists()
    assert PaymentIntent.objects.get().status == IntentStatus.PENDING


def test_a_notification_for_a_payment_never_started_is_404(client, account):
    intent = started(account)
    rows = AuditEvent.objects.count()
    response = post_signed(client, event_body(intent, intent="PI-NONE-NONE"))
    assert response.status_code == 404
    assert AuditEvent.objects.count() == rows
    assert not PaymentEvent.objects.exists()


def test_an_amount_that_does_not_match_is_held_409(client, account):
    intent = started(account)
    response = post_signed(client, event_body(intent, amount="5000.00"))
    assert response.status_code == 409
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PENDING
    assert intent.problem
    assert not Payment.objects.exists()


def test_a_notification_out_of_order_is_taken_sensibly(client, account):
    intent = started(account)
    post_signed(client, event_body(intent))
    late_failure = post_signed(client, event_body(intent, id="evt_web_2", type="payment.failed"))
    assert (late_failure.status_code, late_failure.content) == (200, b"ignored")
    intent.refresh_from_db()
    assert intent.status == IntentStatus.SUCCEEDED


def test_the_webhook_refuses_what_is_not_a_notification(client, account):
    assert client.get(webhook()).status_code == 405
    assert client.post(webhook("nobody"), b"{}", content_type="application/json").status_code == 404
    form = client.post(webhook(), {"amount": "1"})  # multipart: never read as a body
    assert form.status_code == 400
    junk = b"\x00\xff not json"
    assert post_signed(client, junk).status_code == 400
