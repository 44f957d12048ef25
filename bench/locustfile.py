"""The users bench/load.py sends at gunicorn: one page each run, named by BENCH_PAGE, with
the cookies and addresses bench/load.py wrote to BENCH_TARGETS (a JSON file).

Two models (bench/load.py runs both):
- closed (BENCH_RATE unset): every user asks again as soon as an answer comes, so the
  throughput is what the server can do (the ceiling, beside /healthz's in the same run);
- open (BENCH_RATE=r requests a second in all): each user waits so that all together ask r
  a second whatever the answers take (locust's constant_throughput), and p95 is read there.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import gevent
from locust import HttpUser, between, constant_throughput, events, task

TARGETS: dict[str, Any] = json.loads(Path(os.environ["BENCH_TARGETS"]).read_text(encoding="utf-8"))
PAGE = os.environ["BENCH_PAGE"]
USERS = int(os.environ.get("BENCH_USERS", "20"))
RATE = float(os.environ.get("BENCH_RATE") or 0)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@events.init.add_listener
def _fresh_clock(**_kwargs: Any) -> None:
    # gevent's loop keeps the time of its last turn: after a slow start (imports on a busy
    # machine) locust's --run-time timer, counted from that stale time, went off at once.
    gevent.get_hub().loop.update_now()


class PortalUser(HttpUser):
    wait_time = constant_throughput(RATE / USERS) if RATE else between(0, 0)

    def on_start(self) -> None:
        page = TARGETS["pages"][PAGE]
        for name, value in TARGETS["cookies"][page["who"]].items():
            self.client.cookies.set(name, value)
        self.token = ""
        if page["method"] == "POST":
            form = self.client.get(page["form"], name="(form for the token)")
            found = CSRF.search(form.text)
            self.token = found.group(1) if found else ""

    @task
    def the_page(self) -> None:
        page = TARGETS["pages"][PAGE]
        if page["method"] == "POST":
            data = {**page["data"], "csrfmiddlewaretoken": self.token}
            headers = {"Referer": TARGETS["base"] + page["form"]}
            self.client.post(page["path"], data=data, headers=headers, name=PAGE)
        else:
            self.client.get(page["path"], name=PAGE)
