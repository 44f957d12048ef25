from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from negotiation import money
from negotiation.exceptions import ProgramNotAvailable, TermsOutOfBounds
from negotiation.models import (
    ContactChannel,
    ContactDirection,
    ContactOutcome,
    CreditAccount,
    DocumentKind,
    HardshipReason,
    Program,
    RejectionReason,
)
from negotiation.policy import Choices, Hardship
from negotiation.selectors.terms import validated_terms


def money_field(label: Any, **kwargs: Any) -> forms.DecimalField:
    """An amount the debtor types: never negative, at most 2 decimals."""
    return forms.DecimalField(
        label=label, max_digits=14, decimal_places=2, min_value=Decimal("0"), **kwargs
    )


def choices_from(data: dict[str, Any]) -> Choices:
    """The terms chosen on a form (the debtor's or a counter-offer); blank amounts are 0."""
    return Choices(
        months=data["months"],
        grace_months=data["grace_months"],
        down_payment=data.get("down_payment") or Decimal("0.00"),
        waived_interest=data.get("waived_interest") or Decimal("0.00"),
        waived_penalty=data.get("waived_penalty") or Decimal("0.00"),
    )


class DebtorLoginForm(AuthenticationForm):
    """Email and password. Staff accounts are refused here: they use the staff site."""

    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        "invalid_login": _(
            "The email or password is not right. Please try again; both are case-sensitive "
            "except the email."
        ),
        "inactive": _("This sign-in is not active. Please contact the bank."),
        "staff": _("Staff members sign in on the staff site, not here."),
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if user.is_staff:
            raise forms.ValidationError(self.error_messages["staff"], code="staff")


class ProgramChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.localized_name(get_language() or "en"))


