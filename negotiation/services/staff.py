"""Staff settings that govern decisions: the role groups and their permissions (from
``roles.GROUP_PERMISSIONS``), and approval limits, set by supervisors, audited."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from negotiation.models import ApprovalLimit, AuditAction, User
from negotiation.roles import GROUP_PERMISSIONS
from negotiation.services.audit import record_event


def save_approval_limit(limit: ApprovalLimit, *, actor: User) -> ApprovalLimit:
    """Create or change a specialist's approval limit; the audit row keeps the new values,
    so who could approve what, and since when, can be read back."""
    created = limit.pk is None
    limit.save()
    record_event(
        limit,
        actor=actor,
        action=(
            AuditAction.APPROVAL_LIMIT_CREATED if created else AuditAction.APPROVAL_LIMIT_CHANGED
        ),
        after={
            "user": limit.user.get_username(),
            "max_amount": str(limit.max_amount),
            "max_months": limit.max_months,
        },
    )
    return limit


def sync_role_groups() -> None:
    """Create or repair the staff groups with exactly their permissions.

    Runs after every migrate (apps.py); seed_demo calls it too, so the demo logins work
    even on a database whose tables were flushed (as transactional tests do). A codename
    that does not exist is a mistake in GROUP_PERMISSIONS and stops with its name.
    """
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = {_qualified(codename) for codename in codenames}
        permissions = [
            p
            for p in Permission.objects.filter(
                content_type__app_label__in={app for app, _ in wanted},
                codename__in={codename for _, codename in wanted},
            ).select_related("content_type")
            if (p.content_type.app_label, p.codename) in wanted
        ]
        missing = wanted - {(p.content_type.app_label, p.codename) for p in permissions}
        if missing:
            raise LookupError(f"Unknown permissions for {name}: {sorted(missing)}")
        group.permissions.set(permissions)


def _qualified(codename: str) -> tuple[str, str]:
    """("app_label", "codename"): a bare codename is ours; the rest read "app.codename"."""
    app_label, _, bare = codename.rpartition(".")
    return (app_label or "negotiation", bare)
