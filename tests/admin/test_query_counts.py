"""Exact query counts of the staff site's pages (the queue, the request page), on the same
page with 1 and with 50 rows of history."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from negotiation.models import Message
from negotiation.services.offers import decline_counter_offer
from tests.admin.test_workbench import admin_url
from tests.conftest import staff_client
from tests.factories import counter_offer, make_account, make_request
from tests.web.test_query_counts import _payment_and_notice

pytestmark = pytest.mark.django_db

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


def test_the_request_page_does_not_grow_with_offers(
    account, installment_program, specialist, django_assert_max_num_queries
):
    request = make_request(account, installment_program)
    for _ in range(8):
        request = counter_offer(request, specialist)
        request = decline_counter_offer(request, actor=account.debtor.user, comment="no")
    client = staff_client(specialist)
    with django_assert_max_num_queries(25):
        assert client.get(admin_url("change", request)).status_code == 200


def test_the_queue_costs_the_same_for_many_requests(
    specialist, debtor, installment_program, django_assert_max_num_queries
):
    for i in range(15):
        make_request(make_account(debtor, card_last4=f"{i:04d}"), installment_program)
    client = staff_client(specialist)
    with django_assert_max_num_queries(12):
        client.get(reverse("admin:negotiation_reliefrequest_changelist"))


def test_the_request_page_costs_the_same_whatever_the_history(
    specialist, debtor, account, installment_program, django_assert_max_num_queries
):
    request = make_request(account, installment_program)
    for i in range(10):
        Message.objects.create(request=request, author=specialist, body=f"note {i}", internal=True)
        make_account(debtor, card_last4=f"{i:04d}")
    client = staff_client(specialist)
    with django_assert_max_num_queries(30):
        assert client.get(admin_url("change", request)).status_code == 200


def test_the_queue_query_count_does_not_grow_with_rows(
    specialist, debtor, installment_program, django_assert_max_num_queries
):
    for i in range(10):
        make_request(make_account(debtor, card_last4=f"{i:04d}"), installment_program)
    client = staff_client(specialist)
    with django_assert_max_num_queries(12):
        client.get(reverse("admin:negotiation_reliefrequest_changelist"))


@pytest.mark.parametrize("rows", [1, 50])
def test_the_queue(debtor, installment_program, specialist, django_assert_num_queries, rows):
    _grow_to(
        rows,
        lambda n: make_request(
            make_account(debtor, card_last4=f"{n:04d}", days_past_due=40), installment_program
        ),
        0,
    )
    client = staff_client(specialist)
    with django_assert_num_queries(QUEUE):
        url = reverse("admin:negotiation_reliefrequest_changelist")
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("rows", [1, 50])
def test_the_review_page(account, installment_program, specialist, django_assert_num_queries, rows):
    request = make_request(account, installment_program)
    _grow_to(
        rows,
        lambda n: Message.objects.create(request=request, author=specialist, body=f"n {n}"),
        0,
    )
    _grow_to(rows, _payment_and_notice(account), 0)
    client = staff_client(specialist)
    url = reverse("admin:negotiation_reliefrequest_change", args=[request.pk])
    with django_assert_num_queries(REVIEW_PAGE):
        assert client.get(url).status_code == 200
