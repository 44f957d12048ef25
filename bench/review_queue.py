"""Time the staff review queue at N synthetic debtors: the default view, each filter and
each kind of search, through Django's test client signed in as the demo specialist, with
the plan PostgreSQL runs for each of the page's queries on the requests.

Usage (a throw-away PostgreSQL database; the script adds N synthetic debtors unless told
to reuse what is there):
    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE portal_bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench DJANGO_DEBUG=1 \
        .venv/bin/python bench/review_queue.py --debtors 100000
    # again on the same rows, without seeding: --reuse; a profile of the default view: --profile

One line per view: the median of --repeat requests in this process (after one to warm up),
/healthz first as the baseline of the same run, the page's query count, and the node types
of each query's plan (``EXPLAIN (ANALYZE, BUFFERS)`` of the SQL the request ran, captured
with CaptureQueriesContext), flagging a sequential scan of a large table and a sort that
spilled to disk. The load average is printed before and after: other work on the machine
slows every figure. Results go to docs/PERFORMANCE.md by hand, with the machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Named review_queue.py, not queue.py: a bench/queue.py would shadow the standard library's
# queue module for every script in bench/ (each runs with bench/ first on its path).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import time
from urllib.parse import quote, urlencode

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from negotiation.models import Debtor, ReliefRequest, RepaymentPlan, RequestStatus, User  # noqa: E402
from negotiation.models.debtors import hash_national_id  # noqa: E402
from tests.secondfactor import verified  # noqa: E402

QUEUE = "/staff/negotiation/reliefrequest/"
# seed_demo's first synthetic debtor's national ID (its hash is what is stored).
SYNTHETIC_ID = "SYN000000000000"
# A table this large scanned whole on every page would grow with the bank.
LARGE_TABLE_ROWS = 10_000
NODE = re.compile(
    r"^\s*(?:->\s+)?([A-Z][A-Za-z ]+?)(?: using (\w+))?(?: on (\w+))?(?:\s+\w+)?\s+\(cost"
)
SPILL = re.compile(r"Sort Method: external merge\s+Disk: (\d+)kB")
EXECUTION = re.compile(r"Execution Time: ([0-9.]+) ms")


def load() -> str:
    return " ".join(f"{figure:.2f}" for figure in os.getloadavg())


def large_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples >= %s",
            [LARGE_TABLE_ROWS],
        )
        return {name for (name,) in cursor.fetchall()}


def plan_of(sql: str, large: set[str]) -> tuple[str, float]:
    """The node types of ``sql``'s plan, run for real, and its execution time in ms."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        lines = [line for (line,) in cursor.fetchall()]
    nodes = []
    for line in lines:
        if match := NODE.match(line):
            kind, index, table = match.groups()
            node = kind.strip()
            if index:
                node += f" {index}"
            elif table:
                node += f" {table}"
                if kind.startswith("Seq Scan") and table in large:
                    node = f"**{node} (LARGE)**"
            nodes.append(node)
        elif spill := SPILL.search(line):
            nodes.append(f"**sort spilled {spill.group(1)} kB to disk**")
    executed = next((float(m.group(1)) for line in lines if (m := EXECUTION.search(line))), 0.0)
    return " > ".join(nodes), executed


def timed(client: Client, url: str, repeat: int) -> tuple[float, list[str]]:
    response = client.get(url)  # warm: the session, the content types, the templates
    assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples), [query["sql"] for query in captured.captured_queries]


