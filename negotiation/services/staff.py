"""Staff settings that govern decisions: approval limits, set by supervisors, audited."""

from __future__ import annotations

from negotiation.models import ApprovalLimit, User
from negotiation.services.audit import record_event


def save_approval_limit(limit: ApprovalLimit, *, actor: User) -> ApprovalLimit:
    """Create or change a specialist's approval limit; the audit row keeps the new values,
    so who could approve what, and since when, can be read back."""
    created = limit.pk is None
    limit.save()
    record_event(
        limit,
        actor=actor,
        action="approval_limit.created" if created else "approval_limit.changed",
        after={
            "user": limit.user.get_username(),
            "max_amount": str(limit.max_amount),
            "max_months": limit.max_months,
        },
    )
    return limit
