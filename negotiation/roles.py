"""Who may do what. Staff rights are Django permissions held through groups.

The groups and their permissions are created by a data migration (0002_roles) from
``GROUP_PERMISSIONS`` below, so a fresh database and production agree.

Every permission the code checks is a constant here, spelt as ``has_perm`` takes it
("app_label.codename"); nothing else in the code writes a permission's name (a test greps for
one, and checks that each constant names a permission the models declare).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

from django.utils.translation import gettext_lazy


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


# The custom rights (the models' Meta.permissions), then the model rights the code checks.
REVIEW_RELIEFREQUEST = "negotiation.review_reliefrequest"
DECIDE_RELIEFREQUEST = "negotiation.decide_reliefrequest"
SECOND_APPROVE_RELIEFREQUEST = "negotiation.second_approve_reliefrequest"
VIEW_DEBTOR_CONTACT = "negotiation.view_debtor_contact"  # names and contact details
UPLOAD_IMPORT = "negotiation.upload_import"  # the bank's files: accounts, payments
DOWNLOAD_DOCUMENT = "negotiation.download_document"
READ_AUDIT_TRAIL = "negotiation.read_audit_trail"
RESEND_NOTIFICATION = "negotiation.resend_notification"
INVITE_DEBTOR = "negotiation.invite_debtor"  # send, resend and revoke portal invitations
ADD_CONTACTRECORD = "negotiation.add_contactrecord"
# Record a contact that breaks a rule of when or how often, with a reason (supervisors).
OVERRIDE_CONTACT_RULES = "negotiation.override_contact_rules"
VIEW_RELIEFREQUEST = "negotiation.view_reliefrequest"
VIEW_CREDITACCOUNT = "negotiation.view_creditaccount"
VIEW_REPAYMENTPLAN = "negotiation.view_repaymentplan"
# Answer a debtor's request to change their signed plan in a way the portal cannot by itself.
ANSWER_PLANCHANGEREQUEST = "negotiation.answer_planchangerequest"
VIEW_PLANCHANGEREQUEST = "negotiation.view_planchangerequest"
RESOLVE_DISPUTE = "negotiation.resolve_dispute"  # uphold, reject, extend the answer date
VIEW_DISPUTE = "negotiation.view_dispute"
# Bank staff's account actions (services.accounts), from the account's page.
CHANGE_ACCOUNT_STATUS = "negotiation.change_account_status"  # freeze, unfreeze, close, charge off
CORRECT_ACCOUNT_BALANCE = "negotiation.correct_account_balance"
ADD_COLLECTIONNOTICE = "negotiation.add_collectionnotice"
# What a debtor's extra support need is (the drivers, their note): the staff who handle the
# case and change how they treat the debtor. Everyone else on the case sees only that there
# is one (docs/DESIGN.md, "Extra support").
VIEW_SUPPORT_NEED = "negotiation.view_support_need"
# The relief dashboard (admin.reporting): aggregate figures of requests, plans and disputes.
VIEW_RELIEF_DASHBOARD = "negotiation.view_relief_dashboard"


def codename(permission: str) -> str:
    """The codename alone, as a ``Permission`` row stores it: "review_reliefrequest"."""
    return permission.partition(".")[2]


SPECIALISTS = "Negotiation specialists"
SUPERVISORS = "Supervisors"
BANK_STAFF = "Bank staff"
COMPLIANCE = "Compliance"

# The groups' names are keys in the database (the data migration creates them by these
# names); what a staff member reads is the name in their language.
GROUP_LABELS: dict[str, Any] = {
    SPECIALISTS: gettext_lazy("Negotiation specialists"),
    SUPERVISORS: gettext_lazy("Supervisors"),
    BANK_STAFF: gettext_lazy("Bank staff"),
    COMPLIANCE: gettext_lazy("Compliance"),
}


def group_label(name: str) -> str:
    """A group's name as its reader says it; a group the table does not know, as stored."""
    return str(GROUP_LABELS.get(name, name))


ROLE_PERMISSIONS: dict[Role, str] = {
    Role.REVIEWER: REVIEW_RELIEFREQUEST,
    Role.DECIDER: DECIDE_RELIEFREQUEST,
    Role.SECOND_APPROVER: SECOND_APPROVE_RELIEFREQUEST,
}


