"""The account actions' staff pages, end to end: the page, the service, the audit row, and the
debtor reading it; the buttons only for those who hold the right; the account's page
read-only whatever is posted; the payment form in the portal's own words."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from negotiation.models import AccountStatus, AuditAction, AuditEvent, CollectionNotice, Payment
from negotiation.roles import BANK_STAFF, COMPLIANCE, SPECIALISTS
from tests.conftest import staff_client
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


def _url(name, account):
    return reverse(f"admin:negotiation_creditaccount_{name}", args=[account.pk])


def test_freeze_from_the_staff_page_to_the_debtors_account_page(account, bankstaff, debtor_client):
    client = staff_client(bankstaff)
    page = client.get(reverse("admin:negotiation_creditaccount_change", args=[account.pk]))
    assert _url("freeze", account) in page.content.decode()
    assert _url("unfreeze", account) not in page.content.decode()  # not frozen
    response = client.post(_url("freeze", account), {"reason": "Card reported stolen."})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.status == AccountStatus.FROZEN
    assert AuditEvent.objects.get(action=AuditAction.ACCOUNT_TRANSITION).after["action"] == (
        "freeze"
    )
    mine = debtor_client.get(reverse("negotiation:account", args=[account.reference]))
    text = mine.content.decode()
    assert 'data-testid="account-changes"' in text
    assert "Card frozen" in text
    assert "Card reported stolen." in text


def test_a_refused_action_shows_the_form_again_in_plain_words(account, bankstaff):
    client = staff_client(bankstaff)
    response = client.post(_url("close", account), {"reason": "Customer asked."})
    assert response.status_code == 200
    assert "is still owed" in response.content.decode()
    response = client.post(_url("freeze", account), {"reason": ""})
    assert response.status_code == 200
    assert "Please give the reason" in response.content.decode()
    account.refresh_from_db()
    assert account.status == AccountStatus.IN_ARREARS
    assert not AuditEvent.objects.filter(action=AuditAction.ACCOUNT_TRANSITION).exists()


def test_a_balance_correction_from_the_page(account, bankstaff, debtor_client):
    client = staff_client(bankstaff)
    page = client.get(_url("correct_balance", account)).content.decode()
    assert "¥300.00" in page  # each part, with its currency
    response = client.post(
        _url("correct_balance", account),
        {"part": "interest", "direction": "take_off", "amount": "100", "reason": "Wrong rate."},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.interest == Decimal("500.00")
    row = AuditEvent.objects.get(action=AuditAction.ACCOUNT_LEDGER_CORRECTED)
    assert (row.before, row.after["interest"]) == ({"interest": "600.00"}, "500.00")
    mine = debtor_client.get(reverse("negotiation:account", args=[account.reference]))
    assert "-¥100.00 (from ¥600.00 to ¥500.00)" in mine.content.decode()


def test_a_correction_below_zero_is_refused_with_the_amount_and_currency(account, bankstaff):
    response = staff_client(bankstaff).post(
        _url("correct_balance", account),
        {"part": "fees", "direction": "take_off", "amount": "100.01", "reason": "r"},
    )
    assert response.status_code == 200
    assert "Fees is ¥100.00: at most that can be taken off." in response.content.decode()
    account.refresh_from_db()
    assert account.fees == Decimal("100.00")


def test_a_notice_from_the_page_is_listed_to_the_debtor(account, bankstaff, debtor_client):
    response = staff_client(bankstaff).post(
        _url("record_notice", account),
        {
            "channel": "registered_letter",
            "sent_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "text": "We wrote about the overdue balance and how to reach us.",
            "reason": "First formal notice.",
        },
    )
    assert response.status_code == 302, response.content.decode()
    notice = CollectionNotice.objects.get()
    assert notice.recorded_by == bankstaff
    mine = debtor_client.get(reverse("negotiation:account", args=[account.reference]))
    assert "We wrote about the overdue balance" in mine.content.decode()


@pytest.mark.parametrize("group", [SPECIALISTS, COMPLIANCE])
def test_without_the_right_no_button_and_no_action(account, group):
    client = staff_client(make_staff(group))
    page = client.get(reverse("admin:negotiation_creditaccount_change", args=[account.pk]))
    assert page.status_code == 200
    for name in ("freeze", "close", "charge_off", "correct_balance", "record_notice"):
        assert _url(name, account) not in page.content.decode()
        assert client.post(_url(name, account), {"reason": "r"}).status_code == 403
    account.refresh_from_db()
    assert account.status == AccountStatus.IN_ARREARS
    assert not AuditEvent.objects.filter(object_id=account.pk).exists()


def test_the_action_page_reads_a_fixed_number_of_queries(
    account, bankstaff, django_assert_num_queries
):
    client = staff_client(bankstaff)
    client.get(_url("freeze", account))  # warm the session and permission caches
    with django_assert_num_queries(7):
        response = client.get(_url("freeze", account))
    assert response.status_code == 200


def test_the_accounts_page_is_read_only_whatever_is_posted(account, bankstaff):
    client = staff_client(bankstaff)
    url = reverse("admin:negotiation_creditaccount_change", args=[account.pk])
    page = client.get(url).content.decode()
    for field in ("principal", "status", "days_past_due_stored", "stage_stored", "product"):
        assert f'name="{field}"' not in page
    response = client.post(
        url,
        {
            "principal": "1.00",
            "status": "settled",
            "days_past_due_stored": "0",
            "stage_stored": "current",
            "aging_refreshed_on": "2020-01-01",
        },
    )
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.principal == Decimal("10000.00")
    assert account.status == AccountStatus.IN_ARREARS


def test_the_add_form_leaves_the_system_fields_to_the_system(bankstaff):
    page = staff_client(bankstaff).get(reverse("admin:negotiation_creditaccount_add"))
    text = page.content.decode()
    for field in ("days_past_due_stored", "stage_stored", "aging_refreshed_on", "status"):
        assert f'name="{field}"' not in text


def test_a_negative_payment_is_refused_in_the_portals_words(account):
    client = staff_client(make_staff(BANK_STAFF))
    response = client.post(
        reverse("admin:negotiation_payment_add"),
        {
            "account": account.pk,
            "amount": "-5.00",
            "paid_on": timezone.localdate().isoformat(),
            "source": "branch",
            "external_id": "NEG-1",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The amount must be more than ¥0.00." in page
    assert "payment_amount_positive" not in page
    assert not Payment.objects.exists()


def test_the_payment_form_picks_the_account_by_search_not_by_id(account):
    client = staff_client(make_staff(BANK_STAFF))
    page = client.get(reverse("admin:negotiation_payment_add")).content.decode()
    assert "admin-autocomplete" in page
    found = client.get(
        reverse("admin:autocomplete"),
        {
            "term": account.card_last4,
            "app_label": "negotiation",
            "model_name": "payment",
            "field_name": "account",
        },
    ).json()
    assert [r["id"] for r in found["results"]] == [str(account.pk)]


def test_a_stored_accounts_amounts_read_as_money(account, bankstaff):
    account.principal = Decimal("25012.00")
    account.save(update_fields=["principal"])
    page = staff_client(bankstaff).get(
        reverse("admin:negotiation_creditaccount_change", args=[account.pk])
    )
    text = page.content.decode()
    assert "¥25,012.00" in text
    assert ">25012.00<" not in text
