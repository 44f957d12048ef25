from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

from django.db import models

from negotiation.models import AuditAction, AuditEvent, User
from negotiation.models.audit import ActorRole
from negotiation.requestid import request_id


def actor_role(actor: User | None) -> str:
    """What the actor was, from the sign-in itself (no query): an administrator, staff, a
    debtor, or "" for the system."""
    if actor is None:
        return ActorRole.SYSTEM
    if actor.is_superuser:
        return ActorRole.ADMINISTRATOR
    return ActorRole.STAFF if actor.is_staff else ActorRole.DEBTOR


def audit_value(value: Any) -> Any:
    """One value as the audit trail stores it (JSON): amounts as exact strings, dates and
    times in ISO 8601, an object as its primary key, an enum as its value; lists and
    mappings item by item. The one place this conversion is written."""
    if value is None or (isinstance(value, bool | int | str) and not isinstance(value, Enum)):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Mapping):
        return {str(key): audit_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [audit_value(item) for item in value]
    return str(value)


def record_event(
    obj: models.Model,
    *,
    actor: User | None,
    action: AuditAction,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_label: str = "system",
    ip: str | None = None,
) -> AuditEvent:
    """Append one audit row for ``action`` on ``obj``. Called inside the caller's transaction,
    so the row exists exactly when the change it describes does."""
    assert obj.pk is not None, "audit the object after it is saved"
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=actor.get_username() if actor is not None else actor_label,
        actor_role=actor_role(actor),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        object_reference=str(getattr(obj, "reference", "")),
        before=audit_value(before or {}),
        after=audit_value(after or {}),
        ip=ip,
        request_id=request_id(),
    )


def record_sign_in_event(
    user: User | None,
    *,
    action: AuditAction,
    after: dict[str, Any],
    ip: str | None,
    by_the_user: bool,
) -> AuditEvent:
    """An audit row about a sign-in (object ``User``; id 0 when what was typed names no
    sign-in). ``by_the_user``: the user acted (signed in or out); otherwise the actor is
    unknown ("anonymous": a wrong password may be anyone's)."""
    actor = user if by_the_user else None
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=actor.get_username() if actor is not None else "anonymous",
        actor_role=actor_role(actor),
        action=action,
        object_type=User._meta.label_lower,
        object_id=user.pk if user is not None else 0,
        before={},
        after=audit_value(after),
        ip=ip,
        request_id=request_id(),
    )


def record_field_changes(
    cursor: Any,
    *,
    action: AuditAction,
    model: type[models.Model],
    changed_rows: str,
    actor: User | None,
) -> int:
    """The set-based twin of ``record_event`` for bulk writes: one audit row for each row of
    the SQL ``changed_rows`` (columns id, reference, before, after as JSON objects of the
    changed fields, values as text) whose ``before`` is not empty. Runs in the caller's
    transaction, on the cursor that made the changes. Returns the rows written."""
    cursor.execute(
        f"""INSERT INTO {AuditEvent._meta.db_table} (actor_id, actor_label, actor_role,
                action, object_type, object_id, object_reference, before, after, ip,
                request_id, at)
            SELECT %s, %s, %s, %s, %s, c.id, c.reference, c.before, c.after, NULL, %s, now()
            FROM ({changed_rows}) c WHERE c.before <> '{{}}'::jsonb""",  # nosec B608: names from the models' _meta and fixed SQL; values are parameters
        [
            actor.pk if actor else None,
            actor.get_username() if actor else "system",
            actor_role(actor),
            action.value,
            model._meta.label_lower,
            request_id(),
        ],
    )
    return int(cursor.rowcount)
