"""The disputes queue and the dispute page: the answer clock in the request queue's
urgency colours, the account's ledger, payments and documents, and three answers (uphold,
with an optional correction of the balance; reject; extend once), each a POST through
``services.disputes`` with its reason. A refused answer shows the page again with what was
typed and why."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from negotiation.admin.mixins import (
    ContactMaskingMixin,
    OpenByDefaultFilter,
    answer_due_cell,
    masked_name,
)
from negotiation.exceptions import ServiceError
from negotiation.forms.disputes import ExtendDisputeForm, RejectDisputeForm, UpholdForm
from negotiation.http import StaffRequest, staff_user
from negotiation.models import OPEN_DISPUTE_STATUSES, Dispute, DisputeStatus
from negotiation.money import format_amount
from negotiation.roles import DOWNLOAD_DOCUMENT, RESOLVE_DISPUTE, VIEW_DEBTOR_CONTACT, VIEW_DISPUTE
from negotiation.selectors.disputes import dispute_page
from negotiation.services.disputes import extend_dispute, reject_dispute, uphold_dispute


class DisputeQueueFilter(OpenByDefaultFilter):
    """Open disputes unless asked otherwise."""

    statuses = DisputeStatus
    open_statuses = OPEN_DISPUTE_STATUSES


def answer_deadline(dispute: Dispute) -> dt.datetime:
    """The end of the day the answer is due by, in the bank's time: the due day itself is
    still on time."""
    next_day = dispute.answer_due + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(next_day, dt.time.min))


@admin.register(Dispute)
class DisputeAdmin(ContactMaskingMixin[Dispute]):
    """The disputes queue, the answer due soonest first."""

    list_filter = (DisputeQueueFilter, "kind")
    list_select_related = ("account", "debtor")
    ordering = ("answer_due", "opened_at")
    search_fields = ("reference", "account__reference", "debtor__reference", "debtor__full_name")

    def get_list_display(self, request: HttpRequest) -> tuple[str, ...]:
        name = "debtor_name" if self.sees_contacts(request) else "debtor_masked"
        return ("reference", name, "card", "kind", "opened_at", "answer_due_display", "status")

    @admin.display(description=_("debtor"), ordering="debtor__full_name")
    def debtor_name(self, obj: Dispute) -> str:
        return f"{obj.debtor.full_name} ({obj.debtor.reference})"

    @admin.display(description=_("debtor"))
    def debtor_masked(self, obj: Dispute) -> str:
        return f"{masked_name(obj.debtor.full_name)} ({obj.debtor.reference})"

    @admin.display(description=_("card"))
    def card(self, obj: Dispute) -> str:
        return obj.account.masked_card

    @admin.display(description=_("answer due"), ordering="answer_due")
    def answer_due_display(self, obj: Dispute) -> SafeString:
        return answer_due_cell(
            answer_deadline(obj),
            waiting=obj.is_open,
            now=timezone.now(),
            shown=obj.answer_due.isoformat(),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # debtors open disputes in the portal

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # every change goes through the answers below

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # The dispute page -------------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        def route(suffix: str, view: Any, name: str) -> Any:
            return path(
                f"<int:object_id>/{suffix}/",
                self.admin_site.admin_view(view),
                name=f"negotiation_dispute_{name}",
            )

        return [
            route("uphold", self.uphold_view, "uphold"),
            route("reject", self.reject_view, "reject"),
            route("extend", self.extend_view, "extend"),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        return self._page(request, self._dispute(request, object_id))

    def _dispute(self, request: HttpRequest, object_id: str | int) -> Dispute:
        if not request.user.has_perm(VIEW_DISPUTE):
            raise PermissionDenied
        try:
            pk = int(object_id)
        except ValueError:
            raise Http404 from None
        return get_object_or_404(Dispute.objects.select_related("account", "debtor"), pk=pk)

    def _page(self, request: HttpRequest, dispute: Dispute, **bound: Form) -> TemplateResponse:
        """The dispute page, with the answers' forms as typed when one was refused."""
        user = staff_user(request)
        page = dispute_page(dispute, today=timezone.localdate())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Dispute %(ref)s") % {"ref": dispute.reference},
            "dispute": dispute,
            "account": page.account,
            "owed": page.owed,
            "payments": page.payments,
            "documents": page.documents,
            "deadline": answer_due_cell(
                answer_deadline(dispute),
                waiting=dispute.is_open,
                now=timezone.now(),
                shown=dispute.answer_due.isoformat(),
            ),
            "can_resolve": user.has_perm(RESOLVE_DISPUTE) and dispute.is_open,
            "can_extend": user.has_perm(RESOLVE_DISPUTE) and dispute.status == DisputeStatus.OPEN,
            "can_download": user.has_perm(DOWNLOAD_DOCUMENT),
            "extended_days": settings.DISPUTE_EXTENDED_ANSWER_DAYS,
            "can_see_names": user.has_perm(VIEW_DEBTOR_CONTACT),
            "masked_name": masked_name(dispute.debtor.full_name),
            "uphold_form": bound.get("uphold_form") or UpholdForm(),
            "reject_form": bound.get("reject_form") or RejectDisputeForm(),
            "extend_form": bound.get("extend_form") or ExtendDisputeForm(),
        }
        return TemplateResponse(request, "admin/negotiation/dispute/review.html", context)

    def _answer(
        self,
        request: HttpRequest,
        object_id: int,
        form: Form,
        key: str,
        act: Any,
        done: Any,
    ) -> HttpResponseBase:
        """One answer: POST only; the right checked on the server; the form valid and the
        service willing, else the page again with what was typed and why (nothing
        changed); then back to the page with what was done."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        dispute = self._dispute(request, object_id)
        if not request.user.has_perm(RESOLVE_DISPUTE):
            raise PermissionDenied
        why = gettext("Nothing was changed: see below why.")
        if form.is_valid():
            try:
                result = act(dispute, form.cleaned_data)
            except ServiceError as refused:
                form.add_error(None, str(refused.message))
                why = gettext("Nothing was changed: %(why)s") % {"why": refused.message}
            else:
                self.message_user(request, done(result), messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:negotiation_dispute_change", args=[dispute.pk])
                )
        self.message_user(request, why, messages.ERROR)
        return self._page(request, dispute, **{key: form})

    def uphold_view(self, request: StaffRequest, object_id: int) -> HttpResponseBase:
        form = UpholdForm(request.POST)

        def act(dispute: Dispute, data: dict[str, Any]) -> Dispute:
            return uphold_dispute(
                dispute,
                actor=request.user,
                answer=data["answer"],
                reductions=form.reductions(),
                now=timezone.now(),
            )

        return self._answer(request, object_id, form, "uphold_form", act, _upheld_message)

    def reject_view(self, request: StaffRequest, object_id: int) -> HttpResponseBase:
        form = RejectDisputeForm(request.POST)

        def act(dispute: Dispute, data: dict[str, Any]) -> Dispute:
            return reject_dispute(
                dispute, actor=request.user, answer=data["answer"], now=timezone.now()
            )

        def done(result: Dispute) -> str:
            return gettext(
                "Dispute %(ref)s answered: not upheld. The debtor has been told and reads "
                "your reason."
            ) % {"ref": result.reference}

        return self._answer(request, object_id, form, "reject_form", act, done)

    def extend_view(self, request: StaffRequest, object_id: int) -> HttpResponseBase:
        form = ExtendDisputeForm(request.POST)

        def act(dispute: Dispute, data: dict[str, Any]) -> Dispute:
            return extend_dispute(
                dispute, actor=request.user, reason=data["reason"], now=timezone.now()
            )

        def done(result: Dispute) -> str:
            return gettext(
                "The answer to %(ref)s is now due by %(due)s. The debtor has been told why."
            ) % {"ref": result.reference, "due": result.answer_due.isoformat()}

        return self._answer(request, object_id, form, "extend_form", act, done)


def _upheld_message(result: Dispute) -> str:
    if not result.correction:
        return gettext("Dispute %(ref)s upheld. The debtor has been told.") % {
            "ref": result.reference
        }
    taken_off = ", ".join(
        f"{label} {format_amount(amount, result.account.currency)}"
        for label, amount in result.taken_off
    )
    return gettext(
        "Dispute %(ref)s upheld and the balance corrected (taken off: %(taken_off)s). The "
        "debtor has been told."
    ) % {"ref": result.reference, "taken_off": taken_off}
