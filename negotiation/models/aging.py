"""Agreed pauses of the aging clock: every one is kept (as Apache Fineract keeps each
pause-delinquency action), so a second deferral never erases the first."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgingPause(models.Model):
    """Days, first and last inclusive, that do not count as days past due: an agreed
    deferral (DOMAIN.md, "Deferral"). Pauses of one account never overlap
    (``services.accounts.pause_aging`` starts a new one after the last), so the nightly SQL
    can add their days up one by one, as the pure ``delinquency.days_past_due`` does."""

    account = models.ForeignKey(
        "negotiation.CreditAccount",
        on_delete=models.PROTECT,
        related_name="aging_pauses",
        verbose_name=_("account"),
    )
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    plan = models.ForeignKey(
        "negotiation.RepaymentPlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="aging_pauses",
        verbose_name=_("plan"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["account", "first_day"]
        verbose_name = _("aging pause")
        verbose_name_plural = _("aging pauses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")),
                name="aging_pause_days_ordered",
                violation_error_message=_(
                    "The last day of a pause cannot be before its first day."
                ),
            ),
        ]
        indexes = [models.Index(fields=["account", "first_day"])]

    def __str__(self) -> str:
        return f"{self.first_day} – {self.last_day}"
