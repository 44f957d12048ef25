"""What a walk of the debtor site at 375 px in Chinese found in the terms forms and the
request page, pinned: every problem of the terms said at once (a number of payments outside
the program's range with a refused amount), a down payment above what is owed refused with
the amount owed named, each waiver held to exactly what it waives (the interest owed, the
late charges owed), on the debtor's form, its preview and the specialist's counter-offer
alike; and the request page saying what the debtor has to do whenever the bank waits for
them, and "nothing to do" only when that is true. Both languages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from negotiation.forms.terms import TermsForm
from negotiation.forms.workbench import CounterOfferForm
from tests.factories import make_installment_program, make_request

pytestmark = pytest.mark.django_db

# The factory account owes ¥11,000.00: principal 10,000, interest 600, fees 100, late
# charges 300.
WORDS = {
    "en": {
        "months": "Choose between 3 and 24 monthly payments.",
        "owed": "The down payment cannot be more than the amount owed, ¥11,000.00.",
        "owed_after_waivers": (
            "The down payment cannot be more than what is left to repay after the waivers, "
            "¥10,700.00."
        ),
        "interest": "You cannot ask to waive more than the interest owed, ¥600.00.",
        "penalty": "You cannot ask to waive more than the late charges owed, ¥300.00.",
    },
    "zh-hans": {
        "months": "请在 3 至 24 期之间选择按月还款期数。",
        "owed": "首付款不能超过欠款金额¥11,000.00。",
        "owed_after_waivers": "首付款不能超过减免后的待还金额¥10,700.00。",
        "interest": "申请减免的利息不能超过所欠利息¥600.00。",
        "penalty": "申请减免的违约金不能超过所欠违约金¥300.00。",
    },
}
LANGUAGES = list(WORDS)


@pytest.fixture
def program(db):
    """Three to 24 payments; up to half the interest and late charges can be waived."""
    return make_installment_program(months_min=3, months_max=24, max_waiver_pct=Decimal("50"))


def both_forms(account, program, data):
    """The debtor's terms form and the counter-offer form, given the same terms."""
    today = timezone.localdate()
    request = make_request(account, program, months=12)
    debtor_form = TermsForm(
        {**data, "program": program.pk}, account=account, programs=[program], today=today
    )
    counter_data = {**data, "version": request.version, "expires_on": today, "message": "m"}
    counter_form = CounterOfferForm(counter_data, request=request, today=today)
    return debtor_form, counter_form


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("down_payment", ["abc", "-5"])
def test_payments_outside_the_program_are_said_with_a_refused_amount(
    language, down_payment, account, program
):
    """Before: the down payment's own refusal hid the number of payments, which was said
    only once the amount was fixed."""
    with translation.override(language):
        for form in both_forms(
            account, program, {"months": 48, "grace_months": 0, "down_payment": down_payment}
        ):
            assert not form.is_valid()
            assert form.errors["months"] == [WORDS[language]["months"]]
            assert "down_payment" in form.errors
            assert form.terms is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_live_preview_says_every_problem_at_once(language, debtor_client, account, program):
    debtor_client.cookies["django_language"] = language
    url = reverse("negotiation:request_preview", args=[account.reference])
    data = {"program": program.pk, "months": 48, "grace_months": 0, "down_payment": "abc"}
    response = debtor_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert WORDS[language]["months"] in html
    assert 'data-testid="monthly-amount"' not in html  # no schedule for terms that fail


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("down_payment", ["11000.01", "20000", "11,000.01"])
def test_a_down_payment_above_what_is_owed_is_refused_naming_the_amount_owed(
    language, down_payment, account, program
):
    with translation.override(language):
        for form in both_forms(
            account, program, {"months": 12, "grace_months": 0, "down_payment": down_payment}
        ):
            assert not form.is_valid()
            assert form.errors["down_payment"] == [WORDS[language]["owed"]]


@pytest.mark.parametrize("language", LANGUAGES)
def test_with_waivers_the_down_payment_is_held_to_what_is_left_after_them(
    language, account, program
):
    data = {
        "months": 12,
        "grace_months": 0,
        "down_payment": "10800",
        "waived_interest": "150",
        "waived_penalty": "150",
    }
    with translation.override(language):
        for form in both_forms(account, program, data):
            assert not form.is_valid()
            assert form.errors["down_payment"] == [WORDS[language]["owed_after_waivers"]]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("field", "amount", "words"),
    [
        ("waived_interest", "601", "interest"),
        ("waived_interest", "99999", "interest"),  # more than everything: still the interest
        ("waived_penalty", "301", "penalty"),
        ("waived_penalty", "99999", "penalty"),
    ],
)
def test_each_waiver_is_held_to_what_it_waives(language, field, amount, words, account, program):
    """Before: a waiver above the whole balance read "more than the amount owed", and one
    above the interest named no amount."""
    data = {"months": 12, "grace_months": 0, "down_payment": "0", field: amount}
    with translation.override(language):
        for form in both_forms(account, program, data):
            assert not form.is_valid()
            assert form.errors[field] == [WORDS[language][words]]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_down_payment_still_refused_beside_a_waiver_too_large(language, account, program):
    data = {"months": 12, "grace_months": 0, "down_payment": "20000", "waived_interest": "700"}
    with translation.override(language):
        for form in both_forms(account, program, data):
            assert not form.is_valid()
            assert form.errors["waived_interest"] == [WORDS[language]["interest"]]
            assert form.errors["down_payment"] == [WORDS[language]["owed"]]
