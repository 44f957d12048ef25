"""Today's bounds and plan suggestions, frozen as the reference the fast search must match
suggestion for suggestion (issue 10).

A verbatim copy of the search in negotiation/policy.py as of commit c7731a0 (before the fast
previews), on the frozen money reference (tests/reference_money.py), for tests and the
benchmark only. The rules it does not search with (eligibility, messages, affordability)
and the value types are the portal's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.utils.translation import gettext as _

from negotiation import money
from negotiation.money import LEGAL_MAX_MONTHS, Terms
from negotiation.policy import (
    BALANCED_MONTHS,
    AccountFacts,
    AffordabilityThresholds,
    Kind,
    ProgramBounds,
    Suggestion,
    SuggestionKind,
    _grace_violation,
    _waiver_violations,
    affordability,
    amount_text,
    is_eligible,
    legal_cap_message,
    months_message,
    terms_for,
    too_small_message,
)
from tests import reference_money


def checked_terms(
    account: AccountFacts,
    program: ProgramBounds,
    *,
    months: int,
    grace_months: int = 0,
    down_payment: Decimal = Decimal("0.00"),
    waived_interest: Decimal = Decimal("0.00"),
    waived_penalty: Decimal = Decimal("0.00"),
    start: dt.date | None = None,
) -> tuple[Terms | None, dict[str, str]]:
    """The terms a debtor's choices lead to and each broken bound as {field: message}:
    (terms, {}) when they are within bounds, (None or terms, errors) otherwise.

    Choices that could never be terms (more than the legal cap, fewer fen than payments)
    get the same words as the bound they break, never ``money.InvalidTerms``' own."""
    shape_errors: dict[str, str] = {}
    if not program.months_min <= months <= program.legal_months_max:
        shape_errors["months"] = months_message(program)
    elif months + grace_months > LEGAL_MAX_MONTHS:
        shape_errors["months"] = legal_cap_message()
    if shape_errors:
        grace_error = _grace_violation(grace_months, program)
        return None, shape_errors | ({"grace_months": grace_error} if grace_error else {})
    try:
        terms = terms_for(
            account,
            program,
            months=months,
            grace_months=grace_months,
            down_payment=down_payment,
            waived_interest=waived_interest,
            waived_penalty=waived_penalty,
        )
    except money.InvalidTerms as invalid:
        field_name = "months" if invalid.field in ("months", "amount") else invalid.field
        message = too_small_message(program) if field_name == "months" else str(invalid)
        return None, {field_name: message}
    return terms, bounds_violations(terms, program, account, start=start)


def bounds_violations(
    terms: Terms, program: ProgramBounds, account: AccountFacts, *, start: dt.date | None = None
) -> dict[str, str]:
    """Each broken bound as {terms field: message}. Empty when the terms are within bounds.
    With ``start`` (the day of the agreement), the real length of the plan, first period
    included, is held to the legal cap too."""
    errors: dict[str, str] = {}
    if not program.months_min <= terms.months <= program.legal_months_max:
        errors["months"] = months_message(program)
    elif start is not None and not reference_money.last_due_within_legal_cap(
        start, terms, program.due
    ):
        # Art. 70 caps the whole agreement at five years, payment-free months and the
        # first period included (Terms itself refuses months + grace beyond the cap).
        errors["months"] = legal_cap_message()
    grace_error = _grace_violation(terms.grace_months, program)
    if grace_error:
        errors["grace_months"] = grace_error
    minimum_down = money.round_money(terms.amount * program.min_down_payment_pct / 100)
    if terms.down_payment < minimum_down:
        errors["down_payment"] = _("The first payment must be at least %(amount)s.") % {
            "amount": amount_text(minimum_down)
        }
    elif terms.financed <= 0:
        errors["down_payment"] = _(
            "This pays everything now, so no plan is needed. To pay in full, use your usual "
            "payment channel."
        )
    errors.update(_waiver_violations(terms, program, account))
    if "months" not in errors and terms.financed > 0:
        lines = reference_money.build_schedule(terms, start=dt.date(2000, 1, 1))
        if (
            terms.months > 1
            and reference_money.regular_amount(terms, lines) < program.min_installment
        ) or min(line.amount for line in lines) <= 0:
            errors["months"] = too_small_message(program)
    return errors


