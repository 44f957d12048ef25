"""The request form against the budget the debtor typed: the verdict the suggestions show,
beside the preview (live, and the preview step without JavaScript), and a plan that fits,
taken with one tap. The terms an option cannot take are hidden, not refused. One way of
writing dates on a page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from negotiation import policy
from negotiation.models import ReliefRequest
from negotiation.selectors.debtor import (
    BudgetCheck,
    budget_affordability,
    fitting_plan,
    relief_options_for,
    suggested_plans_for,
)
from tests.factories import make_deferral_program, make_installment_program

# 6,000 in, 4,000 out: 2,000 left a month; 3 payments of about 3,700 cannot fit it.
FIGURES = (Decimal("6000"), Decimal("4000"), 0)


@pytest.fixture
def programs(db):
    return {
        "standard": make_installment_program(code="standard", months_max=24, max_waiver_pct=50),
        "deferral": make_deferral_program(code="deferral"),
    }


def form_data(program, **overrides):
    data = {
        "program": str(program.pk),
        "months": "3",
        "grace_months": "0",
        "down_payment": "0",
        "waived_interest": "0",
        "waived_penalty": "0",
        "hardship_reason": "job_loss",
        "hardship_statement": "Lost my job; the new one pays less.",
        "monthly_income": "6,000",
        "monthly_expenses": "4000",
        "dependents": "0",
        "consent_truthful": "on",
        "consent_data_processing": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def create_url(account):
    return reverse("negotiation:request_create", args=[account.reference])


def preview_url(account):
    return reverse("negotiation:request_preview", args=[account.reference])


def months_in(page: str) -> str:
    found = re.search(r'name="months" value="(\d+)"', page)
    assert found, "no months field"
    return found.group(1)


def test_the_preview_step_warns_and_offers_a_plan_that_fits(debtor_client, account, programs):
    page = debtor_client.post(
        create_url(account), form_data(programs["standard"], preview="1")
    ).content.decode()
    assert 'data-testid="budget-check"' in page
    assert policy.Verdict.DOES_NOT_FIT.debtor_label in page
    assert "of the ¥2,000.00 left each month after your essential expenses" in page
    assert "We count a plan as fitting when it takes at most 50%." in page
    assert 'data-testid="fitting-plan"' in page
    assert 'form="preview-form" name="use_fitting"' in page


def test_the_live_preview_warns_beside_the_schedule(debtor_client, account, programs):
    response = debtor_client.post(preview_url(account), form_data(programs["standard"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert policy.Verdict.DOES_NOT_FIT.debtor_label in page
    assert 'form="request-form" name="use_fitting"' in page


def test_the_verdict_is_the_one_the_suggestions_show(account, programs):
    """One verdict: the plan offered as fitting, judged as the form judges the debtor's own
    terms, gets the verdict its suggestion card shows."""
    today = timezone.localdate()
    plan = fitting_plan(account, today=today, figures=FIGURES)
    assert plan is not None
    assert plan.suggestion.affordability is not None
    payment = plan.suggestion.disclosure.monthly_amount
    assert budget_affordability(FIGURES, payment) == plan.suggestion.affordability
    for suggested in suggested_plans_for(
        account, relief_options_for(account, today=today), today=today, figures=FIGURES
    ):
        payment = suggested.suggestion.disclosure.monthly_amount
        assert budget_affordability(FIGURES, payment) == suggested.suggestion.affordability


def test_terms_that_fit_say_so_and_offer_nothing_else(debtor_client, account, programs):
    page = debtor_client.post(
        preview_url(account), form_data(programs["standard"], months="24")
    ).content.decode()
    assert policy.Verdict.FITS.debtor_label in page
    assert "use_fitting" not in page


def test_no_budget_no_verdict(debtor_client, account, programs):
    page = debtor_client.post(
        preview_url(account), form_data(programs["standard"], monthly_income="")
    ).content.decode()
    assert "budget-check" not in page


def test_one_tap_takes_the_plan_that_fits_to_the_last_look(debtor_client, account, programs):
    plan = fitting_plan(account, today=timezone.localdate(), figures=FIGURES)
    assert plan is not None
    response = debtor_client.post(
        create_url(account), form_data(programs["standard"], use_fitting="1")
    )
    page = response.content.decode()
    assert "Check your plan before you send it" in page
    assert months_in(page) == str(plan.suggestion.terms.months)
    assert policy.Verdict.FITS.debtor_label in page
    assert "Lost my job; the new one pays less." in page  # what the debtor wrote stays
    assert not ReliefRequest.objects.exists()


def test_one_tap_on_an_unfinished_form_fills_the_terms_without_refusals(
    debtor_client, account, programs
):
    plan = fitting_plan(account, today=timezone.localdate(), figures=FIGURES)
    assert plan is not None
    response = debtor_client.post(
        create_url(account),
        form_data(programs["standard"], use_fitting="1", hardship_statement=""),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="request-form"' in page
    assert months_in(page) == str(plan.suggestion.terms.months)
    assert "error-summary" not in page


def test_the_months_out_of_range_say_the_programs_range(debtor_client, account, programs):
    page = debtor_client.post(
        create_url(account), form_data(programs["standard"], months="30", preview="1")
    ).content.decode()
    assert "Choose between 3 and 24 monthly payments." in page


def test_an_empty_submit_names_each_field(debtor_client, account, programs):
    page = debtor_client.post(create_url(account), {"preview": "1"}).content.decode()
    assert "This field is required" not in page
    assert "Please fill in “Tell us about your situation”." in page
    assert "Please fill in “Monthly income after tax”." in page


def test_waivers_and_payment_free_months_show_only_where_they_apply(
    debtor_client, account, programs
):
    standard = debtor_client.get(create_url(account), {"program": "standard"}).content.decode()
    assert '<div data-term="grace_months" hidden>' in standard
    assert '<div data-term="waived_interest">' in standard
    deferral = debtor_client.get(create_url(account), {"program": "deferral"}).content.decode()
    assert '<div data-term="grace_months">' in deferral
    assert '<div data-term="waived_interest" hidden>' in deferral
    assert 'data-not-offered="waived_interest waived_penalty"' in deferral


def test_a_waiver_left_in_a_hidden_box_is_not_refused_but_counted_as_nothing(
    debtor_client, account, programs
):
    data = form_data(
        programs["deferral"], months="6", grace_months="2", waived_interest="300", preview="1"
    )
    page = debtor_client.post(create_url(account), data).content.decode()
    assert "This option does not waive" not in page
    assert "Check your plan before you send it" in page
    assert 'name="waived_interest" value="0"' in page


def test_the_preview_writes_every_date_one_way(debtor_client, account, programs):
    page = debtor_client.post(
        create_url(account), form_data(programs["standard"], months="12", preview="1")
    ).content.decode()
    # "j F Y" (4 December 2026) everywhere; never "4 Dec 2026" beside it.
    short = re.findall(r"\b\d{1,2} (?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b", page)
    assert short == []


def test_a_tight_payment_is_called_tight_not_more_than_the_budget():
    """¥849.79 of ¥1,500.00 left fits inside the budget but takes more than half of it: the
    words say so, and never that the payment is more than the debtor has (as they once did)."""
    budget = BudgetCheck(
        payment=Decimal("849.79"),
        affordability=policy.Affordability(
            Decimal("1500.00"), Decimal("0.5665"), policy.Verdict.TIGHT
        ),
        fitting=None,
    )
    page = render_to_string("negotiation/_budget_check.html", {"budget": budget, "currency": "CNY"})
    assert str(policy.Verdict.TIGHT.debtor_label) in page
    assert "57% of the ¥1,500.00 left each month" in page
    assert "little is left for anything unexpected" in page
    assert "cannot carry" not in page
