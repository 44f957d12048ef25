"""The debtor's account page says where they stand, with dates, what comes next and how to
avoid it; shows the formal notices sent; the rights page is open to anyone; the language
chosen is the debtor's. Staff recording notices and rules: tests/admin/test_content.py."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from negotiation.models import CollectionNotice, CreditAccount
from negotiation.services.requests import approve_request
from tests.factories import make_active_plan, make_payment, make_request, sign_with_code
from tests.written import kept_whole

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def page(client: Client, account: CreditAccount) -> str:
    return client.get(reverse("negotiation:account", args=[account.reference])).content.decode()


def test_the_account_page_says_what_has_happened_and_what_comes_next_with_dates(
    debtor_client, account
):
    html = page(debtor_client, account)  # 45 days overdue
    assert "Where you stand" in html
    assert "The late payments may appear in your credit record" in html
    card_measures_on = TODAY + dt.timedelta(days=91 - 45)
    with translation.override("en"):
        expected = formats.date_format(card_measures_on)  # "15 January 2027"
    # Bank practice, not law: the date is the earliest it can happen.
    assert f"at the earliest from {kept_whole(expected)}, about 91 days overdue" in html
    assert "Before reporting negative information, the bank must tell you" in html
    assert "How to avoid it" in html
    assert "Only if a court decides against you" in html
    assert "malicious overdraft" not in html  # its conditions do not hold here


def test_the_page_is_in_chinese_with_chinese_dates(debtor_client, account):
    debtor_client.cookies["django_language"] = "zh-hans"
    html = page(debtor_client, account)
    on = TODAY + dt.timedelta(days=91 - 45)
    assert f"{on.year}年{on.month}月{on.day}日" in html
    assert "欠款可能被列为不良" in html
    assert f"最早自{kept_whole(f'{on.year}年{on.month}月{on.day}日')}起" in html


def test_the_criminal_rule_appears_with_its_conditions_and_how_a_plan_avoids_it(
    debtor_client, account, bankstaff
):
    account.principal = Decimal("50000.00")
    account.oldest_unpaid_due_date = TODAY - dt.timedelta(days=200)
    account.save()
    second = timezone.now() - dt.timedelta(days=100)
    for sent in (second - dt.timedelta(days=30), second):
        CollectionNotice.objects.create(
            account=account, channel="registered_letter", sent_at=sent, delivered_at=sent
        )
    html = page(debtor_client, account)
    assert "What the law says about malicious overdraft" in html
    assert "never inferred from non-payment alone" in html
    # Art. 10 as the interpretation words it: "may", never "is not pursued".
    assert "the prosecutor may decide not to prosecute" in html
    assert "the court may waive punishment" in html
    assert "punished twice or more before" in html
    assert "not pursue" not in html
    assert "avoid criminal liability" not in html
    assert "Formal notices we have sent you" in html


def _criminal_case(account, *, principal="50000.00", first_sent=None):
    """An account 200 days overdue with two notices 30 days apart, the second 100 days ago."""
    account.principal = Decimal(principal)
    account.oldest_unpaid_due_date = TODAY - dt.timedelta(days=200)
    account.save()
    second = (
        first_sent + dt.timedelta(days=30)
        if first_sent
        else timezone.now() - dt.timedelta(days=100)
    )
    for sent in (second - dt.timedelta(days=30), second):
        CollectionNotice.objects.create(
            account=account, channel="registered_letter", sent_at=sent, delivered_at=sent
        )


def test_the_criminal_section_ignores_notices_from_before_the_overdraft_began(
    debtor_client, account
):
    before = timezone.now() - dt.timedelta(days=300)  # an earlier, cured delinquency
    _criminal_case(account, first_sent=before)
    assert "malicious overdraft" not in page(debtor_client, account)


def test_the_criminal_section_counts_every_repayment_as_principal(debtor_client, account):
    _criminal_case(account, principal="52000.00")
    assert "malicious overdraft" in page(debtor_client, account)
    # ¥5,000 repaid since, all of it to charges on the ledger: ¥47,000 of principal in law.
    make_payment(account, "5000.00", paid_on=TODAY - dt.timedelta(days=20))
    assert "malicious overdraft" not in page(debtor_client, account)


def test_the_criminal_section_never_shows_under_a_signed_plan(
    debtor_client, account, installment_program, supervisor
):
    _criminal_case(account, principal="60000.00")
    assert "malicious overdraft" in page(debtor_client, account)
    make_active_plan(account, installment_program, supervisor, months=12)
    html = page(debtor_client, account)
    assert "Your plan is in place" in html
    assert "malicious overdraft" not in html


def test_the_rights_page_is_open_to_anyone_and_warns_about_intermediaries(client):
    html = client.get(reverse("negotiation:rights")).content.decode()
    assert "up to 60 months" in html
    # Art. 70's condition: the debt exceeds the ability to repay; a written application.
    assert "If the debt exceeds your ability to repay and you still want to repay it" in html
    assert "apply in writing" in html
    assert "with proof of your situation" in html
    assert "more than you can pay at once" not in html
    assert "Art. 17 and 25" in html
    assert "Art. 15 and 16" in html
    assert "never asks for a fee to negotiate" in html


def test_the_language_chosen_is_saved_on_the_debtor_and_used_without_a_cookie(
    debtor_client, debtor
):
    response = debtor_client.post(
        reverse("set_language"), {"language": "zh-hans", "next": reverse("negotiation:dashboard")}
    )
    assert response.status_code == 302
    debtor.refresh_from_db()
    assert debtor.preferred_language == "zh-hans"
    debtor_client.cookies.clear()  # a new phone: no cookie, the session only
    debtor_client.force_login(debtor.user)
    html = debtor_client.get(reverse("negotiation:dashboard")).content.decode()
    assert 'lang="zh-Hans"' in html


def test_an_unknown_language_changes_nothing(debtor_client, debtor):
    debtor_client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    debtor.refresh_from_db()
    assert debtor.preferred_language == "en"


def test_the_dashboard_says_what_comes_next_and_when(debtor_client, account):
    html = debtor_client.get(reverse("negotiation:dashboard")).content.decode()
    on = TODAY + dt.timedelta(days=91 - 45)
    with translation.override("en"):
        expected = formats.date_format(on)
    assert (
        f"(at the earliest from {kept_whole(expected)}): The debt may be classified as "
        "non-performing" in html
    )


def test_the_criminal_section_returns_when_a_signed_plan_is_no_longer_kept(
    debtor_client, account, installment_program, supervisor
):
    from negotiation.models import Installment

    _criminal_case(account, principal="60000.00")
    plan = make_active_plan(account, installment_program, supervisor, months=12)
    assert "malicious overdraft" not in page(debtor_client, account)
    # The first installment unpaid well past the program's grace: the plan is in force but
    # not kept, so the conditions are no longer set aside.
    late = TODAY - dt.timedelta(days=installment_program.grace_days + 1)
    Installment.objects.filter(plan=plan, number=1).update(due_date=late)
    assert "malicious overdraft" in page(debtor_client, account)


def test_the_dashboard_gives_the_next_step_until_the_plan_is_signed(
    debtor_client, account, installment_program, supervisor
):
    plan = approve_request(
        make_request(account, installment_program), actor=supervisor, today=TODAY
    ).plan
    dashboard = reverse("negotiation:dashboard")
    assert 'data-testid="next-step"' in debtor_client.get(dashboard).content.decode()
    sign_with_code(plan)
    assert 'data-testid="next-step"' not in debtor_client.get(dashboard).content.decode()


# What the walk at 375 px in Chinese found: the timeline offered an interest freeze (停息挂账)
# to a debtor whose account cannot have one (the seeded option is for more than 90 days
# overdue). Its sentence is said only where such an option is open to the account today.
FREEZE_SAID = {
    "en": "Under an interest freeze, the balance in the plan stops earning interest",
    "zh-hans": "停息挂账期间",
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_timeline_names_an_interest_freeze_only_where_one_is_open(
    language, debtor_client, debtor
):
    from negotiation.models import ReliefKind
    from tests.factories import make_account, make_installment_program

    make_installment_program(
        kind=ReliefKind.INTEREST_FREEZE,
        name="Interest freeze",
        name_zh="停息挂账",
        min_days_past_due=90,
        months_min=12,
        rate=Decimal("0"),
    )
    early = make_account(debtor, days_past_due=45, card_last4="1111")
    late = make_account(debtor, days_past_due=120, card_last4="2222")
    debtor_client.cookies["django_language"] = language
    assert FREEZE_SAID[language] not in page(debtor_client, early)
    assert FREEZE_SAID[language] in page(debtor_client, late)


def test_each_court_step_says_when_what_how_to_avoid_it_and_its_legal_basis_apart(
    debtor_client, account
):
    html = page(debtor_client, account)
    block = html.split('data-testid="court-steps"')[1].split("</ol>")[0]
    steps = block.split('data-testid="court-step"')[1:]
    assert steps, "the account has steps that come only after a judgment"
    for step in steps:
        step = step.split("</li>")[0]
        assert "<br" not in step
        paragraphs = re.findall(r"<p\b[^>]*>(.*?)</p>", step, flags=re.DOTALL)
        when, what, avoid, basis = paragraphs
        assert "Only if a court decides against you" in when
        assert "<strong>" in when  # the step's title
        assert what.strip()
        assert avoid.startswith("<strong>How to avoid it:</strong>")
        assert basis.startswith("Legal basis:")
        assert len(basis) > len("Legal basis: ")
