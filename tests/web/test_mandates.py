"""The pages of automatic repayment: "Set up automatic repayment" on an active plan's page,
its form (the instruction in full, the account, a tick, the password), the plan page saying
where the payments are taken from, and "Cancel automatic repayment" with its confirmation,
both working without JavaScript. Refusals in the portal's words change nothing; another
debtor's plan is a 404; each page's queries are counted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from negotiation.models import DirectDebitMandate, Installment, MandateStatus, RepaymentPlan
from negotiation.services.mandates import consent_digest, consent_text
from negotiation.services.requests import approve_request
from tests.factories import PASSWORD, make_request
from tests.written import written_day

pytestmark = pytest.mark.django_db
NUMBER = "6222 0202 0011 2233 445"


def create_url(plan: RepaymentPlan) -> str:
    return reverse("negotiation:mandate_create", args=[plan.reference])


def cancel_url(plan: RepaymentPlan) -> str:
    return reverse("negotiation:mandate_cancel", args=[plan.reference])


def plan_url(plan: RepaymentPlan) -> str:
    return reverse("negotiation:plan_detail", args=[plan.reference])


def form_data(plan: RepaymentPlan, **changes: str) -> dict[str, str]:
    text = consent_text(plan, language="en", today=timezone.localdate())
    data = {
        "bank_name": "ICBC Shanghai",
        "account_number": NUMBER,
        "holder_name": plan.account.debtor.full_name,
        "consent": "on",
        "password": PASSWORD,
        "consent_digest": consent_digest(text),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def day(value: dt.date) -> str:
    return formats.date_format(value)


def first_due(plan: RepaymentPlan) -> dt.date:
    return Installment.objects.filter(plan=plan).order_by("due_date")[0].due_date


def test_an_active_plans_page_offers_automatic_repayment(debtor_client, active_plan):
    page = debtor_client.get(plan_url(active_plan)).content.decode()
    assert 'data-testid="mandate-create"' in page
    assert create_url(active_plan) in page


def test_a_plan_awaiting_its_signature_does_not(
    debtor_client, account, installment_program, specialist
):
    plan = approve_request(
        make_request(account, installment_program), actor=specialist, today=timezone.localdate()
    ).plan
    page = debtor_client.get(plan_url(plan)).content.decode()
    assert 'data-testid="mandate-create"' not in page
    assert debtor_client.get(create_url(plan))["Location"] == plan_url(plan)


def test_the_form_shows_the_instruction_in_full(debtor_client, active_plan):
    response = debtor_client.get(create_url(active_plan))
    assert response.status_code == 200
    text = consent_text(active_plan, language="en", today=timezone.localdate())
    page = response.content.decode()
    assert text.splitlines()[0] in page
    assert "This must be you: the account must be in your own name." in page
    assert 'value="Alice Debtor"' in page  # the name on file, to confirm
    assert 'type="password"' in page


def test_setting_it_up_and_the_plan_page_after(debtor_client, active_plan):
    response = debtor_client.post(
        create_url(active_plan), form_data(active_plan), HTTP_USER_AGENT="Browser/2.0"
    )
    assert response.status_code == 302
    assert response["Location"] == plan_url(active_plan)
    mandate = DirectDebitMandate.objects.get()
    assert mandate.account_number == "6222020200112233445"
    assert mandate.consent_user_agent == "Browser/2.0"
    assert mandate.consent_text == consent_text(
        active_plan, language="en", today=timezone.localdate()
    )
    page = debtor_client.get(plan_url(active_plan)).content.decode()
    assert "Automatic repayment is set up. From" in page
    assert "Automatic repayment from ICBC Shanghai ···· 3445, each payment on its due date." in page
    assert f"on {written_day(first_due(active_plan))}" in page
    assert cancel_url(active_plan) in page
    assert "6222020200112233445" not in page
    assert "0011" not in page
    # Set up already: the form sends back to the plan.
    assert debtor_client.get(create_url(active_plan))["Location"] == plan_url(active_plan)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password": "not-it"}, "That is not the password of your sign-in."),
        ({"password": None}, "Please type your password."),
        ({"consent": None}, "Please tick the box to say you agree to the instruction."),
        (
            {"account_number": "1234-5678"},
            "Please enter the account number with the digits 0-9 only",
        ),
        (
            {"account_number": "6222０２０２ABC0011"},
            "Please enter the account number with the digits",
        ),
        ({"account_number": ""}, "Please enter the number of the account to take the payments"),
        ({"bank_name": ""}, "Please enter the name of your bank."),
        ({"holder_name": "Bob Other"}, "The account must be in your own name, Alice Debtor."),
        ({"consent_digest": "0" * 64}, "The instruction has changed since the page was opened"),
    ],
)
def test_refusals_in_the_portals_words_change_nothing(debtor_client, active_plan, changes, message):
    response = debtor_client.post(create_url(active_plan), form_data(active_plan, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'id="error-summary"' in response.content.decode()
    assert not DirectDebitMandate.objects.exists()


def test_full_width_digits_and_spaces_are_read_as_the_number(debtor_client, active_plan):
    data = form_data(active_plan, account_number="６２２２ ０２０２-００１１ ２２３３ ４４５")
    assert debtor_client.post(create_url(active_plan), data).status_code == 302
    assert DirectDebitMandate.objects.get().account_number == "6222020200112233445"


def test_another_debtors_plan_is_a_404(other_client, active_plan):
    for url in (create_url(active_plan), cancel_url(active_plan)):
        assert other_client.get(url).status_code == 404
        assert other_client.post(url, form_data(active_plan)).status_code == 404
    assert not DirectDebitMandate.objects.exists()


def test_cancelling_says_what_happens_and_when(debtor_client, active_plan):
    debtor_client.post(create_url(active_plan), form_data(active_plan))
    first, second = list(
        Installment.objects.filter(plan=active_plan)
        .order_by("due_date")[:2]
        .values_list("due_date", flat=True)
    )
    page = debtor_client.get(cancel_url(active_plan)).content.decode()
    assert f"From {written_day(first)}, nothing is taken from your account" in page
    response = debtor_client.post(cancel_url(active_plan), {"reason": "I get paid later now."})
    assert response["Location"] == plan_url(active_plan)
    mandate = DirectDebitMandate.objects.get()
    assert (mandate.status, mandate.cancel_reason) == (
        MandateStatus.CANCELLED,
        "I get paid later now.",
    )
    page = debtor_client.get(plan_url(active_plan)).content.decode()
    assert "Automatic repayment is cancelled." in page
    assert 'data-testid="mandate-create"' in page  # may be set up again
    # Nothing active any more: the cancel page sends back to the plan.
    assert debtor_client.get(cancel_url(active_plan))["Location"] == plan_url(active_plan)
    assert second > first


def test_a_cancellation_too_late_says_the_next_debit_still_goes_ahead(debtor_client, active_plan):
    debtor_client.post(create_url(active_plan), form_data(active_plan))
    installments = list(Installment.objects.filter(plan=active_plan).order_by("number"))
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    Installment.objects.filter(pk=installments[0].pk).update(due_date=tomorrow)
    DirectDebitMandate.objects.update(first_debit_on=tomorrow)
    second = installments[1].due_date
    page = debtor_client.get(cancel_url(active_plan)).content.decode()
    assert (
        f"on {written_day(tomorrow)} still goes ahead: it is too close for the bank to stop it"
        in page
    )
    assert f"From {written_day(second)}, nothing is taken from your account" in page
    debtor_client.post(cancel_url(active_plan), {"reason": ""})
    assert DirectDebitMandate.objects.get().last_debit_on == tomorrow
    page = debtor_client.get(plan_url(active_plan)).content.decode()
    assert (
        f"The payment on {day(tomorrow)} is still taken from your account: it was too close to "
        "stop." in page
    )
    assert (
        f"The payment on {written_day(tomorrow)} still goes ahead from ICBC Shanghai ···· 3445"
        in page
    )
    assert f"From {written_day(second)} nothing is taken: please pay each payment yourself." in page


def test_a_reason_too_long_is_refused_in_the_portals_words(debtor_client, active_plan):
    debtor_client.post(create_url(active_plan), form_data(active_plan))
    response = debtor_client.post(cancel_url(active_plan), {"reason": "x" * 501})
    assert response.status_code == 200
    page = response.content.decode()
    assert "can be at most 500 characters: this is 1 too many." in page
    assert DirectDebitMandate.objects.get().status == MandateStatus.ACTIVE


# Session, user, saved language, debtor, the plan, its installments, the active mandate (none
# yet), the inbox's unread count.
CREATE_PAGE = 8
# The same, the mandate found.
CANCEL_PAGE = 8


def test_the_pages_query_counts(debtor_client, active_plan, django_assert_num_queries):
    with django_assert_num_queries(CREATE_PAGE):
        assert debtor_client.get(create_url(active_plan)).status_code == 200
    debtor_client.post(create_url(active_plan), form_data(active_plan))
    with django_assert_num_queries(CANCEL_PAGE):
        assert debtor_client.get(cancel_url(active_plan)).status_code == 200
