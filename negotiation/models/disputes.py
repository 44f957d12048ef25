"""A dispute: the debtor says a balance is not theirs, is wrong, or is already paid.

While it is open the account is on hold (``AccountStatus.DISPUTED``): no reminders, no
consequence shown as coming, no relief decision taken. Staff answer it within
``DISPUTE_ANSWER_DAYS`` calendar days, extendable once to ``DISPUTE_EXTENDED_ANSWER_DAYS``
with a reason the debtor reads (银行业保险业消费投诉处理管理办法, Art. 21). Every move goes
through ``services.disputes.transition_dispute``."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from negotiation.models.accounts import AccountStatus
from negotiation.references import new_reference


def new_dispute_reference() -> str:
    return new_reference("DP")


# What the debtor may write: enough for a careful account of what happened, bounded so a
# page never carries a novel (the form shows the room left).
EXPLANATION_MAX_CHARS = 2000
# What staff may write to the debtor: an answer or an extension's reason.
REASON_MAX_CHARS = 4000


# The parts of a balance a correction takes from, in the debtor's words.
PART_LABELS = {
    "principal": _("Principal"),
    "interest": _("Interest"),
    "fees": _("Fees"),
    "penalty": _("Late charges"),
}


class DisputeKind(models.TextChoices):
    NOT_MY_DEBT = "not_my_debt", _("This is not my debt")
    AMOUNT_WRONG = "amount_wrong", _("The amount is wrong")
    ALREADY_PAID = "already_paid", _("I have already paid")
    OTHER = "other", _("Something else is wrong")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Being looked into")
    EXTENDED = "extended", _("Being looked into, answer date extended")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Not upheld")


D = DisputeStatus

# The one table of allowed moves (services.disputes.transition_dispute). The answer date is
# extended at most once: EXTENDED cannot be extended again.
DISPUTE_TRANSITIONS: dict[str, frozenset[str]] = {
    D.OPEN: frozenset({D.EXTENDED, D.UPHELD, D.REJECTED}),
    D.EXTENDED: frozenset({D.UPHELD, D.REJECTED}),
    D.UPHELD: frozenset(),
    D.REJECTED: frozenset(),
}
OPEN_DISPUTE_STATUSES: tuple[str, ...] = (D.OPEN, D.EXTENDED)
ANSWERED_DISPUTE_STATUSES: tuple[str, ...] = (D.UPHELD, D.REJECTED)


class Dispute(models.Model):
    reference = models.CharField(
        max_length=16, unique=True, default=new_dispute_reference, verbose_name=_("reference")
    )
    account = models.ForeignKey(
        "negotiation.CreditAccount",
        on_delete=models.PROTECT,
        related_name="disputes",
        verbose_name=_("account"),
    )
    # The account's debtor, kept on the row so access checks and the document limits read
    # one join (the account never changes debtor).
    debtor = models.ForeignKey(
        "negotiation.Debtor",
        on_delete=models.PROTECT,
        related_name="disputes",
        verbose_name=_("debtor"),
    )
    kind = models.CharField(_("what is wrong"), max_length=16, choices=DisputeKind.choices)
    explanation = models.TextField(_("explanation"), max_length=EXPLANATION_MAX_CHARS)
    status = models.CharField(
        _("status"), max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    opened_at = models.DateTimeField(_("received at"))
    opened_by = models.ForeignKey(
        "negotiation.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    # Calendar days from the day received: DISPUTE_ANSWER_DAYS, or, once extended,
    # DISPUTE_EXTENDED_ANSWER_DAYS.
    answer_due = models.DateField(_("answer due by"))
    extended_at = models.DateTimeField(_("extended at"), null=True, blank=True)
    extension_reason = models.TextField(_("why the answer takes longer"), blank=True)
    # The answer the debtor reads: why it was upheld (and what was corrected) or not.
    answer = models.TextField(_("answer"), blank=True)
    # An upheld dispute's correction of the balance: what was taken off each part, as an
    # exact string ("120.00"); empty when nothing was corrected. The ledger moved by
    # services.accounts.correct_ledger, whose audit row holds the balances before and after.
    correction = models.JSONField(_("balance correction"), default=dict, blank=True)
    resolved_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        "negotiation.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    # The account's status when the dispute opened (it is DISPUTED meanwhile), for the
    # record; the answer puts the account back where its facts then say (a current plan:
    # in plan; nothing owed: settled; else in arrears).
    account_status_before = models.CharField(
        _("account status before"), max_length=20, choices=AccountStatus.choices
    )

    class Meta:
        ordering = ["answer_due", "opened_at"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        permissions = [("resolve_dispute", "Can answer disputes and extend their answer date")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=DisputeStatus.values),
                name="dispute_status_known",
                violation_error_message=_("This dispute status is not one the portal knows."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=DisputeKind.values),
                name="dispute_kind_known",
                violation_error_message=_("Please choose what is wrong from the answers shown."),
            ),
            models.CheckConstraint(
                condition=~models.Q(explanation=""),
                name="dispute_explained",
                violation_error_message=_("Please tell us in your own words what is wrong."),
            ),
            # One dispute at a time on an account.
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status__in=OPEN_DISPUTE_STATUSES),
                name="one_open_dispute_per_account",
                violation_error_message=_("A dispute is already open on this account."),
            ),
            # Answered exactly when answered: with a time, a person and words for the debtor.
            models.CheckConstraint(
                condition=(
                    models.Q(status__in=OPEN_DISPUTE_STATUSES, resolved_at__isnull=True)
                    | (
                        models.Q(
                            status__in=ANSWERED_DISPUTE_STATUSES,
                            resolved_at__isnull=False,
                            resolved_by__isnull=False,
                        )
                        & ~models.Q(answer="")
                    )
                ),
                name="dispute_answered_when_resolved",
                violation_error_message=_(
                    "An answered dispute needs its answer and the time it was answered."
                ),
            ),
            # An extension has its time and its reason, or there is none.
            models.CheckConstraint(
                condition=(
                    models.Q(extended_at__isnull=True, extension_reason="")
                    | (models.Q(extended_at__isnull=False) & ~models.Q(extension_reason=""))
                ),
                name="dispute_extension_has_a_reason",
                violation_error_message=_("An extension of the answer date needs its reason."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=DisputeStatus.EXTENDED)
                | models.Q(extended_at__isnull=False),
                name="dispute_extended_has_its_time",
                violation_error_message=_("An extended dispute needs the time it was extended."),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DISPUTE_STATUSES

    @property
    def taken_off(self) -> list[tuple[str, Decimal]]:
        """What the upheld dispute took off each part of the balance, labelled."""
        return [
            (str(PART_LABELS[part]), Decimal(amount)) for part, amount in self.correction.items()
        ]
