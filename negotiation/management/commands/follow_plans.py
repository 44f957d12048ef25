"""Run the daily follow-up of plans now (what beat runs every morning).

    manage.py follow_plans                    # as of today
    manage.py follow_plans --today 2027-03-01 # demo only: as if it were that day

Operations use it to catch up after an outage (a past date is safe: every step is
idempotent). A future date makes installments overdue and plans broken before their time,
so it is refused unless DEBUG is on: it exists to walk through a plan's life in the demo.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from negotiation.services.following import follow_plans


class Command(BaseCommand):
    help = "Mark overdue installments, break and expire plans, send reminders (daily job)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["today"] or timezone.localdate()
        if today > timezone.localdate() and not settings.DEBUG:
            raise CommandError("A future date is for the demo only (DEBUG).")
        result = follow_plans(today=today, now=timezone.now())
        if result is None:
            raise CommandError("Another run is in progress; nothing was done.")
        self.stdout.write(
            f"{today}: {result.overdue} overdue, {result.broken} broken, "
            f"{result.expired} expired, {result.reminded} signature reminders, "
            f"{result.due_soon} payment reminders, {result.failed} failed (see the log)"
        )
