"""Credit accounts: every change of status or of the aging clock, locked and audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from negotiation.exceptions import TransitionNotAllowed
from negotiation.models import CreditAccount, User
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
        before = {"status": locked.status}
        locked.status = to
        locked.save(update_fields=["status"])
        record_event(
            locked,
            actor=actor,
            action="account.transition",
            before=before,
            after={"status": to, "reason": reason},
        )
    account.status = to
    return locked


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
