"""Exact query counts of the debtor's pages, each on the same page with 1 and with 50 rows
of what it lists: a page whose queries grow with its rows fails here, and the failure
prints every query (Zulip's ``assert_database_query_count``). Each count is asserted with
the status code, so a redirect or an error page cannot pass for the page. The last test
walks every page of a debtor with 1 and with 50 accounts, requests, payments and plans
(``factories.add_portfolio``). The staff site's pages: tests/admin/test_query_counts.py."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from negotiation.models import Message, NotificationEvent
from negotiation.services.callbacks import book_callback, open_slots
from negotiation.services.disputes import open_dispute
from negotiation.services.documents import upload_document
from negotiation.services.notifications import notify_debtor
from tests.factories import (
    PDF,
    add_account_history,
    add_audit_row,
    add_portfolio,
    make_account,
    make_active_plan,
    make_installment_program,
    make_request,
    make_waiting_payment,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cold_caches")]
ROWS = [1, 50]

# The queries each page costs, whatever its history.
DASHBOARD = 14  # with the online payments waiting and the open disputes, one query each
DASHBOARD_WITH_PLANS = DASHBOARD + 1  # the plans' installments, one query for them all
# With the promises to pay, how to pay, the online payments waiting and the account's disputes,
# and the bank staff's changes to the account (one query for them all)
ACCOUNT_PAGE = 23
REQUEST_PAGE = 10
# The schedule read once (the table, what is owed); how to pay; the plan's signed versions
# and the change waiting for a signature (services.planchanges); its automatic repayment
# (services.mandates); payments waiting for the provider (services.intents): one query each.
PLAN_PAGE = 13
PLAN_CHANGE_PAGE = 10  # the plan, its schedule and program, the change waiting, what was asked
INBOX = 7


@pytest.mark.parametrize("rows", ROWS)
def test_the_dashboard(
    debtor_client, account, installment_program, django_assert_num_queries, rows
):
    # Session, user, saved language, debtor, unread count, accounts with their open
    # requests, plans, notices, open disputes, repayments and agreed pauses, and the
    # consequence rules.
    make_request(account, installment_program)
    for n in range(rows):
        add_account_history(account, n)
        make_waiting_payment(account)
    with django_assert_num_queries(DASHBOARD):
        assert debtor_client.get(reverse("negotiation:dashboard")).status_code == 200


@pytest.mark.parametrize("rows", ROWS)
def test_the_dashboard_with_many_accounts(
    debtor_client, debtor, installment_program, specialist, django_assert_num_queries, rows
):
    for n in range(rows):
        other = make_account(debtor, card_last4=f"{n:04d}")
        add_account_history(other, 0)
        make_active_plan(other, installment_program, specialist)
        make_waiting_payment(other)
    with django_assert_num_queries(DASHBOARD_WITH_PLANS):
        assert debtor_client.get(reverse("negotiation:dashboard")).status_code == 200


@pytest.mark.parametrize("rows", ROWS)
def test_the_account_page(
    debtor_client, account, installment_program, django_assert_num_queries, rows
):
    for n in range(rows):
        add_account_history(account, n)
        make_installment_program(months_max=24)
        make_waiting_payment(account)
    url = reverse("negotiation:account", args=[account.reference])
    with django_assert_num_queries(ACCOUNT_PAGE):
        assert debtor_client.get(url).status_code == 200


@pytest.mark.parametrize("rows", ROWS)
def test_the_debtors_request_page(
    debtor_client,
    account,
    installment_program,
    specialist,
    django_assert_num_queries,
    rows,
    settings,
):
    settings.DOCUMENTS_PER_REQUEST = rows + 1  # the page at scale, past the usual limit
    request = make_request(account, installment_program)
    for n in range(rows):
        Message.objects.create(request=request, author=specialist, body=f"m {n}")
        upload_document(
            request,
            actor=account.debtor.user,
            upload=SimpleUploadedFile(f"p{n}.pdf", PDF, content_type="application/pdf"),
            kind="income",
            consent=True,
        )
        add_audit_row(request, specialist, "submitted")
    url = reverse("negotiation:request_detail", args=[request.reference])
    with django_assert_num_queries(REQUEST_PAGE):
        assert debtor_client.get(url).status_code == 200


@pytest.mark.parametrize("rows", ROWS)
def test_the_plan_page(debtor_client, account, supervisor, django_assert_num_queries, rows):
    program = make_installment_program(months_min=1, months_max=60)
    plan = make_active_plan(account, program, supervisor, months=rows)
    for _ in range(rows):
        make_waiting_payment(account)
    url = reverse("negotiation:plan_detail", args=[plan.reference])
    with django_assert_num_queries(PLAN_PAGE):
        assert debtor_client.get(url).status_code == 200


@pytest.mark.parametrize("rows", ROWS)
def test_the_plan_change_page(debtor_client, account, supervisor, django_assert_num_queries, rows):
    program = make_installment_program(months_min=1, months_max=60, allows_move_to_end=True)
    plan = make_active_plan(account, program, supervisor, months=rows + 1)
    url = reverse("negotiation:plan_change", args=[plan.reference])
    with django_assert_num_queries(PLAN_CHANGE_PAGE):
        assert debtor_client.get(url).status_code == 200


@pytest.mark.parametrize("rows", ROWS)
def test_the_inbox(debtor_client, account, installment_program, django_assert_num_queries, rows):
    request = make_request(account, installment_program)
    for n in range(rows):
        notify_debtor(
            account.debtor,
            NotificationEvent.REQUEST_REJECTED,
            key=f"n{n}",
            request=request,
            context={"reference": request.reference},
        )
    with django_assert_num_queries(INBOX):
        assert debtor_client.get(reverse("negotiation:inbox")).status_code == 200


# Every page of the debtor's site, with 1 and with 50 of each thing it lists; the rights page
# is the same for everyone. Each count with its status code, 200.
DEBTOR_PAGES = {
    "dashboard": 15,
    "account, with its history": 23,
    "account, in a plan": 24,
    "request form": 11,
    "request page": 10,
    "plan page": 13,
    "plan change": 10,
    "paying a plan": 9,
    "paying an account": 8,
    "automatic repayment": 8,
    "promise to pay": 7,
    "dispute form": 7,
    "dispute page": 8,
    "inbox": 7,
    "contacts from us": 9,
    "call back form": 8,
    "call back page": 6,
    "profile": 5,
    "extra support": 5,
    "rights": 4,
    "statement (PDF)": 8,
}


def assert_page_counts(client: Client, urls: dict[str, str], expected: dict[str, int]) -> None:
    """Each page answers 200 in exactly its expected number of queries, each counted cold
    (content types); a failure names every page that is off, with its queries."""
    wrong = []
    for name, url in urls.items():
        ContentType.objects.clear_cache()
        with CaptureQueriesContext(connection) as captured:
            status = client.get(url).status_code
        if (status, len(captured)) != (200, expected[name]):
            wrong.append(f"{name} ({url}): {status}, {len(captured)} queries, not {expected[name]}")
            wrong.extend(f"    {query['sql']}" for query in captured.captured_queries)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("rows", ROWS)
def test_every_debtor_page_costs_the_same_with_1_or_50_of_everything(
    debtor_client, debtor, specialist, rows
):
    program = make_installment_program(months_min=1, months_max=60, allows_move_to_end=True)
    folio = add_portfolio(debtor, program, specialist, rows)
    plan, request, free = folio.plans[0], folio.requests[0], folio.free_account
    now = timezone.now()
    debtor.phone = "13800138000"
    debtor.save()
    dispute = open_dispute(
        request.account,
        actor=debtor.user,
        kind="amount_wrong",
        explanation="The late charge is wrong.",
        now=now,
    )

    def url(name: str, *args: object) -> str:
        return reverse(f"negotiation:{name}", args=args)

    urls = {
        "dashboard": url("dashboard"),
        "account, with its history": url("account", free.reference),
        "account, in a plan": url("account", plan.account.reference),
        "request form": url("request_create", free.reference),
        "request page": url("request_detail", request.reference),
        "plan page": url("plan_detail", plan.reference),
        "plan change": url("plan_change", plan.reference),
        "paying a plan": url("pay", plan.reference),
        "paying an account": url("pay", free.reference),
        "automatic repayment": url("mandate_create", plan.reference),
        "promise to pay": url("promise_create", free.reference),
        "dispute form": url("dispute_create", free.reference),
        "dispute page": url("dispute_detail", dispute.reference),
        "inbox": url("inbox"),
        "contacts from us": url("contacts"),
        "call back form": url("callback_create"),
        "profile": url("profile"),
        "extra support": url("support"),
        "rights": url("rights"),
        "statement (PDF)": url("statement_pdf", free.reference),
    }
    # One page first: a session signed in before minutes of building is saved again by its
    # first request (its idle clock), a write no page should be counted for.
    assert debtor_client.get(url("rights")).status_code == 200
    assert_page_counts(debtor_client, urls, DEBTOR_PAGES)
    # Once one is booked the form leads to it: the call back's own page.
    callback = book_callback(
        debtor,
        actor=debtor.user,
        starts_at=open_slots(debtor, now=now)[0].start,
        phone="13800138000",
        topic="paying",
        note="",
        now=now,
    )
    booked = {"call back page": url("callback_detail", callback.reference)}
    assert_page_counts(debtor_client, booked, DEBTOR_PAGES)
    assert urls.keys() | booked.keys() == DEBTOR_PAGES.keys()