class TermsForm(forms.Form):
    """The option and its terms. Valid only when the option fits the account and every term
    is within its bounds; ``terms`` then holds the resulting ``money.Terms``. The live
    preview uses this form alone; the request form adds the debtor's situation to it."""

    program = ProgramChoiceField(
        label=_("Option"), queryset=Program.objects.none(), empty_label=None
    )
    months = forms.IntegerField(
        label=_("Number of monthly payments"), min_value=1, max_value=money.LEGAL_MAX_MONTHS
    )
    grace_months = forms.IntegerField(
        label=_("Payment-free months before the first payment"),
        min_value=0,
        max_value=12,
        initial=0,
        help_text=_("For a deferral only. Leave at 0 for an installment plan."),
    )
    down_payment = money_field(
        _("Amount you can pay now (optional)"), initial=Decimal("0.00"), required=False
    )
    waived_interest = money_field(
        _("Interest you ask us to waive (optional)"), initial=Decimal("0.00"), required=False
    )
    waived_penalty = money_field(
        _("Late charges you ask us to waive (optional)"), initial=Decimal("0.00"), required=False
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
        self.terms: money.Terms | None = None
        program_field = self.fields["program"]
        assert isinstance(program_field, ProgramChoiceField)
        program_field.queryset = Program.objects.filter(pk__in=[p.pk for p in programs])
        if not any(p.max_waiver_pct for p in programs):
            # No option waives anything: do not invite a request that cannot be granted.
            del self.fields["waived_interest"]
            del self.fields["waived_penalty"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def _amount_or_zero(self, name: str) -> Decimal:
        return self.cleaned_data.get(name) or Decimal("0.00")

    def clean_down_payment(self) -> Decimal:
        return self._amount_or_zero("down_payment")

    def clean_waived_interest(self) -> Decimal:
        return self._amount_or_zero("waived_interest")

    def clean_waived_penalty(self) -> Decimal:
        return self._amount_or_zero("waived_penalty")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        program = cleaned.get("program")
        if self.errors or program is None:
            return cleaned
        try:
            self.terms = validated_terms(self.account, program, self.choices, today=self.today)
        except ProgramNotAvailable as error:
            self.add_error("program", str(error.message))
        except TermsOutOfBounds as error:
            for field, message in error.errors.items():
                self.add_error(field if field in self.fields else None, message)
        return cleaned

    @property
    def choices(self) -> Choices:
        return choices_from(self.cleaned_data)

    @property
    def chosen_program(self) -> Program:
        program: Program = self.cleaned_data["program"]
        return program


class ReliefRequestForm(TermsForm):
    """The debtor's request: the terms, their situation, and their confirmation."""

    hardship_reason = forms.ChoiceField(
        label=_("What has made paying difficult?"), choices=HardshipReason.choices
    )
    hardship_statement = forms.CharField(
        label=_("Tell us about your situation"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("A few sentences are enough. This helps us find a plan you can keep."),
    )
    monthly_income = money_field(_("Monthly income after tax"))
    monthly_expenses = money_field(
        _("Monthly essential expenses"),
        help_text=_("Rent, food, transport, other loan payments."),
    )
    dependents = forms.IntegerField(
        label=_("People who depend on you"), min_value=0, max_value=20, initial=0
    )
    consent_truthful = forms.BooleanField(
        label=_("The information I have given is true and complete to the best of my knowledge.")
    )
    consent_data_processing = forms.BooleanField(
        label=_(
            "I agree that the bank uses this information about my finances only to assess "
            "this request."
        )
    )

    @property
    def hardship(self) -> Hardship:
        data = self.cleaned_data
        return Hardship(
            reason=data["hardship_reason"],
            statement=data["hardship_statement"],
            monthly_income=data["monthly_income"],
            monthly_expenses=data["monthly_expenses"],
            dependents=data["dependents"],
        )


class FiguresForm(forms.Form):
    """Optional figures on the account page, so the suggestions can fit the debtor's budget."""

    income = money_field(_("Monthly income after tax"), required=False)
    expenses = money_field(_("Monthly essential expenses"), required=False)
    dependents = forms.IntegerField(
        label=_("People who depend on you"), min_value=0, max_value=20, required=False
    )

    @staticmethod
    def money_or_none(text: str) -> Decimal | None:
        """An amount from a link; anything that is not a plain amount is ignored."""
        field = forms.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"))
        try:
            value: Decimal = field.clean(text)
        except forms.ValidationError:
            return None
        return value

    def figures(self) -> tuple[Decimal, Decimal, int] | None:
        """(income, expenses, dependents) when both amounts were given; dependents 0 if not."""
        if not self.is_valid():
            return None
        income, expenses = self.cleaned_data.get("income"), self.cleaned_data.get("expenses")
        if income is None or expenses is None:
            return None
        return income, expenses, self.cleaned_data.get("dependents") or 0


class SignPlanForm(forms.Form):
    consent_terms = forms.BooleanField(label=_("I have read the agreement and accept its terms."))
    password = forms.CharField(
        label=_("Your password, to sign"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That password is not right. Please try again."))
        return password


class RejectForm(forms.Form):
    reason_code = forms.ChoiceField(label=_("Reason"), choices=RejectionReason.choices)
    explanation = forms.CharField(
        label=_("Explanation for the debtor"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("The debtor reads this. Say plainly why, and what would change the answer."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class DecisionVersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class DocumentFieldsMixin(forms.Form):
    """A proof with its separate consent (PIPL: sensitive personal information)."""

    document = forms.FileField(label=_("Document (PDF, JPEG or PNG)"), required=False)
    document_kind = forms.ChoiceField(
        label=_("What it shows"), choices=DocumentKind.choices, required=False
    )
    document_consent = forms.BooleanField(
        label=_("I agree that the bank keeps this document and uses it only to assess my request."),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("document") and not cleaned.get("document_consent"):
            self.add_error(
                "document_consent", _("Please agree to the use of your documents before uploading.")
            )
        if cleaned.get("document") and not cleaned.get("document_kind"):
            self.add_error("document_kind", _("Please say what the document shows."))
        return cleaned


class UploadForm(DocumentFieldsMixin):
    document = forms.FileField(label=_("Document (PDF, JPEG or PNG)"))


class AnswerForm(DocumentFieldsMixin):
    answer = forms.CharField(
        label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class DeclineOfferForm(forms.Form):
    comment = forms.CharField(
        label=_("Why do these terms not work for you?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("For example, what you could pay each month. A specialist will look again."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class RecommendForm(DecisionVersionForm):
    recommendation = forms.CharField(
        label=_("Recommendation for the second approver (if needed)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=4000,
    )


class AskInfoForm(DecisionVersionForm):
    question = forms.CharField(
        label=_("Question for the debtor"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("The debtor reads this. Say what you need and why."),
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Internal note (staff only)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )


class SendBackForm(DecisionVersionForm):
    note = forms.CharField(
        label=_("Why it goes back (for the specialist)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )


class ContactForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=ContactChannel.choices)
    direction = forms.ChoiceField(label=_("Direction"), choices=ContactDirection.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ContactOutcome.choices)
    at = forms.DateTimeField(label=_("When"), help_text=_("YYYY-MM-DD HH:MM"))

    def clean_at(self) -> dt.datetime:
        """A contact record is of something that happened: not in the future."""
        at: dt.datetime = self.cleaned_data["at"]
        if at > timezone.now() + dt.timedelta(minutes=5):
            raise forms.ValidationError(_("A contact cannot be in the future."))
        return at

    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000
    )


class CounterOfferForm(DecisionVersionForm):
    """New terms under the request's program, and a word to the debtor."""

    months = forms.IntegerField(label=_("Number of monthly payments"), min_value=1, max_value=60)
    grace_months = forms.IntegerField(
        label=_("Payment-free months"), min_value=0, max_value=12, initial=0
    )
    down_payment = money_field(_("Down payment"), initial=Decimal("0.00"), required=False)
    waived_interest = money_field(_("Interest waived"), initial=Decimal("0.00"), required=False)
    waived_penalty = money_field(_("Late charges waived"), initial=Decimal("0.00"), required=False)
    expires_on = forms.DateField(label=_("Open until"))

    def clean_expires_on(self) -> dt.date:
        """From today to 60 days ahead: a past date would show the debtor an offer they can
        never accept."""
        day: dt.date = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if not today <= day <= today + dt.timedelta(days=60):
            raise forms.ValidationError(_("Choose a date from today to 60 days ahead."))
        return day

    message = forms.CharField(
        label=_("Message to the debtor"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("Say plainly why these terms, and what the debtor can do."),
    )

    def choices(self) -> Choices:
        return choices_from(self.cleaned_data)


class AssignForm(forms.Form):
    assignee: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=None,
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = candidates  # type: ignore[attr-defined]
