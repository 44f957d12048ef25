"""The plan-change page (``negotiation:plan_change``): a new payment day previewed with the
old and new dates side by side and the annual rate, refused in the portal's words, set out
and signed with the password and the code, or given up; a payment moved to the end; another
change asked of a specialist; someone else's plan is a 404. The rules:
tests/services/test_plan_changes.py; every persona: tests/web/test_url_matrix.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from negotiation.models import (
    AmendmentStatus,
    CodePurpose,
    OneTimeCode,
    PlanAmendment,
    PlanChangeRequest,
    RepaymentPlan,
)
from negotiation.services.requests import approve_request
from tests.factories import (
    PASSWORD,
    last_sms_code,
    make_active_plan,
    make_installment_program,
    make_request,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(account, specialist) -> RepaymentPlan:
    program = make_installment_program(payment_day=10, allows_move_to_end=True)
    signed = make_active_plan(account, program, specialist, months=6)
    # The plan was signed a moment ago, and a second code within a minute is refused (the
    # limits on codes have tests of their own).
    OneTimeCode.objects.filter(debtor=account.debtor, purpose=CodePurpose.SIGNING).delete()
    return signed


def url(plan: RepaymentPlan) -> str:
    return reverse("negotiation:plan_change", args=[plan.reference])


def _new_day(plan: RepaymentPlan) -> int:
    return 20 if (plan.payment_day or 0) != 20 else 21


def test_the_plan_page_offers_to_change_the_payment_date(debtor_client, plan):
    page = debtor_client.get(reverse("negotiation:plan_detail", args=[plan.reference]))
    assert 'data-testid="plan-change-link"' in page.content.decode()
    assert url(plan) in page.content.decode()


def test_a_new_day_is_previewed_side_by_side_with_the_rate(debtor_client, plan):
    day = _new_day(plan)
    page = debtor_client.post(url(plan), {"step": "preview_day", "day-new_day": str(day)})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="change-preview"' in html
    assert 'data-testid="change-schedule"' in html
    assert "Due after the change" in html
    assert "(now " in html  # the rate before beside the new one
    assert not PlanAmendment.objects.exists()  # a preview stores nothing


def test_a_day_outside_1_to_28_is_refused_in_the_portal_s_words(debtor_client, plan):
    html = debtor_client.post(url(plan), {"step": "preview_day", "day-new_day": "29"}).content
    assert "Please choose a day from 1 to 28: every month has those days." in html.decode()
    assert "Select a valid choice" not in html.decode()
    html = debtor_client.post(url(plan), {"step": "preview_day", "day-new_day": "10"}).content
    assert "Your payments already fall on day 10 of the month." in html.decode()
    html = debtor_client.post(url(plan), {"step": "preview_day", "day-new_day": "x"}).content
    assert "Please choose a day from 1 to 28" in html.decode()
    assert not PlanAmendment.objects.exists()


def test_the_change_is_set_out_then_signed_with_the_password_and_the_code(
    debtor_client, plan, sms_outbox
):
    day = _new_day(plan)
    confirmed = debtor_client.post(url(plan), {"step": "confirm_day", "day-new_day": str(day)})
    assert confirmed.status_code == 302
    waiting = debtor_client.get(url(plan)).content.decode()
    assert 'data-testid="change-waiting"' in waiting
    assert "version 2" in waiting
    assert f"fall on day {day} of the month" in waiting
    plan_page = debtor_client.get(reverse("negotiation:plan_detail", args=[plan.reference]))
    assert 'data-testid="change-waiting"' in plan_page.content.decode()
    consented = debtor_client.post(
        url(plan), {"step": "consent", "consent_terms": "on", "password": PASSWORD}
    )
    assert consented.status_code == 302
    assert 'data-testid="signing-code-form"' in debtor_client.get(url(plan)).content.decode()
    signed = debtor_client.post(url(plan), {"step": "code", "code": last_sms_code()}, follow=True)
    assert "The change is signed and your new dates apply now." in signed.content.decode()
    amendment = PlanAmendment.objects.get()
    assert amendment.status == AmendmentStatus.SIGNED
    plan.refresh_from_db()
    assert plan.payment_day == day
    assert 'data-testid="plan-versions"' in signed.content.decode()
    pdf = debtor_client.get(
        reverse("negotiation:plan_version_pdf", args=[plan.reference, amendment.version])
    )
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_a_wrong_password_sends_no_code(debtor_client, plan, sms_outbox):
    debtor_client.post(url(plan), {"step": "confirm_day", "day-new_day": str(_new_day(plan))})
    sent_before = len(sms_outbox)
    page = debtor_client.post(
        url(plan), {"step": "consent", "consent_terms": "on", "password": "not-it"}
    )
    assert page.status_code == 200
    assert len(sms_outbox) == sent_before


def test_a_change_can_be_given_up(debtor_client, plan):
    debtor_client.post(url(plan), {"step": "confirm_day", "day-new_day": str(_new_day(plan))})
    gone = debtor_client.post(url(plan), {"step": "abandon"}, follow=True)
    assert "The change is given up. Your plan stays as it was." in gone.content.decode()
    assert PlanAmendment.objects.get().status == AmendmentStatus.ABANDONED
    assert 'data-testid="change-day-form"' in debtor_client.get(url(plan)).content.decode()


def test_a_payment_moved_to_the_end_is_previewed_and_refused_when_it_cannot(debtor_client, plan):
    first_open = plan.installments.order_by("number").first()
    page = debtor_client.post(
        url(plan), {"step": "preview_move", "move-number": str(first_open.number)}
    )
    assert 'data-testid="change-preview"' in page.content.decode()
    last = plan.installments.order_by("number").last()
    refused = debtor_client.post(
        url(plan), {"step": "preview_move", "move-number": str(last.number)}
    )
    assert (
        "That payment cannot be moved. Please choose one of the list." in refused.content.decode()
    )


def test_another_change_is_asked_of_a_specialist(debtor_client, plan):
    empty = debtor_client.post(url(plan), {"step": "ask", "ask-text": ""})
    assert "Please say what you would like to change." in empty.content.decode()
    asked = debtor_client.post(
        url(plan), {"step": "ask", "ask-text": "Could I pay less in August?"}, follow=True
    )
    assert "A specialist will read what you asked" in asked.content.decode()
    assert 'data-testid="change-requests"' in asked.content.decode()
    assert PlanChangeRequest.objects.get().text == "Could I pay less in August?"


def test_an_unsigned_plan_cannot_be_changed_yet(
    debtor_client, account, installment_program, supervisor
):
    waiting = approve_request(
        make_request(account, installment_program), actor=supervisor, today=timezone.localdate()
    ).plan
    page = debtor_client.get(url(waiting)).content.decode()
    assert 'data-testid="change-not-possible"' in page
    debtor_client.post(url(waiting), {"step": "confirm_day", "day-new_day": "20"})
    assert not PlanAmendment.objects.exists()


def test_someone_else_s_plan_is_a_404(other_client, plan):
    assert other_client.get(url(plan)).status_code == 404
    assert (
        other_client.post(url(plan), {"step": "confirm_day", "day-new_day": "20"}).status_code
        == 404
    )
    version = reverse("negotiation:plan_version_pdf", args=[plan.reference, 1])
    assert other_client.get(version).status_code == 404
    assert not PlanAmendment.objects.exists()


def test_a_version_that_is_none_is_a_404(debtor_client, plan):
    for version in (2, 7):
        pdf = reverse("negotiation:plan_version_pdf", args=[plan.reference, version])
        assert debtor_client.get(pdf).status_code == 404


def test_a_lapsed_change_is_no_longer_offered(debtor_client, plan):
    debtor_client.post(url(plan), {"step": "confirm_day", "day-new_day": str(_new_day(plan))})
    PlanAmendment.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    page = debtor_client.get(url(plan)).content.decode()
    assert 'data-testid="change-waiting"' not in page
    assert 'data-testid="change-day-form"' in page
