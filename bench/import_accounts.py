"""Measure the account import against PostgreSQL's own COPY of the same rows, in one run.

Usage (a PostgreSQL database the script may empty; it migrates it first):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench DJANGO_SECRET_KEY=x \\
        NATIONAL_ID_HASH_KEY=x DJANGO_DEBUG=1 .venv/bin/python bench/import_accounts.py \\
        [--rows 100000] [--runs 3]

Writes a CSV of ``--rows`` valid rows (about 2 accounts for every 3 debtors), then, ``--runs``
times, interleaved so both see the same machine:
(a) baseline: ``COPY bare FROM STDIN (FORMAT csv, HEADER)`` of the file's bytes into a bare
    table of 19 text columns (no constraint, no index), the database's own speed;
(f) floor: the same bytes COPYed into a temporary table and written, unchecked, straight
    into the portal's own debtor and account tables with two INSERT ... SELECT (their
    unique keys, indexes, checks and foreign keys, and the commit): what any import into
    this schema costs before it checks, hashes or audits anything;
(b) ``services.imports.import_accounts`` of the same file into emptied tables: every row
    read and checked, national IDs hashed, COPY into staging, the set-based upserts, the
    audit row, the nightly stage refresh;
(c) the same file imported again over the result of (b): every row matched, nothing changed.
Prints wall seconds and rows per second for each, their medians, (b) as a share of (a) and
of (f), and the peak resident memory of the process. Results go to docs/PERFORMANCE.md by hand.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from negotiation.imports.accounts import COLUMNS  # noqa: E402
from negotiation.imports.table import csv_rows  # noqa: E402
from negotiation.models import AuditEvent, CreditAccount, Debtor, ImportRun  # noqa: E402
from negotiation.services.imports import import_accounts  # noqa: E402
from tests.accountfiles import account_row  # noqa: E402


def write_file(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        for i in range(rows):
            writer.writerow(account_row(i, debtor=i * 2 // 3))


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


def table_floor(path: Path) -> float:
    """(f): the rows into the portal's tables with nothing checked; placeholder hashes
    and references derived from the line, which no real import could use."""
    debtor, account = Debtor._meta.db_table, CreditAccount._meta.db_table
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE floor_raw (line bigint GENERATED ALWAYS AS IDENTITY, "
            f"{', '.join(f'{c} text' for c in COLUMNS)}) ON COMMIT DROP"
        )
        with (
            cursor.cursor.copy(
                f"COPY floor_raw ({', '.join(COLUMNS)}) FROM STDIN (FORMAT csv, HEADER)"
            ) as copy,
            path.open("rb") as data,
        ):
            while block := data.read(1 << 20):
                copy.write(block)
        cursor.execute(
            f"""INSERT INTO {debtor} (reference, external_id, full_name, national_id_hash,
                    national_id_last4, phone, email, preferred_language, timezone, created_at,
                    preferred_channel)
                SELECT DISTINCT ON (debtor_external_id) 'D' || line, debtor_external_id,
                    full_name, md5(national_id), right(national_id, 4), phone, email,
                    language, timezone, now(), ''
                FROM floor_raw ORDER BY debtor_external_id, line"""
        )
        cursor.execute(
            f"""INSERT INTO {account} (reference, account_number, debtor_id, product,
                    card_last4, currency, credit_limit, principal, interest, fees, penalty,
                    minimum_due, oldest_unpaid_due_date, status, days_past_due_stored,
                    stage_stored, created_at)
                SELECT 'A' || line, account_number, d.id, product, card_last4, currency,
                    credit_limit::numeric, principal::numeric, interest::numeric,
                    fees::numeric, penalty::numeric, minimum_due::numeric,
                    oldest_unpaid_due_date::date, status, 0, 'current', now()
                FROM floor_raw r JOIN {debtor} d ON d.external_id = r.debtor_external_id"""
        )
    return time.perf_counter() - start


def empty_tables() -> None:
    with connection.cursor() as cursor:
        tables = [m._meta.db_table for m in (AuditEvent, ImportRun, CreditAccount, Debtor)]
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


def timed_import(path: Path) -> float:
    start = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as text:
        import_accounts(
            csv_rows(text, COLUMNS),
            file_name=path.name,
            actor=None,
            today=timezone.localdate(),
        )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database the script may empty.")
    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "accounts.csv"
        write_file(path, args.rows)
        print(f"{args.rows} rows, {path.stat().st_size / 1e6:.1f} MB")
        results: dict[str, list[float]] = {"copy": [], "floor": [], "import": [], "again": []}
        for run in range(args.runs):
            results["copy"].append(copy_baseline(path))
            empty_tables()
            results["floor"].append(table_floor(path))
            empty_tables()
            results["import"].append(timed_import(path))
            results["again"].append(timed_import(path))
            print(
                f"run {run + 1}: "
                + ", ".join(f"{name} {seconds[-1]:.2f} s" for name, seconds in results.items())
            )
        for name, seconds in results.items():
            median = statistics.median(seconds)
            print(f"{name:6} median {median:.2f} s = {args.rows / median:,.0f} rows/s")
        share = statistics.median(results["copy"]) / statistics.median(results["import"])
        print(f"import rate = {share:.0%} of COPY's")
        floor = statistics.median(results["floor"]) / statistics.median(results["import"])
        print(f"import rate = {floor:.0%} of the unchecked write into the portal's tables")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak resident memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
