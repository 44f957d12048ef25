"""The way into the portal for debtors the bank imported: invitations (staff send, resend,
revoke), the identity check behind every link (national ID, a card's last four digits, a
code by SMS), setting up the sign-in, and choosing a new password after forgetting it.

Every staff action and every change of a sign-in is audited on the debtor. Links go out
through the outbox (services.notifications); codes straight to the phone (services.codes)."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from negotiation.exceptions import (
    ActionNotPermitted,
    AlreadyActivated,
    IdentityCheckPaused,
    IdentityNotConfirmed,
    LinkNotUsable,
    NoMobileNumber,
)
from negotiation.models import (
    AuditAction,
    Debtor,
    IdentityCheckFailure,
    ImportRun,
    Invitation,
    InvitationState,
    Notification,
    NotificationChannel,
    NotificationEvent,
    OneTimeCode,
    User,
)
from negotiation.models.debtors import hash_national_id
from negotiation.models.invitations import token_hash
from negotiation.queueing import INVITE_IMPORT, delay_after_commit
from negotiation.roles import INVITE_DEBTOR
from negotiation.selectors.onboarding import (
    FAILURE_WINDOW,
    AccessLink,
    debtor_with_email,
    debtors_with_phone,
    failures_for,
    locked_until,
)
from negotiation.services.audit import record_event
from negotiation.services.notifications import EXTERNAL_CHANNELS, notify_debtor

logger = logging.getLogger(__name__)

# At most this many reset links to one debtor an hour: nobody fills a phone or a mailbox.
RESETS_PER_HOUR = 3


def portal_link(path: str) -> str:
    """An absolute link to ``path`` in the portal, for messages sent outside a request."""
    return f"{settings.PORTAL_URL}{path}"


# Invitations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedInvitation:
    """An invitation just sent, with its link: the one moment the link exists outside the
    message (seed_demo prints it; nothing stores it)."""

    invitation: Invitation
    link: str


@dataclass
class InvitationOutcome:
    """What ``invite_debtors`` did, for the staff page's message."""

    issued: list[IssuedInvitation] = field(default_factory=list)
    already_invited: int = 0
    already_active: int = 0
    without_mobile: int = 0


def _require_inviter(actor: User) -> None:
    if not actor.has_perm(INVITE_DEBTOR):
        raise ActionNotPermitted


def invite_debtors(
    debtors: QuerySet[Debtor] | Iterable[int], *, actor: User, now: dt.datetime
) -> InvitationOutcome:
    """Invite every debtor given (a queryset, such as the debtors of an import, or their
    ids) who has no sign-in yet, no link still open, and a mobile number (the identity
    check texts a code to it). An expired link is replaced. Each invitation is audited and
    its link sent by email and SMS (whichever the debtor has), in their language, within
    contact hours.

    Raises ``ActionNotPermitted`` without ``invite_debtor``."""
    _require_inviter(actor)
    ids = (
        list(debtors.values_list("pk", flat=True))
        if isinstance(debtors, QuerySet)
        else list(debtors)
    )
    outcome = InvitationOutcome()
    with transaction.atomic():
        # Locked, so two staff inviting the same import at once send one link each.
        for debtor in Debtor.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
            if debtor.user_id is not None:
                outcome.already_active += 1
            elif not debtor.phone:
                outcome.without_mobile += 1
            elif _open_invitation(debtor, now) is not None:
                outcome.already_invited += 1
            else:
                outcome.issued.append(_issue(debtor, actor=actor, now=now))
    return outcome


# An import's debtors are invited in the background, this many to a transaction: each
# chunk's locks are short, its counts show on the import's page, and a round that stops
# half-way loses nothing (asking again invites only whoever is still without a link).
INVITATION_CHUNK = 500
# A round not finished this long after it was asked for is taken as lost (its worker
# stopped without a word): staff may ask again. A round of 100,000 takes minutes.
INVITATION_ROUND_LOST_AFTER = dt.timedelta(hours=1)


def invitations_on_their_way(run: ImportRun, now: dt.datetime) -> bool:
    """A round of invitations for ``run`` is being sent and not taken as lost."""
    requested = run.invitations_requested_at
    return run.inviting and requested is not None and now - requested < INVITATION_ROUND_LOST_AFTER


