"""Time the debtor's main pages in headless Chromium on a slow phone network and a slow phone.

Usage (a throw-away database; the script migrates it, runs seed_demo and adds a plan):
    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE portal_bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench DJANGO_DEBUG=1 \
        .venv/bin/python bench/debtor_pages_throttled.py --server gunicorn --runs 5

The server runs as production runs it, DEBUG off, in a child process on --port:
  --server gunicorn   `collectstatic` into a temporary STATIC_ROOT, then `gunicorn portal.wsgi`
                      (two workers); WhiteNoise serves the static files (docs/OPERATIONS.md).
  --server runserver  `runserver --insecure`: Django's own static view, uncompressed and
                      without a cache lifetime, which is all the project had before WhiteNoise.

The network and the phone, through the DevTools protocol (one CDP session a page):
Lighthouse's mobile profile, 150 ms round trip, 1.6 Mbps down, 750 kbps up, CPU 4x slower.
DevTools throttles each request rather than each packet, so the figures are Lighthouse's own
translation for DevTools ("applied" throttling): 562.5 ms latency a request (150 ms x 3.75)
and 90 % of each throughput. --profile devtools-slow-3g takes DevTools' harsher "Slow 3G"
preset instead (2,000 ms a request, 50 KB/s down and up). A 375 x 812 viewport.

Each run opens each page twice in a new browser context (an empty cache) signed in as the
demo debtor: the first visit (cold), then the same page again (warm, the cache as the first
visit left it). It times the load event and the first contentful paint, and adds up the
bytes that came over the network (encodedDataLength of Network.loadingFinished: compressed
size plus headers) for the page's CSS and JavaScript and for everything. /healthz, timed
the same way, is the floor: one small response on this network. Prints the medians of
--runs runs, one line a page and visit, and writes them as JSON to --json; results go to
docs/PERFORMANCE.md by hand, with the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess  # nosec B404: starts the server under test, with fixed arguments
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from negotiation.models import CreditAccount, Program, RepaymentPlan, User  # noqa: E402
from negotiation.services.requests import approve_request  # noqa: E402
from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.factories import make_request  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MBIT = 1024 * 1024 / 8  # bytes a second in one Mbps, as Lighthouse counts
PROFILES: dict[str, dict[str, float]] = {
    "lighthouse-mobile": {
        "latency": 150 * 3.75,
        "downloadThroughput": 1.6 * MBIT * 0.9,
        "uploadThroughput": 0.75 * MBIT * 0.9,
    },
    "devtools-slow-3g": {
        "latency": 2000,
        "downloadThroughput": 50 * 1024,
        "uploadThroughput": 50 * 1024,
    },
}
CPU_SLOWDOWN = 4
VIEWPORT = {"width": 375, "height": 812}
# The server's settings: production's, except HTTPS, which it does not speak here.
SERVER_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "bench-only-key-5d1f9b3a7c2e8f4a6b0d9c1e3f5a7b2c4d6e8f0a1b3c5d7e9f",
    "NATIONAL_ID_HASH_KEY": "bench-only-national-id-key",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "SECURE_HSTS_SECONDS": "0",
    "AGREEMENT_SEAL_GENERATE": "1",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
}


def demo_pages() -> dict[str, str]:
    """The pages timed: the dashboard, an account, the request form and a plan (one is made
    for the gold card, as a specialist would approve it), and /healthz."""
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    gold = CreditAccount.objects.get(debtor__user__email="demo@example.com", card_last4="4821")
    classic = CreditAccount.objects.get(debtor__user__email="demo@example.com", card_last4="0937")
    plan = RepaymentPlan.objects.filter(account=gold).first()
    if plan is None:
        program = Program.objects.get(name="Standard installment plan")
        specialist = User.objects.get(username="specialist")
        request = make_request(gold, program, months=12)
        plan = approve_request(request, actor=specialist, today=timezone.localdate()).plan
    return {
        "healthz": "/healthz",
        "dashboard": "/",
        "account": f"/accounts/{gold.reference}/",
        "request form": f"/accounts/{classic.reference}/request/",
        "plan": f"/plans/{plan.reference}/",
    }


def start_server(kind: str, port: int, static_root: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **SERVER_ENV, "STATIC_ROOT": str(static_root)}
    python = sys.executable
    if kind == "gunicorn":
        subprocess.run(  # nosec B603: fixed arguments
            [python, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        gunicorn = str(Path(python).parent / "gunicorn")
        command = [
            gunicorn,
            "portal.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
            "--log-level",
            "warning",
        ]
    else:
        command = [
            python,
            "manage.py",
            "runserver",
            "--insecure",
            "--noreload",
            f"127.0.0.1:{port}",
        ]
    server = subprocess.Popen(  # nosec B603: fixed arguments
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(100):
        if server.poll() is not None:
            raise SystemExit(f"the {kind} server stopped: {' '.join(command)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):  # nosec B310
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"the {kind} server did not answer on port {port}")


def sign_in(browser: Any, base: str) -> Any:
    """The demo debtor's signed-in cookies (signed in once, unthrottled)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.locator("input[name=username]").fill("demo@example.com")
    page.locator("input[name=password]").fill("demo-debtor-pass")
    page.locator("main form [type=submit]").click()
    page.wait_for_url(f"{base}/")
    state = context.storage_state()
    context.close()
    return state


