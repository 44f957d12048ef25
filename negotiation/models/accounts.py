from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal, overload

from django.db import models
from django.db.models.expressions import Combinable
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from negotiation import delinquency
from negotiation.models.documents import private_storage
from negotiation.money import ZERO
from negotiation.references import new_account_reference

# What a money field accepts on assignment, as django-stubs types a DecimalField.
_MoneyInput = str | float | Decimal | Combinable


@overload
def money_field(
    verbose_name: StrOrPromise, *, null: Literal[False] = ..., **kwargs: Any
) -> models.DecimalField[_MoneyInput, Decimal]: ...
@overload
def money_field(
    verbose_name: StrOrPromise, *, null: Literal[True], **kwargs: Any
) -> models.DecimalField[_MoneyInput | None, Decimal | None]: ...
def money_field(
    verbose_name: StrOrPromise, *, null: bool = False, **kwargs: Any
) -> models.DecimalField[Any, Any]:
    """Every amount of money: 14 digits, 2 decimals, never a float (DESIGN.md section 5)."""
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, null=null, **kwargs)


class Product(models.TextChoices):
    CLASSIC_CARD = "classic_card", _("Classic credit card")
    GOLD_CARD = "gold_card", _("Gold credit card")
    PLATINUM_CARD = "platinum_card", _("Platinum credit card")


class AccountStatus(models.TextChoices):
    IN_ARREARS = "in_arrears", _("In arrears")
    IN_PLAN = "in_plan", _("In a repayment plan")
    SETTLED = "settled", _("Settled")
    DISPUTED = "disputed", _("Under dispute")
    CHARGED_OFF = "charged_off", _("Charged off")
    # Bank staff's account actions (services.accounts.freeze_account and the rest).
    FROZEN = "frozen", _("Card frozen")
    CLOSED = "closed", _("Closed")


A = AccountStatus

# Every allowed move of an account's status; ``services.accounts.transition_account`` is the
# only code that changes it. An account is IN_PLAN from the approval of a plan until the
# plan ends: completed (SETTLED), or broken or expired unsigned (back to IN_ARREARS).
# FROZEN (the card cannot be used; the debt is handled as in arrears: the debtor may pay,
# promise, dispute or ask for a plan, which supersedes the freeze) and CLOSED (the account
# is ended, with nothing owed: services.accounts.close_account checks the balance) are set
# by bank staff only, as is CHARGED_OFF. CLOSED is the end: nothing moves it.
ACCOUNT_TRANSITIONS: dict[str, frozenset[str]] = {
    A.IN_ARREARS: frozenset({A.IN_PLAN, A.SETTLED, A.DISPUTED, A.CHARGED_OFF, A.FROZEN, A.CLOSED}),
    A.IN_PLAN: frozenset({A.IN_ARREARS, A.SETTLED, A.DISPUTED}),
    A.DISPUTED: frozenset({A.IN_ARREARS, A.IN_PLAN, A.SETTLED, A.FROZEN}),
    A.CHARGED_OFF: frozenset({A.IN_ARREARS, A.SETTLED, A.CLOSED}),
    A.FROZEN: frozenset({A.IN_ARREARS, A.IN_PLAN, A.SETTLED, A.DISPUTED, A.CHARGED_OFF, A.CLOSED}),
    A.SETTLED: frozenset({A.CLOSED}),
    A.CLOSED: frozenset(),
}

# The moves bank staff make by hand from the account's page (services.accounts): each names
# the statuses it starts from. Unfreezing returns the account to arrears.
FREEZABLE_ACCOUNT_STATUSES = (A.IN_ARREARS,)
CLOSABLE_ACCOUNT_STATUSES = (A.IN_ARREARS, A.CHARGED_OFF, A.FROZEN, A.SETTLED)
CHARGEABLE_OFF_ACCOUNT_STATUSES = (A.IN_ARREARS, A.FROZEN)
# Nothing is owed and nothing more is paid: the payoff letter is the account's last word.
PAID_UP_ACCOUNT_STATUSES = (A.SETTLED, A.CLOSED)

# Statuses in which the debtor may ask for relief (policy.AccountFacts.open_to_relief):
# not while a plan is agreed or awaiting signature, nor while disputed or charged off. A
# frozen card is where a plan is most needed: it stays open to one.
RELIEF_OPEN_ACCOUNT_STATUSES = (AccountStatus.IN_ARREARS, AccountStatus.FROZEN)


def payoff_letter_path(instance: CreditAccount, filename: str) -> str:
    return f"letters/{instance.reference}-payoff.pdf"


