"""Payments: recorded by hand or imported; allocated to the plan; the plan followed to the
end. Imports are all or nothing and safe to run twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from negotiation.models import AccountStatus, Installment, Payment, PlanStatus
from negotiation.services.payments import PaymentRefused, record_payment
from negotiation.services.plans import sign_plan
from negotiation.services.requests import approve_request
from tests.conftest import staff_client
from tests.factories import make_request

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def pay(account, amount, external_id="PAY-1", paid_on=TODAY):
    """Time travel: the payment is recorded on the day it is made."""
    return record_payment(
        account,
        actor=None,
        amount=Decimal(amount),
        paid_on=paid_on,
        source="bank_transfer",
        external_id=external_id,
        today=max(paid_on, TODAY),
    )


@pytest.fixture
def active_plan(account, installment_program, specialist):
    plan = approve_request(
        make_request(account, installment_program, months=3), actor=specialist, today=TODAY
    ).plan
    return sign_plan(plan, actor=account.debtor.user, agreement_text="text", ip=None, user_agent="")


def test_without_a_plan_a_payment_reduces_late_charges_first(account):
    pay(account, "350.00")  # penalty 300, fees 100, interest 600, principal 10,000
    account.refresh_from_db()
    assert (account.penalty, account.fees, account.interest, account.principal) == (
        Decimal("0.00"),
        Decimal("50.00"),
        Decimal("600.00"),
        Decimal("10000.00"),
    )


def test_a_payment_larger_than_what_is_owed_is_refused(account):
    with pytest.raises(PaymentRefused, match=r"more than the 11,000\.00 still owed"):
        pay(account, "11000.01")
    assert not Payment.objects.exists()


def test_a_payment_settles_installments_and_the_account_ledger(account, active_plan):
    # 11,000 over 3 months at 0.6%: 3,666.67 + 66.00 fee = 3,732.67 a month.
    first = active_plan.installments.get(number=1)
    pay(account, "3732.67", paid_on=first.due_date)
    first.refresh_from_db()
    assert (first.paid_amount, first.status) == (Decimal("3732.67"), "paid")
    account.refresh_from_db()
    assert account.total_balance == Decimal("11000.00") - Decimal("3666.67")  # the principal part


def test_an_overpayment_shortens_the_plan_from_the_end(account, active_plan):
    first = active_plan.installments.get(number=1)
    pay(account, "4000.00", paid_on=first.due_date - dt.timedelta(days=3))
    paid = dict(Installment.objects.filter(plan=active_plan).values_list("number", "paid_amount"))
    assert paid == {1: Decimal("3732.67"), 2: Decimal("0.00"), 3: Decimal("267.33")}


def test_paying_every_installment_completes_the_plan_and_settles_the_account(account, active_plan):
    for n, installment in enumerate(active_plan.installments.order_by("number"), start=1):
        pay(account, str(installment.amount), external_id=f"PAY-{n}", paid_on=installment.due_date)
    active_plan.refresh_from_db()
    account.refresh_from_db()
    assert active_plan.status == PlanStatus.COMPLETED
    assert account.status == AccountStatus.SETTLED
    assert account.total_balance == Decimal("0.00")


def write_csv(tmp_path, rows, name="payments.csv"):
    path = tmp_path / name
    path.write_text(
        "external_id,account_reference,amount,paid_on,source\n" + "\n".join(rows) + "\n"
    )
    return path


def test_an_import_and_running_it_again(tmp_path, account):
    path = write_csv(
        tmp_path,
        [
            f"BANK-1,{account.reference},100.00,{TODAY},bank_transfer",
            f"BANK-2,{account.reference},250.50,{TODAY},branch",
        ],
    )
    out = StringIO()
    call_command("import_payments", str(path), stdout=out)
    assert "2 payment(s) imported, 0 already imported." in out.getvalue()
    account.refresh_from_db()
    assert account.total_balance == Decimal("10649.50")
    out = StringIO()
    call_command("import_payments", str(path), stdout=out)
    assert "0 payment(s) imported, 2 already imported." in out.getvalue()
    assert Payment.objects.count() == 2


def test_a_bad_file_reports_every_line_and_writes_nothing(tmp_path, account):
    future = TODAY + dt.timedelta(days=3)
    path = write_csv(
        tmp_path,
        [
            f"BANK-1,{account.reference},100.00,{TODAY},bank_transfer",
            f"BANK-2,AC-NOPE-NOPE,100.00,{TODAY},bank_transfer",
            f"BANK-3,{account.reference},ten,{TODAY},bank_transfer",
            f"BANK-4,{account.reference},10.00,{future},bank_transfer",
            f"BANK-1,{account.reference},100.00,{TODAY},bank_transfer",
            f"BANK-5,{account.reference},10999.00,{TODAY},cash",
        ],
    )
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_payments", str(path), stderr=err)
    report = err.getvalue()
    assert "line 3: No account with this reference." in report
    assert "line 4: the amount 'ten' is not a number" in report
    assert "line 5: The payment date is in the future." in report
    assert "line 6: this external id appears twice in the file" in report
    assert "line 7: Unknown source" in report
    assert "line 7: This is more than the" in report  # 100 + 10 + 10,999 > 11,000
    assert "line 2:" not in report
    assert not Payment.objects.exists()


def test_an_id_imported_before_with_other_details_is_refused(tmp_path, account):
    call_command(
        "import_payments",
        str(write_csv(tmp_path, [f"BANK-1,{account.reference},100.00,{TODAY},app"])),
        stdout=StringIO(),
    )
    changed = write_csv(
        tmp_path, [f"BANK-1,{account.reference},120.00,{TODAY},app"], name="changed.csv"
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_payments", str(changed), stderr=err)
    assert "imported before with other details" in err.getvalue()


def test_a_wrong_header_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,amount\n1,2\n")
    with pytest.raises(CommandError, match="header must be"):
        call_command("import_payments", str(path))


def test_bank_staff_record_a_payment_in_the_admin(bankstaff, specialist, account):
    url = reverse("admin:negotiation_payment_add")
    data = {
        "account": account.pk,
        "amount": "500.00",
        "paid_on": TODAY.isoformat(),
        "source": "branch",
        "external_id": "DESK-1",
    }
    response = staff_client(bankstaff).post(url, data)
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert payment.recorded_by == bankstaff
    bad = staff_client(bankstaff).post(url, {**data, "external_id": "DESK-2", "amount": "99999.00"})
    assert "still owed on the account" in bad.content.decode()
    assert staff_client(specialist).get(url).status_code == 403
    assert Payment.objects.count() == 1


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