class Visit:
    """One page load under throttling: times and the bytes that came over the network."""

    def __init__(self, page: Any, profile: dict[str, float]) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.emulateNetworkConditions", {"offline": False, **profile})
        self.cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        self.types: dict[str, str] = {}
        self.bytes: dict[str, float] = {}
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.loadingFinished", self._finished)

    def _response(self, event: dict[str, Any]) -> None:
        self.types[event["requestId"]] = event["type"]

    def _finished(self, event: dict[str, Any]) -> None:
        self.bytes[event["requestId"]] = event["encodedDataLength"]

    def load(self, page: Any, url: str) -> dict[str, float | None]:
        self.types.clear()
        self.bytes.clear()
        start = time.perf_counter()
        page.goto(url, wait_until="load")
        wall = (time.perf_counter() - start) * 1000
        timing = page.evaluate(
            """() => {
                const nav = performance.getEntriesByType("navigation")[0];
                const fcp = performance.getEntriesByName("first-contentful-paint")[0];
                return {load: nav.loadEventStart, fcp: fcp ? fcp.startTime : null};
            }"""
        )
        assets = sum(
            size
            for request, size in self.bytes.items()
            if self.types.get(request) in ("Stylesheet", "Script")
        )
        return {
            "load_ms": timing["load"] or wall,
            "fcp_ms": timing["fcp"],  # none on /healthz: JSON paints nothing
            "css_js_bytes": assets,
            "all_bytes": sum(self.bytes.values()),
            "requests": len(self.bytes),
        }


def _median(values: Any) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def measure(
    browser: Any, base: str, pages: dict[str, str], profile: dict[str, float], runs: int
) -> dict[str, dict[str, dict[str, float | None]]]:
    state = sign_in(browser, base)
    samples: dict[str, dict[str, list[dict[str, float | None]]]] = {
        name: {"cold": [], "warm": []} for name in pages
    }
    for _ in range(runs):
        for name, path in pages.items():
            context = browser.new_context(viewport=VIEWPORT, storage_state=state)
            page = context.new_page()
            visit = Visit(page, profile)
            samples[name]["cold"].append(visit.load(page, base + path))
            samples[name]["warm"].append(visit.load(page, base + path))
            context.close()
    return {
        name: {
            visit: {key: _median(s[key] for s in runs_) for key in runs_[0]}
            for visit, runs_ in visits.items()
        }
        for name, visits in samples.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", choices=["gunicorn", "runserver"], default="gunicorn")
    parser.add_argument("--profile", choices=list(PROFILES), default="lighthouse-mobile")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=8011)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    pages = demo_pages()
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    server = start_server(args.server, args.port, static_root)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            base = f"http://127.0.0.1:{args.port}"
            result = measure(browser, base, pages, PROFILES[args.profile], args.runs)
            browser.close()
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(static_root, ignore_errors=True)
    print(f"{args.server}, {args.profile}, CPU {CPU_SLOWDOWN}x, medians of {args.runs} runs")
    for name, visits in result.items():
        for visit, measured in visits.items():
            m = {key: value or 0 for key, value in measured.items()}
            print(
                f"{name:13} {visit}: FCP {m['fcp_ms']:6.0f} ms, load {m['load_ms']:6.0f} ms, "
                f"CSS+JS {m['css_js_bytes'] / 1024:6.1f} KB, all {m['all_bytes'] / 1024:6.1f} KB "
                f"in {m['requests']:.0f} responses (cache hits too)"
            )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
