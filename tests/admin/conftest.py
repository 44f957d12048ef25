"""What the staff-site tests share: one of each object the staff pages act on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from negotiation.models import AmendmentKind, ImportRun
from negotiation.services.callbacks import book_callback, open_slots
from negotiation.services.disputes import open_dispute
from negotiation.services.documents import upload_document
from negotiation.services.planchanges import propose_change
from negotiation.services.requests import approve_request, ask_for_information
from tests.factories import (
    PDF,
    make_account,
    make_active_plan,
    make_imported_debtor,
    make_request,
)


@pytest.fixture
def objects(account, installment_program, specialist, supervisor) -> dict[str, object]:
    """What the staff pages act on (the URL matrix's buttons, the Chinese scan's pages): a
    request waiting for an answer with a document sent on it, a plan awaiting its signature,
    a signed plan with a change waiting, an import run, an imported debtor, a settled
    account, a dispute, a call back and a staff user."""
    waiting = ask_for_information(
        make_request(account, installment_program), actor=specialist, question="Payslip?"
    )
    document = upload_document(
        waiting,
        actor=account.debtor.user,
        upload=SimpleUploadedFile("payslip.pdf", PDF, content_type="application/pdf"),
        kind="income",
        consent=True,
    )
    planned = make_account(account.debtor, card_last4="2222")
    plan = approve_request(
        make_request(planned, installment_program), actor=supervisor, today=timezone.localdate()
    ).plan
    # A signed plan on a third account with a change waiting for its signature (a draft).
    running = make_active_plan(
        make_account(account.debtor, card_last4="4444"), installment_program, supervisor
    )
    change = propose_change(
        running,
        actor=account.debtor.user,
        kind=AmendmentKind.PAYMENT_DAY,
        new_day=27 if running.agreed_on.day != 27 else 26,
        now=timezone.now(),
    )
    # A call back the debtor booked in the first open slot.
    debtor = account.debtor
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
    return {
        "callback": callback.pk,
        "amendment": change.pk,
        "request": waiting.pk,
        "document": document.reference,
        "plan": plan.pk,
        "user": specialist.pk,
        "run": ImportRun.objects.create(kind="accounts", file_name="accounts.csv").pk,
        "debtor": make_imported_debtor().pk,
        # Paid in full, so it has both letters.
        "account": make_account(
            account.debtor,
            card_last4="3333",
            status="settled",
            principal=Decimal("0.00"),
            interest=Decimal("0.00"),
            fees=Decimal("0.00"),
            penalty=Decimal("0.00"),
        ).pk,
        "dispute": open_dispute(
            make_account(account.debtor, card_last4="4444"),
            actor=account.debtor.user,
            kind="amount_wrong",
            explanation="The late charge is wrong.",
            now=timezone.now(),
        ).pk,
    }
