from django.db import models
from django.utils.translation import gettext_lazy as _

from negotiation.models.accounts import money_field
from negotiation.money import Terms


class TermsFields(models.Model):
    """The columns of ``money.Terms``, shared by requests, offers and plans."""

    amount = money_field(_("amount restructured"))  # balance repaid under the terms, after waivers
    down_payment = money_field(_("down payment"))  # paid at the agreement, not financed
    months = models.PositiveSmallIntegerField(_("monthly payments"))
    grace_months = models.PositiveSmallIntegerField(_("payment-free months"), default=0)
    monthly_fee_rate = models.DecimalField(
        _("monthly fee rate"), max_digits=6, decimal_places=5, default=0
    )  # a fraction: 0.00600 is 0.60% a month on the financed amount
    waived_interest = money_field(_("interest waived"))
    waived_penalty = money_field(_("penalty waived"))

    class Meta:
        abstract = True

    @property
    def terms(self) -> Terms:
        return Terms(
            amount=self.amount,
            down_payment=self.down_payment,
            months=self.months,
            grace_months=self.grace_months,
            monthly_fee_rate=self.monthly_fee_rate,
            waived_interest=self.waived_interest,
            waived_penalty=self.waived_penalty,
        )

    def set_terms(self, terms: Terms) -> None:
        self.amount = terms.amount
        self.down_payment = terms.down_payment
        self.months = terms.months
        self.grace_months = terms.grace_months
        self.monthly_fee_rate = terms.monthly_fee_rate
        self.waived_interest = terms.waived_interest
        self.waived_penalty = terms.waived_penalty
