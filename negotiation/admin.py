"""The staff side. Decisions call the same services the tests call; money and status are
read-only here, because they change only through services (STYLE.md, "Admin calls services")."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from negotiation.admin_requests import CONTACT_PERMISSION, ReliefRequestAdmin, masked_name
from negotiation.http import client_ip, pdf_response
from negotiation.models import (
    AgingPause,
    ApprovalLimit,
    AuditEvent,
    CollectionNotice,
    ConsequenceRule,
    CreditAccount,
    Debtor,
    Installment,
    Notification,
    Payment,
    Product,
    Program,
    ReliefRequest,
    RepaymentPlan,
    User,
)
from negotiation.services.agreements import agreement_filename, agreement_pdf
from negotiation.services.audit import record_event
from negotiation.services.notifications import send_again
from negotiation.services.payments import payment_problems, record_payment
from negotiation.services.programs import save_program
from negotiation.services.staff import save_approval_limit
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


class ContactMaskingMixin:
    """Names and contact details only for those who hold ``view_debtor_contact``; others
    (compliance) see initials and the debtor's reference, and cannot search by name."""

    def sees_contacts(self, request: HttpRequest) -> bool:
        return request.user.has_perm(CONTACT_PERMISSION)

    def get_search_fields(self, request: HttpRequest) -> Any:
        fields = super().get_search_fields(request)  # type: ignore[misc]
        if self.sees_contacts(request):
            return fields
        return tuple(f for f in fields if "name" not in f and "phone" not in f and "email" not in f)


@admin.register(Debtor)
class DebtorAdmin(ContactMaskingMixin, admin.ModelAdmin):
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
    masked_fields = ("reference", "initials", "preferred_language", "timezone", "created_at")

    def get_list_display(self, request: HttpRequest) -> Any:
        if self.sees_contacts(request):
            return ("reference", "full_name", "national_id_last4", "phone", "preferred_language")
        return ("reference", "initials", "preferred_language")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields if self.sees_contacts(request) else self.masked_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if self.sees_contacts(request):
            return self.readonly_fields
        return self.masked_fields

    @admin.display(description=_("debtor"))
    def initials(self, obj: Debtor) -> str:
        return masked_name(obj.full_name)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The national ID is only ever stored hashed, so debtors are not typed in here: bank
        # onboarding by import is still to be built (see the closing notes).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PaymentInline(ReadOnlyMixin, admin.TabularInline):
    model = Payment
    extra = 0
    fields = ("paid_on", "amount", "principal_repaid", "source", "external_id")
    readonly_fields = fields


class AgingPauseInline(ReadOnlyMixin, admin.TabularInline):
    """Every agreed pause of the aging clock, for the record: set by signing a deferral."""

    model = AgingPause
    extra = 0
    fields = ("first_day", "last_day", "plan", "created_at")
    readonly_fields = fields


_BALANCE_FIELDS = ("principal", "interest", "fees", "penalty", "minimum_due", "credit_limit")


@admin.register(CreditAccount)
class CreditAccountAdmin(ContactMaskingMixin, admin.ModelAdmin):
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
        return format_money(obj.total_balance, obj.currency)


class PaymentForm(forms.ModelForm):
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
class PaymentAdmin(admin.ModelAdmin):
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
            actor=request.user,  # type: ignore[arg-type]
            amount=obj.amount,
            paid_on=obj.paid_on,
            source=obj.source,
            external_id=obj.external_id,
            today=timezone.localdate(),
        )
        obj.pk = saved.pk


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
        _("Following the plan"),
        {"fields": ("signature_days", "grace_days", "misses_before_break")},
    ),
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


admin.site.register(ReliefRequest, ReliefRequestAdmin)


