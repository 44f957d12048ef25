"""An invitation to the portal: the link that lets one imported debtor set up their sign-in.

The link carries a random token (256 bits); only its SHA-256 is stored, so the table, a
backup or a staff page never holds a usable link. A token that long cannot be guessed, so a
plain hash is enough (a keyed one protects short secrets, like the one-time codes). The link
works once (``used_at``), until ``expires_at`` (``INVITATION_VALID_HOURS``), and not after
staff revoke it or send a new one (``revoked_at``). It names nobody: the page asks for the
national ID, a card's last four digits and a code sent to the phone on file.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from negotiation.references import new_invitation_reference


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationState(models.TextChoices):
    OPEN = "open", _("Waiting for the debtor")
    USED = "used", _("Used: the debtor has set up their sign-in")
    REVOKED = "revoked", _("Revoked or replaced by a newer link")
    EXPIRED = "expired", _("Expired unused")


class Invitation(models.Model):
    reference = models.CharField(
        max_length=16, unique=True, default=new_invitation_reference, verbose_name=_("reference")
    )
    debtor = models.ForeignKey(
        "negotiation.Debtor",
        on_delete=models.PROTECT,
        related_name="invitations",
        verbose_name=_("debtor"),
    )
    token_hash = models.CharField(max_length=64, unique=True, verbose_name=_("token (hash)"))
    created_at = models.DateTimeField(_("sent at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    expires_at = models.DateTimeField(_("valid until"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        permissions = [("invite_debtor", "Can invite debtors to the portal")]
        constraints = [
            # One link at a time: a new one revokes the one before (services.onboarding).
            models.UniqueConstraint(
                fields=["debtor"],
                condition=models.Q(used_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_debtor",
                violation_error_message=_("This debtor already has an invitation link that works."),
            ),
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="invitation_used_or_revoked_not_both",
                violation_error_message=_("An invitation is either used or revoked, not both."),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def state(self, now: dt.datetime) -> InvitationState:
        if self.used_at is not None:
            return InvitationState.USED
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if self.expires_at <= now:
            return InvitationState.EXPIRED
        return InvitationState.OPEN


class PortalAccess(models.TextChoices):
    """Where a debtor stands on the way into the portal, for the staff site."""

    ACTIVE = "active", _("Signed up")
    INVITED = "invited", _("Invited, link open")
    EXPIRED = "expired", _("Invited, link expired")
    NOT_INVITED = "not_invited", _("Not invited")


def open_invitations() -> models.Q:
    """Links neither used nor revoked (open, or expired unused)."""
    return models.Q(used_at__isnull=True, revoked_at__isnull=True)
