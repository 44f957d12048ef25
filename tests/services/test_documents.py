"""Documents the debtor sends: judged by their content, not their name; refused when too
large or sent without consent, and nothing is kept of a refused one."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from negotiation.exceptions import DocumentRefused
from negotiation.models import Document
from negotiation.services.documents import upload_document
from tests.factories import PDF, make_request

pytestmark = pytest.mark.django_db


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


def test_a_request_and_a_debtor_hold_only_so_many_documents(settings, account, installment_program):
    settings.DOCUMENTS_PER_REQUEST = 2
    request = make_request(account, installment_program)
    assert account.debtor.user is not None

    def send(into=request):
        upload = SimpleUploadedFile("p.pdf", PDF, content_type="application/pdf")
        return upload_document(
            into, actor=account.debtor.user, upload=upload, kind="income", consent=True
        )

    send()
    send()
    with pytest.raises(DocumentRefused, match="already has 2 documents"):
        send()
    assert Document.objects.count() == 2
    settings.DOCUMENTS_PER_REQUEST = 20
    settings.DOCUMENT_BYTES_PER_DEBTOR = 3 * len(PDF) - 1
    with pytest.raises(DocumentRefused, match="as many documents as we can keep"):
        send()
    assert Document.objects.count() == 2
