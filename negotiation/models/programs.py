from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from negotiation.models.accounts import money_field
from negotiation.money import LEGAL_MAX_MONTHS
from negotiation.policy import ProgramBounds


class ReliefKind(models.TextChoices):
    INSTALLMENT = "installment", _("Installment plan")
    DEFERRAL = "deferral", _("Payment deferral")
    INTEREST_FREEZE = "interest_freeze", _("Interest freeze")


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
    min_balance = money_field(_("minimum balance"))
    max_balance = money_field(_("maximum balance"), null=True, blank=True, default=None)
    products = models.JSONField(
        _("products"), default=list, blank=True, help_text=_("Empty: every product.")
    )
    # Bounds of the terms
    months_min = models.PositiveSmallIntegerField(
        _("minimum months"), default=1, validators=[MinValueValidator(1)]
    )
    months_max = models.PositiveSmallIntegerField(
        _("maximum months"), validators=[MinValueValidator(1), MaxValueValidator(LEGAL_MAX_MONTHS)]
    )
    grace_months_max = models.PositiveSmallIntegerField(_("maximum payment-free months"), default=0)
    monthly_fee_rate = models.DecimalField(
        _("monthly fee rate"),
        max_digits=6,
        decimal_places=5,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.05"))],
        help_text=_("A fraction of the financed amount each month: 0.006 is 0.6%."),
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
    hardship_evidence_required = models.BooleanField(_("hardship evidence required"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "months_max"]
        verbose_name = _("relief program")
        verbose_name_plural = _("relief programs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(months_max__lte=LEGAL_MAX_MONTHS),
                name="program_months_within_legal_cap",
            ),
            models.CheckConstraint(
                condition=models.Q(months_min__gte=1)
                & models.Q(months_min__lte=models.F("months_max")),
                name="program_months_range_sane",
            ),
            models.CheckConstraint(
                condition=models.Q(max_days_past_due__isnull=True)
                | models.Q(max_days_past_due__gte=models.F("min_days_past_due")),
                name="program_days_range_sane",
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_fee_rate__gte=0)
                & models.Q(monthly_fee_rate__lte=Decimal("0.05")),
                name="program_fee_rate_sane",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def localized_name(self, language: str) -> str:
        return self.name_zh if language.startswith("zh") and self.name_zh else self.name

    def localized_description(self, language: str) -> str:
        if language.startswith("zh") and self.description_zh:
            return self.description_zh
        return self.description

    @property
    def bounds(self) -> ProgramBounds:
        return ProgramBounds(
            kind=self.kind,
            months_min=self.months_min,
            months_max=self.months_max,
            grace_months_max=self.grace_months_max,
            min_days_past_due=self.min_days_past_due,
            max_days_past_due=self.max_days_past_due,
            min_balance=self.min_balance,
            max_balance=self.max_balance,
            products=tuple(self.products or ()),
            min_down_payment_pct=self.min_down_payment_pct,
            monthly_fee_rate=self.monthly_fee_rate,
        )
