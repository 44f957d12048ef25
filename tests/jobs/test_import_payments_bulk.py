"""The set-based payments import (PostgreSQL: streamed, staged with COPY, checked in one
pass, written in batches of accounts) gives exactly what the row-by-row import gives: the
same ledgers, installments, plans, payments, allocations, receipts, audit rows, promises
and held debits, and the same problems for a bad file, which writes nothing. Each batch is
its own transaction (no lock outlives it), a run stopped part-way is finished by running it
again, and the file is read as a stream."""

from __future__ import annotations

import datetime as dt
import io
import threading
import tracemalloc
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test import TestCase
from django.utils import timezone

from negotiation.imports.payments import read_payments
from negotiation.imports.table import utf8_lines
from negotiation.models import (
    AuditEvent,
    CreditAccount,
    Installment,
    Notification,
    NotificationEvent,
    Payment,
    PaymentAllocation,
    PromiseToPay,
    RepaymentPlan,
)
from negotiation.services import payments_bulk
from negotiation.services.payments import ImportRefused, import_payments, record_payment
from negotiation.services.payments_bulk import import_payments_file
from negotiation.services.promises import make_promise
from tests import factories

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the set-based import is PostgreSQL's"
)
TODAY = timezone.localdate()
HEADER = "external_id,account_reference,amount,paid_on,source\n"


class _RolledBack(Exception):
    pass


def lines_of(text: str) -> list[str]:
    return io.StringIO(text).readlines()


def snapshot() -> dict[str, Any]:
    """Everything an import writes, keyed by what is the same in both runs (references and
    external ids, never the rows' ids or times)."""
    payment_of = dict(Payment.objects.values_list("pk", "external_id"))
    audit = Counter(
        (
            e.action,
            e.object_type,
            payment_of.get(e.object_id, e.object_id)
            if e.object_type.endswith("payment")
            else (e.object_id),
            e.actor_label,
            e.actor_role,
            repr(e.before),
            repr(e.after),
        )
        for e in AuditEvent.objects.all()
    )
    return {
        "accounts": sorted(
            CreditAccount.objects.values_list(
                "reference", "principal", "interest", "fees", "penalty", "status"
            )
        ),
        "plans": sorted(RepaymentPlan.objects.values_list("reference", "status")),
        "installments": sorted(
            Installment.objects.values_list("plan__reference", "number", "paid_amount", "status")
        ),
        "payments": sorted(
            Payment.objects.values_list(
                "external_id",
                "account__reference",
                "amount",
                "principal_repaid",
                "paid_on",
                "source",
                "recorded_by",
            )
        ),
        "allocations": sorted(
            PaymentAllocation.objects.values_list(
                "payment__external_id",
                "installment__plan__reference",
                "installment__number",
                "amount",
            )
        ),
        "notifications": sorted(
            (
                n.debtor_id,
                n.request_id,
                n.channel,
                n.template,
                n.dedupe_key,
                n.occasion,
                n.status,
                repr(n.context),
                n.address,
                n.sent_at is None,
                n.attempts,
            )
            for n in Notification.objects.all()
        ),
        "promises": sorted(PromiseToPay.objects.values_list("account__reference", "status")),
        "audit": audit,
    }


def run_and_roll_back(run: Any, outcomes: list[Any]) -> None:
    with transaction.atomic():
        # The work queued for after the commit too: emails and texts due now, payoff letters.
        with TestCase.captureOnCommitCallbacks() as queued:
            try:
                result: Any = run()
            except ImportRefused as refused:
                result = ("refused", refused.problems)
        outcomes.append((result, {**snapshot(), "queued": len(queued)}))
        raise _RolledBack


def both_ways(text: str, **bulk: Any) -> tuple[Any, Any]:
    """The file through the row-by-row import (rolled back afterwards) and then through the
    set-based one, on the same data: each one's result (or refusal) and what it wrote."""

    def row_by_row() -> Any:
        rows, problems = read_payments(text)
        return import_payments(rows, problems=problems, today=TODAY)

    outcomes: list[Any] = []
    for run in (row_by_row, lambda: import_payments_file(lines_of(text), today=TODAY, **bulk)):
        with pytest.raises(_RolledBack):
            run_and_roll_back(run, outcomes)
    return outcomes[0], outcomes[1]


