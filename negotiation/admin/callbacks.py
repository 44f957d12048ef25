"""The call backs debtors booked, as a task list (the waiting ones by time, the earliest
first; filter by status and by who has them), each with two buttons: take it, and record
the call made (done, or missed when no one answered). And the collection agencies the bank
has authorised, kept by bank staff."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from negotiation.admin.mixins import OpenByDefaultFilter
from negotiation.exceptions import ServiceError
from negotiation.forms.workbench import CallbackCloseForm
from negotiation.http import StaffRequest, staff_user
from negotiation.models import Callback, CallbackStatus, CollectionAgency
from negotiation.phones import last_digits, readable_phone
from negotiation.roles import ADD_CONTACTRECORD, OVERRIDE_CONTACT_RULES, VIEW_DEBTOR_CONTACT
from negotiation.services.agencies import save_agency
from negotiation.services.callbacks import close_callback, take_callback


class CallbackQueueFilter(OpenByDefaultFilter):
    """Waiting call backs unless asked otherwise."""

    statuses = CallbackStatus
    open_statuses = (CallbackStatus.REQUESTED,)


class TakenByFilter(admin.SimpleListFilter):
    title = _("taken by")
    parameter_name = "taken"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("me", _("Me")), ("nobody", _("Nobody"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "me":
            return queryset.filter(handled_by=request.user)
        if self.value() == "nobody":
            return queryset.filter(handled_by__isnull=True)
        return queryset


@admin.register(Callback)
class CallbackAdmin(admin.ModelAdmin[Callback]):
    """Read-only: a call back changes only by its buttons (services.callbacks)."""

    change_form_template = "admin/negotiation/callback/change_form.html"
    list_display = ("reference", "slot", "debtor_shown", "topic", "status", "taken_by")
    list_filter = (CallbackQueueFilter, TakenByFilter)
    ordering = ("starts_at", "pk")
    search_fields = ("reference", "debtor__reference")
    list_select_related = ("debtor", "handled_by")
    fields = (
        "reference",
        "slot",
        "debtor_shown",
        "number",
        "topic",
        "note",
        "account",
        "request",
        "status",
        "taken_by",
        "call_made",
        "booked_at",
        "closed_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("when"), ordering="starts_at")
    def slot(self, obj: Callback) -> str:
        start = timezone.localtime(obj.starts_at)
        return f"{start:%Y-%m-%d %H:%M}-{timezone.localtime(obj.ends_at):%H:%M}"

    @admin.display(description=_("debtor"), ordering="debtor__reference")
    def debtor_shown(self, obj: Callback) -> str:
        return obj.debtor.reference

    @admin.display(description=_("number to call"))
    def number(self, obj: Callback) -> str:
        return readable_phone(obj.phone)

    @admin.display(description=_("number to call"))
    def number_masked(self, obj: Callback) -> str:
        return gettext("ending %(digits)s") % {"digits": last_digits(obj.phone)}

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        """The number to call in full only for who may see contact details."""
        if request.user.has_perm(VIEW_DEBTOR_CONTACT):
            return self.fields
        return tuple("number_masked" if name == "number" else name for name in self.fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)

    @admin.display(description=_("taken by"), ordering="handled_by__username")
    def taken_by(self, obj: Callback) -> str:
        return obj.handled_by.get_username() if obj.handled_by else "-"

    @admin.display(description=_("contact record"))
    def call_made(self, obj: Callback) -> str:
        """The call made, at the bank's time (a record's own name gives the time in UTC)."""
        if obj.contact is None:
            return "-"
        at = timezone.localtime(obj.contact.at)
        return f"{obj.contact.get_outcome_display()} {at:%Y-%m-%d %H:%M}"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Callback]:
        return (
            super()
            .get_queryset(request)
            .select_related("debtor", "handled_by", "account", "contact")
        )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:object_id>/take/",
                self.admin_site.admin_view(self.take_view),
                name="negotiation_callback_take",
            ),
            path(
                "<int:object_id>/close/",
                self.admin_site.admin_view(self.close_view),
                name="negotiation_callback_close",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        may_call = request.user.has_perm(ADD_CONTACTRECORD)
        context = {
            **(extra_context or {}),
            "may_call": may_call,
            "close_form": CallbackCloseForm(
                can_override=request.user.has_perm(OVERRIDE_CONTACT_RULES)
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    def _back(self, callback: Callback) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            reverse("admin:negotiation_callback_change", args=[callback.pk])
        )

    def take_view(self, request: StaffRequest, object_id: int) -> HttpResponseBase:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_view_permission(request) and request.user.has_perm(ADD_CONTACTRECORD)):
            raise PermissionDenied
        callback = get_object_or_404(Callback, pk=object_id)
        try:
            take_callback(callback, actor=staff_user(request))
        except ServiceError as refused:
            self.message_user(request, str(refused.message), messages.ERROR)
        else:
            self.message_user(request, gettext("You have this call back."), messages.SUCCESS)
        return self._back(callback)

    def close_view(self, request: StaffRequest, object_id: int) -> HttpResponseBase:
        """A call the rules refuse, or a form not filled in, comes back to the page with a
        message naming why; nothing is changed."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_view_permission(request) and request.user.has_perm(ADD_CONTACTRECORD)):
            raise PermissionDenied
        callback = get_object_or_404(Callback, pk=object_id)
        form = CallbackCloseForm(
            request.POST, can_override=request.user.has_perm(OVERRIDE_CONTACT_RULES)
        )
        if form.is_valid():
            try:
                closed = close_callback(
                    callback,
                    actor=staff_user(request),
                    outcome=form.cleaned_data["outcome"],
                    note=form.cleaned_data["note"],
                    override_reason=form.cleaned_data.get("override_reason", ""),
                    now=timezone.now(),
                )
            except ServiceError as refused:
                form.add_error(None, str(refused.message))
            else:
                self.message_user(
                    request,
                    gettext("Call recorded: %(status)s.") % {"status": closed.get_status_display()},
                    messages.SUCCESS,
                )
                return self._back(closed)
        why = [str(error) for errors in form.errors.values() for error in errors]
        self.message_user(
            request,
            gettext("Nothing was changed: %(why)s") % {"why": " ".join(why)},
            messages.ERROR,
        )
        return self._back(callback)


@admin.register(CollectionAgency)
class CollectionAgencyAdmin(admin.ModelAdmin[CollectionAgency]):
    """The agencies the bank has authorised to contact debtors on its behalf, as debtors
    read them on "Contacts from us". Never deleted (untick "active"); every save audited."""

    list_display = ("name", "name_zh", "registration_number", "authorised_from", "active")
    list_filter = ("active",)
    fields = (
        "name",
        "name_zh",
        "registration_number",
        "phones",
        "authorised_from",
        "authorised_until",
        "active",
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: CollectionAgency, form: Any, change: bool
    ) -> None:
        save_agency(obj, actor=staff_user(request), changed_fields=form.changed_data)
