"""The debtor's profile: a new phone number or email (with the password asked again), the
code sent to it, and the preferences (language, channel, contact hours)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from negotiation.forms.common import PortalForm
from negotiation.imports.accounts import normalised_phone
from negotiation.models import PreferredChannel
from negotiation.policy import CONTACT_HOURS

_PASSWORD = forms.CharField(
    label=_("Your password"),
    help_text=_("We ask for it again before changing how we reach you."),
    strip=False,
    widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
)


class PhoneChangeForm(PortalForm):
    value = forms.CharField(
        label=_("New mobile number"),
        max_length=32,
        help_text=_("We will send a code by text message to this number to confirm it."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    password = _PASSWORD

    def clean_value(self) -> str:
        """As the bank's files are read: a mainland number as its 11 digits (+86 dropped),
        another country's as + and its digits."""
        phone = normalised_phone(self.cleaned_data["value"])
        if phone is None:
            raise forms.ValidationError(
                _("Please enter a mobile number: 11 digits, or + and the country code.")
            )
        return phone


class EmailChangeForm(PortalForm):
    value = forms.EmailField(
        label=_("New email address"),
        max_length=254,
        help_text=_("We will send a code to this address to confirm it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = _PASSWORD

    def clean_value(self) -> str:
        value: str = self.cleaned_data["value"]
        return value.strip()


def _hour(hour: int) -> str:
    return f"{hour:02d}:00"


_ANY_TIME = ("", _("Any time in those hours"))
FROM_HOURS = [_ANY_TIME, *((str(h), _hour(h)) for h in range(CONTACT_HOURS[0], CONTACT_HOURS[1]))]
UNTIL_HOURS = [
    _ANY_TIME,
    *((str(h), _hour(h)) for h in range(CONTACT_HOURS[0] + 1, CONTACT_HOURS[1] + 1)),
]


class PreferencesForm(PortalForm):
    preferred_language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        help_text=_("For this site, our messages and your documents."),
    )
    preferred_channel = forms.ChoiceField(
        label=_("How we contact you"),
        choices=[("", _("By email and text message")), *PreferredChannel.choices],
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Messages about your sign-in always go where they need to."),
    )
    contact_from_hour = forms.TypedChoiceField(
        label=_("From"),
        choices=FROM_HOURS,
        coerce=int,
        empty_value=None,
        required=False,
    )
    contact_until_hour = forms.TypedChoiceField(
        label=_("Until"),
        choices=UNTIL_HOURS,
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args: Any, has_both: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_both:
            # One channel only: nothing to choose.
            del self.fields["preferred_channel"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("contact_from_hour"), data.get("contact_until_hour")
        if (start is None) != (end is None):
            raise forms.ValidationError(
                _("Please choose both a start and an end time, or neither.")
            )
        if start is not None and end is not None and start >= end:
            self.add_error(
                "contact_until_hour", _("Please choose an end time later than the start time.")
            )
        data.setdefault("preferred_channel", "")
        return data
