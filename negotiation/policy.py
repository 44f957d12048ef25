"""Which relief fits an account, whether terms are within bounds, whether they are
affordable, and which plans to suggest.

Pure: works on plain values (:class:`AccountFacts`, :class:`ProgramBounds`), never on
models, and never reads the clock. Messages are translatable and name the bound broken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Protocol

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from negotiation import money
from negotiation.money import LEGAL_MAX_MONTHS, ZERO, CostMethod, DueDates, Terms


class Kind(StrEnum):
    """The kinds of relief (DESIGN.md section 3); the model's choices are built from it."""

    INSTALLMENT = "installment"  # terms with no payment-free months
    DEFERRAL = "deferral"  # payment-free months first; the aging clock pauses
    INTEREST_FREEZE = "interest_freeze"  # 停息挂账: no further cost, whatever the rate


@dataclass(frozen=True)
class AccountFacts:
    days_past_due: int
    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalty: Decimal
    product: str
    open_to_relief: bool  # False when charged off, disputed, settled or already in a plan
    currency: str = "CNY"  # the account's: the amounts in its messages are written in it

    @property
    def balance(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.penalty


@dataclass(frozen=True)
class ProgramBounds:
    kind: Kind
    months_min: int
    months_max: int
    grace_months_max: int
    min_days_past_due: int
    max_days_past_due: int | None
    min_balance: Decimal
    max_balance: Decimal | None
    products: tuple[str, ...]  # empty: every product
    min_down_payment_pct: Decimal  # percent of the amount restructured
    max_waiver_pct: Decimal  # percent of interest + penalty that may be waived
    cost_method: CostMethod
    rate: Decimal  # monthly fee (flat fee) or nominal annual rate (annuity)
    min_installment: Decimal  # no regular payment below this
    payment_day: int | None = None
    first_due_min_days: int = 0
    active_from: dt.date | None = None
    active_until: dt.date | None = None

    @property
    def due(self) -> DueDates:
        return DueDates(payment_day=self.payment_day, first_due_min_days=self.first_due_min_days)

    @property
    def legal_months_max(self) -> int:
        return min(self.months_max, LEGAL_MAX_MONTHS)

    @property
    def charged_rate(self) -> Decimal:
        """The rate a plan under the program is priced at: an interest freeze (停息挂账)
        costs nothing further, whatever rate the program carries."""
        return Decimal(0) if self.kind == Kind.INTEREST_FREEZE else self.rate


# The amount the rate check prices: the annual rate by IRR barely depends on the amount
# (only through rounding to the fen), so one ordinary balance stands for all.
RATE_CHECK_AMOUNT = Decimal("10000.00")


def _rate_check_starts(program: ProgramBounds) -> list[dt.date]:
    """Agreement days that give every first period the due rule can make, in a long month,
    a short one, February of a leap year and December: one day per (month, length of the
    first period), since plans agreed on days with the same first period disclose the
    same rate but for the lengths of the months that follow."""
    months = [(2027, 1), (2027, 2), (2028, 2), (2027, 4), (2027, 12)]
    starts: dict[tuple[int, int, int], dt.date] = {}
    for year, month in months:
        for day in range(1, money.days_in_month(year, month) + 1):
            start = dt.date(year, month, day)
            length = (money.first_regular_date(start, program.due) - start).days
            starts.setdefault((year, month, length), start)
    return list(starts.values())


def highest_disclosed_rate(program: ProgramBounds) -> Decimal:
    """The highest annual rate (by IRR, in percent) a plan within ``program``'s bounds can
    disclose, as far as a check can see before a debtor asks: every number of payments it
    allows, no payment-free months (they cost nothing, so they only lower the rate), and
    every first period its due rule gives (:func:`_rate_check_starts`). The ceiling is
    enforced again on each request, dated on its day, so a rare day this check did not
    price is still refused."""
    starts = _rate_check_starts(program)
    rate = program.charged_rate
    if rate == 0:
        return Decimal(0)
    highest = Decimal(0)
    for months in range(max(program.months_min, 1), program.legal_months_max + 1):
        terms = Terms(
            amount=RATE_CHECK_AMOUNT, months=months, cost_method=program.cost_method, rate=rate
        )
        for start in starts:
            disclosed = money.disclose(terms, start=start, due=program.due).annual_rate
            highest = max(highest, disclosed)
    return highest


def amount_text(amount: Decimal) -> str:
    """An amount inside a message: grouped, two decimals (the currency is the account's)."""
    return f"{money.round_money(amount):,.2f}"


def ineligibility_reasons(
    account: AccountFacts, program: ProgramBounds, *, today: dt.date
) -> list[str]:
    """Why ``program`` does not fit ``account`` on ``today``; an empty list means it fits."""
    reasons: list[str] = []
    if (program.active_from and today < program.active_from) or (
        program.active_until and today > program.active_until
    ):
        reasons.append(_("This option is not open at the moment."))
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
            % {"amount": amount_text(program.min_balance)}
        )
    if program.max_balance is not None and account.balance > program.max_balance:
        reasons.append(
            _("This option is for balances up to %(amount)s.")
            % {"amount": amount_text(program.max_balance)}
        )
    if program.products and account.product not in program.products:
        reasons.append(_("This option is not offered for this card."))
    return reasons


