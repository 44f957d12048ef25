"""The debtor's sign-in and the optional figures on the account page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from negotiation.forms.common import PlainMessages, PortalForm, money_field


class DebtorLoginForm(PlainMessages, AuthenticationForm):
    """Email or mobile number, and password. Staff accounts are refused here: they use the
    staff site."""

    username = forms.CharField(
        label=_("Email or mobile number"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        "invalid_login": _(
            "The email, mobile number or password is not right. Please try again; the "
            "password is case-sensitive."
        ),
        "inactive": _("This sign-in is not active. Please contact the bank."),
        "staff": _("Staff members sign in on the staff site, not here."),
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if user.is_staff:
            raise forms.ValidationError(self.error_messages["staff"], code="staff")


class FiguresForm(PortalForm):
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

    SESSION_KEY = "budget_figures"

    @classmethod
    def from_session(cls, session: Any) -> FiguresForm:
        """The figures the debtor gave earlier in this sign-in, bound so they show and
        count; an empty form if none. Kept in the server-side session (never in a URL,
        where they would land in access logs), and gone at sign-out."""
        kept = session.get(cls.SESSION_KEY)
        return cls(kept) if isinstance(kept, dict) else cls()

    def keep_in(self, session: Any) -> None:
        """Keep valid figures for this sign-in (empty fields forget them)."""
        figures = self.figures()
        if figures is None:
            session.pop(self.SESSION_KEY, None)
            return
        income, expenses, dependents = figures
        session[self.SESSION_KEY] = {
            "income": str(income),
            "expenses": str(expenses),
            "dependents": str(dependents),
        }

    def figures(self) -> tuple[Decimal, Decimal, int] | None:
        """(income, expenses, dependents) when both amounts were given; dependents 0 if not."""
        if not self.is_valid():
            return None
        income, expenses = self.cleaned_data.get("income"), self.cleaned_data.get("expenses")
        if income is None or expenses is None:
            return None
        return income, expenses, self.cleaned_data.get("dependents") or 0
