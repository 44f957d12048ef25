"""The request page says what the debtor has to do whenever the bank waits for them (an
answer, proof the option needs, an answer to an offer, a signature), first, and says
"nothing to do" only when that is true (a walk of the debtor site in Chinese found "nothing to
do" on a request whose option needs proof none had been sent for). Both languages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from negotiation.services.documents import upload_document
from negotiation.services.requests import ask_for_information
from tests.factories import PDF, make_installment_program, make_request

pytestmark = pytest.mark.django_db
LANGUAGES = ["en", "zh-hans"]

TO_DO = {
    "en": ("What you need to do:", "You do not need to do anything now."),
    "zh-hans": ("您需要做的：", "您目前无需进行任何操作。"),
}


def request_page(client: Client, language: str, reference: str) -> str:
    client.cookies["django_language"] = language
    response = client.get(reverse("negotiation:request_detail", args=[reference]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_request_whose_option_needs_proof_asks_for_it_until_it_is_there(
    language, debtor_client, account, debtor
):
    """Before: a request under an option that needs proof of the situation, with none sent,
    said "You do not need to do anything now"."""
    program = make_installment_program(hardship_evidence_required=True)
    request = make_request(account, program)
    to_do, nothing = TO_DO[language]
    html = request_page(debtor_client, language, request.reference)
    assert 'data-testid="debtor-to-do"' in html
    assert to_do in html
    assert nothing not in html
    upload_document(
        request,
        actor=debtor.user,
        upload=SimpleUploadedFile("proof.pdf", PDF, content_type="application/pdf"),
        kind="income",
        consent=True,
    )
    html = request_page(debtor_client, language, request.reference)
    assert to_do not in html
    assert nothing in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_request_the_bank_asked_about_says_to_answer_and_never_nothing_to_do(
    language, debtor_client, account, installment_program, specialist
):
    request = make_request(account, installment_program)
    ask_for_information(request, actor=specialist, question="Please send last month's payslip.")
    to_do, nothing = TO_DO[language]
    html = request_page(debtor_client, language, request.reference)
    assert to_do in html
    assert nothing not in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_request_that_needs_nothing_says_so(
    language, debtor_client, account, installment_program
):
    request = make_request(account, installment_program)
    to_do, nothing = TO_DO[language]
    html = request_page(debtor_client, language, request.reference)
    assert nothing in html
    assert to_do not in html