def is_eligible(account: AccountFacts, program: ProgramBounds, *, today: dt.date) -> bool:
    return not ineligibility_reasons(account, program, today=today)


def terms_for(
    account: AccountFacts,
    program: ProgramBounds,
    *,
    months: int,
    grace_months: int = 0,
    down_payment: Decimal = Decimal("0.00"),
    waived_interest: Decimal = Decimal("0.00"),
    waived_penalty: Decimal = Decimal("0.00"),
) -> Terms:
    """The terms a debtor's choices lead to under ``program``.

    The whole balance less any waiver is restructured. An interest freeze (停息挂账) costs
    nothing further: its rate is 0 whatever the program says.
    """
    rate = program.charged_rate
    return Terms(
        amount=account.balance - waived_interest - waived_penalty,
        months=months,
        grace_months=grace_months,
        down_payment=down_payment,
        cost_method=program.cost_method,
        rate=rate,
        waived_interest=waived_interest,
        waived_penalty=waived_penalty,
    )


def months_message(program: ProgramBounds) -> str:
    return _("Choose between %(min)d and %(max)d monthly payments.") % {
        "min": program.months_min,
        "max": program.legal_months_max,
    }


def legal_cap_message() -> str:
    return _(
        "With the payment-free months the plan would last more than %(max)d months. "
        "Choose fewer payments."
    ) % {"max": LEGAL_MAX_MONTHS}


def too_small_message(program: ProgramBounds) -> str:
    return _("With this many payments each would be below %(amount)s. Choose fewer payments.") % {
        "amount": amount_text(max(program.min_installment, money.CENT))
    }


def rate_ceiling_message(rate: Decimal) -> str:
    return _(
        "With this many payments the annual rate would be %(rate)s%%, above what the bank "
        "may charge. Choose another number of payments or another option."
    ) % {"rate": rate}


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
    choices = _Choices(months, grace_months, down_payment, waived_interest, waived_penalty)
    return _checked_terms(account, program, choices, start=start, violations=bounds_violations)


@dataclass(frozen=True)
class _Choices:
    """What a debtor chooses within a program (see :func:`terms_for`)."""

    months: int
    grace_months: int
    down_payment: Decimal
    waived_interest: Decimal
    waived_penalty: Decimal


class _Violations(Protocol):
    def __call__(
        self,
        terms: Terms,
        program: ProgramBounds,
        account: AccountFacts,
        *,
        start: dt.date | None = None,
    ) -> dict[str, str]: ...