def request_import_invitations(run: ImportRun, *, actor: User, now: dt.datetime) -> bool:
    """Ask for every debtor of ``run`` to be invited (``invite_debtors``' rules), sent by a
    task after the commit. False when a round for this import is still on its way, so two
    clicks send one round. Audited on the run. Raises ``ActionNotPermitted``."""
    _require_inviter(actor)
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update().get(pk=run.pk)
        if invitations_on_their_way(locked, now):
            return False
        debtors = Debtor.objects.filter(import_run=locked).count()
        locked.invitations_requested_at = now
        locked.invitations_requested_by = actor
        locked.invitations_finished_at = None
        locked.invitation_counts = {"debtors": debtors, "done": 0}
        locked.save(
            update_fields=[
                "invitations_requested_at",
                "invitations_requested_by",
                "invitations_finished_at",
                "invitation_counts",
            ]
        )
        record_event(
            locked,
            actor=actor,
            action=AuditAction.IMPORT_INVITATIONS_REQUESTED,
            after={"debtors": debtors},
        )
        delay_after_commit(INVITE_IMPORT, locked.pk)
    return True


def invite_import_debtors(run_id: int, *, now: dt.datetime) -> dict[str, int | bool]:
    """The task's work: invite the debtors of import ``run_id`` as the staff member who
    asked, ``INVITATION_CHUNK`` at a time, the counts saved on the run after each chunk.
    A round that ends early (the asker lost the right to invite, the database went away)
    is marked stopped, so the page says so and staff can ask again."""
    run = ImportRun.objects.select_related("invitations_requested_by").get(pk=run_id)
    actor = run.invitations_requested_by
    ids = list(Debtor.objects.filter(import_run=run).order_by("pk").values_list("pk", flat=True))
    counts: dict[str, int | bool] = {
        "debtors": len(ids),
        "done": 0,
        "sent": 0,
        "already_active": 0,
        "already_invited": 0,
        "without_mobile": 0,
        "stopped": True,  # until the last chunk is done
    }
    try:
        if actor is None:
            raise ActionNotPermitted
        for start in range(0, len(ids), INVITATION_CHUNK):
            chunk = ids[start : start + INVITATION_CHUNK]
            outcome = invite_debtors(chunk, actor=actor, now=now)
            counts["done"] = int(counts["done"]) + len(chunk)
            counts["sent"] = int(counts["sent"]) + len(outcome.issued)
            counts["already_active"] = int(counts["already_active"]) + outcome.already_active
            counts["already_invited"] = int(counts["already_invited"]) + outcome.already_invited
            counts["without_mobile"] = int(counts["without_mobile"]) + outcome.without_mobile
            ImportRun.objects.filter(pk=run.pk).update(invitation_counts=counts)
        counts["stopped"] = False
    finally:
        _finish_invitations(run, actor, counts)
    return counts


def _finish_invitations(run: ImportRun, actor: User | None, counts: dict[str, int | bool]) -> None:
    with transaction.atomic():
        ImportRun.objects.filter(pk=run.pk).update(
            invitation_counts=counts, invitations_finished_at=timezone.now()
        )
        # On behalf of the staff member who asked, as each invitation of the round is.
        record_event(
            run, actor=actor, action=AuditAction.IMPORT_INVITATIONS_FINISHED, after=dict(counts)
        )


def resend_invitation(debtor: Debtor, *, actor: User, now: dt.datetime) -> IssuedInvitation:
    """A new link for ``debtor``; the one before (open or expired) stops working. Both
    audited. Raises ``AlreadyActivated``, ``NoMobileNumber`` or ``ActionNotPermitted``."""
    _require_inviter(actor)
    with transaction.atomic():
        locked = Debtor.objects.select_for_update().get(pk=debtor.pk)
        if locked.user_id is not None:
            raise AlreadyActivated
        if not locked.phone:
            raise NoMobileNumber
        return _issue(locked, actor=actor, now=now)


def revoke_invitation(debtor: Debtor, *, actor: User, now: dt.datetime) -> int:
    """End ``debtor``'s open link, if any (audited). How many were ended (0 or 1)."""
    _require_inviter(actor)
    with transaction.atomic():
        locked = Debtor.objects.select_for_update().get(pk=debtor.pk)
        return _end_unused(locked, actor=actor, now=now, reason="revoked")


def _open_invitation(debtor: Debtor, now: dt.datetime) -> Invitation | None:
    return debtor.invitations.filter(
        used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).first()


def _end_unused(debtor: Debtor, *, actor: User, now: dt.datetime, reason: str) -> int:
    """Revoke every unused link of ``debtor`` not yet revoked (at most one, by the
    database's constraint), open or expired."""
    ended = 0
    for invitation in debtor.invitations.select_for_update().filter(
        used_at__isnull=True, revoked_at__isnull=True
    ):
        state = invitation.state(now)
        invitation.revoked_at = now
        invitation.revoked_by = actor
        invitation.save(update_fields=["revoked_at", "revoked_by"])
        record_event(
            debtor,
            actor=actor,
            action=AuditAction.INVITATION_REVOKED,
            before={"state": state},
            after={"invitation": invitation.reference, "reason": reason},
        )
        ended += 1
    return ended


