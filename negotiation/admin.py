"""The staff side. Decisions call the same services the tests call; money and status are
read-only here, because they change only through services (STYLE.md, "Admin calls services")."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from negotiation import money
from negotiation.exceptions import ServiceError, StaleObject
from negotiation.forms import DecisionVersionForm, RejectForm
from negotiation.http import client_ip
from negotiation.models import (
    AuditEvent,
    CreditAccount,
    Debtor,
    Installment,
    Offer,
    Payment,
    Product,
    Program,
    ReliefRequest,
    RepaymentPlan,
    RequestStatus,
    User,
)
from negotiation.roles import ROLE_PERMISSIONS, Role
from negotiation.selectors import request_history
from negotiation.services.programs import save_program
from negotiation.services.requests import approve_request, reject_request, request_affordability
from negotiation.templatetags.money import money as format_money


class ReadOnlyMixin:
    """For records that change only through services or imports."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active")


@admin.register(Debtor)
class DebtorAdmin(admin.ModelAdmin):
    list_display = ("reference", "full_name", "national_id_last4", "phone", "preferred_language")
    search_fields = ("reference", "full_name", "phone", "email", "national_id_last4")
    readonly_fields = ("reference", "national_id_hash", "national_id_last4", "user", "created_at")
    fields = (
        "reference",
        "full_name",
        "national_id_last4",
        "phone",
        "email",
        "preferred_language",
        "timezone",
        "user",
        "created_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Debtors arrive with their national ID, which is only ever stored hashed: they are
        # onboarded through the import command, not typed in here.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PaymentInline(ReadOnlyMixin, admin.TabularInline):
    model = Payment
    extra = 0
    fields = ("paid_on", "amount", "source", "external_id")
    readonly_fields = fields


_BALANCE_FIELDS = ("principal", "interest", "fees", "penalty", "minimum_due", "credit_limit")


@admin.register(CreditAccount)
class CreditAccountAdmin(admin.ModelAdmin):
    list_display = ("reference", "debtor", "product", "masked_card", "total_display", "status")
    list_filter = ("status", "product")
    search_fields = ("reference", "debtor__full_name", "debtor__reference", "card_last4")
    list_select_related = ("debtor",)
    autocomplete_fields = ("debtor",)
    inlines = [PaymentInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Balances are entered when an account is onboarded, then move only by payments
        # and agreed plans: never by hand.
        if obj is None:
            return ("reference", "status")
        return ("reference", "status", "debtor", *_BALANCE_FIELDS, "currency", "card_last4")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("total balance"))
    def total_display(self, obj: CreditAccount) -> str:
        return format_money(obj.total_balance, obj.currency)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("external_id", "account", "amount", "paid_on", "source")
    list_select_related = ("account",)
    search_fields = ("external_id", "account__reference")
    date_hierarchy = "paid_on"


PROGRAM_FIELDSETS: Any = (
    (None, {"fields": ("kind", "code", "name", "name_zh", "description", "description_zh")}),
    (
        _("Who it is for"),
        {
            "fields": (
                "active",
                "active_from",
                "active_until",
                "min_days_past_due",
                "max_days_past_due",
                "min_balance",
                "max_balance",
                "products",
                "hardship_evidence_required",
            )
        },
    ),
    (
        _("Bounds of the terms"),
        {
            "fields": (
                "months_min",
                "months_max",
                "grace_months_max",
                "min_down_payment_pct",
                "max_waiver_pct",
                "min_installment",
            )
        },
    ),
    (_("Cost"), {"fields": ("cost_method", "rate")}),
    (_("Due dates"), {"fields": ("payment_day", "first_due_min_days")}),
    (
        _("Automatic approval (off unless set)"),
        {"fields": ("auto_approve", "auto_approve_max_amount", "auto_approve_max_months")},
    ),
)


class ProgramAdminForm(forms.ModelForm):
    """Products as a list of boxes to tick rather than raw JSON."""

    products = forms.MultipleChoiceField(
        label=_("products"),
        choices=Product.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every product."),
    )

    class Meta:
        model = Program
        fields = [name for _, options in PROGRAM_FIELDSETS for name in options["fields"]]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    """Supervisors add and change programs; specialists and bank staff only read them."""

    form = ProgramAdminForm

    list_display = (
        "name",
        "kind",
        "months_min",
        "months_max",
        "grace_months_max",
        "cost_method",
        "rate",
        "auto_approve",
        "active",
    )
    list_filter = ("kind", "active", "cost_method")
    search_fields = ("name", "name_zh", "code")
    fieldsets = PROGRAM_FIELDSETS

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Requests and plans point at their program for ever; retire one with "active".
        return False

    def save_model(self, request: HttpRequest, obj: Program, form: Any, change: bool) -> None:
        save_program(obj, actor=request.user, changed_fields=list(form.changed_data))  # type: ignore[arg-type]


class OfferInline(ReadOnlyMixin, admin.TabularInline):
    model = Offer
    extra = 0
    fields = (
        "kind",
        "status",
        "amount",
        "down_payment",
        "months",
        "grace_months",
        "made_by",
        "created_at",
    )
    readonly_fields = fields


@admin.register(ReliefRequest)
class ReliefRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The review queue: oldest first, so nobody waits longest."""

    change_form_template = "admin/negotiation/reliefrequest/change_form.html"
    list_display = (
        "reference",
        "debtor_name",
        "account_last4",
        "kind",
        "amount_display",
        "months_display",
        "monthly_display",
        "days_past_due",
        "age_days",
        "status",
    )
    list_filter = ("status", "kind")
    list_select_related = ("account__debtor",)
    ordering = ("submitted_at",)
    search_fields = ("reference", "account__reference", "account__debtor__full_name")
    inlines = [OfferInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "reference",
                    "status",
                    "kind",
                    "program",
                    "account",
                    "assignee",
                    "version",
                )
            },
        ),
        (
            _("Terms asked for"),
            {
                "fields": (
                    "amount",
                    "down_payment",
                    "months",
                    "grace_months",
                    "cost_method",
                    "rate",
                    "waived_interest",
                    "waived_penalty",
                    "monthly_amount",
                )
            },
        ),
        (
            _("Situation"),
            {
                "fields": (
                    "hardship_reason",
                    "hardship_statement",
                    "monthly_income",
                    "monthly_expenses",
                    "dependents",
                )
            },
        ),
        (
            _("Decision"),
            {
                "fields": (
                    "decided_by",
                    "decided_at",
                    "decision_reason_code",
                    "decision_note",
                    "submitted_at",
                    "due_by",
                )
            },
        ),
    )

    @admin.display(description=_("debtor"), ordering="account__debtor__full_name")
    def debtor_name(self, obj: ReliefRequest) -> str:
        return obj.account.debtor.full_name

    @admin.display(description=_("card"))
    def account_last4(self, obj: ReliefRequest) -> str:
        return obj.account.masked_card

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: ReliefRequest) -> str:
        return format_money(obj.amount, obj.account.currency)

    @admin.display(description=_("months"), ordering="months")
    def months_display(self, obj: ReliefRequest) -> int:
        return obj.months

    @admin.display(description=_("monthly"), ordering="monthly_amount")
    def monthly_display(self, obj: ReliefRequest) -> str:
        return format_money(obj.monthly_amount, obj.account.currency)

    @admin.display(description=_("days past due"))
    def days_past_due(self, obj: ReliefRequest) -> int:
        return obj.account.days_past_due(timezone.localdate())

    @admin.display(description=_("age (days)"), ordering="submitted_at")
    def age_days(self, obj: ReliefRequest) -> int:
        return (timezone.now() - obj.submitted_at).days

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/approve/",
                view(self.approve_view),
                name="negotiation_reliefrequest_approve",
            ),
            path(
                "<int:object_id>/reject/",
                view(self.reject_view),
                name="negotiation_reliefrequest_reject",
            ),
            *super().get_urls(),
        ]

    def _can_decide(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ROLE_PERMISSIONS[Role.DECIDER])

    def _decidable(self, request: HttpRequest, object_id: int) -> ReliefRequest:
        if not self._can_decide(request):
            raise PermissionDenied
        return get_object_or_404(ReliefRequest, pk=object_id)

    def _change_url(self, relief_request: ReliefRequest) -> str:
        return reverse("admin:negotiation_reliefrequest_change", args=[relief_request.pk])

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        relief_request = self.get_object(request, object_id)
        if relief_request is None:
            # Not a request id: the admin's own view answers (and checks permission first).
            return super().change_view(request, object_id, form_url, extra_context)
        context = {**(extra_context or {}), **self._review_context(request, relief_request)}
        return super().change_view(request, object_id, form_url, extra_context=context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReliefRequest]:
        return super().get_queryset(request).select_related("account__debtor", "program")

    def _review_context(
        self, request: HttpRequest, relief_request: ReliefRequest
    ) -> dict[str, Any]:
        account = relief_request.account
        # Open requests show the dates they would have if approved today; decided ones,
        # the dates as of the (local) day they were submitted.
        start = (
            timezone.localdate()
            if relief_request.is_open
            else timezone.localdate(relief_request.submitted_at)
        )
        return {
            "relief_request": relief_request,
            "account": account,
            "days_past_due": account.days_past_due(timezone.localdate()),
            "stage": account.stage(timezone.localdate()),
            "disclosure": money.disclose(
                relief_request.terms, start=start, due=relief_request.program.bounds.due
            ),
            "affordability": request_affordability(relief_request),
            "can_decide": self._can_decide(request) and relief_request.is_open,
            "reject_form": RejectForm(initial={"version": relief_request.version}),
            "history": request_history(relief_request).select_related("actor"),
        }

    def approve_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return require_POST(self._approve)(request, object_id)

    def _approve(self, request: HttpRequest, object_id: int) -> HttpResponse:
        relief_request = self._decidable(request, object_id)
        form = DecisionVersionForm(request.POST)
        if not form.is_valid():
            self.message_user(request, str(StaleObject.default_message), messages.ERROR)
            return HttpResponseRedirect(self._change_url(relief_request))
        try:
            approved = approve_request(
                relief_request,
                actor=request.user,  # type: ignore[arg-type]
                today=timezone.localdate(),
                expected_version=form.cleaned_data["version"],
                ip=client_ip(request),
            )
        except ServiceError as error:
            self.message_user(request, str(error.message), messages.ERROR)
        else:
            if approved.status == RequestStatus.APPROVED:
                text = _("Approved %(reference)s. Plan %(plan)s awaits the debtor's signature.") % {
                    "reference": approved.reference,
                    "plan": approved.plan.reference,
                }
            else:
                text = _(
                    "%(reference)s is beyond your approval limit or the program's bounds: your "
                    "recommendation is with a supervisor for the second approval."
                ) % {"reference": approved.reference}
            self.message_user(request, text, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(relief_request))

    def reject_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        relief_request = self._decidable(request, object_id)
        form = RejectForm(request.POST or None, initial={"version": relief_request.version})
        if request.method == "POST" and form.is_valid():
            try:
                reject_request(
                    relief_request,
                    actor=request.user,  # type: ignore[arg-type]
                    reason_code=form.cleaned_data["reason_code"],
                    explanation=form.cleaned_data["explanation"],
                    expected_version=form.cleaned_data["version"],
                    ip=client_ip(request),
                )
            except ServiceError as error:
                self.message_user(request, str(error.message), messages.ERROR)
            else:
                self.message_user(
                    request, _("Rejected %(reference)s.") % {"reference": relief_request.reference}
                )
            return HttpResponseRedirect(self._change_url(relief_request))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "relief_request": relief_request,
            "form": form,
            "title": _("Reject %(reference)s") % {"reference": relief_request.reference},
        }
        return TemplateResponse(request, "admin/negotiation/reliefrequest/reject.html", context)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]


class InstallmentInline(ReadOnlyMixin, admin.TabularInline):
    model = Installment
    extra = 0
    fields = (
        "number",
        "due_date",
        "principal_part",
        "cost_part",
        "amount",
        "paid_amount",
        "status",
    )
    readonly_fields = fields


@admin.register(RepaymentPlan)
class RepaymentPlanAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "reference",
        "account",
        "status",
        "months",
        "total_repayable",
        "annual_rate",
        "agreed_on",
    )
    list_filter = ("status",)
    list_select_related = ("account",)
    search_fields = ("reference", "account__reference")
    inlines = [InstallmentInline]
    exclude = ("signature_user_agent",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_reference")
    list_filter = ("action", "object_type")
    search_fields = ("object_reference", "actor_label")
    date_hierarchy = "at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        return super().get_queryset(request).select_related("actor")
