"""The terms of a relief: one set of fields and one check, shared by the debtor's request
form and the specialist's counter-offer form, so the two can never disagree on a bound."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from crispy_forms.helper import FormHelper
from django import forms
from django.http import QueryDict
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from negotiation import money
from negotiation.exceptions import ProgramNotAvailable, TermsOutOfBounds
from negotiation.forms.common import PortalForm, money_field
from negotiation.models import CreditAccount, Program
from negotiation.policy import Choices
from negotiation.selectors.terms import terms_problems, validated_terms

ZERO = Decimal("0.00")
# The numbers that make the terms: checked together against the program's bounds.
TERMS_NUMBERS = ("months", "grace_months", "down_payment", "waived_interest", "waived_penalty")


def terms_not_offered(program: Program) -> set[str]:
    """The terms an option cannot take: payment-free months where it has none, waivers
    where it waives nothing. The request form hides them for that option (and counts them
    as 0) rather than refusing them once sent."""
    names = set()
    if not program.grace_months_max:
        names.add("grace_months")
    if not program.max_waiver_pct:
        names |= {"waived_interest", "waived_penalty"}
    return names


class ProgramSelect(forms.Select):
    """The options, each naming the terms it cannot take (``data-not-offered``), so the
    page can hide them as soon as another option is chosen (request-preview.js)."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(*args, **kwargs)
        program = getattr(option["value"], "instance", None)
        if isinstance(program, Program):
            option["attrs"]["data-not-offered"] = " ".join(sorted(terms_not_offered(program)))
        return option


class ProgramChoiceField(forms.ModelChoiceField[Program]):
    widget = ProgramSelect

    def label_from_instance(self, obj: Program) -> str:
        return str(obj.localized_name(get_language() or "en"))


class TermsFields(PortalForm):
    """The five numbers that make a relief's terms, and the check that turns them into
    ``money.Terms`` through the same ``validated_terms`` the services call.

    A subclass names the account, the program and the day in ``__init__`` (the debtor picks
    a program; a counter-offer stays on the request's) and may word the labels for its reader
    through ``term_labels``. After a valid form, ``terms`` holds the result."""

    # Any whole number: the bounds (the program's and the law's) are checked together in
    # ``clean``, so every problem is said at once, in the portal's words. The browser's own
    # hints stay (min, max).
    months = forms.IntegerField(
        label=_("Number of monthly payments"),
        widget=forms.NumberInput(attrs={"min": 1, "max": money.LEGAL_MAX_MONTHS}),
        error_messages={"invalid": _("Give the number of payments as a whole number.")},
    )
    grace_months = forms.IntegerField(
        label=_("Payment-free months before the first payment"),
        widget=forms.NumberInput(attrs={"min": 0, "max": 12}),
        initial=0,
        help_text=_("For a deferral only. Leave at 0 for an installment plan."),
        error_messages={"invalid": _("Give the number of payment-free months as a whole number.")},
    )
    down_payment = money_field(_("Amount you can pay now (optional)"), initial=ZERO, required=False)
    waived_interest = money_field(
        _("Interest you ask us to waive (optional)"), initial=ZERO, required=False
    )
    waived_penalty = money_field(
        _("Late charges you ask us to waive (optional)"), initial=ZERO, required=False
    )

    term_labels: ClassVar[dict[str, Any]] = {}
    account: CreditAccount
    today: dt.date
    terms: money.Terms | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in self.term_labels.items():
            self.fields[name].label = label

    def _amount_or_zero(self, name: str) -> Decimal:
        return self.cleaned_data.get(name) or ZERO

    def clean_down_payment(self) -> Decimal:
        return self._amount_or_zero("down_payment")

    def clean_waived_interest(self) -> Decimal:
        return self._amount_or_zero("waived_interest")

    def clean_waived_penalty(self) -> Decimal:
        return self._amount_or_zero("waived_penalty")

    def program_for_terms(self) -> Program | None:
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        """The bounds, checked whatever else is wrong: every problem at once
        (``terms_problems``), each in the portal's words on the field it is about (or on
        the form), so the debtor or the specialist fixes them all in one go. A number that
        is itself refused (letters, below 0) keeps its own message and stands in as the
        neutral value while the others are checked (``_choices_so_far``), so a number of
        payments outside the program's range is said together with it, not after it is
        fixed. Then, once nothing is refused, the services' own check (``validated_terms``),
        which must agree."""
        cleaned = super().clean() or {}
        program = self.program_for_terms()
        if program is None or "program" in self.errors:
            return cleaned  # no bounds to check the numbers against
        refused = {name for name in TERMS_NUMBERS if name in self.errors}
        choices = self._choices_so_far(program, refused)
        _terms, problems = terms_problems(self.account, program, choices, today=self.today)
        for field, messages in problems.items():
            if field in refused:
                continue  # its own refusal says what to fix first
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        if problems or refused:
            return cleaned
        try:
            self.terms = validated_terms(self.account, program, self.choices, today=self.today)
        except ProgramNotAvailable as error:
            self.add_error("program" if "program" in self.fields else None, str(error.message))
        except TermsOutOfBounds as error:
            for field, message in error.errors.items():
                self.add_error(field if field in self.fields else None, message)
        return cleaned

    def _choices_so_far(self, program: Program, refused: set[str]) -> Choices:
        """The terms typed, a refused number standing in as its neutral value: the fewest
        payments the program takes, no payment-free month, an amount of 0. Problems found
        on a stand-in are not said (its own refusal is)."""
        data = self.cleaned_data
        neutral: dict[str, Any] = {"months": program.months_min, "grace_months": 0}

        def number(name: str) -> Any:
            if name in refused or data.get(name) is None:
                return neutral.get(name, ZERO)
            return data[name]

        return Choices(
            months=number("months"),
            grace_months=number("grace_months"),
            down_payment=number("down_payment"),
            waived_interest=number("waived_interest"),
            waived_penalty=number("waived_penalty"),
        )

    @property
    def choices(self) -> Choices:
        """The terms chosen; blank amounts (and fields not offered) are 0."""
        data = self.cleaned_data
        return Choices(
            months=data["months"],
            grace_months=data["grace_months"],
            down_payment=data.get("down_payment") or ZERO,
            waived_interest=data.get("waived_interest") or ZERO,
            waived_penalty=data.get("waived_penalty") or ZERO,
        )


