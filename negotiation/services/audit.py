from __future__ import annotations

from typing import Any

from django.db import models

from negotiation.models import AuditEvent, User


def record_event(
    obj: models.Model,
    *,
    actor: User | None,
    action: str,
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
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        object_reference=str(getattr(obj, "reference", "")),
        before=before or {},
        after=after or {},
        ip=ip,
    )
