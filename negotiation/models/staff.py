from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from negotiation.models.accounts import money_field
from negotiation.models.users import User
from negotiation.money import LEGAL_MAX_MONTHS
from negotiation.roles import is_supervisor


class ApprovalLimit(models.Model):
    """How far a specialist may approve alone (four-eyes). Beyond it, or outside the
    program's bounds, an approval becomes a recommendation for a supervisor. Set by
    supervisors. A decider with no limit row may not approve alone at all."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="approval_limit",
        verbose_name=_("user"),
    )
    max_amount = money_field(_("largest amount"))
    max_months = models.PositiveSmallIntegerField(_("longest term (months)"))

    class Meta:
        verbose_name = _("approval limit")
        verbose_name_plural = _("approval limits")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_amount__gte=0)
                & models.Q(max_months__gte=1)
                & models.Q(max_months__lte=LEGAL_MAX_MONTHS),
                name="approval_limit_sane",
                violation_error_message=_(
                    "An approval limit needs an amount of zero or more and a number of months "
                    "from 1 up to the legal cap."
                ),
            )
        ]

    def __str__(self) -> str:
        return gettext("%(user)s: up to %(amount)s over up to %(months)s months") % {
            "user": self.user,
            "amount": self.max_amount,
            "months": self.max_months,
        }

    def covers(self, *, amount: Decimal, months: int) -> bool:
        return amount <= self.max_amount and months <= self.max_months


def within_approval_limit(user: User, *, amount: Decimal, months: int) -> bool:
    """Whether ``user`` may approve terms of ``amount`` over ``months`` alone, as far as
    their own limit goes: supervisors have none; a decider without a limit row has no
    authority to approve alone (the program's bounds are checked separately)."""
    if is_supervisor(user):
        return True
    limit = ApprovalLimit.objects.filter(user=user).first()
    return limit is not None and limit.covers(amount=amount, months=months)
