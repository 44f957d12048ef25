"""Changing a signed plan by self-service (services.planchanges): each change is a new
version of the plan's terms, signed like the first (``PlanAmendment``); anything the portal
cannot change by itself is a request the specialist answers (``PlanChangeRequest``).

Version 1 is the plan's first agreement: its evidence and PDF stay on ``RepaymentPlan``.
Versions 2, 3... are amendments, each with its own evidence and sealed PDF, so no signed
document is ever overwritten.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from negotiation.models.accounts import money_field
from negotiation.models.documents import private_storage
from negotiation.money import CHANGEABLE_DAYS


def amendment_path(instance: "PlanAmendment", filename: str) -> str:
    return f"agreements/{instance.plan.reference}-v{instance.version}.pdf"


class AmendmentKind(models.TextChoices):
    PAYMENT_DAY = "payment_day", _("A new payment day")
    MOVE_TO_END = "move_to_end", _("One payment moved to the end")


class AmendmentStatus(models.TextChoices):
    AWAITING_SIGNATURE = "awaiting_signature", _("Waiting for your signature")
    SIGNED = "signed", _("Signed")
    ABANDONED = "abandoned", _("Not made")
    EXPIRED = "expired", _("Expired unsigned")


A = AmendmentStatus

# The one table of allowed moves (services.planchanges.transition_amendment).
AMENDMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    A.AWAITING_SIGNATURE: frozenset({A.SIGNED, A.ABANDONED, A.EXPIRED}),
    A.SIGNED: frozenset(),
    A.ABANDONED: frozenset(),
    A.EXPIRED: frozenset(),
}

# The versions that count: the one waiting and the signed ones. An abandoned or expired
# change was never a version of the terms, and the next one takes its number.
COUNTED_AMENDMENT_STATUSES: tuple[str, ...] = (A.AWAITING_SIGNATURE, A.SIGNED)


class PlanAmendment(models.Model):
    """One change of a signed plan's terms: what changed, the schedule before and after,
    and, once signed, the signature's evidence and the sealed agreement of this version.

    Nothing changes on the plan until the debtor signs (services.planchanges.sign_amendment);
    then the installments take the dates of ``schedule_after``."""

    plan = models.ForeignKey(
        "negotiation.RepaymentPlan",
        on_delete=models.PROTECT,
        related_name="amendments",
        verbose_name=_("plan"),
    )
    version = models.PositiveSmallIntegerField(_("version"))  # 2 for the first change
    kind = models.CharField(_("change"), max_length=16, choices=AmendmentKind.choices)
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=AmendmentStatus.choices,
        default=AmendmentStatus.AWAITING_SIGNATURE,
    )
    # A new payment day: the day before (the plan's payment day, or the agreement's day of
    # the month when it had none) and after.
    old_payment_day = models.PositiveSmallIntegerField(_("payment day before"), null=True)
    new_payment_day = models.PositiveSmallIntegerField(_("new payment day"), null=True)
    # One installment moved to the end: its number before the change, and its dates.
    moved_number = models.PositiveSmallIntegerField(_("payment moved (number)"), null=True)
    moved_from = models.DateField(_("moved from"), null=True)
    moved_to = models.DateField(_("moved to"), null=True)
    fee = money_field(_("change fee"))  # the program's fee, added to the first payment moved
    # Each installment as {number, due_date, principal_part, cost_part, paid}, amounts as
    # exact strings and dates in ISO 8601: before the change (to tell it was still the plan
    # at signing) and the new version's.
    schedule_before = models.JSONField(_("schedule before"))
    schedule_after = models.JSONField(_("schedule after"))
    total_repayable_before = money_field(_("total repayable before"))
    annual_rate_before = models.DecimalField(
        _("annual rate before (IRR, %)"), max_digits=7, decimal_places=2
    )
    total_repayable = money_field(_("total repayable"))
    total_cost = money_field(_("total cost"))
    annual_rate = models.DecimalField(_("annual rate (IRR, %)"), max_digits=7, decimal_places=2)
    requested_at = models.DateTimeField(_("asked at"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    expires_at = models.DateTimeField(_("to be signed by"))
    # When it was signed, abandoned or expired: the time of the audit row of that move.
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # The signature, as on the plan for version 1 (services.plans.sign_plan).
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signature_ip = models.GenericIPAddressField(_("signed from address"), null=True, blank=True)
    signature_user_agent = models.CharField(_("signed in browser"), max_length=400, blank=True)
    agreement_sha256 = models.CharField(_("SHA-256 of the signed text"), max_length=64, blank=True)
    signature_code_sent_to = models.CharField(
        _("signing code sent to (last digits)"), max_length=8, blank=True
    )
    signature_code_verified_at = models.DateTimeField(
        _("signing code confirmed at"), null=True, blank=True
    )
    agreement_language = models.CharField(_("language signed in"), max_length=10, blank=True)
    agreement_pdf = models.FileField(
        storage=private_storage,
        upload_to=amendment_path,
        max_length=200,
        blank=True,
        verbose_name=_("signed agreement (PDF)"),
    )
    agreement_seal_certificate = models.CharField(
        _("seal certificate (SHA-256)"), max_length=64, blank=True
    )

    class Meta:
        ordering = ["plan", "version", "requested_at"]
        verbose_name = _("plan change")
        verbose_name_plural = _("plan changes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=AmendmentStatus.values),
                name="amendment_status_known",
                violation_error_message=_(
                    "This status of a plan change is not one the portal knows."
                ),
            ),
            # Version 1 is the plan's first agreement.
            models.CheckConstraint(
                condition=models.Q(version__gte=2),
                name="amendment_version_after_the_first",
                violation_error_message=_("A changed plan's version starts at 2."),
            ),
            models.UniqueConstraint(
                fields=["plan", "version"],
                condition=models.Q(status__in=COUNTED_AMENDMENT_STATUSES),
                name="amendment_version_unique_per_plan",
                violation_error_message=_("This plan already has a version with this number."),
            ),
            # One change at a time: a second would be signed over terms that no longer hold.
            models.UniqueConstraint(
                fields=["plan"],
                condition=models.Q(status=AmendmentStatus.AWAITING_SIGNATURE),
                name="one_pending_amendment_per_plan",
                violation_error_message=_(
                    "A change of this plan is already waiting for a signature."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind=AmendmentKind.PAYMENT_DAY)
                    & models.Q(new_payment_day__gte=CHANGEABLE_DAYS.start)
                    & models.Q(new_payment_day__lt=CHANGEABLE_DAYS.stop)
                    & models.Q(old_payment_day__isnull=False)
                    & ~models.Q(new_payment_day=models.F("old_payment_day"))
                )
                | (
                    models.Q(kind=AmendmentKind.MOVE_TO_END)
                    & models.Q(moved_number__gte=1)
                    & models.Q(moved_to__gt=models.F("moved_from"))
                ),
                name="amendment_says_what_changed",
                violation_error_message=_(
                    "A plan change must say what changes: the new payment day, or the payment "
                    "moved and its dates."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(fee__gte=0),
                name="amendment_fee_not_negative",
                violation_error_message=_("The fee cannot be below zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.reference} v{self.version}"

    @property
    def earlier_version(self) -> int:
        """The version this one replaces (1: the plan's first agreement)."""
        return self.version - 1

    @property
    def is_payment_day_change(self) -> bool:
        return self.kind == AmendmentKind.PAYMENT_DAY


CHANGE_REQUEST_MAX_CHARS = 2000  # a few paragraphs: what to change, and why


class ChangeRequestStatus(models.TextChoices):
    OPEN = "open", _("With the bank")
    ANSWERED = "answered", _("Answered")


# services.planchanges.answer_change_request is the one move.
CHANGE_REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    ChangeRequestStatus.OPEN: frozenset({ChangeRequestStatus.ANSWERED}),
    ChangeRequestStatus.ANSWERED: frozenset(),
}


