"""Credit accounts: every change of status or of the aging clock, locked and audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from negotiation.exceptions import TransitionNotAllowed
from negotiation.models import AccountStatus, CreditAccount, User
from negotiation.models.accounts import ACCOUNT_TRANSITIONS
from negotiation.services.audit import record_event


def transition_account(
    account: CreditAccount, to: str, *, actor: User | None, reason: str
) -> CreditAccount:
    """The only code that changes an account's status: lock, check the move, audit.

    ``reason`` names what caused the move ("plan approved", ...) for the audit trail.
    Raises ``TransitionNotAllowed``.
    """
    with transaction.atomic():
        locked = CreditAccount.objects.select_for_update().get(pk=account.pk)
        if to not in ACCOUNT_TRANSITIONS[locked.status]:
            raise TransitionNotAllowed
        before: dict[str, object] = {"status": locked.status}
        after: dict[str, object] = {"status": to, "reason": reason}
        locked.status = to
        changed = ["status"]
        if to == AccountStatus.SETTLED:
            before["oldest_unpaid_due_date"] = _iso(locked.oldest_unpaid_due_date)
            changed += _nothing_overdue(locked)
            after["oldest_unpaid_due_date"] = None
        locked.save(update_fields=changed)
        record_event(locked, actor=actor, action="account.transition", before=before, after=after)
    account.status = to
    account.oldest_unpaid_due_date = locked.oldest_unpaid_due_date
    return locked


def _nothing_overdue(account: CreditAccount) -> list[str]:
    """A settled account owes nothing: no payment is overdue, so it stops aging and stands
    at 0 days (the debtor's pages no longer list steps "if nothing is done")."""
    account.oldest_unpaid_due_date = None
    account.aging_paused_from = account.aging_paused_until = None
    account.days_past_due_stored = 0
    account.stage_stored = "current"
    return [
        "oldest_unpaid_due_date",
        "aging_paused_from",
        "aging_paused_until",
        "days_past_due_stored",
        "stage_stored",
    ]


def pause_aging(
    account: CreditAccount, *, first_day: dt.date, last_day: dt.date, actor: User | None
) -> CreditAccount:
    """Stop the days-past-due clock from ``first_day`` to ``last_day`` inclusive: an agreed
    deferral (DOMAIN.md). Audited, because it changes what the debtor and the bureau see."""
    with transaction.atomic():
        locked = CreditAccount.objects.select_for_update().get(pk=account.pk)
        before: dict[str, Any] = {
            "aging_paused_from": _iso(locked.aging_paused_from),
            "aging_paused_until": _iso(locked.aging_paused_until),
        }
        locked.aging_paused_from, locked.aging_paused_until = first_day, last_day
        locked.save(update_fields=["aging_paused_from", "aging_paused_until"])
        record_event(
            locked,
            actor=actor,
            action="account.aging_paused",
            before=before,
            after={"aging_paused_from": _iso(first_day), "aging_paused_until": _iso(last_day)},
        )
    return locked


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


# Days past due, counted as delinquency.days_past_due does, in one statement for every
# account: overdue days since the oldest unpaid due date, less the days of an agreed pause
# that fall inside the overdue period. Each database spells date arithmetic its own way.
_DPD_SQL = {
    "postgresql": """
        CASE WHEN oldest_unpaid_due_date IS NULL OR oldest_unpaid_due_date >= %(today)s THEN 0
        ELSE (%(today)s::date - oldest_unpaid_due_date) - CASE
            WHEN aging_paused_from IS NULL OR aging_paused_until IS NULL THEN 0
            ELSE GREATEST(0, LEAST(aging_paused_until, %(today)s::date)
                 - GREATEST(aging_paused_from, oldest_unpaid_due_date + 1) + 1)
        END END""",
    "sqlite": """
        CASE WHEN oldest_unpaid_due_date IS NULL OR oldest_unpaid_due_date >= %(today)s THEN 0
        ELSE CAST(julianday(%(today)s) - julianday(oldest_unpaid_due_date) AS INTEGER) - CASE
            WHEN aging_paused_from IS NULL OR aging_paused_until IS NULL THEN 0
            ELSE max(0, CAST(
                julianday(min(aging_paused_until, %(today)s))
                - julianday(max(aging_paused_from, date(oldest_unpaid_due_date, '+1 day')))
                AS INTEGER) + 1)
        END END""",
}

# Stage by days, as delinquency.stage_for: the upper bound of each stage but the last.
_STAGE_SQL = """
    CASE WHEN days_past_due_stored = 0 THEN 'current'
         WHEN days_past_due_stored <= 30 THEN 'early'
         WHEN days_past_due_stored <= 60 THEN 'one_month'
         WHEN days_past_due_stored <= 90 THEN 'two_months'
         ELSE 'non_performing' END"""


def refresh_aging(*, today: dt.date) -> int | None:
    """Store every account's days past due and stage as of ``today``: two set-based SQL
    statements, no loop over accounts. One run at a time (None when another holds the
    lock); running it again on the same day gives the same figures. Returns the rows."""
    from django.db import connection

    from negotiation.locks import advisory_lock

    with advisory_lock("refresh_aging") as acquired:
        if not acquired:
            return None
        # The SQL is assembled from the model's table name and the constants above only;
        # the one value that varies, the date, is a bound parameter.
        table = CreditAccount._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET days_past_due_stored = {_DPD_SQL[connection.vendor]}, "
                f"aging_refreshed_on = %(today)s",
                {"today": today},
            )
            rows: int = cursor.rowcount
            cursor.execute(f"UPDATE {table} SET stage_stored = {_STAGE_SQL}")
        return rows
