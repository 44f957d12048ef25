"""Messages to the debtor: the outbox. One Notification row per channel, written in the
transaction of the event that causes it; email and SMS are delivered after commit (or, out
of contact hours, by the dispatcher when their time comes). A failed delivery never loses
the row: it stays pending with the error and a later time, then failed, and staff can send
it again from the admin."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from negotiation import policy
from negotiation.locks import advisory_lock
from negotiation.models import (
    ACCESS_EVENTS,
    LINK_EVENTS,
    AccountStatus,
    AuditAction,
    CreditAccount,
    Debtor,
    Notification,
    NotificationChannel,
    NotificationEvent,
    NotificationStatus,
    ReliefRequest,
    RequestStatus,
    User,
)
from negotiation.notification_texts import notification_text
from negotiation.queueing import SEND_NOTIFICATION, SEND_NOTIFICATIONS, delay_after_commit
from negotiation.selectors.support import has_support_need
from negotiation.services.audit import record_event
from negotiation.services.jobitems import Failures
from negotiation.sms import send_sms

logger = logging.getLogger(__name__)

# The request statuses the debtor is told of when their request reaches one; the others
# (submitted, in review, withdrawn, expired) send nothing. Each event's words are its
# template, templates/notifications/<event>.txt (negotiation/notification_texts.py).
REQUEST_EVENTS: dict[str, NotificationEvent] = {
    RequestStatus.APPROVED: NotificationEvent.REQUEST_APPROVED,
    RequestStatus.REJECTED: NotificationEvent.REQUEST_REJECTED,
    RequestStatus.NEEDS_INFO: NotificationEvent.REQUEST_NEEDS_INFO,
    RequestStatus.COUNTER_OFFERED: NotificationEvent.REQUEST_COUNTER_OFFERED,
    RequestStatus.AWAITING_SECOND_APPROVAL: NotificationEvent.REQUEST_AWAITING_SECOND_APPROVAL,
}
# Reminders are capped and held during a dispute; decisions, outcomes and receipts always go.
REMINDER_EVENTS = frozenset(
    {
        NotificationEvent.INSTALLMENT_DUE_SOON,
        NotificationEvent.INSTALLMENT_OVERDUE,
        NotificationEvent.PLAN_SIGNATURE_REMINDER,
    }
)
# At most 7 reminders a week per account (Regulation F's presumption, DOMAIN.md); a
# reminder by email and SMS is one contact.
REMINDER_CAP = (7, dt.timedelta(days=7))
EXTERNAL_CHANNELS = (NotificationChannel.EMAIL, NotificationChannel.SMS)
ALL_CHANNELS = (NotificationChannel.PORTAL, *EXTERNAL_CHANNELS)
# Sent the moment they are written, whatever the hour: the debtor has just asked for the
# link (a reset), or must hear at once that their password changed. They are answers and
# warnings, not collection contacts, which keep to 08:00-21:00.
AT_ONCE_EVENTS = frozenset(
    {
        NotificationEvent.PASSWORD_RESET,
        NotificationEvent.PASSWORD_CHANGED,
        NotificationEvent.CONTACT_CHANGED,
        NotificationEvent.SIGN_IN_PAUSED,
        NotificationEvent.PASSWORD_CHECK_PAUSED,
    }
)
# A failed delivery is tried again after 2, 4, 8 and 16 minutes (within contact hours),
# then left FAILED, with its error, for staff to send again.
MAX_ATTEMPTS = 5
DISPATCH_BATCH = 500


def notify_request_event(request: ReliefRequest, event: NotificationEvent) -> list[Notification]:
    """Tell the debtor that ``event`` happened to ``request``. Idempotent per request
    version: writing the same event twice changes nothing (unique ``dedupe_key``)."""
    return notify_debtor(
        request.account.debtor,
        event,
        key=f"{request.reference}:v{request.version}",
        request=request,
        context={"reference": request.reference},
    )


def notify_debtor(
    debtor: Debtor,
    event: NotificationEvent,
    *,
    key: str,
    request: ReliefRequest | None = None,
    account: CreditAccount | None = None,
    context: dict[str, str] | None = None,
    channels: Collection[str] = ALL_CHANNELS,
    to: Mapping[str, str] | None = None,
    deliver: bool = True,
) -> list[Notification]:
    """A portal notification, an email and a text message about ``event`` (or only the
    ``channels`` given); ``key`` names the occasion, so the same occasion never notifies
    twice (a job run twice writes nothing new). Returns the rows written now.

    The portal notice is immediate. Email (to an address on file) and SMS (to a phone on
    file) keep the contact rules: scheduled for the next time within 08:00-21:00 in the
    debtor's timezone, or inside the debtor's own window within them (``AT_ONCE_EVENTS``
    aside); for reminders, none while the account is disputed and at most 7 per account in
    7 days, or one in SUPPORT_REMINDER_INTERVAL_DAYS with extra support in place (decisions
    and receipts are not capped). A debtor with both a phone and an email
    who prefers one hears by that one only, except about the sign-in (``ACCESS_EVENTS``).

    ``to`` sends a channel to another number or address than the one on file (the old one,
    told of its replacement); an empty one there sends nothing on that channel.

    ``deliver=False``: a message due now is left for the dispatcher, which sends in batches
    (``dispatch_due_notifications``), instead of a task of its own: a job that writes
    thousands of reminders queues a task per batch, not one per debtor."""
    now = timezone.now()
    account = request.account if request is not None else account
    occasion = f"{event}:{key}"
    written = []
    for channel, scheduled in _channels_and_times(
        debtor, event, account, now, context or {}, channels, to
    ):
        immediate = channel == NotificationChannel.PORTAL
        notification, created = Notification.objects.get_or_create(
            dedupe_key=f"{occasion}:{channel}",
            defaults={
                "debtor": debtor,
                "request": request,
                "channel": channel,
                "template": event,
                "occasion": occasion,
                "context": context or {},
                "scheduled_for": scheduled,
                "status": NotificationStatus.SENT if immediate else NotificationStatus.PENDING,
                "sent_at": now if immediate else None,
                "address": (to or {}).get(channel, ""),
            },
        )
        if created:
            written.append(notification)
            if deliver and not immediate and scheduled <= now:
                deliver_after_commit(notification.pk)  # later ones: the dispatcher sends them
    return written


def _channels_and_times(
    debtor: Debtor,
    event: NotificationEvent,
    account: CreditAccount | None,
    now: dt.datetime,
    context: Mapping[str, str],
    channels: Collection[str],
    to: Mapping[str, str] | None,
) -> list[tuple[str, dt.datetime]]:
    """The channels ``event`` goes out by and when each is scheduled (``notify_debtor``
    says the rules): shared with ``notify_in_bulk``."""
    chosen: list[str] = (
        [NotificationChannel.PORTAL] if NotificationChannel.PORTAL in channels else []
    )
    addresses = {c: (to or {}).get(c, _address(debtor, c)) for c in EXTERNAL_CHANNELS}
    if _may_contact(event, debtor, account, now, context):
        external: list[str] = [c for c in EXTERNAL_CHANNELS if c in channels and addresses[c]]
        if event not in ACCESS_EVENTS and debtor.preferred_channel in external:
            external = [debtor.preferred_channel]
        chosen += external
    timed = []
    for channel in chosen:
        at_once = channel == NotificationChannel.PORTAL or event in AT_ONCE_EVENTS
        timed.append((channel, now if at_once else in_contact_hours(debtor, now)))
    return timed


def _address(debtor: Debtor, channel: str) -> str:
    return debtor.email if channel == NotificationChannel.EMAIL else debtor.phone


def in_contact_hours(debtor: Debtor, now: dt.datetime) -> dt.datetime:
    """``now`` if it is within 08:00-21:00 where the debtor lives (or the narrower window the
    debtor chose inside them), else the next opening."""
    try:
        tz: dt.tzinfo = ZoneInfo(debtor.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo(settings.TIME_ZONE)
    return policy.next_allowed_time(now, tz, hours=debtor.contact_hours)


def _may_contact(
    event: str,
    debtor: Debtor,
    account: CreditAccount | None,
    now: dt.datetime,
    context: Mapping[str, str],
) -> bool:
    """Whether ``event`` may go out by email and SMS now (the portal notice always does).
    Reminders: at most 7 per account in 7 days; for a debtor with extra support in place, at
    most one in SUPPORT_REMINDER_INTERVAL_DAYS over all their accounts."""
    if event not in REMINDER_EVENTS or account is None:
        return True
    if _held_by_dispute(event, account, context):
        return False
    limit, window = REMINDER_CAP
    whose = Q(request__account=account)
    if has_support_need(debtor):
        limit, window = 1, dt.timedelta(days=settings.SUPPORT_REMINDER_INTERVAL_DAYS)
        whose = Q(debtor=debtor)
    occasions_lately = (
        Notification.objects.filter(
            whose,
            channel__in=EXTERNAL_CHANNELS,
            template__in=REMINDER_EVENTS,
            created_at__gte=now - window,
        )
        .values("occasion")
        .distinct()
        .count()
    )
    return occasions_lately < limit


def deliver_after_commit(notification_id: int) -> None:
    # If the broker loses it, the row stays pending and the dispatcher sends it.
    delay_after_commit(SEND_NOTIFICATION, notification_id)


def send_due_notifications(*, now: dt.datetime) -> int:
    """The dispatcher (every five minutes): deliver every pending email and SMS whose time
    has come: those scheduled for contact hours, those whose task was lost, and retries.
    One run at a time; returns how many it tried."""
    with advisory_lock("send_due_notifications") as acquired:
        if not acquired:
            return 0
        due = list(_due_now(now).values_list("pk", flat=True)[:DISPATCH_BATCH])
        deliver_notifications(due, now=now)
        return len(due)


def _due_now(now: dt.datetime) -> QuerySet[Notification]:
    return Notification.objects.filter(
        channel__in=EXTERNAL_CHANNELS, status=NotificationStatus.PENDING, scheduled_for__lte=now
    ).order_by("scheduled_for", "pk")


def dispatch_due_notifications(*, now: dt.datetime) -> int:
    """Every email and SMS due by ``now``, handed to the workers in batches of
    ``DISPATCH_BATCH`` (one task per batch, ``SEND_NOTIFICATIONS``), so a morning of
    reminders is spread over every worker and no debtor waits for a task of their own. One
    run at a time; returns how many messages it queued. A batch lost with its worker is
    queued again by the next run (the rows are still pending); a message queued twice is
    sent once (``deliver_notification`` locks it and finds it sent)."""
    with advisory_lock("send_due_notifications") as acquired:
        if not acquired:
            return 0
        # The ids only (a few MB for a million messages), read before any batch runs: in
        # eager mode (no broker) each batch is sent right here.
        due = list(_due_now(now).values_list("pk", flat=True))
        for start in range(0, len(due), DISPATCH_BATCH):
            delay_after_commit(SEND_NOTIFICATIONS, due[start : start + DISPATCH_BATCH])
        return len(due)


def deliver_notifications(
    notification_ids: Iterable[int], *, now: dt.datetime | None = None
) -> Failures:
    """Deliver each of the messages ``notification_ids`` (``deliver_notification``), each
    on its own: one that fails in an unexpected way (a delivery failure is already recorded
    on its row) is logged and counted, and the others go on. Returns the failures."""
    failures = Failures("send_notifications")
    for pk in notification_ids:
        with failures.each(f"notification {pk}"):
            deliver_notification(pk, now=now)
    failures.report()
    return failures


def release_held_messages(*, now: dt.datetime) -> int:
    """Demo only (``send_outbox --demo-now``, refused without DEBUG): every pending email
    and SMS held for contact hours is due now. How many were moved."""
    return Notification.objects.filter(
        channel__in=EXTERNAL_CHANNELS, status=NotificationStatus.PENDING, scheduled_for__gt=now
    ).update(scheduled_for=now)


def deliver_notification(notification_id: int, *, now: dt.datetime | None = None) -> str:
    """Deliver one email or SMS in the debtor's language: the only code that moves a
    notification out of PENDING. Locked, so two workers never send the same one; a sent
    one is a no-op, so a task delivered twice sends once. A failure is recorded on the row
    (attempts, error, next try) and never raised: the outbox is the retry. Returns the
    notification's status."""
    now = now or timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("debtor", "request__account")
            .get(pk=notification_id)
        )
        if notification.status != NotificationStatus.PENDING or notification.scheduled_for > now:
            return notification.status
        if _withheld(notification):
            notification.status = NotificationStatus.WITHHELD
            notification.save(update_fields=["status"])
            return notification.status
        notification.attempts += 1
        try:
            _send(notification)
        except Exception as error:  # any failure: kept on the row, never lost
            logger.warning("notification %s failed: %s", notification.pk, error)
            _record_failure(notification, error, now=now)
        else:
            notification.status = NotificationStatus.SENT
            notification.sent_at = now
            notification.last_error = ""
            if notification.template in LINK_EVENTS:
                # Delivered: the outbox keeps no usable link (the key stays, empty).
                notification.context = {**notification.context, "link": ""}
        notification.save(
            update_fields=[
                "status",
                "attempts",
                "last_error",
                "sent_at",
                "scheduled_for",
                "context",
            ]
        )
    return notification.status


