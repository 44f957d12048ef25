"""Messages to the debtor: one Notification row per channel, written in the transaction of
the event that causes it; the email is sent after commit by a task."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from negotiation import policy
from negotiation.models import (
    AccountStatus,
    Debtor,
    Notification,
    NotificationChannel,
    NotificationStatus,
    ReliefRequest,
)

# What the debtor is told about, in the portal and by email. The portal inbox shows the
# text of ``templates/negotiation/_notification_text.html`` for each.
REQUEST_EVENTS = frozenset(
    {
        "request.approved",
        "request.rejected",
        "request.needs_info",
        "request.counter_offered",
        "request.awaiting_second_approval",
    }
)
PLAN_EVENTS = frozenset(
    {"installment.overdue", "plan.broken", "plan.expired", "plan.signature_reminder"}
)
# Reminders are capped and stop during a dispute; decisions and outcomes always go out.
REMINDER_EVENTS = frozenset({"installment.overdue", "plan.signature_reminder"})
REMINDER_CAP = (
    7,
    dt.timedelta(days=7),
)  # at most 7 a week per account (Regulation F's presumption)


def notify_request_event(request: ReliefRequest, event: str) -> list[Notification]:
    """Tell the debtor that ``event`` happened to ``request``: a portal notification (shown
    at once) and an email (sent after commit). Idempotent per request version: writing the
    same event twice changes nothing (unique ``dedupe_key``)."""
    return notify_debtor(
        request.account.debtor,
        event,
        key=f"{request.reference}:v{request.version}",
        request=request,
        context={"reference": request.reference},
    )


def notify_debtor(
    debtor: Debtor,
    event: str,
    *,
    key: str,
    request: ReliefRequest | None = None,
    context: dict[str, str] | None = None,
) -> list[Notification]:
    """A portal notification and an email about ``event``; ``key`` names the occasion, so
    the same occasion never notifies twice (a job run twice writes nothing new).

    The portal notice is immediate. The email keeps the contact rules: scheduled for the
    next time within 08:00-21:00 in the debtor's timezone; for reminders, none while the
    account is disputed and at most 7 per account in 7 days (decisions are not capped)."""
    now = timezone.now()
    written = []
    for channel in (NotificationChannel.PORTAL, NotificationChannel.EMAIL):
        if channel == NotificationChannel.EMAIL and not _may_email(debtor, event, request, now):
            continue
        scheduled = now if channel == NotificationChannel.PORTAL else _in_contact_hours(debtor, now)
        notification, created = Notification.objects.get_or_create(
            dedupe_key=f"{event}:{key}:{channel}",
            defaults={
                "debtor": debtor,
                "request": request,
                "channel": channel,
                "template": event,
                "context": context or {},
                "scheduled_for": scheduled,
                "status": NotificationStatus.SENT
                if channel == NotificationChannel.PORTAL
                else NotificationStatus.PENDING,
            },
        )
        if created:
            written.append(notification)
            if channel == NotificationChannel.EMAIL and scheduled <= now:
                _send_after_commit(notification.pk)  # later ones: the dispatcher sends them
    return written


def _in_contact_hours(debtor: Debtor, now: dt.datetime) -> dt.datetime:
    try:
        tz: dt.tzinfo = ZoneInfo(debtor.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo(settings.TIME_ZONE)
    return policy.next_allowed_time(now, tz)


def _may_email(debtor: Debtor, event: str, request: ReliefRequest | None, now: dt.datetime) -> bool:
    if not debtor.email:
        return False
    if event not in REMINDER_EVENTS:
        return True
    account = request.account if request is not None else None
    if account is not None and account.status == AccountStatus.DISPUTED:
        return False  # a dispute puts reminders on hold until staff resolve it
    limit, window = REMINDER_CAP
    sent_lately = Notification.objects.filter(
        debtor=debtor,
        channel__in=[NotificationChannel.EMAIL, NotificationChannel.SMS],
        template__in=REMINDER_EVENTS,
        request__account=account,
        created_at__gte=now - window,
    ).count()
    return sent_lately < limit


def send_due_notifications(*, now: dt.datetime) -> int:
    """The dispatcher: send every pending email whose time has come (those scheduled for
    contact hours). Each is sent by ``send_email_notification``, which sends it once."""
    due = Notification.objects.filter(
        channel=NotificationChannel.EMAIL, status=NotificationStatus.PENDING, scheduled_for__lte=now
    ).values_list("pk", flat=True)
    for pk in list(due):
        send_email_notification(pk)
    return len(due)


def _send_after_commit(notification_id: int) -> None:
    from negotiation.tasks import send_notification

    def send() -> None:  # named: robust on_commit logs the function's __qualname__
        send_notification.delay(notification_id)

    # robust: the event is committed; a mail or broker failure must not turn it into an
    # error page. The row stays pending (or failed, with the error) and can be retried.
    transaction.on_commit(send, robust=True)


def mark_read(debtor: Debtor) -> int:
    """The debtor opened their inbox: every portal notification is now read."""
    return Notification.objects.filter(
        debtor=debtor, channel=NotificationChannel.PORTAL, read_at__isnull=True
    ).update(read_at=timezone.now())


def send_email_notification(notification_id: int) -> str:
    """Send one email notification in the debtor's language; the only code that moves a
    notification out of PENDING. Locked, so two workers never send the same one; already
    sent is a no-op, so running twice sends once. Returns the final status."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("debtor", "request")
            .get(pk=notification_id)
        )
        if notification.status == NotificationStatus.SENT:
            return notification.status
        debtor = notification.debtor
        with translation.override(debtor.preferred_language):
            context = {
                "notification": notification,
                "debtor": debtor,
                "request": notification.request,
            }
            subject = render_to_string("emails/notification_subject.txt", context).strip()
            body = render_to_string("emails/notification_body.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [debtor.email])
        notification.status = NotificationStatus.SENT
        notification.save(update_fields=["status"])
    return notification.status
