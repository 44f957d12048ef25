"""Who may do what. Staff rights are Django permissions held through groups.

The groups and their permissions are created by a data migration (0002_roles) from
``GROUP_PERMISSIONS`` below, so a fresh database and production agree.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol


class HoldsPermissions(Protocol):
    """Anyone whose rights can be asked: a user, signed in or anonymous. (A protocol rather
    than the User model, so the models can import the roles and not the other way round.)"""

    def has_perm(self, perm: str, obj: Any = ...) -> bool: ...


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

# Debtors' names and contact details; staff without it see initials and the reference.
CONTACT_PERMISSION = "negotiation.view_debtor_contact"


def is_supervisor(user: HoldsPermissions | None) -> bool:
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
