"""Automatic repayment: the bank account to take the payments from, the consent and the
password (the service checks the password, the name and the plan); and a cancellation."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from negotiation.forms.common import PortalForm

# Full-width digits, as a Chinese keyboard types them, read as their ASCII twins; spaces and
# hyphens as printed on cards and passbooks are left out.
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_SEPARATORS = re.compile(r"[\s\-\u3000]+")
_ACCOUNT_NUMBER = re.compile(r"[0-9]{12,30}")


class AccountNumberField(forms.CharField):
    """A debit account number: 12 to 30 of the digits 0-9, spaces and hyphens allowed."""

    default_error_messages = {
        "invalid": _(
            "Please enter the account number with the digits 0-9 only: 12 to 30 digits, as "
            "printed on your bank card or passbook."
        ),
    }

    def to_python(self, value: Any) -> str:
        text = super().to_python(value) or ""
        return _SEPARATORS.sub("", text.translate(_FULL_WIDTH_DIGITS))

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not _ACCOUNT_NUMBER.fullmatch(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class MandateForm(PortalForm):
    bank_name = forms.CharField(
        label=_("Your bank"),
        max_length=80,
        help_text=_("For example: Industrial and Commercial Bank of China, Shanghai branch."),
        error_messages={
            "required": _("Please enter the name of your bank."),
            "max_length": _("Please shorten the bank's name to at most 80 characters."),
        },
    )
    account_number = AccountNumberField(
        label=_("Account number"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("We show only its last 4 digits from now on."),
        error_messages={
            "required": _("Please enter the number of the account to take the payments from."),
            "max_length": _(
                "Please enter the account number with the digits 0-9 only: 12 to 30 digits, "
                "as printed on your bank card or passbook."
            ),
        },
    )
    holder_name = forms.CharField(
        label=_("Name on the account"),
        max_length=100,
        help_text=_(
            "This must be you: the account must be in your own name. We cannot take payments "
            "from another person's account."
        ),
        error_messages={
            "required": _("Please enter the name on the account, which must be yours."),
            "max_length": _("Please enter the name as it is on the account."),
        },
    )
    consent = forms.BooleanField(
        label=_("I have read the instruction above and ask the bank to take my payments this way."),
        error_messages={"required": _("Please tick the box to say you agree to the instruction.")},
    )
    password = forms.CharField(
        label=_("Your password, to confirm"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Please type your password.")},
    )
    # The SHA-256 of the instruction the page showed: a text that changed before the debtor
    # pressed (a day later, another first debit) is shown again rather than agreed unseen.
    consent_digest = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class CancelMandateForm(PortalForm):
    reason = forms.CharField(
        label=_("Would you like to tell us why? (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