@admin.register(ApprovalLimit)
class ApprovalLimitAdmin(admin.ModelAdmin):
    """Supervisors set how far each specialist approves alone (four-eyes beyond it)."""

    list_display = ("user", "max_amount", "max_months")
    search_fields = ("user__username",)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: ApprovalLimit, form: Any, change: bool) -> None:
        save_approval_limit(obj, actor=request.user)  # type: ignore[arg-type]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # lower a limit instead: the audit trail keeps every value


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
    exclude = ("signature_user_agent", "agreement_pdf")
    readonly_fields = ("agreement_document",)

    @admin.display(description=_("agreement (PDF)"))
    def agreement_document(self, obj: RepaymentPlan) -> str:
        url = reverse("admin:negotiation_repaymentplan_agreement", args=[obj.pk])
        label = _("Signed agreement") if obj.signed_at else _("Draft agreement (not signed)")
        return format_html('<a href="{}">{}</a>', url, label)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:object_id>/agreement.pdf",
                self.admin_site.admin_view(self.agreement_view),
                name="negotiation_repaymentplan_agreement",
            ),
            *super().get_urls(),
        ]

    def agreement_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """The agreement PDF in the debtor's language. It names the debtor, so it takes the
        right to see debtors' contact details too; every staff read is audited."""
        user = request.user
        if not (
            user.has_perm("negotiation.view_repaymentplan") and user.has_perm(CONTACT_PERMISSION)
        ):
            raise PermissionDenied
        plan = get_object_or_404(
            RepaymentPlan.objects.select_related("account__debtor", "request__program"),
            pk=object_id,
        )
        content = agreement_pdf(
            plan,
            language=plan.account.debtor.preferred_language,
            actor=user,  # type: ignore[arg-type]
        )
        record_event(
            plan,
            actor=user,  # type: ignore[arg-type]
            action="plan.agreement_read",
            ip=client_ip(request),
        )
        return pdf_response(content, agreement_filename(plan))


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_reference")
    list_filter = ("action", "object_type")
    search_fields = ("object_reference", "actor_label")
    date_hierarchy = "at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        return super().get_queryset(request).select_related("actor")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The outbox: every message to a debtor with where it stands. A failed one shows its
    error and can be sent again (at the next time contact hours allow)."""

    list_display = (
        "created_at",
        "debtor",
        "channel",
        "template",
        "status",
        "scheduled_for",
        "attempts",
        "sent_at",
        "short_error",
    )
    list_filter = ("status", "channel", "template")
    list_select_related = ("debtor",)
    search_fields = ("debtor__reference", "dedupe_key")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Notification._meta.fields]
    actions = ["send_again_action"]

    @admin.display(description=_("error"))
    def short_error(self, obj: Notification) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Send the selected messages again"), permissions=["resend"])
    def send_again_action(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = send_again(queryset, actor=request.user)  # type: ignore[arg-type]
        self.message_user(
            request,
            _("%(count)d message(s) will be sent again within contact hours.") % {"count": count},
            messages.SUCCESS,
        )

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("negotiation.resend_notification")


class ConsequenceRuleForm(forms.ModelForm):
    class Meta:
        model = ConsequenceRule
        fields = (
            "key",
            "position",
            "jurisdiction",
            "language",
            "effective_from",
            "from_day",
            "min_principal",
            "min_notices",
            "min_notice_gap_days",
            "months_after_second_notice",
            "title",
            "body",
            "how_to_avoid",
            "legal_basis",
        )

    def clean(self) -> dict[str, Any]:
        """A version in force is kept for the record: to change it, publish a new version
        (a later effective date, "Save as new"). Future versions can be corrected."""
        cleaned = super().clean() or {}
        stored = self.instance
        if stored.pk and stored.effective_from <= timezone.localdate():
            raise forms.ValidationError(
                _(
                    "This version has been in force since %(date)s and stays as it is, for "
                    "the record. Set a later effective date and use “Save as new” to publish "
                    "a new version."
                )
                % {"date": stored.effective_from}
            )
        return cleaned


@admin.register(ConsequenceRule)
class ConsequenceRuleAdmin(admin.ModelAdmin):
    """What debtors read about the consequences of arrears. Supervisors and compliance
    publish versions; every save is an audit row with the text before and after."""

    form = ConsequenceRuleForm
    save_as = True
    list_display = ("key", "language", "jurisdiction", "from_day", "title", "effective_from")
    list_filter = ("jurisdiction", "language", "key")
    search_fields = ("title", "body", "legal_basis")
    fieldsets = (
        (None, {"fields": ("key", "position", "jurisdiction", "language", "effective_from")}),
        (
            _("When it applies"),
            {
                "fields": (
                    "from_day",
                    "min_principal",
                    "min_notices",
                    "min_notice_gap_days",
                    "months_after_second_notice",
                )
            },
        ),
        (_("What the debtor reads"), {"fields": ("title", "body", "how_to_avoid", "legal_basis")}),
    )

    def save_model(
        self, request: HttpRequest, obj: ConsequenceRule, form: Any, change: bool
    ) -> None:
        before = (
            {name: str(form.initial.get(name, "")) for name in form.changed_data} if change else {}
        )
        super().save_model(request, obj, form, change)
        record_event(
            obj,
            actor=request.user,  # type: ignore[arg-type]
            action="consequence_rule.changed" if change else "consequence_rule.published",
            before=before,
            after={name: str(form.cleaned_data.get(name, "")) for name in form.changed_data},
            ip=client_ip(request),
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # superseded, never deleted


@admin.register(CollectionNotice)
class CollectionNoticeAdmin(admin.ModelAdmin):
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
        if not change:
            obj.recorded_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        record_event(
            obj.account,
            actor=request.user,  # type: ignore[arg-type]
            action="notice.updated" if change else "notice.recorded",
            after={
                "notice": obj.pk,
                "channel": obj.channel,
                "sent_at": obj.sent_at.isoformat(),
                "delivered_at": obj.delivered_at.isoformat() if obj.delivered_at else None,
            },
            ip=client_ip(request),
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
