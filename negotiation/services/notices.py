"""Formal collection notices, recorded by bank staff with their proof of receipt. Their
dates decide which legal consequences can apply, so every record and change is audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from negotiation.exceptions import ActionNotPermitted, ServiceError
from negotiation.models import AuditAction, CollectionNotice, CreditAccount, NoticeChannel, User
from negotiation.punctuation import sentences
from negotiation.roles import ADD_COLLECTIONNOTICE
from negotiation.services.audit import record_event


class NoticeRefused(ServiceError):
    default_message = _("The notice could not be recorded.")


def record_collection_notice(
    account: CreditAccount,
    *,
    actor: User,
    channel: str,
    sent_at: dt.datetime,
    text: str,
    reason: str,
    now: dt.datetime,
    delivered_at: dt.datetime | None = None,
    evidence: str = "",
    ip: str | None = None,
) -> CollectionNotice:
    """Record a notice the bank sent to the debtor of ``account`` (from the account's page):
    how (``channel``), when, what it said (``text``, which the debtor reads on the account
    page) and, if known, when it was received and the proof. ``reason`` (why it was sent)
    goes to the audit trail. Under the account's row lock, so the notices that decide which
    consequences apply are counted one at a time. Raises ``ActionNotPermitted`` or
    ``NoticeRefused`` with every reason (nothing recorded)."""
    if not actor.has_perm(ADD_COLLECTIONNOTICE):
        raise ActionNotPermitted
    problems = []
    if channel not in NoticeChannel.values:
        problems.append(_("Please choose how the notice was sent."))
    if not text.strip():
        problems.append(_("Please give what the notice said: the debtor reads it."))
    if not reason.strip():
        problems.append(_("Please give the reason the notice was sent."))
    if sent_at > now:
        problems.append(
            _("A notice is recorded once it is sent: the day sent cannot be later than today.")
        )
    if delivered_at is not None and (delivered_at < sent_at or delivered_at > now):
        problems.append(
            _("The day received must be between the day the notice was sent and today.")
        )
    if problems:
        raise NoticeRefused(sentences(problems))
    with transaction.atomic():
        locked = CreditAccount.objects.select_for_update().get(pk=account.pk)
        notice = CollectionNotice.objects.create(
            account=locked,
            channel=channel,
            sent_at=sent_at,
            delivered_at=delivered_at,
            text=text.strip(),
            evidence=evidence.strip(),
            recorded_by=actor,
        )
        record_event(
            locked,
            actor=actor,
            action=AuditAction.NOTICE_RECORDED,
            after={
                "notice": notice.pk,
                "channel": channel,
                "sent_at": sent_at,
                "delivered_at": delivered_at,
                "reason": reason.strip(),
            },
            ip=ip,
        )
    return notice


def save_collection_notice(
    notice: CollectionNotice, *, actor: User, ip: str | None = None
) -> CollectionNotice:
    """Record a new notice (the recorder is ``actor``) or add its proof of receipt later
    (the admin makes everything else read-only once recorded). Audited on the account,
    where the debtor's facts live."""
    recorded = notice.pk is None
    with transaction.atomic():
        if recorded:
            notice.recorded_by = actor
        notice.save()
        record_event(
            notice.account,
            actor=actor,
            action=AuditAction.NOTICE_RECORDED if recorded else AuditAction.NOTICE_UPDATED,
            after={
                "notice": notice.pk,
                "channel": notice.channel,
                "sent_at": notice.sent_at,
                "delivered_at": notice.delivered_at,
            },
            ip=ip,
        )
    return notice
