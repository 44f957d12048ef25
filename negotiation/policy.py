"""Which relief programs fit an account, and whether requested terms are within bounds.

Pure: works on plain values (:class:`AccountFacts`, :class:`ProgramBounds`), never on
models, and never reads the clock. Messages are translatable and name the bound broken.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from negotiation.money import LEGAL_MAX_MONTHS, Terms

DEFERRAL = "deferral"
INTEREST_FREEZE = "interest_freeze"


@dataclass(frozen=True)
class AccountFacts:
    days_past_due: int
    balance: Decimal  # principal + interest + fees + penalty
    product: str
    status: str
    open_to_relief: bool  # False when charged off or disputed


@dataclass(frozen=True)
class ProgramBounds:
    kind: str
    months_min: int
    months_max: int
    grace_months_max: int
    min_days_past_due: int
    max_days_past_due: int | None
    min_balance: Decimal
    max_balance: Decimal | None
    products: tuple[str, ...]  # empty: every product
    min_down_payment_pct: Decimal  # percent of the amount restructured
    monthly_fee_rate: Decimal  # fraction of the financed amount charged each month


def ineligibility_reasons(account: AccountFacts, program: ProgramBounds) -> list[str]:
    """Why ``program`` does not fit ``account``; an empty list means it fits."""
    reasons: list[str] = []
    if not account.open_to_relief:
        reasons.append(_("This account is not open to relief requests at the moment."))
    if account.days_past_due < program.min_days_past_due:
        reasons.append(
            _("This option starts at %(days)d days overdue.") % {"days": program.min_days_past_due}
        )
    if program.max_days_past_due is not None and account.days_past_due > program.max_days_past_due:
        reasons.append(
            _("This option is for accounts up to %(days)d days overdue.")
            % {"days": program.max_days_past_due}
        )
    if account.balance < program.min_balance:
        reasons.append(
            _("This option is for balances of at least %(amount)s.")
            % {"amount": program.min_balance}
        )
    if program.max_balance is not None and account.balance > program.max_balance:
        reasons.append(
            _("This option is for balances up to %(amount)s.") % {"amount": program.max_balance}
        )
    if program.products and account.product not in program.products:
        reasons.append(_("This option is not offered for this card."))
    return reasons


def is_eligible(account: AccountFacts, program: ProgramBounds) -> bool:
    return not ineligibility_reasons(account, program)


def bounds_violations(terms: Terms, program: ProgramBounds) -> dict[str, str]:
    """Each broken bound as {terms field: message}. Empty when the terms are within bounds."""
    errors: dict[str, str] = {}
    months_max = min(program.months_max, LEGAL_MAX_MONTHS)
    if not program.months_min <= terms.months <= months_max:
        errors["months"] = _("Choose between %(min)d and %(max)d monthly payments.") % {
            "min": program.months_min,
            "max": months_max,
        }
    if terms.grace_months > program.grace_months_max:
        if program.grace_months_max == 0:
            errors["grace_months"] = _("This option has no payment-free months.")
        else:
            errors["grace_months"] = _("Choose at most %(max)d payment-free months.") % {
                "max": program.grace_months_max
            }
    if program.kind == DEFERRAL and terms.grace_months < 1:
        errors["grace_months"] = _("A deferral has at least one payment-free month.")
    minimum_down = terms.amount * program.min_down_payment_pct / 100
    if terms.down_payment < minimum_down:
        errors["down_payment"] = _(
            "The first payment must be at least %(pct)s%% of the amount."
        ) % {"pct": program.min_down_payment_pct.normalize()}
    return errors


def terms_for(
    balance: Decimal,
    program: ProgramBounds,
    *,
    months: int,
    grace_months: int = 0,
    down_payment: Decimal = Decimal("0.00"),
) -> Terms:
    """The terms a debtor's choices lead to under ``program`` for an account's ``balance``.

    The whole balance is restructured. An interest freeze (停息挂账) costs nothing further:
    its fee rate is 0 whatever the program says.
    """
    rate = Decimal(0) if program.kind == INTEREST_FREEZE else program.monthly_fee_rate
    return Terms(
        amount=balance,
        months=months,
        grace_months=grace_months,
        down_payment=down_payment,
        monthly_fee_rate=rate,
    )
