"""Every page says the same about what is owed: after payments in any order (early, late,
partial, more than one installment) the dashboard, the account page, the plan page, the
staff's plan page and the receipt show one "still to pay", one "paid so far", one next
payment and one count of payments left, all from selectors.ledger; under a signed plan the
pages lead with the plan, and a plan's consequences are told as past, never as running."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from negotiation.models import Notification
from negotiation.roles import SPECIALISTS
from negotiation.selectors.ledger import owed_on
from negotiation.services.payments import record_payment
from negotiation.templatetags.money import money
from tests.conftest import staff_client
from tests.factories import make_active_plan, make_installment_program, make_staff

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def figure(page: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>([^<]+)<', page)
    assert found, testid
    return " ".join(found.group(1).split())


def pages(debtor_client, plan) -> dict[str, str]:
    account = plan.account
    return {
        "dashboard": debtor_client.get(reverse("negotiation:dashboard")).content.decode(),
        "account": debtor_client.get(
            reverse("negotiation:account", args=[account.reference])
        ).content.decode(),
        "plan": debtor_client.get(
            reverse("negotiation:plan_detail", args=[plan.reference])
        ).content.decode(),
    }


def pay(plan, amount: str, on: dt.date, n: int) -> None:
    record_payment(
        plan.account,
        actor=None,
        amount=Decimal(amount),
        paid_on=on,
        source="bank_transfer",
        external_id=f"PAGES-{plan.pk}-{n}",
        today=TODAY,
    )


ORDERS = {
    "early": [("0.25", -20)],
    "late and partial": [("0.10", 0), ("0.05", 0)],
    "two installments at once": [("0.40", 0)],
    "a sliver, then most": [("0.01", -5), ("0.70", 0)],
}


@pytest.mark.parametrize("order", list(ORDERS))
def test_every_page_shows_the_same_figures_after_payments(
    debtor_client, account, supervisor, order
):
    program = make_installment_program(months_min=1, months_max=24)
    plan = make_active_plan(
        account, program, supervisor, months=6, today=TODAY - dt.timedelta(days=40)
    )
    for n, (share, days) in enumerate(ORDERS[order]):
        amount = (plan.total_repayable * Decimal(share)).quantize(Decimal("0.01"))
        pay(plan, str(amount), TODAY + dt.timedelta(days=days), n)
    account.refresh_from_db()
    owed = owed_on(account, today=TODAY)
    assert owed.plan is not None
    assert owed.reconciles
    expected = {
        "paid-so-far": money(owed.plan.paid, account.currency),
        "still-to-pay": money(owed.plan.still_to_pay, account.currency),
        "payments-left": str(owed.plan.payments_left),
    }
    assert owed.plan.next_payment is not None
    shown = pages(debtor_client, plan)
    staff_page = (
        staff_client(make_staff(SPECIALISTS))
        .get(reverse("admin:negotiation_repaymentplan_change", args=[plan.pk]))
        .content.decode()
    )
    for name, page in {**shown, "staff": staff_page}.items():
        for testid, value in expected.items():
            assert figure(page, testid) == value, (name, testid)
        assert money(owed.plan.next_payment.amount, account.currency) in figure(
            page, "next-payment"
        ), name
    receipt = Notification.objects.filter(template="payment.received", channel="portal").latest(
        "pk"
    )
    assert receipt.context["still_to_pay"] == expected["still-to-pay"]
    # The card's ledger is there too, and reconciled in one sentence.
    assert money(owed.ledger.total, account.currency) in figure(shown["account"], "owed-reconciled")


def test_under_a_plan_the_pages_lead_with_it_and_tell_the_past_as_past(
    debtor_client, account, supervisor
):
    freeze = make_installment_program(months_min=1, months_max=24, rate=Decimal("0"))
    plan = make_active_plan(account, freeze, supervisor, months=6)
    shown = pages(debtor_client, plan)
    for name in ("dashboard", "account"):
        assert 'data-testid="plan-standing"' in shown[name], name
        assert "is up to date" in shown[name]
        assert "Repaying under a plan" in shown["dashboard"]
    account_page = shown["account"]
    assert "Your plan freezes interest and late charges" in account_page
    assert "interest keeps running" not in account_page.lower()
    assert "days overdue" not in account_page.split('data-testid="where-you-stand"')[0]


def test_without_a_plan_the_breakdown_is_what_is_owed(debtor_client, account):
    page = debtor_client.get(
        reverse("negotiation:account", args=[account.reference])
    ).content.decode()
    assert figure(page, "ledger-total") == money(account.total_balance, account.currency)
    assert 'data-testid="plan-position"' not in page
