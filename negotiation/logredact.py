"""What the logs never hold: a log line's email addresses, resident ID numbers, card numbers
and phone numbers are replaced by what they are ("[email]", "[national id]", "[card]",
"[phone]") before any handler writes them, exceptions' text included. Installed on every
handler by settings.LOGGING; the test suite scans its own log output for them."""

from __future__ import annotations

import logging
import re

from negotiation.imports.accounts import luhn_valid

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_RESIDENT_ID = re.compile(r"(?<![0-9.])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_CARD = re.compile(r"(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])")
_PHONE = re.compile(
    r"(?<![0-9])(?:(?:\+|00)?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]){8}(?![0-9])"
    r"|\+[1-9](?:[ -]?[0-9]){7,14}(?![0-9])"
)


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group())
    return "[card]" if luhn_valid(digits) else match.group()


def redact(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _RESIDENT_ID.sub("[national id]", text)
    text = _CARD.sub(_card, text)
    return _PHONE.sub("[phone]", text)


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
