from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationChannel(models.TextChoices):
    PORTAL = "portal", _("Portal inbox")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    WITHHELD = "withheld", _("Withheld (account in dispute)")


class Notification(models.Model):
    """One message to the debtor on one channel, written in the same transaction as the
    event that causes it. ``dedupe_key`` makes writing it twice impossible."""

    debtor = models.ForeignKey(
        "negotiation.Debtor", on_delete=models.CASCADE, related_name="notifications"
    )
    request = models.ForeignKey(
        "negotiation.ReliefRequest",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(max_length=8, choices=NotificationChannel.choices)
    template = models.CharField(max_length=64)  # names what happened: "request.approved", ...
    context = models.JSONField(default=dict, blank=True)
    scheduled_for = models.DateTimeField()
    status = models.CharField(
        max_length=8, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    dedupe_key = models.CharField(max_length=120, unique=True)
    # The occasion (event and key) without the channel: one reminder by email and SMS is
    # one contact for the 7-in-7 cap.
    occasion = models.CharField(max_length=110, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)  # why the last attempt failed, for the admin
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)  # portal inbox only
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["debtor", "channel", "read_at"]),
            models.Index(fields=["status", "scheduled_for"]),
        ]
        permissions = [("resend_notification", "Can send a failed notification again")]

    def __str__(self) -> str:
        return f"{self.template} to {self.debtor_id} by {self.channel}"
