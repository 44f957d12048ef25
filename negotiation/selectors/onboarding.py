"""Reads for the way into the portal: which link was opened and whether it may still be
used, whether it rests after answers that did not match, and whose sign-in a mobile number
or an email is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db.models import QuerySet

from negotiation.exceptions import LinkNotUsable
from negotiation.models import (
    CodePurpose,
    Debtor,
    IdentityCheckFailure,
    Invitation,
    InvitationState,
    OneTimeCode,
)
from negotiation.models.debtors import phone_digits
from negotiation.models.invitations import token_hash
from negotiation.phones import same_number_forms

# Answers that did not match are counted over a day: after the limit, each further one
# rests the link again (IDENTITY_CHECK_LOCK_MINUTES), so the tries left over the link's
# life stay few (about 150 in 72 hours at most, against 10,000 possible last fours).
FAILURE_WINDOW = dt.timedelta(hours=24)


@dataclass(frozen=True)
class AccessLink:
    """What an opened link lets its holder try: prove they are ``debtor`` for ``purpose``
    (an invitation's activation, or a password reset)."""

    purpose: CodePurpose
    debtor: Debtor
    invitation: Invitation | None = None


def invitation_link(token: str, *, now: dt.datetime) -> AccessLink:
    """The invitation whose link carries ``token``, if it may still be used; otherwise
    ``LinkNotUsable`` (unknown or changed, used, revoked, expired, or the debtor already
    has a sign-in), the same for every reason."""
    invitation = (
        Invitation.objects.select_related("debtor").filter(token_hash=token_hash(token)).first()
    )
    return _usable(invitation, now)


def invitation_link_by_id(invitation_id: int, *, now: dt.datetime) -> AccessLink:
    """The same check for the invitation a flow in progress keeps in its session."""
    return _usable(
        Invitation.objects.select_related("debtor").filter(pk=invitation_id).first(), now
    )


def _usable(invitation: Invitation | None, now: dt.datetime) -> AccessLink:
    if (
        invitation is None
        or invitation.state(now) != InvitationState.OPEN
        or invitation.debtor.user_id is not None
    ):
        raise LinkNotUsable
    return AccessLink(CodePurpose.ACTIVATION, invitation.debtor, invitation)


def reset_link(reference: str, token: str) -> AccessLink:
    """The debtor whose password-reset link names ``reference`` with ``token``, if the
    token is still good: Django's token covers the password and the last sign-in, so it
    stops working once the password changes (single use) and after PASSWORD_RESET_TIMEOUT."""
    debtor = (
        Debtor.objects.select_related("user")
        .filter(reference=reference, user__is_active=True, user__is_staff=False)
        .first()
    )
    if debtor is None or debtor.user is None:
        raise LinkNotUsable
    if not default_token_generator.check_token(debtor.user, token):
        raise LinkNotUsable
    return AccessLink(CodePurpose.RESET, debtor)


def failures_for(link: AccessLink, *, now: dt.datetime) -> QuerySet[IdentityCheckFailure]:
    """The answers that did not match on this link in the last day: an invitation counts
    its own; a reset counts the debtor's, however many reset links were sent."""
    failures = IdentityCheckFailure.objects.filter(at__gt=now - FAILURE_WINDOW)
    if link.invitation is not None:
        return failures.filter(invitation=link.invitation)
    return failures.filter(debtor=link.debtor, purpose=link.purpose)


def locked_until(link: AccessLink, ip: str | None, *, now: dt.datetime) -> dt.datetime | None:
    """When the link may be tried again, if it rests now: after
    IDENTITY_CHECK_MAX_FAILURES answers that did not match on it in a day, or
    IDENTITY_CHECK_MAX_FAILURES_PER_IP from the client's address, for
    IDENTITY_CHECK_LOCK_MINUTES after the latest."""
    rests = [_rest(failures_for(link, now=now), settings.IDENTITY_CHECK_MAX_FAILURES, now)]
    if ip:
        from_address = IdentityCheckFailure.objects.filter(at__gt=now - FAILURE_WINDOW, ip=ip)
        rests.append(_rest(from_address, settings.IDENTITY_CHECK_MAX_FAILURES_PER_IP, now))
    found = [until for until in rests if until is not None]
    return max(found) if found else None


def _rest(
    failures: QuerySet[IdentityCheckFailure], limit: int, now: dt.datetime
) -> dt.datetime | None:
    latest = list(failures.order_by("-at").values_list("at", flat=True)[:limit])
    if len(latest) < limit:
        return None
    until = latest[0] + dt.timedelta(minutes=settings.IDENTITY_CHECK_LOCK_MINUTES)
    return until if until > now else None


def debtors_with_phone(text: str) -> list[Debtor]:
    """The debtors with an active sign-in whose phone on file is the number in ``text``,
    however either was written (+86, spaces, dashes), with their users: at most two, enough
    to tell one from several. One query on the indexed expression (models.debtors)."""
    forms = same_number_forms(text)
    if not forms:
        return []
    return list(
        Debtor.objects.annotate(digits=phone_digits())
        .filter(digits__in=forms, user__is_active=True, user__is_staff=False)
        .select_related("user")
        .order_by("pk")[:2]
    )


def debtor_with_email(text: str) -> Debtor | None:
    """The debtor whose active sign-in has this email (case-insensitive), if any."""
    return (
        Debtor.objects.filter(
            user__email__iexact=text.strip(), user__is_active=True, user__is_staff=False
        )
        .select_related("user")
        .first()
    )


def latest_code(debtor: Debtor, purpose: CodePurpose) -> OneTimeCode | None:
    """The code sent last for ``purpose``: the only one that still counts."""
    return (
        OneTimeCode.objects.filter(debtor=debtor, purpose=purpose).order_by("-created_at").first()
    )