def _checked_terms(
    account: AccountFacts,
    program: ProgramBounds,
    choices: _Choices,
    *,
    start: dt.date | None,
    violations: _Violations,
) -> tuple[Terms | None, dict[str, str]]:
    """:func:`checked_terms`, the bounds held by ``violations``."""
    shape_errors: dict[str, str] = {}
    if not program.months_min <= choices.months <= program.legal_months_max:
        shape_errors["months"] = months_message(program)
    elif choices.months + choices.grace_months > LEGAL_MAX_MONTHS:
        shape_errors["months"] = legal_cap_message()
    if shape_errors:
        grace_error = _grace_violation(choices.grace_months, program)
        return None, shape_errors | ({"grace_months": grace_error} if grace_error else {})
    try:
        terms = terms_for(
            account,
            program,
            months=choices.months,
            grace_months=choices.grace_months,
            down_payment=choices.down_payment,
            waived_interest=choices.waived_interest,
            waived_penalty=choices.waived_penalty,
        )
    except money.InvalidTerms as invalid:
        field_name = "months" if invalid.field in ("months", "amount") else invalid.field
        message = too_small_message(program) if field_name == "months" else str(invalid)
        return None, {field_name: message}
    return terms, violations(terms, program, account, start=start)


def bounds_violations(
    terms: Terms, program: ProgramBounds, account: AccountFacts, *, start: dt.date | None = None
) -> dict[str, str]:
    """Each broken bound as {terms field: message}. Empty when the terms are within bounds.
    With ``start`` (the day of the agreement), the real length of the plan, first period
    included, is held to the legal cap too."""
    errors = _violations_but_empty_installments(terms, program, account, start=start)
    # An installment of nothing (a tiny amount over many months) is too small too.
    checked = "months" not in errors and terms.financed > 0
    if checked and money.installment_figures(terms).smallest <= 0:
        errors["months"] = too_small_message(program)
    return errors


def _violations_but_empty_installments(
    terms: Terms, program: ProgramBounds, account: AccountFacts, *, start: dt.date | None = None
) -> dict[str, str]:
    """:func:`bounds_violations`, but for an installment of nothing: every bound that holds
    for a number of months holds for fewer (see :class:`_MonthCounts`)."""
    errors: dict[str, str] = {}
    if not program.months_min <= terms.months <= program.legal_months_max:
        errors["months"] = months_message(program)
    elif start is not None and not money.last_due_within_legal_cap(start, terms, program.due):
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
    checked = "months" not in errors and terms.financed > 0 and terms.months > 1
    if checked and money.regular_installment(terms) < program.min_installment:
        errors["months"] = too_small_message(program)
    return errors


def _grace_violation(grace_months: int, program: ProgramBounds) -> str | None:
    if grace_months > program.grace_months_max:
        if program.grace_months_max == 0:
            return _("This option has no payment-free months.")
        return _("Choose at most %(max)d payment-free months.") % {"max": program.grace_months_max}
    if program.kind == Kind.DEFERRAL and grace_months < 1:
        return _("A deferral has at least one payment-free month.")
    return None


def _waiver_violations(
    terms: Terms, program: ProgramBounds, account: AccountFacts
) -> dict[str, str]:
    errors = amounts_beyond_what_is_owed(
        account,
        down_payment=terms.down_payment,
        waived_interest=terms.waived_interest,
        waived_penalty=terms.waived_penalty,
    )
    errors.pop("down_payment", None)  # the down payment is judged against the terms above
    allowed = money.round_money((account.interest + account.penalty) * program.max_waiver_pct / 100)
    if terms.amount_waived > allowed:
        field_name = "waived_penalty" if terms.waived_penalty else "waived_interest"
        if program.max_waiver_pct == 0:
            errors.setdefault(field_name, _("This option does not waive interest or late charges."))
        else:
            errors.setdefault(
                field_name,
                _(
                    "This option can waive at most %(amount)s of the interest and late "
                    "charges owed together."
                )
                % {"amount": money.format_amount(allowed, account.currency)},
            )
    return errors


