"""One-time codes by SMS: six digits, five minutes, five tries, sent to the phone on file.

Only a keyed digest of each code is stored (HMAC-SHA256 with the secret key, over a salt of
its own): six digits have a million values, so a plain hash would be undone in a moment by
anyone reading the table; the key keeps the table alone useless, and the five minutes keep
even a leaked key of little use. The code itself exists only in the text message."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac

from negotiation.exceptions import (
    CodeNoLongerValid,
    CodeNotSent,
    CodeNotSentYet,
    NoMobileNumber,
    WrongCode,
)
from negotiation.models import CodePurpose, Debtor, OneTimeCode
from negotiation.models.identity import (
    CODE_DIGITS,
    CODE_MAX_TRIES,
    CODE_RESEND_AFTER,
    CODE_VALID,
    CODES_PER_HOUR,
)
from negotiation.sms import send_sms

_KEY_SALT = "negotiation.one-time-code"


def _digest(code: str, *, salt: str, purpose: str) -> str:
    return salted_hmac(_KEY_SALT, f"{purpose}:{salt}:{code}", algorithm="sha256").hexdigest()


def send_code(debtor: Debtor, *, purpose: CodePurpose, now: dt.datetime) -> OneTimeCode:
    """Make a new code for ``debtor`` and ``purpose`` and text it to their phone, in their
    language; any earlier code for the same purpose stops working (only the latest counts).

    Raises ``NoMobileNumber`` without a phone on file, ``CodeNotSentYet`` within a minute of
    the last code or after five in an hour, ``CodeNotSent`` if the SMS backend fails (then
    nothing is stored)."""
    if not debtor.phone:
        raise NoMobileNumber
    recent = list(
        OneTimeCode.objects.filter(
            debtor=debtor, purpose=purpose, created_at__gt=now - dt.timedelta(hours=1)
        ).values_list("created_at", flat=True)
    )
    if len(recent) >= CODES_PER_HOUR or any(now - at < CODE_RESEND_AFTER for at in recent):
        raise CodeNotSentYet
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(16)
    with transaction.atomic():
        row = OneTimeCode.objects.create(
            debtor=debtor,
            purpose=purpose,
            code_hash=_digest(code, salt=salt, purpose=purpose),
            salt=salt,
            created_at=now,
            expires_at=now + CODE_VALID,
        )
        with translation.override(debtor.preferred_language):
            text = render_to_string(
                "sms/code.txt", {"code": code, "minutes": int(CODE_VALID.total_seconds() // 60)}
            ).strip()
        try:
            send_sms(debtor.phone, text)
        except OSError as error:
            raise CodeNotSent from error
    return row


def check_code(code_id: int, entered: str, *, now: dt.datetime) -> OneTimeCode:
    """Whether ``entered`` is the code ``code_id``: then it is used up and returned.
    ``WrongCode`` counts a try; ``CodeNoLongerValid`` when it is used, expired, replaced by
    a newer code or out of tries (its fifth wrong try says so at once)."""
    with transaction.atomic():
        row = OneTimeCode.objects.select_for_update().filter(pk=code_id).first()
        if row is None or not _still_valid(row, now):
            raise CodeNoLongerValid
        if constant_time_compare(
            _digest(entered.strip(), salt=row.salt, purpose=row.purpose), row.code_hash
        ):
            row.used_at = now
            row.save(update_fields=["used_at"])
            return row
        row.attempts += 1
        row.save(update_fields=["attempts"])
    # Raised after the commit, so the try is counted.
    if row.attempts >= CODE_MAX_TRIES:
        raise CodeNoLongerValid
    raise WrongCode


def _still_valid(row: OneTimeCode, now: dt.datetime) -> bool:
    newer = OneTimeCode.objects.filter(
        debtor_id=row.debtor_id, purpose=row.purpose, created_at__gt=row.created_at
    ).exists()
    return (
        row.used_at is None and row.expires_at > now and row.attempts < CODE_MAX_TRIES and not newer
    )
