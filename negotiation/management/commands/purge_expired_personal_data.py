"""Run the retention job now (what beat runs every night at 03:45).

    manage.py purge_expired_personal_data            # purge, and say how much
    manage.py purge_expired_personal_data --dry-run  # only count: nothing changes

The periods are the settings RETENTION_DOCUMENT_DAYS and RETENTION_REQUEST_DAYS
(docs/OPERATIONS.md, "Retention"); the rules are in negotiation/services/retention.py.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from negotiation.services.retention import purge_expired_personal_data


class Command(BaseCommand):
    help = (
        "Delete documents and personal data of requests closed longer than the retention periods."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be purged; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        run = purge_expired_personal_data(now=timezone.now(), dry_run=options["dry_run"])
        done = "would be purged (dry run: nothing changed)" if run.dry_run else "purged"
        self.stdout.write(
            f"documents {done}: {run.documents} "
            f"(closed over RETENTION_DOCUMENT_DAYS={settings.RETENTION_DOCUMENT_DAYS} days ago)\n"
            f"requests' personal data {done}: {run.requests} "
            f"(closed over RETENTION_REQUEST_DAYS={settings.RETENTION_REQUEST_DAYS} days ago)\n"
            f"extra support {done}: {run.support_needs} (said over "
            f"RETENTION_SUPPORT_NEED_DAYS={settings.RETENTION_SUPPORT_NEED_DAYS} days ago)"
        )
