"""Exact query counts of the staff site's pages (the queue, the request page, the relief
dashboard), each on the same page with 1 and with 50 rows of what it lists, asserted with
the status code: see tests/web/test_query_counts.py for the debtor's pages and why."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from negotiation.models import Message
from negotiation.services.contacts import record_contact
from negotiation.services.documents import upload_document
from negotiation.services.offers import decline_counter_offer
from negotiation.services.requests import assign_request
from tests.conftest import staff_client
from tests.factories import (
    PDF,
    add_account_history,
    add_audit_row,
    add_portfolio,
    counter_offer,
    make_account,
    make_installment_program,
    make_request,
)
from tests.web.test_query_counts import assert_page_counts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cold_caches")]
ROWS = [1, 50]

# The queries each page costs, whatever its history (one of them is the session's
# second-factor device, which django-otp's middleware loads for every staff page).
# The queue: the session, the user, the device, the language a debtor would prefer, the
# user's rights (two), the view's bounded count (no COUNT(*) of the whole table:
# show_full_result_count is off), its page of rows with their debtors, programs, assignees
# and open disputes in one query.
QUEUE = 8
# The debtor's accounts carry their open disputes: one query for them all. The contact form's
# choice of a second staff member (a field visit) is one more, the questions' wordings one;
# the debtor's call back waiting one, the contact form's choice of an agency one.
REVIEW_PAGE = 31
REVIEW_PAGE_WITH_PLANS = REVIEW_PAGE + 1  # the plans' installments, one query for them all


def review_url(request) -> str:
    return reverse("admin:negotiation_reliefrequest_change", args=[request.pk])


@pytest.mark.parametrize("rows", ROWS)
def test_the_queue(debtor, installment_program, specialist, django_assert_num_queries, rows):
    for n in range(rows):
        account = make_account(debtor, card_last4=f"{n:04d}", days_past_due=40)
        add_account_history(account, 0)
        request = make_request(account, installment_program)
        assign_request(request, assignee=specialist, actor=specialist)
    client = staff_client(specialist)
    with django_assert_num_queries(QUEUE):
        url = reverse("admin:negotiation_reliefrequest_changelist")
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("rows", ROWS)
def test_the_review_page(
    debtor, account, installment_program, specialist, django_assert_num_queries, rows, settings
):
    settings.DOCUMENTS_PER_REQUEST = rows + 1  # the page at scale, past the usual limit
    request = make_request(account, installment_program)
    for n in range(rows):
        Message.objects.create(request=request, author=specialist, body=f"n {n}")
        Message.objects.create(request=request, author=specialist, body=f"i {n}", internal=True)
        add_account_history(account, n)
        make_request(make_account(debtor, card_last4=f"{n:04d}"), installment_program)
        record_contact(
            request,
            actor=specialist,
            channel="phone",
            direction="inbound",
            outcome="spoke",
            note=f"call {n}",
            at=timezone.now(),
        )
        upload_document(
            request,
            actor=debtor.user,
            upload=SimpleUploadedFile(f"p{n}.pdf", PDF, content_type="application/pdf"),
            kind="income",
            consent=True,
        )
        add_audit_row(request, specialist, "submitted")
    client = staff_client(specialist)
    with django_assert_num_queries(REVIEW_PAGE):
        assert client.get(review_url(request)).status_code == 200


@pytest.mark.parametrize("rows", ROWS)
def test_the_review_page_after_rounds_of_offers(
    account, installment_program, specialist, django_assert_num_queries, rows
):
    request = make_request(account, installment_program)
    for _ in range(rows):
        request = counter_offer(request, specialist)
        request = decline_counter_offer(request, actor=account.debtor.user, comment="no")
    client = staff_client(specialist)
    with django_assert_num_queries(REVIEW_PAGE):
        assert client.get(review_url(request)).status_code == 200


# The staff's pages over a debtor with 1 and with 50 accounts, requests, payments and plans:
# the queue's views and a search list them all (one page of rows in one query), the request
# page and the relief dashboard read them in bounded queries.
STAFF_PAGES = {
    "queue, needs my action": QUEUE,
    "queue, all": QUEUE,
    "queue, all open": QUEUE,
    "queue, search by name": QUEUE,
    "queue, search by account reference": QUEUE,
    "request page": REVIEW_PAGE_WITH_PLANS,
}
RELIEF_DASHBOARD = 20  # the figures (14), the session, the user, the app device and the rights


@pytest.mark.parametrize("rows", ROWS)
def test_the_staff_pages_cost_the_same_with_1_or_50_of_everything(
    debtor, specialist, supervisor, rows
):
    program = make_installment_program(months_min=1, months_max=60)
    folio = add_portfolio(debtor, program, specialist, rows)
    queue = reverse("admin:negotiation_reliefrequest_changelist")
    urls = {
        "queue, needs my action": queue,
        "queue, all": f"{queue}?queue=all",
        "queue, all open": f"{queue}?queue=open",
        "queue, search by name": f"{queue}?q=Alice",
        "queue, search by account reference": f"{queue}?q={folio.plans[0].account.reference}",
        "request page": review_url(folio.requests[0]),
    }
    assert urls.keys() == STAFF_PAGES.keys()
    assert_page_counts(staff_client(specialist), urls, STAFF_PAGES)
    dashboard = {"relief dashboard": reverse("admin:relief_dashboard")}
    assert_page_counts(staff_client(supervisor), dashboard, {"relief dashboard": RELIEF_DASHBOARD})
