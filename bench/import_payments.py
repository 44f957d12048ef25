"""Measure the payments import against PostgreSQL's own COPY of the same file, in one run.

Usage (a PostgreSQL database the script may fill: it migrates it and, when it has fewer
debtors than asked, flushes it and runs ``seed_demo --debtors``):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench DJANGO_SECRET_KEY=x \\
        NATIONAL_ID_HASH_KEY=x DJANGO_DEBUG=1 \\
        BENCH_PAYMENTS=100000 BENCH_DEBTORS=20000 .venv/bin/python bench/import_payments.py

``BENCH_PAYMENTS`` (default 10,000) payments spread over the accounts of
``seed_demo --debtors BENCH_DEBTORS`` (default 2,000), each account paid small amounts well
within what it owes (so the runs can follow one another on the same data), a quarter of
them automatic debits. ``BENCH_OLD_ROWS`` (default 1,000) rows go through the row-by-row
import (``services.payments.import_payments``, the path before the set-based one) for the
before figure. ``BENCH_RUNS`` (default 3) runs, each with fresh external ids:
(a) baseline: ``COPY ... FROM STDIN (FORMAT csv, HEADER)`` of the file into a bare table;
(f) floor: for each row a payment, an audit row and two receipts COPYed straight into the
    portal's tables, unchecked, and rolled back (``write_floor``);
(b) ``import_payments_file``: streamed, staged, checked, written in batches of accounts;
(c) the same file again: every row found imported before, nothing written.
Prints seconds and rows per second, their medians, (b) as a share of (a), the longest and
median batch (the longest any account stays locked), the growth of resident memory during
(b), and the load average before and after. Results go to docs/PERFORMANCE.md by hand.
"""

from __future__ import annotations

import csv
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from negotiation.imports.payments import COLUMNS, read_payments  # noqa: E402
from negotiation.imports.table import csv_rows, utf8_lines  # noqa: E402
from negotiation.models import Debtor  # noqa: E402
from negotiation.services.payments import import_payments  # noqa: E402
from negotiation.services.payments_bulk import import_payments_file  # noqa: E402

PAYMENTS = int(os.environ.get("BENCH_PAYMENTS", "10000"))
DEBTORS = int(os.environ.get("BENCH_DEBTORS", "2000"))
OLD_ROWS = int(os.environ.get("BENCH_OLD_ROWS", "1000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SOURCES = ("bank_transfer", "branch", "app", "auto_debit")


def seed() -> None:
    if Debtor.objects.count() >= DEBTORS:
        return
    call_command("flush", interactive=False, verbosity=0)
    call_command("seed_demo", debtors=DEBTORS, verbosity=0)


def payable_accounts() -> list[tuple[str, Decimal]]:
    """Each account that owes something, with what it owes (a plan's rest, else its ledger)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT a.reference, COALESCE(
                    (SELECT sum(i.amount - i.paid_amount) FROM negotiation_repaymentplan p
                     JOIN negotiation_installment i ON i.plan_id = p.id
                     WHERE p.account_id = a.id AND p.status = 'active'),
                    a.principal + a.interest + a.fees + a.penalty)
               FROM negotiation_creditaccount a ORDER BY a.id"""
        )
        return [(ref, owed) for ref, owed in cursor.fetchall() if owed and owed > 50]


def write_file(path: Path, rows: int, prefix: str, accounts: list[tuple[str, Decimal]]) -> None:
    """``rows`` payments round the accounts, each between 0.01 and 0.99 yuan (the runs
    together stay far below what any account owes)."""
    today = timezone.localdate().isoformat()
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for n in range(rows):
            reference, _owed = accounts[n % len(accounts)]
            amount = Decimal(1 + n % 99) / 100
            writer.writerow([f"{prefix}-{n}", reference, f"{amount:.2f}", today, SOURCES[n % 4]])


def copy_baseline(path: Path) -> float:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_bare")
        cursor.execute(f"CREATE TABLE bench_bare ({', '.join(f'{c} text' for c in COLUMNS)})")
        start = time.perf_counter()
        with (
            cursor.cursor.copy("COPY bench_bare FROM STDIN (FORMAT csv, HEADER)") as copy,
            path.open("rb") as data,
        ):
            while block := data.read(1 << 20):
                copy.write(block)
        elapsed = time.perf_counter() - start
        cursor.execute("DROP TABLE bench_bare")
    return elapsed


def write_floor(path: Path) -> float:
    """(f): what the rows cost the portal's tables with nothing checked or allocated: for
    each row of the file a payment, an audit row and a portal and an SMS receipt, COPYed
    straight in, then rolled back (no commit, so this floor leaves out the commit's flush)."""
    today = timezone.localdate()
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, debtor_id, reference FROM negotiation_creditaccount")
        known = {reference: (id_, debtor) for id_, debtor, reference in cursor.fetchall()}
    start = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor
            with path.open(encoding="utf-8", newline="") as text:
                rows = [r for _line, r in csv_rows(text, COLUMNS)]
            with raw.copy(
                "COPY negotiation_payment (account_id, amount, principal_repaid, paid_on, "
                "source, external_id, created_at) FROM STDIN"
            ) as copy:
                for r in rows:
                    account = known[r["account_reference"]][0]
                    copy.write_row(
                        (account, r["amount"], 0, today, r["source"], "F" + r["external_id"], now)
                    )
            with raw.copy(
                "COPY negotiation_auditevent (actor_label, actor_role, action, object_type, "
                "object_id, object_reference, before, after, request_id, at) FROM STDIN"
            ) as copy:
                for n, r in enumerate(rows):
                    copy.write_row(
                        (
                            "import",
                            "",
                            "payment_recorded",
                            "negotiation.payment",
                            n,
                            "",
                            "{}",
                            '{"amount": "' + r["amount"] + '"}',
                            "",
                            now,
                        )
                    )
            with raw.copy(
                "COPY negotiation_notification (debtor_id, channel, template, context, "
                "scheduled_for, status, dedupe_key, occasion, attempts, last_error, address, "
                "created_at) FROM STDIN"
            ) as copy:
                for r in rows:
                    debtor = known[r["account_reference"]][1]
                    occasion = f"floor:{r['external_id']}"
                    for channel in ("portal", "sms"):
                        copy.write_row(
                            (
                                debtor,
                                channel,
                                "payment_received",
                                '{"amount": "1"}',
                                now,
                                "pending",
                                f"{occasion}:{channel}",
                                occasion,
                                0,
                                "",
                                "",
                                now,
                            )
                        )
            elapsed = time.perf_counter() - start
            raise _RolledBack
    except _RolledBack:
        pass
    return elapsed


class _RolledBack(Exception):
    pass


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


class Sampler:
    """The process's resident memory every 20 ms while a run lasts: its growth."""

    def __init__(self) -> None:
        self.start = rss_mb()
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_mb())

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak - self.start


