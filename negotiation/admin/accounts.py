"""Bank staff's pages: users, debtors, accounts with their payments and agreed pauses,
payments posted by hand, and the formal collection notices."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from negotiation.admin.accountactions import AccountActions
from negotiation.admin.mixins import (
    ContactMaskingMixin,
    ReadOnlyMixin,
    masked_name,
)
from negotiation.admin.onboarding import DebtorInvitations, PortalAccessFilter
from negotiation.exceptions import NotSettledYet
from negotiation.http import client_ip, pdf_response, staff_user
from negotiation.models import (
    AccountStatus,
    AgingPause,
    CollectionNotice,
    CreditAccount,
    Debtor,
    Payment,
    PaymentEvent,
    PaymentIntent,
    PromiseToPay,
)
from negotiation.money import ZERO, format_amount
from negotiation.roles import VIEW_CREDITACCOUNT, VIEW_DEBTOR_CONTACT, VIEW_SUPPORT_NEED
from negotiation.selectors.support import has_support_need
from negotiation.services.letters import (
    PAYOFF,
    STATEMENT,
    payoff_filename,
    read_letter,
    statement_filename,
)
from negotiation.services.notices import save_collection_notice
from negotiation.services.payments import payment_problems, record_payment
from negotiation.services.support import read_support_need


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

    # Extra support: the marker on the debtor's page, and the details on a page of their
    # own for those with VIEW_SUPPORT_NEED, each reading audited (services.support).

    def get_urls(self) -> list[Any]:
        support = self.admin_site.admin_view(require_GET(self.support_view))
        return [
            path("<int:object_id>/support/", support, name="negotiation_debtor_support"),
            *super().get_urls(),
        ]

    def support_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        if not (request.user.has_perm(VIEW_SUPPORT_NEED) and self.has_view_permission(request)):
            raise PermissionDenied
        debtor = get_object_or_404(Debtor, pk=object_id)
        need = read_support_need(debtor, reader=staff_user(request), ip=client_ip(request))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Extra support: %(ref)s") % {"ref": debtor.reference},
            "opts": self.model._meta,
            "debtor": debtor,
            "need": need,
        }
        return TemplateResponse(request, "admin/negotiation/debtor/support.html", context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        context = {
            **(extra_context or {}),
            "needs_extra_support": object_id.isdigit() and has_support_need(int(object_id)),
            "can_read_support": request.user.has_perm(VIEW_SUPPORT_NEED),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

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


class PromiseInline(ReadOnlyMixin, admin.TabularInline[PromiseToPay, CreditAccount]):
    """The debtor's promises to pay on the account, kept or not: the history a specialist
    reads before a call."""

    model = PromiseToPay
    extra = 0
    fields = ("made_at", "amount", "promised_by", "status", "resolved_at")
    readonly_fields = fields


class AgingPauseInline(ReadOnlyMixin, admin.TabularInline[AgingPause, CreditAccount]):
    """Every agreed pause of the aging clock, for the record: set by signing a deferral."""

    model = AgingPause
    extra = 0
    fields = ("first_day", "last_day", "plan", "created_at")
    readonly_fields = fields


_BALANCE_FIELDS = ("principal", "interest", "fees", "penalty", "minimum_due", "credit_limit")


def _shown_as_money(name: str) -> Callable[[Any, CreditAccount], str]:
    """A read-only column of one of an account's amounts, in its currency, under the
    field's own label."""

    field = CreditAccount._meta.get_field(name)
    assert isinstance(field, models.Field)  # nosec B101: a name of _BALANCE_FIELDS

    @admin.display(description=field.verbose_name)
    def shown(model_admin: Any, account: CreditAccount) -> str:
        return format_amount(getattr(account, name), account.currency)

    return shown


# Kept by the portal itself, never typed in: the nightly aging refresh (services.accounts.
# refresh_aging) and the payoff letter issued when the account settles.
SYSTEM_FIELDS = (
    "days_past_due_stored",
    "stage_stored",
    "aging_refreshed_on",
    "payoff_letter",
    "payoff_letter_issued_at",
)


