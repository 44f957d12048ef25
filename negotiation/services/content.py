"""What debtors read about the consequences of arrears: published in versions by
supervisors and compliance, every save audited with the text before and after."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from negotiation.models import (
    AuditAction,
    ConsequenceRule,
    RepaymentChannel,
    User,
    WordingTemplate,
)
from negotiation.services.audit import record_event


def save_consequence_rule(
    rule: ConsequenceRule,
    *,
    actor: User,
    changed_fields: Iterable[str],
    before: Mapping[str, Any],
    ip: str | None = None,
) -> ConsequenceRule:
    """Publish a new version (no primary key yet, "Save as new" included) or correct a
    future one (the admin form refuses to change a version already in force). The audit
    row keeps each changed field's text before and after."""
    published = rule.pk is None
    changed = list(changed_fields)
    with transaction.atomic():
        rule.save()
        record_event(
            rule,
            actor=actor,
            action=(
                AuditAction.CONSEQUENCE_RULE_PUBLISHED
                if published
                else AuditAction.CONSEQUENCE_RULE_CHANGED
            ),
            before={} if published else {name: str(before.get(name, "")) for name in changed},
            after={name: str(getattr(rule, name)) for name in changed},
            ip=ip,
        )
    return rule


def save_repayment_channel(
    channel: RepaymentChannel, *, actor: User, changed_fields: Iterable[str]
) -> RepaymentChannel:
    """Create or change one of the bank's repayment channels; the audit row keeps the new
    value of every changed field."""
    with transaction.atomic():
        channel.save()
        record_event(
            channel,
            actor=actor,
            action=AuditAction.REPAYMENT_CHANNEL_SAVED,
            after={name: getattr(channel, name) for name in changed_fields},
        )
    return channel


def save_wording_template(
    wording: WordingTemplate, *, actor: User, changed_fields: Iterable[str]
) -> WordingTemplate:
    """Create or change a reusable wording for the decision forms (validated by the admin's
    form); the audit row keeps the new value of every changed field."""
    with transaction.atomic():
        wording.save()
        record_event(
            wording,
            actor=actor,
            action=AuditAction.WORDING_TEMPLATE_SAVED,
            after={name: getattr(wording, name) for name in changed_fields},
        )
    return wording
