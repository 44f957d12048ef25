"""The bank's file imports: each run with its counts and every bad row, read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from negotiation.admin.mixins import ReadOnlyMixin
from negotiation.admin.onboarding import invitation_summary
from negotiation.forms.imports import UploadImportForm
from negotiation.http import StaffRequest, staff_user
from negotiation.models import ImportKind, ImportRun, ImportStatus
from negotiation.ratelimits import limited
from negotiation.roles import INVITE_DEBTOR, UPLOAD_IMPORT
from negotiation.services.imports import import_progress, problems_csv, start_upload
from negotiation.services.onboarding import invitations_on_their_way, request_import_invitations

SHOWN_PROBLEMS = 200  # on the page; the CSV has them all


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

    change_list_template = "admin/negotiation/importrun/change_list.html"
    actions = ["invite_action"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportRun]:
        return super().get_queryset(request).select_related("started_by")

    def get_urls(self) -> list[Any]:
        def route(suffix: str, view: Any, name: str) -> Any:
            return path(
                suffix, self.admin_site.admin_view(view), name=f"negotiation_importrun_{name}"
            )

        return [
            route("upload/", limited("RATE_UPLOAD", per_person=True)(self.upload_view), "upload"),
            route("<int:object_id>/progress/", self.progress_view, "progress"),
            route("<int:object_id>/problems.csv", self.problems_view, "problems"),
            route("<int:object_id>/invite/", self.invite_view, "invite"),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:
        context = {**(extra_context or {}), "can_upload": request.user.has_perm(UPLOAD_IMPORT)}
        return super().changelist_view(request, extra_context=context)

    def upload_view(self, request: StaffRequest) -> HttpResponse:
        """Upload a file; its import runs as a task and the progress page follows it."""
        if not request.user.has_perm(UPLOAD_IMPORT):
            raise PermissionDenied
        form = UploadImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            run = start_upload(
                form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                skip_invalid=form.cleaned_data["skip_invalid"],
                actor=staff_user(request),
            )
            return HttpResponseRedirect(
                reverse("admin:negotiation_importrun_progress", args=[run.pk])
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Import a file"),
        }
        status = 400 if form.errors else 200
        return TemplateResponse(
            request, "admin/negotiation/importrun/upload.html", context, status=status
        )

    def progress_view(self, request: StaffRequest, object_id: int) -> HttpResponse:
        run = self._run_for(request, object_id)
        inviting = invitations_on_their_way(run, timezone.now())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "run": run,
            "running": run.status == ImportStatus.RUNNING,
            "refresh": run.status == ImportStatus.RUNNING or inviting,
            "inviting": inviting,
            "done": import_progress(run),
            "total": run.rows_total,
            "kinds": ImportKind,
            "can_invite": request.user.has_perm(INVITE_DEBTOR)
            and run.kind == ImportKind.ACCOUNTS
            and run.status == ImportStatus.DONE
            and not inviting,
            "invitations": run.invitation_counts,
            "invitation_summary": invitation_summary(**run.invitation_counts)
            if run.invitations_finished_at
            else "",
            "bad_rows": run.bad_lines,
            "shown_problems": run.problems[:SHOWN_PROBLEMS],
            "more_problems": max(len(run.problems) - SHOWN_PROBLEMS, 0),
            "title": _("Import of %(file)s") % {"file": run.file_name},
        }
        return TemplateResponse(request, "admin/negotiation/importrun/progress.html", context)

    def problems_view(self, request: StaffRequest, object_id: int) -> HttpResponse:
        run = self._run_for(request, object_id)
        response = HttpResponse(problems_csv(run), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-bad-rows.csv"'
        return response

    def invite_view(self, request: StaffRequest, object_id: int) -> HttpResponse:
        """Invite every debtor of this import who is not signed up or invited yet: the
        invitations go out in the background and this import's page follows them."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(INVITE_DEBTOR):
            raise PermissionDenied
        run = self._run_for(request, object_id)
        self._request_invitations(request, run)
        return HttpResponseRedirect(reverse("admin:negotiation_importrun_progress", args=[run.pk]))

    @admin.action(
        description=_("Invite the debtors of the selected imports"), permissions=["invite"]
    )
    def invite_action(self, request: StaffRequest, queryset: QuerySet[ImportRun]) -> None:
        for run in queryset:
            self._request_invitations(request, run)

    def has_invite_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(INVITE_DEBTOR)

    def _request_invitations(self, request: StaffRequest, run: ImportRun) -> None:
        if run.kind != ImportKind.ACCOUNTS or run.status != ImportStatus.DONE:
            message = _("%(file)s brought in no debtors to invite.")
            self.message_user(request, message % {"file": run.file_name}, messages.ERROR)
        elif request_import_invitations(run, actor=staff_user(request), now=timezone.now()):
            message = _(
                "The invitations for %(file)s are being sent; its page shows how far they are."
            )
            self.message_user(request, message % {"file": run.file_name}, messages.SUCCESS)
        else:
            message = _("The invitations for %(file)s are still being sent.")
            self.message_user(request, message % {"file": run.file_name}, messages.WARNING)

    def _run_for(self, request: StaffRequest, object_id: int) -> ImportRun:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(ImportRun, pk=object_id)

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
