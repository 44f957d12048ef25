"""Payments as the debtor sees them: the plan's progress, and a settled account with
nothing overdue any more."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import pay

pytestmark = pytest.mark.django_db


def test_the_debtor_sees_the_plan_progress(debtor_client, account, active_plan):
    first = active_plan.installments.get(number=1)
    pay(account, "1000.00", paid_on=first.due_date)
    page = debtor_client.get(
        reverse("negotiation:plan_detail", args=[active_plan.reference])
    ).content.decode()
    assert "¥1,000.00" in page
    assert "Partly paid" in page


@pytest.mark.django_db
def test_a_settled_account_has_nothing_overdue_any_more(debtor_client, account):
    from django.urls import reverse

    from negotiation.models import AccountStatus
    from negotiation.services.payments import record_payment

    record_payment(
        account,
        actor=None,
        amount=account.total_balance,
        paid_on=timezone.localdate(),
        source="bank_transfer",
        external_id="ALL-1",
        today=timezone.localdate(),
    )
    account.refresh_from_db()
    assert account.status == AccountStatus.SETTLED
    assert account.oldest_unpaid_due_date is None
    assert account.days_past_due(timezone.localdate()) == 0
    page = debtor_client.get(reverse("negotiation:account", args=[account.reference]))
    assert "No payment is overdue on this account." in page.content.decode()
