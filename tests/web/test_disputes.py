"""The debtor's side of a dispute: the link on the account page, the form (kind, words,
documents under the usual rules, every refusal in the portal's words and what was typed
kept), the dispute's page (dates, the extension and why, the answer), the hold on the
account page and the dashboard, the credit-report objection; another debtor's account or
dispute is a 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from negotiation.models import AccountStatus, Dispute, Document
from negotiation.services.disputes import (
    extend_dispute,
    open_dispute,
    reject_dispute,
    uphold_dispute,
)
from tests.factories import PDF

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def create_url(account) -> str:
    return reverse("negotiation:dispute_create", args=[account.reference])


def detail_url(dispute) -> str:
    return reverse("negotiation:dispute_detail", args=[dispute.reference])


def opened(account) -> Dispute:
    return open_dispute(
        account,
        actor=account.debtor.user,
        kind="already_paid",
        explanation="I paid 300 at the branch on 3 March.",
        now=NOW,
    )


def test_the_account_page_offers_to_dispute_the_balance(debtor_client, account):
    page = debtor_client.get(reverse("negotiation:account", args=[account.reference]))
    assert page.status_code == 200
    assert create_url(account) in page.content.decode()


def test_the_form_explains_the_hold_and_the_credit_report_objection(debtor_client, account):
    page = debtor_client.get(create_url(account))
    text = page.content.decode()
    assert page.status_code == 200
    assert "15 days" in text
    assert "no payment reminders" in text
    assert 'type="radio"' in text
    assert "This is not my debt" in text
    assert "www.pbccrc.org.cn" in text
    assert "20 days" in text
    assert "征信业管理条例" in text


def test_a_dispute_sent_with_a_document_opens_and_shows_its_page(debtor_client, account):
    response = debtor_client.post(
        create_url(account),
        {
            "kind": "amount_wrong",
            "explanation": "The late charge was added after I paid on time.",
            "documents": [SimpleUploadedFile("receipt.pdf", PDF, content_type="application/pdf")],
            "document_consent": "on",
        },
    )
    dispute = Dispute.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(dispute)
    assert Document.objects.get().dispute == dispute
    page = debtor_client.get(detail_url(dispute))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Being looked into" in text
    assert "The late charge was added after I paid on time." in text
    assert reverse("negotiation:document_download", args=[Document.objects.get().reference]) in text
    download = debtor_client.get(
        reverse("negotiation:document_download", args=[Document.objects.get().reference])
    )
    assert download.status_code == 200


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"explanation": "Wrong."}, "Please choose what is wrong."),
        ({"kind": "bogus", "explanation": "Wrong."}, "Please choose one of the answers shown."),
        ({"kind": "other"}, "Please tell us in your own words what is wrong."),
        (
            {"kind": "other", "explanation": "x" * 2001},
            "at most 2000 characters: this is 1 too many",
        ),
    ],
)
def test_bad_input_is_refused_in_the_portals_words_and_kept(debtor_client, account, body, words):
    response = debtor_client.post(create_url(account), body)
    text = response.content.decode()
    assert response.status_code == 200
    assert words in text
    assert "This field is required" not in text  # never Django's own words
    if "explanation" in body and len(body["explanation"]) < 100:
        assert body["explanation"] in text  # what was typed is kept
    assert not Dispute.objects.exists()
    account.refresh_from_db()
    assert account.status == AccountStatus.IN_ARREARS


def test_a_document_under_the_usual_rules(debtor_client, account):
    body = {"kind": "other", "explanation": "The card is not mine."}
    exe = SimpleUploadedFile("proof.pdf", b"MZ\x90\x00binary", content_type="application/pdf")
    refused = debtor_client.post(
        create_url(account), {**body, "documents": [exe], "document_consent": "on"}
    )
    assert "Please send a PDF, JPEG or PNG file." in refused.content.decode()
    assert "The card is not mine." in refused.content.decode()
    pdf = SimpleUploadedFile("proof.pdf", PDF, content_type="application/pdf")
    no_consent = debtor_client.post(create_url(account), {**body, "documents": [pdf]})
    assert "Please agree to the use of your documents" in no_consent.content.decode()
    assert not Dispute.objects.exists()
    assert not Document.objects.exists()


def test_another_debtors_account_and_dispute_are_a_404(other_client, account):
    dispute = opened(account)
    assert other_client.get(create_url(account)).status_code == 404
    assert (
        other_client.post(create_url(account), {"kind": "other", "explanation": "x"}).status_code
        == 404
    )
    assert other_client.get(detail_url(dispute)).status_code == 404
    assert Dispute.objects.count() == 1


def test_the_account_page_and_dashboard_show_the_hold(debtor_client, account):
    dispute = opened(account)
    page = debtor_client.get(reverse("negotiation:account", args=[account.reference]))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="account-on-hold"' in text
    assert 'data-testid="dispute-hold-timeline"' in text
    assert "nothing further happens on this account" in text
    assert 'data-testid="no-relief-while-disputed"' in text
    assert "Next:" not in text  # no step shown as coming
    assert "How to avoid it" not in text
    assert create_url(account) not in text  # one dispute at a time
    dashboard = debtor_client.get(reverse("negotiation:dashboard")).content.decode()
    assert 'data-testid="dashboard-on-hold"' in dashboard
    assert dispute.reference in dashboard
    assert 'data-testid="next-step"' not in dashboard


def test_a_second_dispute_on_the_account_is_not_offered(debtor_client, account):
    dispute = opened(account)
    page = debtor_client.get(create_url(account)).content.decode()
    assert 'data-testid="open-dispute"' in page
    assert 'data-testid="dispute-form"' not in page
    response = debtor_client.post(create_url(account), {"kind": "other", "explanation": "Again."})
    assert dispute.reference in response.content.decode()
    assert Dispute.objects.count() == 1


def test_the_page_shows_the_extension_and_why(debtor_client, account, specialist):
    dispute = extend_dispute(
        opened(account), actor=specialist, reason="We are asking the branch.", now=NOW
    )
    text = debtor_client.get(detail_url(dispute)).content.decode()
    assert "We are asking the branch." in text
    assert 'data-testid="extension"' in text
    day = dispute.answer_due
    assert day == timezone.localdate(NOW) + dt.timedelta(days=30)


def test_the_page_shows_a_rejection_and_where_to_take_it(debtor_client, account, specialist):
    dispute = reject_dispute(
        opened(account), actor=specialist, answer="We found no payment on 3 March.", now=NOW
    )
    text = debtor_client.get(detail_url(dispute)).content.decode()
    assert "Not upheld" in text
    assert "We found no payment on 3 March." in text
    assert "12378" in text
    page = debtor_client.get(reverse("negotiation:account", args=[account.reference]))
    assert 'data-testid="account-on-hold"' not in page.content.decode()


def test_the_page_shows_what_an_upheld_dispute_took_off(debtor_client, account, specialist):
    dispute = uphold_dispute(
        opened(account),
        actor=specialist,
        answer="Your payment was found; the late charge is gone.",
        reductions={"penalty": Decimal("300.00")},
        now=NOW,
    )
    text = debtor_client.get(detail_url(dispute)).content.decode()
    assert "Upheld" in text
    assert 'data-testid="dispute-correction"' in text
    assert "Late charges: ¥300.00" in text


def test_the_rights_page_explains_disputes_and_the_objection(client):
    text = client.get(reverse("negotiation:rights")).content.decode()
    assert 'data-testid="rights-disputes"' in text
    assert "银行业保险业消费投诉处理管理办法" in text
    assert "www.pbccrc.org.cn" in text
