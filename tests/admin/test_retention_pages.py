"""What staff see of a request the retention job purged: the review page and the queue
show the removed parts as removed, with the day, and the decision as it was; a removed
document is listed without a link and its old link is a 404. The job itself:
tests/services/test_retention.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from negotiation.models import ReliefRequest, RequestStatus
from negotiation.services.documents import upload_document
from negotiation.services.requests import add_internal_note, reject_request
from negotiation.services.retention import purge_expired_personal_data
from tests.conftest import staff_client
from tests.factories import PDF, make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def purged(settings, account, installment_program, specialist) -> ReliefRequest:
    request: ReliefRequest = make_request(account, installment_program)
    upload_document(
        request,
        actor=account.debtor.user,
        upload=SimpleUploadedFile("Alice-payslip.pdf", PDF, content_type="application/pdf"),
        kind="income",
        consent=True,
    )
    add_internal_note(request, actor=specialist, body="Her husband is in hospital.")
    reject_request(
        request, actor=specialist, reason_code="affordability", explanation="Too little left."
    )
    long_ago = timezone.now() - dt.timedelta(days=settings.RETENTION_REQUEST_DAYS + 1)
    ReliefRequest.objects.filter(pk=request.pk).update(closed_at=long_ago)
    assert purge_expired_personal_data(now=timezone.now()).requests == 1
    request.refresh_from_db()
    return request


def test_the_review_page_shows_what_was_removed_and_the_decision(specialist, purged):
    url = reverse("admin:negotiation_reliefrequest_change", args=[purged.pk])
    response = staff_client(specialist).get(url)
    assert response.status_code == 200
    page = response.content.decode()
    removed = f"emoved on {timezone.localdate():%Y-%m-%d} under the retention policy"
    assert page.count(removed) == 4  # the figures, the statement, the note, the document
    assert 'data-testid="figures-removed"' in page
    document = purged.documents.get()
    assert document.reference in page
    assert reverse("admin:negotiation_document_download", args=[document.reference]) not in page
    assert "Her husband is in hospital." not in page
    assert "Loss of job or income" in page  # the hardship category stays
    assert purged.status == RequestStatus.REJECTED


def test_a_removed_documents_old_link_is_a_404_for_staff_too(specialist, purged):
    document = purged.documents.get()
    url = reverse("admin:negotiation_document_download", args=[document.reference])
    assert staff_client(specialist).get(url).status_code == 404


def test_the_queue_lists_a_purged_request_without_judging_removed_figures(specialist, purged):
    url = reverse("admin:negotiation_reliefrequest_changelist")
    response = staff_client(specialist).get(url, {"queue": "all"})
    assert response.status_code == 200
    assert purged.reference in response.content.decode()
