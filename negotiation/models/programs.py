import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from negotiation.models.accounts import money_field
from negotiation.models.terms import CostMethodChoice
from negotiation.money import LEGAL_MAX_MONTHS, CostMethod, Terms, last_due_within_legal_cap
from negotiation.policy import Kind, ProgramBounds, highest_disclosed_rate

# Sane ceilings for a rate, by method: a monthly fee of 5% is already 60% a year; an annual
# nominal rate of 36% is the ceiling of enforceable interest in Chinese courts.
MAX_MONTHLY_FEE = Decimal("0.05")
MAX_ANNUAL_RATE = Decimal("0.36")
# The first payment at most this long after the agreement: longer would stretch the plan
# beyond what its number of payments says (and, near 60 payments, beyond the legal cap).
MAX_FIRST_DUE_DAYS = 45


class ReliefKind(models.TextChoices):
    INSTALLMENT = Kind.INSTALLMENT.value, _("Installment plan")
    DEFERRAL = Kind.DEFERRAL.value, _("Payment deferral")
    INTEREST_FREEZE = Kind.INTEREST_FREEZE.value, _("Interest freeze")


class Program(models.Model):
    """A relief product the bank offers, configured by supervisors without a code change."""

    kind = models.CharField(_("kind"), max_length=20, choices=ReliefKind.choices)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    # Eligibility
    min_days_past_due = models.PositiveIntegerField(_("from days overdue"), default=1)
    max_days_past_due = models.PositiveIntegerField(_("up to days overdue"), null=True, blank=True)
    min_balance = money_field(_("minimum balance"), validators=[MinValueValidator(0)])
    max_balance = money_field(_("maximum balance"), null=True, blank=True, default=None)
    products = models.JSONField(
        _("products"), default=list, blank=True, help_text=_("Empty: every product.")
    )
    active = models.BooleanField(_("active"), default=True)
    active_from = models.DateField(_("open from"), null=True, blank=True)
    active_until = models.DateField(_("open until"), null=True, blank=True)
    # Bounds of the terms
    months_min = models.PositiveSmallIntegerField(
        _("minimum months"), default=1, validators=[MinValueValidator(1)]
    )
    months_max = models.PositiveSmallIntegerField(
        _("maximum months"), validators=[MinValueValidator(1), MaxValueValidator(LEGAL_MAX_MONTHS)]
    )
    grace_months_max = models.PositiveSmallIntegerField(
        _("maximum payment-free months"), default=0, validators=[MaxValueValidator(12)]
    )
    min_down_payment_pct = models.DecimalField(
        _("minimum down payment (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    max_waiver_pct = models.DecimalField(
        _("maximum waiver of interest and penalty (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    min_installment = money_field(
        _("minimum monthly payment"),
        default=Decimal("100.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    # Cost
    cost_method = models.CharField(
        _("cost method"),
        max_length=12,
        choices=CostMethodChoice.choices,
        default=CostMethod.FLAT_FEE,
    )
    rate = models.DecimalField(
        _("rate"),
        max_digits=7,
        decimal_places=5,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "Monthly fee method: the fee each month as a fraction of the amount (0.006 is "
            "0.6%). Annual rate method: the nominal yearly rate (0.06 is 6%)."
        ),
    )
    # Due dates
    payment_day = models.PositiveSmallIntegerField(
        _("payment day of the month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("Empty: the day of the agreement. 31 means the last day of every month."),
    )
    first_due_min_days = models.PositiveSmallIntegerField(
        _("first payment at least this many days after the agreement"),
        default=15,
        validators=[MaxValueValidator(MAX_FIRST_DUE_DAYS)],
    )
    hardship_evidence_required = models.BooleanField(_("hardship evidence required"), default=False)
    # Following the plan
    grace_days = models.PositiveSmallIntegerField(
        _("days to make up a missed payment"), default=15, validators=[MaxValueValidator(60)]
    )
    misses_before_break = models.PositiveSmallIntegerField(
        _("consecutive missed payments that end the plan"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
    )
    signature_days = models.PositiveSmallIntegerField(
        _("days to sign before an approved plan expires"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    # Changing a signed plan by self-service (services.planchanges). A new payment day is
    # always possible within the limits; moving one payment to the end only where the
    # program allows it. Neither costs anything unless the program sets a fee.
    allows_move_to_end = models.BooleanField(
        _("a payment may be moved to the end once a plan year"), default=False
    )
    change_fee = money_field(
        _("fee for a change of a signed plan"),
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=_("Usually 0: a change costs the debtor nothing unless this is set."),
    )
    # Auto-approval: off unless a supervisor sets it. A request inside the envelope whose
    # payment fits the debtor's figures is approved by policy, recorded as actor "policy".
    auto_approve = models.BooleanField(
        _("approve automatically inside the envelope"), default=False
    )
    auto_approve_max_amount = money_field(
        _("auto-approve up to amount"), null=True, blank=True, default=None
    )
    auto_approve_max_months = models.PositiveSmallIntegerField(
        _("auto-approve up to months"), null=True, blank=True
    )

    class Meta:
        ordering = ["kind", "months_max"]
        verbose_name = _("relief program")
        verbose_name_plural = _("relief programs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(months_max__lte=LEGAL_MAX_MONTHS),
                name="program_months_within_legal_cap",
                violation_error_message=_(
                    "A program cannot go beyond the legal cap on the number of months."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(months_min__gte=1)
                & models.Q(months_min__lte=models.F("months_max")),
                name="program_months_range_sane",
                violation_error_message=_(
                    "The fewest months must be at least 1 and not more than the most months."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(max_days_past_due__isnull=True)
                | models.Q(max_days_past_due__gte=models.F("min_days_past_due")),
                name="program_days_range_sane",
                violation_error_message=_(
                    "The most days past due cannot be fewer than the fewest."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(max_balance__isnull=True)
                | models.Q(max_balance__gte=models.F("min_balance")),
                name="program_balance_range_sane",
                violation_error_message=_(
                    "The largest balance cannot be smaller than the smallest."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(cost_method=CostMethod.FLAT_FEE)
                    & models.Q(rate__gte=0)
                    & models.Q(rate__lte=MAX_MONTHLY_FEE)
                )
                | (
                    models.Q(cost_method=CostMethod.ANNUITY)
                    & models.Q(rate__gte=0)
                    & models.Q(rate__lte=MAX_ANNUAL_RATE)
                ),
                name="program_rate_sane_for_method",
                violation_error_message=_("The rate must be within the limits of its cost method."),
            ),
            models.CheckConstraint(
                condition=models.Q(payment_day__isnull=True)
                | (models.Q(payment_day__gte=1) & models.Q(payment_day__lte=31)),
                name="program_payment_day_in_month",
                violation_error_message=_("The payment day must be between 1 and 31."),
            ),
            models.CheckConstraint(
                condition=models.Q(grace_months_max__lte=12),
                name="program_grace_at_most_a_year",
                violation_error_message=_("Payment-free months can be at most 12."),
            ),
            models.CheckConstraint(
                condition=models.Q(min_balance__gte=0)
                & models.Q(min_installment__gt=0)
                & models.Q(first_due_min_days__lte=MAX_FIRST_DUE_DAYS)
                & models.Q(min_down_payment_pct__lt=100),
                name="program_minimums_sane",
                violation_error_message=_(
                    "The program's minimums must be within their limits: none below zero, and "
                    "the first payment not too far off."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(auto_approve=False) | models.Q(hardship_evidence_required=False),
                name="program_evidence_never_auto_approved",
                violation_error_message=_(
                    "A program that asks for proof of hardship is never approved automatically."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(min_down_payment_pct__gte=0)
                & models.Q(min_down_payment_pct__lte=100)
                & models.Q(max_waiver_pct__gte=0)
                & models.Q(max_waiver_pct__lte=100),
                name="program_percentages_sane",
                violation_error_message=_("Percentages must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=models.Q(active_from__isnull=True)
                | models.Q(active_until__isnull=True)
                | models.Q(active_until__gte=models.F("active_from")),
                name="program_active_dates_ordered",
                violation_error_message=_(
                    "The last day a program is open cannot be before its first."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(auto_approve=False)
                | (
                    models.Q(auto_approve_max_amount__isnull=False)
                    & models.Q(auto_approve_max_months__isnull=False)
                    & models.Q(auto_approve_max_months__lte=models.F("months_max"))
                ),
                name="program_auto_approve_envelope_complete",
                violation_error_message=_("Automatic approval needs all of its limits set."),
            ),
            models.CheckConstraint(
                condition=models.Q(change_fee__gte=0),
                name="program_change_fee_not_negative",
                violation_error_message=_("The fee for a plan change cannot be below zero."),
            ),
        ]

    def __str__(self) -> str:
        # In the reader's language wherever a program is shown by itself (a related field,
        # a filter, a choice), as the program_name filter does in templates.
        return self.localized_name(get_language() or "en")

    def clean(self) -> None:
        """The same rules as the database constraints, as form errors a supervisor can fix."""
        errors: dict[str, object] = {}
        if self.months_min and self.months_max and self.months_min > self.months_max:
            errors["months_min"] = _("The minimum months cannot exceed the maximum.")
        if self.max_days_past_due is not None and self.max_days_past_due < self.min_days_past_due:
            errors["max_days_past_due"] = _("The upper bound of days overdue is below the lower.")
        if self.max_balance is not None and self.max_balance < self.min_balance:
            errors["max_balance"] = _("The maximum balance is below the minimum.")
        ceiling = MAX_MONTHLY_FEE if self.cost_method == CostMethod.FLAT_FEE else MAX_ANNUAL_RATE
        if self.rate is not None and self.rate > ceiling:
            errors["rate"] = _("The rate is above %(max)s for this cost method.") % {"max": ceiling}
        if "rate" not in errors and self._bounds_complete():
            errors.update(self._rate_ceiling_errors())
            errors.update(self._legal_cap_errors())
        if self.kind == ReliefKind.DEFERRAL and not self.grace_months_max:
            errors["grace_months_max"] = _("A deferral needs at least one payment-free month.")
        elif self.months_min and self.months_min + (self.grace_months_max and 1) > LEGAL_MAX_MONTHS:
            errors["months_min"] = _(
                "With its payment-free months no plan could stay within %(months)s months."
            ) % {"months": LEGAL_MAX_MONTHS}
        if self.min_down_payment_pct is not None and self.min_down_payment_pct >= 100:
            errors["min_down_payment_pct"] = _(
                "A down payment of the whole amount leaves nothing to repay in installments."
            )
        if self.active_from and self.active_until and self.active_until < self.active_from:
            errors["active_until"] = _("The closing date is before the opening date.")
        if self.auto_approve:
            if self.auto_approve_max_amount is None:
                errors["auto_approve_max_amount"] = _(
                    "Set the largest amount approved automatically."
                )
            if self.auto_approve_max_months is None:
                errors["auto_approve_max_months"] = _(
                    "Set the longest term approved automatically."
                )
            elif self.months_max and self.auto_approve_max_months > self.months_max:
                errors["auto_approve_max_months"] = _(
                    "The envelope cannot exceed the maximum months."
                )
            elif self.months_min and self.auto_approve_max_months < self.months_min:
                errors["auto_approve_max_months"] = _(
                    "The envelope is shorter than the shortest plan: nothing would be approved."
                )
            if self.hardship_evidence_required:
                errors["auto_approve"] = _(
                    "A program that asks for evidence cannot approve automatically: a person "
                    "must see the evidence first."
                )
        if errors:
            raise ValidationError(errors)

    def _bounds_complete(self) -> bool:
        """Whether the fields the rate check prices are all set and sane (the form's own
        errors come first otherwise)."""
        return (
            self.rate is not None
            and self.rate >= 0
            and self.cost_method in {method.value for method in CostMethod}
            and bool(self.months_min)
            and bool(self.months_max)
            and self.months_min <= self.months_max
            and self.months_min <= LEGAL_MAX_MONTHS
            and (self.payment_day is None or 1 <= self.payment_day <= 31)
            and self.first_due_min_days is not None
        )

    def _legal_cap_errors(self) -> dict[str, object]:
        """The shortest plan the program allows must fit the legal cap whatever the day of
        the agreement: otherwise, on some days, a debtor could choose nothing at all."""
        bounds = self.bounds
        months = max(self.months_min, 1)
        grace = 1 if self.kind == ReliefKind.DEFERRAL else 0
        if months + grace > LEGAL_MAX_MONTHS:
            return {}  # refused below with its own message
        terms = Terms(amount=Decimal("10000.00"), months=months, grace_months=grace)
        for day in range(1, 32):
            start = dt.date(2027, 1, day)
            if not last_due_within_legal_cap(start, terms, bounds.due):
                return {
                    "months_min": _(
                        "With its first payment date, the shortest plan would end more than "
                        "%(months)s months after the agreement on some days. Lower the minimum "
                        "months or the days before the first payment."
                    )
                    % {"months": LEGAL_MAX_MONTHS}
                }
        return {}

    def _rate_ceiling_errors(self) -> dict[str, object]:
        """The ceiling is on what the debtor pays, not on the figure configured: a monthly
        fee looks small and discloses about twice itself a year (DOMAIN.md table)."""
        ceiling = settings.DISCLOSED_ANNUAL_RATE_CEILING
        highest = highest_disclosed_rate(self.bounds)
        if highest <= ceiling:
            return {}
        return {
            "rate": _(
                "With these bounds a debtor could pay %(rate)s%% a year (annual rate by IRR), "
                "above the ceiling of %(ceiling)s%%. Lower the rate or shorten the terms."
            )
            % {"rate": highest, "ceiling": ceiling}
        }

    def localized_name(self, language: str) -> str:
        return self.name_zh if language.startswith("zh") and self.name_zh else self.name

    def localized_description(self, language: str) -> str:
        if language.startswith("zh") and self.description_zh:
            return self.description_zh
        return self.description

    def is_open_on(self, day: dt.date) -> bool:
        return (
            self.active
            and (self.active_from is None or self.active_from <= day)
            and (self.active_until is None or day <= self.active_until)
        )

    def within_auto_approve_envelope(self, *, amount: Decimal, months: int) -> bool:
        return bool(
            self.auto_approve
            and not self.hardship_evidence_required
            and self.auto_approve_max_amount is not None
            and self.auto_approve_max_months is not None
            and amount <= self.auto_approve_max_amount
            and months <= self.auto_approve_max_months
        )

    @property
    def is_annuity(self) -> bool:
        """Priced at an annual rate on the declining balance (else a flat monthly fee)."""
        return self.cost_method == CostMethod.ANNUITY

    @property
    def costs_nothing(self) -> bool:
        """A plan under it repays only what is owed: an interest freeze, or no rate."""
        return self.bounds.charged_rate == 0

    @property
    def bounds(self) -> ProgramBounds:
        return ProgramBounds(
            kind=Kind(self.kind),
            months_min=self.months_min,
            months_max=self.months_max,
            grace_months_max=self.grace_months_max,
            min_days_past_due=self.min_days_past_due,
            max_days_past_due=self.max_days_past_due,
            min_balance=self.min_balance,
            max_balance=self.max_balance,
            products=tuple(self.products or ()),
            min_down_payment_pct=self.min_down_payment_pct,
            max_waiver_pct=self.max_waiver_pct,
            cost_method=CostMethod(self.cost_method),
            rate=self.rate,
            min_installment=self.min_installment,
            payment_day=self.payment_day,
            first_due_min_days=self.first_due_min_days,
            active_from=self.active_from,
            active_until=self.active_until,
        )
