"""The debtor's side of the conversation on their request page: answering a question
with a document, counter-offers with their own dates and their expiry, the inbox; and who
may read a document once sent."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from negotiation.models import AuditEvent, Document, Notification, Offer, RequestStatus
from negotiation.services.documents import upload_document
from negotiation.services.requests import ask_for_information
from tests.conftest import staff_client
from tests.factories import PDF, counter_offer, make_installment_program, make_request

pytestmark = pytest.mark.django_db


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


def test_the_debtor_sees_and_answers_a_counter_offer(
    debtor_client, account, installment_program, specialist
):
    request = counter_offer(make_request(account, installment_program), specialist)
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
    counter_offer(make_request(account, installment_program), specialist)
    dashboard = debtor_client.get(reverse("negotiation:dashboard")).content.decode()
    assert '1<span class="visually-hidden"> unread' in dashboard
    inbox = debtor_client.get(reverse("negotiation:inbox")).content.decode()
    assert "We have proposed different terms" in inbox
    after = debtor_client.get(reverse("negotiation:dashboard")).content.decode()
    assert "unread" not in after


def test_the_debtor_sees_the_offers_own_dates(debtor_client, account, specialist):
    program = make_installment_program(code="day-20", payment_day=20, first_due_min_days=15)
    request = counter_offer(make_request(account, program), specialist)
    program.payment_day = 5
    program.save()
    page = debtor_client.get(
        reverse("negotiation:request_detail", args=[request.reference])
    ).content.decode()
    first_due = Offer.objects.get(request=request, kind="counter").due
    assert first_due.payment_day == 20
    assert re.search(r">20 \w+ \d{4}</span></dd>", page)  # 20 December 2026: the offer's own day


def test_a_refused_answer_leaves_no_file_behind(debtor_client, account, installment_program):
    request = make_request(account, installment_program)  # not waiting for an answer
    before = sorted(Path(settings.PRIVATE_MEDIA_ROOT).rglob("*"))
    upload = SimpleUploadedFile("p.pdf", PDF, content_type="application/pdf")
    debtor_client.post(
        reverse("negotiation:request_answer", args=[request.reference]),
        {
            "answer": "x",
            "version": request.version,
            "document": upload,
            "document_kind": "income",
            "document_consent": "on",
        },
    )
    assert sorted(Path(settings.PRIVATE_MEDIA_ROOT).rglob("*")) == before


def test_an_expired_offer_shows_no_accept_button(
    debtor_client, account, installment_program, specialist
):
    request = counter_offer(make_request(account, installment_program), specialist)
    Offer.objects.filter(request=request, kind="counter").update(
        expires_at=timezone.now() - dt.timedelta(hours=1)
    )
    page = debtor_client.get(
        reverse("negotiation:request_detail", args=[request.reference])
    ).content.decode()
    assert "can no longer be accepted" in page
    assert "Accept these terms" not in page