def _withheld(notification: Notification) -> bool:
    """A reminder whose account went into dispute after it was written is not sent."""
    request = notification.request
    return request is not None and _held_by_dispute(
        notification.template, request.account, notification.context
    )


def _held_by_dispute(event: str, account: CreditAccount, context: Mapping[str, str]) -> bool:
    """A dispute puts reminders on hold until staff resolve it (decisions still go). Not
    the notice of an automatic debit (a due-soon reminder with ``debit_from``): the debit
    still goes ahead on a disputed account, as the debtor instructed, and must not be
    taken unannounced (docs/ARCHITECTURE.md, "Automatic repayment")."""
    if event == NotificationEvent.INSTALLMENT_DUE_SOON and context.get("debit_from"):
        return False
    return event in REMINDER_EVENTS and account.status == AccountStatus.DISPUTED


def _record_failure(notification: Notification, error: Exception, *, now: dt.datetime) -> None:
    notification.last_error = f"{type(error).__name__}: {error}"[:2000]
    if notification.attempts >= MAX_ATTEMPTS:
        notification.status = NotificationStatus.FAILED
        return
    backoff = dt.timedelta(minutes=2**notification.attempts)
    notification.scheduled_for = in_contact_hours(notification.debtor, now + backoff)


def _send(notification: Notification) -> None:
    debtor = notification.debtor
    with translation.override(debtor.preferred_language):
        if notification.channel == NotificationChannel.SMS:
            send_sms(notification.address or debtor.phone, sms_text(notification))
            return
        subject, body = email_text(notification)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [notification.address or debtor.email])


