"""The outbox of messages to debtors and the audit trail, read-only."""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from negotiation.admin.mixins import ReadOnlyMixin
from negotiation.http import StaffRequest
from negotiation.models import (
    LINK_EVENTS,
    AuditEvent,
    Notification,
)
from negotiation.roles import RESEND_NOTIFICATION, VIEW_DEBTOR_CONTACT
from negotiation.services.notifications import send_again


def object_type_label(label: str) -> str:
    """ "negotiation.reliefrequest" as its reader calls it ("relief request"); a model that
    no longer exists, as stored."""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


class ObjectTypeFilter(admin.SimpleListFilter):
    """The kinds of object the trail holds rows for, named in the reader's language."""

    title = _("object type")
    parameter_name = "object_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        # The portal's models, not a DISTINCT over the trail (the largest table there is).
        labels = [
            model._meta.label_lower for model in apps.get_app_config("negotiation").get_models()
        ]
        return sorted(((label, object_type_label(label)) for label in labels), key=lambda x: x[1])

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[AuditEvent]
    ) -> QuerySet[AuditEvent]:
        value = self.value()
        return queryset.filter(object_type=value) if value else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyMixin, admin.ModelAdmin[AuditEvent]):
    """The trail, read-only. Staff without the contact right (compliance) see it whole
    except names and contact details: an actor label that is an email, and the values of
    name, phone and email fields in before and after, are masked; they cannot search by an
    email either. (Which columns show is chosen per request: the admin is shared by all.)"""

    list_filter = ("action", ObjectTypeFilter, "actor_role")
    search_fields = ("object_reference", "actor_label", "request_id")
    date_hierarchy = "at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        return super().get_queryset(request).select_related("actor")

    def get_list_display(self, request: HttpRequest) -> Any:
        actor = "actor_label" if _sees_contacts(request) else "actor_masked"
        return ("at", actor, "actor_role", "action", "object_kind", "object_reference")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if _sees_contacts(request):
            actor, before, after = "actor_label", "before_plain", "after_plain"
        else:
            actor, before, after = "actor_masked", "before_masked", "after_masked"
        return (
            "at",
            actor,
            "actor_role",
            "action",
            "object_kind",
            "object_id",
            "object_reference",
            before,
            after,
            "ip",
            "request_id",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[AuditEvent], search_term: str
    ) -> tuple[QuerySet[AuditEvent], bool]:
        if "@" in search_term and not _sees_contacts(request):
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("actor"), ordering="actor_label")
    def actor_masked(self, obj: AuditEvent) -> str:
        label = obj.actor_label
        return masked_email(label) if "@" in label else label

    @admin.display(description=_("object type"), ordering="object_type")
    def object_kind(self, obj: AuditEvent) -> str:
        return object_type_label(obj.object_type)

    # The figures before and after are the trail's own record, keyed by field as stored:
    # shown as data (monospace), exactly as written, in either language.
    @admin.display(description=_("before"))
    def before_plain(self, obj: AuditEvent) -> SafeString:
        return _json(obj.before)

    @admin.display(description=_("after"))
    def after_plain(self, obj: AuditEvent) -> SafeString:
        return _json(obj.after)

    @admin.display(description=_("before"))
    def before_masked(self, obj: AuditEvent) -> SafeString:
        return _json(masked_values(obj.before))

    @admin.display(description=_("after"))
    def after_masked(self, obj: AuditEvent) -> SafeString:
        return _json(masked_values(obj.after))


# What the contact right covers in an audit row's before and after.
CONTACT_KEYS = frozenset({"full_name", "phone", "email", "user_email", "name"})


def masked_values(changes: Any) -> Any:
    if not isinstance(changes, dict):
        return changes
    return {
        key: ("•••" if key in CONTACT_KEYS and value else value) for key, value in changes.items()
    }


def masked_email(label: str) -> str:
    name, _at, domain = label.partition("@")
    return f"{name[:1]}***@{domain}"


def _sees_contacts(request: HttpRequest) -> bool:
    return request.user.has_perm(VIEW_DEBTOR_CONTACT)


def _json(value: Any) -> SafeString:
    return format_html("<code>{}</code>", json.dumps(value, ensure_ascii=False, sort_keys=True))


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
        *(
            f.name if f.name != "dedupe_key" else "dedupe_key_shown"
            for f in Notification._meta.fields
            if f.name != "context"
        ),
        "context_shown",
    )
    fields = _shown
    readonly_fields = _shown
    actions = ["send_again_action"]

    @admin.display(description=_("context"))
    def context_shown(self, obj: Notification) -> SafeString:
        """The message's data as the data it is (keys are the template's, not words)."""
        context: dict[str, object] = obj.context
        if obj.template in LINK_EVENTS and context.get("link"):
            context = {**context, "link": "…"}
        return format_html("<code>{}</code>", json.dumps(context, ensure_ascii=False))

    @admin.display(description=_("deduplication key"))
    def dedupe_key_shown(self, obj: Notification) -> SafeString:
        return format_html("<code>{}</code>", obj.dedupe_key)

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
