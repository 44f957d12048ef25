"""Pieces every form area uses: the portal's own words for every refusal a field can make
(``PlainMessages``), an amount field, and the version a decision was made on."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# A date box (<input type="date">) takes its value as YYYY-MM-DD whatever the language; in
# the page's own format (2026/12/11 in Chinese) the browser shows it empty.
ISO_DATE = "%Y-%m-%d"

# Full-width digits, point and comma, as a Chinese keyboard types them, read as their ASCII
# twins; any other digit (Arabic-Indic, superscripts) is refused rather than guessed at.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
_AMOUNT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
# The currency as people write it around an amount: ¥4,500.00, ￥4500, 4500元, RMB 4500.
_CURRENCY = re.compile(r"^(?:[¥￥]|RMB|CNY)\s*|\s*(?:元|RMB|CNY)$", re.IGNORECASE)
# 1,234,567.89: commas only between groups of three, so "12,5" is never read as 125.
_GROUPED = re.compile(r"-?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")


# The portal's words for each refusal, by the kind of field: never the framework's. Each
# names the field by its own label; the limits (%(limit_value)s...) are filled in when the
# refusal is made. ``plain_messages`` picks them; ``PlainMessages`` gives them to a form.
_REQUIRED = {
    "text": _("Please fill in “%(label)s”."),
    "choice": _("Please choose an answer for “%(label)s”."),
    "box": _("Please tick “%(label)s” to go on."),
    "file": _("Please choose a file for “%(label)s”."),
}
_INVALID = {
    "amount": _("Please enter “%(label)s” in the digits 0-9, such as 4500 or 4,500.50."),
    "whole": _("Please enter “%(label)s” as a whole number, such as 2."),
    "date": _("Please enter “%(label)s” as a date, such as 2026-12-15."),
    "email": _("Please enter “%(label)s” as an email address, such as name@example.com."),
    "file": _("Please choose the file for “%(label)s” again: it did not arrive."),
    "text": _("Please check “%(label)s”: it is not written as we expect."),
}
_BY_CODE = {
    "min_value": _("“%(label)s” cannot be less than %(limit_value)s."),
    "max_value": _("“%(label)s” cannot be more than %(limit_value)s."),
    "step_size": _("Please enter “%(label)s” as a multiple of %(limit_value)s."),
    "min_length": _("“%(label)s” needs at least %(limit_value)d characters."),
    "max_length": _(
        "“%(label)s” can be at most %(limit_value)d characters: this is %(over)d too many."
    ),
    "max_digits": _("“%(label)s” is larger than we can take. Please check it."),
    "max_whole_digits": _("“%(label)s” is larger than we can take. Please check it."),
    "max_decimal_places": _("“%(label)s” can have at most two digits after the point (fen)."),
    "invalid_choice": _("Please choose one of the answers shown for “%(label)s”."),
    "invalid_list": _("Please choose one of the answers shown for “%(label)s”."),
    "invalid_pk_value": _("Please choose one of the answers shown for “%(label)s”."),
    "empty": _("The file for “%(label)s” is empty. Please choose another."),
    "missing": _("Please choose the file for “%(label)s” again: it did not arrive."),
    "contradiction": _("Please either choose a file for “%(label)s” or clear it, not both."),
    "null_characters_not_allowed": _("“%(label)s” holds a character we cannot take."),
}
# A hidden field the page fills in itself (a version): the debtor cannot fix it, only reload.
_PAGE = _("This page was not complete. Please open it again and try once more.")


def _kind(field: forms.Field) -> str:
    if isinstance(field, forms.BooleanField):
        return "box"
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        return "choice"
    if isinstance(field, forms.FileField):
        return "file"
    if isinstance(field, forms.DecimalField):
        return "amount"
    if isinstance(field, forms.IntegerField):
        return "whole"
    if isinstance(field, forms.DateField):
        return "date"
    if isinstance(field, forms.EmailField):
        return "email"
    return "text"


def _class_defaults(field: forms.Field) -> dict[str, Any]:
    """The messages a field has from Django's classes, or the generic ones of the amount
    field (which cannot name the field), as opposed to those written for this field or
    for its kind (an account number's)."""
    defaults: dict[str, Any] = {}
    for klass in reversed(type(field).__mro__):
        if klass.__module__.startswith("django.") or klass is MoneyField:
            defaults.update(getattr(klass, "default_error_messages", {}))
    return defaults


def _framework_worded(validator: Any) -> dict[str, Any]:
    """The codes a validator refuses with in Django's own words (not a message given to it)."""
    if not type(validator).__module__.startswith("django."):
        return {}
    messages = getattr(type(validator), "messages", None)
    if isinstance(messages, dict):
        return dict(messages)
    message = getattr(validator, "message", None)
    if message is not None and message is getattr(type(validator), "message", None):
        return {getattr(validator, "code", "invalid"): message}
    return {}


class _LengthWithRoom(validators.MaxLengthValidator):
    """Django's maximum length, saying also by how much the text is over (``over``)."""

    def __call__(self, value: Any) -> None:
        length = self.clean(value)
        if length > self.limit_value:
            raise ValidationError(
                self.message,
                code=self.code,
                params={
                    "limit_value": self.limit_value,
                    "show_value": length,
                    "value": value,
                    "over": length - self.limit_value,
                },
            )


def plain_messages(field: forms.Field) -> None:
    """Give ``field`` the portal's words for every refusal it can make that was not already
    worded for it: each names the field by its label. Messages written for the field stay."""
    defaults = _class_defaults(field)
    codes = set(defaults)
    for index, validator in enumerate(field.validators):
        codes |= set(_framework_worded(validator))
        if type(validator) is validators.MaxLengthValidator:
            field.validators[index] = _LengthWithRoom(validator.limit_value)
    label = str(field.label or "")
    kind = _kind(field)
    hidden = field.widget.is_hidden
    for code in codes:
        current = field.error_messages.get(code)
        if current is not None and current is not defaults.get(code):
            continue  # worded for this field
        if hidden:
            wording: Any = _PAGE
        elif code == "required":
            wording = _REQUIRED.get(kind, _REQUIRED["text"])
        elif code == "invalid":
            wording = _INVALID.get(kind, _INVALID["text"])
        else:
            wording = _BY_CODE.get(code, _INVALID["text"])
        field.error_messages[code] = str(wording).replace("%(label)s", label)


def _room_for(field: forms.CharField) -> None:
    """A text box's limit said, not enforced by the browser: the help text states it (so it
    holds without JavaScript) and static/js/portal.js counts down beside the box."""
    field.widget.attrs.pop("maxlength", None)
    if not field.max_length:
        return
    limit = int(field.max_length)
    field.widget.attrs["data-room-max"] = str(limit)
    field.widget.attrs["data-room-text"] = gettext("Characters left: %(count)s")
    field.widget.attrs["data-room-over-text"] = gettext("Characters too many: %(count)s")
    help_text = str(field.help_text or "")
    if not help_text:
        field.help_text = gettext("At most %(max)d characters.") % {"max": limit}
    elif str(limit) not in help_text:
        field.help_text = gettext("%(help)s At most %(max)d characters.") % {
            "help": help_text,
            "max": limit,
        }


class PlainMessages(forms.BaseForm):
    """A form that says every refusal in the portal's words, naming the field. The words
    are set just before the form is checked, once the form's labels are final (a subclass
    may word them in ``__init__``). A text box shows no browser limit (``maxlength`` cuts a
    pasted text silently): its limit is said beside it (``_characters_left.html``) and
    checked on the server, which says by how much a text is too long."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and isinstance(field.widget, forms.Textarea):
                _room_for(field)

    def full_clean(self) -> None:
        for field in self.fields.values():
            plain_messages(field)
        super().full_clean()


class PortalForm(PlainMessages, forms.Form):
    """A form of the portal: ``forms.Form`` with the portal's words for every refusal."""


class MoneyField(forms.DecimalField):
    """An amount the debtor or staff type: the digits 0-9 and a point, never negative, at
    most 2 decimals, each refusal in the portal's words. A text box with the number
    keyboard, not a number box: a browser's number box silently empties "4,500" or
    "¥4,500.00", which the portal takes."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    default_error_messages = {
        "invalid": _("Please enter an amount with the digits 0-9, such as 5200 or 5200.50."),
        "min_value": _("The amount cannot be below zero."),
        "max_decimal_places": _("Please give at most two digits after the point (fen)."),
        "max_digits": _("This amount is larger than we can take. Please check it."),
        "max_whole_digits": _("This amount is larger than we can take. Please check it."),
    }

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # stubs: int
        if isinstance(value, str):
            value = _CURRENCY.sub("", value.strip().translate(_FULL_WIDTH))
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


class DecisionVersionForm(PortalForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
