"""Send the outbox's emails and text messages whose time has come now (what the dispatcher
runs every five minutes under beat).

    manage.py send_outbox             # those due: contact hours respected
    manage.py send_outbox --demo-now  # demo only: every held message now, hours ignored

Messages to debtors wait outside 08:00-21:00 in their time zone (or their own narrower
window). In the demo nothing runs beat, and an evening's invitation would wait until the
morning; ``--demo-now`` moves every held message to now and sends it (text messages to the
console), so a newcomer can follow an invitation at any hour. It is refused unless DEBUG is
on: contacting a debtor outside the allowed hours is not allowed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from negotiation.services.notifications import release_held_messages, send_due_notifications


class Command(BaseCommand):
    help = "Send the emails and text messages due now (--demo-now: all of them, demo only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--demo-now",
            action="store_true",
            help="Demo only (DEBUG): send every held message now, contact hours ignored.",
        )

    def handle(self, *args: Any, demo_now: bool, **options: Any) -> None:
        now = timezone.now()
        if demo_now:
            if not settings.DEBUG:
                raise CommandError("--demo-now is for the demo only (DEBUG): contact hours apply.")
            released = release_held_messages(now=now)
            self.stdout.write(f"{released} held message(s) moved to now.")
        # The dispatcher takes a batch at a time; a command run empties what is due. A failed
        # delivery is rescheduled later, so each round finds fewer and the loop ends.
        sent = 0
        while batch := send_due_notifications(now=now):
            sent += batch
        self.stdout.write(f"{sent} message(s) sent or tried.")