@pytest.fixture
def accounts(active_plan, other_account):
    """An account under an active plan, one without a plan, one with an open promise, and
    one with a payment imported before."""
    promised = factories.make_account(factories.make_debtor(), card_last4="1111")
    assert promised.debtor.user is not None
    make_promise(
        promised,
        actor=promised.debtor.user,
        amount=Decimal("500.00"),
        by=TODAY + dt.timedelta(days=5),
        now=timezone.now(),
    )
    earlier = factories.make_account(factories.make_debtor(), card_last4="2222")
    record_payment(
        earlier,
        actor=None,
        amount=Decimal("100.00"),
        paid_on=TODAY,
        source="bank_transfer",
        external_id="OLD-1",
        today=TODAY,
    )
    return active_plan.account, other_account, promised, earlier


def left_under(plan: RepaymentPlan) -> Decimal:
    return sum((i.amount - i.paid_amount for i in plan.installments.all()), Decimal("0"))


def test_a_good_file_writes_the_same_both_ways(accounts, active_plan):
    planned, plain, promised, earlier = accounts
    plain.refresh_from_db()
    rest = left_under(active_plan) - Decimal("1000.00")
    text = HEADER + "".join(
        f"{row}\n"
        for row in [
            f"P-1,{planned.reference},1000.00,{TODAY},bank_transfer",
            f"N-1,{plain.reference},350.00,{TODAY},app",
            f"Q-1,{promised.reference},300.00,{TODAY},branch",
            f"P-2,{planned.reference},{rest},{TODAY},auto_debit",  # completes the plan
            f"OLD-1,{earlier.reference},100.00,{TODAY},bank_transfer",  # imported before
            f"Q-2,{promised.reference},250.00,{TODAY},bank_transfer",  # keeps the promise
            f"N-2,{plain.reference},{plain.total_balance - 350},{TODAY},branch",  # settles
            f"E-1,{earlier.reference},99999.00,{TODAY},auto_debit",  # held
            f"E-2,{earlier.reference},25.50,{TODAY},app",
        ]
    )
    (old, old_rows), (new, new_rows) = both_ways(text, batch_accounts=1)
    assert (new.imported, new.already_imported) == (old.imported, old.already_imported) == (7, 1)
    assert new.held == old.held
    assert [p.line for p in new.held] == [9]
    assert new_rows == old_rows
    assert ("completed",) in {(status,) for _ref, status in new_rows["plans"]}
    assert {status for _ref, status in new_rows["promises"]} == {"kept"}


def test_a_bad_file_is_refused_the_same_both_ways_and_writes_nothing(accounts):
    _planned, plain, promised, earlier = accounts
    future = TODAY + dt.timedelta(days=2)
    text = HEADER + "".join(
        f"{row}\n"
        for row in [
            f"A-1,{plain.reference},100.00,{TODAY},bank_transfer",
            f"A-2,AC-NOPE-NOPE,100.00,{TODAY},bank_transfer",
            f"A-3,{plain.reference},ten,{TODAY},bank_transfer",
            f"A-4,{plain.reference},10.005,{future},cash",
            f"A-1,{plain.reference},100.00,{TODAY},bank_transfer",
            f"A-5,{plain.reference},10950.00,{TODAY},app",  # with A-1: more than owed
            f"OLD-1,{earlier.reference},120.00,{TODAY},bank_transfer",  # other details
            f"OLD-1,{earlier.reference},100.00,{TODAY},bank_transfer",  # and twice
            f"A-6,{promised.reference},99999.00,{TODAY},auto_debit",  # held, not a problem
            f" ,{promised.reference},-1,{TODAY},app",
            f"A-7,{promised.reference},1E+40,{TODAY},app",
        ]
    )
    before = snapshot()
    (old, old_rows), (new, new_rows) = both_ways(text, batch_accounts=1)
    assert old[0] == new[0] == "refused"
    assert new[1] == old[1]
    assert {p.line for p in new[1]} == {3, 4, 5, 6, 7, 8, 9, 11, 12}
    assert new_rows == old_rows == {**before, "queued": 0}