@admin.register(CreditAccount)
class CreditAccountAdmin(AccountActions, ContactMaskingMixin[CreditAccount]):
    """An account's page is read-only: after onboarding, an account changes only by the
    bank's files (imports), payments, plans, disputes and the account actions whose buttons
    this page shows to those who hold their right (admin.accountactions), each a service
    that locks the row and writes the audit trail."""

    list_filter = ("status", "product")
    search_fields = ("reference", "debtor__full_name", "debtor__reference", "card_last4")
    list_select_related = ("debtor",)
    autocomplete_fields = ("debtor",)
    inlines = [PaymentInline, PromiseInline, AgingPauseInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # No field of a stored account is edited by hand: a POST to its page is refused.
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Balances are entered when an account is onboarded, then move only by payments,
        # agreed plans and the audited corrections: never by hand.
        if obj is None:
            return ("reference", "status")
        debtor = "debtor" if self.sees_contacts(request) else "debtor_display"
        return (
            "reference",
            "status",
            debtor,
            "account_number",
            "product",
            *(f"{name}_shown" for name in _BALANCE_FIELDS),
            "currency",
            "card_last4",
            "oldest_unpaid_due_date",
            "opened_on",
            "days_past_due_stored",
            "stage_stored",
            "aging_refreshed_on",
            "letters",
        )

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        # The payoff letter is issued by the portal when the account settles, never by hand;
        # the aging figures are the nightly job's.
        # A stored account's amounts are shown as money (¥25,012.00), not as the bare
        # numbers of their fields.
        if obj is None:
            return SYSTEM_FIELDS
        if self.sees_contacts(request):
            return (*SYSTEM_FIELDS[3:], *_BALANCE_FIELDS)
        return (*SYSTEM_FIELDS[3:], "debtor", *_BALANCE_FIELDS)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        account = self.get_object(request, object_id)
        buttons = self.action_buttons(request, account) if account is not None else []
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "action_buttons": buttons}
        )

    @admin.display(description=_("letters (PDF)"))
    def letters(self, obj: CreditAccount) -> str:
        """The statement of account, and the payoff letter once settled: they name the
        debtor, so only staff who may see names open them (each read audited)."""
        statement = reverse("admin:negotiation_creditaccount_statement", args=[obj.pk])
        if obj.status != AccountStatus.SETTLED:
            return format_html('<a href="{}">{}</a>', statement, _("Statement of account"))
        payoff = reverse("admin:negotiation_creditaccount_payoff_letter", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            statement,
            _("Statement of account"),
            payoff,
            _("Payoff letter"),
        )

    def get_urls(self) -> list[Any]:
        return [
            *self.action_urls(),
            path(
                "<int:object_id>/statement.pdf",
                self.admin_site.admin_view(self.statement_view),
                name="negotiation_creditaccount_statement",
            ),
            path(
                "<int:object_id>/payoff.pdf",
                self.admin_site.admin_view(self.payoff_letter_view),
                name="negotiation_creditaccount_payoff_letter",
            ),
            *super().get_urls(),
        ]

    def statement_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return self._letter(request, object_id, STATEMENT)

    def payoff_letter_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return self._letter(request, object_id, PAYOFF)

    def _letter(self, request: HttpRequest, object_id: int, letter: str) -> HttpResponse:
        user = staff_user(request)
        if not (user.has_perm(VIEW_CREDITACCOUNT) and user.has_perm(VIEW_DEBTOR_CONTACT)):
            raise PermissionDenied
        account = get_object_or_404(CreditAccount.objects.select_related("debtor"), pk=object_id)
        now = timezone.now()
        try:
            content = read_letter(
                account, letter=letter, actor=user, ip=client_ip(request), now=now
            )
        except NotSettledYet:
            raise Http404 from None
        name = (
            payoff_filename(account)
            if letter == PAYOFF
            else statement_filename(account, timezone.localdate(now))
        )
        return pdf_response(content, name)

    # Each amount as money (¥25,012.00), labelled as its field.
    principal_shown = _shown_as_money("principal")
    interest_shown = _shown_as_money("interest")
    fees_shown = _shown_as_money("fees")
    penalty_shown = _shown_as_money("penalty")
    minimum_due_shown = _shown_as_money("minimum_due")
    credit_limit_shown = _shown_as_money("credit_limit")

    def get_list_display(self, request: HttpRequest) -> Any:
        debtor = "debtor_name" if self.sees_contacts(request) else "debtor_display"
        return ("reference", debtor, "product", "card", "total_display", "status")

    @admin.display(description=_("card"), ordering="card_last4")
    def card(self, obj: CreditAccount) -> str:
        return obj.masked_card

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

    def clean_amount(self) -> Decimal:
        """A payment is money received: more than nothing, in the portal's own words (the
        database's check is the last line of defence, never the message)."""
        amount: Decimal = self.cleaned_data["amount"]
        if amount <= 0:
            account = self.cleaned_data.get("account")
            currency = account.currency if account is not None else "CNY"
            raise forms.ValidationError(
                _("The amount must be more than %(zero)s.")
                % {"zero": format_amount(ZERO, currency)},
                code="not_positive",
            )
        return amount

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
    # Chosen by its reference, card's last 4 digits or the debtor's name (the account
    # admin's search), never by an internal id.
    autocomplete_fields = ("account",)

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


