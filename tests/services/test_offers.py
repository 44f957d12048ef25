"""Counter-offers: the debtor accepts (the offer becomes the plan) or declines (back to
review with their comment); an expired offer cannot be accepted; an offer beyond the
specialist's limit needs a supervisor; every offer is in the audit trail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from negotiation.exceptions import (
    BalanceChanged,
    BeyondApprovalLimit,
    OfferNoLongerOpen,
    TransitionNotAllowed,
)
from negotiation.models import (
    ApprovalLimit,
    AuditEvent,
    CreditAccount,
    Message,
    Offer,
    RequestStatus,
)
from negotiation.services.offers import (
    accept_counter_offer,
    decline_counter_offer,
    expire_counter_offers,
)
from negotiation.services.requests import answer_question, approve_request, ask_for_information
from tests.factories import counter_offer, make_account, make_request

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_a_counter_offer_the_debtor_accepts_becomes_the_plan(
    account, installment_program, specialist
):
    request = counter_offer(make_request(account, installment_program, months=12), specialist)
    assert request.status == RequestStatus.COUNTER_OFFERED
    offers = {o.kind: o.status for o in Offer.objects.filter(request=request)}
    assert offers == {"ask": "superseded", "counter": "pending"}
    assert Message.objects.get(request=request).internal is False
    approved = accept_counter_offer(request, actor=account.debtor.user, now=timezone.now())
    assert approved.status == RequestStatus.APPROVED
    assert approved.months == 24
    assert approved.plan.installments.count() == 24
    assert approved.decided_by == specialist
    assert Offer.objects.get(request=request, kind="counter").status == "accepted"


def test_a_declined_counter_offer_goes_back_to_review_with_the_comment(
    account, installment_program, specialist
):
    request = counter_offer(make_request(account, installment_program), specialist)
    returned = decline_counter_offer(
        request, actor=account.debtor.user, comment="I can pay 600 a month."
    )
    assert returned.status == RequestStatus.IN_REVIEW
    assert Offer.objects.get(request=request, kind="counter").status == "declined"
    assert Message.objects.filter(
        request=request, author=account.debtor.user, body__contains="600"
    ).exists()


def test_an_expired_counter_offer_cannot_be_accepted_and_expires(
    account, installment_program, specialist
):
    request = counter_offer(
        make_request(account, installment_program), specialist, expires_on=TODAY
    )
    now = timezone.now()
    Offer.objects.filter(request=request, kind="counter").update(
        expires_at=now - dt.timedelta(hours=1)
    )
    with pytest.raises(OfferNoLongerOpen):
        accept_counter_offer(request, actor=account.debtor.user, now=timezone.now())
    assert expire_counter_offers(now=now) == 1
    assert expire_counter_offers(now=now) == 0  # running it again changes nothing
    request.refresh_from_db()
    assert request.status == RequestStatus.EXPIRED


def test_a_counter_offer_beyond_the_limit_needs_a_supervisor(
    account, installment_program, specialist, supervisor
):
    ApprovalLimit.objects.filter(user=specialist).update(max_months=12)
    request = make_request(account, installment_program)
    with pytest.raises(BeyondApprovalLimit):
        counter_offer(request, specialist, months=24)
    assert counter_offer(request, supervisor, months=24).status == RequestStatus.COUNTER_OFFERED


def test_the_request_keeps_its_own_terms_until_the_offer_is_accepted(
    account, installment_program, specialist
):
    request = counter_offer(make_request(account, installment_program, months=12), specialist)
    request.refresh_from_db()
    assert (request.months, request.monthly_amount) == (12, Decimal("982.67"))
    approved = accept_counter_offer(request, actor=account.debtor.user, now=timezone.now())
    approved.refresh_from_db()
    # 11,000 over 24 months at 0.6% a month: 458.33 repaid + 66.00 fee.
    assert (approved.months, approved.monthly_amount) == (24, Decimal("524.33"))


def test_an_approval_after_a_declined_offer_checks_todays_balance(
    account, installment_program, specialist
):
    request = counter_offer(make_request(account, installment_program), specialist)
    CreditAccount.objects.filter(pk=account.pk).update(principal=Decimal("7000.00"))  # a payment
    decline_counter_offer(request, actor=account.debtor.user, comment="Too long.")
    with pytest.raises(BalanceChanged):
        approve_request(request, actor=specialist, today=TODAY)


def test_debtor_replies_only_in_their_state(account, installment_program, specialist):
    request = counter_offer(make_request(account, installment_program), specialist)
    with pytest.raises(TransitionNotAllowed):
        answer_question(request, actor=account.debtor.user, answer="?")
    asked = make_request(make_account(account.debtor, card_last4="7777"), installment_program)
    asked = ask_for_information(asked, actor=specialist, question="Payslip?")
    with pytest.raises(TransitionNotAllowed):
        decline_counter_offer(asked, actor=account.debtor.user, comment="no")
    assert Offer.objects.get(request=asked).status == "pending"  # the ask was not "declined"


def test_offers_are_in_the_audit_trail(account, installment_program, specialist):
    request = counter_offer(make_request(account, installment_program), specialist)
    made = AuditEvent.objects.get(action="offer.made")
    assert (made.after["months"], made.actor) == (24, specialist)
    assert "24 fits better" in made.after["message"]
    settled = AuditEvent.objects.get(action="offer.settled")
    assert (settled.after["kind"], settled.after["status"]) == ("ask", "superseded")
    decline_counter_offer(request, actor=account.debtor.user, comment="no")
    assert AuditEvent.objects.filter(action="offer.settled", after__status="declined").exists()