def amounts_beyond_what_is_owed(
    account: AccountFacts,
    *,
    down_payment: Decimal,
    waived_interest: Decimal,
    waived_penalty: Decimal,
) -> dict[str, str]:
    """Each amount typed that is more than what it is taken from, as {field: message}, each
    message naming exactly what it is held to and how much that is: a waiver of interest
    against the interest owed, of late charges against the late charges owed, a down payment
    against the amount owed (less the waivers, when they fit). Empty when every amount fits."""
    problems: dict[str, str] = {}
    if waived_interest > account.interest:
        problems["waived_interest"] = _(
            "You cannot ask to waive more than the interest owed, %(amount)s."
        ) % {"amount": money.format_amount(account.interest, account.currency)}
    if waived_penalty > account.penalty:
        problems["waived_penalty"] = _(
            "You cannot ask to waive more than the late charges owed, %(amount)s."
        ) % {"amount": money.format_amount(account.penalty, account.currency)}
    # Held to what is left after the waivers only when they fit; otherwise to the whole
    # amount owed (a waiver too large is said on its own field, and must not make a fitting
    # down payment read as too large).
    waived = Decimal("0.00") if problems else waived_interest + waived_penalty
    left = account.balance - waived
    if down_payment > left:
        if waived:
            message = _(
                "The down payment cannot be more than what is left to repay after the "
                "waivers, %(amount)s."
            )
        else:
            message = _("The down payment cannot be more than the amount owed, %(amount)s.")
        problems["down_payment"] = message % {"amount": money.format_amount(left, account.currency)}
    return problems


class Verdict(StrEnum):
    FITS = "fits"
    TIGHT = "tight"
    DOES_NOT_FIT = "does_not_fit"

    @property
    def label(self) -> str:
        return {
            Verdict.FITS: _("Fits the budget"),
            Verdict.TIGHT: _("Tight for the budget"),
            Verdict.DOES_NOT_FIT: _("Does not fit the budget"),
        }[self]

    @property
    def debtor_label(self) -> str:
        """The verdict in the debtor's own words, on their suggestions."""
        return {
            Verdict.FITS: _("Fits your budget"),
            Verdict.TIGHT: _("Tight for your budget"),
            Verdict.DOES_NOT_FIT: _("More than your budget allows"),
        }[self]

    @property
    def tone(self) -> str:
        """The colour a badge shows it in (Bootstrap's names)."""
        return {Verdict.FITS: "success", Verdict.TIGHT: "warning", Verdict.DOES_NOT_FIT: "danger"}[
            self
        ]


@dataclass(frozen=True)
class AffordabilityThresholds:
    """Payment as a share of disposable income: up to ``fits`` fits, up to ``tight`` is
    tight, above it does not fit. ``dependent_allowance`` is what each dependent needs to
    live on a month, kept back before anything is judged affordable. Settings, not
    constants (AFFORDABILITY_* in settings); ``manage.py check`` refuses them out of order."""

    fits: Decimal = Decimal("0.50")
    tight: Decimal = Decimal("0.80")
    dependent_allowance: Decimal = Decimal("0.00")

    def __post_init__(self) -> None:
        if not Decimal(0) < self.fits <= self.tight:
            raise ValueError("Affordability thresholds must satisfy 0 < fits <= tight.")
        if self.dependent_allowance < 0:
            raise ValueError("The allowance per dependent cannot be negative.")


@dataclass(frozen=True)
class Affordability:
    disposable: Decimal  # income less essential expenses and the dependents' allowance
    ratio: Decimal | None  # payment / disposable; None when nothing is left to pay from
    verdict: Verdict


def affordability(
    *,
    income: Decimal,
    expenses: Decimal,
    payment: Decimal,
    thresholds: AffordabilityThresholds,
    dependents: int = 0,
) -> Affordability:
    """Whether ``payment`` fits what is left of ``income`` after ``expenses`` and a living
    allowance for each of the ``dependents``. Raises ``ValueError`` on negative figures:
    they are never a debtor's real situation, and would make a payment look affordable."""
    if min(income, expenses, payment) < 0 or dependents < 0:
        raise ValueError("Income, expenses, payment and dependents cannot be negative.")
    disposable = income - expenses - dependents * thresholds.dependent_allowance
    if disposable <= 0:
        return Affordability(disposable, None, Verdict.DOES_NOT_FIT)
    # Judge on the exact share; only the figure shown is rounded, so a payment one fen over
    # the threshold is not rounded back inside it.
    exact = payment / disposable
    ratio = exact.quantize(Decimal("0.0001"))
    if exact <= thresholds.fits:
        verdict = Verdict.FITS
    elif exact <= thresholds.tight:
        verdict = Verdict.TIGHT
    else:
        verdict = Verdict.DOES_NOT_FIT
    return Affordability(disposable, ratio, verdict)


