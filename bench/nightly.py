"""The nightly jobs at bank scale: the aging refresh over N accounts, the daily plan
follow-up over P active plans, and the dispatch of the reminders it writes.

Usage (a PostgreSQL database the script may empty; it migrates it first):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench DJANGO_DEBUG=1 \\
        .venv/bin/python bench/nightly.py
    # the issue's scale: NIGHTLY_ACCOUNTS=1000000 NIGHTLY_PLANS=100000 (defaults 20000, 2000)

Builds the tables itself with set-based SQL: one debtor, account, request and plan made by
the portal's own services as a template, then ``INSERT ... SELECT ... generate_series``
copies of them (a debtor for every 4 accounts; a tenth of the accounts with nothing due,
a tenth not yet due, the rest overdue by 1 to 720 days; P of them in an active plan of
three monthly installments, due dates spread over 30 days, the past ones paid but for one
plan in 20). Then, on the day before the template's first due date:

- the aging refresh as main had it (one UPDATE of every row), twice: time, rows written,
  dead rows (``n_dead_tup``) and table size after each; then the portal's refresh (writes
  only the rows whose figures change), twice the same day and once the next day;
- the follow-up (``follow_plans``) over the P plans: time, what it did, events per second;
- the dispatch of every email and SMS it wrote (``dispatch_due_notifications``, batches of
  500, eager: in this process, to memory backends): time and messages per second.

Autovacuum is off on the accounts table during the aging runs (so ``n_dead_tup`` counts
what each run left; a vacuum would hide it) and back on after. Prints a table with the
load average before and after. Results go to docs/PERFORMANCE.md by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.pop("CELERY_BROKER_URL", None)  # eager: the batches run in this process
os.environ["SMS_BACKEND"] = "locmem"

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Model  # noqa: E402
from django.utils import timezone  # noqa: E402

from negotiation.models import (  # noqa: E402
    ApprovalLimit,
    CreditAccount,
    Debtor,
    Installment,
    Notification,
    Program,
    ReliefRequest,
    RepaymentPlan,
    User,
)
from negotiation.roles import SPECIALISTS  # noqa: E402
from negotiation.services.accounts import days_past_due_sql, refresh_aging, stage_sql  # noqa: E402
from negotiation.services.following import follow_plans  # noqa: E402
from negotiation.services.notifications import (  # noqa: E402
    EXTERNAL_CHANNELS,
    dispatch_due_notifications,
    release_held_messages,
)
from negotiation.services.requests import approve_request  # noqa: E402
from tests.factories import (  # noqa: E402
    make_account,
    make_debtor,
    make_installment_program,
    make_request,
    make_staff,
)

ACCOUNT = CreditAccount._meta.db_table
settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def sql(statement: str, params: Any = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.rowcount)


def scalar(statement: str, params: Any = None) -> object:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def clone(model: type[Model], overrides: dict[str, str], count: int) -> None:
    """``count`` copies (g = 2 .. count + 1) of the row id 1 of ``model``, with the id g and
    the columns of ``overrides`` given as SQL expressions of g and of the template ``t``."""
    table = model._meta.db_table
    columns = [str(f.column) for f in model._meta.concrete_fields]
    values = [overrides.get(c, "g" if c == "id" else f"t.{c}") for c in columns]
    sql(
        f"""INSERT INTO {table} ({", ".join(columns)})
            SELECT {", ".join(values)} FROM {table} t, generate_series(2, %s) g
            WHERE t.id = 1""",  # nosec B608: a benchmark's own names
        [count + 1],
    )
    sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {count + 1})")


def night_timezone() -> str:
    from zoneinfo import ZoneInfo

    now = timezone.now()
    for name in ("Asia/Shanghai", "America/New_York", "Europe/London", "Pacific/Auckland"):
        if not 8 <= now.astimezone(ZoneInfo(name)).hour < 21:
            return name
    return "America/Los_Angeles"


def build(accounts: int, plans: int) -> dt.date:
    """The tables, emptied and filled; returns the bench's day (the one before the
    template plan's first due date)."""
    debtors = max(plans, accounts // 4)
    sql(
        f"TRUNCATE {Debtor._meta.db_table}, {Program._meta.db_table}, "
        f"{Notification._meta.db_table}, {User._meta.db_table} RESTART IDENTITY CASCADE"
    )
    specialist = User.objects.filter(username="bench-specialist").first()
    if specialist is None:
        specialist = make_staff(SPECIALISTS, username="bench-specialist")
        ApprovalLimit.objects.create(user=specialist, max_amount=100000, max_months=36)
    program = make_installment_program()
    # Somewhere it is night: the follow-up's messages wait for contact hours, and the
    # dispatch is timed on its own, as the 08:00 run of the dispatcher sends them.
    debtor = make_debtor(phone="+86 138 0000 0001", timezone=night_timezone())
    account = make_account(debtor)
    request = make_request(account, program, months=3)
    plan = approve_request(request, actor=specialist, today=timezone.localdate()).plan
    first_due = plan.installments.get(number=1).due_date
    day = first_due - dt.timedelta(days=1)
    started = time.perf_counter()
    clone(
        Debtor,
        {
            "reference": "'DB-B' || g",
            "user_id": "NULL",
            "external_id": "NULL",
            "national_id_hash": "encode(sha256(('bench' || g)::bytea), 'hex')",
            "email": "'bench' || g || '@example.com'",
            "phone": "'+86 138 ' || lpad(g::text, 8, '0')",
            "full_name": "'Bench Debtor ' || g",
        },
        debtors - 1,
    )
    # A tenth with nothing due, a tenth not yet due, the rest overdue by 1 to 720 days.
    due = f"""CASE WHEN mod(g, 10) IN (0, 1) THEN NULL
                   WHEN mod(g, 10) = 2 THEN DATE '{day}' + mod(g, 20)
                   ELSE DATE '{day}' - (1 + mod(g::bigint * 7919, 720)::int) END"""
    clone(
        CreditAccount,
        {
            "reference": "'AC-B' || g",
            "account_number": "NULL",
            "debtor_id": f"1 + mod(g - 1, {debtors})",
            "card_last4": "lpad(mod(g, 10000)::text, 4, '0')",
            "oldest_unpaid_due_date": due,
            "status": f"CASE WHEN g <= {plans} THEN 'in_plan' ELSE 'in_arrears' END",
            "days_past_due_stored": "0",
            "stage_stored": "'current'",
            "aging_refreshed_on": "NULL",
        },
        accounts - 1,
    )
    sql(
        f"UPDATE {ACCOUNT} SET days_past_due_stored = 0, stage_stored = 'current', "
        "aging_refreshed_on = NULL, status = 'in_plan' WHERE id = 1"
    )
    clone(ReliefRequest, {"reference": "'RQ-B' || g", "account_id": "g"}, plans - 1)
    # Due dates spread over 30 days (plan g's move back g % 30 days).
    clone(
        RepaymentPlan,
        {
            "reference": "'PL-B' || g",
            "account_id": "g",
            "request_id": "g",
            "status": "'active'",
            "signed_at": "now()",
            "agreed_on": "t.agreed_on - mod(g, 30)",
        },
        plans - 1,
    )
    sql(f"UPDATE {RepaymentPlan._meta.db_table} SET status = 'active', signed_at = now()")
    installment = Installment._meta.db_table
    columns = [str(f.column) for f in Installment._meta.concrete_fields if f.column != "id"]
    values = [
        {"plan_id": "g", "due_date": "i.due_date - mod(g, 30)"}.get(c, f"i.{c}") for c in columns
    ]
    sql(
        f"""INSERT INTO {installment} ({", ".join(columns)})
            SELECT {", ".join(values)} FROM {installment} i, generate_series(2, %s) g
            WHERE i.plan_id = 1""",  # nosec B608: a benchmark's own names
        [plans],
    )
    # What fell due before the day is paid, but for one plan in 20 (missed: overdue today).
    sql(
        f"""UPDATE {installment} SET paid_amount = amount, status = 'paid'
            WHERE due_date < %s AND mod(plan_id, 20) <> 0""",
        [day],
    )
    built = time.perf_counter() - started
    sql(f"ANALYZE {ACCOUNT}")
    for model in (Debtor, ReliefRequest, RepaymentPlan, Installment):
        sql(f"ANALYZE {model._meta.db_table}")
    print(f"built {debtors:,} debtors, {accounts:,} accounts, {plans:,} plans in {built:.1f} s")
    return day


# The statement main ran before this change: every row written, whatever its figures.
def refresh_as_before(today: dt.date) -> int:
    days = days_past_due_sql(due="oldest_unpaid_due_date")
    return sql(
        f"""UPDATE {ACCOUNT} SET days_past_due_stored = aged.days,
                stage_stored = {stage_sql("aged.days")}, aging_refreshed_on = %(today)s
            FROM (SELECT id, {days} AS days FROM {ACCOUNT}) aged
            WHERE {ACCOUNT}.id = aged.id""",  # nosec B608: a benchmark's own names
        {"today": today},
    )


def table_state() -> tuple[int, int, int, int]:
    """Dead rows, updates, HOT updates of the accounts table, and its size in bytes."""
    time.sleep(1.2)  # the statistics reach pg_stat a moment after the commit
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            """SELECT n_dead_tup, n_tup_upd, n_tup_hot_upd, pg_table_size(relid)
               FROM pg_stat_user_tables WHERE relname = %s""",
            [ACCOUNT],
        )
        dead, updated, hot, size = cursor.fetchone()
    return int(dead), int(updated), int(hot), int(size)


