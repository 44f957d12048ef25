"""The specialist's workbench and the debtor's answers: every decision path, four-eyes,
documents, the queue and the inbox."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from negotiation.exceptions import (
    BeyondApprovalLimit,
    DocumentRefused,
    OfferNoLongerOpen,
    SameApprover,
)
from negotiation.models import (
    ApprovalLimit,
    AuditEvent,
    ContactRecord,
    Document,
    Message,
    Notification,
    Offer,
    ReliefRequest,
    RequestStatus,
)
from negotiation.policy import Choices, add_business_days
from negotiation.roles import COMPLIANCE, SUPERVISORS
from negotiation.services.documents import upload_document
from negotiation.services.offers import (
    accept_counter_offer,
    decline_counter_offer,
    expire_counter_offers,
    make_counter_offer,
)
from negotiation.services.requests import approve_request, ask_for_information, send_back
from tests.conftest import staff_client
from tests.factories import make_account, make_request, make_staff

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
SHANGHAI = ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def counter(request, actor, months=24, expires_on=None):
    return make_counter_offer(
        request,
        actor=actor,
        choices=Choices(months=months),
        message="Twelve months is more than your budget allows; 24 fits better.",
        expires_on=expires_on or TODAY + dt.timedelta(days=14),
        today=TODAY,
    )


# Counter-offers ---------------------------------------------------------------------------


def test_a_counter_offer_the_debtor_accepts_becomes_the_plan(
    account, installment_program, specialist
):
    request = counter(make_request(account, installment_program, months=12), specialist)
    assert request.status == RequestStatus.COUNTER_OFFERED
    offers = {o.kind: o.status for o in Offer.objects.filter(request=request)}
    assert offers == {"ask": "superseded", "counter": "pending"}
    assert Message.objects.get(request=request).internal is False
    approved = accept_counter_offer(request, actor=account.debtor.user, today=TODAY)
    assert approved.status == RequestStatus.APPROVED
    assert approved.months == 24
    assert approved.plan.installments.count() == 24
    assert approved.decided_by == specialist
    assert Offer.objects.get(request=request, kind="counter").status == "accepted"


def test_a_declined_counter_offer_goes_back_to_review_with_the_comment(
    account, installment_program, specialist
):
    request = counter(make_request(account, installment_program), specialist)
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
    request = counter(make_request(account, installment_program), specialist, expires_on=TODAY)
    now = timezone.now()
    Offer.objects.filter(request=request, kind="counter").update(
        expires_at=now - dt.timedelta(hours=1)
    )
    with pytest.raises(OfferNoLongerOpen):
        accept_counter_offer(request, actor=account.debtor.user, today=TODAY)
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
        counter(request, specialist, months=24)
    assert counter(request, supervisor, months=24).status == RequestStatus.COUNTER_OFFERED


# Questions and documents --------------------------------------------------------------------


def test_a_question_and_its_answer_with_a_document(
    debtor_client, account, installment_program, specialist
):
    request = ask_for_information(
        make_request(account, installment_program), actor=specialist, question="Payslip?"
    )
    assert request.status == RequestStatus.NEEDS_INFO
    assert Notification.objects.filter(template="request.needs_info", channel="portal").exists()
    url = reverse("negotiation:request_answer", args=[request.reference])
    upload = SimpleUploadedFile("payslip.pdf", PDF, content_type="application/pdf")
    response = debtor_client.post(
        url,
        {
            "answer": "Here it is.",
            "version": request.version,
            "document": upload,
            "document_kind": "income",
            "document_consent": "on",
        },
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_REVIEW
    document = Document.objects.get()
    assert (document.content_type, document.size, len(document.sha256)) == (
        "application/pdf",
        len(PDF),
        64,
    )
    assert document.file.read() == PDF


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "payslip.pdf",
            b"MZ\x90\x00\x03 this is a program",
            "Please send a PDF, JPEG or PNG file.",
        ),
        ("empty.pdf", b"", "The file is empty."),
    ],
)
def test_files_are_judged_by_their_content(account, installment_program, name, content, message):
    request = make_request(account, installment_program)
    with pytest.raises(DocumentRefused) as caught:
        upload_document(
            request,
            actor=account.debtor.user,
            upload=SimpleUploadedFile(name, content, content_type="application/pdf"),
            kind="income",
            consent=True,
        )
    assert str(caught.value.message) == message
    assert not Document.objects.exists()


def test_a_file_too_large_or_without_consent_is_refused(account, installment_program, settings):
    settings.DOCUMENT_MAX_BYTES = 10
    request = make_request(account, installment_program)
    upload = SimpleUploadedFile("big.pdf", PDF, content_type="application/pdf")
    with pytest.raises(DocumentRefused, match="larger than"):
        upload_document(
            request, actor=account.debtor.user, upload=upload, kind="income", consent=True
        )
    with pytest.raises(DocumentRefused, match="agree"):
        upload_document(
            request, actor=account.debtor.user, upload=upload, kind="income", consent=False
        )


def test_a_refused_document_leaves_the_question_open(
    debtor_client, account, installment_program, specialist
):
    request = ask_for_information(
        make_request(account, installment_program), actor=specialist, question="Payslip?"
    )
    upload = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00", content_type="application/pdf")
    response = debtor_client.post(
        reverse("negotiation:request_answer", args=[request.reference]),
        {
            "answer": "Here.",
            "version": request.version,
            "document": upload,
            "document_kind": "income",
            "document_consent": "on",
        },
    )
    assert response.status_code == 400
    assert "Please send a PDF, JPEG or PNG file." in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.NEEDS_INFO


def test_who_may_read_a_document(
    debtor_client, other_client, account, installment_program, specialist, bankstaff
):
    request = make_request(account, installment_program)
    upload = SimpleUploadedFile("p.pdf", PDF, content_type="application/pdf")
    document = upload_document(
        request, actor=account.debtor.user, upload=upload, kind="income", consent=True
    )
    own = reverse("negotiation:document_download", args=[document.reference])
    assert debtor_client.get(own).status_code == 200
    assert other_client.get(own).status_code == 404
    staff_url = reverse("admin:negotiation_document_download", args=[document.reference])
    response = staff_client(specialist).get(staff_url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert content == PDF
    assert staff_client(bankstaff).get(staff_url).status_code == 403
    readers = set(
        AuditEvent.objects.filter(action="document.downloaded").values_list(
            "actor_label", flat=True
        )
    )
    assert readers == {account.debtor.user.username, specialist.username}


# Four-eyes ----------------------------------------------------------------------------------


def test_beyond_the_limit_an_approval_is_a_recommendation(
    account, installment_program, specialist, supervisor
):
    ApprovalLimit.objects.filter(user=specialist).update(max_amount=Decimal("5000.00"))
    request = approve_request(
        make_request(account, installment_program),
        actor=specialist,
        today=TODAY,
        recommendation="Fits.",
    )
    assert request.status == RequestStatus.AWAITING_SECOND_APPROVAL
    assert (request.first_approved_by, request.recommendation) == (specialist, "Fits.")
    approved = approve_request(request, actor=supervisor, today=TODAY)
    assert approved.status == RequestStatus.APPROVED
    assert (approved.first_approved_by, approved.decided_by) == (specialist, supervisor)


def test_the_second_approver_is_never_the_first(account, installment_program, specialist):
    ApprovalLimit.objects.filter(user=specialist).update(max_amount=Decimal("5000.00"))
    request = approve_request(
        make_request(account, installment_program), actor=specialist, today=TODAY
    )
    specialist.groups.add(make_staff(SUPERVISORS).groups.first())  # even if promoted meanwhile
    specialist = type(specialist).objects.get(pk=specialist.pk)  # fresh permission cache
    with pytest.raises(SameApprover):
        approve_request(request, actor=specialist, today=TODAY)


def test_the_database_refuses_the_same_person_twice(account, installment_program, specialist):
    request = make_request(account, installment_program)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReliefRequest.objects.filter(pk=request.pk).update(
            first_approved_by=specialist, decided_by=specialist
        )


def test_a_specialist_without_a_limit_only_recommends(account, installment_program, specialist):
    ApprovalLimit.objects.filter(user=specialist).delete()
    request = approve_request(
        make_request(account, installment_program), actor=specialist, today=TODAY
    )
    assert request.status == RequestStatus.AWAITING_SECOND_APPROVAL


def test_a_supervisor_can_send_it_back(
    debtor_client, account, installment_program, specialist, supervisor
):
    ApprovalLimit.objects.filter(user=specialist).update(max_amount=Decimal("5000.00"))
    request = approve_request(
        make_request(account, installment_program), actor=specialist, today=TODAY
    )
    returned = send_back(request, actor=supervisor, note="Check the income first.")
    assert returned.status == RequestStatus.IN_REVIEW
    assert returned.first_approved_by is None
    page = debtor_client.get(
        reverse("negotiation:request_detail", args=[request.reference])
    ).content.decode()
    assert "Check the income first." not in page  # internal notes stay internal


# Admin buttons --------------------------------------------------------------------------------


def admin_url(name, request):
    return reverse(f"admin:negotiation_reliefrequest_{name}", args=[request.pk])


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
            "direction": "outbound",
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
    assert "past due" in page
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


def test_the_queue_costs_the_same_for_many_requests(
    specialist, debtor, installment_program, django_assert_max_num_queries
):
    for i in range(15):
        make_request(make_account(debtor, card_last4=f"{i:04d}"), installment_program)
    client = staff_client(specialist)
    with django_assert_max_num_queries(12):
        client.get(reverse("admin:negotiation_reliefrequest_changelist"))


def test_the_request_page_costs_the_same_whatever_the_history(
    specialist, debtor, account, installment_program, django_assert_max_num_queries
):
    request = make_request(account, installment_program)
    for i in range(10):
        Message.objects.create(request=request, author=specialist, body=f"note {i}", internal=True)
        make_account(debtor, card_last4=f"{i:04d}")
    client = staff_client(specialist)
    with django_assert_max_num_queries(30):
        assert client.get(admin_url("change", request)).status_code == 200


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


# The debtor's side ------------------------------------------------------------------------------


def test_the_debtor_sees_and_answers_a_counter_offer(
    debtor_client, account, installment_program, specialist
):
    request = counter(make_request(account, installment_program), specialist)
    page = debtor_client.get(
        reverse("negotiation:request_detail", args=[request.reference])
    ).content.decode()
    assert "Accept these terms" in page
    assert "24 fits better" in page
    response = debtor_client.post(
        reverse("negotiation:request_accept_offer", args=[request.reference]),
        {"version": request.version},
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    assert response["Location"] == reverse("negotiation:plan_detail", args=[request.plan.reference])


def test_the_inbox_shows_decisions_and_counts_unread(
    debtor_client, account, installment_program, specialist
):
    counter(make_request(account, installment_program), specialist)
    dashboard = debtor_client.get(reverse("negotiation:dashboard")).content.decode()
    assert '1<span class="visually-hidden"> unread' in dashboard
    inbox = debtor_client.get(reverse("negotiation:inbox")).content.decode()
    assert "We have proposed different terms" in inbox
    after = debtor_client.get(reverse("negotiation:dashboard")).content.decode()
    assert "unread" not in after


def test_business_days_skip_the_weekend():
    friday = dt.datetime(2026, 11, 27, 16, 0, tzinfo=SHANGHAI)
    assert add_business_days(friday, 2) == (dt.datetime(2026, 12, 1, 16, 0, tzinfo=SHANGHAI))
    saturday = friday + dt.timedelta(days=1)
    assert add_business_days(saturday, 1) == (dt.datetime(2026, 11, 30, 16, 0, tzinfo=SHANGHAI))


def test_the_request_keeps_its_own_terms_until_the_offer_is_accepted(
    account, installment_program, specialist
):
    request = counter(make_request(account, installment_program, months=12), specialist)
    request.refresh_from_db()
    assert (request.months, request.monthly_amount) == (12, Decimal("982.67"))
    approved = accept_counter_offer(request, actor=account.debtor.user, today=TODAY)
    approved.refresh_from_db()
    # 11,000 over 24 months at 0.6% a month: 458.33 repaid + 66.00 fee.
    assert (approved.months, approved.monthly_amount) == (24, Decimal("524.33"))
