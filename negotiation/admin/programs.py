"""Relief programs (supervisors change them, others read) and each specialist's approval limit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from negotiation.http import staff_user
from negotiation.models import (
    ApprovalLimit,
    Product,
    Program,
    User,
)
from negotiation.services.programs import save_program
from negotiation.services.staff import save_approval_limit

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
        _("Changing a signed plan"),
        {"fields": ("allows_move_to_end", "change_fee")},
    ),
    (
        _("Automatic approval (off unless set)"),
        {"fields": ("auto_approve", "auto_approve_max_amount", "auto_approve_max_months")},
    ),
)


class ProgramAdminForm(forms.ModelForm[Program]):
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
class ProgramAdmin(admin.ModelAdmin[Program]):
    """Supervisors add and change programs; specialists and bank staff only read them."""

    form = ProgramAdminForm

    list_display = (
        "name_in_reader_language",
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

    @admin.display(description=_("name"), ordering="name")
    def name_in_reader_language(self, program: Program) -> str:
        """The program as the reader calls it; both names are on its page to edit."""
        return program.localized_name(get_language() or "en")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Requests and plans point at their program for ever; retire one with "active".
        return False

    def save_model(self, request: HttpRequest, obj: Program, form: Any, change: bool) -> None:
        save_program(obj, actor=staff_user(request), changed_fields=list(form.changed_data))


@admin.register(ApprovalLimit)
class ApprovalLimitAdmin(admin.ModelAdmin[ApprovalLimit]):
    """Supervisors set how far each specialist approves alone (four-eyes beyond it)."""

    list_display = ("user", "max_amount", "max_months")
    search_fields = ("user__username",)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: ApprovalLimit, form: Any, change: bool) -> None:
        save_approval_limit(obj, actor=staff_user(request))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # lower a limit instead: the audit trail keeps every value
