"""Amounts as people type them: the digits 0-9 (full-width ones as a Chinese keyboard types
them), a point, commas only between thousands; anything else refused in the portal's words,
never guessed at."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms

from negotiation.forms.common import money_field


class Amount(forms.Form):
    amount = money_field("Amount")


def read(text: str):
    form = Amount({"amount": text})
    return form.cleaned_data["amount"] if form.is_valid() else form.errors["amount"][0]


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("5200", Decimal("5200")),
        ("5200.50", Decimal("5200.50")),
        (" 5200.5 ", Decimal("5200.5")),
        ("５２００．５０", Decimal("5200.50")),
        ("1,234,567.89", Decimal("1234567.89")),
    ],
)
def test_an_amount_is_read_as_typed(typed, value):
    assert read(typed) == value


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("١٢٣", "digits 0-9"),  # Arabic-Indic digits
        ("5²", "digits 0-9"),
        ("12,5", "digits 0-9"),  # a decimal comma is never taken for thousands
        ("lots", "digits 0-9"),
        ("1e3", "digits 0-9"),
        ("NaN", "digits 0-9"),
        ("-5", "cannot be below zero"),
        ("1.234", "at most two digits after the point"),
        ("1" * 20, "larger than we can take"),
    ],
)
def test_anything_else_is_refused_in_the_portals_words(typed, message):
    assert message in str(read(typed))