class TermsForm(TermsFields):
    """The option and its terms, as the debtor chooses them. The live preview uses this form
    alone; the request form adds the debtor's situation to it."""

    program = ProgramChoiceField(
        label=_("Option"), queryset=Program.objects.none(), empty_label=None
    )

    def __init__(
        self,
        *args: Any,
        account: CreditAccount,
        programs: list[Program],
        today: dt.date,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.account = account
        self.today = today
        program_field = self.fields["program"]
        assert isinstance(program_field, ProgramChoiceField)
        program_field.queryset = Program.objects.filter(pk__in=[p.pk for p in programs])
        if not any(p.max_waiver_pct for p in programs):
            # No option waives anything: do not invite a request that cannot be granted.
            del self.fields["waived_interest"]
            del self.fields["waived_penalty"]
        # The option shown (the one posted, or the one the link named): the terms it cannot
        # take are hidden and count as 0, never refused after the debtor sent them.
        shown = self._option_shown(programs)
        self.not_offered = terms_not_offered(shown) & set(self.fields) if shown else set()
        if self.is_bound and self.not_offered:
            data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
            for name in self.not_offered:
                data[self.add_prefix(name)] = "0"
            self.data = data
        if "grace_months" in self.fields:
            # Shown only for an option that has them (a deferral): no "leave at 0" to say.
            self.fields["grace_months"].help_text = _("No payment is due in these months.")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def _option_shown(self, programs: list[Program]) -> Program | None:
        key = self.data.get(self.add_prefix("program")) if self.is_bound else None
        if key is None:
            key = self.initial.get("program")
        by_key = {str(program.pk): program for program in programs}
        return by_key.get(str(key)) or (programs[0] if programs else None)

    def program_for_terms(self) -> Program | None:
        program: Program | None = self.cleaned_data.get("program")
        return program

    @property
    def chosen_program(self) -> Program:
        program: Program = self.cleaned_data["program"]
        return program