def suggest_plans(
    account: AccountFacts,
    programs: Sequence[tuple[str, ProgramBounds]],
    *,
    today: dt.date,
    income: Decimal | None = None,
    expenses: Decimal | None = None,
    thresholds: AffordabilityThresholds | None = None,
) -> list[Suggestion]:
    """A few eligible plans worth considering, each within its program's bounds.

    With the debtor's income and expenses: the shortest term whose payment fits, and the
    lowest monthly payment. Without them: a one-year plan and the lowest monthly payment.
    Plus a deferral where one is eligible. Duplicates are dropped.
    """
    thresholds = thresholds or AffordabilityThresholds()
    eligible = [(key, p) for key, p in programs if is_eligible(account, p, today=today)]
    repaying = [(key, p) for key, p in eligible if p.kind != Kind.DEFERRAL]
    candidates: list[tuple[SuggestionKind, str, ProgramBounds, Terms]] = []
    if income is not None and expenses is not None:
        shortest = _shortest_that_fits(
            account, repaying, income - expenses, thresholds, today=today
        )
        if shortest:
            candidates.append((SuggestionKind.SHORTEST_THAT_FITS, *shortest))
    else:
        balanced = _balanced(account, repaying, today=today)
        if balanced:
            candidates.append((SuggestionKind.BALANCED, *balanced))
    lowest = _lowest_payment(account, repaying, today=today)
    if lowest:
        candidates.append((SuggestionKind.LOWEST_PAYMENT, *lowest))
    for key, program in eligible:
        if program.kind == Kind.DEFERRAL:
            terms = _longest_valid(
                account, program, grace_months=program.grace_months_max, today=today
            )
            if terms:
                candidates.append((SuggestionKind.DEFERRAL, key, program, terms))
                break
    suggestions: list[Suggestion] = []
    seen: set[tuple[str, int, int]] = set()
    for kind, key, program, terms in candidates:
        if (key, terms.months, terms.grace_months) in seen:
            continue
        seen.add((key, terms.months, terms.grace_months))
        disclosure = reference_money.disclose(terms, start=today, due=program.due)
        fit = (
            affordability(
                income=income,
                expenses=expenses,
                payment=disclosure.monthly_amount,
                thresholds=thresholds,
            )
            if income is not None and expenses is not None
            else None
        )
        suggestions.append(Suggestion(kind, key, terms, disclosure, fit))
    return suggestions


def _valid_terms(
    account: AccountFacts,
    program: ProgramBounds,
    months: int,
    grace_months: int = 0,
    *,
    today: dt.date,
) -> Terms | None:
    minimum_down = money.round_money(account.balance * program.min_down_payment_pct / 100)
    terms, errors = checked_terms(
        account,
        program,
        months=months,
        grace_months=grace_months,
        down_payment=minimum_down,
        start=today,
    )
    return None if errors else terms


def _month_range(program: ProgramBounds) -> range:
    return range(program.months_min, program.legal_months_max + 1)


def _regular_payment(terms: Terms) -> Decimal:
    return reference_money.regular_amount(
        terms, reference_money.build_schedule(terms, start=dt.date(2000, 1, 1))
    )


def _longest_valid(
    account: AccountFacts, program: ProgramBounds, *, grace_months: int = 0, today: dt.date
) -> Terms | None:
    for months in reversed(_month_range(program)):
        terms = _valid_terms(account, program, months, grace_months, today=today)
        if terms:
            return terms
    return None


def _shortest_that_fits(
    account: AccountFacts,
    programs: Sequence[tuple[str, ProgramBounds]],
    disposable: Decimal,
    thresholds: AffordabilityThresholds,
    *,
    today: dt.date,
) -> tuple[str, ProgramBounds, Terms] | None:
    if disposable <= 0:
        return None
    best: tuple[int, Decimal, str, ProgramBounds, Terms] | None = None
    for key, program in programs:
        for months in _month_range(program):
            terms = _valid_terms(account, program, months, today=today)
            if terms and _regular_payment(terms) <= disposable * thresholds.fits:
                cost = reference_money.disclose(terms, start=dt.date(2000, 1, 1)).total_cost
                if best is None or (months, cost) < (best[0], best[1]):
                    best = (months, cost, key, program, terms)
                break
    return (best[2], best[3], best[4]) if best else None


def _lowest_payment(
    account: AccountFacts, programs: Sequence[tuple[str, ProgramBounds]], *, today: dt.date
) -> tuple[str, ProgramBounds, Terms] | None:
    options = [
        (_regular_payment(terms), key, program, terms)
        for key, program in programs
        if (terms := _longest_valid(account, program, today=today))
    ]
    if not options:
        return None
    _, key, program, terms = min(options, key=lambda option: (option[0], option[3].months))
    return key, program, terms


def _balanced(
    account: AccountFacts, programs: Sequence[tuple[str, ProgramBounds]], *, today: dt.date
) -> tuple[str, ProgramBounds, Terms] | None:
    """A one-year plan (or the nearest term the program allows) on the cheapest program."""
    options = []
    for key, program in programs:
        months = min(max(BALANCED_MONTHS, program.months_min), program.legal_months_max)
        terms = _valid_terms(account, program, months, today=today)
        if terms:
            cost = reference_money.disclose(terms, start=dt.date(2000, 1, 1)).total_cost
            options.append((cost, key, program, terms))
    if not options:
        return None
    _, key, program, terms = min(options, key=lambda option: option[0])
    return key, program, terms
