"""The debtor's terms form and the specialist's counter-offer form share one set of terms
fields and one check: the same bad terms read the same on both."""

from __future__ import annotations

import pytest
from django.utils import timezone

from negotiation.forms.terms import TermsForm
from negotiation.forms.workbench import CounterOfferForm
from tests.factories import make_deferral_program, make_request


@pytest.mark.django_db
@pytest.mark.parametrize("months", [0, 61, 400])
def test_a_term_out_of_bounds_reads_the_same_on_both_forms(
    months, account, installment_program, specialist
):
    today = timezone.localdate()
    request = make_request(account, installment_program, months=12)
    data = {"months": months, "grace_months": 0, "program": installment_program.pk}
    debtor_form = TermsForm(data, account=account, programs=[installment_program], today=today)
    counter_data = {**data, "version": request.version, "expires_on": today, "message": "m"}
    counter_form = CounterOfferForm(counter_data, request=request, today=today)
    assert not debtor_form.is_valid()
    assert not counter_form.is_valid()
    assert debtor_form.errors["months"] == counter_form.errors["months"]


@pytest.mark.django_db
def test_a_bound_of_the_program_reads_the_same_on_both_forms(account):
    today = timezone.localdate()
    program = make_deferral_program()
    assert program.grace_months_max == 3  # the program's own bound, not the field's
    request = make_request(account, program, months=6, grace_months=1)
    data = {"months": 6, "grace_months": 5, "program": program.pk}
    debtor_form = TermsForm(data, account=account, programs=[program], today=today)
    counter_data = {**data, "version": request.version, "expires_on": today, "message": "m"}
    counter_form = CounterOfferForm(counter_data, request=request, today=today)
    assert not debtor_form.is_valid()
    assert not counter_form.is_valid()
    assert debtor_form.errors["grace_months"] == counter_form.errors["grace_months"]
    assert debtor_form.terms is None
    assert counter_form.terms is None


@pytest.mark.django_db
def test_the_debtor_is_not_refused_a_term_the_option_does_not_take(
    account, installment_program, specialist
):
    """Payment-free months on an option without them: hidden on the debtor's form and
    counted as 0; the specialist, who sees every field, is still told."""
    today = timezone.localdate()
    request = make_request(account, installment_program, months=12)
    assert installment_program.grace_months_max == 0
    data = {"months": 12, "grace_months": 1, "program": installment_program.pk}
    debtor_form = TermsForm(data, account=account, programs=[installment_program], today=today)
    assert debtor_form.not_offered == {"grace_months"}
    assert debtor_form.is_valid(), debtor_form.errors
    assert debtor_form.choices.grace_months == 0
    counter_data = {**data, "version": request.version, "expires_on": today, "message": "m"}
    counter_form = CounterOfferForm(counter_data, request=request, today=today)
    assert not counter_form.is_valid()
    assert counter_form.errors["grace_months"] == ["This option has no payment-free months."]
