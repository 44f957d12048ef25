from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from negotiation import money, policy
from negotiation.models.accounts import money_field
from negotiation.models.documents import private_storage
from negotiation.models.terms import TermsFields, legal_cap_constraint
from negotiation.references import new_plan_reference


def agreement_path(instance: "RepaymentPlan", filename: str) -> str:
    return f"agreements/{instance.reference}.pdf"


class PlanStatus(models.TextChoices):
    AWAITING_SIGNATURE = "awaiting_signature", _("Awaiting your signature")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    BROKEN = "broken", _("Ended after missed payments")
    EXPIRED = "expired", _("Expired unsigned")


P = PlanStatus

PLAN_TRANSITIONS: dict[str, frozenset[str]] = {
    P.AWAITING_SIGNATURE: frozenset({P.ACTIVE, P.EXPIRED}),
    P.ACTIVE: frozenset({P.COMPLETED, P.BROKEN}),
    P.COMPLETED: frozenset(),
    P.BROKEN: frozenset(),
    P.EXPIRED: frozenset(),
}


CURRENT_PLAN_STATUSES: tuple[str, ...] = (P.AWAITING_SIGNATURE, P.ACTIVE)
# The plan is over, however it ended: no move leaves these.
ENDED_PLAN_STATUSES: tuple[str, ...] = (P.COMPLETED, P.BROKEN, P.EXPIRED)


class RepaymentPlan(TermsFields):
    """The agreed arrangement, created when a request is approved (DESIGN.md section 4)."""

    reference = models.CharField(
        max_length=16, unique=True, default=new_plan_reference, verbose_name=_("reference")
    )
    account = models.ForeignKey(
        "negotiation.CreditAccount",
        on_delete=models.PROTECT,
        related_name="plans",
        verbose_name=_("account"),
    )
    request = models.OneToOneField(
        "negotiation.ReliefRequest",
        on_delete=models.PROTECT,
        related_name="plan",
        verbose_name=_("request"),
    )
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=PlanStatus.choices,
        default=PlanStatus.AWAITING_SIGNATURE,
    )
    agreed_on = models.DateField(_("agreed on"))  # the schedule's dates count from this day
    total_repayable = money_field(_("total repayable"))  # down payment + every installment
    total_cost = money_field(_("total cost"))  # fees: total repayable less amount restructured
    annual_rate = models.DecimalField(_("annual rate (IRR, %)"), max_digits=7, decimal_places=2)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signature_ip = models.GenericIPAddressField(_("signed from address"), null=True, blank=True)
    signature_user_agent = models.CharField(_("signed in browser"), max_length=400, blank=True)
    agreement_sha256 = models.CharField(_("SHA-256 of the signed text"), max_length=64, blank=True)
    # The second half of the signature (Electronic Signature Law Art. 13: signing data
    # under the signer's sole control): a one-time code texted to the phone on file, bound
    # to this agreement's digest, typed back. Where it went (the number's last digits, never
    # the number) and when it was verified.
    signature_code_sent_to = models.CharField(
        _("signing code sent to (last digits)"), max_length=8, blank=True
    )
    signature_code_verified_at = models.DateTimeField(
        _("signing code confirmed at"), null=True, blank=True
    )
    # The language the debtor read and signed the agreement in, and the signed document
    # itself (PDF, stored once, private): downloads are that file, never a re-rendering.
    agreement_language = models.CharField(_("language signed in"), max_length=10, blank=True)
    agreement_pdf = models.FileField(
        storage=private_storage,
        upload_to=agreement_path,
        max_length=200,
        blank=True,
        verbose_name=_("signed agreement (PDF)"),
    )
    # The SHA-256 fingerprint of the certificate whose key sealed the stored PDF, so a seal
    # made before a key rotation is still checked against the right certificate.
    agreement_seal_certificate = models.CharField(
        _("seal certificate (SHA-256)"), max_length=64, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    # When the plan ended (ENDED_PLAN_STATUSES): the time of the audit row of that move. Its
    # request's retention periods count from here (services.retention).
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("repayment plan")
        verbose_name_plural = _("repayment plans")
        constraints = [
            legal_cap_constraint("plan"),
            models.CheckConstraint(
                condition=models.Q(status__in=PlanStatus.values),
                name="plan_status_known",
                violation_error_message=_("This plan status is not one the portal knows."),
            ),
            # One agreed arrangement per account at a time: the account cannot owe its
            # balance under two plans.
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status__in=CURRENT_PLAN_STATUSES),
                name="one_current_plan_per_account",
                violation_error_message=_(
                    "This account already has a plan in force or waiting for a signature."
                ),
            ),
        ]
        indexes = [models.Index(fields=["ended_at"], name="plan_ended_at")]

    def __str__(self) -> str:
        return self.reference

    def installment_states(self) -> list[policy.InstallmentState]:
        """The monthly installments as the plan rules see them (paid in full or not); the
        down payment is not a monthly installment."""
        return [
            policy.InstallmentState(i.number, i.due_date, i.paid_amount >= i.amount)
            for i in self.installments.all()
            if i.number >= 1
        ]

    @property
    def monthly_amount(self) -> Decimal:
        """The regular monthly payment of the plan's schedule (not the down payment, nor a
        pro rata first payment, nor the last one with the remainder)."""
        lines = [
            money.ScheduleLine(i.number, i.due_date, i.principal_part, i.cost_part, money.ZERO)
            for i in self.installments.all()
            if i.number >= 1
        ]
        return money.regular_amount(self.terms, lines)


class InstallmentStatus(models.TextChoices):
    DUE = "due", pgettext_lazy("installment status", "Due")
    PAID = "paid", _("Paid")
    PARTIALLY_PAID = "partially_paid", _("Partly paid")
    OVERDUE = "overdue", _("Overdue")


class Installment(models.Model):
    """One line of a plan's schedule. A plan's installments sum exactly to its total."""

    plan = models.ForeignKey(
        RepaymentPlan, on_delete=models.CASCADE, related_name="installments", verbose_name=_("plan")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    # Repays the amount restructured (the account's principal, interest, fees and late charges
    # put into the plan): never called "principal", the account's own part (docs/GLOSSARY.md).
    principal_part = money_field(_("towards the amount covered"))
    cost_part = money_field(_("cost"))  # the monthly fee
    amount = money_field(_("amount"))  # principal part + cost part
    paid_amount = money_field(_("paid"))
    status = models.CharField(
        _("status"), max_length=16, choices=InstallmentStatus.choices, default=InstallmentStatus.DUE
    )

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="installment_number_unique",
                violation_error_message=_("This plan already has an installment with this number."),
            ),
            # A tolerance of under half a fen: exact for PostgreSQL's numeric (all values
            # have 2 decimals), and robust to SQLite, which stores decimals as floats.
            models.CheckConstraint(
                condition=models.Q(
                    amount__range=(
                        models.F("principal_part") + models.F("cost_part") - Decimal("0.004"),
                        models.F("principal_part") + models.F("cost_part") + Decimal("0.004"),
                    )
                ),
                name="installment_amount_is_sum_of_parts",
                violation_error_message=_(
                    "An installment's amount must be its principal part plus its cost part."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(paid_amount__gte=0)
                & models.Q(paid_amount__lte=models.F("amount")),
                name="installment_paid_within_amount",
                violation_error_message=_(
                    "The amount paid on an installment must be between zero and its amount."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.reference} #{self.number}"

    @property
    def is_down_payment(self) -> bool:
        """Number 0: the down payment, due on the day of the agreement."""
        return self.number == 0