def email_text(notification: Notification) -> tuple[str, str]:
    """The email's subject and body in the active language: the event's text (its
    template) inside the greeting and the footer every email has."""
    text = notification_text(notification.template, notification.context)
    body = render_to_string(
        "emails/notification_body.txt",
        {
            "debtor": notification.debtor,
            "message": text.message,
            "about_the_sign_in": notification.template in ACCESS_EVENTS,
        },
    )
    return text.subject, body


def sms_text(notification: Notification) -> str:
    """The text message in the active language: the same for every event, since a phone is
    often seen by others (no amount, no reference, no word of a debt); except the messages
    about the sign-in itself (``ACCESS_EVENTS``), which have their own text
    (templates/sms/<event>.txt: an invitation's or a reset's link, a password changed)."""
    if notification.template in ACCESS_EVENTS:
        return render_to_string(
            f"sms/{notification.template}.txt", dict(notification.context)
        ).strip()
    return render_to_string("sms/notification.txt", {"debtor": notification.debtor}).strip()


def send_again(notifications: Iterable[Notification], *, actor: User) -> int:
    """Staff send failed (or stuck pending) notifications again: each goes back to PENDING
    with fresh attempts, at the next time contact hours allow; audited. Returns how many."""
    now = timezone.now()
    resent = 0
    with transaction.atomic():
        for notification in notifications:
            locked = (
                Notification.objects.select_for_update(of=("self",))
                .select_related("debtor")
                .get(pk=notification.pk)
            )
            if locked.channel not in EXTERNAL_CHANNELS or locked.status == NotificationStatus.SENT:
                continue
            before = {"status": locked.status, "attempts": locked.attempts}
            locked.status = NotificationStatus.PENDING
            locked.attempts = 0
            locked.scheduled_for = in_contact_hours(locked.debtor, now)
            locked.save(update_fields=["status", "attempts", "scheduled_for"])
            record_event(
                locked,
                actor=actor,
                action=AuditAction.NOTIFICATION_SENT_AGAIN,
                before=before,
                after={"status": locked.status, "scheduled_for": locked.scheduled_for},
            )
            if locked.scheduled_for <= now:
                deliver_after_commit(locked.pk)
            resent += 1
    return resent


