"""Proving who you are without a password: one-time codes sent by SMS, and the record of
answers that did not match, which pauses a link after too many.

A code has six digits, so a plain hash of it would be undone by trying the million
possibilities: it is stored as an HMAC keyed with the secret key and a salt of its own
(``services.codes``), and lives five minutes and five tries."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

CODE_DIGITS = 6
CODE_VALID = dt.timedelta(minutes=5)
CODE_MAX_TRIES = 5
# A new code at most once a minute and five an hour, so nobody fills a phone with texts.
CODE_RESEND_AFTER = dt.timedelta(minutes=1)
CODES_PER_HOUR = 5


class CodePurpose(models.TextChoices):
    ACTIVATION = "activation", _("Setting up a sign-in")
    RESET = "reset", _("Choosing a new password")
    CONTACT_CHANGE = "contact_change", _("Changing contact details")
    SIGNING = "signing", _("Signing a plan")
    MANDATE = "mandate", _("Setting up automatic repayment")


class OneTimeCode(models.Model):
    debtor = models.ForeignKey(
        "negotiation.Debtor",
        on_delete=models.CASCADE,
        related_name="one_time_codes",
        verbose_name=_("debtor"),
    )
    purpose = models.CharField(
        max_length=16, choices=CodePurpose.choices, verbose_name=_("purpose")
    )
    code_hash = models.CharField(max_length=64, verbose_name=_("code (hash)"))
    salt = models.CharField(max_length=32, verbose_name=_("salt"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("used at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [models.Index(fields=["debtor", "purpose", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(attempts__lte=CODE_MAX_TRIES),
                name="one_time_code_tries",
                violation_error_message=_(
                    "This code has been tried too many times. Please ask for a new one."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.debtor_id}"


class IdentityCheckFailure(models.Model):
    """One identity check whose answers did not match: counted per link (an invitation, or
    a debtor's password reset) and per client address, to pause further tries
    (``selectors.onboarding.locked_until``)."""

    at = models.DateTimeField(verbose_name=_("at"))
    purpose = models.CharField(
        max_length=16, choices=CodePurpose.choices, verbose_name=_("purpose")
    )
    debtor = models.ForeignKey(
        "negotiation.Debtor",
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        verbose_name=_("debtor"),
    )
    invitation = models.ForeignKey(
        "negotiation.Invitation",
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        verbose_name=_("invitation"),
    )
    ip = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("IP address"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("failed identity check")
        verbose_name_plural = _("failed identity checks")
        indexes = [
            models.Index(fields=["invitation", "at"]),
            models.Index(fields=["debtor", "purpose", "at"]),
            models.Index(fields=["ip", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} check failed at {self.at:%Y-%m-%d %H:%M}"
