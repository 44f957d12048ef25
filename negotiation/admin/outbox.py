"""The outbox of messages to debtors and the audit trail, read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from negotiation.admin.mixins import ReadOnlyMixin
from negotiation.http import StaffRequest
from negotiation.models import (
    LINK_EVENTS,
    AuditEvent,
    Notification,
)
from negotiation.roles import RESEND_NOTIFICATION
from negotiation.services.notifications import send_again


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyMixin, admin.ModelAdmin[AuditEvent]):
    list_display = ("at", "actor_label", "action", "object_type", "object_reference")
    list_filter = ("action", "object_type")
    search_fields = ("object_reference", "actor_label")
    date_hierarchy = "at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        return super().get_queryset(request).select_related("actor")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin[Notification]):
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
    # The context without a one-time link still waiting to be delivered (an invitation's,
    # a reset's): staff never see a link that would let them in as the debtor.
    _shown: tuple[str, ...] = (
        *(f.name for f in Notification._meta.fields if f.name != "context"),
        "context_shown",
    )
    fields = _shown
    readonly_fields = _shown
    actions = ["send_again_action"]

    @admin.display(description=_("context"))
    def context_shown(self, obj: Notification) -> dict[str, object]:
        context: dict[str, object] = obj.context
        if obj.template in LINK_EVENTS and context.get("link"):
            return {**context, "link": "…"}
        return context

    @admin.display(description=_("error"))
    def short_error(self, obj: Notification) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Send the selected messages again"), permissions=["resend"])
    def send_again_action(self, request: StaffRequest, queryset: QuerySet[Notification]) -> None:
        count = send_again(queryset, actor=request.user)
        self.message_user(
            request,
            _("%(count)d message(s) will be sent again within contact hours.") % {"count": count},
            messages.SUCCESS,
        )

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(RESEND_NOTIFICATION)
