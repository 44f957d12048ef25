"""Signing a plan: the terms accepted and the password asked again (then a code by SMS,
``forms.onboarding.CodeForm``). The password is checked by the service, which counts the
tries (services.passwordcheck)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SignPlanForm(forms.Form):
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
