"""Pieces every form area uses: an amount field and the version a decision was made on."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# Full-width digits and point, as a Chinese keyboard types them, read as their ASCII twins;
# any other digit (Arabic-Indic, superscripts) is refused rather than guessed at.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")
_AMOUNT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
# 1,234,567.89: commas only between groups of three, so "12,5" is never read as 125.
_GROUPED = re.compile(r"-?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")


class MoneyField(forms.DecimalField):
    """An amount the debtor or staff type: the digits 0-9 and a point, never negative, at
    most 2 decimals, each refusal in the portal's words."""

    default_error_messages = {
        "invalid": _("Please enter an amount with the digits 0-9, such as 5200 or 5200.50."),
        "min_value": _("The amount cannot be below zero."),
        "max_decimal_places": _("Please give at most two digits after the point (fen)."),
        "max_digits": _("This amount is larger than we can take. Please check it."),
        "max_whole_digits": _("This amount is larger than we can take. Please check it."),
    }

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # stubs: int
        if isinstance(value, str):
            value = value.strip().translate(_FULL_WIDTH)
            if _GROUPED.fullmatch(value):
                value = value.replace(",", "")
            if value and not _AMOUNT.fullmatch(value):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        result: Decimal | None = super().to_python(value)
        return result


def money_field(label: Any, **kwargs: Any) -> forms.DecimalField:
    """An amount the debtor types: never negative, at most 2 decimals."""
    return MoneyField(
        label=label, max_digits=14, decimal_places=2, min_value=Decimal("0"), **kwargs
    )


class DecisionVersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