class SuggestionKind(StrEnum):
    SHORTEST_THAT_FITS = "shortest_that_fits"
    BALANCED = "balanced"  # offered when we do not know the debtor's figures
    LOWEST_PAYMENT = "lowest_payment"
    DEFERRAL = "deferral"


BALANCED_MONTHS = 12


@dataclass(frozen=True)
class Suggestion:
    kind: SuggestionKind
    program_key: str  # the caller's identifier of the program (its code)
    terms: Terms
    disclosure: money.Disclosure = field(repr=False)
    affordability: Affordability | None

    @property
    def heading(self) -> str:
        """What the suggestion is, as its card's title says."""
        if self.kind is SuggestionKind.SHORTEST_THAT_FITS:
            return _("The shortest plan that fits your budget")
        if self.kind is SuggestionKind.BALANCED:
            months = self.terms.months
            return ngettext("A plan over %(n)s month", "A plan over %(n)s months", months) % {
                "n": months
            }
        if self.kind is SuggestionKind.LOWEST_PAYMENT:
            return _("The lowest monthly payment")
        return _("Pause payments first")


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
    # One search of each program's month counts, for the shortest plan and the longest.
    searches = [(key, p, _MonthCounts(account, p, today=today)) for key, p in repaying]
    candidates: list[tuple[SuggestionKind, str, ProgramBounds, Terms]] = []
    if income is not None and expenses is not None:
        shortest = _shortest_that_fits(searches, income - expenses, thresholds)
        if shortest:
            candidates.append((SuggestionKind.SHORTEST_THAT_FITS, *shortest))
    else:
        balanced = _balanced(account, repaying, today=today)
        if balanced:
            candidates.append((SuggestionKind.BALANCED, *balanced))
    lowest = _lowest_payment(searches)
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
        disclosure = money.disclose(terms, start=today, due=program.due)
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
    terms, errors = checked_terms(
        account,
        program,
        months=months,
        grace_months=grace_months,
        down_payment=_minimum_down(account, program),
        start=today,
    )
    return None if errors else terms


def _minimum_down(account: AccountFacts, program: ProgramBounds) -> Decimal:
    return money.round_money(account.balance * program.min_down_payment_pct / 100)


