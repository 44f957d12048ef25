"""The agreement PDF: the text extracted from the generated document names the right
amounts and dates, in the debtor's language, the schedule as agreed and how its figures
are worked out. Downloads: tests/web/test_agreement_pdf.py (the debtor's) and
tests/admin/test_agreement_pdf.py (the staff's)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections import Counter

import pytest
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from pypdf import PdfReader

from negotiation.models import PaymentSource, RepaymentPlan
from negotiation.services.agreements import agreement_text, render_agreement_pdf
from negotiation.services.payments import record_payment
from negotiation.services.requests import approve_request
from negotiation.templatetags.money import money
from tests.factories import make_installment_program, make_request, sign_with_code

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())  # lines wrap where the layout wraps them


def shown(day) -> str:
    """A date as the English agreement writes it in its schedule (15 Jan 2027)."""
    with translation.override("en"):
        return formats.date_format(day, "SHORT_DATE_FORMAT")


def has_chinese_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


@pytest.fixture
def plan(account, installment_program, specialist) -> RepaymentPlan:
    request = make_request(account, installment_program, months=12)
    return approve_request(request, actor=specialist, today=TODAY).plan


def sign(plan: RepaymentPlan) -> RepaymentPlan:
    return sign_with_code(
        plan, agreement_text="the agreement text", ip="203.0.113.7", user_agent="Mozilla/5.0 test"
    )


def test_the_draft_names_the_amounts_and_every_installment(plan):
    text = pdf_text(render_agreement_pdf(plan, language="en"))
    assert f"Repayment agreement {plan.reference}" in text
    assert "Draft for reading" in text
    assert plan.account.debtor.full_name in text
    assert plan.account.masked_card in text
    assert money(plan.total_repayable) in text
    assert money(plan.total_cost) in text
    assert f"{plan.annual_rate:.2f}%" in text
    installments = list(plan.installments.all())
    assert len(installments) == 12
    for installment in installments:
        assert shown(installment.due_date) in text
    assert money(installments[0].amount) in text
    assert "15 days to make it up" in text  # the program's grace period
    assert "2 payments in a row" in text


@pytest.mark.skipif(not has_chinese_font(), reason="needs a Chinese font (fonts-wqy-zenhei)")
def test_the_agreement_is_in_chinese_for_a_chinese_reader(plan):
    text = pdf_text(render_agreement_pdf(plan, language="zh-hans"))
    assert "还款协议" in text
    assert money(plan.total_repayable) in text


def test_a_chinese_agreement_names_the_program_in_chinese_and_a_free_freeze_as_free(
    account, specialist
):
    """Seen on the portal: the signed Chinese agreement said "Interest freeze" in English,
    and described a freeze that costs nothing as "monthly fee 0.00%"."""
    freeze = make_installment_program(
        kind="interest_freeze", name="Interest freeze", name_zh="停息挂账", rate="0.006"
    )
    plan = approve_request(
        make_request(account, freeze, months=12), actor=specialist, today=TODAY
    ).plan
    text = agreement_text(plan, language="zh-hans")
    assert "停息挂账" in text
    assert "Interest freeze" not in text
    with translation.override("zh-hans"):
        assert str(_("No charge: you repay only what is owed")) in text
        assert str(_("monthly fee")) not in text
    assert "Interest freeze" in agreement_text(plan, language="en")


def test_the_signed_agreement_keeps_the_agreed_schedule_after_payments_change_it(plan):
    sign(plan)
    last = plan.installments.order_by("-number").first()
    agreed = last.amount
    # An overpayment reduces the last installments (here, to nothing):
    type(last).objects.filter(pk=last.pk).update(amount=0, principal_part=0, cost_part=0)
    plan.refresh_from_db()
    text = pdf_text(render_agreement_pdf(plan, language="en"))
    row = text.split(shown(last.due_date), 1)[1][:60]  # principal, cost, amount
    assert money(agreed) in row


def test_the_language_of_the_signature_is_the_language_of_the_document(plan):
    from django.utils import translation

    with translation.override("zh-hans"):
        signed = sign(plan)
    assert signed.agreement_language == "zh-hans"


def test_the_agreement_states_how_the_figures_are_worked_out_for_its_method(account, specialist):
    from decimal import Decimal

    from tests.factories import make_account, make_installment_program

    flat = make_installment_program(code="flat-conv")
    annuity = make_installment_program(
        code="annuity-conv", cost_method="annuity", rate=Decimal("0.06")
    )
    flat_plan = approve_request(make_request(account, flat), actor=specialist, today=TODAY).plan
    text = pdf_text(render_agreement_pdf(flat_plan, language="en"))
    assert "equal principal parts" in text
    second_card = make_account(account.debtor, card_last4="9999")
    annuity_plan = approve_request(
        make_request(second_card, annuity), actor=specialist, today=TODAY
    ).plan
    text = pdf_text(render_agreement_pdf(annuity_plan, language="en"))
    assert "the payments are level" in text
    assert "equal principal parts" not in text


MONEY = re.compile(r"¥[\d,]+\.\d\d")


def test_the_signed_text_and_the_pdf_come_from_one_schedule(plan):
    """Legal text in two forms must never drift: the text the debtor signs and the PDF show
    the same figures, from the one schedule as agreed, even after payments were allocated."""
    signed = sign(plan)
    agreed = list(signed.installments.all())
    record_payment(
        signed.account,
        actor=None,
        amount=agreed[0].amount * 3,  # pays the first, the rest shortens the last
        paid_on=TODAY,
        source=PaymentSource.BANK_TRANSFER,
        external_id="overpaid-1",
        today=TODAY,
    )
    signed.refresh_from_db()
    text = agreement_text(signed, language="en")
    pdf = pdf_text(render_agreement_pdf(signed, language="en"))
    in_text = MONEY.findall(text)
    assert Counter(in_text) - Counter(MONEY.findall(pdf)) == Counter()  # none only in the text
    amounts = [money(i.amount) for i in agreed]
    assert [figure for figure in in_text if figure in amounts][-len(agreed) :] == amounts
    for installment in agreed:
        assert shown(installment.due_date) in text
        assert shown(installment.due_date) in pdf
    for figure in (signed.total_repayable, signed.total_cost):
        assert money(figure) in text
        assert money(figure) in pdf
