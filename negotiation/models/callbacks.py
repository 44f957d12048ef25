"""A call back the debtor books: a slot inside their contact hours, the number to call and
what it is about. Staff take it from the callbacks list, call, and record the call as a
contact (services.callbacks)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from negotiation.references import new_reference


def new_callback_reference() -> str:
    return new_reference("CB")


class CallbackTopic(models.TextChoices):
    """What the debtor wants to talk about, in their words."""

    PAYING = "paying", _("I am finding it hard to pay")
    PLAN = "plan", _("My repayment plan")
    ACCOUNT = "account", _("Something on my account or statement")
    OTHER = "other", _("Something else")


class CallbackStatus(models.TextChoices):
    REQUESTED = "requested", _("Booked")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
    MISSED = "missed", _("Called, no answer")


# The one table of allowed moves (services.callbacks.transition_callback).
CALLBACK_TRANSITIONS: dict[str, frozenset[str]] = {
    CallbackStatus.REQUESTED: frozenset(
        {CallbackStatus.DONE, CallbackStatus.CANCELLED, CallbackStatus.MISSED}
    ),
    CallbackStatus.DONE: frozenset(),
    CallbackStatus.CANCELLED: frozenset(),
    CallbackStatus.MISSED: frozenset(),
}


class Callback(models.Model):
    reference = models.CharField(
        max_length=16, unique=True, default=new_callback_reference, verbose_name=_("reference")
    )
    debtor = models.ForeignKey(
        "negotiation.Debtor",
        on_delete=models.PROTECT,
        related_name="callbacks",
        verbose_name=_("debtor"),
    )
    account = models.ForeignKey(
        "negotiation.CreditAccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    request = models.ForeignKey(
        "negotiation.ReliefRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callbacks",
        verbose_name=_("request"),
    )
    starts_at = models.DateTimeField(_("call from"))
    ends_at = models.DateTimeField(_("call by"))
    phone = models.CharField(_("number to call"), max_length=32)
    topic = models.CharField(_("about"), max_length=12, choices=CallbackTopic.choices)
    note = models.TextField(_("note"), blank=True, default="", max_length=500)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CallbackStatus.choices,
        default=CallbackStatus.REQUESTED,
    )
    # The staff member who took it to call (empty: nobody yet).
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken by"),
    )
    # The call made, once done or missed.
    contact = models.OneToOneField(
        "negotiation.ContactRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callback",
        verbose_name=_("contact record"),
    )
    booked_at = models.DateTimeField(_("booked at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        indexes = [models.Index(fields=["status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=CallbackStatus.values),
                name="callback_status_known",
                violation_error_message=_("This callback status is not one the portal knows."),
            ),
            # A slot in the future when booked, and a slot that ends after it starts.
            models.CheckConstraint(
                condition=models.Q(starts_at__gt=models.F("booked_at"))
                & models.Q(ends_at__gt=models.F("starts_at")),
                name="callback_slot_ahead",
                violation_error_message=_("A call back is booked for a time still to come."),
            ),
            # One call back waiting at a time for a debtor.
            models.UniqueConstraint(
                fields=["debtor"],
                condition=models.Q(status=CallbackStatus.REQUESTED),
                name="one_open_callback_per_debtor",
                violation_error_message=_("A call back is already booked."),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status == CallbackStatus.REQUESTED
