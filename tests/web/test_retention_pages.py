"""What the debtor sees of a request the retention job purged: each removed document says
so and when, without a link; the conversation says what was removed and when; a removed
document's old link is a 404, never an error. Where documents are given, the debtor is told
how long they are kept. The job itself: tests/services/test_retention.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from negotiation.models import AuditAction, AuditEvent, ReliefRequest
from negotiation.services.documents import upload_document
from negotiation.services.requests import ask_for_information, withdraw_request
from negotiation.services.retention import purge_expired_personal_data
from tests.factories import PDF, make_request
from tests.written import written_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def purged(settings, account, installment_program, specialist) -> ReliefRequest:
    """A request with a document and a conversation, withdrawn long enough ago for both
    retention periods, and purged."""
    request: ReliefRequest = make_request(account, installment_program)
    upload_document(
        request,
        actor=account.debtor.user,
        upload=SimpleUploadedFile("Alice-payslip.pdf", PDF, content_type="application/pdf"),
        kind="income",
        consent=True,
    )
    ask_for_information(request, actor=specialist, question="Could you tell us about your rent?")
    withdraw_request(request, actor=account.debtor.user)
    long_ago = timezone.now() - dt.timedelta(days=settings.RETENTION_REQUEST_DAYS + 1)
    ReliefRequest.objects.filter(pk=request.pk).update(closed_at=long_ago)
    assert purge_expired_personal_data(now=timezone.now()).requests == 1
    request.refresh_from_db()
    return request


def test_the_request_page_says_what_was_removed_and_when(debtor_client, purged):
    response = debtor_client.get(reverse("negotiation:request_detail", args=[purged.reference]))
    assert response.status_code == 200
    page = response.content.decode()
    day = written_day(timezone.localdate())
    assert f"removed on {day} under the retention policy" in page
    assert f"was removed on {day}. The decision and its terms stay on record." in page
    document = purged.documents.get()
    assert reverse("negotiation:document_download", args=[document.reference]) not in page
    assert "Could you tell us about your rent?" not in page
    assert "Withdrawn" in page  # the decision stays


def test_a_removed_documents_old_link_is_a_404_and_no_read_is_recorded(debtor_client, purged):
    document = purged.documents.get()
    url = reverse("negotiation:document_download", args=[document.reference])
    assert debtor_client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.DOCUMENT_DOWNLOADED).exists()


def test_the_debtor_is_told_how_long_documents_are_kept_where_they_give_them(
    settings, debtor_client, account, installment_program
):
    settings.RETENTION_DOCUMENT_DAYS = 90
    request: ReliefRequest = make_request(account, installment_program)
    page = debtor_client.get(
        reverse("negotiation:request_detail", args=[request.reference])
    ).content.decode()
    assert "We keep your documents for 90 days after your request is closed" in page
