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
        "negotiation.CreditAccount", on_delete=models.PROTECT, related_name="promises"
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
                condition=models.Q(amount__gt=0), name="promise_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PromiseStatus.values), name="promise_status_known"
            ),
            # One promise at a time on an account.
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status=PromiseStatus.OPEN),
                name="one_open_promise_per_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} by {self.promised_by:%Y-%m-%d}"
