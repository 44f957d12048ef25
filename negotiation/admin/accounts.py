"""Bank staff's pages: users, debtors, accounts with their payments and agreed pauses,
payments posted by hand, and the formal collection notices."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from negotiation.admin.mixins import (
    ContactMaskingMixin,
    ReadOnlyMixin,
    masked_name,
)
from negotiation.admin.onboarding import DebtorInvitations, PortalAccessFilter
from negotiation.http import client_ip, staff_user
from negotiation.models import (
    AgingPause,
    CollectionNotice,
    CreditAccount,
    Debtor,
    Payment,
)
from negotiation.money import format_amount
from negotiation.services.notices import save_collection_notice
from negotiation.services.payments import payment_problems, record_payment


@admin.register(Debtor)
class DebtorAdmin(DebtorInvitations, ContactMaskingMixin[Debtor]):
    search_fields = ("reference", "external_id", "full_name", "phone", "email", "national_id_last4")
    list_filter = (PortalAccessFilter,)
    readonly_fields = (
        "reference",
        "national_id_hash",
        "national_id_last4",
        "user",
        "portal_access",
        "preferred_channel",
        "contact_window",
        "created_at",
    )
    fields = (
        "reference",
        "full_name",
        "national_id_last4",
        "phone",
        "email",
        "preferred_language",
        "preferred_channel",
        "contact_window",
        "timezone",
        "user",
        "portal_access",
        "created_at",
    )
    masked_fields = (
        "reference",
        "initials",
        "preferred_language",
        "preferred_channel",
        "contact_window",
        "timezone",
        "portal_access",
        "created_at",
    )

    def get_list_display(self, request: HttpRequest) -> Any:
        if self.sees_contacts(request):
            return (
                "reference",
                "full_name",
                "national_id_last4",
                "phone",
                "preferred_language",
                "portal_access",
            )
        return ("reference", "initials", "preferred_language", "portal_access")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields if self.sees_contacts(request) else self.masked_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if self.sees_contacts(request):
            return self.readonly_fields
        return self.masked_fields

    @admin.display(description=_("preferred contact hours"))
    def contact_window(self, obj: Debtor) -> str:
        """The debtor's own window (profile page), inside the allowed hours."""
        hours = obj.contact_window_label
        if obj.contact_from_hour is not None:
            return hours
        return _("%(hours)s (any time allowed)") % {"hours": hours}

    @admin.display(description=_("debtor"))
    def initials(self, obj: Debtor) -> str:
        return masked_name(obj.full_name)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The national ID is only ever stored hashed, so debtors are not typed in here: they
        # come from the bank's file (Imports), checked row by row.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PaymentInline(ReadOnlyMixin, admin.TabularInline[Payment, CreditAccount]):
    model = Payment
    extra = 0
    fields = ("paid_on", "amount", "principal_repaid", "source", "external_id")
    readonly_fields = fields


class AgingPauseInline(ReadOnlyMixin, admin.TabularInline[AgingPause, CreditAccount]):
    """Every agreed pause of the aging clock, for the record: set by signing a deferral."""

    model = AgingPause
    extra = 0
    fields = ("first_day", "last_day", "plan", "created_at")
    readonly_fields = fields


_BALANCE_FIELDS = ("principal", "interest", "fees", "penalty", "minimum_due", "credit_limit")


@admin.register(CreditAccount)
class CreditAccountAdmin(ContactMaskingMixin[CreditAccount]):
    list_filter = ("status", "product")
    search_fields = ("reference", "debtor__full_name", "debtor__reference", "card_last4")
    list_select_related = ("debtor",)
    autocomplete_fields = ("debtor",)
    inlines = [PaymentInline, AgingPauseInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Balances are entered when an account is onboarded, then move only by payments
        # and agreed plans: never by hand.
        if obj is None:
            return ("reference", "status")
        debtor = "debtor" if self.sees_contacts(request) else "debtor_display"
        return ("reference", "status", debtor, *_BALANCE_FIELDS, "currency", "card_last4")

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None or self.sees_contacts(request) else ("debtor",)

    def get_list_display(self, request: HttpRequest) -> Any:
        debtor = "debtor_name" if self.sees_contacts(request) else "debtor_display"
        return ("reference", debtor, "product", "masked_card", "total_display", "status")

    @admin.display(description=_("debtor"), ordering="debtor__full_name")
    def debtor_name(self, obj: CreditAccount) -> str:
        return f"{obj.debtor.full_name} ({obj.debtor.reference})"

    @admin.display(description=_("debtor"), ordering="debtor__reference")
    def debtor_display(self, obj: CreditAccount) -> str:
        """Always masked: shown only to those without the contact permission."""
        return f"{masked_name(obj.debtor.full_name)} ({obj.debtor.reference})"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("total balance"))
    def total_display(self, obj: CreditAccount) -> str:
        return format_amount(obj.total_balance, obj.currency)


class PaymentForm(forms.ModelForm[Payment]):
    """A payment entered by hand: the same rules as an import, shown as form errors."""

    class Meta:
        model = Payment
        fields = ["account", "amount", "paid_on", "source", "external_id"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        problems = payment_problems(
            cleaned["account"],
            amount=cleaned["amount"],
            paid_on=cleaned["paid_on"],
            source=cleaned["source"],
            external_id=cleaned["external_id"],
            today=timezone.localdate(),
        )
        for problem in problems:
            self.add_error(None, problem)
        return cleaned


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin[Payment]):
    """Bank staff post payments here (or import them); a payment is never edited: a
    correction is a new, opposite entry in the bank's ledger, not a change here."""

    form = PaymentForm
    list_display = ("external_id", "account", "amount", "paid_on", "source", "recorded_by")
    list_select_related = ("account", "recorded_by")
    search_fields = ("external_id", "account__reference")
    date_hierarchy = "paid_on"
    raw_id_fields = ("account",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Payment, form: Any, change: bool) -> None:
        saved = record_payment(
            obj.account,
            actor=staff_user(request),
            amount=obj.amount,
            paid_on=obj.paid_on,
            source=obj.source,
            external_id=obj.external_id,
            today=timezone.localdate(),
        )
        obj.pk = saved.pk


@admin.register(CollectionNotice)
class CollectionNoticeAdmin(admin.ModelAdmin[CollectionNotice]):
    """Formal notices sent to debtors, recorded by bank staff with their proof of receipt.
    The debtor sees them on the account page."""

    list_display = ("account", "channel", "sent_at", "delivered_at", "recorded_by")
    list_filter = ("channel",)
    list_select_related = ("account", "recorded_by")
    search_fields = ("account__reference",)
    raw_id_fields = ("account",)
    fields = ("account", "channel", "sent_at", "delivered_at", "evidence")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Once recorded, only the proof of receipt may be added.
        return ("account", "channel", "sent_at") if obj else ()

    def save_model(
        self, request: HttpRequest, obj: CollectionNotice, form: Any, change: bool
    ) -> None:
        save_collection_notice(obj, actor=staff_user(request), ip=client_ip(request))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
