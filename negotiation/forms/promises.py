"""A promise to pay: how much, and by which day (the service checks the limits)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from negotiation.forms.common import ISO_DATE, PortalForm, money_field


class PromiseForm(PortalForm):
    amount = money_field(
        _("How much you will pay"),
        error_messages={"required": _("Please enter the amount you will pay.")},
    )
    by = forms.DateField(
        label=_("By which day"),
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
        error_messages={
            "required": _("Please choose the day you will pay by."),
            "invalid": _("Please choose a day from the calendar, such as 2026-12-15."),
        },
    )