def _issue(debtor: Debtor, *, actor: User, now: dt.datetime) -> IssuedInvitation:
    previous = debtor.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).first()
    _end_unused(debtor, actor=actor, now=now, reason="replaced")
    token = secrets.token_urlsafe(32)
    hours: int = settings.INVITATION_VALID_HOURS
    invitation = Invitation.objects.create(
        debtor=debtor,
        token_hash=token_hash(token),
        created_at=now,
        created_by=actor,
        expires_at=now + dt.timedelta(hours=hours),
    )
    link = portal_link(reverse("negotiation:activate", args=[token]))
    sent = notify_debtor(
        debtor,
        NotificationEvent.INVITATION,
        key=invitation.reference,
        context={"link": link, "hours": str(hours)},
        channels=EXTERNAL_CHANNELS,
    )
    record_event(
        debtor,
        actor=actor,
        action=AuditAction.INVITATION_SENT,
        after={
            "invitation": invitation.reference,
            "expires_at": invitation.expires_at,
            "channels": sorted(n.channel for n in sent),
            "replaces": previous.reference if previous else None,
        },
    )
    return IssuedInvitation(invitation, link)


# The identity check ------------------------------------------------------------------------


def confirm_identity(
    link: AccessLink,
    *,
    national_id: str,
    card_last4: str,
    ip: str | None,
    now: dt.datetime,
) -> None:
    """Whether the holder of ``link`` knows the debtor's national ID number and the last four
    digits of one of their cards. Both are compared whatever the first gives, and a
    mismatch says nothing of which answer was wrong.

    Raises ``IdentityCheckPaused`` while the link rests (too many answers that did not match,
    on the link or from the address), ``IdentityNotConfirmed`` for answers that do not
    match (the failure is recorded, and audited when it rests the link)."""
    until = locked_until(link, ip, now=now)
    if until is not None:
        raise IdentityCheckPaused(until)
    debtor = link.debtor
    id_matches = hmac.compare_digest(hash_national_id(national_id), debtor.national_id_hash)
    card_matches = debtor.accounts.filter(card_last4=card_last4).exists()
    if id_matches and card_matches:
        return
    IdentityCheckFailure.objects.create(
        at=now, purpose=link.purpose, debtor=debtor, invitation=link.invitation, ip=ip
    )
    failures = failures_for(link, now=now).count()
    until = locked_until(link, ip, now=now)
    if failures == settings.IDENTITY_CHECK_MAX_FAILURES and until is not None:
        record_event(
            debtor,
            actor=None,
            actor_label="portal",
            action=AuditAction.IDENTITY_CHECK_LOCKED,
            after={
                "purpose": link.purpose,
                "invitation": link.invitation.reference if link.invitation else None,
                "until": until,
                "failures": failures,
            },
            ip=ip,
        )
    if until is not None:
        raise IdentityCheckPaused(until)
    raise IdentityNotConfirmed


# Setting up the sign-in ----------------------------------------------------------------------


def activate_debtor(
    invitation: Invitation, *, password: str, ip: str | None, now: dt.datetime
) -> User:
    """The end of an invitation: the debtor's sign-in, with ``password`` (already checked
    against the password validators by the form), linked to their record; the link is used
    up. Their email becomes the sign-in's unless another sign-in has it (then they sign in
    with their mobile number). Audited with the new user as the actor.

    Raises ``LinkNotUsable`` if the link was used, revoked or expired meanwhile, or the
    debtor already has a sign-in."""
    with transaction.atomic():
        locked = (
            Invitation.objects.select_for_update().select_related("debtor").get(pk=invitation.pk)
        )
        debtor = Debtor.objects.select_for_update().get(pk=locked.debtor_id)
        if locked.state(now) != InvitationState.OPEN or debtor.user_id is not None:
            raise LinkNotUsable
        user = User(username=_free_username(debtor), email=_free_email(debtor))
        user.set_password(password)
        user.save()
        debtor.user = user
        debtor.save(update_fields=["user"])
        locked.used_at = now
        locked.save(update_fields=["used_at"])
        record_event(
            debtor,
            actor=user,
            action=AuditAction.DEBTOR_ACTIVATED,
            after={"user": user.get_username(), "invitation": locked.reference},
            ip=ip,
        )
    return user


