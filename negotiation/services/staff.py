"""Staff settings that govern decisions: the role groups and their permissions (from
``roles.GROUP_PERMISSIONS``), and approval limits, set by supervisors, audited."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from negotiation.exceptions import ActionNotPermitted, ServiceError
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


class NotStaff(ServiceError):
    default_message = _("A debtor's sign-in cannot be made a staff member's.")


def save_staff_user(user: User, *, actor: User, groups: Iterable[Group]) -> User:
    """Create or change a staff member's sign-in: always staff, never a superuser, never a
    debtor, in exactly ``groups`` (the role groups only). Audited with the groups and the
    active flag before and after, never the password."""
    if user.pk is not None and user.is_debtor:
        raise NotStaff
    wanted = sorted({group.name for group in groups if group.name in GROUP_PERMISSIONS})
    created = user.pk is None
    before: dict[str, object] = {}
    if not created:
        stored = User.objects.get(pk=user.pk)
        if stored.is_superuser and not actor.is_superuser:
            raise ActionNotPermitted  # an administrator is changed by an administrator
        before = {
            "groups": sorted(stored.groups.values_list("name", flat=True)),
            "is_active": stored.is_active,
        }
    with transaction.atomic():
        user.is_staff = True
        user.is_superuser = user.is_superuser and actor.is_superuser
        user.save()
        user.groups.set(Group.objects.filter(name__in=wanted))
        user.user_permissions.clear()  # rights come from the groups only
        after = {"user": user.get_username(), "groups": wanted, "is_active": user.is_active}
        if created:
            record_event(user, actor=actor, action=AuditAction.STAFF_USER_CREATED, after=after)
        elif before != {"groups": wanted, "is_active": user.is_active}:
            record_event(
                user, actor=actor, action=AuditAction.STAFF_USER_CHANGED, before=before, after=after
            )
    return user


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
