"""Measure seed_demo --debtors N and the main list pages on the configured database.

Usage (a throw-away PostgreSQL database is best; the script adds N synthetic debtors):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench DJANGO_DEBUG=1 \
        .venv/bin/python bench/pages.py --debtors 20000 --repeat 20
Prints one line per measurement; results go to docs/PERFORMANCE.md by hand, with the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from negotiation.models import CreditAccount, Debtor, ReliefRequest, User  # noqa: E402


def timed_get(client: Client, url: str, repeat: int) -> tuple[float, float, int]:
    samples = []
    queries = 0
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], queries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--debtors", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    start = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", debtors=args.debtors, verbosity=0, stdout=quiet)
    seconds = time.perf_counter() - start
    rate = args.debtors / seconds
    print(f"seed_demo --debtors {args.debtors}: {seconds:.1f} s ({rate:.0f} debtors/s)")
    print(f"rows: {Debtor.objects.count()} debtors, {ReliefRequest.objects.count()} requests")

    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(User.objects.get(username="specialist"))
    debtor = Client(HTTP_HOST="127.0.0.1")
    debtor.force_login(User.objects.get(username="demo@example.com"))
    queue = "/staff/negotiation/reliefrequest/"
    open_request = ReliefRequest.objects.filter(status="in_review").order_by("pk").first()
    demo_account = CreditAccount.objects.filter(debtor__user__username="demo@example.com").first()
    assert open_request is not None
    assert demo_account is not None
    pages = {
        "admin queue, open (default, 100 rows)": queue,
        "admin queue, all statuses (100 rows)": f"{queue}?queue=all",
        "admin request page (whole picture)": f"{queue}{open_request.pk}/change/",
        "debtor dashboard": "/",
        "debtor account page with suggestions": f"/accounts/{demo_account.reference}/",
    }
    for name, url in pages.items():
        client = staff if url.startswith("/staff/") else debtor
        median, p95, queries = timed_get(client, url, args.repeat)
        print(f"{name}: median {median:.1f} ms, p95 {p95:.1f} ms, {queries} queries")


if __name__ == "__main__":
    main()
