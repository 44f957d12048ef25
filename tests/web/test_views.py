"""Debtor pages: each works for its owner, is a 404 for another debtor, and sends an
anonymous visitor to the login page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from negotiation.models import ReliefRequest, RequestStatus
from negotiation.policy import Choices
from negotiation.services.requests import approve_request, reject_request, submit_request
from tests.factories import (
    HARDSHIP,
    PASSWORD,
    give_a_mobile_number,
    last_sms_code,
    make_payment,
    make_request,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def form_data(program, **overrides):
    data = {
        "program": program.pk,
        "months": "12",
        "grace_months": "0",
        "down_payment": "0",
        "hardship_reason": "job_loss",
        "hardship_statement": "Lost my job; new one pays less.",
        "monthly_income": "8000.00",
        "monthly_expenses": "5000.00",
        "dependents": "1",
        "consent_truthful": "on",
        "consent_data_processing": "on",
    }
    data.update(overrides)
    return data


FINGERPRINT = re.compile(r'name="previewed_terms" value="([0-9a-f]+)"')


def preview_then_confirm(client, url, data):
    """What the browser does: preview, then confirm with what the preview carried."""
    preview = client.post(url, {**data, "preview": "1"})
    fingerprint = FINGERPRINT.search(preview.content.decode())
    assert fingerprint, preview.content.decode()[:3000]
    confirm = {**data, "confirm": "1", "previewed_terms": fingerprint.group(1)}
    return client.post(url, confirm, follow=True)


@pytest.fixture
def relief_request(account, installment_program):
    return make_request(account, installment_program)


@pytest.fixture
def plan(relief_request, specialist):
    return approve_request(relief_request, actor=specialist, today=timezone.localdate()).plan


def debtor_urls(account, relief_request, plan):
    return [
        reverse("negotiation:dashboard"),
        reverse("negotiation:account", args=[account.reference]),
        reverse("negotiation:request_detail", args=[relief_request.reference]),
        reverse("negotiation:plan_detail", args=[plan.reference]),
    ]


def test_every_debtor_page_works_for_its_owner(debtor_client, account, relief_request, plan):
    for url in debtor_urls(account, relief_request, plan):
        assert debtor_client.get(url).status_code == 200, url
    # request_create redirects to the open... here the request is approved, so the form shows.
    assert (
        debtor_client.get(
            reverse("negotiation:request_create", args=[account.reference])
        ).status_code
        == 200
    )


def test_it_checks_ownership(other_client, account, relief_request, plan):
    urls = [
        *debtor_urls(account, relief_request, plan)[1:],
        reverse("negotiation:request_create", args=[account.reference]),
    ]
    for url in urls:
        assert other_client.get(url).status_code == 404, url
    withdraw = reverse("negotiation:request_withdraw", args=[relief_request.reference])
    assert other_client.post(withdraw).status_code == 404
    assert (
        other_client.post(urls[2], {"password": PASSWORD, "consent_terms": "on"}).status_code == 404
    )


def test_anonymous_visitors_are_sent_to_login(client, account, relief_request, plan):
    for url in debtor_urls(account, relief_request, plan):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_staff_are_not_debtors(account, specialist):
    client = Client()
    client.force_login(specialist)
    assert client.get(reverse("negotiation:dashboard")).status_code == 404
    assert client.get(reverse("negotiation:account", args=[account.reference])).status_code == 404


def test_login_with_email_and_password(debtor):
    client = Client()
    response = client.post(
        reverse("login"), {"username": debtor.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("negotiation:dashboard")


def test_login_refuses_a_wrong_password_with_a_clear_message(debtor):
    response = Client().post(reverse("login"), {"username": debtor.email, "password": "wrong"})
    assert response.status_code == 200
    assert "The email, mobile number or password is not right" in response.content.decode()


def test_staff_cannot_sign_in_on_the_debtor_login(specialist):
    specialist.email = "spec@bank.example"
    specialist.save()
    response = Client().post(
        reverse("login"), {"username": "spec@bank.example", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "Staff members sign in on the staff site" in response.content.decode()


def test_the_dashboard_shows_the_breakdown_and_stage(debtor_client, account):
    # Its exact query count, whatever the accounts and their history: test_query_counts.py.
    response = debtor_client.get(reverse("negotiation:dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    for figure in ("¥10,000.00", "¥600.00", "¥100.00", "¥300.00", "¥11,000.00"):
        assert figure in page
    assert "45 days overdue" in page
    assert "Overdue for more than a month" in page


def test_the_account_page_shows_payments_and_options(
    debtor_client, account, installment_program, deferral_program
):
    make_payment(account, "1234.56")
    page = debtor_client.get(
        reverse("negotiation:account", args=[account.reference])
    ).content.decode()
    assert "¥1,234.56" in page
    assert "From 3 to 60 monthly payments" in page
    assert "Up to 3 months with nothing to pay first" in page


def test_request_preview_then_confirm(debtor_client, account, installment_program):
    url = reverse("negotiation:request_create", args=[account.reference])
    preview = debtor_client.post(url, form_data(installment_program, preview="1"))
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "Check your plan before you send it" in page
    assert "¥982.67" in page  # monthly
    assert "13.03%" in page  # annual rate by IRR
    assert "¥792.00" in page  # total cost: 11000 x 0.6% x 12
    assert "¥11,792.00" in page  # total repayable
    assert not ReliefRequest.objects.exists()

    confirmed = preview_then_confirm(debtor_client, url, form_data(installment_program))
    request = ReliefRequest.objects.get()
    assert confirmed.redirect_chain[-1][0] == reverse(
        "negotiation:request_detail", args=[request.reference]
    )
    assert f"Your request {request.reference} has been received" in confirmed.content.decode()
    assert request.months == 12


def test_bad_terms_rerender_the_form_with_messages_and_change_nothing(
    debtor_client, account, installment_program
):
    url = reverse("negotiation:request_create", args=[account.reference])
    response = debtor_client.post(
        url, form_data(installment_program, months="2", grace_months="1", preview="1")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose between 3 and 60 monthly payments." in page
    # Payment-free months do not apply to this option: hidden and counted as 0, not refused.
    assert "This option has no payment-free months." not in page
    assert '<div data-term="grace_months" hidden>' in page
    assert not ReliefRequest.objects.exists()


def test_missing_consent_is_an_error(debtor_client, account, installment_program):
    url = reverse("negotiation:request_create", args=[account.reference])
    data = form_data(installment_program, preview="1")
    del data["consent_data_processing"]
    response = debtor_client.post(url, data)
    page = response.content.decode()
    assert "This field is required." not in page
    assert "to go on." in page  # "Please tick “I agree ...” to go on."


def test_a_second_open_request_is_refused_with_a_clear_message(
    debtor_client, account, installment_program, relief_request
):
    url = reverse("negotiation:request_create", args=[account.reference])
    response = debtor_client.get(url, follow=True)
    assert "You already have a request in progress for this account" in response.content.decode()
    response = debtor_client.post(url, form_data(installment_program, confirm="1"), follow=True)
    assert ReliefRequest.objects.count() == 1


def test_a_deferral_request(debtor_client, account, deferral_program):
    url = reverse("negotiation:request_create", args=[account.reference])
    preview_then_confirm(
        debtor_client, url, form_data(deferral_program, months="3", grace_months="2")
    )
    request = ReliefRequest.objects.get()
    assert (request.kind, request.grace_months, request.months) == ("deferral", 2, 3)
    assert request.monthly_amount == Decimal("3666.67")


def test_the_request_page_shows_a_rejection_reason(debtor_client, relief_request, specialist):
    reject_request(
        relief_request,
        actor=specialist,
        reason_code="affordability",
        explanation="A longer term would fit.",
    )
    page = debtor_client.get(
        reverse("negotiation:request_detail", args=[relief_request.reference])
    ).content.decode()
    assert "We could not approve this request." in page
    assert "A longer term would fit." in page
    assert "The payments would not be affordable" in page


def test_the_debtor_can_withdraw(debtor_client, relief_request):
    url = reverse("negotiation:request_withdraw", args=[relief_request.reference])
    debtor_client.post(url, {"version": relief_request.version})
    relief_request.refresh_from_db()
    assert relief_request.status == RequestStatus.WITHDRAWN


def test_the_plan_page_shows_the_schedule_and_signing_activates_it(debtor_client, plan):
    give_a_mobile_number(plan.account.debtor)
    url = reverse("negotiation:plan_detail", args=[plan.reference])
    page = debtor_client.get(url).content.decode()
    assert page.count("¥982.67") >= 11
    assert "Sign your plan" in page
    bad = debtor_client.post(url, {"consent_terms": "on", "password": "nope"})
    assert "That is not the password of your sign-in" in bad.content.decode()
    debtor_client.post(url, {"step": "consent", "consent_terms": "on", "password": PASSWORD})
    plan.refresh_from_db()
    assert plan.status == "awaiting_signature"  # the code is still to come
    debtor_client.post(url, {"step": "code", "code": last_sms_code()})
    plan.refresh_from_db()
    assert plan.status == "active"
    assert len(plan.agreement_sha256) == 64
    assert plan.signed_at is not None


def test_the_plan_page_shows_the_regular_payment_not_the_down_payment(
    account, installment_program, supervisor, debtor_client
):
    request = submit_request(
        account,
        actor=account.debtor.user,
        program=installment_program,
        choices=Choices(months=10, down_payment=Decimal("1000.00")),
        hardship=HARDSHIP,
        now=timezone.now(),
    )
    plan = approve_request(request, actor=supervisor, today=TODAY).plan
    regular = plan.installments.get(number=2).amount
    assert plan.monthly_amount == regular
    html = debtor_client.get(reverse("negotiation:plan_detail", args=[plan.reference])).content
    assert f"¥{regular:,.2f}".encode() in html


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise OperationalError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    assert client.get("/healthz").status_code == 503
