"""Credit accounts: every change of status or of the aging clock, locked and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from negotiation import delinquency
from negotiation.exceptions import ActionNotPermitted, ServiceError, TransitionNotAllowed
from negotiation.locks import advisory_lock
from negotiation.models import (
    AccountStatus,
    AgingPause,
    AuditAction,
    CreditAccount,
    Dispute,
    NotificationEvent,
    NotificationPage,
    RepaymentPlan,
    User,
)
from negotiation.models.accounts import ACCOUNT_TRANSITIONS
from negotiation.punctuation import sentences
from negotiation.roles import CHANGE_ACCOUNT_STATUS, CORRECT_ACCOUNT_BALANCE
from negotiation.selectors.accounts import (
    CORRECT_BALANCE,
    STATUS_ACTIONS,
    balance_correction_problems,
    status_action_problems,
)
from negotiation.services.audit import record_event
from negotiation.services.notifications import notify_debtor


def transition_account(
    account: CreditAccount,
    to: str,
    *,
    actor: User | None,
    reason: str,
    action: str | None = None,
) -> CreditAccount:
    """The only code that changes an account's status: lock, check the move, audit.

    ``reason`` names what caused the move ("plan approved", ...) for the audit trail;
    ``action`` the bank staff's account action that made it (``STATUS_ACTIONS``), whose
    reason the debtor reads. Raises ``TransitionNotAllowed``.
    """
    with transaction.atomic():
        locked = CreditAccount.objects.select_for_update().get(pk=account.pk)
        if to not in ACCOUNT_TRANSITIONS[locked.status]:
            raise TransitionNotAllowed
        before: dict[str, object] = {"status": locked.status}
        after: dict[str, object] = {"status": to, "reason": reason}
        if action is not None:
            after["action"] = action
        locked.status = to
        changed = ["status"]
        if to == AccountStatus.SETTLED:
            before["oldest_unpaid_due_date"] = locked.oldest_unpaid_due_date
            changed += _nothing_overdue(locked)
            after["oldest_unpaid_due_date"] = None
        locked.save(update_fields=changed)
        record_event(
            locked, actor=actor, action=AuditAction.ACCOUNT_TRANSITION, before=before, after=after
        )
    account.status = to
    account.oldest_unpaid_due_date = locked.oldest_unpaid_due_date
    return locked


LEDGER_FIELDS = ("principal", "interest", "fees", "penalty")


def correct_ledger(
    account: CreditAccount,
    *,
    actor: User | None,
    changes: dict[str, Decimal],
    reason: str,
    plan: RepaymentPlan | None = None,
    dispute: Dispute | None = None,
    action: str | None = None,
) -> CreditAccount:
    """Move the account's ledger by ``changes`` (field -> signed amount: a waiver written off
    is negative), under the account's row lock, with the balances before and after and
    ``reason`` in the audit trail: the one way a balance changes other than by a payment or
    an import. ``plan`` or ``dispute`` names what caused it (a plan's waivers at signing, a
    dispute upheld), ``action`` a correction bank staff made by hand (``correct_balance``).
    Nothing goes below zero (``ValueError``: the caller's arithmetic is wrong, and nothing
    is written)."""
    assert set(changes) <= set(LEDGER_FIELDS), changes
    with transaction.atomic():
        locked = CreditAccount.objects.select_for_update().get(pk=account.pk)
        before = {field: getattr(locked, field) for field in changes}
        after = {field: before[field] + delta for field, delta in changes.items()}
        if any(value < 0 for value in after.values()):
            raise ValueError(f"a correction below zero: {before} + {changes}")
        for field, value in after.items():
            setattr(locked, field, value)
        locked.save(update_fields=list(changes))
        record_event(
            locked,
            actor=actor,
            action=AuditAction.ACCOUNT_LEDGER_CORRECTED,
            before={field: str(value) for field, value in before.items()},
            after={
                **{field: str(value) for field, value in after.items()},
                "reason": reason,
                "plan": plan.reference if plan is not None else None,
                **({"dispute": dispute.reference} if dispute is not None else {}),
                **({"action": action} if action is not None else {}),
            },
        )
    return locked


# Bank staff's account actions, from the account's page in the staff site ----------------


class AccountActionRefused(ServiceError):
    default_message = _("This action is not possible on the account as it stands now.")


def _reason_given(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise AccountActionRefused(
            _("Please give the reason: the debtor reads it on the account page.")
        )
    return reason


def _tell_the_debtor(account: CreditAccount, *, occasion: str, now: dt.datetime) -> None:
    notify_debtor(
        account.debtor,
        NotificationEvent.ACCOUNT_CHANGED,
        key=f"{account.reference}:{occasion}:{now.isoformat()}",
        account=account,
        context={"reference": account.reference, "page": NotificationPage.ACCOUNT},
    )


def _status_action(
    account: CreditAccount, action: str, *, actor: User, reason: str, now: dt.datetime
) -> CreditAccount:
    """One of ``STATUS_ACTIONS`` on ``account``: the right checked, the reason required,
    the move checked under the account's row lock (``status_action_problems``: the same
    words the page shows), made by ``transition_account`` (its audit row holds the action
    and the reason), and the debtor told. Raises ``ActionNotPermitted`` or
    ``AccountActionRefused`` (nothing changed)."""
    if not actor.has_perm(CHANGE_ACCOUNT_STATUS):
        raise ActionNotPermitted
    reason = _reason_given(reason)
    with transaction.atomic():
        # The row lock: two staff acting at once, or a payment settling the account
        # meanwhile, are seen here, and the second action is checked against the first.
        locked = (
            CreditAccount.objects.select_for_update().select_related("debtor").get(pk=account.pk)
        )
        problems = status_action_problems(locked, action)
        if problems:
            raise AccountActionRefused(sentences(problems))
        transition_account(
            locked, STATUS_ACTIONS[action].to, actor=actor, reason=reason, action=action
        )
        _tell_the_debtor(locked, occasion=action, now=now)
    account.status = locked.status
    return locked


def freeze_account(
    account: CreditAccount, *, actor: User, reason: str, now: dt.datetime
) -> CreditAccount:
    """Freeze the card (FROZEN): it cannot be used; the debt is collected and can be
    repaid, promised, disputed or put in a plan as before. See ``_status_action``."""
    return _status_action(account, "freeze", actor=actor, reason=reason, now=now)


def unfreeze_account(
    account: CreditAccount, *, actor: User, reason: str, now: dt.datetime
) -> CreditAccount:
    """End a freeze: the account is back in arrears. See ``_status_action``."""
    return _status_action(account, "unfreeze", actor=actor, reason=reason, now=now)


def close_account(
    account: CreditAccount, *, actor: User, reason: str, now: dt.datetime
) -> CreditAccount:
    """Close the account (CLOSED, for good): only when nothing is owed on it and no
    request or plan is open. See ``_status_action``."""
    return _status_action(account, "close", actor=actor, reason=reason, now=now)


def charge_off_account(
    account: CreditAccount, *, actor: User, reason: str, now: dt.datetime
) -> CreditAccount:
    """Charge the account off (CHARGED_OFF): the bank writes the debt off in its books; it
    is still owed, and a payment of all of it settles the account. Not while a request for
    relief is open. See ``_status_action``."""
    return _status_action(account, "charge_off", actor=actor, reason=reason, now=now)


def correct_balance(
    account: CreditAccount,
    *,
    actor: User,
    part: str,
    change: Decimal,
    reason: str,
    now: dt.datetime,
) -> CreditAccount:
    """Correct one part of the balance (``part``: principal, interest, fees or penalty) by
    ``change`` (negative: taken off; positive: added), through ``correct_ledger`` under the
    account's row lock, with the balances before and after, the reason and the action in
    its audit row; the debtor told. Raises ``ActionNotPermitted`` or
    ``AccountActionRefused`` (nothing changed)."""
    if not actor.has_perm(CORRECT_ACCOUNT_BALANCE):
        raise ActionNotPermitted
    reason = _reason_given(reason)
    with transaction.atomic():
        locked = (
            CreditAccount.objects.select_for_update().select_related("debtor").get(pk=account.pk)
        )
        problems = balance_correction_problems(locked, part=part, change=change)
        if problems:
            raise AccountActionRefused(sentences(problems))
        corrected = correct_ledger(
            locked, actor=actor, changes={part: change}, reason=reason, action=CORRECT_BALANCE
        )
        _tell_the_debtor(locked, occasion=CORRECT_BALANCE, now=now)
    return corrected


def _nothing_overdue(account: CreditAccount) -> list[str]:
    """A settled account owes nothing: no payment is overdue, so it stops aging and stands
    at 0 days (the debtor's pages no longer list steps "if nothing is done")."""
    account.oldest_unpaid_due_date = None
    account.days_past_due_stored = 0
    account.stage_stored = delinquency.Stage.CURRENT.value
    return ["oldest_unpaid_due_date", "days_past_due_stored", "stage_stored"]


def pause_aging(
    account: CreditAccount,
    *,
    first_day: dt.date,
    last_day: dt.date,
    actor: User | None,
    plan: RepaymentPlan | None = None,
) -> AgingPause | None:
    """Stop the days-past-due clock from ``first_day`` to ``last_day`` inclusive: an agreed
    deferral (DOMAIN.md). Every pause is kept: a new one is added beside the earlier ones,
    never in their place, and starts after the last of them so no day is paused twice.
    Audited, because it changes what the debtor and the bureau see. Returns the pause, or
    None when nothing is left to pause."""
    with transaction.atomic():
        locked = CreditAccount.objects.select_for_update().get(pk=account.pk)
        earlier = locked.pauses()
        if earlier and earlier[-1][1] >= first_day:
            first_day = max(last for _, last in earlier) + dt.timedelta(days=1)
        if last_day < first_day:
            return None
        pause = AgingPause.objects.create(
            account=locked, first_day=first_day, last_day=last_day, plan=plan
        )
        record_event(
            locked,
            actor=actor,
            action=AuditAction.ACCOUNT_AGING_PAUSED,
            before={"pauses": earlier},
            after={
                "first_day": first_day,
                "last_day": last_day,
                "plan": plan.reference if plan else None,
            },
        )
    return pause


def end_aging_pauses(account: CreditAccount, *, on: dt.date, actor: User | None) -> int:
    """The agreement behind a pause has ended on ``on`` (plan completed, broken, expired, or
    the account settled): no day after it stays paused. A pause running past ``on`` ends on
    it; one that had not begun yet is removed. Audited; returns how many pauses changed.
    Without this a later delinquency would start inside a pause that nothing agreed."""
    changed = 0
    with transaction.atomic():
        for pause in AgingPause.objects.select_for_update().filter(
            account=account, last_day__gt=on
        ):
            before = {"first_day": pause.first_day, "last_day": pause.last_day}
            if pause.first_day > on:
                pause.delete()
                after: dict[str, object] = {"removed": True}
            else:
                pause.last_day = on
                pause.save(update_fields=["last_day"])
                after = {"last_day": on}
            record_event(
                account,
                actor=actor,
                action=AuditAction.ACCOUNT_AGING_PAUSE_ENDED,
                before=before,
                after=after,
            )
            changed += 1
    return changed


# Days past due, counted as delinquency.days_past_due does: overdue days since the oldest
# unpaid due date, less the days of every agreed pause that fall inside the overdue period
# (pauses never overlap: see pause_aging). Each database spells date arithmetic its own way;
# ``{due}`` is the due-date expression, ``{paused}`` the pause term (empty for an account
# that cannot have a pause yet, one an import is creating).
_OVERDUE_SQL = {
    "postgresql": """
        CASE WHEN {due} IS NULL OR {due} >= %(today)s THEN 0
        ELSE (%(today)s::date - {due}){paused} END""",
    "sqlite": """
        CASE WHEN {due} IS NULL OR {due} >= %(today)s THEN 0
        ELSE CAST(julianday(%(today)s) - julianday({due}) AS INTEGER){paused} END""",
}
_PAUSED_SQL = {
    "postgresql": """ - COALESCE((
            SELECT SUM(GREATEST(0, LEAST(p.last_day, %(today)s::date)
                   - GREATEST(p.first_day, {table}.oldest_unpaid_due_date + 1) + 1))
            FROM {pauses} p WHERE p.account_id = {table}.id), 0)""",
    "sqlite": """ - COALESCE((
            SELECT SUM(max(0, CAST(
                julianday(min(p.last_day, %(today)s))
                - julianday(max(p.first_day, date({table}.oldest_unpaid_due_date, '+1 day')))
                AS INTEGER) + 1))
            FROM {pauses} p WHERE p.account_id = {table}.id), 0)""",
}


def days_past_due_sql(*, due: str, with_pauses: bool = True) -> str:
    """SQL for an account's days past due on ``%(today)s``: the stored accounts' (their
    pauses subtracted), or, ``with_pauses=False``, a new account's from the due-date
    expression ``due`` (an import's staging column). Built from constants only."""
    vendor = connection.vendor
    table = CreditAccount._meta.db_table
    paused = (
        _PAUSED_SQL[vendor].format(table=table, pauses=AgingPause._meta.db_table)
        if with_pauses
        else ""
    )
    return _OVERDUE_SQL[vendor].format(due=due, paused=paused)


def stage_sql(days: str) -> str:
    """Stage for the days in the SQL expression ``days``, as ``delinquency.stage_for``,
    built from its ``STAGE_LIMITS`` table (constants only: no value from outside)."""
    branches = " ".join(
        f"WHEN {days} <= {int(limit)} THEN '{stage.value}'"
        for limit, stage in delinquency.STAGE_LIMITS
    )
    return f"CASE {branches} ELSE '{delinquency.Stage.NON_PERFORMING.value}' END"


def refresh_aging(*, today: dt.date, account_ids: Sequence[int] | None = None) -> int | None:
    """Store every account's days past due and stage as of ``today`` (or only those of
    ``account_ids``, as an import does for the accounts it changed): one set-based SQL
    statement, no loop over accounts. Only the rows whose stored figures change are
    written (and a row never refreshed yet): an account current, settled or paused keeps
    its row as it is, so running it again on the same day writes nothing and leaves no
    dead row behind. One run at a time (None when another holds the lock); running it
    again on the same day gives the same figures. Returns the rows written."""
    with advisory_lock("refresh_aging") as acquired:
        if not acquired:
            return None
        # The SQL is assembled from the model's table name and the constants above only;
        # the values that vary, the date and the accounts, are bound parameters. Days and
        # stage are computed once per account, in a subquery, and written in one pass.
        table = CreditAccount._meta.db_table
        where, params = _only(account_ids)
        postgresql = connection.vendor == "postgresql"
        # PostgreSQL would fold the subquery into the statement and sum each account's
        # pauses once for every use of its days (three): OFFSET 0 keeps it one computation.
        once = " OFFSET 0" if postgresql else ""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {table} SET days_past_due_stored = aged.days,
                        stage_stored = aged.stage,
                        aging_refreshed_on = %(today)s
                    FROM (SELECT id, days, {stage_sql("days")} AS stage
                          FROM (SELECT id,
                                  {days_past_due_sql(due="oldest_unpaid_due_date")} AS days
                                FROM {table}{where}{once}) counted) aged
                    WHERE {table}.id = aged.id
                      AND ({table}.days_past_due_stored <> aged.days
                           OR {table}.stage_stored <> aged.stage
                           OR {table}.aging_refreshed_on IS NULL)""",  # nosec B608: names from the models' _meta and fixed SQL; values are parameters
                {"today": today, **params},
            )
            rows: int = cursor.rowcount
        return rows


def _only(account_ids: Sequence[int] | None) -> tuple[str, dict[str, Any]]:
    """The WHERE clause limiting a refresh to some accounts, with its bound parameters."""
    if account_ids is None:
        return "", {}
    if connection.vendor == "postgresql":
        return " WHERE id = ANY(%(ids)s)", {"ids": list(account_ids)}
    names = [f"id{i}" for i in range(len(account_ids))]
    if not names:
        return " WHERE 1 = 0", {}
    return f" WHERE id IN ({', '.join(f'%({name})s' for name in names)})", dict(
        zip(names, account_ids, strict=True)
    )
