from django.db import models
from django.utils.translation import gettext_lazy as _

from negotiation.models.accounts import money_field
from negotiation.money import LEGAL_MAX_MONTHS, CostMethod, DueDates, Terms


def legal_cap_constraint(prefix: str) -> models.CheckConstraint:
    """The database's own guard of the legal cap (Art. 70: five years): at least one
    payment, and payments plus payment-free months at most ``LEGAL_MAX_MONTHS``."""
    return models.CheckConstraint(
        condition=models.Q(months__gte=1)
        & models.Q(months__lte=LEGAL_MAX_MONTHS - models.F("grace_months")),
        name=f"{prefix}_months_within_legal_cap",
        violation_error_message=_(
            "At least one payment, and payments plus payment-free months at most 60."
        ),
    )


class CostMethodChoice(models.TextChoices):
    FLAT_FEE = CostMethod.FLAT_FEE.value, _("Monthly fee on the original amount")
    ANNUITY = CostMethod.ANNUITY.value, _("Annual rate on the declining balance")


class TermsFields(models.Model):
    """The columns of ``money.Terms``, shared by requests, offers and plans."""

    amount = money_field(_("amount restructured"))  # balance repaid under the terms, after waivers
    down_payment = money_field(_("down payment"))  # paid at the agreement, not financed
    months = models.PositiveSmallIntegerField(_("monthly payments"))
    grace_months = models.PositiveSmallIntegerField(_("payment-free months"), default=0)
    cost_method = models.CharField(
        _("cost method"),
        max_length=12,
        choices=CostMethodChoice.choices,
        default=CostMethod.FLAT_FEE,
    )
    # Read by cost method: the monthly fee as a fraction of the financed amount (0.00600 is
    # 0.60% a month), or the nominal annual rate on the declining balance (0.06000 is 6%).
    rate = models.DecimalField(_("rate"), max_digits=7, decimal_places=5, default=0)
    waived_interest = money_field(_("interest waived"))
    waived_penalty = money_field(_("penalty waived"))
    # The due-date rule in force when the terms were set: a later change to the program
    # does not move the dates of terms already shown or agreed.
    payment_day = models.PositiveSmallIntegerField(
        _("payment day of the month"), null=True, blank=True
    )
    first_due_min_days = models.PositiveSmallIntegerField(
        _("first payment at least this many days after the agreement"), default=0
    )

    class Meta:
        abstract = True

    @property
    def is_annuity(self) -> bool:
        """Priced at an annual rate on the declining balance (else a flat monthly fee)."""
        return self.cost_method == CostMethod.ANNUITY

    @property
    def due(self) -> DueDates:
        return DueDates(payment_day=self.payment_day, first_due_min_days=self.first_due_min_days)

    def set_due(self, due: DueDates) -> None:
        self.payment_day = due.payment_day
        self.first_due_min_days = due.first_due_min_days

    @property
    def terms(self) -> Terms:
        return Terms(
            amount=self.amount,
            down_payment=self.down_payment,
            months=self.months,
            grace_months=self.grace_months,
            cost_method=CostMethod(self.cost_method),
            rate=self.rate,
            waived_interest=self.waived_interest,
            waived_penalty=self.waived_penalty,
        )

    def set_terms(self, terms: Terms) -> None:
        self.amount = terms.amount
        self.down_payment = terms.down_payment
        self.months = terms.months
        self.grace_months = terms.grace_months
        self.cost_method = terms.cost_method.value
        self.rate = terms.rate
        self.waived_interest = terms.waived_interest
        self.waived_penalty = terms.waived_penalty