def mark_read(debtor: Debtor) -> int:
    """The debtor opened their inbox: every portal notification is now read."""
    return Notification.objects.filter(
        debtor=debtor, channel=NotificationChannel.PORTAL, read_at__isnull=True
    ).update(read_at=timezone.now())


# --- Many occasions at once (the set-based payments import) ------------------------------


@dataclass(frozen=True)
class Notice:
    """One occasion for ``notify_in_bulk``: what ``notify_debtor`` takes, with the request
    by its id (the import holds the plan, not its request)."""

    debtor: Debtor
    event: NotificationEvent
    key: str
    account: CreditAccount | None
    request_id: int | None
    context: dict[str, str]


def notify_in_bulk(notices: Iterable[Notice], *, now: dt.datetime) -> int:
    """``notify_debtor`` for many occasions in one statement (PostgreSQL): the same channels,
    times, statuses and keys, an occasion already notified skipped by its ``dedupe_key``
    (``ON CONFLICT DO NOTHING``, as ``get_or_create`` skips it), and each email or SMS due
    now delivered after commit. Not for reminders: their cap counts rows one by one (a
    ``ValueError``). Returns the rows written."""
    rows = []
    # The channels and times depend on the debtor, the event and the moment only (reminders,
    # whose cap reads the account's messages, are refused): worked out once per debtor.
    timed: dict[tuple[int, str], list[tuple[str, dt.datetime]]] = {}
    for notice in notices:
        if notice.event in REMINDER_EVENTS:
            raise ValueError("reminders are capped one by one: use notify_debtor")
        occasion = f"{notice.event}:{notice.key}"
        context = json.dumps(notice.context)
        whom = (notice.debtor.pk, notice.event.value)
        if whom not in timed:
            timed[whom] = _channels_and_times(
                notice.debtor, notice.event, notice.account, now, notice.context, ALL_CHANNELS, None
            )
        for channel, scheduled in timed[whom]:
            immediate = channel == NotificationChannel.PORTAL
            rows.append(
                (
                    notice.debtor.pk,
                    notice.request_id,
                    channel,
                    notice.event.value,
                    context,
                    scheduled,
                    NotificationStatus.SENT if immediate else NotificationStatus.PENDING,
                    f"{occasion}:{channel}",
                    occasion,
                    now if immediate else None,
                )
            )
    if not rows:
        return 0
    with connection.cursor() as cursor:
        # COPY into a scratch table, then one INSERT that skips the occasions already told.
        cursor.execute(
            """CREATE TEMPORARY TABLE IF NOT EXISTS notify_in_bulk_rows (debtor_id bigint,
                request_id bigint, channel text, template text, context jsonb,
                scheduled_for timestamptz, status text, dedupe_key text, occasion text,
                sent_at timestamptz) ON COMMIT DELETE ROWS"""
        )
        with cursor.cursor.copy("COPY notify_in_bulk_rows FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"""WITH written AS (
                    INSERT INTO {Notification._meta.db_table} (debtor_id, request_id, channel,
                        template, context, scheduled_for, status, dedupe_key, occasion, sent_at,
                        attempts, last_error, read_at, address, created_at)
                    SELECT debtor_id, request_id, channel, template, context, scheduled_for,
                        status, dedupe_key, occasion, sent_at, 0, '', NULL, '', %(now)s
                    FROM notify_in_bulk_rows
                    ON CONFLICT (dedupe_key) DO NOTHING
                    RETURNING id, channel, scheduled_for)
                SELECT count(*), array_agg(id) FILTER (
                    WHERE channel <> %(portal)s AND scheduled_for <= %(now)s)
                FROM written""",  # nosec B608: the table's name from _meta; values are parameters
            {"now": now, "portal": NotificationChannel.PORTAL.value},
        )
        count, due = cursor.fetchone()
        cursor.execute("TRUNCATE notify_in_bulk_rows")
    for pk in due or ():
        deliver_after_commit(pk)  # later ones: the dispatcher sends them
    return int(count)
