"""Throughput and response times of the main pages under gunicorn, with locust.

Usage (a throw-away PostgreSQL database; the bench group has locust: `uv sync --group bench`):
    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE portal_load"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_load DJANGO_DEBUG=1 \
        .venv/bin/python bench/load.py [--debtors 100000] [--seconds 30] [--reuse]

`make bench` runs it small (BENCH_DEBTORS, 2,000 by default, and 10 s a window). What it does:
- migrates, runs seed_demo and adds --debtors synthetic debtors (skipped with --reuse);
- signs the demo debtor and the demo specialist in (sessions made in the database as the
  sign-in makes them: the bench measures pages, not the password check, which
  bench/passwords.py measures);
- starts `gunicorn portal.wsgi` with gunicorn.conf.py (--workers, DEBUG off, persistent
  connections, static files collected, rate limits raised: one person asking 20 times at
  once is the load, not an attack);
- for each page, in its own window: /healthz for --seconds with --users users asking as fast
  as they can (closed model), then the page the same way; its throughput is reported as a
  share of /healthz's just before, on the same machine in the same minute; then the page at
  a constant --rate requests a second in all (an open model: locust's constant_throughput),
  where p50/p95 are read;
- prints one table, with the load generator's own CPU (locust's processes, as a share of one
  core) and the load average before and after. JSON with --json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess  # nosec B404: starts gunicorn and locust, with fixed arguments
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# The sessions made here are signed with the key the server checks them with.
SECRET_KEY = "bench-only-key-5d1f9b3a7c2e8f4a6b0d9c1e3f5a7b2c4d6e8f0a1b3c5d7e9f"
os.environ["DJANGO_SECRET_KEY"] = SECRET_KEY

import django  # noqa: E402

django.setup()

import django_otp  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import login  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.urls import reverse  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from negotiation.models import CreditAccount, Debtor, Program, ReliefRequest, User  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BACKEND = "negotiation.auth.EmailOrUsernameBackend"
SERVER_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": SECRET_KEY,
    "NATIONAL_ID_HASH_KEY": "bench-only-national-id-key",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "SECURE_HSTS_SECONDS": "0",
    "AGREEMENT_SEAL_GENERATE": "1",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "CACHE_URL": "redis://127.0.0.1:6379/10",
    "RATE_PREVIEW": "1000000/m",
    "RATE_REQUEST_FORM": "1000000/m",
}


def signed_in_cookies(user: User, device: TOTPDevice | None = None) -> dict[str, str]:
    """A session as the sign-in leaves it (the portal's signal handlers run on login)."""
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = user
    login(request, user, backend=BACKEND)
    if device is not None:
        django_otp.login(request, device)
    request.session.save()
    return {"sessionid": request.session.session_key or ""}


def prepare(debtors: int, reuse: bool) -> dict[str, Any]:
    if not reuse:
        call_command("migrate", verbosity=0)
        with open(os.devnull, "w") as quiet:
            call_command("seed_demo", verbosity=0, stdout=quiet)
            if debtors:
                call_command("seed_demo", debtors=debtors, verbosity=0, stdout=quiet)
    demo = User.objects.get(email="demo@example.com")
    specialist = User.objects.get(username="specialist")
    gold = CreditAccount.objects.get(debtor__user=demo, card_last4="4821")
    classic = CreditAccount.objects.get(debtor__user=demo, card_last4="0937")
    program = Program.objects.get(name="Standard installment plan")
    some_request = ReliefRequest.objects.order_by("pk").first()
    assert some_request is not None, "seed_demo made no request"
    form = reverse("negotiation:request_create", args=[classic.reference])
    preview = {
        "program": str(program.pk),
        "months": "12",
        "grace_months": "0",
        "down_payment": "0",
        "waived_interest": "0",
        "waived_penalty": "0",
        "monthly_income": "6000",
        "monthly_expenses": "4000",
        "dependents": "0",
    }
    queue = reverse("admin:negotiation_reliefrequest_changelist")
    return {
        "debtors": Debtor.objects.count(),
        "cookies": {
            "debtor": signed_in_cookies(demo),
            "staff": signed_in_cookies(specialist, TOTPDevice.objects.get(user=specialist)),
            "nobody": {},
        },
        "pages": {
            "/healthz": {"who": "nobody", "method": "GET", "path": "/healthz"},
            "debtor dashboard": {"who": "debtor", "method": "GET", "path": "/"},
            "account page": {
                "who": "debtor",
                "method": "GET",
                "path": reverse("negotiation:account", args=[gold.reference]),
            },
            "request form": {"who": "debtor", "method": "GET", "path": form},
            "live preview (POST)": {
                "who": "debtor",
                "method": "POST",
                "form": form,
                "path": reverse("negotiation:request_preview", args=[classic.reference]),
                "data": preview,
            },
            "admin queue, default view": {"who": "staff", "method": "GET", "path": queue},
            "admin request page": {
                "who": "staff",
                "method": "GET",
                "path": reverse("admin:negotiation_reliefrequest_change", args=[some_request.pk]),
            },
        },
    }


def start_gunicorn(port: int, workers: int, static_root: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **SERVER_ENV,
        "STATIC_ROOT": str(static_root),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_LOG_LEVEL": "warning",
    }
    python = sys.executable
    subprocess.run(  # nosec B603: fixed arguments
        [python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    gunicorn = str(Path(python).parent / "gunicorn")
    server = subprocess.Popen(  # nosec B603: fixed arguments
        [gunicorn, "portal.wsgi", "-c", str(ROOT / "gunicorn.conf.py")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):  # nosec B310
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"gunicorn did not answer on port {port}")


def check_signed_in(base: str, targets: dict[str, Any]) -> None:
    """Each page answers 200 for its user before anything is timed (a redirect to the
    sign-in would be a fast, wrong figure)."""
    for name, page in targets["pages"].items():
        if page["method"] != "GET":
            continue
        cookie = "; ".join(f"{k}={v}" for k, v in targets["cookies"][page["who"]].items())
        request = urllib.request.Request(base + page["path"], headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=30) as response:  # nosec B310
            if response.status != 200 or response.url != base + page["path"]:
                raise SystemExit(f"{name}: {response.status} at {response.url}")


def run_locust(
    base: str, page: str, targets_file: Path, users: int, seconds: int, rate: float
) -> dict[str, float]:
    """One window: locust headless against one page. Its stats row and its own CPU."""
    folder = Path(tempfile.mkdtemp(prefix="bench-locust-"))
    env = {
        **os.environ,
        "BENCH_TARGETS": str(targets_file),
        "BENCH_PAGE": page,
        "BENCH_USERS": str(users),
        "BENCH_RATE": str(rate) if rate else "",
    }
    locust = str(Path(sys.executable).parent / "locust")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(  # nosec B603: fixed arguments
        [
            locust,
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--host",
            base,
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--csv",
            str(folder / "run"),
            "--only-summary",
            "--loglevel",
            "ERROR",
        ],
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=None,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with (folder / "run_stats.csv").open(encoding="utf-8") as rows:
        found = [r for r in csv.DictReader(rows) if r["Name"] == page]
    # No row: not one answer came within the window (reported as 0 requests a second).
    row = found[0] if found else {"Request Count": "0", "Failure Count": "0", "Requests/s": "0"}
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "requests": float(row["Request Count"]),
        "failures": float(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50_ms": float(row.get("50%") or "nan"),
        "p95_ms": float(row.get("95%") or "nan"),
        "locust_cpu_share": cpu / seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--debtors", type=int, default=int(os.environ.get("BENCH_DEBTORS", 2000)))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 10)))
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--port", type=int, default=8012)
    parser.add_argument("--reuse", action="store_true", help="no migrate, no seeding")
    parser.add_argument("--pages", nargs="*", default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    targets = prepare(args.debtors, args.reuse)
    base = f"http://127.0.0.1:{args.port}"
    targets["base"] = base
    targets_file = Path(tempfile.mkstemp(prefix="bench-targets-", suffix=".json")[1])
    targets_file.write_text(json.dumps(targets), encoding="utf-8")
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    pages = args.pages or [name for name in targets["pages"] if name != "/healthz"]
    load_before = os.getloadavg()
    server = start_gunicorn(args.port, args.workers, static_root)
    results: dict[str, dict[str, Any]] = {}
    try:
        check_signed_in(base, targets)
        for page in pages:
            floor = run_locust(base, "/healthz", targets_file, args.users, args.seconds, 0)
            ceiling = run_locust(base, page, targets_file, args.users, args.seconds, 0)
            steady = run_locust(base, page, targets_file, args.users, args.seconds, args.rate)
            results[page] = {"healthz": floor, "closed": ceiling, "open": steady}
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(static_root, ignore_errors=True)
        targets_file.unlink(missing_ok=True)
    load_after = os.getloadavg()
    print(
        f"gunicorn {args.workers} sync workers, {targets['debtors']:,} debtors, "
        f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, {args.users} users, "
        f"{args.seconds} s a window, open model at {args.rate:g} requests/s"
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)}")
    print(
        "| page | /healthz just before | page, closed model | share of /healthz "
        f"| at {args.rate:g}/s: p50 | p95 | errors | locust CPU (closed) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for page, r in results.items():
        share = r["closed"]["rps"] / r["healthz"]["rps"] if r["healthz"]["rps"] else 0
        errors = r["closed"]["failures"] + r["open"]["failures"] + r["healthz"]["failures"]
        print(
            f"| {page} | {r['healthz']['rps']:.0f} rps | {r['closed']['rps']:.1f} rps "
            f"| {share:.0%} | {r['open']['p50_ms']:.0f} ms | {r['open']['p95_ms']:.0f} ms "
            f"| {errors:.0f} | {r['closed']['locust_cpu_share']:.0%} of a core |"
        )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in load_after)}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
