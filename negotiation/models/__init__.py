from negotiation.models.accounts import (
    AccountStatus,
    CreditAccount,
    Payment,
    PaymentSource,
    Product,
)
from negotiation.models.audit import AuditEvent
from negotiation.models.debtors import Debtor
from negotiation.models.plans import Installment, InstallmentStatus, PlanStatus, RepaymentPlan
from negotiation.models.programs import Program, ReliefKind
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
from negotiation.models.terms import TermsFields
from negotiation.models.users import User

__all__ = [
    "OPEN_REQUEST_STATUSES",
    "AccountStatus",
    "AuditEvent",
    "CreditAccount",
    "Debtor",
    "HardshipReason",
    "Installment",
    "InstallmentStatus",
    "Offer",
    "OfferKind",
    "OfferStatus",
    "Payment",
    "PaymentSource",
    "PlanStatus",
    "Product",
    "Program",
    "RejectionReason",
    "ReliefKind",
    "ReliefRequest",
    "RepaymentPlan",
    "RequestStatus",
    "TermsFields",
    "User",
]
