"""Who may do what. Staff rights are Django permissions held through groups.

The groups and their permissions are created by a data migration (0002_roles) from
``GROUP_PERMISSIONS`` below, so a fresh database and production agree.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from negotiation.models import ReliefRequest, User


class Role(StrEnum):
    DEBTOR = "debtor"  # the debtor who owns the account
    REVIEWER = "reviewer"  # takes a request into review
    DECIDER = "decider"  # approves, rejects, counter-offers, asks for information
    SECOND_APPROVER = "second_approver"  # four-eyes approval
    SYSTEM = "system"  # scheduled jobs: expiry, escalation


SPECIALISTS = "Negotiation specialists"
SUPERVISORS = "Supervisors"
BANK_STAFF = "Bank staff"
COMPLIANCE = "Compliance"

ROLE_PERMISSIONS: dict[Role, str] = {
    Role.REVIEWER: "negotiation.review_reliefrequest",
    Role.DECIDER: "negotiation.decide_reliefrequest",
    Role.SECOND_APPROVER: "negotiation.second_approve_reliefrequest",
}


def is_supervisor(user: User | AnonymousUser | None) -> bool:
    """Whether ``user`` holds the supervisor's right: the second approval, which also lets
    them hand work to others, take a colleague's case and approve beyond any limit."""
    return user is not None and user.has_perm(ROLE_PERMISSIONS[Role.SECOND_APPROVER])


_READ_CASES = [
    "view_debtor",
    "view_creditaccount",
    "view_payment",
    "view_program",
    "view_reliefrequest",
    "view_offer",
    "view_repaymentplan",
    "view_installment",
    "view_message",
    "view_contactrecord",
    "view_document",
    "view_consequencerule",
    "view_collectionnotice",
]
_CASEWORK = [
    "view_notification",
    "review_reliefrequest",
    "decide_reliefrequest",
    "view_debtor_contact",
    "download_document",
    "add_contactrecord",
]

# The groups and their permissions. Applied after every migrate (apps.py), so a change
# here reaches every database on its next deploy.
GROUP_PERMISSIONS: dict[str, list[str]] = {
    SPECIALISTS: [*_READ_CASES, *_CASEWORK],
    SUPERVISORS: [
        *_READ_CASES,
        *_CASEWORK,
        "second_approve_reliefrequest",
        "add_program",
        "change_program",
        "view_approvallimit",
        "add_approvallimit",
        "change_approvallimit",
        "view_auditevent",
        "read_audit_trail",
        "view_notification",
        "resend_notification",
        "add_consequencerule",
        "change_consequencerule",
        # The scheduled jobs' timing (django-celery-beat), editable in the admin.
        "django_celery_beat.view_periodictask",
        "django_celery_beat.change_periodictask",
        "django_celery_beat.view_intervalschedule",
        "django_celery_beat.add_intervalschedule",
        "django_celery_beat.view_crontabschedule",
        "django_celery_beat.add_crontabschedule",
    ],
    BANK_STAFF: [
        "view_debtor",
        "add_debtor",
        "change_debtor",
        "view_debtor_contact",
        "view_creditaccount",
        "add_creditaccount",
        "change_creditaccount",
        "view_payment",
        "add_payment",
        "view_program",
        "view_contactrecord",
        "add_contactrecord",
        "view_collectionnotice",
        "add_collectionnotice",
        "change_collectionnotice",
    ],
    COMPLIANCE: [
        *_READ_CASES,
        "view_auditevent",
        "read_audit_trail",
        "view_notification",
        "add_consequencerule",
        "change_consequencerule",
    ],
}


def actor_holds(actor: User | None, role: Role, request: ReliefRequest) -> bool:
    """Whether ``actor`` may act as ``role`` on ``request``. ``None`` is the system."""
    if role is Role.SYSTEM:
        return actor is None
    if actor is None or not actor.is_active:
        return False
    if role is Role.DEBTOR:
        return request.account.debtor.user_id == actor.pk
    return actor.is_staff and actor.has_perm(ROLE_PERMISSIONS[role])


def sync_role_groups() -> None:
    """Create or repair the staff groups with exactly their permissions.

    Runs after every migrate (apps.py); seed_demo calls it too, so the demo logins work
    even on a database whose tables were flushed (as transactional tests do). A codename
    that does not exist is a mistake in GROUP_PERMISSIONS and stops with its name.
    """
    from django.contrib.auth.models import Group, Permission

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
    """("app_label", "codename"): ours are written bare, other apps' as "app.codename"."""
    app_label, _, bare = codename.rpartition(".")
    return (app_label or "negotiation", bare)
