from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from negotiation.models.accounts import money_field
from negotiation.models.programs import ReliefKind
from negotiation.models.terms import TermsFields, legal_cap_constraint
from negotiation.references import new_request_reference
from negotiation.roles import Role


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    NEEDS_INFO = "needs_info", _("Information requested")
    COUNTER_OFFERED = "counter_offered", _("Counter-offer made")
    AWAITING_SECOND_APPROVAL = "awaiting_second_approval", _("Awaiting second approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


S = RequestStatus
R = Role

# Every allowed move (DESIGN.md section 4) and who may make it; nothing else is allowed.
# ``services.requests.transition_request`` is the only code that changes a status.
REQUEST_TRANSITIONS: dict[tuple[str, str], Role] = {
    (S.SUBMITTED, S.IN_REVIEW): R.REVIEWER,
    (S.SUBMITTED, S.WITHDRAWN): R.DEBTOR,
    (S.IN_REVIEW, S.APPROVED): R.DECIDER,
    (S.IN_REVIEW, S.REJECTED): R.DECIDER,
    (S.IN_REVIEW, S.NEEDS_INFO): R.DECIDER,
    (S.IN_REVIEW, S.COUNTER_OFFERED): R.DECIDER,
    (S.IN_REVIEW, S.AWAITING_SECOND_APPROVAL): R.DECIDER,
    (S.IN_REVIEW, S.WITHDRAWN): R.DEBTOR,
    (S.NEEDS_INFO, S.IN_REVIEW): R.DEBTOR,  # the debtor answers the question
    (S.NEEDS_INFO, S.WITHDRAWN): R.DEBTOR,
    (S.NEEDS_INFO, S.EXPIRED): R.SYSTEM,
    (S.COUNTER_OFFERED, S.APPROVED): R.DEBTOR,  # the debtor accepts the counter-offer
    (S.COUNTER_OFFERED, S.IN_REVIEW): R.DEBTOR,  # the debtor declines, with a comment
    (S.COUNTER_OFFERED, S.WITHDRAWN): R.DEBTOR,
    (S.COUNTER_OFFERED, S.EXPIRED): R.SYSTEM,
    (S.AWAITING_SECOND_APPROVAL, S.APPROVED): R.SECOND_APPROVER,
    (S.AWAITING_SECOND_APPROVAL, S.IN_REVIEW): R.SECOND_APPROVER,
    (S.AWAITING_SECOND_APPROVAL, S.WITHDRAWN): R.DEBTOR,
}

# Open statuses in which the bank owes the next step (the answer-due clock runs); in the
# others the bank waits for the debtor.
WITH_THE_BANK_STATUSES: tuple[str, ...] = (S.SUBMITTED, S.IN_REVIEW, S.AWAITING_SECOND_APPROVAL)

OPEN_REQUEST_STATUSES: tuple[str, ...] = (
    S.SUBMITTED,
    S.IN_REVIEW,
    S.NEEDS_INFO,
    S.COUNTER_OFFERED,
    S.AWAITING_SECOND_APPROVAL,
)

# The statuses in which a request is over by itself: no move leaves them. An approved
# request is not among them: the relief it gave ends with its plan (PlanStatus, ENDED).
CLOSED_REQUEST_STATUSES: tuple[str, ...] = (S.REJECTED, S.WITHDRAWN, S.EXPIRED)

# The moves that decide relief (or recommend it): none is taken while the account's balance
# is disputed, since the decision would rest on figures the debtor says are wrong.
DECISION_STATUSES = frozenset(
    {S.APPROVED, S.REJECTED, S.COUNTER_OFFERED, S.AWAITING_SECOND_APPROVAL}
)


class HardshipReason(models.TextChoices):
    JOB_LOSS = "job_loss", _("Loss of job or income")
    ILLNESS = "illness", _("Illness or injury")
    BUSINESS = "business", _("Business difficulties")
    FAMILY = "family", _("Family circumstances")
    OTHER_DEBTS = "other_debts", _("Too many debts at once")
    OTHER = "other", _("Other")


class RejectionReason(models.TextChoices):
    AFFORDABILITY = "affordability", _("The payments would not be affordable on the figures given")
    OUT_OF_POLICY = "out_of_policy", _("The terms asked for are outside what the bank can offer")
    INSUFFICIENT_INFORMATION = "insufficient_information", _("We did not have enough information")
    ACCOUNT_INELIGIBLE = "account_ineligible", _("This account cannot be restructured at present")
    OTHER = "other", _("Another reason, explained below")


class ReliefRequest(TermsFields):
    """A debtor's ask for relief on one account, and its review (DESIGN.md section 4).

    ``status`` changes only through ``services.requests.transition_request``. ``version``
    grows by one on every change, so a decision taken on a stale page can be refused.
    """

    reference = models.CharField(
        max_length=16, unique=True, default=new_request_reference, verbose_name=_("reference")
    )
    account = models.ForeignKey(
        "negotiation.CreditAccount",
        on_delete=models.PROTECT,
        related_name="relief_requests",
        verbose_name=_("account"),
    )
    program = models.ForeignKey(
        "negotiation.Program",
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("program"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReliefKind.choices)
    status = models.CharField(
        _("status"), max_length=32, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    hardship_reason = models.CharField(
        _("hardship reason"), max_length=20, choices=HardshipReason.choices
    )
    hardship_statement = models.TextField(_("hardship statement"))
    monthly_income = money_field(_("monthly income"))  # net, all household members
    monthly_expenses = money_field(_("monthly expenses"))  # rent, food, transport, other debts
    dependents = models.PositiveSmallIntegerField(_("dependents"), default=0)
    consent_truthful = models.BooleanField(
        default=False, verbose_name=_("confirmed the facts are true")
    )
    consent_data_processing = models.BooleanField(
        default=False, verbose_name=_("agreed to the use of their data")
    )
    # What the debtor saw at submission: the balance and the regular payment it led to.
    snapshot_principal = money_field(_("principal at submission"))
    snapshot_interest = money_field(_("interest at submission"))
    snapshot_fees = money_field(_("fees at submission"))
    snapshot_penalty = money_field(_("penalty at submission"))
    monthly_amount = money_field(_("monthly amount"))  # first regular installment of the terms
    days_past_due_at_submission = models.PositiveIntegerField(
        default=0, verbose_name=_("days past due when submitted")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_requests",
        verbose_name=_("assignee"),
    )
    # Four-eyes: who recommended approval beyond their limit, and why. The second approver
    # (``decided_by``) can never be the same person (a database constraint below).
    first_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recommended_requests",
        verbose_name=_("first approved by"),
    )
    recommendation = models.TextField(_("recommendation"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decided_requests",
        verbose_name=_("decided by"),
    )
    decision_reason_code = models.CharField(
        _("reason"), max_length=32, choices=RejectionReason.choices, blank=True
    )
    decision_note = models.TextField(_("explanation for the debtor"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    due_by = models.DateTimeField(_("answer due by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Set when the answer-due time passed while the request was with the bank: supervisors
    # see it in the queue's "escalated" filter. Cleared when the clock restarts.
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # When the request reached a closed status (CLOSED_REQUEST_STATUSES): the time of the
    # audit row of that move. Empty while it is open, and for an approved request, whose
    # relief ends with its plan (RepaymentPlan.ended_at). Retention counts from here.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The day the retention job removed the debtor's own words and figures from the request
    # and its messages (services.retention.REQUEST_FIELDS_REMOVED); the decision stays.
    personal_data_removed_on = models.DateField(
        _("personal data removed on"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["submitted_at"]
        verbose_name = _("relief request")
        verbose_name_plural = _("relief requests")
        permissions = [
            ("review_reliefrequest", "Can review relief requests"),
            ("decide_reliefrequest", "Can approve or reject relief requests"),
            ("second_approve_reliefrequest", "Can give the second approval on relief requests"),
            ("view_relief_dashboard", "Can read the relief dashboard"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status__in=OPEN_REQUEST_STATUSES),
                name="one_open_request_per_account",
                violation_error_message=_("A request is already in progress for this account."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=RequestStatus.values),
                name="request_status_known",
                violation_error_message=_("This request status is not one the portal knows."),
            ),
            legal_cap_constraint("request"),
            models.CheckConstraint(
                condition=models.Q(first_approved_by__isnull=True)
                | models.Q(decided_by__isnull=True)
                | ~models.Q(decided_by=models.F("first_approved_by")),
                name="second_approver_is_not_the_first",
                violation_error_message=_(
                    "The second approval must come from another person than the first."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["closed_at"], name="request_closed_at"),
            # The queue's views, in their order (answer due, then the largest, then the
            # newest: the admin adds "-pk" to make the order total): open requests only, a
            # small part of all there have been (docs/DESIGN.md, "The request queue").
            models.Index(
                fields=["due_by", "-amount", "-id"],
                condition=models.Q(status__in=OPEN_REQUEST_STATUSES),
                name="request_open_by_due",
            ),
            # The same order over every request: the "All" view, a closed status, a search.
            models.Index(fields=["due_by", "-amount", "-id"], name="request_by_due"),
            # The open views' bounded count (the statuses and assignees it filters on), read
            # from the index alone.
            models.Index(
                fields=["status", "assignee"],
                condition=models.Q(status__in=OPEN_REQUEST_STATUSES),
                name="request_open_by_assignee",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES


class OfferKind(models.TextChoices):
    ASK = "ask", _("Your request")
    COUNTER = "counter", _("Counter-offer")


class OfferStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    SUPERSEDED = "superseded", _("Superseded")
    EXPIRED = "expired", _("Expired")


class Offer(TermsFields):
    """A set of terms on a request: the debtor's ask, or a specialist's counter-offer."""

    request = models.ForeignKey(
        ReliefRequest, on_delete=models.CASCADE, related_name="offers", verbose_name=_("request")
    )
    kind = models.CharField(max_length=10, choices=OfferKind.choices, verbose_name=_("kind"))
    # The program the terms are under: the request's for the debtor's ask; a counter-offer
    # may propose another the account is eligible for, which becomes the request's (and so
    # its plan's) when the debtor accepts.
    program = models.ForeignKey(
        "negotiation.Program",
        on_delete=models.PROTECT,
        related_name="offers",
        verbose_name=_("program"),
    )
    status = models.CharField(
        max_length=12,
        choices=OfferStatus.choices,
        default=OfferStatus.PENDING,
        verbose_name=_("status"),
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("made by"),
    )
    expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("expires at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=models.Q(status="pending"),
                name="one_pending_offer_per_request",
                violation_error_message=_(
                    "This request already has an offer waiting for an answer."
                ),
            ),
            legal_cap_constraint("offer"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
