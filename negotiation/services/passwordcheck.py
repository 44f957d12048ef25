"""The password asked again inside a signed-in session, before what a stolen session must
not be able to do alone: changing where codes go (a new phone number or email), signing a
plan and setting up automatic repayment from a bank account. Each password that does not
match is counted like an identity check's wrong answer, per debtor and purpose and per
client address, so the same limits apply (after
IDENTITY_CHECK_MAX_FAILURES in a day, or IDENTITY_CHECK_MAX_FAILURES_PER_IP from one
address, the step rests for IDENTITY_CHECK_LOCK_MINUTES). When a rest starts it is audited
and the debtor is told at once on every channel: whoever is typing may not be them."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from negotiation.exceptions import (
    MandatePaused,
    PasswordTriesPaused,
    SigningPaused,
    WrongPassword,
)
from negotiation.models import (
    AuditAction,
    CodePurpose,
    Debtor,
    IdentityCheckFailure,
    NotificationEvent,
    User,
)
from negotiation.selectors.onboarding import AccessLink, failures_for, locked_until
from negotiation.services.audit import record_event
from negotiation.services.notifications import ALL_CHANNELS, notify_debtor

_PAUSED: dict[str, type[PasswordTriesPaused]] = {
    CodePurpose.CONTACT_CHANGE: PasswordTriesPaused,
    CodePurpose.SIGNING: SigningPaused,
    CodePurpose.MANDATE: MandatePaused,
}


def check_password_again(
    debtor: Debtor,
    user: User,
    password: str,
    *,
    purpose: CodePurpose,
    ip: str | None,
    now: dt.datetime,
) -> None:
    """Nothing when ``password`` is the sign-in's and the step does not rest.

    Raises ``WrongPassword`` (the try is counted), or ``PasswordTriesPaused`` (for a
    signature its ``SigningPaused``) while the step rests, the password then unread. The
    try that starts a rest writes an IDENTITY_CHECK_LOCKED audit row and a
    PASSWORD_CHECK_PAUSED message to the debtor."""
    paused = _PAUSED[purpose]
    attempt = AccessLink(purpose=purpose, debtor=debtor)
    until = locked_until(attempt, ip, now=now)
    if until is not None:
        raise paused(until, now=now)
    if user.check_password(password):
        return
    IdentityCheckFailure.objects.create(at=now, purpose=purpose, debtor=debtor, ip=ip)
    until = locked_until(attempt, ip, now=now)
    if until is None:
        raise WrongPassword
    _pause_started(debtor, user, attempt, until=until, ip=ip, now=now)
    raise paused(until, now=now)


def _pause_started(
    debtor: Debtor,
    user: User,
    attempt: AccessLink,
    *,
    until: dt.datetime,
    ip: str | None,
    now: dt.datetime,
) -> None:
    notify_debtor(
        debtor,
        NotificationEvent.PASSWORD_CHECK_PAUSED,
        key=f"{debtor.reference}:{attempt.purpose}:{until.isoformat()}",
        context={"minutes": str(settings.IDENTITY_CHECK_LOCK_MINUTES)},
        channels=ALL_CHANNELS,
    )
    record_event(
        debtor,
        actor=user,
        action=AuditAction.IDENTITY_CHECK_LOCKED,
        after={
            "purpose": attempt.purpose,
            "invitation": None,
            "until": until,
            "failures": failures_for(attempt, now=now).count(),
        },
        ip=ip,
    )