def timed_bulk(path: Path) -> tuple[float, list[float], float, int]:
    """Seconds, each batch's seconds, resident memory growth (MB), rows imported."""
    batches = BatchTimes()
    logging.getLogger("negotiation.services.payments_bulk").setLevel(logging.INFO)
    logging.getLogger("negotiation.services.payments_bulk").addHandler(batches)
    sampler = Sampler()
    start = time.perf_counter()
    with path.open("rb") as raw:
        result = import_payments_file(utf8_lines(raw), today=timezone.localdate())
    elapsed = time.perf_counter() - start
    growth = sampler.stop()
    logging.getLogger("negotiation.services.payments_bulk").removeHandler(batches)
    return elapsed, batches.seconds or [0.0], growth, result.imported


class BatchTimes(logging.Handler):
    """Each batch's duration, from the import's own log line."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seconds: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "batch" in str(record.msg) and isinstance(record.args, tuple):
            self.seconds.append(float(str(record.args[1])))


def timed_old(path: Path) -> tuple[float, float]:
    sampler = Sampler()
    start = time.perf_counter()
    with path.open("rb") as raw:
        rows, problems = read_payments(utf8_lines(raw))
    result = import_payments(rows, problems=problems, today=timezone.localdate())
    elapsed = time.perf_counter() - start
    assert result.imported == len(rows), result
    return elapsed, sampler.stop()


def main() -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database the script may fill.")
    call_command("migrate", verbosity=0)
    seed()
    accounts = payable_accounts()
    print(f"{PAYMENTS} payments over {min(PAYMENTS, len(accounts))} of {len(accounts)} accounts")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    stamp = int(time.time())
    with tempfile.TemporaryDirectory() as folder:
        old_path = Path(folder) / "old.csv"
        write_file(old_path, OLD_ROWS, f"OLD{stamp}", accounts)
        old_seconds, old_growth = timed_old(old_path)
        print(
            f"row by row: {OLD_ROWS} rows {old_seconds:.2f} s = {OLD_ROWS / old_seconds:,.0f} "
            f"rows/s, memory +{old_growth:.0f} MB"
        )
        results: dict[str, list[float]] = {"copy": [], "floor": [], "import": [], "again": []}
        longest: list[float] = []
        medians: list[float] = []
        growths: list[float] = []
        for run in range(RUNS):
            path = Path(folder) / f"payments-{run}.csv"
            write_file(path, PAYMENTS, f"B{stamp}R{run}", accounts)
            results["copy"].append(copy_baseline(path))
            results["floor"].append(write_floor(path))
            seconds, batches, growth, imported = timed_bulk(path)
            assert imported == PAYMENTS, imported
            results["import"].append(seconds)
            results["again"].append(timed_bulk(path)[0])
            longest.append(max(batches))
            medians.append(statistics.median(batches))
            growths.append(growth)
            print(
                f"run {run + 1}: "
                + ", ".join(f"{name} {s[-1]:.2f} s" for name, s in results.items())
                + f"; {len(batches)} batches, longest {max(batches):.2f} s,"
                f" memory +{growth:.0f} MB"
            )
    rate: Callable[[str], float] = lambda name: PAYMENTS / statistics.median(results[name])  # noqa: E731
    for name in results:
        print(
            f"{name:6} median {statistics.median(results[name]):.2f} s = {rate(name):,.0f} rows/s"
        )
    print(f"import rate = {rate('import') / rate('copy'):.0%} of COPY's")
    print(f"import rate = {rate('import') / rate('floor'):.0%} of the unchecked write (f)")
    print(
        f"batch (longest any account is locked): longest {max(longest):.2f} s, "
        f"median {statistics.median(medians):.2f} s"
    )
    print(f"resident memory growth during the import: {max(growths):.0f} MB at most")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
