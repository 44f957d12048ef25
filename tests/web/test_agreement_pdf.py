"""The agreement PDF from the debtor's side: once signed, the stored document is what they
download, with the signature evidence, never a new one; nobody else's can be read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from negotiation.models import AuditEvent
from tests.services import test_agreement_pdf as agreement

pytestmark = pytest.mark.django_db
plan = agreement.plan  # the same fixture: an approved plan awaiting the signature
pdf_text = agreement.pdf_text
sign = agreement.sign


def test_the_signed_agreement_is_stored_once_with_its_evidence(plan, debtor_client):
    signed = sign(plan)
    url = reverse("negotiation:plan_agreement_pdf", args=[plan.reference])
    first = debtor_client.get(url)
    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first["Cache-Control"] == "private, no-store"
    text = pdf_text(first.content)
    assert "Draft" not in text
    assert "203.0.113.7" in text
    # The fingerprint may wrap across lines in the PDF: compare without whitespace.
    assert signed.agreement_sha256 in "".join(text.split())
    assert debtor_client.get(url).content == first.content  # the stored file, not a new one
    assert AuditEvent.objects.filter(action="plan.agreement_stored").count() == 1


def test_another_debtors_agreement_is_not_found(plan, other_client):
    url = reverse("negotiation:plan_agreement_pdf", args=[plan.reference])
    assert other_client.get(url).status_code == 404