class _MonthCounts:
    """The numbers of months one program offers an account (the payment-free months
    fixed), searched by bisection where the rule follows the number of months.

    Every bound but one holds for n months only if it holds for every smaller n >= 1, so
    the months within them run from the program's least up to a top (:meth:`within`):
    - months + payment-free months within the legal cap, and at least a fen an installment
      (what ``Terms`` refuses otherwise): fewer months ask less;
    - the last due date within the cap from the day of the agreement: fewer months end
      sooner;
    - the regular installment at least the program's minimum (for more than one month): it
      never grows with n. A flat fee's is the amount over n rounded to the fen (truncated
      instead where rounding up would leave a negative last part, which only lowers it)
      plus the same fee; an annuity's first installment is the lesser of its level payment,
      which falls as n grows, and everything owed plus the same first month's interest;
    - the payment-free months, the down payment and the waivers do not depend on n.
    The one that does not follow n is an installment of nothing (a few fen over n months
    can leave the last part empty for one n and not for the next): it is checked month
    count by month count, from the top down or from the first that fits up. The regular
    installment never growing with n also makes "fits the budget" hold from some n on.
    """

    def __init__(
        self,
        account: AccountFacts,
        program: ProgramBounds,
        *,
        today: dt.date,
        grace_months: int = 0,
    ) -> None:
        self.account, self.program, self.today = account, program, today
        self.grace_months = grace_months
        self.least = max(program.months_min, 1)  # no plan has no payment
        self.most = program.legal_months_max
        self._within: dict[int, Terms | None] = {}

    def within(self, months: int) -> Terms | None:
        """The terms of ``months`` months if every bound but the empty installment holds."""
        if months not in self._within:
            choices = _Choices(
                months, self.grace_months, _minimum_down(self.account, self.program), ZERO, ZERO
            )
            terms, errors = _checked_terms(
                self.account,
                self.program,
                choices,
                start=self.today,
                violations=_violations_but_empty_installments,
            )
            self._within[months] = None if errors else terms
        return self._within[months]

    def valid(self, months: int) -> Terms | None:
        """The terms of ``months`` months if every bound holds (:func:`_valid_terms`)."""
        if self.within(months) is None:
            return None
        return _valid_terms(self.account, self.program, months, self.grace_months, today=self.today)

    @cached_property
    def top(self) -> int | None:
        """The most months within every bound but the empty installment."""
        return _last_true(lambda months: self.within(months) is not None, self.least, self.most)

    def longest_valid(self) -> Terms | None:
        """The valid terms with the most months (the longest of the program's range)."""
        top = self.top
        if top is None:
            return None
        for months in range(top, self.least - 1, -1):
            if terms := self.valid(months):
                return terms
        return None

    def shortest_fitting(self, limit: Decimal) -> Terms | None:
        """The valid terms with the fewest months whose regular installment is at most
        ``limit``."""
        top = self.top
        if top is None:
            return None

        def fits(months: int) -> bool:
            terms = self.within(months)
            return terms is not None and money.regular_installment(terms) <= limit

        fitting = _first_true(fits, self.least, top)
        if fitting is None:
            return None
        for months in range(fitting, top + 1):
            if terms := self.valid(months):
                return terms
        return None


