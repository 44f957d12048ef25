"""What debtors read about the consequences of arrears, published in versions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from negotiation.http import client_ip, staff_user
from negotiation.models import (
    ConsequenceRule,
    RepaymentChannel,
    WordingTemplate,
)
from negotiation.services.content import (
    save_consequence_rule,
    save_repayment_channel,
    save_wording_template,
)


class ConsequenceRuleForm(forms.ModelForm[ConsequenceRule]):
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
            "option_kind",
            "option_text",
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
class ConsequenceRuleAdmin(admin.ModelAdmin[ConsequenceRule]):
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
        (
            _("What the debtor reads"),
            {
                "fields": (
                    "title",
                    "body",
                    "how_to_avoid",
                    "option_kind",
                    "option_text",
                    "legal_basis",
                )
            },
        ),
    )

    def save_model(
        self, request: HttpRequest, obj: ConsequenceRule, form: Any, change: bool
    ) -> None:
        save_consequence_rule(
            obj,
            actor=staff_user(request),
            changed_fields=form.changed_data,
            before=form.initial,
            ip=client_ip(request),
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # superseded, never deleted


@admin.register(RepaymentChannel)
class RepaymentChannelAdmin(admin.ModelAdmin[RepaymentChannel]):
    """The bank's ways to repay, as debtors read them on their account, plan and agreement:
    ``{reference}`` and ``{card}`` in the instructions become the account's. Never deleted
    (untick "shown to debtors"); every save audited."""

    list_display = ("name", "name_zh", "position", "active")
    list_editable = ("position", "active")
    fields = ("name", "name_zh", "instructions", "instructions_zh", "position", "active")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: RepaymentChannel, form: Any, change: bool
    ) -> None:
        save_repayment_channel(obj, actor=staff_user(request), changed_fields=form.changed_data)


@admin.register(WordingTemplate)
class WordingTemplateAdmin(admin.ModelAdmin[WordingTemplate]):
    """The reusable wording of the decision forms (reject, ask, counter-offer), in both
    languages: supervisors write it, specialists read it and choose it on the forms. Never
    deleted (untick "offered on the forms"); every save audited."""

    list_display = ("title_shown", "kind", "active", "updated_at")
    list_filter = ("kind", "active")

    @admin.display(description=_("title"), ordering="title")
    def title_shown(self, obj: WordingTemplate) -> str:
        return str(obj)  # in the reader's language

    search_fields = ("title", "title_zh", "text_en", "text_zh")
    fields = ("kind", "title", "title_zh", "text_en", "text_zh", "active")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: WordingTemplate, form: Any, change: bool
    ) -> None:
        save_wording_template(obj, actor=staff_user(request), changed_fields=form.changed_data)
