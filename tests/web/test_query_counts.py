"""Exact query counts of the debtor's pages, each on the same page with 1 and with 50 rows
of what it lists: a page whose queries grow with its rows fails here, and the failure
prints every query (Zulip's ``assert_database_query_count``). Each count is asserted with
the status code, so a redirect or an error page cannot pass for the page. The staff
site's pages: tests/admin/test_query_counts.py."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from negotiation.models import Message, NotificationEvent
from negotiation.services.documents import upload_document
from negotiation.services.notifications import notify_debtor
from tests.factories import (
    PDF,
    add_account_history,
    add_audit_row,
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
