from negotiation.models.accounts import (
    AccountStatus,
    CreditAccount,
    Payment,
    PaymentAllocation,
    PaymentSource,
    Product,
)
from negotiation.models.aging import AgingPause
from negotiation.models.audit import AUDIT_KEYS, AuditAction, AuditEvent, AuditKeys
from negotiation.models.callbacks import (
    CALLBACK_TRANSITIONS,
    Callback,
    CallbackStatus,
    CallbackTopic,
)
from negotiation.models.consequences import CollectionNotice, ConsequenceRule, NoticeChannel
from negotiation.models.contacts import (
    FAILED_OUTCOMES,
    CollectionAgency,
    ContactChannel,
    ContactDirection,
    ContactOutcome,
    ContactParty,
    ContactRecord,
    Message,
)
from negotiation.models.debtors import Debtor, PreferredChannel
from negotiation.models.disputes import (
    DISPUTE_TRANSITIONS,
    OPEN_DISPUTE_STATUSES,
    Dispute,
    DisputeKind,
    DisputeStatus,
)
from negotiation.models.documents import Document, DocumentKind
from negotiation.models.identity import CodePurpose, IdentityCheckFailure, OneTimeCode
from negotiation.models.imports import ImportKind, ImportRun, ImportStatus
from negotiation.models.invitations import Invitation, InvitationState, PortalAccess
from negotiation.models.mandates import (
    MANDATE_TRANSITIONS,
    DirectDebitExport,
    DirectDebitMandate,
    MandateStatus,
)
from negotiation.models.notifications import (
    ACCESS_EVENTS,
    LINK_EVENTS,
    NOTIFICATION_CONTEXT,
    Notification,
    NotificationChannel,
    NotificationEvent,
    NotificationPage,
    NotificationStatus,
)
from negotiation.models.payments import (
    INTENT_TRANSITIONS,
    EventKind,
    EventOutcome,
    IntentStatus,
    PaymentEvent,
    PaymentIntent,
)
from negotiation.models.planchanges import (
    AMENDMENT_TRANSITIONS,
    CHANGE_REQUEST_TRANSITIONS,
    AmendmentKind,
    AmendmentStatus,
    ChangeRequestStatus,
    PlanAmendment,
    PlanChangeRequest,
)
from negotiation.models.plans import Installment, InstallmentStatus, PlanStatus, RepaymentPlan
from negotiation.models.programs import Program, ReliefKind
from negotiation.models.promises import (
    PROMISE_TRANSITIONS,
    PromiseStatus,
    PromiseToPay,
    RepaymentChannel,
)
from negotiation.models.requests import (
    OPEN_REQUEST_STATUSES,
    HardshipReason,
    Offer,
    OfferKind,
    OfferStatus,
    RejectionReason,
    ReliefRequest,
    RequestStatus,
)
from negotiation.models.staff import ApprovalLimit
from negotiation.models.support import (
    DRIVERS,
    SUPPORT_TRANSITIONS,
    SupportNeed,
    SupportStatus,
)
from negotiation.models.terms import TermsFields
from negotiation.models.users import User
from negotiation.models.wording import WordingKind, WordingTemplate

__all__ = [
    "ACCESS_EVENTS",
    "AMENDMENT_TRANSITIONS",
    "AUDIT_KEYS",
    "CALLBACK_TRANSITIONS",
    "CHANGE_REQUEST_TRANSITIONS",
    "DISPUTE_TRANSITIONS",
    "DRIVERS",
    "FAILED_OUTCOMES",
    "INTENT_TRANSITIONS",
    "LINK_EVENTS",
    "MANDATE_TRANSITIONS",
    "NOTIFICATION_CONTEXT",
    "OPEN_DISPUTE_STATUSES",
    "OPEN_REQUEST_STATUSES",
    "PROMISE_TRANSITIONS",
    "SUPPORT_TRANSITIONS",
    "AccountStatus",
    "AgingPause",
    "AmendmentKind",
    "AmendmentStatus",
    "ApprovalLimit",
    "AuditAction",
    "AuditEvent",
    "AuditKeys",
    "Callback",
    "CallbackStatus",
    "CallbackTopic",
    "ChangeRequestStatus",
    "CodePurpose",
    "CollectionAgency",
    "CollectionNotice",
    "ConsequenceRule",
    "ContactChannel",
    "ContactDirection",
    "ContactOutcome",
    "ContactParty",
    "ContactRecord",
    "CreditAccount",
    "Debtor",
    "DirectDebitExport",
    "DirectDebitMandate",
    "Dispute",
    "DisputeKind",
    "DisputeStatus",
    "Document",
    "DocumentKind",
    "EventKind",
    "EventOutcome",
    "HardshipReason",
    "IdentityCheckFailure",
    "ImportKind",
    "ImportRun",
    "ImportStatus",
    "Installment",
    "InstallmentStatus",
    "IntentStatus",
    "Invitation",
    "InvitationState",
    "MandateStatus",
    "Message",
    "NoticeChannel",
    "Notification",
    "NotificationChannel",
    "NotificationEvent",
    "NotificationPage",
    "NotificationStatus",
    "Offer",
    "OfferKind",
    "OfferStatus",
    "OneTimeCode",
    "Payment",
    "PaymentAllocation",
    "PaymentEvent",
    "PaymentIntent",
    "PaymentSource",
    "PlanAmendment",
    "PlanChangeRequest",
    "PlanStatus",
    "PortalAccess",
    "PreferredChannel",
    "Product",
    "Program",
    "PromiseStatus",
    "PromiseToPay",
    "RejectionReason",
    "ReliefKind",
    "ReliefRequest",
    "RepaymentChannel",
    "RepaymentPlan",
    "RequestStatus",
    "SupportNeed",
    "SupportStatus",
    "TermsFields",
    "User",
    "WordingKind",
    "WordingTemplate",
]
