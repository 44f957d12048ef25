from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """A message on a request. ``internal`` notes are for staff only and never shown to the
    debtor (every debtor-facing read filters them out)."""

    request = models.ForeignKey(
        "negotiation.ReliefRequest",
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("request"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("message"), max_length=4000)
    internal = models.BooleanField(_("internal note"), default=False)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["request", "created_at"])]

    def __str__(self) -> str:
        return f"{self.request.reference} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def from_debtor(self) -> bool:
        return not self.author.is_staff


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Portal")
    LETTER = "letter", _("Letter")
    IN_PERSON = "in_person", _("In person")


class ContactDirection(models.TextChoices):
    OUTBOUND = "outbound", _("We contacted the debtor")
    INBOUND = "inbound", _("The debtor contacted us")


class ContactOutcome(models.TextChoices):
    SPOKE = "spoke", _("Spoke with the debtor")
    NO_ANSWER = "no_answer", _("No answer")
    LEFT_MESSAGE = "left_message", _("Left a message")
    PROMISE_TO_PAY = "promise_to_pay", _("Promise to pay")
    DISPUTE = "dispute", _("Debtor disputes the debt")
    ASKED_NOT_TO_CALL = "asked_not_to_call", _("Asked not to be called")
    OTHER = "other", _("Other")


class ContactRecord(models.Model):
    """Every contact with the debtor, on any channel: who, when, how, what came of it
    (DOMAIN.md, conduct rules). Only ever with the debtor, never a third party."""

    debtor = models.ForeignKey(
        "negotiation.Debtor", on_delete=models.PROTECT, related_name="contacts"
    )
    account = models.ForeignKey(
        "negotiation.CreditAccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    request = models.ForeignKey(
        "negotiation.ReliefRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
    )
    channel = models.CharField(_("channel"), max_length=12, choices=ContactChannel.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=ContactDirection.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=ContactOutcome.choices)
    note = models.TextField(_("note"), blank=True, max_length=4000)
    at = models.DateTimeField(_("when"))
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("contact record")
        verbose_name_plural = _("contact records")
        indexes = [models.Index(fields=["debtor", "at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.at:%Y-%m-%d %H:%M}"