class PlanChangeRequest(models.Model):
    """A change of a signed plan the portal cannot make by itself, in the debtor's words,
    for a specialist to answer in the staff site (its own queue: a relief request would
    make a new plan, and this one stays)."""

    plan = models.ForeignKey(
        "negotiation.RepaymentPlan",
        on_delete=models.PROTECT,
        related_name="change_requests",
        verbose_name=_("plan"),
    )
    text = models.TextField(_("what the debtor asks"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ChangeRequestStatus.choices,
        default=ChangeRequestStatus.OPEN,
    )
    asked_at = models.DateTimeField(_("asked at"))
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("asked by"),
    )
    due_by = models.DateTimeField(_("answer due by"))
    answer = models.TextField(_("answer for the debtor"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["due_by", "pk"]
        verbose_name = _("plan change request")
        verbose_name_plural = _("plan change requests")
        permissions = [("answer_planchangerequest", "Can answer requests to change a plan")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ChangeRequestStatus.values),
                name="change_request_status_known",
                violation_error_message=_(
                    "This status of a request to change a plan is not one the portal knows."
                ),
            ),
            # One at a time: a second while the first waits would be a duplicate to answer.
            models.UniqueConstraint(
                fields=["plan"],
                condition=models.Q(status=ChangeRequestStatus.OPEN),
                name="one_open_change_request_per_plan",
                violation_error_message=_("A request to change this plan is already open."),
            ),
            models.CheckConstraint(
                condition=models.Q(status=ChangeRequestStatus.OPEN)
                | (~models.Q(answer="") & models.Q(answered_at__isnull=False)),
                name="change_request_answered_in_words",
                violation_error_message=_(
                    "An answered request needs the answer in words and the time it was answered."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.reference}: {self.get_status_display()}"
