"""One bad item never stops a job: each plan, account or request a scheduled job handles is
handled in its own savepoint; a failure is rolled back, logged, counted, and the run goes on.

Without this one inconsistent row (a plan awaiting signature on an account still marked in
arrears, whose expiry the account's transition table refuses) raised out of the daily
follow-up and every plan after it, and every step after that one, waited for the next day.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass
class Failures:
    """The items of one run of ``job`` that failed: their names (references, ids: never
    personal data) in the order they failed."""

    job: str
    items: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.items)

    @contextmanager
    def each(self, item: str) -> Iterator[None]:
        """Run the block for ``item`` in its own savepoint. An exception rolls back what the
        block wrote, and only that, is logged with its traceback and counted, and is not
        raised: the caller's loop goes on to the next item."""
        try:
            with transaction.atomic():
                yield
        except Exception:  # any failure of one item: recorded, and the run goes on
            logger.exception("%s: %s failed and was left as it was", self.job, item)
            self.items.append(item)

    def report(self) -> None:
        """One line at the end of the run when anything failed, for the operators' alerts."""
        if self.items:
            logger.error(
                "%s: %d item(s) failed: %s", self.job, self.count, ", ".join(self.items[:20])
            )
