"""Exact query counts, on the same page with 1 and with 50 rows of history: a page whose
queries grow with its rows fails here, and the failure prints every query (Zulip's
``assert_database_query_count``). Each count is asserted with the status code, so a
redirect or an error page cannot pass for the page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from negotiation.models import CollectionNotice, Message
from tests.factories import make_payment, make_request

pytestmark = pytest.mark.django_db

# The queries each page costs whatever its history; see each test for what they are.
DASHBOARD = 12
ACCOUNT_PAGE = 18
REQUEST_PAGE = 10
QUEUE = 9
REVIEW_PAGE = 25


@pytest.fixture(autouse=True)
def _cold_caches():
    """Django caches content types per process: start every count cold, so a count does
    not depend on which test ran before it."""
    ContentType.objects.clear_cache()


def _grow_to(count: int, add: Callable[[int], object], have: int) -> None:
    for n in range(have, count):
        add(n)


def _payment_and_notice(account) -> Callable[[int], object]:
    def add(n: int) -> None:
        make_payment(account, "10.00", paid_on=timezone.localdate() - dt.timedelta(days=n + 1))
        sent = timezone.now() - dt.timedelta(days=n + 2)
        CollectionNotice.objects.create(
            account=account, channel="letter", sent_at=sent, delivered_at=sent
        )

    return add


@pytest.mark.parametrize("rows", [1, 50])
def test_the_dashboard(debtor_client, account, django_assert_num_queries, rows):
    _grow_to(rows, _payment_and_notice(account), 0)
    with django_assert_num_queries(DASHBOARD):
        assert debtor_client.get(reverse("negotiation:dashboard")).status_code == 200


@pytest.mark.parametrize("rows", [1, 50])
def test_the_account_page(
    debtor_client, account, installment_program, django_assert_num_queries, rows
):
    _grow_to(rows, _payment_and_notice(account), 0)
    url = reverse("negotiation:account", args=[account.reference])
    with django_assert_num_queries(ACCOUNT_PAGE):
        assert debtor_client.get(url).status_code == 200


@pytest.mark.parametrize("rows", [1, 50])
def test_the_debtors_request_page(
    debtor_client, account, installment_program, specialist, django_assert_num_queries, rows
):
    request = make_request(account, installment_program)
    _grow_to(
        rows,
        lambda n: Message.objects.create(request=request, author=specialist, body=f"m {n}"),
        0,
    )
    url = reverse("negotiation:request_detail", args=[request.reference])
    with django_assert_num_queries(REQUEST_PAGE):
        assert debtor_client.get(url).status_code == 200
