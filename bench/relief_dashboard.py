"""Time the relief dashboard against /healthz on a database of N synthetic debtors.

Usage (a throw-away PostgreSQL database; the script adds N synthetic debtors unless told
to reuse what is there):
    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE portal_bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench DJANGO_DEBUG=1 \
        .venv/bin/python bench/relief_dashboard.py --debtors 100000 --repeat 20
    # again on the same rows, without seeding: --reuse

seed_demo's synthetic requests carry no decision time and its plans no signing time, so
after seeding the script spreads them over the past year with one UPDATE per table (by
primary key, the same every run): decided requests 0 to 10 days after submission, plans
signed, and the ended ones ended, on days of the past year. It prints one line per
measurement (median and 95th percentile of --repeat requests through Django's test client,
after one request to warm up); results go to docs/PERFORMANCE.md by hand, with the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from negotiation.models import Debtor, ReliefRequest, RepaymentPlan, User  # noqa: E402
from negotiation.queuesearch import SearchKey, SearchTerm, search_term  # noqa: E402
from negotiation.selectors.workbench import search_requests  # noqa: E402
from tests.secondfactor import verified  # noqa: E402

# Decided requests and signed plans, spread by primary key over the past year.
SPREAD = {
    "postgresql": [
        """UPDATE negotiation_reliefrequest
              SET submitted_at = now() - interval '1 day' * (id % 365)
                                 - interval '1 hour' * (id % 24),
                  decided_at = now() - interval '1 day' * (id % 365)
                               - interval '1 hour' * (id % 24) + interval '1 hour' * (id % 240)
            WHERE status IN ('approved', 'rejected')""",
        """UPDATE negotiation_reliefrequest SET decided_at = now()
            WHERE status IN ('approved', 'rejected') AND decided_at > now()""",
        """UPDATE negotiation_repaymentplan
              SET signed_at = now() - interval '1 day' * (id % 365)
            WHERE status IN ('active', 'completed', 'broken')""",
        """UPDATE negotiation_repaymentplan
              SET ended_at = signed_at + interval '1 day' * (id % 300)
            WHERE status IN ('completed', 'broken')""",
        """UPDATE negotiation_repaymentplan SET ended_at = now()
            WHERE ended_at > now()""",
    ],
    "sqlite": [
        """UPDATE negotiation_reliefrequest
              SET submitted_at = datetime('now', '-' || (id % 365) || ' days'),
                  decided_at = datetime('now', '-' || (id % 365) || ' days',
                                        '+' || (id % 240) || ' hours')
            WHERE status IN ('approved', 'rejected')""",
        """UPDATE negotiation_reliefrequest SET decided_at = datetime('now')
            WHERE status IN ('approved', 'rejected') AND decided_at > datetime('now')""",
        """UPDATE negotiation_repaymentplan
              SET signed_at = datetime('now', '-' || (id % 365) || ' days')
            WHERE status IN ('active', 'completed', 'broken')""",
        """UPDATE negotiation_repaymentplan
              SET ended_at = datetime(signed_at, '+' || (id % 300) || ' days')
            WHERE status IN ('completed', 'broken')""",
        """UPDATE negotiation_repaymentplan SET ended_at = datetime('now')
            WHERE ended_at > datetime('now')""",
    ],
}


def timed_get(client: Client, url: str, repeat: int) -> tuple[float, float, int]:
    client.get(url)  # warm: the session, the content types, the templates
    samples = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    samples.sort()
    return statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)], queries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--debtors", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="measure the rows already there")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if not args.reuse:
        call_command("seed_demo", verbosity=0)
        start = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command("seed_demo", debtors=args.debtors, verbosity=0, stdout=quiet)
        seconds = time.perf_counter() - start
        print(f"seed_demo --debtors {args.debtors}: {seconds:.1f} s")
        start = time.perf_counter()
        with connection.cursor() as cursor:
            for statement in SPREAD[connection.vendor]:
                cursor.execute(statement)
        print(f"decisions and signatures spread over the year: {time.perf_counter() - start:.1f} s")
    print(
        f"rows: {Debtor.objects.count()} debtors, {ReliefRequest.objects.count()} requests "
        f"({ReliefRequest.objects.filter(decided_at__isnull=False).count()} decided), "
        f"{RepaymentPlan.objects.count()} plans"
    )

    supervisor = verified(Client(HTTP_HOST="127.0.0.1"), User.objects.get(username="supervisor"))
    anyone = Client(HTTP_HOST="127.0.0.1")
    pages = {
        "/healthz": (anyone, "/healthz"),
        "relief dashboard, last 90 days (default)": (supervisor, "/staff/relief-dashboard/"),
        "relief dashboard, 366 days": (
            supervisor,
            "/staff/relief-dashboard/?first_day="
            + (timezone.localdate() - dt.timedelta(days=365)).isoformat(),
        ),
        "relief dashboard, one table as CSV (decisions per day, 90 days)": (
            supervisor,
            "/staff/relief-dashboard/?format=csv&table=decisions_per_day",
        ),
    }
    specialist = verified(Client(HTTP_HOST="127.0.0.1"), User.objects.get(username="specialist"))
    sample = ReliefRequest.objects.select_related("account__debtor").order_by("-pk").first()
    assert sample is not None
    debtor = sample.account.debtor
    queue = "/staff/negotiation/reliefrequest/"
    searches = {
        "phone, written with dashes": "-".join(debtor.phone.split()[1:]) or debtor.phone,
        "card last 4": sample.account.card_last4,
        "name": debtor.full_name,
        "request reference": sample.reference,
        "account reference": sample.account.reference,
    }
    pages |= {
        "queue, needs my action (default)": (specialist, queue),
        "queue, waiting on the debtor": (specialist, f"{queue}?queue=debtor"),
        **{
            f"queue, search by {key}": (specialist, f"{queue}?q={quote(text)}")
            for key, text in searches.items()
        },
    }
    for name, (client, url) in pages.items():
        median, p95, queries = timed_get(client, url, args.repeat)
        print(f"{name}: median {median:.1f} ms, p95 {p95:.1f} ms, {queries} queries")
    if connection.vendor == "postgresql":
        explain_searches(searches | {"national ID (keyed hash)": SYNTHETIC_ID})


# seed_demo's first synthetic debtor's national ID (its hash is what is stored).
SYNTHETIC_ID = "SYN000000000000"
INDEX_SCAN = re.compile(r"Index(?: Only)? Scan (?:Backward )?(?:using|on) (\w+)")
BIG_TABLES = ("negotiation_debtor", "negotiation_creditaccount", "negotiation_reliefrequest")


def explain_searches(searches: dict[str, str]) -> None:
    """Each search key's query plan on this database: a sequential scan of a big table
    would grow with it."""
    for key, text in searches.items():
        term = search_term(text)
        if term is None:
            continue
        if key.startswith("national ID"):
            term = SearchTerm(SearchKey.NATIONAL_ID, text, ())
        found = search_requests(ReliefRequest.objects.all(), term, sees_contacts=True)
        plan = found.explain()
        scans = [t for t in BIG_TABLES if f"Seq Scan on {t}" in plan]
        indexes = sorted(set(INDEX_SCAN.findall(plan)))
        print(
            f"EXPLAIN search by {key}: seq scans of big tables {scans or 'none'}; indexes {indexes}"
        )


if __name__ == "__main__":
    main()
