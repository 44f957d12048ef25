"""Handing work to Celery once the transaction that needs it has committed."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def delay_after_commit(task: Any, *args: object) -> None:
    """Queue ``task(*args)`` when the current transaction commits (at once outside one).

    Robust: what the transaction did is committed, so a broker failure is logged, never
    turned into an error page. Callers say what picks the work up if it is lost."""

    def enqueue() -> None:  # named: robust on_commit logs the function's __qualname__
        task.delay(*args)

    transaction.on_commit(enqueue, robust=True)
