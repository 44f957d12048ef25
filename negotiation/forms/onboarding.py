"""The way into the portal: the identity check, the code from the text message, the new
password, and the request for a reset link."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from negotiation.forms.common import PlainMessages, PortalForm
from negotiation.models import User
from negotiation.models.identity import CODE_DIGITS
from negotiation.phones import phone_digits

_NOT_IN_AN_ID = re.compile(r"[\s\-]")

if TYPE_CHECKING:  # generic in its stubs only (django-stubs-ext does not patch it)
    _SetPasswordForm = SetPasswordForm[User]
else:
    _SetPasswordForm = SetPasswordForm


class IdentityForm(PortalForm):
    """Two answers only the debtor should know; which one did not match is never said."""

    national_id = forms.CharField(
        label=_("ID number"),
        max_length=40,
        help_text=_(
            "As on your resident identity card. A final X can be written in capitals or not."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    card_last4 = forms.CharField(
        label=_("Last 4 digits of one of your cards"),
        min_length=4,
        max_length=4,
        validators=[
            RegexValidator(
                r"^[0-9]{4}$", _("Please enter the 4 digits at the end of the card number.")
            )
        ],
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*"}
        ),
    )

    def clean_national_id(self) -> str:
        """Spaces and dashes people type are dropped; the hash itself ignores the case."""
        value: str = self.cleaned_data["national_id"]
        return _NOT_IN_AN_ID.sub("", value).upper()


class CodeForm(PortalForm):
    code = forms.CharField(
        label=_("The code from the text message"),
        min_length=CODE_DIGITS,
        max_length=CODE_DIGITS,
        validators=[RegexValidator(r"^[0-9]{6}$", _("The code is 6 digits."))],
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )

    def clean_code(self) -> str:
        value: str = self.cleaned_data["code"]
        return value.strip()


class NewPasswordForm(PlainMessages, _SetPasswordForm):
    """Django's own form and the project's validators (at least 12 characters, not a common
    password, not only digits, not like the sign-in's name or email), in plain words."""

    error_messages = {
        "password_mismatch": _(
            "The two passwords are not the same. Please type the same password in both boxes."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        first, second = self.fields["new_password1"], self.fields["new_password2"]
        first.label = _("New password")
        first.help_text = _(
            "At least 12 characters. Not a common password and not only numbers. A short "
            "sentence you will remember works well."
        )
        second.label = _("The same password again")
        second.help_text = ""


class ResetRequestForm(PortalForm):
    identifier = forms.CharField(
        label=_("Your email or mobile number"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def clean_identifier(self) -> str:
        value: str = self.cleaned_data["identifier"].strip()
        if "@" not in value and phone_digits(value) is None:
            raise forms.ValidationError(_("Please enter an email address or a mobile number."))
        return value
