"""Pieces every form area uses: an amount field and the version a decision was made on."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms


def money_field(label: Any, **kwargs: Any) -> forms.DecimalField:
    """An amount the debtor types: never negative, at most 2 decimals."""
    return forms.DecimalField(
        label=label, max_digits=14, decimal_places=2, min_value=Decimal("0"), **kwargs
    )


class DecisionVersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