class PaymentEventInline(ReadOnlyMixin, admin.TabularInline[PaymentEvent, PaymentIntent]):
    """Every notification the provider sent about the payment, applied or not."""

    model = PaymentEvent
    extra = 0
    fields = ("received_at", "event_id", "kind", "amount", "currency", "outcome", "note")
    readonly_fields = fields


@admin.register(PaymentIntent)
class PaymentIntentAdmin(ReadOnlyMixin, admin.ModelAdmin[PaymentIntent]):
    """Payments debtors started online, read-only: they move only by the provider's signed
    notifications and by expiry (services.intents). "Needs attention" lists those whose
    notification was held (an amount that does not match, a payment the ledger refused):
    settle them with the provider and post any correction as a payment."""

    list_display = (
        "reference",
        "account",
        "amount",
        "currency",
        "provider",
        "status",
        "started_at",
        "needs_attention",
    )
    list_filter = ("status", "provider", ("problem", admin.EmptyFieldListFilter))
    list_select_related = ("account",)
    search_fields = ("reference", "account__reference", "provider_payment_id")
    date_hierarchy = "started_at"
    fields = (
        "reference",
        "account",
        "plan",
        "amount",
        "currency",
        "provider",
        "status",
        "started_at",
        "expires_at",
        "resolved_at",
        "provider_payment_id",
        "payment",
        "problem",
    )
    readonly_fields = fields
    inlines = [PaymentEventInline]

    @admin.display(description=_("needs attention"), boolean=True)
    def needs_attention(self, obj: PaymentIntent) -> bool:
        return bool(obj.problem)


@admin.register(CollectionNotice)
class CollectionNoticeAdmin(admin.ModelAdmin[CollectionNotice]):
    """Formal notices sent to debtors, recorded by bank staff with their proof of receipt.
    The debtor sees them on the account page."""

    list_display = ("account", "channel", "sent_at", "delivered_at", "recorded_by")
    list_filter = ("channel",)
    list_select_related = ("account", "recorded_by")
    search_fields = ("account__reference",)
    autocomplete_fields = ("account",)
    fields = ("account", "channel", "sent_at", "delivered_at", "text", "evidence")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Once recorded, only the proof of receipt may be added.
        return ("account", "channel", "sent_at", "text") if obj else ()

    def save_model(
        self, request: HttpRequest, obj: CollectionNotice, form: Any, change: bool
    ) -> None:
        save_collection_notice(obj, actor=staff_user(request), ip=client_ip(request))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
