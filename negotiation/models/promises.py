"""A promise to pay: the debtor says they will pay an amount by a day at most
PROMISE_MAX_DAYS ahead; reminders rest until then; the promise is kept when the money has
arrived, broken when the day passes without it (services.promises)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from negotiation.models.accounts import money_field


class PromiseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Not kept")


# The one table of allowed moves (services.promises.transition_promise).
PROMISE_TRANSITIONS: dict[str, frozenset[str]] = {
    PromiseStatus.OPEN: frozenset({PromiseStatus.KEPT, PromiseStatus.BROKEN}),
    PromiseStatus.KEPT: frozenset(),
    PromiseStatus.BROKEN: frozenset(),
}


class PromiseToPay(models.Model):
    account = models.ForeignKey(
        "negotiation.CreditAccount",
        on_delete=models.PROTECT,
        related_name="promises",
        verbose_name=_("account"),
    )
    amount = money_field(_("amount promised"))
    promised_by = models.DateField(_("to be paid by"))
    made_at = models.DateTimeField(_("made at"))
    made_by = models.ForeignKey(
        "negotiation.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("made by")
    )
    # Payments received on the account from the moment the promise was made count toward it.
    status = models.CharField(
        _("status"), max_length=10, choices=PromiseStatus.choices, default=PromiseStatus.OPEN
    )
    resolved_at = models.DateTimeField(_("kept or broken at"), null=True, blank=True)

    class Meta:
        ordering = ["-made_at"]
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="promise_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PromiseStatus.values),
                name="promise_status_known",
                violation_error_message=_("This promise status is not one the portal knows."),
            ),
            # One promise at a time on an account.
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status=PromiseStatus.OPEN),
                name="one_open_promise_per_account",
                violation_error_message=_("A promise to pay is already open on this account."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} by {self.promised_by:%Y-%m-%d}"


class RepaymentChannel(models.Model):
    """One of the bank's own ways to repay (its app, a branch counter, a bank transfer),
    as staff write it in both languages. ``{reference}`` and ``{card}`` in the instructions
    become the account's reference and its masked card, so the debtor quotes exactly what
    the bank matches payments on (services.content.channel_instructions)."""

    name = models.CharField(_("name"), max_length=80)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    instructions = models.TextField(_("instructions"))
    instructions_zh = models.TextField(_("instructions (Chinese)"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("shown to debtors"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("repayment channel")
        verbose_name_plural = _("repayment channels")

    def __str__(self) -> str:
        return self.name
