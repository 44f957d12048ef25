"""The debtor's own profile: a new phone number or email, confirmed by a code sent to the
new one before it replaces the old (which is told of the change), and their preferences:
language, channel, the hours they prefer to be contacted. Every change is audited on the
debtor; a code or a password never is."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from negotiation.exceptions import ContactUnchanged
from negotiation.models import (
    AuditAction,
    CodePurpose,
    Debtor,
    NotificationChannel,
    NotificationEvent,
    OneTimeCode,
    User,
)
from negotiation.services.audit import record_event
from negotiation.services.codes import check_code, send_code
from negotiation.services.notifications import notify_debtor
from negotiation.services.passwordcheck import check_password_again

logger = logging.getLogger(__name__)

PHONE = "phone"
EMAIL = "email"
CONTACT_FIELDS = (PHONE, EMAIL)
_CHANNEL = {PHONE: NotificationChannel.SMS, EMAIL: NotificationChannel.EMAIL}


@dataclass(frozen=True)
class Preferences:
    """What the debtor chooses on the profile page (hours: both or neither)."""

    preferred_language: str
    preferred_channel: str
    contact_from_hour: int | None
    contact_until_hour: int | None


def _send_to_new(debtor: Debtor, field: str, value: str, *, now: dt.datetime) -> OneTimeCode:
    """A contact-change code to the new number (SMS) or the new address (email)."""
    if field == PHONE:
        return send_code(debtor, purpose=CodePurpose.CONTACT_CHANGE, now=now, phone=value)
    return send_code(debtor, purpose=CodePurpose.CONTACT_CHANGE, now=now, email=value)


def start_contact_change(
    debtor: Debtor,
    *,
    user: User,
    password: str,
    field: str,
    value: str,
    ip: str | None,
    now: dt.datetime,
) -> OneTimeCode:
    """The first step of a new phone number or email (``value``, already normalised by the
    form): the password asked again, then a code sent to the new number (SMS) or address
    (email). Nothing changes yet. Audited (the field and the channel, never the code).

    Raises ``WrongPassword`` or ``PasswordTriesPaused`` (services.passwordcheck),
    ``ContactUnchanged`` (the value on file already), and what
    ``send_code`` raises (too soon after the last code, a backend failure)."""
    assert field in CONTACT_FIELDS
    check_password_again(debtor, user, password, purpose=CodePurpose.CONTACT_CHANGE, ip=ip, now=now)
    current: str = getattr(debtor, field)
    if value.casefold() == current.casefold():
        raise ContactUnchanged
    with transaction.atomic():
        code = _send_to_new(debtor, field, value, now=now)
        record_event(
            debtor,
            actor=user,
            action=AuditAction.DEBTOR_CONTACT_CODE_SENT,
            after={"field": field, "channel": _CHANNEL[field]},
            ip=ip,
        )
    return code


def resend_contact_code(
    debtor: Debtor, *, user: User, field: str, value: str, ip: str | None, now: dt.datetime
) -> OneTimeCode:
    """A new code to the same new number or address (the password was asked in this flow
    already). Audited like the first."""
    assert field in CONTACT_FIELDS
    with transaction.atomic():
        code = _send_to_new(debtor, field, value, now=now)
        record_event(
            debtor,
            actor=user,
            action=AuditAction.DEBTOR_CONTACT_CODE_SENT,
            after={"field": field, "channel": _CHANNEL[field]},
            ip=ip,
        )
    return code


def confirm_contact_change(
    debtor: Debtor,
    *,
    user: User,
    code_id: int,
    entered: str,
    field: str,
    value: str,
    ip: str | None,
    now: dt.datetime,
) -> Debtor:
    """The code sent to ``value`` was typed back: ``value`` replaces the debtor's phone or
    email. The old number or address is told at once (the portal inbox too), so a change
    the debtor did not make is noticed by whoever still holds the old one. A new email
    becomes the sign-in's email as well, unless another sign-in has it (then the old one is
    dropped from the sign-in, which still works with the mobile number). Audited.

    Raises ``WrongCode`` and ``CodeNoLongerValid`` (``services.codes.check_code``)."""
    assert field in CONTACT_FIELDS
    check_code(code_id, entered, now=now, target=value)
    with transaction.atomic():
        locked = Debtor.objects.select_for_update().get(pk=debtor.pk)
        old: str = getattr(locked, field)
        setattr(locked, field, value)
        locked.save(update_fields=[field])
        user_email = None
        if field == EMAIL:
            user_email = _follow_email(user, old=old, new=value)
        channel = _CHANNEL[field]
        told = notify_debtor(
            locked,
            NotificationEvent.CONTACT_CHANGED,
            key=f"{locked.reference}:{field}:{now.isoformat()}",
            context={"changed_on": timezone.localdate(now).isoformat(), "field": field},
            channels=[NotificationChannel.PORTAL, channel],
            to={channel: old},
        )
        after = {field: value, "notified": sorted(n.channel for n in told)}
        if user_email is not None:
            after["user_email"] = user_email
        record_event(
            locked,
            actor=user,
            action=AuditAction.DEBTOR_CONTACT_CHANGED,
            before={field: old},
            after=after,
            ip=ip,
        )
    return locked


def _follow_email(user: User, *, old: str, new: str) -> str | None:
    """The sign-in's email after the debtor's changed: the new one if free, else none.
    None when the sign-in's email did not change."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    taken = User.objects.filter(email__iexact=new).exclude(pk=locked.pk).exists()
    email = "" if taken else new
    if taken:
        logger.info("user %s: new email already used by another sign-in", locked.pk)
    if locked.email == email:
        return None
    locked.email = email
    locked.save(update_fields=["email"])
    return email


def change_preferences(
    debtor: Debtor, *, user: User, preferences: Preferences, ip: str | None
) -> list[str]:
    """Save the debtor's language, channel and contact hours (checked by the form: the
    hours inside the allowed ones, a channel only where there are both). Each changed one
    is audited before and after; nothing changed writes nothing. The fields changed."""
    with transaction.atomic():
        locked = Debtor.objects.select_for_update().get(pk=debtor.pk)
        before, after = {}, {}
        for name, value in vars(preferences).items():
            if getattr(locked, name) != value:
                before[name], after[name] = getattr(locked, name), value
                setattr(locked, name, value)
        if not after:
            return []
        locked.save(update_fields=list(after))
        record_event(
            locked,
            actor=user,
            action=AuditAction.DEBTOR_PREFERENCES_CHANGED,
            before=before,
            after=after,
            ip=ip,
        )
    return list(after)
