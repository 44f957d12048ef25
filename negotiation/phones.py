"""Mobile numbers as people type them: digits, with or without +86 (or 0086), spaces,
dashes, dots or brackets, in half-width or full-width characters. Pure: no ORM."""

from __future__ import annotations

import re
import unicodedata

# What people put between the digits of a number; the stored numbers are compared with the
# same characters removed (models.debtors.phone_digits).
SEPARATORS = " -().+"
_SEPARATOR = re.compile(r"[\s\-().]")
_DIGITS = re.compile(r"[0-9]{5,15}")
# A mainland mobile number: 11 digits starting with 1.
_MAINLAND_MOBILE = re.compile(r"1[0-9]{10}")
_CHINA_PREFIXES = ("0086", "86")
# A mainland landline: 0, an area code (10 and 2X are two digits, the others three), then 7
# or 8 digits; a national service number: 400 or 800 and 7 digits.
_LANDLINE = re.compile(r"(0(?:10|2[0-9]|[3-9][0-9]{2}))([1-9][0-9]{6,7})")
_SERVICE = re.compile(r"[48]00[0-9]{7}")


def phone_digits(text: str) -> str | None:
    """The digits of ``text`` without separators or a leading "+", or None when it is not a
    phone number (letters, an "@", too short or too long)."""
    cleaned = _SEPARATOR.sub("", unicodedata.normalize("NFKC", text).strip())
    cleaned = cleaned.removeprefix("+")
    return cleaned if _DIGITS.fullmatch(cleaned) else None


def same_number_forms(text: str) -> list[str]:
    """Every way the number in ``text`` may be stored once its separators are removed: a
    mainland mobile with and without its country code (13800138000, 8613800138000,
    008613800138000); any other number as its digits. Empty when ``text`` is no number."""
    digits = phone_digits(text)
    if digits is None:
        return []
    national = digits
    for prefix in _CHINA_PREFIXES:
        rest = digits.removeprefix(prefix)
        if rest != digits and _MAINLAND_MOBILE.fullmatch(rest):
            national = rest
            break
    if _MAINLAND_MOBILE.fullmatch(national):
        return [national, *(f"{prefix}{national}" for prefix in _CHINA_PREFIXES)]
    return [digits]


def last_digits(phone: str, count: int = 4) -> str:
    """The last ``count`` digits of a stored number, to say where a code went."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-count:]


def readable_phone(phone: str) -> str:
    """A stored number as people read it, the one way every debtor page shows a number: a
    mainland mobile in groups of 3, 4 and 4 without its country code, however it was stored
    (+86 138 0013 8000, 13800138000 and 008613800138000 are the same 138 0013 8000); a
    mainland landline as its area code, then its number in groups of 4 from the end (021
    6000 1101, 0571 888 8888); a 400 or 800 service number in groups of 3, 3 and 4; any other
    number as it was stored."""
    forms = same_number_forms(phone)
    if not forms:
        return phone
    national = forms[0]
    if _MAINLAND_MOBILE.fullmatch(national):
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    if _SERVICE.fullmatch(national):
        return f"{national[:3]} {national[3:6]} {national[6:]}"
    landline = _LANDLINE.fullmatch(national)
    if landline:
        area, number = landline.groups()
        return f"{area} {number[:-4]} {number[-4:]}"
    return phone