class CreditAccount(models.Model):
    """One card account in arrears. The full card number is never stored (PCI DSS 3.4.1)."""

    reference = models.CharField(
        max_length=16, unique=True, default=new_account_reference, verbose_name=_("reference")
    )
    debtor = models.ForeignKey(
        "negotiation.Debtor",
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name=_("debtor"),
    )
    # The bank's account number (not the card number): imports match on it.
    account_number = models.CharField(
        _("account number"), max_length=32, unique=True, null=True, blank=True
    )
    product = models.CharField(_("product"), max_length=32, choices=Product.choices)
    card_last4 = models.CharField(_("card, last 4 digits"), max_length=4)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    credit_limit = money_field(_("credit limit"))
    # The four parts of the balance, each as the bank's ledger has it today.
    principal = money_field(_("principal"))  # purchases and cash advances not yet repaid
    interest = money_field(_("interest"))  # accrued interest not yet paid
    fees = money_field(_("fees"))  # annual fee, cash-advance fees, installment fees
    penalty = money_field(_("penalty"))  # late-payment charges
    minimum_due = money_field(_("minimum due"))  # the statement's minimum payment
    oldest_unpaid_due_date = models.DateField(_("oldest unpaid due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=AccountStatus.choices, default=AccountStatus.IN_ARREARS
    )
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    # Refreshed every night for every account by one SQL statement (services.accounts.
    # refresh_aging): what reports and queues filter on. Pages compute the live figure.
    # The refresh writes only the rows whose figures change (no dead row per account per
    # night), so ``aging_refreshed_on`` is the day they last changed, not the last run.
    days_past_due_stored = models.PositiveIntegerField(
        _("days past due (as of last night)"), default=0
    )
    stage_stored = models.CharField(_("stage (as of last night)"), max_length=20, default="current")
    aging_refreshed_on = models.DateField(
        null=True, blank=True, verbose_name=_("days past due last changed on")
    )
    # The payoff letter (结清证明), sealed, issued once when the account is settled and stored
    # (private): every later download is that file (services.letters).
    # (The database default serves the bulk import, which writes rows with COPY.)
    payoff_letter = models.FileField(
        _("payoff letter"),
        storage=private_storage,
        upload_to=payoff_letter_path,
        max_length=200,
        blank=True,
        default="",
        db_default="",
    )
    payoff_letter_issued_at = models.DateTimeField(
        _("payoff letter issued at"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["debtor", "reference"]
        verbose_name = _("credit account")
        verbose_name_plural = _("credit accounts")
        # Bank staff's account actions (services.accounts); adding a collection notice is
        # the notice's own add right.
        permissions = [
            ("change_account_status", "Can freeze, unfreeze, close or charge off an account"),
            ("correct_account_balance", "Can correct an account's balance"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(principal__gte=0)
                & models.Q(interest__gte=0)
                & models.Q(fees__gte=0)
                & models.Q(penalty__gte=0),
                name="account_balances_not_negative",
                violation_error_message=_("No part of the balance can be below zero."),
            ),
            models.CheckConstraint(
                condition=models.Q(card_last4__regex=r"^[0-9]{4}$"),
                name="account_card_last4_digits",
                violation_error_message=_("The card's last 4 digits must be 4 digits, 0-9."),
            ),
        ]
        # The request queue finds a caller by their card's last 4 digits (docs/DESIGN.md).
        indexes = [models.Index(fields=["card_last4"], name="account_card_last4")]

    def __str__(self) -> str:
        return f"{self.get_product_display()} ···· {self.card_last4}"

    @property
    def total_balance(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.penalty

    @property
    def masked_card(self) -> str:
        return f"···· {self.card_last4}"

    def pauses(self) -> list[tuple[dt.date, dt.date]]:
        """Every agreed pause of the aging clock (``AgingPause``), oldest first; served from
        a prefetch of ``aging_pauses`` when the page made one."""
        return sorted((p.first_day, p.last_day) for p in self.aging_pauses.all())

    def days_past_due(self, today: dt.date) -> int:
        return delinquency.days_past_due(self.oldest_unpaid_due_date, today, pauses=self.pauses())

    def stage(self, today: dt.date) -> delinquency.Stage:
        return delinquency.stage_for(self.days_past_due(today))


class PaymentSource(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    BRANCH = "branch", _("Branch counter")
    AUTO_DEBIT = "auto_debit", _("Automatic debit")
    APP = "app", _("Mobile app")
    # Paid on the portal through a payment provider (services.intents).
    ONLINE = "online", _("Online payment")


class Payment(models.Model):
    """Money received on an account. ``external_id`` is the bank's id: imports are idempotent."""

    account = models.ForeignKey(
        CreditAccount, on_delete=models.PROTECT, related_name="payments", verbose_name=_("account")
    )
    amount = money_field(_("amount"))
    # The part of the amount the ledger applied to principal (the rest paid penalty, fees,
    # interest or a plan's own cost). The law counts every repayment as principal
    # (法释〔2018〕19号 Art. 9), so the principal it looks at is the ledger's plus the rest.
    principal_repaid = money_field(_("applied to principal"))
    paid_on = models.DateField(_("paid on"))
    source = models.CharField(_("source"), max_length=20, choices=PaymentSource.choices)
    external_id = models.CharField(_("external id"), max_length=64, unique=True)
    recorded_by = models.ForeignKey(
        "negotiation.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-paid_on", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="payment_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
            models.CheckConstraint(
                condition=models.Q(principal_repaid__gte=0)
                & models.Q(principal_repaid__lte=models.F("amount")),
                name="payment_principal_part_within_amount",
                violation_error_message=_(
                    "The part applied to principal must be between zero and the amount paid."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.external_id


class PaymentAllocation(models.Model):
    """The part of a payment that settled one installment of a plan."""

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("payment")
    )
    installment = models.ForeignKey(
        "negotiation.Installment",
        on_delete=models.PROTECT,
        related_name="allocations",
        verbose_name=_("installment"),
    )
    amount = money_field(_("amount"))

    class Meta:
        verbose_name = _("payment allocation")
        verbose_name_plural = _("payment allocations")
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "installment"],
                name="allocation_once_per_installment",
                violation_error_message=_("This payment is already applied to this installment."),
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="allocation_amount_positive",
                violation_error_message=_("The amount applied must be more than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} -> {self.installment_id}: {self.amount}"
