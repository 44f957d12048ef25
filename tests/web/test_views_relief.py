"""The debtor's side of relief offers: suggested plans, the live preview, options shown
only when eligible, and refusals on the server whatever the browser sends."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from negotiation.models import CreditAccount, ReliefRequest
from negotiation.services.requests import approve_request
from tests.factories import make_deferral_program, make_installment_program, make_request
from tests.web.test_views import FINGERPRINT, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def programs(db):
    return {
        "standard": make_installment_program(code="standard", name="Standard plan", months_max=24),
        "freeze": make_installment_program(
            code="freeze",
            name="Freeze plan",
            kind="interest_freeze",
            months_min=12,
            min_days_past_due=90,
        ),
        "deferral": make_deferral_program(code="deferral", name="Deferral plan"),
    }


def account_url(account: CreditAccount) -> str:
    return reverse("negotiation:account", args=[account.reference])


def preview_url(account: CreditAccount) -> str:
    return reverse("negotiation:request_preview", args=[account.reference])


def test_the_account_page_suggests_plans(debtor_client, account, programs):
    page = debtor_client.get(account_url(account)).content.decode()
    assert "A plan over 12 months" in page
    assert "The lowest monthly payment" in page
    assert "Pause payments first" in page
    assert "¥982.67" in page  # 12 months of the standard plan
    assert "Start with these terms" in page
    assert "?program=standard&amp;months=12&amp;grace_months=0" in page


def test_suggestions_fit_the_figures_given(debtor_client, account, programs):
    posted = debtor_client.post(account_url(account), {"income": "6000", "expenses": "4000"})
    assert posted.status_code == 302  # posted, then the page again: never in the URL
    assert posted["Location"] == account_url(account)
    page = debtor_client.get(account_url(account)).content.decode()
    assert "The shortest plan that fits your budget" in page
    assert "Fits your budget" in page
    assert "income=" not in page  # the links carry the terms, not the debtor's budget
    assert 'value="6000"' in page  # kept for the sign-in
    form_url = reverse("negotiation:request_create", args=[account.reference])
    prefilled = debtor_client.get(form_url, {"program": "standard", "months": "12"})
    assert 'name="monthly_income" value="6000"' in prefilled.content.decode()


def test_empty_figures_forget_them(debtor_client, account, programs):
    debtor_client.post(account_url(account), {"income": "6000", "expenses": "4000"})
    debtor_client.post(account_url(account), {"income": "", "expenses": ""})
    page = debtor_client.get(account_url(account)).content.decode()
    assert "Fits your budget" not in page
    assert "budget_figures" not in debtor_client.session


def test_figures_in_the_address_are_not_read(debtor_client, account, programs):
    page = debtor_client.get(account_url(account), {"income": "6000", "expenses": "4000"})
    assert "Fits your budget" not in page.content.decode()


def test_bad_figures_show_a_message_and_the_general_suggestions(debtor_client, account, programs):
    response = debtor_client.post(account_url(account), {"income": "lots", "expenses": "-5"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Please enter “Monthly income after tax” in the digits 0-9" in page
    assert "“Monthly essential expenses” cannot be less than 0." in page
    assert "A plan over 12 months" in page
    assert "budget_figures" not in debtor_client.session


def test_only_eligible_options_can_be_asked_for(debtor_client, account, programs):
    page = debtor_client.get(account_url(account)).content.decode()
    assert "This option starts at 90 days overdue." in page
    assert "?program=freeze" not in page
    assert "?program=standard" in page


def test_an_ineligible_program_is_refused_even_if_posted(debtor_client, account, programs):
    url = reverse("negotiation:request_create", args=[account.reference])
    response = debtor_client.post(url, form_data(programs["freeze"], months="12", confirm="1"))
    page = response.content.decode()
    assert "Select a valid choice" not in page
    assert "Please choose one of the answers shown for “Option”." in page
    assert not ReliefRequest.objects.exists()


def test_terms_outside_the_bounds_are_refused_even_if_posted(debtor_client, account, programs):
    url = reverse("negotiation:request_create", args=[account.reference])
    response = debtor_client.post(url, form_data(programs["standard"], months="36", confirm="1"))
    assert "Choose between 3 and 24 monthly payments." in response.content.decode()
    assert not ReliefRequest.objects.exists()


def test_the_live_preview_returns_the_disclosure_and_the_chart(debtor_client, account, programs):
    data = {
        "program": programs["standard"].pk,
        "months": "12",
        "grace_months": "0",
        "down_payment": "",
    }
    page = debtor_client.post(preview_url(account), data).content.decode()
    assert "¥982.67" in page
    assert "13.03%" in page
    assert "<svg" in page
    assert "Amount covered still to repay over time" in page
    assert "<html" not in page  # a fragment, not a page


def test_the_live_preview_says_what_to_change(debtor_client, account, programs):
    data = {"program": programs["standard"].pk, "months": "30", "grace_months": "0"}
    page = debtor_client.post(preview_url(account), data).content.decode()
    assert "adjust these terms" in page
    assert "Choose between 3 and 24 monthly payments." in page
    assert "<svg" not in page


def test_the_live_preview_checks_ownership(other_client, client, account, programs):
    data = {"program": programs["standard"].pk, "months": "12", "grace_months": "0"}
    assert other_client.post(preview_url(account), data).status_code == 404
    assert client.post(preview_url(account), data).status_code == 302
    assert other_client.get(preview_url(account)).status_code == 405


def test_a_suggestion_link_prefills_the_form(debtor_client, account, programs):
    debtor_client.post(account_url(account), {"income": "7000", "expenses": "4000"})
    url = reverse("negotiation:request_create", args=[account.reference])
    page = debtor_client.get(
        url, {"program": "deferral", "months": "6", "grace_months": "2"}
    ).content.decode()
    assert 'name="months" value="6"' in page
    assert 'name="grace_months" value="2"' in page
    assert 'name="monthly_income" value="7000' in page


@pytest.mark.parametrize("months", ["²", "abc", "99999999999999999999", "-3"])
def test_odd_prefill_numbers_are_ignored(debtor_client, account, programs, months):
    url = reverse("negotiation:request_create", args=[account.reference])
    assert debtor_client.get(url, {"months": months}).status_code == 200


def test_a_withdrawal_without_a_valid_version_changes_nothing(debtor_client, account, programs):
    request = make_request(account, programs["standard"])
    url = reverse("negotiation:request_withdraw", args=[request.reference])
    for version in ("²", "", "x"):
        response = debtor_client.post(url, {"version": version}, follow=True)
        assert "changed while you were looking at it" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "submitted"


def test_if_the_balance_moves_between_preview_and_confirm_the_preview_shows_again(
    debtor_client, account, programs
):
    url = reverse("negotiation:request_create", args=[account.reference])
    preview = debtor_client.post(url, form_data(programs["standard"], preview="1")).content.decode()
    found = FINGERPRINT.search(preview)
    assert found is not None
    fingerprint = found.group(1)
    CreditAccount.objects.filter(pk=account.pk).update(penalty=Decimal("250.00"))  # 50 paid
    data = form_data(programs["standard"], confirm="1", previewed_terms=fingerprint)
    response = debtor_client.post(url, data)
    page = response.content.decode()
    assert "What you owe changed while you were looking" in page
    assert "¥10,950.00" in page
    assert not ReliefRequest.objects.exists()


def test_after_approval_no_new_request_can_be_made(debtor_client, account, programs, specialist):
    approve_request(
        make_request(account, programs["standard"]), actor=specialist, today=timezone.localdate()
    )
    page = debtor_client.get(account_url(account)).content.decode()
    assert "Start with these terms" not in page
    assert "This account is not open to relief requests at the moment." in page
    url = reverse("negotiation:request_create", args=[account.reference])
    debtor_client.post(url, form_data(programs["standard"], confirm="1"))
    assert ReliefRequest.objects.count() == 1


def test_a_suggestion_with_a_down_payment_carries_it_to_the_form(debtor_client, account):
    program = make_installment_program(
        code="with-down", min_down_payment_pct=Decimal("10"), months_max=24
    )
    page = debtor_client.get(account_url(account)).content.decode()
    assert "down_payment=1100.00" in page
    url = reverse("negotiation:request_create", args=[account.reference])
    form_page = debtor_client.get(
        url, {"program": program.code, "months": "12", "down_payment": "1100.00"}
    )
    assert 'name="down_payment" value="1100.00"' in form_page.content.decode()


def test_the_plan_keeps_the_dates_rule_of_the_request(account, specialist):
    program = make_installment_program(code="day-20", payment_day=20, first_due_min_days=15)
    request = make_request(account, program)
    program.payment_day = 5  # a supervisor changes the program after the request
    program.save()
    plan = approve_request(request, actor=specialist, today=timezone.localdate()).plan
    assert {i.due_date.day for i in plan.installments.all()} == {20}


@pytest.mark.django_db
def test_errors_are_summed_up_at_the_top_and_linked_to_their_fields(
    debtor_client, account, installment_program
):
    url = reverse("negotiation:request_create", args=[account.reference])
    html = debtor_client.post(url, {}).content.decode()
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'role="alert"' in html.split('id="error-summary"', 1)[0][-80:]
    assert 'href="#id_hardship_statement"' in summary
    assert 'href="#id_consent_truthful"' in summary


def test_the_suggestions_keep_back_a_living_allowance_for_each_dependent(
    debtor_client, account, installment_program
):
    url = reverse("negotiation:account", args=[account.reference])
    figures = {"income": "8000", "expenses": "5000"}

    def kinds(**extra: str) -> set[str]:
        debtor_client.post(url, {**figures, **extra})
        response = debtor_client.get(url)
        assert response.status_code == 200
        return {item.suggestion.kind.value for item in response.context["suggestions"]}

    assert "shortest_that_fits" in kinds(dependents="0")
    # Three dependents at ¥1,000 each leave nothing to pay from: nothing "fits".
    assert "shortest_that_fits" not in kinds(dependents="3")
    prefilled = debtor_client.get(
        reverse("negotiation:request_create", args=[account.reference]),
        {"program": installment_program.code},
    )
    assert prefilled.context["form"].initial["dependents"] == 3
