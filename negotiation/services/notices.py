"""Formal collection notices, recorded by bank staff with their proof of receipt. Their
dates decide which legal consequences can apply, so every record and change is audited."""

from __future__ import annotations

from django.db import transaction

from negotiation.models import AuditAction, CollectionNotice, User
from negotiation.services.audit import record_event


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
