"""The letters people need, as sealed PDFs read back as text in both languages: the
statement of account (balances, the plan's position, every payment) on demand, and the
payoff letter (结清证明), issued once when the account settles and the same file ever after;
only the owner and staff who may see names read them, staff reads audited."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from pyhanko.pdf_utils.reader import PdfFileReader

from negotiation import seal
from negotiation.exceptions import NotSettledYet
from negotiation.models import AuditAction, AuditEvent, CreditAccount
from negotiation.roles import BANK_STAFF, COMPLIANCE, SPECIALISTS
from negotiation.selectors.ledger import owed_on
from negotiation.services.letters import payoff_letter_pdf, statement_pdf
from negotiation.services.payments import record_payment
from negotiation.templatetags.money import money
from tests.conftest import staff_client
from tests.factories import make_active_plan, make_installment_program, make_staff
from tests.services.test_agreement_pdf import has_chinese_font, pdf_text

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def plan(account, supervisor):
    program = make_installment_program(months_min=1, months_max=24)
    return make_active_plan(account, program, supervisor, months=3, today=TODAY)


def pay(account: CreditAccount, amount: Decimal, n: int) -> None:
    record_payment(
        account,
        actor=None,
        amount=amount,
        paid_on=TODAY,
        source="bank_transfer",
        external_id=f"LETTER-{account.pk}-{n}",
        today=TODAY,
    )


def test_the_statement_names_the_figures_every_page_shows(plan):
    account = plan.account
    pay(account, Decimal("500.00"), 1)
    account.refresh_from_db()
    owed = owed_on(account, today=TODAY)
    assert owed.plan is not None
    content = statement_pdf(account, language="en", now=timezone.now())
    text = pdf_text(content)
    assert "Statement of account" in text
    assert account.debtor.full_name in text
    for amount in (owed.plan.paid, owed.plan.still_to_pay, owed.ledger.total, Decimal("500.00")):
        assert money(amount, account.currency) in text
    assert plan.reference in text
    assert seal.check_seal(content, certificate_pem=seal.seal_key().certificate_pem).valid


@pytest.mark.skipif(not has_chinese_font(), reason="needs a CJK font (fonts-wqy-zenhei)")
def test_the_letters_in_chinese(plan):
    account = plan.account
    account.debtor.preferred_language = "zh-hans"
    account.debtor.save(update_fields=["preferred_language"])
    assert "账户对账单" in pdf_text(statement_pdf(account, language="zh-hans", now=timezone.now()))
    pay(account, plan.total_repayable, 1)
    text = pdf_text(payoff_letter_pdf(account.pk, actor=None, now=timezone.now()))
    assert "结清证明" in text
    flat = text.replace(" ", "")  # Chinese lines wrap anywhere
    assert "全部还清" in flat
    assert "该账户已无任何欠款" in flat


def test_the_payoff_letter_only_once_settled_then_always_the_same_file(
    plan, django_capture_on_commit_callbacks
):
    account = plan.account
    with pytest.raises(NotSettledYet):
        payoff_letter_pdf(account.pk, actor=None, now=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        pay(account, plan.total_repayable, 1)
    account.refresh_from_db()
    assert account.status == "settled"
    assert account.payoff_letter  # issued when it settled, after the commit
    issued = AuditEvent.objects.get(action=AuditAction.PAYOFF_LETTER_ISSUED)
    assert issued.after["settled_on"] == TODAY.isoformat()
    first = payoff_letter_pdf(account.pk, actor=None, now=timezone.now() + dt.timedelta(days=9))
    assert payoff_letter_pdf(account.pk, actor=None, now=timezone.now()) == first
    assert AuditEvent.objects.filter(action=AuditAction.PAYOFF_LETTER_ISSUED).count() == 1
    text = pdf_text(first)
    assert "paid in full" in text
    assert account.masked_card in text
    assert seal.check_seal(first, certificate_pem=seal.seal_key().certificate_pem).valid


def test_the_debtor_downloads_both_and_nobody_else_does(plan, debtor_client, other_client):
    account = plan.account
    statement = reverse("negotiation:statement_pdf", args=[account.reference])
    payoff = reverse("negotiation:payoff_letter", args=[account.reference])
    page = debtor_client.get(reverse("negotiation:account", args=[account.reference]))
    assert statement in page.content.decode()
    assert payoff not in page.content.decode()
    response = debtor_client.get(statement)
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    not_yet = debtor_client.get(payoff, follow=True)
    assert "issued once the account is paid in full" in not_yet.content.decode()
    assert other_client.get(statement).status_code == 404
    assert other_client.get(payoff).status_code == 404
    pay(account, plan.total_repayable, 1)
    assert debtor_client.get(payoff)["Content-Type"] == "application/pdf"
    plan_page = debtor_client.get(reverse("negotiation:plan_detail", args=[plan.reference]))
    assert payoff in plan_page.content.decode()  # a completed plan offers its letter


def test_staff_reads_are_audited_and_need_the_right_to_see_names(plan):
    account = plan.account
    url = reverse("admin:negotiation_creditaccount_statement", args=[account.pk])
    reader = staff_client(make_staff(BANK_STAFF))
    assert reader.get(url)["Content-Type"] == "application/pdf"
    read = AuditEvent.objects.get(action=AuditAction.LETTER_READ)
    assert read.after == {"letter": "statement"}
    assert staff_client(make_staff(COMPLIANCE)).get(url).status_code == 403
    payoff = reverse("admin:negotiation_creditaccount_payoff_letter", args=[account.pk])
    specialist = staff_client(make_staff(SPECIALISTS))
    assert specialist.get(payoff).status_code == 404  # not settled yet
    change = specialist.get(reverse("admin:negotiation_creditaccount_change", args=[account.pk]))
    assert url in change.content.decode()
    assert payoff not in change.content.decode()


def test_a_settled_account_says_so_on_the_dashboard_with_its_letter(plan, debtor_client):
    account = plan.account
    pay(account, plan.total_repayable, 1)
    page = debtor_client.get(reverse("negotiation:dashboard")).content.decode()
    assert 'data-testid="settled"' in page
    assert reverse("negotiation:payoff_letter", args=[account.reference]) in page
    assert "Paid in full" in page


def test_the_seal_s_words_are_in_the_letter_s_language_whoever_asks(plan):
    """A member of staff reading in English gets the debtor's Chinese statement, its seal's
    reason in Chinese too."""
    with translation.override("en"):
        content = statement_pdf(plan.account, language="zh-hans", now=timezone.now())
    (sealed,) = PdfFileReader(io.BytesIO(content)).embedded_signatures
    assert sealed.sig_object["/Reason"] == f"账户对账单 {plan.account.reference}"
