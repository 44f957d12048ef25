"""One-time codes by SMS: six digits, five minutes, five tries, sent to the phone on file;
or, to confirm a new phone number or email, to that new number or address (the code is then
bound to it: it confirms that value and no other). A code may also be bound to what it
approves (a signing code to the digest of the agreement it signs): typed back for anything
else, it does not match.

Only a keyed digest of each code is stored (HMAC-SHA256 with the secret key, over a salt of
its own): six digits have a million values, so a plain hash would be undone in a moment by
anyone reading the table; the key keeps the table alone useless, and the five minutes keep
even a leaked key of little use. The code itself exists only in the text message."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.mail import send_mail
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
# A code that approves something names it in its message.
_SMS_TEMPLATES = {CodePurpose.SIGNING: "sms/signing_code.txt"}


def _digest(code: str, *, salt: str, purpose: str, target: str = "") -> str:
    message = f"{purpose}:{salt}:{code}" + (f":{target}" if target else "")
    return salted_hmac(_KEY_SALT, message, algorithm="sha256").hexdigest()


def send_code(
    debtor: Debtor,
    *,
    purpose: CodePurpose,
    now: dt.datetime,
    phone: str = "",
    email: str = "",
    bound_to: str = "",
    says: dict[str, str] | None = None,
) -> OneTimeCode:
    """Make a new code for ``debtor`` and ``purpose`` and text it to their phone, in their
    language; any earlier code for the same purpose stops working (only the latest counts).
    With ``phone`` or ``email``, the code goes to that new number (SMS) or address (email)
    instead, and only confirms that value (``check_code(..., target=...)``). With
    ``bound_to``, the code only confirms that (``check_code(..., target=bound_to)``).
    ``says`` names what the code approves in its text message (a signing code: the
    agreement's reference, ``templates/sms/signing_code.txt``).

    Raises ``NoMobileNumber`` without a phone on file, ``CodeNotSentYet`` within a minute of
    the last code or after five in an hour, ``CodeNotSent`` if the SMS or mail backend fails
    (then nothing is stored)."""
    if not (email or phone) and not debtor.phone:
        raise NoMobileNumber
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(16)
    with transaction.atomic():
        # The debtor's row is locked while the recent codes are counted: a button tapped
        # twice sends two requests at once, and only the first may text a code.
        Debtor.objects.select_for_update().filter(pk=debtor.pk).first()
        _refuse_if_too_soon(debtor, purpose, now)
        row = OneTimeCode.objects.create(
            debtor=debtor,
            purpose=purpose,
            code_hash=_digest(code, salt=salt, purpose=purpose, target=bound_to or email or phone),
            salt=salt,
            created_at=now,
            expires_at=now + CODE_VALID,
        )
        context = {"code": code, "minutes": int(CODE_VALID.total_seconds() // 60), **(says or {})}
        template = "emails/code.txt" if email else _SMS_TEMPLATES.get(purpose, "sms/code.txt")
        with translation.override(debtor.preferred_language):
            text = render_to_string(template, context).strip()
        try:
            if email:
                subject, _, body = text.partition("\n")
                send_mail(subject.strip(), body.strip(), settings.DEFAULT_FROM_EMAIL, [email])
            else:
                send_sms(phone or debtor.phone, text)
        except OSError as error:
            raise CodeNotSent from error
    return row


def _refuse_if_too_soon(debtor: Debtor, purpose: CodePurpose, now: dt.datetime) -> None:
    """``CodeNotSentYet`` within a minute of the last code or after five in an hour."""
    recent = list(
        OneTimeCode.objects.filter(
            debtor=debtor, purpose=purpose, created_at__gt=now - dt.timedelta(hours=1)
        ).values_list("created_at", flat=True)
    )
    if len(recent) >= CODES_PER_HOUR or any(now - at < CODE_RESEND_AFTER for at in recent):
        raise CodeNotSentYet


def check_code(
    code_id: int,
    entered: str,
    *,
    now: dt.datetime,
    target: str = "",
    debtor: Debtor | None = None,
    purpose: CodePurpose | None = None,
) -> OneTimeCode:
    """Whether ``entered`` is the code ``code_id`` (sent to ``target``, a new number or
    address, when it was sent to one, or bound to ``target``): then it is used up and
    returned. With ``debtor`` or ``purpose``, a code of anyone or anything else is no code.
    ``WrongCode`` counts a try; ``CodeNoLongerValid`` when it is used, expired, replaced by
    a newer code or out of tries (its fifth wrong try says so at once)."""
    with transaction.atomic():
        rows = OneTimeCode.objects.select_for_update().filter(pk=code_id)
        if debtor is not None:
            rows = rows.filter(debtor=debtor)
        if purpose is not None:
            rows = rows.filter(purpose=purpose)
        row = rows.first()
        if row is None or not _still_valid(row, now):
            raise CodeNoLongerValid
        if constant_time_compare(
            _digest(entered.strip(), salt=row.salt, purpose=row.purpose, target=target),
            row.code_hash,
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
