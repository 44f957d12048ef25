"""The debtor's choices turned into terms the program allows, and the facts the policy
checks read: shared by the request form, the counter-offer form and the services that decide."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, replace

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from negotiation import money, policy
from negotiation.exceptions import (
    ProgramNotAvailable,
    TermsOutOfBounds,
)
from negotiation.models import (
    CreditAccount,
    Program,
    ReliefRequest,
    User,
)
from negotiation.models.accounts import RELIEF_OPEN_ACCOUNT_STATUSES
from negotiation.models.staff import within_approval_limit
from negotiation.policy import Choices


def account_facts(account: CreditAccount, *, today: dt.date) -> policy.AccountFacts:
    return policy.AccountFacts(
        days_past_due=account.days_past_due(today),
        principal=account.principal,
        interest=account.interest,
        fees=account.fees,
        penalty=account.penalty,
        product=account.product,
        open_to_relief=account.status in RELIEF_OPEN_ACCOUNT_STATUSES,
        currency=account.currency,
    )


def affordability_thresholds() -> policy.AffordabilityThresholds:
    return policy.AffordabilityThresholds(
        fits=settings.AFFORDABILITY_FITS_MAX_RATIO,
        tight=settings.AFFORDABILITY_TIGHT_MAX_RATIO,
        dependent_allowance=settings.AFFORDABILITY_DEPENDENT_ALLOWANCE,
    )


def validated_terms(
    account: CreditAccount, program: Program, choices: Choices, *, today: dt.date
) -> money.Terms:
    """The terms the debtor's choices lead to, after eligibility and bounds checks.

    Raises ``ProgramNotAvailable`` when the program does not fit the account and
    ``TermsOutOfBounds`` (with one message per field) when a bound is broken.
    """
    facts = account_facts(account, today=today)
    bounds = program.bounds
    if not program.active or not policy.is_eligible(facts, bounds, today=today):
        raise ProgramNotAvailable
    more_than_owed = _beyond_what_is_owed(facts, choices)
    if more_than_owed:
        raise TermsOutOfBounds(more_than_owed)
    terms, errors = policy.checked_terms(
        facts,
        bounds,
        months=choices.months,
        grace_months=choices.grace_months,
        down_payment=choices.down_payment,
        waived_interest=choices.waived_interest,
        waived_penalty=choices.waived_penalty,
        start=today,
    )
    if errors or terms is None:
        raise TermsOutOfBounds(errors)
    rate = money.disclose(terms, start=today, due=bounds.due).annual_rate
    if rate > settings.DISCLOSED_ANNUAL_RATE_CEILING:
        # The last word on what the debtor pays, whatever the program's validation missed.
        raise TermsOutOfBounds({"months": policy.rate_ceiling_message(rate)})
    return terms


def _beyond_what_is_owed(facts: policy.AccountFacts, choices: Choices) -> dict[str, str]:
    return policy.amounts_beyond_what_is_owed(
        facts,
        down_payment=choices.down_payment,
        waived_interest=choices.waived_interest,
        waived_penalty=choices.waived_penalty,
    )


def terms_problems(
    account: CreditAccount, program: Program, choices: Choices, *, today: dt.date
) -> tuple[money.Terms | None, dict[str, list[str]]]:
    """Every problem of ``choices`` under ``program`` agreed ``today``, all at once and field
    by field ({field: [messages]}; "program" for eligibility): the program's number of
    payments, the legal cap (``money.LEGAL_MAX_MONTHS``), payment-free months, the amounts
    (down payment, waivers), the smallest payment and the rate ceiling. (The terms, {})
    when there is none.

    For the terms forms (the debtor's and the counter-offer), so everything is fixed in one
    go. ``validated_terms`` stays the services' check, the last word, which stops at the first
    kind of problem; both use the same policy functions and words."""
    facts = account_facts(account, today=today)
    bounds = program.bounds
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        if message not in problems.setdefault(field, []):
            problems[field].append(message)

    if not program.active or not policy.is_eligible(facts, bounds, today=today):
        add("program", str(ProgramNotAvailable.default_message))
    for field, message in _beyond_what_is_owed(facts, choices).items():
        add(field, message)
    if not bounds.months_min <= choices.months <= bounds.legal_months_max:
        add("months", policy.months_message(bounds))
    if choices.months + max(choices.grace_months, 0) > money.LEGAL_MAX_MONTHS:
        add("months", policy.legal_cap_message())
    if choices.grace_months < 0:
        add("grace_months", str(_("Payment-free months cannot be fewer than 0.")))
    # The other bounds are judged on terms that can exist (within the legal cap), so that
    # a number of payments out of bounds hides none of the other problems.
    grace = min(max(choices.grace_months, 0), money.LEGAL_MAX_MONTHS - 1)
    months = max(1, min(choices.months, money.LEGAL_MAX_MONTHS - grace))
    adjusted = {"months": months != choices.months, "grace_months": grace != choices.grace_months}
    try:
        terms = policy.terms_for(
            facts,
            bounds,
            months=months,
            grace_months=grace,
            down_payment=choices.down_payment,
            waived_interest=choices.waived_interest,
            waived_penalty=choices.waived_penalty,
        )
    except money.InvalidTerms as invalid:
        if "down_payment" not in problems and not any(k.startswith("waived") for k in problems):
            field = "months" if invalid.field in ("months", "amount") else invalid.field
            add(field, policy.too_small_message(bounds) if field == "months" else str(invalid))
        return None, problems
    for field, message in policy.bounds_violations(terms, bounds, facts, start=today).items():
        if not adjusted.get(field):
            add(field, message)
    if not any(adjusted.values()) and terms.financed > 0:
        rate = money.disclose(terms, start=today, due=bounds.due).annual_rate
        if rate > settings.DISCLOSED_ANNUAL_RATE_CEILING:
            add("months", policy.rate_ceiling_message(rate))
    if problems:
        return None, problems
    return terms, {}


def request_affordability(request: ReliefRequest) -> policy.Affordability:
    """The request's regular payment against the debtor's own figures."""
    return policy.affordability(
        income=request.monthly_income,
        expenses=request.monthly_expenses,
        payment=request.monthly_amount,
        thresholds=affordability_thresholds(),
        dependents=request.dependents,
    )


def approves_alone(actor: User, request: ReliefRequest, *, today: dt.date) -> bool:
    """Whether ``actor`` may approve ``request`` without a second approver: within the
    program's bounds as they stand today (for everyone: an exception to policy always
    takes two people), and within their approval limit (supervisors have none)."""
    facts = account_facts(request.account, today=today)
    if policy.bounds_violations(request.terms, bounds_as_agreed(request), facts, start=today):
        return False
    return within_approval_limit(actor, amount=request.amount, months=request.months)


def bounds_as_agreed(request: ReliefRequest) -> policy.ProgramBounds:
    """The program's bounds with the due rule stored on the request: the dates its plan
    will have, not those of a rule edited since the terms were set."""
    return replace(request.program.bounds, **asdict(request.due))