def aging_runs(day: dt.date) -> list[tuple[str, float, int, int, int, int]]:
    rows = []
    # Before: pages filled to the brim, as main had them; after: the migration's room.
    fillfactor = scalar(
        """SELECT option_value FROM pg_options_to_table(
               (SELECT reloptions FROM pg_class WHERE relname = %s))
           WHERE option_name = 'fillfactor'""",
        [ACCOUNT],
    )
    sql(f"ALTER TABLE {ACCOUNT} SET (autovacuum_enabled = false, fillfactor = 100)")
    sql(f"VACUUM FULL {ACCOUNT}")
    try:
        for label, run in (
            ("before: every row, run 1", lambda: refresh_as_before(day)),
            ("before: every row, run 2 (same day)", lambda: refresh_as_before(day)),
        ):
            rows.append(timed_aging(label, run))
        # The after runs start from a table as built: nothing refreshed, no dead row.
        sql(
            f"UPDATE {ACCOUNT} SET aging_refreshed_on = NULL, days_past_due_stored = 0, "
            "stage_stored = 'current'"
        )
        if fillfactor is None:
            sql(f"ALTER TABLE {ACCOUNT} RESET (fillfactor)")
        else:
            sql(f"ALTER TABLE {ACCOUNT} SET (fillfactor = {int(str(fillfactor))})")
        sql(f"VACUUM FULL {ACCOUNT}")
        sql(f"VACUUM ANALYZE {ACCOUNT}")
        for label, today in (
            ("after: run 1 (nothing refreshed yet)", day),
            ("after: run 2 (same day)", day),
            ("after: run 3 (the next day)", day + dt.timedelta(days=1)),
            ("after: run 4 (that day again)", day + dt.timedelta(days=1)),
        ):
            rows.append(timed_aging(label, _refresh_on(today)))
    finally:
        sql(f"ALTER TABLE {ACCOUNT} RESET (autovacuum_enabled)")
    # Back to the bench's day for the follow-up.
    refresh_aging(today=day)
    return rows


