"""The specialist's workbench in the staff site: every decision through its button (claim,
note, contact, ask, counter-offer previewed first, second approval), the queue by urgency
with names masked for those who may not see them, bulk assignment, and the request page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from negotiation.models import (
    ApprovalLimit,
    AuditEvent,
    ContactRecord,
    Message,
    ReliefRequest,
    RequestStatus,
)
from negotiation.roles import COMPLIANCE
from tests.conftest import staff_client
from tests.factories import counter_offer, make_account, make_request, make_staff

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def admin_url(name, request):
    return reverse(f"admin:negotiation_reliefrequest_{name}", args=[request.pk])


# The decision buttons ----------------------------------------------------------------------


def test_every_decision_through_the_admin(account, installment_program, specialist, supervisor):
    client = staff_client(specialist)
    request = make_request(account, installment_program)
    client.post(admin_url("claim", request), {"version": request.version})
    request.refresh_from_db()
    assert (request.status, request.assignee) == (RequestStatus.IN_REVIEW, specialist)
    client.post(admin_url("note", request), {"note": "Called, friendly."})
    assert Message.objects.get(request=request).internal
    at = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    client.post(
        admin_url("contact", request),
        {
            "channel": "phone",
            "direction": "inbound",
            "outcome": "spoke",
            "at": at,
            "note": "Agreed to send payslip",
        },
    )
    assert ContactRecord.objects.get().staff == specialist
    client.post(
        admin_url("ask", request), {"version": request.version, "question": "Payslip please"}
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.NEEDS_INFO


def test_a_counter_offer_through_the_admin_is_previewed_first(
    account, installment_program, specialist
):
    request = make_request(account, installment_program)
    client = staff_client(specialist)
    data = {
        "version": request.version,
        "months": "24",
        "grace_months": "0",
        "expires_on": (TODAY + dt.timedelta(days=14)).isoformat(),
        "message": "24 months fits your budget better.",
    }
    preview = client.post(admin_url("counter", request), {**data, "preview": "1"})
    page = preview.content.decode()
    assert "What the debtor will see" in page
    assert "13.27%" in page  # 24 months at 0.6% a month
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    client.post(admin_url("counter", request), {**data, "send": "1"})
    request.refresh_from_db()
    assert request.status == RequestStatus.COUNTER_OFFERED


def test_a_counter_offer_outside_the_bounds_shows_why(account, installment_program, specialist):
    request = make_request(account, installment_program)
    data = {
        "version": request.version,
        "months": "2",
        "grace_months": "0",
        "expires_on": TODAY.isoformat(),
        "message": "x",
    }
    page = (
        staff_client(specialist)
        .post(admin_url("counter", request), {**data, "send": "1"})
        .content.decode()
    )
    assert "Choose between 3 and 60 monthly payments." in page
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_a_counter_offer_cannot_expire_in_the_past(account, installment_program, specialist):
    request = make_request(account, installment_program)
    data = {
        "version": request.version,
        "months": "24",
        "grace_months": "0",
        "expires_on": (TODAY - dt.timedelta(days=1)).isoformat(),
        "message": "x",
        "send": "1",
    }
    page = staff_client(specialist).post(admin_url("counter", request), data).content.decode()
    assert "Choose a date from today to 60 days ahead." in page
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_a_contact_cannot_be_recorded_in_the_future(account, installment_program, specialist):
    from negotiation.models import ContactRecord

    request = make_request(account, installment_program)
    later = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    data = {"channel": "phone", "direction": "outbound", "outcome": "spoke", "at": later}
    response = staff_client(specialist).post(admin_url("contact", request), data, follow=True)
    assert "A contact cannot be in the future." in response.content.decode()
    assert not ContactRecord.objects.exists()


def test_the_second_approval_and_send_back_buttons(
    account, installment_program, specialist, supervisor
):
    ApprovalLimit.objects.filter(user=specialist).update(max_amount=Decimal("5000.00"))
    request = make_request(account, installment_program)
    staff_client(specialist).post(
        admin_url("approve", request), {"version": request.version, "recommendation": "ok"}
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.AWAITING_SECOND_APPROVAL
    page = staff_client(supervisor).get(admin_url("change", request)).content.decode()
    assert "Give the second approval" in page
    staff_client(supervisor).post(admin_url("approve", request), {"version": request.version})
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED


# The queue ---------------------------------------------------------------------------------


def test_the_queue_shows_open_requests_by_urgency(specialist, debtor, installment_program):
    later = make_request(make_account(debtor, card_last4="1111"), installment_program)
    sooner = make_request(make_account(debtor, card_last4="2222"), installment_program)
    closed = make_request(make_account(debtor, card_last4="3333"), installment_program)
    ReliefRequest.objects.filter(pk=sooner.pk).update(due_by=timezone.now() - dt.timedelta(hours=1))
    ReliefRequest.objects.filter(pk=closed.pk).update(status=RequestStatus.WITHDRAWN)
    page = (
        staff_client(specialist)
        .get(reverse("admin:negotiation_reliefrequest_changelist"))
        .content.decode()
    )
    assert page.index(sooner.reference) < page.index(later.reference)
    assert closed.reference not in page
    assert "Past due" in page
    assert debtor.full_name in page


def test_names_are_masked_without_the_contact_permission(debtor, account, installment_program):
    make_request(account, installment_program)
    compliance = make_staff(COMPLIANCE)
    page = (
        staff_client(compliance)
        .get(reverse("admin:negotiation_reliefrequest_changelist"))
        .content.decode()
    )
    assert debtor.full_name not in page
    assert f"A* D* ({debtor.reference})" in page


def test_compliance_never_sees_names_or_contact_details(
    debtor, account, installment_program, specialist
):
    counter_offer(make_request(account, installment_program), specialist)
    compliance = staff_client(make_staff(COMPLIANCE))
    pages = [
        reverse("admin:negotiation_debtor_changelist"),
        reverse("admin:negotiation_debtor_change", args=[debtor.pk]),
        reverse("admin:negotiation_creditaccount_changelist"),
        reverse("admin:negotiation_creditaccount_change", args=[account.pk]),
        admin_url("change", ReliefRequest.objects.get()),
    ]
    for url in pages:
        page = compliance.get(url).content.decode()
        assert debtor.full_name not in page, url
        assert debtor.email not in page, url
    search = compliance.get(
        reverse("admin:negotiation_debtor_changelist"), {"q": "Alice"}
    ).content.decode()
    assert debtor.reference not in search  # no searching by name either


def test_assign_to_me_in_bulk(specialist, debtor, installment_program):
    requests = [
        make_request(make_account(debtor, card_last4=f"{i:04d}"), installment_program)
        for i in range(3)
    ]
    staff_client(specialist).post(
        reverse("admin:negotiation_reliefrequest_changelist"),
        {"action": "assign_to_me", "_selected_action": [r.pk for r in requests]},
    )
    assert set(ReliefRequest.objects.values_list("assignee", flat=True)) == {specialist.pk}
    assert AuditEvent.objects.filter(action="request.assigned").count() == 3


# The request page --------------------------------------------------------------------------


def test_the_newest_messages_are_the_ones_shown(account, installment_program, specialist):
    request = make_request(account, installment_program)
    Message.objects.bulk_create(
        Message(request=request, author=specialist, body=f"note {i:03d}", internal=True)
        for i in range(210)
    )
    page = staff_client(specialist).get(admin_url("change", request)).content.decode()
    assert "note 209" in page
    assert "note 000" not in page
