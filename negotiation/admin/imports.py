"""The bank's file imports: each run with its counts and every bad row, read-only."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from negotiation.admin.mixins import ReadOnlyMixin
from negotiation.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyMixin, admin.ModelAdmin[ImportRun]):
    list_display = (
        "started_at",
        "kind",
        "file_name",
        "status",
        "rows_total",
        "rows_skipped",
        "debtors_created",
        "debtors_updated",
        "accounts_created",
        "accounts_updated",
        "started_by",
    )
    list_filter = ("kind", "status")
    search_fields = ("file_name",)
    date_hierarchy = "started_at"
    exclude = ("problems",)
    readonly_fields = ("problem_list",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportRun]:
        return super().get_queryset(request).select_related("started_by")

    @admin.display(description=_("bad rows"))
    def problem_list(self, obj: ImportRun) -> str:
        # Reasons never repeat a value that could be a card number (imports.accounts).
        lines = (
            (
                _("line %(line)s, %(column)s: %(reason)s")
                % {"line": line, "column": column or "—", "reason": reason},
            )
            for line, column, reason in obj.problems
        )
        return format_html_join("\n", "<div>{}</div>", lines)