def _refresh_on(today: dt.date) -> Callable[[], int]:
    return lambda: refresh_aging(today=today) or 0


def timed_aging(label: str, run: Callable[[], int]) -> tuple[str, float, int, int, int, int]:
    _, _, hot_before, _ = table_state()
    started = time.perf_counter()
    written = run()
    elapsed = time.perf_counter() - started
    dead, _, hot, size = table_state()
    print(f"  {label}: {elapsed:.2f} s, {written:,} rows written, n_dead_tup {dead:,}")
    return label, elapsed, written, dead, hot - hot_before, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--accounts", type=int, default=int(os.environ.get("NIGHTLY_ACCOUNTS", "20000"))
    )
    parser.add_argument("--plans", type=int, default=int(os.environ.get("NIGHTLY_PLANS", "2000")))
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "bench/nightly.py measures PostgreSQL"
    load_before = os.getloadavg()
    call_command("migrate", verbosity=0)
    day = build(args.accounts, args.plans)
    aging = aging_runs(day)

    started = time.perf_counter()
    result = follow_plans(today=day)
    followed = time.perf_counter() - started
    assert result is not None
    events = result.overdue + result.due_soon + result.broken + result.expired + result.reminded
    outbox = Notification.objects.filter(channel__in=EXTERNAL_CHANNELS, status="pending")
    pending = outbox.count()
    # As at 08:00: what the run held for contact hours is due now (the demo's own helper).
    release_held_messages(now=timezone.now())
    started = time.perf_counter()
    queued = dispatch_due_notifications(now=timezone.now())
    dispatched = time.perf_counter() - started
    sent = Notification.objects.filter(channel__in=EXTERNAL_CHANNELS, status="sent").count()
    load_after = os.getloadavg()

    print()
    print(f"{args.accounts:,} accounts, {args.plans:,} active plans, day {day}")
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    print()
    print(
        "| aging refresh | seconds | rows written | n_dead_tup after | HOT updates | table size |"
    )
    print("|---|---|---|---|---|---|")
    for label, elapsed, written, dead, hot, size in aging:
        print(
            f"| {label} | {elapsed:.2f} | {written:,} | {dead:,} | {hot:,} "
            f"| {size / 2**20:.0f} MB |"
        )
    print()
    print("| daily job | seconds | what it did | per second |")
    print("|---|---|---|---|")
    print(
        f"| follow-up over {args.plans:,} active plans | {followed:.2f} | {result.overdue:,} "
        f"overdue, {result.due_soon:,} payment reminders, {result.broken} broken, "
        f"{result.expired} expired, {result.failed} failed | {events / followed:,.0f} events |"
    )
    print(
        f"| reminder dispatch ({queued:,} queued in batches of 500, {pending:,} pending) | "
        f"{dispatched:.2f} | {sent:,} emails and SMS sent | "
        f"{sent / dispatched if dispatched else 0:,.0f} messages |"
    )
    print()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")


if __name__ == "__main__":
    main()
