"""The nightly refresh is one SQL statement that writes only the rows whose figures change,
and gives exactly what the pure delinquency functions give, pauses included, on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negotiation import delinquency
from negotiation.models import AgingPause, CreditAccount
from negotiation.services.accounts import refresh_aging
from tests.factories import make_account

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)
EARLIER = TODAY - dt.timedelta(days=1)
# The refresh's statements, whatever the number of accounts (no loop over accounts): one
# UPDATE for days, stage and date together inside a savepoint, and on PostgreSQL the job's
# advisory lock taken and released (negotiation/locks.py; SQLite has one writer anyway).
REFRESH = 2 + 1 + (2 if connection.vendor == "postgresql" else 0)


def test_the_refresh_matches_the_pure_functions(debtor, django_assert_num_queries):
    rng = random.Random(2026)
    for n in range(60):
        due = None if n % 10 == 0 else TODAY - dt.timedelta(days=rng.randrange(-20, 400))
        account = make_account(debtor, card_last4=f"{n:04d}", oldest_unpaid_due_date=due)
        # Up to three agreed pauses, one after the other, as successive deferrals leave them.
        start = TODAY - dt.timedelta(days=rng.randrange(-10, 300))
        for _ in range(n % 4):
            end = start + dt.timedelta(days=rng.randrange(0, 90))
            AgingPause.objects.create(account=account, first_day=start, last_day=end)
            start = end + dt.timedelta(days=rng.randrange(1, 60))
    with django_assert_num_queries(REFRESH):
        assert refresh_aging(today=TODAY) == 60
    for account in CreditAccount.objects.all():
        expected = account.days_past_due(TODAY)
        assert account.days_past_due_stored == expected, account.card_last4
        assert account.stage_stored == delinquency.stage_for(expected).value
        assert account.aging_refreshed_on == TODAY


@pytest.mark.parametrize("rows", [1, 50])
def test_the_refresh_costs_the_same_for_1_and_50_accounts(debtor, django_assert_num_queries, rows):
    for n in range(rows):
        account = make_account(debtor, card_last4=f"{n:04d}", days_past_due=n * 9)
        paused = TODAY - dt.timedelta(days=n + 1)
        AgingPause.objects.create(account=account, first_day=paused, last_day=paused)
    with django_assert_num_queries(REFRESH):
        assert refresh_aging(today=TODAY) == rows


def test_running_it_twice_gives_the_same_figures(debtor):
    make_account(debtor, days_past_due=45)
    refresh_aging(today=TODAY)
    first = list(CreditAccount.objects.values_list("days_past_due_stored", "stage_stored"))
    refresh_aging(today=TODAY)
    assert list(CreditAccount.objects.values_list("days_past_due_stored", "stage_stored")) == first


@pytest.mark.parametrize("days", [0, 1, 30, 31, 60, 61, 90, 91, 400])
def test_the_stored_stage_follows_the_one_table_of_stage_bounds(debtor, days):
    account = make_account(debtor, oldest_unpaid_due_date=TODAY - dt.timedelta(days=days))
    refresh_aging(today=TODAY)
    account.refresh_from_db()
    assert account.stage_stored == delinquency.stage_for(days).value


def test_the_queue_filters_on_the_stored_stage_which_honours_pauses(
    debtor, installment_program, specialist
):
    from django.urls import reverse

    from tests.conftest import staff_client
    from tests.factories import make_request

    paused = make_account(debtor, card_last4="1111", days_past_due=100)
    # 20 of its 100 days were an agreed deferral: 80 days, two months, not non-performing.
    AgingPause.objects.create(
        account=paused,
        first_day=TODAY - dt.timedelta(days=50),
        last_day=TODAY - dt.timedelta(days=31),
    )
    plain = make_account(debtor, card_last4="2222", days_past_due=100)
    paused_request = make_request(paused, installment_program)
    plain_request = make_request(plain, installment_program)
    refresh_aging(today=timezone.localdate())
    url = reverse("admin:negotiation_reliefrequest_changelist")
    client = staff_client(specialist)
    two_months = client.get(url, {"stage": "two_months"}).content.decode()
    non_performing = client.get(url, {"stage": "non_performing"}).content.decode()
    assert paused_request.reference in two_months
    assert plain_request.reference not in two_months
    assert plain_request.reference in non_performing
    assert paused_request.reference not in non_performing


# An account for the property below: its oldest unpaid due date (days before TODAY; None:
# nothing overdue), up to three agreed pauses (start, length, gap to the next), and the
# figures stored before the run: right ones, stale ones, or never refreshed.
accounts_to_refresh = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(min_value=-30, max_value=500)),
        st.lists(
            st.tuples(
                st.integers(min_value=-20, max_value=400),
                st.integers(min_value=0, max_value=120),
                st.integers(min_value=1, max_value=60),
            ),
            max_size=3,
        ),
        st.sampled_from(["right", "stale days", "stale stage", "never refreshed"]),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(accounts=accounts_to_refresh)
def test_the_refresh_writes_exactly_the_rows_whose_figures_change(debtor, accounts):
    """The set-based statement against the per-account rule (``CreditAccount.days_past_due``,
    the pure ``delinquency`` functions): the same figures for every account, written for
    exactly the accounts whose stored figures were not already those, and nothing on a
    second run the same day."""
    with transaction.atomic():
        made = [_account_as_stored(debtor, n, *spec) for n, spec in enumerate(accounts)]
        expected_writes = sum(
            (a.days_past_due_stored, a.stage_stored, a.aging_refreshed_on is None)
            != (a.days_past_due(TODAY), delinquency.stage_for(a.days_past_due(TODAY)).value, False)
            for a in made
        )
        ids = [a.pk for a in made]
        assert refresh_aging(today=TODAY, account_ids=ids) == expected_writes
        for before in made:
            after = CreditAccount.objects.get(pk=before.pk)
            expected = before.days_past_due(TODAY)
            assert after.days_past_due_stored == expected
            assert after.stage_stored == delinquency.stage_for(expected).value
            unchanged = (before.days_past_due_stored, before.stage_stored) == (
                expected,
                delinquency.stage_for(expected).value,
            ) and before.aging_refreshed_on is not None
            assert after.aging_refreshed_on == (before.aging_refreshed_on if unchanged else TODAY)
        assert refresh_aging(today=TODAY, account_ids=ids) == 0
        transaction.set_rollback(True)  # the next example starts from no account


def _account_as_stored(debtor, n, due, pauses, stored):
    oldest = None if due is None else TODAY - dt.timedelta(days=due)
    account = make_account(debtor, card_last4=f"{n:04d}", oldest_unpaid_due_date=oldest)
    start = None
    for offset, length, gap in pauses:
        first = TODAY - dt.timedelta(days=offset) if start is None else start
        last = first + dt.timedelta(days=length)
        AgingPause.objects.create(account=account, first_day=first, last_day=last)
        start = last + dt.timedelta(days=gap)
    right = account.days_past_due(TODAY)
    days, stage = right, delinquency.stage_for(right).value
    refreshed: dt.date | None = EARLIER
    if stored == "stale days":
        days = right + 1
    elif stored == "stale stage":
        stage = delinquency.Stage.NON_PERFORMING.value if right <= 90 else "current"
    elif stored == "never refreshed":
        refreshed = None
    CreditAccount.objects.filter(pk=account.pk).update(
        days_past_due_stored=days, stage_stored=stage, aging_refreshed_on=refreshed
    )
    account.refresh_from_db()
    return account


def test_a_second_run_the_same_day_writes_no_row(debtor):
    for n, days in enumerate([0, 5, 45, 120]):
        make_account(
            debtor, card_last4=f"{n:04d}", oldest_unpaid_due_date=TODAY - dt.timedelta(days=days)
        )
    make_account(debtor, card_last4="9999", oldest_unpaid_due_date=None)
    assert refresh_aging(today=TODAY) == 5  # every row once: none refreshed yet
    assert refresh_aging(today=TODAY) == 0
    # The next day only the accounts still overdue move on by a day.
    assert refresh_aging(today=TODAY + dt.timedelta(days=1)) == 4