def _last_true(holds: Callable[[int], bool], low: int, high: int) -> int | None:
    """The largest n in [low, high] for which ``holds``, which is true up to some n and
    false after; None if it is false at ``low``."""
    if low > high or not holds(low):
        return None
    while low < high:
        middle = (low + high + 1) // 2
        if holds(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _first_true(holds: Callable[[int], bool], low: int, high: int) -> int | None:
    """The smallest n in [low, high] for which ``holds``, which is false up to some n and
    true after; None if it is false at ``high``."""
    if low > high or not holds(high):
        return None
    while low < high:
        middle = (low + high) // 2
        if holds(middle):
            high = middle
        else:
            low = middle + 1
    return low


def _longest_valid(
    account: AccountFacts, program: ProgramBounds, *, grace_months: int = 0, today: dt.date
) -> Terms | None:
    return _MonthCounts(account, program, today=today, grace_months=grace_months).longest_valid()


def _shortest_that_fits(
    searches: Sequence[tuple[str, ProgramBounds, _MonthCounts]],
    disposable: Decimal,
    thresholds: AffordabilityThresholds,
) -> tuple[str, ProgramBounds, Terms] | None:
    if disposable <= 0:
        return None
    best: tuple[int, Decimal, str, ProgramBounds, Terms] | None = None
    for key, program, months in searches:
        terms = months.shortest_fitting(disposable * thresholds.fits)
        if terms:
            cost = money.installment_figures(terms).total_cost
            if best is None or (terms.months, cost) < (best[0], best[1]):
                best = (terms.months, cost, key, program, terms)
    return (best[2], best[3], best[4]) if best else None


def _lowest_payment(
    searches: Sequence[tuple[str, ProgramBounds, _MonthCounts]],
) -> tuple[str, ProgramBounds, Terms] | None:
    options = [
        (money.regular_installment(terms), key, program, terms)
        for key, program, months in searches
        if (terms := months.longest_valid())
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
            options.append((money.installment_figures(terms).total_cost, key, program, terms))
    if not options:
        return None
    _, key, program, terms = min(options, key=lambda option: option[0])
    return key, program, terms


def add_business_days(moment: dt.datetime, days: int) -> dt.datetime:
    """``moment`` plus ``days`` working days (Monday to Friday), same time of day. A request
    made on a Saturday with one business day is due on Tuesday at that time: the weekend
    does not count, and Monday is the first working day after it. Public holidays are not
    known here (a bank calendar would be data, not code)."""
    result = moment
    remaining = days
    while remaining > 0:
        result += dt.timedelta(days=1)
        if result.weekday() < 5:
            remaining -= 1
    return result


@dataclass(frozen=True)
class BankCalendar:
    """The days a bank works: Monday to Friday except ``holidays``, plus the weekend days
    made working days (``workdays``, China's 调休上班). Data from settings, never code."""

    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()

    def is_business_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def business_days_before(self, day: dt.date, days: int) -> dt.date:
        """The business day ``days`` business days before ``day``: with 3, the Monday
        before a Thursday, the Wednesday before a Monday."""
        result = day
        remaining = days
        while remaining > 0:
            result -= dt.timedelta(days=1)
            if self.is_business_day(result):
                remaining -= 1
        return result


def last_day_to_stop_debit(due: dt.date, *, calendar: BankCalendar, notice: int) -> dt.date:
    """The last day on which a debit due on ``due`` can still be stopped (or a first one
    set up): ``notice`` business days before it. After that the bank has prepared it."""
    return calendar.business_days_before(due, notice)


@dataclass(frozen=True)
class InstallmentState:
    number: int
    due_date: dt.date
    paid_in_full: bool


def missed(
    installments: Sequence[InstallmentState], *, today: dt.date, grace_days: int
) -> list[int]:
    """Installments missed for good: not paid in full by their due date plus the grace the
    program gives to make a payment up."""
    return [
        i.number
        for i in installments
        if not i.paid_in_full and today > i.due_date + dt.timedelta(days=grace_days)
    ]


def breaks_plan(
    installments: Sequence[InstallmentState], *, today: dt.date, grace_days: int, misses: int
) -> bool:
    """Whether the plan ends: the latest ``misses`` installments whose grace has passed are
    all missed (consecutive misses). One missed month followed by a paid one does not end
    it: the debtor is back on track."""
    lapsed = sorted(
        (i for i in installments if today > i.due_date + dt.timedelta(days=grace_days)),
        key=lambda i: (i.due_date, i.number),
    )
    streak = 0
    for installment in reversed(lapsed):
        if installment.paid_in_full:
            break
        streak += 1
    return streak >= misses


CONTACT_HOURS = (8, 21)  # 08:00 to 21:00 in the debtor's own time (DOMAIN.md, conduct rules)


def within_contact_hours(
    moment: dt.datetime, tz: dt.tzinfo, *, hours: tuple[int, int] = CONTACT_HOURS
) -> bool:
    """Whether ``moment`` falls within contact hours (first hour, end hour exclusive) in the
    debtor's timezone ``tz``."""
    start, end = hours
    return start <= moment.astimezone(tz).hour < end


def next_allowed_time(
    moment: dt.datetime, tz: dt.tzinfo, *, hours: tuple[int, int] = CONTACT_HOURS
) -> dt.datetime:
    """``moment`` if it falls within contact hours in the debtor's timezone ``tz``;
    otherwise the next opening: 08:00 the same morning, or the next morning after 21:00."""
    if within_contact_hours(moment, tz, hours=hours):
        return moment
    start = hours[0]
    local = moment.astimezone(tz)
    day = local.date() if local.hour < start else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(start), tzinfo=tz)


@dataclass(frozen=True)
class Hardship:
    """What the debtor tells us about their situation, as entered on the request form."""

    reason: str
    statement: str
    monthly_income: Decimal
    monthly_expenses: Decimal
    dependents: int


@dataclass(frozen=True)
class Choices:
    """The terms a debtor chooses on the request form."""

    months: int
    grace_months: int = 0
    down_payment: Decimal = Decimal("0.00")
    waived_interest: Decimal = Decimal("0.00")
    waived_penalty: Decimal = Decimal("0.00")