def views(specialist: User) -> dict[str, str]:
    """Every view of the queue worth timing: the default, each filter, each search key."""
    sample = (
        ReliefRequest.objects.filter(status=RequestStatus.SUBMITTED)
        .select_related("account__debtor")
        .order_by("-pk")
        .first()
    )
    plan = RepaymentPlan.objects.order_by("-pk").first()
    assert sample is not None, "seed the database first"
    assert plan is not None, "seed the database first"
    debtor = sample.account.debtor
    first_synthetic = Debtor.objects.filter(national_id_hash=hash_national_id(SYNTHETIC_ID)).first()
    id_hash = hash_national_id(SYNTHETIC_ID if first_synthetic else "")

    def at(**params: str) -> str:
        return f"{QUEUE}?{urlencode(params)}"

    return {
        "default (needs my action)": QUEUE,
        "default, page 20": at(p="19"),
        "view: waiting on the debtor": at(queue="debtor"),
        "view: escalated": at(queue="escalated"),
        "view: all open": at(queue="open"),
        "view: all": at(queue="all"),
        "status: submitted": at(queue=RequestStatus.SUBMITTED),
        "status: approved": at(queue=RequestStatus.APPROVED),
        "kind: installment": at(kind="installment"),
        "stage: over 90 days": at(stage="non_performing"),
        "assignee: mine": at(assignee="mine"),
        "assignee: unassigned": at(assignee="unassigned"),
        "answer due: past due": at(sla="breached"),
        "answer due: escalated": at(sla="escalated"),
        "answer due: within a day": at(sla="today"),
        "resident ID (keyed hash)": at(id_hash=id_hash),
        "search: request reference": f"{QUEUE}?q={quote(sample.reference)}",
        "search: account reference": f"{QUEUE}?q={quote(sample.account.reference)}",
        "search: debtor reference": f"{QUEUE}?q={quote(debtor.reference)}",
        "search: plan reference": f"{QUEUE}?q={quote(plan.reference)}",
        "search: phone (with dashes)": f"{QUEUE}?q="
        + quote("-".join(debtor.phone.split()[1:]) or debtor.phone),
        "search: card last 4": f"{QUEUE}?q={sample.account.card_last4}",
        "search: name (shared by ~1% of debtors)": f"{QUEUE}?q={quote(debtor.full_name)}",
        "search: name prefix": f"{QUEUE}?q={quote(debtor.full_name.split()[0])}",
    }


def profile(client: Client, url: str, repeat: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        client.get(url)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
    print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--debtors", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--reuse", action="store_true", help="measure the rows already there")
    parser.add_argument("--profile", action="store_true", help="cProfile the default view")
    parser.add_argument("--only", help="time only the views whose name contains this")
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "the plans are PostgreSQL's: set DATABASE_URL"

    print(f"load average before: {load()}")
    call_command("migrate", verbosity=0)
    if not args.reuse:
        call_command("seed_demo", verbosity=0)
        start = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command("seed_demo", debtors=args.debtors, verbosity=0, stdout=quiet)
        print(f"seed_demo --debtors {args.debtors}: {time.perf_counter() - start:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # a bulk load leaves the planner without statistics
    print(
        f"rows: {Debtor.objects.count()} debtors, {ReliefRequest.objects.count()} requests "
        f"({ReliefRequest.objects.filter(status__in=RequestStatus.values[:5]).count()} open)"
    )

    specialist = User.objects.get(username="specialist")
    client = verified(Client(HTTP_HOST="127.0.0.1"), specialist)
    large = large_tables()
    healthz, _queries = timed(Client(HTTP_HOST="127.0.0.1"), "/healthz", args.repeat)
    print("\n| view | median ms | queries | DB ms (requests' queries) | plan of the page's rows |")
    print("|---|---|---|---|---|")
    print(f"| /healthz (baseline) | {healthz:.1f} | 1 | | |")
    for name, url in views(specialist).items():
        if args.only and args.only not in name:
            continue
        median, queries = timed(client, url, args.repeat)
        plans = []
        db_ms = 0.0
        for sql in queries:
            if "negotiation_reliefrequest" not in sql or not sql.lstrip().startswith("SELECT"):
                continue
            nodes, executed = plan_of(sql, large)
            db_ms += executed
            plans.append(nodes)
        print(f"| {name} | {median:.1f} | {len(queries)} | {db_ms:.1f} | {' ; '.join(plans)} |")
    if args.profile:
        profile(client, QUEUE, args.repeat)
    print(f"\nload average after: {load()}")


if __name__ == "__main__":
    main()