def _free_username(debtor: Debtor) -> str:
    """The debtor's reference, lower case (nobody types it: debtors sign in with their
    email or mobile number); a suffix in the unlikely case a staff username has it."""
    base = debtor.reference.lower()
    name, n = base, 1
    while User.objects.filter(username=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _free_email(debtor: Debtor) -> str:
    if debtor.email and not User.objects.filter(email__iexact=debtor.email).exists():
        return debtor.email
    if debtor.email:
        logger.info("debtor %s: email already used by another sign-in", debtor.reference)
    return ""


# Choosing a new password -------------------------------------------------------------------


def send_password_reset(identifier: str, *, ip: str | None, now: dt.datetime) -> bool:
    """Send a reset link to the email or mobile number ``identifier``, if it is one
    debtor's sign-in (a number shared by several sign-ins finds none); at most three an
    hour per debtor. Whether a link was sent: the page says the same either way, so the
    answer never tells whether an address has a sign-in. Audited when sent."""
    if "@" in identifier:
        debtor = debtor_with_email(identifier)
        channel = NotificationChannel.EMAIL
    else:
        found = debtors_with_phone(identifier)
        debtor = found[0] if len(found) == 1 else None
        channel = NotificationChannel.SMS
    if debtor is None or debtor.user is None:
        return False
    recent = Notification.objects.filter(
        debtor=debtor,
        template=NotificationEvent.PASSWORD_RESET,
        created_at__gt=now - dt.timedelta(hours=1),
    ).count()
    if recent >= RESETS_PER_HOUR:
        return False
    token = default_token_generator.make_token(debtor.user)
    link = portal_link(reverse("password_reset_confirm", args=[debtor.reference, token]))
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    with transaction.atomic():
        sent = notify_debtor(
            debtor,
            NotificationEvent.PASSWORD_RESET,
            key=f"{debtor.reference}:{now.isoformat()}",
            context={"link": link, "minutes": str(minutes)},
            channels=[channel],
        )
        if not sent:
            return False
        record_event(
            debtor,
            actor=None,
            actor_label="portal",
            action=AuditAction.PASSWORD_RESET_SENT,
            after={"channel": channel},
            ip=ip,
        )
    return True


def reset_password(link: AccessLink, *, password: str, ip: str | None, now: dt.datetime) -> User:
    """The debtor's new password, after the identity check and the code. Every other session
    of theirs ends on its next request: Django keeps a digest of the password hash in each
    session and signs out a session whose digest no longer matches. The debtor is told on
    the channels the reset link did not go to (SMS after a reset by email, and the other way
    round; their only channel if they have one), and in the portal's inbox. Audited.

    Raises ``LinkNotUsable`` if the debtor's sign-in is gone or no longer active."""
    with transaction.atomic():
        debtor = Debtor.objects.select_for_update().get(pk=link.debtor.pk)
        user = (
            User.objects.select_for_update().filter(pk=debtor.user_id).first()
            if debtor.user_id is not None
            else None
        )
        if user is None or not user.is_active or user.is_staff:
            raise LinkNotUsable
        user.set_password(password)
        user.save(update_fields=["password"])
        # The new password works at once, even if wrong guesses paused signing in: the
        # identity check and the code stand in for it (django-axes' count for the account).
        axes_reset(username=f"user:{user.pk}")
        channels = _other_channels(debtor, now)
        told = notify_debtor(
            debtor,
            NotificationEvent.PASSWORD_CHANGED,
            key=f"{debtor.reference}:{now.isoformat()}",
            context={"changed_on": timezone.localdate(now).isoformat()},
            channels=[NotificationChannel.PORTAL, *channels],
        )
        record_event(
            debtor,
            actor=user,
            action=AuditAction.PASSWORD_RESET,
            after={"user": user.get_username(), "notified": sorted(n.channel for n in told)},
            ip=ip,
        )
    return user


def _other_channels(debtor: Debtor, now: dt.datetime) -> list[str]:
    """The debtor's channels the recent reset links did not use (so someone who holds only
    the mailbox cannot keep the change from the phone's owner, nor the other way round);
    all of them if that leaves none."""
    have: list[str] = [
        c for c in EXTERNAL_CHANNELS if (debtor.email if c == "email" else debtor.phone)
    ]
    since = now - dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    used = set(
        Notification.objects.filter(
            debtor=debtor, template=NotificationEvent.PASSWORD_RESET, created_at__gt=since
        ).values_list("channel", flat=True)
    )
    others = [c for c in have if c not in used]
    return others or have


# Kept a little longer than any limit reads them (a day for failures, an hour for codes), so
# a purge can never lift a rest early.
FAILURES_KEPT = FAILURE_WINDOW * 2
CODES_KEPT = dt.timedelta(days=1)


def purge_identity_records(*, now: dt.datetime) -> int:
    """Delete the identity-check failures and one-time codes no limit reads any more (a
    daily job): a code is a secret's hash and a failure holds an address, and neither is
    needed once it can no longer count. Returns how many rows went."""
    with transaction.atomic():
        failures, _by_model = IdentityCheckFailure.objects.filter(
            at__lt=now - FAILURES_KEPT
        ).delete()
        codes, _by_model = OneTimeCode.objects.filter(expires_at__lt=now - CODES_KEPT).delete()
    logger.info("purged %d identity-check failures and %d one-time codes", failures, codes)
    return failures + codes
