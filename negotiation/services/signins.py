"""What happens around a sign-in: each one, each that did not work and each sign-out is
audited (the typed identifier masked), and when django-axes pauses an account after too many
wrong passwords the pause is audited and a debtor is told on every channel at once, so the
real owner hears of someone guessing."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F

from negotiation.auth import masked_identifier
from negotiation.models import AuditAction, AuditEvent, Debtor, NotificationEvent, User
from negotiation.services.audit import record_sign_in_event
from negotiation.services.notifications import ALL_CHANNELS, notify_debtor


def signed_in(user: User, *, typed: str, site: str, ip: str | None) -> None:
    record_sign_in_event(
        user,
        action=AuditAction.SIGNED_IN,
        after={"identifier": masked_identifier(typed), "site": site},
        ip=ip,
        by_the_user=True,
    )


def sign_in_failed(user: User | None, *, typed: str, site: str, ip: str | None) -> None:
    record_sign_in_event(
        user,
        action=AuditAction.SIGN_IN_FAILED,
        after={"identifier": masked_identifier(typed), "site": site},
        ip=ip,
        by_the_user=False,
    )


def signed_out(user: User, *, site: str, ip: str | None) -> None:
    record_sign_in_event(
        user, action=AuditAction.SIGNED_OUT, after={"site": site}, ip=ip, by_the_user=True
    )


def sign_out_everywhere(user: User, *, site: str, ip: str | None) -> int:
    """End every session of ``user``, on every device, this one too: their session check
    (User.get_session_auth_hash) changes, so each session fails it at its next request.
    Audited. The new generation."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
        user.refresh_from_db(fields=["session_generation"])
        record_sign_in_event(
            user,
            action=AuditAction.SIGNED_OUT_EVERYWHERE,
            after={"site": site, "generation": user.session_generation},
            ip=ip,
            by_the_user=True,
        )
    return user.session_generation


def sign_in_paused(
    user: User | None, *, typed: str, site: str, ip: str | None, now: dt.datetime
) -> None:
    """Signing in to ``user`` (None: the address, or an identifier that names nobody) rests
    for AXES_COOLOFF_MINUTES. A debtor is told by the portal inbox, email and SMS at once."""
    minutes: int = settings.AXES_COOLOFF_MINUTES
    if _pause_already_recorded(user, ip, since=now - dt.timedelta(minutes=minutes)):
        return  # every try during a pause signals again: one record and one message a pause
    debtor = Debtor.objects.filter(user=user).first() if user is not None else None
    told = (
        notify_debtor(
            debtor,
            NotificationEvent.SIGN_IN_PAUSED,
            key=f"{debtor.reference}:{now:%Y%m%d%H%M}",
            context={"minutes": str(minutes)},
            channels=ALL_CHANNELS,
        )
        if debtor is not None
        else []
    )
    record_sign_in_event(
        user,
        action=AuditAction.SIGN_IN_LOCKED,
        after={
            "identifier": masked_identifier(typed),
            "site": site,
            "minutes": minutes,
            "notified": sorted(n.channel for n in told),
        },
        ip=ip,
        by_the_user=False,
    )


def _pause_already_recorded(user: User | None, ip: str | None, *, since: dt.datetime) -> bool:
    recorded = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_LOCKED, at__gte=since)
    if user is not None:
        return recorded.filter(object_id=user.pk).exists()
    return recorded.filter(object_id=0, ip=ip).exists()
