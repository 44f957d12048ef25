"""The staff's side of disputes: the queue (open ones, the answer due soonest first, in the
request queue's urgency colours and words), the dispute page (ledger, payments, documents
with audited downloads), the three answers through services.disputes (a refused one shows
the page again with what was typed and why), who may answer, and the hold on the request
page and in the request queue."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from negotiation.models import (
    AccountStatus,
    AuditAction,
    AuditEvent,
    Dispute,
    DisputeStatus,
    Document,
)
from negotiation.roles import BANK_STAFF, COMPLIANCE
from negotiation.services.disputes import open_dispute
from tests.conftest import staff_client
from tests.factories import PDF, make_account, make_request, make_staff

pytestmark = pytest.mark.django_db
NOW = timezone.now()
TODAY = timezone.localdate(NOW)


def opened(account, **kwargs) -> Dispute:
    return open_dispute(
        account,
        actor=account.debtor.user,
        kind="amount_wrong",
        explanation="The late charge was added after I paid.",
        now=kwargs.pop("now", NOW),
        **kwargs,
    )


def page_url(dispute) -> str:
    return reverse("admin:negotiation_dispute_change", args=[dispute.pk])


def answer_url(dispute, name) -> str:
    return reverse(f"admin:negotiation_dispute_{name}", args=[dispute.pk])


QUEUE = reverse("admin:negotiation_dispute_changelist")


def test_the_queue_shows_open_disputes_most_urgent_first_in_the_request_queues_colours(
    debtor, specialist
):
    late = opened(make_account(debtor, card_last4="1001"), now=NOW - dt.timedelta(days=16))
    soon = opened(make_account(debtor, card_last4="1002"), now=NOW - dt.timedelta(days=15))
    fresh = opened(make_account(debtor, card_last4="1003"))
    text = staff_client(specialist).get(QUEUE).content.decode()
    assert text.index(late.reference) < text.index(soon.reference) < text.index(fresh.reference)
    assert f'<span class="due-past">{late.answer_due:%Y-%m-%d}' in text
    assert "(past due)" in text
    assert '<span class="due-soon">' in text
    assert "(due within a day)" in text


def test_the_request_queue_uses_the_same_colours(account, installment_program, specialist):
    request = make_request(account, installment_program)
    type(request).objects.filter(pk=request.pk).update(due_by=NOW - dt.timedelta(hours=1))
    text = staff_client(specialist).get(reverse("admin:negotiation_reliefrequest_changelist"))
    assert '<span class="due-past">' in text.content.decode()


def test_an_answered_dispute_leaves_the_queue(account, specialist):
    dispute = opened(account)
    client = staff_client(specialist)
    client.post(
        answer_url(dispute, "reject"), {"reject-answer": "The charge is right."}, follow=True
    )
    assert dispute.reference not in client.get(QUEUE).content.decode()
    assert dispute.reference in client.get(QUEUE, {"queue": "all"}).content.decode()


def test_the_page_shows_the_ledger_payments_and_documents(account, specialist):
    dispute = opened(
        account,
        uploads=[SimpleUploadedFile("receipt.pdf", PDF, content_type="application/pdf")],
        consent=True,
    )
    document = Document.objects.get()
    client = staff_client(specialist)
    text = client.get(page_url(dispute)).content.decode()
    assert "The late charge was added after I paid." in text
    assert "¥10,000.00" in text  # principal
    assert "¥300.00" in text  # late charges
    assert 'data-testid="uphold-form"' in text
    assert 'data-testid="extend-form"' in text
    download = reverse("admin:negotiation_document_download", args=[document.reference])
    assert download in text
    assert client.get(download).status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditAction.DOCUMENT_DOWNLOADED, actor=specialist
    ).exists()


def test_uphold_with_a_correction(account, specialist):
    dispute = opened(account)
    response = staff_client(specialist).post(
        answer_url(dispute, "uphold"),
        {"uphold-answer": "You paid on time.", "uphold-penalty": "300.00", "uphold-interest": ""},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    dispute.refresh_from_db()
    assert account.penalty == Decimal("0.00")
    assert account.status == AccountStatus.IN_ARREARS
    assert dispute.status == DisputeStatus.UPHELD
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT_LEDGER_CORRECTED).exists()


def test_a_refused_answer_keeps_what_was_typed_and_says_why(account, specialist):
    dispute = opened(account)
    response = staff_client(specialist).post(
        answer_url(dispute, "uphold"),
        {"uphold-answer": "Yes, partly: see the charge.", "uphold-penalty": "999.00"},
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "Yes, partly: see the charge." in text
    assert 'value="999.00"' in text
    assert "is more than the" in text
    assert "Nothing was changed" in text
    account.refresh_from_db()
    assert account.penalty == Decimal("300.00")
    empty = staff_client(specialist).post(answer_url(dispute, "reject"), {"reject-answer": ""})
    assert "Please write the reason: the debtor reads it." in empty.content.decode()
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN


def test_extend_once_then_the_button_is_gone(account, specialist):
    dispute = opened(account)
    client = staff_client(specialist)
    assert (
        client.post(answer_url(dispute, "extend"), {"extend-reason": "Waiting for the merchant."})
    ).status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.EXTENDED
    assert dispute.answer_due == TODAY + dt.timedelta(days=30)
    text = client.get(page_url(dispute)).content.decode()
    assert 'data-testid="extend-form"' not in text
    again = client.post(answer_url(dispute, "extend"), {"extend-reason": "More."})
    assert "already been extended once" in again.content.decode()


@pytest.mark.parametrize("group", [BANK_STAFF, COMPLIANCE])
def test_bank_staff_and_compliance_read_but_do_not_answer(account, group):
    dispute = opened(account)
    client = staff_client(make_staff(group))
    page = client.get(page_url(dispute))
    assert page.status_code == 200
    assert 'data-testid="uphold-form"' not in page.content.decode()
    for name in ("uphold", "reject", "extend"):
        assert (
            client.post(
                answer_url(dispute, name),
                {"reject-answer": "x", "uphold-answer": "x", "extend-reason": "x"},
            ).status_code
            == 403
        )
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN


def test_compliance_sees_no_names(account):
    dispute = opened(account)
    text = staff_client(make_staff(COMPLIANCE)).get(page_url(dispute)).content.decode()
    assert account.debtor.full_name not in text
    assert "A* D*" in text


def test_the_page_takes_no_post_and_an_unknown_dispute_is_a_404(account, specialist):
    dispute = opened(account)
    client = staff_client(specialist)
    assert client.post(page_url(dispute), {}).status_code == 405
    assert client.get(answer_url(dispute, "uphold")).status_code == 405
    missing = reverse("admin:negotiation_dispute_change", args=[dispute.pk + 1000])
    assert client.get(missing).status_code == 404


def test_the_request_page_and_queue_show_the_hold(account, installment_program, specialist):
    request = make_request(account, installment_program)
    dispute = opened(account)
    client = staff_client(specialist)
    page = client.get(reverse("admin:negotiation_reliefrequest_change", args=[request.pk]))
    text = page.content.decode()
    assert f"On hold: dispute {dispute.reference} open" in text
    assert page_url(dispute) in text
    queue = client.get(reverse("admin:negotiation_reliefrequest_changelist")).content.decode()
    assert f"Dispute {dispute.reference} open" in queue
    approve = client.post(
        reverse("admin:negotiation_reliefrequest_approve", args=[request.pk]),
        {"version": request.version},
        follow=True,
    )
    assert f"On hold: dispute {dispute.reference} is open" in approve.content.decode()
    request.refresh_from_db()
    assert request.status == "submitted"


def test_each_answer_s_label_names_its_own_box(account, specialist):
    """The three answers share the page: no id twice, so "Reason for the debtor" is the
    reject form's box and not the uphold form's (both fields are called answer)."""
    dispute = opened(account)
    text = staff_client(specialist).get(page_url(dispute)).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', text)
    assert [i for i in set(ids) if ids.count(i) > 1] == []
    assert 'for="id_reject-answer"' in text
    assert 'for="id_uphold-answer"' in text
