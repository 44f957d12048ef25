"""Bank staff's account actions (services.accounts): which are possible on an account as it
stands, in the words the staff page and the service share, and the changes they made as the
debtor reads them on the account page. No writes here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from negotiation.models import (
    OPEN_REQUEST_STATUSES,
    AccountStatus,
    AuditAction,
    AuditEvent,
    CreditAccount,
)
from negotiation.models.accounts import (
    CHARGEABLE_OFF_ACCOUNT_STATUSES,
    CLOSABLE_ACCOUNT_STATUSES,
    FREEZABLE_ACCOUNT_STATUSES,
)
from negotiation.models.plans import CURRENT_PLAN_STATUSES
from negotiation.money import ZERO, format_amount


@dataclass(frozen=True)
class StatusAction:
    """A move bank staff make by hand: the statuses it starts from, where it leads, the
    button's words, what the debtor reads, and why it is refused elsewhere."""

    starts_from: tuple[str, ...]
    to: str
    button: StrOrPromise
    done: StrOrPromise  # the debtor's words on the account page
    refused: StrOrPromise  # with %(status)s: the account's status now


STATUS_ACTIONS: dict[str, StatusAction] = {
    "freeze": StatusAction(
        FREEZABLE_ACCOUNT_STATUSES,
        AccountStatus.FROZEN,
        _("Freeze the card"),
        _(
            "Card frozen: it cannot be used for now. You can still pay, ask for a plan or "
            "talk to us."
        ),
        _("Only an account in arrears can be frozen; this one is %(status)s."),
    ),
    "unfreeze": StatusAction(
        (AccountStatus.FROZEN,),
        AccountStatus.IN_ARREARS,
        _("Unfreeze the card"),
        _("Card unfrozen."),
        _("Only a frozen card can be unfrozen; this account is %(status)s."),
    ),
    "close": StatusAction(
        CLOSABLE_ACCOUNT_STATUSES,
        AccountStatus.CLOSED,
        _("Close the account"),
        _("Account closed."),
        _("This account is %(status)s: it cannot be closed."),
    ),
    "charge_off": StatusAction(
        CHARGEABLE_OFF_ACCOUNT_STATUSES,
        AccountStatus.CHARGED_OFF,
        _("Charge the account off"),
        _(
            "Account charged off: the bank has written the debt off in its own books. The "
            "amount is still owed, and you can still pay it or talk to us about it."
        ),
        _(
            "Only an account in arrears or with a frozen card can be charged off; this one is "
            "%(status)s."
        ),
    ),
}
CORRECT_BALANCE = "correct_balance"

# The parts of the balance a correction moves, in the words the pages use.
BALANCE_PARTS: dict[str, StrOrPromise] = {
    "principal": _("Principal"),
    "interest": _("Interest"),
    "fees": _("Fees"),
    "penalty": _("Late charges"),
}


def _open_request_or_plan(account: CreditAccount) -> bool:
    return (
        account.relief_requests.filter(status__in=OPEN_REQUEST_STATUSES).exists()
        or account.plans.filter(status__in=CURRENT_PLAN_STATUSES).exists()
    )


def status_action_problems(account: CreditAccount, action: str) -> list[StrOrPromise]:
    """Why ``action`` (a key of ``STATUS_ACTIONS``) cannot be taken on ``account`` now, in
    the staff's words; empty when it can."""
    spec = STATUS_ACTIONS.get(action)
    if spec is None:
        return [_("This action is not possible on the account as it stands now.")]
    if account.status not in spec.starts_from:
        return [spec.refused % {"status": account.get_status_display()}]
    problems: list[StrOrPromise] = []
    if action == "close" and account.total_balance != ZERO:
        problems.append(
            gettext("An account is closed only when nothing is owed on it: %(owed)s is still owed.")
            % {"owed": format_amount(account.total_balance, account.currency)}
        )
    if action in ("close", "charge_off") and _open_request_or_plan(account):
        problems.append(
            _(
                "A request for relief or a plan is open on this account: it must be decided or "
                "end first."
            )
        )
    return problems


def balance_correction_problems(
    account: CreditAccount, *, part: str, change: Decimal
) -> list[StrOrPromise]:
    """Why correcting ``part`` of the balance by ``change`` (negative: taken off) is not
    possible, in the staff's words; empty when it is."""
    if account.status in (AccountStatus.SETTLED, AccountStatus.CLOSED):
        return [
            _("This account is %(status)s: its balance is no longer corrected here.")
            % {"status": account.get_status_display()}
        ]
    if account.status == AccountStatus.DISPUTED:
        return [
            _(
                "A dispute is open on this account: correct the balance through the dispute's "
                "answer, so the debtor reads it there."
            )
        ]
    if part not in BALANCE_PARTS:
        return [_("Please choose which part of the balance to correct.")]
    if change == ZERO:
        return [
            gettext("The amount must be more than %(zero)s.")
            % {"zero": format_amount(ZERO, account.currency)}
        ]
    now: Decimal = getattr(account, part)
    if now + change < ZERO:
        return [
            gettext("%(part)s is %(now)s: at most that can be taken off.")
            % {"part": BALANCE_PARTS[part], "now": format_amount(now, account.currency)}
        ]
    return []


@dataclass(frozen=True)
class AccountChange:
    """A change bank staff made to the account, as its debtor reads it."""

    at: dt.datetime
    what: str
    reason: str


def account_changes(account: CreditAccount, *, limit: int = 20) -> list[AccountChange]:
    """The account actions bank staff took on ``account``, newest first, with the reason
    they gave: the audit rows that carry an ``action`` (services.accounts). One query."""
    rows = AuditEvent.objects.filter(
        object_type=CreditAccount._meta.label_lower,
        object_id=account.pk,
        action__in=[AuditAction.ACCOUNT_TRANSITION, AuditAction.ACCOUNT_LEDGER_CORRECTED],
        after__has_key="action",
    ).only("at", "action", "before", "after")[:limit]
    return [
        AccountChange(at=row.at, what=_what(row, account.currency), reason=row.after["reason"])
        for row in rows
    ]


def _what(row: AuditEvent, currency: str) -> str:
    action = row.after["action"]
    if action in STATUS_ACTIONS:
        return str(STATUS_ACTIONS[action].done)
    (part,) = (key for key in row.before if key in BALANCE_PARTS)
    before, after = Decimal(row.before[part]), Decimal(row.after[part])
    change = after - before
    return gettext("Balance corrected, %(part)s: %(change)s (from %(before)s to %(after)s).") % {
        "part": BALANCE_PARTS[part],
        "change": ("+" if change > 0 else "") + format_amount(change, currency),
        "before": format_amount(before, currency),
        "after": format_amount(after, currency),
    }
