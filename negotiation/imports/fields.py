"""One value of a row turned into its type, or the reason it cannot be."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _


class FieldInvalid(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise FieldInvalid(_("the amount '%(value)s' is not a number") % {"value": text}) from error
    if not value.is_finite():
        raise FieldInvalid(_("the amount '%(value)s' is not a number") % {"value": text})
    return value


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise FieldInvalid(_("the date '%(value)s' is not YYYY-MM-DD") % {"value": text}) from error
