"""The daily export of due debits for the bank's core system (export_due_debits: the
command, the beat task and the service): one line per installment due that day under a
mandate that takes it, with what is still unpaid; a private file written whole; the same
file when run again; audited by its counts; and its results back through import_payments
(the debit reference as external id, source auto_debit) paying the installments. A debit
that failed is not in the results: the installment stays unpaid and becomes overdue."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import stat
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from negotiation import tasks
from negotiation.models import (
    AuditAction,
    AuditEvent,
    DirectDebitExport,
    Installment,
    InstallmentStatus,
    Payment,
    PaymentSource,
)
from negotiation.services.following import follow_plans
from negotiation.services.mandates import EXPORT_COLUMNS, export_due_debits
from negotiation.services.plans import transition_plan
from tests.factories import at_noon, make_account, make_active_plan, pay
from tests.services.test_mandates import NUMBER, cancel, due_on, set_up

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path):
    settings.DIRECT_DEBIT_EXPORT_DIR = tmp_path / "direct-debits"


def rows_of(path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def debited_plan(plan, due: dt.date = TODAY):
    """``plan`` with its first installment due on ``due`` and a mandate taking it."""
    days = due_on(plan, due)
    return days, set_up(plan, now=at_noon(due - dt.timedelta(days=20)))


def test_the_file_lists_the_days_debits_with_what_the_bank_needs(active_plan, settings):
    (first, second, _), _ = debited_plan(active_plan)
    result = export_due_debits(day=first, now=timezone.now())
    assert result.path == settings.DIRECT_DEBIT_EXPORT_DIR / f"direct-debits-{first}.csv"
    assert result.path.read_text().splitlines()[0] == ",".join(EXPORT_COLUMNS)
    assert rows_of(result.path) == [
        {
            "debit_reference": f"DD-{active_plan.reference}-01-{first:%Y%m%d}",
            "account_reference": active_plan.account.reference,
            "debit_account_number": NUMBER,
            "account_holder": "Alice Debtor",
            "bank_name": "ICBC Shanghai",
            "amount": "3732.67",
            "currency": "CNY",
            "due_date": first.isoformat(),
            "source": "auto_debit",
        }
    ]
    assert (result.lines, result.total, result.written) == (1, Decimal("3732.67"), True)
    # The next month's installment is in the next month's file only.
    assert rows_of(export_due_debits(day=second, now=timezone.now()).path)[0][
        "debit_reference"
    ].endswith(f"-02-{second:%Y%m%d}")
    assert export_due_debits(day=first + dt.timedelta(days=1), now=timezone.now()).lines == 0


def test_only_what_is_still_unpaid_is_debited(active_plan):
    (first, _, _), _ = debited_plan(active_plan)
    pay(active_plan.account, "1000.00", external_id="PART-1", paid_on=first - dt.timedelta(days=2))
    [row] = rows_of(export_due_debits(day=first, now=timezone.now()).path)
    assert row["amount"] == "2732.67"
    pay(active_plan.account, "2732.67", external_id="PART-2", paid_on=first - dt.timedelta(days=1))
    assert rows_of(export_due_debits(day=first, now=timezone.now()).path) == []


def test_only_installments_a_mandate_takes(account, installment_program, specialist):
    day = TODAY
    kept = make_active_plan(account, installment_program, specialist)
    debited_plan(kept, day)
    in_time = make_active_plan(
        make_account(account.debtor, card_last4="1111"), installment_program, specialist
    )
    _, stopped = debited_plan(in_time, day)
    cancel(stopped, on=day - dt.timedelta(days=10))  # in time: nothing more is taken
    too_late = make_active_plan(
        make_account(account.debtor, card_last4="2222"), installment_program, specialist
    )
    _, late = debited_plan(too_late, day)
    cancel(late, on=day - dt.timedelta(days=1))  # too late: this one still goes ahead
    ended = make_active_plan(
        make_account(account.debtor, card_last4="3333"), installment_program, specialist
    )
    debited_plan(ended, day)
    transition_plan(ended, "broken", actor=None)
    without = make_active_plan(
        make_account(account.debtor, card_last4="4444"), installment_program, specialist
    )
    due_on(without, day)
    rows = rows_of(export_due_debits(day=day, now=timezone.now()).path)
    assert sorted(row["account_reference"] for row in rows) == sorted(
        [kept.account.reference, too_late.account.reference]
    )


def test_the_file_is_private_and_written_whole(active_plan):
    (first, _, _), _ = debited_plan(active_plan)
    path = export_due_debits(day=first, now=timezone.now()).path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_running_it_again_writes_the_same_file(active_plan):
    (first, _, _), _ = debited_plan(active_plan)
    once = export_due_debits(day=first, now=timezone.now())
    content = once.path.read_bytes()
    again = export_due_debits(day=first, now=timezone.now())
    assert again.written is False
    assert again.path.read_bytes() == content
    assert len(rows_of(again.path)) == 1
    assert DirectDebitExport.objects.get(debit_date=first).lines == 1
    assert AuditEvent.objects.filter(action=AuditAction.DIRECT_DEBITS_EXPORTED).count() == 1


def test_a_changed_day_replaces_the_file_and_says_so(active_plan):
    (first, _, _), _ = debited_plan(active_plan)
    once = export_due_debits(day=first, now=timezone.now())
    pay(active_plan.account, "100.00", external_id="PART-1", paid_on=first - dt.timedelta(days=1))
    again = export_due_debits(day=first, now=timezone.now())
    assert again.written is True
    assert rows_of(again.path)[0]["amount"] == "3632.67"
    first_row, second_row = AuditEvent.objects.filter(
        action=AuditAction.DIRECT_DEBITS_EXPORTED
    ).order_by("pk")
    assert second_row.after["replaced"] == first_row.after["sha256"]
    assert first_row.after["replaced"] is None
    assert once.path == again.path


def test_the_export_is_audited_by_its_counts_never_its_lines(active_plan):
    (first, _, _), _ = debited_plan(active_plan)
    result = export_due_debits(day=first, now=timezone.now())
    row = AuditEvent.objects.get(action=AuditAction.DIRECT_DEBITS_EXPORTED)
    assert row.after == {
        "debit_date": first.isoformat(),
        "lines": 1,
        "total": "3732.67",
        "file": result.path.name,
        "sha256": DirectDebitExport.objects.get().sha256,
        "replaced": None,
    }
    trail = json.dumps(list(AuditEvent.objects.values("before", "after")))
    assert NUMBER not in trail


def bank_results(export_path, *, failed: frozenset[str] = frozenset()) -> str:
    """What the bank's core system sends back: a line per debit taken, in the payments
    file's format, the debit reference as the external id (a failed debit is left out)."""
    lines = ["external_id,account_reference,amount,paid_on,source"]
    for row in rows_of(export_path):
        if row["debit_reference"] in failed:
            continue
        lines.append(
            ",".join(
                [
                    row["debit_reference"],
                    row["account_reference"],
                    row["amount"],
                    row["due_date"],
                    row["source"],
                ]
            )
        )
    return "\n".join(lines) + "\n"


