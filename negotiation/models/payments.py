"""Paying online: a ``PaymentIntent`` is the portal's record of a payment the debtor
started with a payment provider, and ``PaymentEvent`` each notification the provider sent
about it. The money is the provider's business until it confirms: only then is a
``Payment`` recorded (services.intents), by the same rules as every other payment.

No card number, bank account or wallet detail is ever stored here: the debtor types those
on the provider's own page, never on the portal's."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from negotiation.models.accounts import money_field
from negotiation.references import new_payment_intent_reference


class IntentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    SUCCEEDED = "succeeded", _("Confirmed")
    FAILED = "failed", _("Not completed")
    EXPIRED = "expired", _("Expired")


S = IntentStatus

# The one table of allowed moves (services.intents.transition_intent). A success may still
# come after a failure or after expiry: the provider, not the portal, knows whether money
# moved, and money received is always recorded. Nothing leaves SUCCEEDED (a refund would be
# the bank's own correction, not a change of this record).
INTENT_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.SUCCEEDED, S.FAILED, S.EXPIRED}),
    S.FAILED: frozenset({S.SUCCEEDED}),
    S.EXPIRED: frozenset({S.SUCCEEDED}),
    S.SUCCEEDED: frozenset(),
}


class PaymentIntent(models.Model):
    reference = models.CharField(
        max_length=16,
        unique=True,
        default=new_payment_intent_reference,
        verbose_name=_("reference"),
    )
    account = models.ForeignKey(
        "negotiation.CreditAccount",
        on_delete=models.PROTECT,
        related_name="payment_intents",
        verbose_name=_("account"),
    )
    # The plan the debtor paid from, when they did (the payment is allocated to the account's
    # plan in force either way, as every payment is).
    plan = models.ForeignKey(
        "negotiation.RepaymentPlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment_intents",
        verbose_name=_("plan"),
    )
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    provider = models.CharField(_("provider"), max_length=32)
    status = models.CharField(
        _("status"), max_length=12, choices=IntentStatus.choices, default=IntentStatus.PENDING
    )
    started_by = models.ForeignKey(
        "negotiation.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("started by")
    )
    started_at = models.DateTimeField(_("started at"))
    # After this the portal stops waiting (services.intents.expire_payment_intents); a late
    # confirmation is still recorded.
    expires_at = models.DateTimeField(_("waits until"))
    resolved_at = models.DateTimeField(_("confirmed, failed or expired at"), null=True, blank=True)
    # The provider's own id of the payment, from its confirmation; with the provider's name
    # it is the payment's external id.
    provider_payment_id = models.CharField(_("provider's payment id"), max_length=64, blank=True)
    payment = models.OneToOneField(
        "negotiation.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intent",
        verbose_name=_("payment recorded"),
    )
    # Why the latest confirmation could not be applied (an amount that does not match, a
    # payment the ledger refused): for staff to look into; empty when all is well.
    problem = models.TextField(_("needs attention"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("online payment")
        verbose_name_plural = _("online payments")
        indexes = [models.Index(fields=["status", "expires_at"], name="payment_intent_waiting")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="payment_intent_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=IntentStatus.values),
                name="payment_intent_status_known",
                violation_error_message=_(
                    "This online payment status is not one the portal knows."
                ),
            ),
            # A confirmed intent has its payment, and only a confirmed one.
            models.CheckConstraint(
                condition=models.Q(status=IntentStatus.SUCCEEDED, payment__isnull=False)
                | (~models.Q(status=IntentStatus.SUCCEEDED) & models.Q(payment__isnull=True)),
                name="payment_intent_payment_iff_succeeded",
                violation_error_message=_(
                    "Only a completed online payment has a recorded payment."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class EventKind(models.TextChoices):
    SUCCEEDED = "succeeded", _("Payment succeeded")
    FAILED = "failed", _("Payment failed")


class EventOutcome(models.TextChoices):
    APPLIED = "applied", _("Applied")
    IGNORED = "ignored", _("Ignored: it came after the outcome was known")
    HELD = "held", _("Held for staff: it does not match the payment")


class PaymentEvent(models.Model):
    """One notification a provider sent, kept once by the provider's own event id: a second
    delivery of the same event finds this row and changes nothing."""

    intent = models.ForeignKey(
        PaymentIntent,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("online payment"),
    )
    provider = models.CharField(_("provider"), max_length=32)
    event_id = models.CharField(_("provider's event id"), max_length=128)
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    # What the provider said was paid, as it said it (compared with the intent's).
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    occurred_at = models.DateTimeField(_("at the provider"))
    received_at = models.DateTimeField(_("received at"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=EventOutcome.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["received_at", "pk"]
        verbose_name = _("provider notification")
        verbose_name_plural = _("provider notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"],
                name="payment_event_once_per_provider",
                violation_error_message=_(
                    "This notification from the payment provider is already recorded."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"
