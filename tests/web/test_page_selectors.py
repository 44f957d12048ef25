"""The page selectors read the clock from their arguments only: the same request or account
on another day gives that day's page. (The pages themselves are tested through the views.)"""

import datetime as dt

import pytest
from django.utils import timezone

from negotiation.policy import Choices
from negotiation.roles import COMPLIANCE
from negotiation.selectors.debtor import account_page, request_page
from negotiation.selectors.workbench import review_page
from negotiation.services.offers import make_counter_offer
from tests.factories import make_request, make_staff

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_the_account_page_is_the_page_of_the_day_given(account, installment_program):
    page = account_page(account, today=TODAY, language="en", figures=None)
    later = account_page(account, today=TODAY + dt.timedelta(days=10), language="en", figures=None)
    assert later.days_past_due == page.days_past_due + 10
    assert later.timeline.today == TODAY + dt.timedelta(days=10)
    assert page.account == account
    assert page.open_request is None
    assert [option.program for option in page.options] == [installment_program]
    assert page.suggestions  # no request open: plans are suggested
    assert not page.under_plan


def test_the_request_page_dates_a_counter_offer_from_the_day_and_time_given(
    account, installment_program, specialist
):
    request = make_counter_offer(
        make_request(account, installment_program, months=12),
        actor=specialist,
        choices=Choices(months=24),
        message="24 months fits better.",
        expires_on=TODAY + dt.timedelta(days=14),
        today=TODAY,
    )
    now = timezone.now()
    page = request_page(request, today=TODAY, now=now)
    assert page.counter is not None
    assert page.counter_disclosure is not None
    assert page.counter_chart is not None
    assert not page.counter_expired
    assert page.plan is None

    later_day = TODAY + dt.timedelta(days=3)
    later = request_page(request, today=later_day, now=now + dt.timedelta(days=30))
    assert later.counter_expired
    assert later.counter_disclosure is not None
    assert later.counter_disclosure.lines[0].due_date > page.counter_disclosure.lines[0].due_date


def test_the_review_page_is_of_the_day_given_and_shows_what_the_viewer_may_do(
    account, installment_program, specialist
):
    request = make_request(account, installment_program)
    page = review_page(request, viewer=specialist, today=TODAY)
    later = review_page(request, viewer=specialist, today=TODAY + dt.timedelta(days=5))
    assert later.days_past_due == page.days_past_due + 5
    assert page.can_decide
    assert page.can_see_names
    assert not page.can_second_approve

    compliance = review_page(request, viewer=make_staff(COMPLIANCE), today=TODAY)
    assert not compliance.can_decide
    assert not compliance.can_see_names
    assert not compliance.can_record_contact
