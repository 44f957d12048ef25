"""Handing work to Celery once the transaction that needs it has committed.

Services name the task instead of importing ``negotiation.tasks`` (which imports the
services): the dependency runs one way, and the task is looked up in Celery's registry,
filled when the app is ready (``NegotiationConfig.ready`` imports the tasks)."""

from __future__ import annotations

from celery import current_app
from django.db import transaction

# The names of the tasks services queue after a commit (negotiation.tasks registers them).
SEND_NOTIFICATION = "notifications.send"
SEND_NOTIFICATIONS = "notifications.send_batch"
STORE_SIGNED_AGREEMENT = "agreements.store_signed"
STORE_SIGNED_AMENDMENT = "agreements.store_signed_amendment"
ISSUE_PAYOFF_LETTER = "letters.issue_payoff"
RUN_IMPORT = "imports.run"
INVITE_IMPORT = "imports.invite"


def delay_after_commit(task_name: str, *args: object) -> None:
    """Queue the task named ``task_name`` with ``args`` when the current transaction
    commits (at once outside one). ``delay`` keeps the eager mode of a machine without a
    broker (``send_task`` would not).

    Robust: what the transaction did is committed, so a broker failure is logged, never
    turned into an error page. Callers say what picks the work up if it is lost."""

    def enqueue() -> None:  # named: robust on_commit logs the function's __qualname__
        current_app.tasks[task_name].delay(*args)

    transaction.on_commit(enqueue, robust=True)