def test_the_banks_results_come_back_through_import_payments(
    active_plan, account, installment_program, specialist, tmp_path
):
    (first, _, _), _ = debited_plan(active_plan)
    other = make_active_plan(
        make_account(account.debtor, card_last4="5555"), installment_program, specialist
    )
    debited_plan(other)
    out = StringIO()
    call_command("export_due_debits", "--date", first.isoformat(), stdout=out)
    assert "2 debit(s), 7465.34 in all, written" in out.getvalue()
    assert NUMBER not in out.getvalue()
    export = next((tmp_path / "direct-debits").iterdir())
    failed = frozenset(
        {f"DD-{other.reference}-01-{first:%Y%m%d}"}
    )  # not enough money in that account
    results = tmp_path / "results.csv"
    results.write_text(bank_results(export, failed=failed))
    out = StringIO()
    call_command("import_payments", str(results), stdout=out)
    assert "1 payment(s) imported, 0 already imported." in out.getvalue()
    payment = Payment.objects.get()
    assert payment.external_id == f"DD-{active_plan.reference}-01-{first:%Y%m%d}"
    assert payment.source == PaymentSource.AUTO_DEBIT
    assert (payment.amount, payment.paid_on) == (Decimal("3732.67"), first)
    paid = Installment.objects.get(plan=active_plan, number=1)
    assert (paid.status, paid.paid_amount) == (InstallmentStatus.PAID, paid.amount)
    # The same results imported twice are one payment.
    out = StringIO()
    call_command("import_payments", str(results), stdout=out)
    assert "0 payment(s) imported, 1 already imported." in out.getvalue()
    # The failed debit: the installment stays unpaid and takes the usual overdue path.
    follow_plans(today=first + dt.timedelta(days=1))
    missed = Installment.objects.get(plan=other, number=1)
    assert (missed.status, missed.paid_amount) == (InstallmentStatus.OVERDUE, Decimal("0.00"))


def test_the_command_writes_where_it_is_told(active_plan, tmp_path):
    (first, _, _), _ = debited_plan(active_plan)
    target = tmp_path / "outbox" / "today.csv"
    call_command(
        "export_due_debits", "--date", first.isoformat(), "--output", str(target), stdout=StringIO()
    )
    assert len(rows_of(target)) == 1
    out = StringIO()
    call_command(
        "export_due_debits", "--date", first.isoformat(), "--output", str(target), stdout=out
    )
    assert "already up to date, left as it was" in out.getvalue()


def test_the_morning_task_exports_the_day_and_forgets_numbers_no_longer_needed(active_plan):
    debited_plan(active_plan)
    result = tasks.export_due_debits()
    assert result == {
        "file": f"direct-debits-{TODAY}.csv",
        "lines": 1,
        "total": "3732.67",
        "written": True,
        "account_numbers_forgotten": 0,
    }
    assert tasks.export_due_debits()["written"] is False