def is_supervisor(user: HoldsPermissions | None) -> bool:
    """Whether ``user`` holds the supervisor's right: the second approval, which also lets
    them hand work to others, take a colleague's case and approve beyond any limit."""
    return user is not None and user.has_perm(ROLE_PERMISSIONS[Role.SECOND_APPROVER])


_READ_CASES = [
    "view_debtor",
    "view_creditaccount",
    "view_payment",
    "view_paymentintent",  # online payments and the providers' notifications about them
    "view_paymentevent",
    "view_program",
    "view_reliefrequest",
    "view_offer",
    VIEW_REPAYMENTPLAN,
    "view_installment",
    "view_planamendment",
    VIEW_PLANCHANGEREQUEST,
    "view_message",
    "view_contactrecord",
    "view_callback",  # the call backs debtors booked, on the callbacks list
    "view_collectionagency",
    "view_promisetopay",
    "view_directdebitmandate",  # automatic repayment, the account number masked
    VIEW_DISPUTE,
    "view_document",
    "view_consequencerule",
    "view_collectionnotice",
]
_CASEWORK = [
    "view_notification",
    REVIEW_RELIEFREQUEST,
    DECIDE_RELIEFREQUEST,
    VIEW_DEBTOR_CONTACT,
    DOWNLOAD_DOCUMENT,
    ADD_CONTACTRECORD,
    ANSWER_PLANCHANGEREQUEST,
    RESOLVE_DISPUTE,
    VIEW_SUPPORT_NEED,  # the specialists and supervisors who talk to the debtor
    "view_wordingtemplate",  # the reusable wording on the decision forms
]

# The groups and their permissions. Applied after every migrate (apps.py), so a change
# here reaches every database on its next deploy. A bare codename is one of ours; the
# constants above and other apps' rights are written "app_label.codename".
GROUP_PERMISSIONS: dict[str, list[str]] = {
    SPECIALISTS: [*_READ_CASES, *_CASEWORK],
    SUPERVISORS: [
        *_READ_CASES,
        *_CASEWORK,
        SECOND_APPROVE_RELIEFREQUEST,
        OVERRIDE_CONTACT_RULES,
        "add_program",
        "change_program",
        "view_approvallimit",
        "view_user",
        "add_user",
        "change_user",
        "add_approvallimit",
        "change_approvallimit",
        "view_auditevent",
        READ_AUDIT_TRAIL,
        "view_notification",
        RESEND_NOTIFICATION,
        "add_consequencerule",
        "change_consequencerule",
        "view_repaymentchannel",
        "add_repaymentchannel",
        VIEW_RELIEF_DASHBOARD,
        "change_repaymentchannel",
        "add_wordingtemplate",  # supervisors write the reusable wording; specialists use it
        "change_wordingtemplate",
        # The scheduled jobs' timing (django-celery-beat), editable in the admin.
        "django_celery_beat.view_periodictask",
        "django_celery_beat.change_periodictask",
        "django_celery_beat.view_intervalschedule",
        "django_celery_beat.add_intervalschedule",
        "django_celery_beat.view_crontabschedule",
        "django_celery_beat.add_crontabschedule",
    ],
    BANK_STAFF: [
        "view_importrun",
        "upload_import",
        "view_debtor",
        "add_debtor",
        "change_debtor",
        VIEW_DEBTOR_CONTACT,
        "view_creditaccount",
        "add_creditaccount",
        "change_creditaccount",
        "view_payment",
        "view_paymentintent",
        "view_paymentevent",
        "add_payment",
        "view_program",
        "view_contactrecord",
        "view_callback",
        # The agencies authorised to call on the bank's behalf, as debtors read them.
        "view_collectionagency",
        "add_collectionagency",
        "change_collectionagency",
        "view_promisetopay",
        VIEW_DISPUTE,  # a debtor on the phone about their dispute: where it stands
        ADD_CONTACTRECORD,
        "view_collectionnotice",
        ADD_COLLECTIONNOTICE,
        "change_collectionnotice",
        INVITE_DEBTOR,
        CHANGE_ACCOUNT_STATUS,
        CORRECT_ACCOUNT_BALANCE,
    ],
    COMPLIANCE: [
        *_READ_CASES,
        "view_auditevent",
        READ_AUDIT_TRAIL,
        "view_notification",
        "add_consequencerule",
        "change_consequencerule",
        VIEW_RELIEF_DASHBOARD,
    ],
}
