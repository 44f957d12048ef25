"""What the outbox holds, for the readiness check."""

from __future__ import annotations

from django.utils import timezone

from negotiation.models import Notification, NotificationChannel, NotificationStatus


def oldest_due_message_age() -> int | None:
    """Seconds the oldest email or SMS whose time has come has waited unsent (None when
    none waits): more than a few minutes means no worker or dispatcher is sending."""
    now = timezone.now()
    oldest = (
        Notification.objects.filter(
            channel__in=(NotificationChannel.EMAIL, NotificationChannel.SMS),
            status=NotificationStatus.PENDING,
            scheduled_for__lte=now,
        )
        .order_by("scheduled_for")
        .values_list("scheduled_for", flat=True)
        .first()
    )
    return None if oldest is None else int((now - oldest).total_seconds())
