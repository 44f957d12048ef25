"""The nightly refresh is one SQL statement per column, and gives exactly what the pure
delinquency functions give, pauses included, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from negotiation import delinquency
from negotiation.models import AgingPause, CreditAccount
from negotiation.services.accounts import refresh_aging
from tests.factories import make_account

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)


def test_the_refresh_matches_the_pure_functions(debtor, django_assert_max_num_queries):
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
    with django_assert_max_num_queries(6):  # no loop over accounts
        assert refresh_aging(today=TODAY) == 60
    for account in CreditAccount.objects.all():
        expected = account.days_past_due(TODAY)
        assert account.days_past_due_stored == expected, account.card_last4
        assert account.stage_stored == delinquency.stage_for(expected).value
        assert account.aging_refreshed_on == TODAY


def test_running_it_twice_gives_the_same_figures(debtor):
    make_account(debtor, days_past_due=45)
    refresh_aging(today=TODAY)
    first = list(CreditAccount.objects.values_list("days_past_due_stored", "stage_stored"))
    refresh_aging(today=TODAY)
    assert list(CreditAccount.objects.values_list("days_past_due_stored", "stage_stored")) == first
