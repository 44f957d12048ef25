"""Automatic repayment (自动还款): the debtor's instruction to debit each installment of a
plan from a bank account in their own name, on its due date (services.mandates), and the
daily file of the debits due that the bank's core system takes (``DirectDebitExport``)."""

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from negotiation.models.accounts import money_field


class MandateStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled by the debtor")
    ENDED = "ended", _("Ended with the plan")


# The one table of allowed moves (services.mandates.transition_mandate).
MANDATE_TRANSITIONS: dict[str, frozenset[str]] = {
    MandateStatus.ACTIVE: frozenset({MandateStatus.CANCELLED, MandateStatus.ENDED}),
    MandateStatus.CANCELLED: frozenset(),
    MandateStatus.ENDED: frozenset(),
}


class DirectDebitMandate(models.Model):
    """One consent to automatic repayment of one plan. The consent is evidence: the text
    the debtor read and agreed to, in full, its version, the moment, the address and the
    browser. The debit account's number is sensitive personal information (PIPL Art. 28):
    only the bank's core system needs it, in the daily export; pages, the staff site and
    the audit trail show its last 4 digits, and it is emptied once no debit can need it
    (services.mandates.forget_account_numbers)."""

    plan = models.ForeignKey(
        "negotiation.RepaymentPlan",
        on_delete=models.PROTECT,
        related_name="mandates",
        verbose_name=_("plan"),
    )
    bank_name = models.CharField(_("bank"), max_length=80)
    # The full number, digits only; "" once forgotten (account_number_removed_on).
    account_number = models.CharField(_("debit account number"), max_length=30, blank=True)
    account_last4 = models.CharField(_("account number (last 4 digits)"), max_length=4)
    account_number_removed_on = models.DateField(
        _("account number removed on"), null=True, blank=True
    )
    # The name on the debit account: the debtor's own (checked against the name on file).
    holder_name = models.CharField(_("account holder"), max_length=100)
    consent_text = models.TextField(_("consent text agreed"))
    consent_version = models.CharField(_("consent version"), max_length=20)
    consent_language = models.CharField(_("consent language"), max_length=10)
    consented_at = models.DateTimeField(_("consented at"))
    consent_ip = models.GenericIPAddressField(_("consented from address"), null=True, blank=True)
    consent_user_agent = models.CharField(_("consented in browser"), max_length=400, blank=True)
    # The first due date this mandate debits: the first unpaid installment far enough ahead
    # for the bank to prepare it (MANDATE_NOTICE_BUSINESS_DAYS), so an earlier one is paid
    # as before and a debit is never set up too late to be taken.
    first_debit_on = models.DateField(_("first debit on"))
    # For a cancellation too late for the next debit: that debit's due date, the last one
    # still taken. Null: nothing more is debited.
    last_debit_on = models.DateField(_("last debit on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MandateStatus.choices, default=MandateStatus.ACTIVE
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-consented_at", "-pk"]
        verbose_name = _("automatic repayment mandate")
        verbose_name_plural = _("automatic repayment mandates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=MandateStatus.values),
                name="mandate_status_known",
                violation_error_message=_(
                    "This automatic repayment status is not one the portal knows."
                ),
            ),
            # One debit instruction per plan at a time: an installment is never taken twice.
            models.UniqueConstraint(
                fields=["plan"],
                condition=models.Q(status=MandateStatus.ACTIVE),
                name="one_active_mandate_per_plan",
                violation_error_message=_("This plan already has automatic repayment set up."),
            ),
            models.CheckConstraint(
                condition=models.Q(account_last4__regex=r"^[0-9]{4}$"),
                name="mandate_last4_digits",
                violation_error_message=_("The account's last 4 digits must be 4 digits, 0-9."),
            ),
            models.CheckConstraint(
                condition=~models.Q(consent_text="") & ~models.Q(consent_version=""),
                name="mandate_consent_recorded",
                violation_error_message=_(
                    "Automatic repayment needs the consent text the debtor agreed to."
                ),
            ),
            # Only a cancelled mandate has a last debit.
            models.CheckConstraint(
                condition=models.Q(last_debit_on__isnull=True)
                | models.Q(status=MandateStatus.CANCELLED),
                name="mandate_last_debit_only_when_cancelled",
                violation_error_message=_(
                    "Only a cancelled automatic repayment has a last debit date."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.masked_account}"

    @property
    def masked_account(self) -> str:
        return f"···· {self.account_last4}"

    def debits_on(self, day: dt.date) -> bool:
        """Whether this mandate takes the installment due on ``day``: the one rule the
        export, the reminder and the plan page share."""
        if day < self.first_debit_on:
            return False
        if self.status == MandateStatus.ACTIVE:
            return True
        return (
            self.status == MandateStatus.CANCELLED
            and self.last_debit_on is not None
            and day <= self.last_debit_on
        )


class DirectDebitExport(models.Model):
    """The record of one day's export of due debits (services.mandates.export_due_debits):
    the file's name, how many lines, their total and the file's SHA-256; never the lines."""

    debit_date = models.DateField(_("debits due on"), unique=True)
    file_name = models.CharField(_("file"), max_length=200)
    lines = models.PositiveIntegerField(_("lines"))
    total = money_field(_("total"))  # the sum of the amounts to debit
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    written_at = models.DateTimeField(_("written at"))

    class Meta:
        ordering = ["-debit_date"]
        verbose_name = _("direct debit export")
        verbose_name_plural = _("direct debit exports")

    def __str__(self) -> str:
        return f"{self.debit_date:%Y-%m-%d}: {self.lines}"
