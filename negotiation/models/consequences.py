"""What arrears lead to, as content (ConsequenceRule), and the formal collection notices
the bank has sent (CollectionNotice), which some consequences depend on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from negotiation import delinquency
from negotiation.models.programs import ReliefKind


class ConsequenceRule(models.Model):
    """One version of one consequence, in one language, for one jurisdiction. A new version
    (same key, later ``effective_from``) supersedes the old from its date; the old stays for
    the record. Supervisors and compliance edit them in the admin; every change is audited."""

    key = models.SlugField(_("key"), max_length=40)  # the same consequence across versions
    position = models.PositiveSmallIntegerField(_("position"), default=0)  # order of the list
    jurisdiction = models.CharField(_("jurisdiction"), max_length=8, default="CN")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    from_day = models.PositiveSmallIntegerField(
        _("applies from day of arrears"),
        null=True,
        blank=True,
        help_text=_("Empty when it does not follow from the days alone (a court's decision)."),
    )
    # Bank practice, not law (when a bank reports to the bureau, freezes a card or sues):
    # the date shown is the earliest it can happen, and the page says "at the earliest".
    date_is_earliest = models.BooleanField(
        _("the date is the earliest, not a fixed date"),
        default=False,
        help_text=_("Tick when the day follows the bank's practice rather than a law."),
    )
    min_principal = models.DecimalField(
        _("minimum principal"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    min_notices = models.PositiveSmallIntegerField(
        _("minimum effective collection notices"), null=True, blank=True
    )
    min_notice_gap_days = models.PositiveSmallIntegerField(
        _("minimum days between the first two notices"), null=True, blank=True
    )
    months_after_second_notice = models.PositiveSmallIntegerField(
        _("months unpaid after the second notice (more than)"), null=True, blank=True
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("plain-language explanation"))
    how_to_avoid = models.TextField(_("how to avoid it"))
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    # An option named in what the debtor can do (an interest freeze) applies only to some
    # accounts: its sentence is said only where an option of that kind is open today.
    option_kind = models.CharField(
        _("option it speaks of"),
        max_length=20,
        choices=ReliefKind.choices,
        blank=True,
        default="",
        help_text=_("Leave empty when the text below names no particular option."),
    )
    option_text = models.TextField(
        _("sentence about the option"),
        blank=True,
        default="",
        help_text=_(
            "Said after “how to avoid it”, only to a debtor who can have an option of this "
            "kind today."
        ),
    )
    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["jurisdiction", "language", "position", "key", "-effective_from"]
        verbose_name = _("consequence rule")
        verbose_name_plural = _("consequence rules")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "jurisdiction", "language", "effective_from"],
                name="one_version_per_day",
                violation_error_message=_(
                    "This rule already has a version in this language from that day."
                ),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(key)s (%(language)s, from %(day)s)") % {
            "key": self.key,
            "language": self.get_language_display(),
            "day": self.effective_from,
        }

    def as_consequence(self) -> delinquency.Consequence:
        return delinquency.Consequence(
            key=self.key,
            from_day=self.from_day,
            title=self.title,
            body=self.body,
            how_to_avoid=self.how_to_avoid,
            legal_basis=self.legal_basis,
            date_is_earliest=self.date_is_earliest,
            option_kind=self.option_kind,
            option_text=self.option_text,
            conditions=delinquency.Conditions(
                min_principal=self.min_principal,
                min_notices=self.min_notices,
                min_notice_gap_days=self.min_notice_gap_days,
                months_after_second_notice=self.months_after_second_notice,
            ),
        )


class NoticeChannel(models.TextChoices):
    REGISTERED_LETTER = "registered_letter", _("Registered letter")
    LETTER = "letter", _("Letter")
    SMS = "sms", _("Text message")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone call (recorded)")
    IN_PERSON = "in_person", _("In person")


class CollectionNotice(models.Model):
    """A formal collection notice (催收通知) the bank sent, with proof of receipt. Only a
    delivered notice is *effective*; some consequences depend on two of them."""

    account = models.ForeignKey(
        "negotiation.CreditAccount",
        on_delete=models.PROTECT,
        related_name="notices",
        verbose_name=_("account"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=NoticeChannel.choices)
    sent_at = models.DateTimeField(_("sent at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    # What the notice said, in the words the debtor received: the account page lists it.
    text = models.TextField(_("what the notice said"), blank=True, default="")
    evidence = models.TextField(
        _("evidence of receipt"),
        blank=True,
        help_text=_("Tracking number, signed receipt, call recording reference."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("collection notice")
        verbose_name_plural = _("collection notices")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(delivered_at__isnull=True)
                | models.Q(delivered_at__gte=models.F("sent_at")),
                name="notice_delivered_after_sent",
                violation_error_message=_("A notice cannot be received before it was sent."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.sent_at:%Y-%m-%d}"
