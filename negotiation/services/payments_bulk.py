"""The bank's payments file at the database's speed (PostgreSQL), with the rules of
``services.payments.import_payments`` unchanged.

1. **Stage**: the file is read as a stream (``imports.payments.parse_payments``) and each
   row that parses goes straight into a temporary table with ``COPY``; only the problems
   are kept in memory.
2. **Check**, still writing nothing: one statement joins the staged rows to the accounts,
   to the payments imported before and to what each account owes, and marks the external
   ids given twice in the file; one pass over the result, in account and line order (a
   server-side cursor: a few thousand rows in memory at a time), applies the rules of a
   payment entered by hand with what earlier rows pay on the same account (the same
   functions and words as the row-by-row import). Any problem and ``ImportRefused`` lists
   them all, as before.
3. **Write** in batches of ``BATCH_ACCOUNTS`` accounts, each batch its own transaction: the
   batch's accounts locked (in id order, as every writer locks them) and its plans'
   installments, each payment allocated in memory exactly as ``record_payment`` allocates
   it (``allocate_to_installments``, ``reduce_ledger_in_memory``), then everything written
   in bulk: payments, allocations and audit rows with ``COPY``, installments and accounts
   with one ``UPDATE ... FROM unnest(...)`` each, receipts with ``notify_in_bulk``. The
   rare account that a batch settles, or whose promise it keeps, goes through the same
   services as ``record_payment`` (``close_if_paid``, ``keep_promise_if_paid``).

No account is locked for longer than its batch. If a batch fails (the database goes away,
a payment entered meanwhile leaves a row more than is owed) the batches before it stay
written and the error is raised; the same file imported again skips what was written (the
same external ids with the same details) and writes the rest: the import is finished by
running it again (docs/OPERATIONS.md, "The payments import in batches").

Elsewhere (SQLite in development) the file is read whole and goes through
``import_payments``: the same results (tests/jobs/test_import_payments_bulk.py compares them).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from negotiation import money
from negotiation.imports.payments import PaymentRow, parse_payments, read_payments
from negotiation.imports.table import Problem
from negotiation.models import (
    AuditAction,
    AuditEvent,
    CreditAccount,
    Installment,
    InstallmentStatus,
    NotificationEvent,
    Payment,
    PaymentAllocation,
    PaymentSource,
    PlanStatus,
    PromiseStatus,
    PromiseToPay,
    RepaymentPlan,
)
from negotiation.models.audit import ActorRole
from negotiation.requestid import request_id
from negotiation.services.notifications import Notice, notify_in_bulk
from negotiation.services.payments import (
    LEDGER_ORDER,
    ImportRefused,
    PaymentImport,
    PaymentRefused,
    allocate_to_installments,
    close_if_paid,
    entry_problems,
    held_debit,
    import_payments,
    imported_with_other_details,
    more_than,
    receipt_context,
    reduce_ledger_in_memory,
)
from negotiation.services.promises import keep_promise_if_paid

logger = logging.getLogger(__name__)

# Accounts per batch (one transaction each): small enough that no account waits long for
# its lock, large enough that a batch's dozen statements are few per row.
BATCH_ACCOUNTS = 1000
# Rows fetched at a time by the checking pass's server-side cursor.
CHECK_FETCH = 5000
STAGING = "payment_import_staging"
CHECKED = "payment_import_rows"
# An amount with more digits than this before the point is staged without its number (the
# check still reads its text); no account owes one.
MAX_STAGED_DIGITS = 15


def import_payments_file(
    lines: Iterable[str],
    *,
    today: dt.date,
    progress: Callable[[int, int], None] | None = None,
    total: int = 0,
    batch_accounts: int = BATCH_ACCOUNTS,
) -> PaymentImport:
    """Import the payments file whose text ``lines`` gives (an open file, or
    ``imports.table.utf8_lines`` of one: read once, as a stream). The rules, the result and
    ``ImportRefused`` are ``import_payments``'s. ``progress(done, total)`` after each batch
    (``total``: the file's rows, when the caller counted them). ``FileRefused`` for a
    wrong header or encoding, before anything is written."""
    if connection.vendor != "postgresql":
        rows, problems = read_payments(lines)
        return import_payments(rows, problems=problems, today=today, progress=progress)
    with connection.cursor() as cursor:
        try:
            problems = _stage(cursor, lines)
            check = _check(cursor, today, problems)
            if check.problems:
                raise ImportRefused(check.problems)
            imported = _write_in_batches(
                cursor,
                today=today,
                held_lines=[p.line for p in check.held],
                batch_accounts=batch_accounts,
                progress=progress,
                total=total or check.rows,
            )
        finally:
            cursor.execute(
                f"DROP TABLE IF EXISTS {STAGING}, {CHECKED}, payment_import_paid, "
                "payment_import_ledgers"
            )
    return PaymentImport(
        imported=imported, already_imported=check.skipped, held=tuple(sorted(check.held))
    )


# --- 1. Staging: the file streamed into a temporary table ----------------------------------


def _stage(cursor: Any, lines: Iterable[str]) -> list[Problem]:
    """Every row that parses COPYed into the staging table as it is read; the problems of
    the others. The table lives as long as the connection (the batches commit), and is
    dropped at the end."""
    cursor.execute(f"DROP TABLE IF EXISTS {STAGING}, {CHECKED}")
    problems: list[Problem] = []
    parsed = parse_payments(lines)
    first = next(parsed, None)  # the header is checked before the COPY begins
    # A file refused part-way (a byte that is not UTF-8) aborts the COPY: its own
    # transaction rolls back alone, whatever the caller's.
    with transaction.atomic():
        cursor.execute(
            f"""CREATE TEMPORARY TABLE {STAGING} (line integer, external_id text,
                    account_reference text, amount numeric, amount_text text, paid_on date,
                    source text)"""
        )
        with cursor.cursor.copy(
            f"COPY {STAGING} (line, external_id, account_reference, amount, amount_text, "
            "paid_on, source) FROM STDIN"
        ) as copy:
            for row, row_problems in itertools.chain([first] if first else [], parsed):
                problems.extend(row_problems)
                if row is not None:
                    copy.write_row(_staged(row))
    return problems


def _staged(row: PaymentRow) -> tuple[Any, ...]:
    # The exact text of the amount is kept for the checks (Decimal's own comparisons); its
    # number, for the joins, only when it fits any account's figures.
    fits = row.amount.is_zero() or row.amount.adjusted() < MAX_STAGED_DIGITS
    return (
        row.line,
        row.external_id,
        row.account_reference,
        row.amount if fits else None,
        str(row.amount),
        row.paid_on,
        row.source,
    )


# --- 2. Checking: one join, one pass in account order ---------------------------------------


@dataclass
class _Check:
    problems: list[Problem] = field(default_factory=list)
    held: list[Problem] = field(default_factory=list)
    skipped: int = 0  # imported before with the same details
    rows: int = 0  # the file's rows that parsed (for progress)


def _check(cursor: Any, today: dt.date, problems: list[Problem]) -> _Check:
    check = _Check(problems=list(problems))
    account, payment = CreditAccount._meta.db_table, Payment._meta.db_table
    plan, installment = RepaymentPlan._meta.db_table, Installment._meta.db_table
    # Each staged row with its account, the payment of its external id imported before, and
    # whether an earlier row of the file has the same external id; what each account owes:
    # what is left of its plan in force, else its ledger (``ledger.Owed.headline``).
    cursor.execute(
        f"""CREATE TEMPORARY TABLE {CHECKED} AS
            SELECT s.*, a.id AS account_id,
                row_number() OVER (PARTITION BY s.external_id ORDER BY s.line) > 1 AS twice,
                p.id IS NOT NULL AS earlier, p.account_id AS earlier_account,
                p.amount AS earlier_amount, p.paid_on AS earlier_paid_on
            FROM {STAGING} s
            LEFT JOIN {account} a ON a.reference = s.account_reference
            LEFT JOIN {payment} p ON p.external_id = s.external_id"""  # nosec B608: names from the models' _meta; no values
    )
    cursor.execute(f"CREATE INDEX ON {CHECKED} (account_id, line)")
    cursor.execute(f"ANALYZE {CHECKED}")
    cursor.execute(f"SELECT line FROM {CHECKED} WHERE twice ORDER BY line")  # nosec B608
    check.problems += [
        Problem(line, "external_id", _("this external id appears twice in the file"))
        for (line,) in cursor.fetchall()
    ]
    with transaction.atomic():  # a server-side cursor lives in a transaction; it reads only
        named = connection.connection.cursor(name="payment_import_check")
        named.itersize = CHECK_FETCH
        named.execute(
            f"""WITH owed AS (
                    SELECT a.id, COALESCE(
                        (SELECT COALESCE(sum(i.amount - i.paid_amount), 0)
                         FROM {plan} rp LEFT JOIN {installment} i ON i.plan_id = rp.id
                         WHERE rp.account_id = a.id AND rp.status = %s
                         GROUP BY rp.id LIMIT 1),
                        a.principal + a.interest + a.fees + a.penalty) AS headline
                    FROM {account} a
                    WHERE a.id IN (SELECT account_id FROM {CHECKED}))
                SELECT r.line, r.external_id, r.account_id, r.amount_text, r.paid_on,
                    r.source, r.earlier, r.earlier_account, r.earlier_amount,
                    r.earlier_paid_on, owed.headline
                FROM {CHECKED} r LEFT JOIN owed ON owed.id = r.account_id
                WHERE NOT r.twice
                ORDER BY r.account_id NULLS FIRST, r.line""",  # nosec B608: names from the models' _meta; values are parameters
            [PlanStatus.ACTIVE],
        )
        _check_rows(named, today, check)
        named.close()
    return check


def _check_rows(rows: Iterable[tuple[Any, ...]], today: dt.date, check: _Check) -> None:
    """``_not_yet_imported`` and ``_payment_problems_of`` of services.payments over the
    joined rows, one account after another: the same rules, words and held debits."""
    account_now: int | None = None
    already = money.ZERO  # what earlier rows of the file pay on the current account
    for (
        line,
        external_id,
        account_id,
        amount_text,
        paid_on,
        source,
        earlier,
        earlier_account,
        earlier_amount,
        earlier_paid_on,
        owed,
    ) in rows:
        check.rows += 1
        amount = Decimal(amount_text)
        if earlier:
            if (earlier_account, earlier_amount, earlier_paid_on) == (account_id, amount, paid_on):
                check.skipped += 1
            else:
                check.problems.append(imported_with_other_details(line))
            continue
        if account_id is None:
            check.problems.append(Problem(line, "", _("No account with this reference.")))
            continue
        if account_id != account_now:
            account_now, already = account_id, money.ZERO
        debit = source == PaymentSource.AUTO_DEBIT
        problems = entry_problems(
            amount=amount, paid_on=paid_on, source=source, external_id=external_id, today=today
        )
        over = more_than(owed, amount + already)
        if over and not debit:
            problems.append(over)
        check.problems += [Problem(line, "", str(problem)) for problem in problems]
        if debit and over and not problems:
            check.held.append(held_debit(line, over))
            continue
        already += amount


# --- 3. Writing: batches of accounts, each its own transaction ------------------------------


def _write_in_batches(
    cursor: Any,
    *,
    today: dt.date,
    held_lines: list[int],
    batch_accounts: int,
    progress: Callable[[int, int], None] | None,
    total: int,
) -> int:
    """Every row to write, batch by batch of accounts in id order; the number written."""
    written = done = 0
    after = 0  # the last account id of the batch before
    while True:
        started = time.perf_counter()
        with transaction.atomic():
            cursor.execute(
                # Only accounts with a row to write: a file imported again locks nothing.
                f"""SELECT DISTINCT account_id FROM {CHECKED}
                    WHERE account_id > %s AND NOT twice AND NOT earlier
                        AND NOT (line = ANY(%s::int[]))
                    ORDER BY account_id LIMIT %s""",  # nosec B608
                [after, held_lines, batch_accounts],
            )
            account_ids = [id_ for (id_,) in cursor.fetchall()]
            if not account_ids:
                break
            written += _write_batch(cursor, account_ids, held_lines, today)
            cursor.execute(
                f"SELECT count(*) FROM {CHECKED} WHERE account_id <= %s AND NOT twice",  # nosec B608
                [account_ids[-1]],
            )
            done = cursor.fetchone()[0]
        after = account_ids[-1]
        # How long the batch's accounts were locked (docs/PERFORMANCE.md reads it).
        logger.info(
            "payments import: a batch of %d account(s) written in %.3f s",
            len(account_ids),
            time.perf_counter() - started,
        )
        if progress is not None:
            progress(min(done, total), total)  # after the commit: the batch's locks are gone
    if progress is not None:
        progress(total, total)
    return written


@dataclass
class _Batch:
    """What one batch writes, gathered in memory before the bulk statements."""

    now: dt.datetime
    payment_ids: Iterator[int]
    payments: list[tuple[Any, ...]] = field(default_factory=list)
    allocations: list[tuple[int, int, Decimal]] = field(default_factory=list)
    audits: list[tuple[int, str]] = field(default_factory=list)
    receipts: list[Notice] = field(default_factory=list)
    installments: dict[int, Installment] = field(default_factory=dict)  # changed, by id
    accounts: dict[int, CreditAccount] = field(default_factory=dict)  # changed, by id


def _write_batch(cursor: Any, account_ids: list[int], held_lines: list[int], today: dt.date) -> int:
    # Locked in id order, as every writer of accounts locks them (no deadlock with a
    # payment entered by hand meanwhile); the debtor, for the receipts, is only read.
    accounts = {
        a.pk: a
        for a in CreditAccount.objects.select_for_update(of=("self",))
        .select_related("debtor")
        .filter(pk__in=account_ids)
        .order_by("pk")
    }
    plans = {
        p.account_id: p
        for p in RepaymentPlan.objects.filter(account_id__in=account_ids, status=PlanStatus.ACTIVE)
    }
    schedules: dict[int, dict[int, Installment]] = {plan.pk: {} for plan in plans.values()}
    for installment in Installment.objects.select_for_update().filter(plan_id__in=schedules):
        schedules[installment.plan_id][installment.number] = installment
    cursor.execute(
        f"""SELECT line, external_id, account_id, amount_text, paid_on, source
            FROM {CHECKED} r
            WHERE account_id = ANY(%s::bigint[]) AND NOT twice AND NOT (line = ANY(%s::int[]))
                AND NOT EXISTS (SELECT 1 FROM {Payment._meta.db_table} p
                                WHERE p.external_id = r.external_id)
            ORDER BY account_id, line""",  # nosec B608: names from the models' _meta; values are parameters
        [account_ids, held_lines],
    )
    rows = cursor.fetchall()
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [Payment._meta.db_table, len(rows)],
    )
    batch = _Batch(now=timezone.now(), payment_ids=iter([id_ for (id_,) in cursor.fetchall()]))
    last_paid_on: dict[int, dt.date] = {}
    for line, external_id, account_id, amount_text, paid_on, source in rows:
        account, plan = accounts[account_id], plans.get(account_id)
        _pay(
            batch,
            account,
            plan,
            schedules[plan.pk] if plan else None,
            line=line,
            amount=Decimal(amount_text),
            paid_on=paid_on,
            source=source,
            external_id=external_id,
        )
        last_paid_on[account_id] = paid_on
    _write(cursor, batch)
    _after_payments(accounts, plans, schedules, last_paid_on)
    return len(rows)


def _pay(
    batch: _Batch,
    account: CreditAccount,
    plan: RepaymentPlan | None,
    schedule: dict[int, Installment] | None,
    *,
    line: int,
    amount: Decimal,
    paid_on: dt.date,
    source: str,
    external_id: str,
) -> None:
    """One payment as ``record_payment`` makes it, in memory: checked again against what
    the locked account owes now (a payment entered since the check may have paid it),
    allocated, taken off the ledger, audited and acknowledged."""
    owed = _left(schedule) if plan is not None and schedule is not None else account.total_balance
    over = more_than(owed, amount)
    if over:
        raise PaymentRefused([f"line {line}: {over}"])
    payment_id = next(batch.payment_ids)
    repaid = amount
    if schedule is not None:
        parts, repaid = allocate_to_installments(amount, schedule, paid_on=paid_on)
        for installment, part in parts:
            batch.allocations.append((payment_id, installment.pk, part))
            batch.installments[installment.pk] = installment
    principal_repaid = reduce_ledger_in_memory(account, repaid)
    batch.accounts[account.pk] = account
    batch.payments.append(
        (payment_id, account.pk, amount, principal_repaid, paid_on, source, external_id)
    )
    batch.audits.append(
        (
            payment_id,
            json.dumps(
                {
                    "account": account.reference,
                    "amount": str(amount),
                    "paid_on": paid_on.isoformat(),
                }
            ),
        )
    )
    still_to_pay = _left(schedule) if schedule is not None else account.total_balance
    batch.receipts.append(
        Notice(
            debtor=account.debtor,
            event=NotificationEvent.PAYMENT_RECEIVED,
            key=external_id,
            account=account,
            request_id=plan.request_id if plan else None,
            context=receipt_context(
                account, plan, amount=amount, paid_on=paid_on, still_to_pay=still_to_pay
            ),
        )
    )


def _left(schedule: dict[int, Installment]) -> Decimal:
    """What is left to pay under a plan (``ledger.PlanPosition.still_to_pay``)."""
    return sum((i.amount - i.paid_amount for i in schedule.values()), money.ZERO)


def _write(cursor: Any, batch: _Batch) -> None:
    """The batch's rows in bulk: payments, allocations, audit rows by COPY; installments
    and ledgers by one UPDATE each; receipts by one INSERT."""
    raw = cursor.cursor
    with raw.copy(
        f"COPY {Payment._meta.db_table} (id, account_id, amount, principal_repaid, paid_on, "
        "source, external_id, recorded_by_id, created_at) FROM STDIN"
    ) as copy:
        for payment in batch.payments:
            copy.write_row((*payment, None, batch.now))
    with raw.copy(
        f"COPY {PaymentAllocation._meta.db_table} (payment_id, installment_id, amount) FROM STDIN"
    ) as copy:
        for allocation in batch.allocations:
            copy.write_row(allocation)
    with raw.copy(
        f"COPY {AuditEvent._meta.db_table} (actor_id, actor_label, actor_role, action, "
        "object_type, object_id, object_reference, before, after, ip, request_id, at) FROM STDIN"
    ) as copy:
        fixed = (None, "import", ActorRole.SYSTEM.value, AuditAction.PAYMENT_RECORDED.value)
        label, request = Payment._meta.label_lower, request_id()
        for payment_id, after in batch.audits:
            copy.write_row((*fixed, label, payment_id, "", "{}", after, None, request, batch.now))
    # Installments and ledgers: COPYed into scratch tables, then one UPDATE ... FROM each.
    cursor.execute(
        f"""CREATE TEMPORARY TABLE IF NOT EXISTS payment_import_paid (id bigint,
                paid_amount numeric, status text) ON COMMIT DELETE ROWS;
            CREATE TEMPORARY TABLE IF NOT EXISTS payment_import_ledgers (id bigint,
                {", ".join(f"{name} numeric" for name in LEDGER_ORDER)}) ON COMMIT DELETE ROWS"""
    )
    with raw.copy("COPY payment_import_paid FROM STDIN") as copy:
        for i in batch.installments.values():
            copy.write_row((i.pk, i.paid_amount, i.status))
    with raw.copy("COPY payment_import_ledgers FROM STDIN") as copy:
        for a in batch.accounts.values():
            copy.write_row((a.pk, *(getattr(a, name) for name in LEDGER_ORDER)))
    cursor.execute(
        f"""UPDATE {Installment._meta.db_table} i
            SET paid_amount = v.paid_amount, status = v.status
            FROM payment_import_paid v WHERE i.id = v.id"""  # nosec B608: the table's name from _meta
    )
    cursor.execute(
        f"""UPDATE {CreditAccount._meta.db_table} a
            SET {", ".join(f"{name} = v.{name}" for name in LEDGER_ORDER)}
            FROM payment_import_ledgers v WHERE a.id = v.id"""  # nosec B608: names from _meta and LEDGER_ORDER
    )
    cursor.execute("TRUNCATE payment_import_paid, payment_import_ledgers")
    notify_in_bulk(batch.receipts, now=batch.now)


def _after_payments(
    accounts: dict[int, CreditAccount],
    plans: dict[int, RepaymentPlan],
    schedules: dict[int, dict[int, Installment]],
    last_paid_on: dict[int, dt.date],
) -> None:
    """What ``record_payment`` does after a payment, once per account after its last one
    (a payment after the one that settles an account is more than is owed, so it never
    comes): an open promise kept, the account settled or its plan completed."""
    promised = set(
        PromiseToPay.objects.filter(
            account_id__in=list(last_paid_on), status=PromiseStatus.OPEN
        ).values_list("account_id", flat=True)
    )
    for account_id, paid_on in last_paid_on.items():
        account, plan = accounts[account_id], plans.get(account_id)
        if account_id in promised:
            keep_promise_if_paid(account)
        plan_paid = plan is not None and all(
            i.status == InstallmentStatus.PAID for i in schedules[plan.pk].values()
        )
        close_if_paid(account, plan, plan_paid=plan_paid, paid_on=paid_on, actor=None)
