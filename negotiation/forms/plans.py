"""Signing a plan: the terms accepted and the password asked again (then a code by SMS,
``forms.onboarding.CodeForm``). The password is checked by the service, which counts the
tries (services.passwordcheck). Changing a signed plan: a new payment day, a payment moved to
the end, or another change asked in words."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from negotiation.forms.common import PortalForm
from negotiation.models.planchanges import CHANGE_REQUEST_MAX_CHARS
from negotiation.money import CHANGEABLE_DAYS


class SignPlanForm(PortalForm):
    consent_terms = forms.BooleanField(
        label=_("I have read the agreement and accept its terms."),
        error_messages={"required": _("Please tick the box to say you accept the agreement.")},
    )
    password = forms.CharField(
        label=_("Your password, to sign"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Please type your password.")},
    )


class PaymentDayForm(PortalForm):
    """A new payment day for the payments still to come (the service checks the limits)."""

    new_day = forms.TypedChoiceField(
        label=_("The new day of the month for your payments"),
        coerce=int,
        choices=[(day, str(day)) for day in CHANGEABLE_DAYS],
        error_messages={
            "required": _("Please choose the day of the month you would like to pay on."),
            "invalid_choice": _("Please choose a day from 1 to 28: every month has those days."),
        },
    )


class MoveToEndForm(PortalForm):
    """Which payment to move to the end: one of those that may move (given by the view)."""

    number = forms.TypedChoiceField(
        label=_("The payment to move to the end"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose the payment you would like to move."),
            "invalid_choice": _("That payment cannot be moved. Please choose one of the list."),
        },
    )

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["number"].choices = choices  # type: ignore[attr-defined]


class ChangeRequestForm(PortalForm):
    """Another change, in the debtor's own words, for a specialist to answer."""

    text = forms.CharField(
        label=_("What would you like to change?"),
        max_length=CHANGE_REQUEST_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Please say what you would like to change."),
        },
    )
