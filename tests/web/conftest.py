"""The debtor site's shared fixture: one debtor's objects of every kind (the URL matrix and
the Chinese punctuation scan both walk them)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from negotiation.services.callbacks import book_callback, open_slots
from negotiation.services.disputes import open_dispute
from negotiation.services.documents import upload_document
from negotiation.services.requests import approve_request, ask_for_information
from tests.factories import PDF, make_account, make_request, make_waiting_payment


@dataclass(frozen=True)
class World:
    account: str
    request: str
    document: str
    plan: str
    intent: str
    dispute: str
    callback: str


@pytest.fixture
def world(debtor, installment_program, specialist, supervisor) -> World:
    """One debtor's objects of every kind: an account with a request waiting for their
    answer (and a document on it), a second account with a plan to sign, and a third
    disputed."""
    account = make_account(debtor, card_last4="1111")
    waiting = ask_for_information(
        make_request(account, installment_program), actor=specialist, question="Payslip?"
    )
    document = upload_document(
        waiting,
        actor=debtor.user,
        upload=SimpleUploadedFile("payslip.pdf", PDF, content_type="application/pdf"),
        kind="income",
        consent=True,
    )
    planned = make_account(debtor, card_last4="2222")
    plan = approve_request(
        make_request(planned, installment_program), actor=supervisor, today=timezone.localdate()
    ).plan
    # An online payment started on the first account and waiting for its provider.
    intent = make_waiting_payment(account)
    disputed = make_account(debtor, card_last4="3333")
    dispute = open_dispute(
        disputed,
        actor=debtor.user,
        kind="amount_wrong",
        explanation="The late charge is wrong.",
        now=timezone.now(),
    )
    # A call back booked in the first open slot.
    now = timezone.now()
    callback = book_callback(
        debtor,
        actor=debtor.user,
        starts_at=open_slots(debtor, now=now)[0].start,
        phone="13800138000",
        topic="paying",
        note="",
        now=now,
    )
    return World(
        account.reference,
        waiting.reference,
        document.reference,
        plan.reference,
        intent.reference,
        dispute.reference,
        callback.reference,
    )