def test_each_batch_commits_and_no_lock_outlives_it(transactional_db):
    """Between two batches (the progress call), the accounts of the batch just written can
    be locked at once from another connection: the import holds no lock across batches."""
    debtors = [factories.make_debtor() for _ in range(3)]
    accounts = [factories.make_account(d, card_last4=f"{n:04}") for n, d in enumerate(debtors)]
    text = HEADER + "".join(
        f"B-{n},{a.reference},10.00,{TODAY},app\n" for n, a in enumerate(accounts)
    )
    seen: list[tuple[int, bool, int]] = []

    def lockable(account_id: int) -> bool:
        result: list[bool] = []

        def other_connection() -> None:
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT id FROM {CreditAccount._meta.db_table} WHERE id = %s "
                        "FOR UPDATE NOWAIT",
                        [account_id],
                    )
                result.append(True)
            except Exception:
                result.append(False)
            finally:
                connections.close_all()

        thread = threading.Thread(target=other_connection)
        thread.start()
        thread.join()
        return result[0]

    in_order = sorted(a.pk for a in accounts)

    def progress(done: int, total: int) -> None:
        # The account of the batch just written (one account a batch, in id order).
        seen.append((done, lockable(in_order[done - 1]), Payment.objects.count()))

    result = import_payments_file(lines_of(text), today=TODAY, progress=progress, batch_accounts=1)
    assert result.imported == 3
    assert seen == [(1, True, 1), (2, True, 2), (3, True, 3), (3, True, 3)]


def test_a_run_stopped_part_way_is_finished_by_running_it_again(transactional_db, monkeypatch):
    debtors = [factories.make_debtor() for _ in range(3)]
    accounts = [factories.make_account(d, card_last4=f"{n:04}") for n, d in enumerate(debtors)]
    text = HEADER + "".join(
        f"R-{n},{a.reference},10.00,{TODAY},app\n" for n, a in enumerate(accounts)
    )
    real = payments_bulk._write_batch
    calls = 0

    def fails_on_the_second(*args: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("the database went away")
        return real(*args)

    monkeypatch.setattr(payments_bulk, "_write_batch", fails_on_the_second)
    with pytest.raises(RuntimeError):
        import_payments_file(lines_of(text), today=TODAY, batch_accounts=1)
    assert list(Payment.objects.values_list("external_id", flat=True)) == ["R-0"]
    monkeypatch.setattr(payments_bulk, "_write_batch", real)
    again = import_payments_file(lines_of(text), today=TODAY, batch_accounts=1)
    assert (again.imported, again.already_imported) == (2, 1)
    assert sorted(Payment.objects.values_list("external_id", flat=True)) == ["R-0", "R-1", "R-2"]
    assert (
        Notification.objects.filter(template=NotificationEvent.PAYMENT_RECEIVED)
        .values("occasion")
        .distinct()
        .count()
        == 3
    )


def test_the_file_is_read_as_a_stream(account):
    """Staging ten times the rows takes about the same memory: the rows are not held."""

    def peak(rows: int) -> int:
        def lines() -> Any:
            yield HEADER
            for n in range(rows):
                yield f"S-{n},{account.reference},1.00,{TODAY},app\n"

        with connection.cursor() as cursor:
            tracemalloc.start()
            payments_bulk._stage(cursor, lines())
            _current, top = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            cursor.execute(f"DROP TABLE {payments_bulk.STAGING}")
        return top

    small, large = peak(2_000), peak(20_000)
    assert large < 2 * small


def test_a_file_that_is_not_utf8_part_way_is_refused_and_writes_nothing(account, tmp_path):
    path = tmp_path / "payments.csv"
    path.write_bytes(
        (HEADER + f"U-1,{account.reference},1.00,{TODAY},app\n").encode() + b"U-2,\xff\xfe\n"
    )
    from negotiation.imports.table import FileRefused

    with path.open("rb") as raw, pytest.raises(FileRefused, match="not UTF-8"):
        import_payments_file(utf8_lines(raw), today=TODAY)
    assert not Payment.objects.exists()
