"""The decision buttons on the request page: approve, reject, claim, counter-offer, ask,
note, record a contact, send back. Each is POST only, checks the right on the server and
calls one service; a refusal becomes a message on the page and changes nothing."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from negotiation import money
from negotiation.access import document_response
from negotiation.exceptions import ServiceError, StaleObject
from negotiation.forms.common import DecisionVersionForm
from negotiation.forms.workbench import (
    AskInfoForm,
    ContactForm,
    CounterOfferForm,
    NoteForm,
    RecommendForm,
    RejectForm,
    SendBackForm,
)
from negotiation.http import StaffRequest, client_ip
from negotiation.models import Document, ReliefRequest, RequestStatus
from negotiation.roles import (
    ADD_CONTACTRECORD,
    DOWNLOAD_DOCUMENT,
    OVERRIDE_CONTACT_RULES,
    ROLE_PERMISSIONS,
    VIEW_RELIEFREQUEST,
    Role,
)
from negotiation.services.contacts import record_contact
from negotiation.services.documents import record_download
from negotiation.services.offers import make_counter_offer
from negotiation.services.requests import (
    add_internal_note,
    approve_request,
    ask_for_information,
    claim_request,
    reject_request,
    send_back,
)


class DecisionViews(admin.ModelAdmin[ReliefRequest]):
    """The request page's actions, as admin URLs of the request's own admin."""

    def get_urls(self) -> list[Any]:
        def route(suffix: str, view: Callable[..., HttpResponseBase], name: str) -> Any:
            return path(
                f"<int:object_id>/{suffix}/",
                self.admin_site.admin_view(view),
                name=f"negotiation_reliefrequest_{name}",
            )

        return [
            route("approve", self.approve_view, "approve"),
            route("reject", self.reject_view, "reject"),
            route("claim", self.claim_view, "claim"),
            route("counter", self.counter_view, "counter"),
            route("ask", self.ask_view, "ask"),
            route("note", self.note_view, "note"),
            route("contact", self.contact_view, "contact"),
            route("send-back", self.send_back_view, "send_back"),
            path(
                "documents/<str:reference>/",
                self.admin_site.admin_view(self.document_view),
                name="negotiation_document_download",
            ),
            *super().get_urls(),
        ]

    def _require(self, request: HttpRequest, right: Role | str) -> None:
        """The right to take this step, and to see the request it is taken on: a refused
        form shows the request page again, which only those who may read it may see (bank
        staff may record contacts, but on no request they cannot open)."""
        permission = ROLE_PERMISSIONS[right] if isinstance(right, Role) else right
        if not (request.user.has_perm(permission) and request.user.has_perm(VIEW_RELIEFREQUEST)):
            raise PermissionDenied

    def _back(self, relief_request: ReliefRequest) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            reverse("admin:negotiation_reliefrequest_change", args=[relief_request.pk])
        )

    def _run(
        self,
        request: HttpRequest,
        relief_request: ReliefRequest,
        action: Callable[[], Any],
        done: Any,
    ) -> HttpResponseRedirect:
        """Call one service; its refusal becomes a message on the request page."""
        try:
            result = action()
        except ServiceError as error:
            self.message_user(request, str(error.message), messages.ERROR)
        else:
            self.message_user(request, done(result) if callable(done) else done, messages.SUCCESS)
        return self._back(relief_request)

    def _invalid(
        self, request: HttpRequest, relief_request: ReliefRequest, form: Any
    ) -> HttpResponseRedirect:
        if "version" in form.errors:
            self.message_user(request, str(StaleObject.default_message), messages.ERROR)
        else:
            errors = "; ".join(
                f"{form.fields[name].label}: {' '.join(e)}"
                for name, e in form.errors.items()
                if name in form.fields
            )
            self.message_user(
                request, _("Nothing was changed. %(errors)s") % {"errors": errors}, messages.ERROR
            )
        return self._back(relief_request)

    def approve_view(self, request: StaffRequest, object_id: int) -> HttpResponseBase:
        def outcome(result: ReliefRequest) -> Any:
            if result.status == RequestStatus.APPROVED:
                return _("Approved %(reference)s. Plan %(plan)s awaits the debtor's signature.") % {
                    "reference": result.reference,
                    "plan": result.plan.reference,
                }
            return _(
                "%(reference)s is beyond your approval limit or the program's bounds: your "
                "recommendation is with a supervisor for the second approval."
            ) % {"reference": result.reference}

        return self._form_action(
            request,
            object_id,
            Role.DECIDER,
            RecommendForm,
            lambda relief_request, data: approve_request(
                relief_request,
                actor=request.user,
                today=timezone.localdate(),
                expected_version=data["version"],
                recommendation=data["recommendation"],
                ip=client_ip(request),
            ),
            outcome,
        )

    def reject_view(self, request: StaffRequest, object_id: int) -> HttpResponseBase:
        self._require(request, Role.DECIDER)
        relief_request = get_object_or_404(ReliefRequest, pk=object_id)
        form = RejectForm(request.POST or None, initial={"version": relief_request.version})
        if request.method == "POST" and form.is_valid():
            return self._run(
                request,
                relief_request,
                lambda: reject_request(
                    relief_request,
                    actor=request.user,
                    reason_code=form.cleaned_data["reason_code"],
                    explanation=form.cleaned_data["explanation"],
                    expected_version=form.cleaned_data["version"],
                    ip=client_ip(request),
                ),
                _("Rejected %(reference)s.") % {"reference": relief_request.reference},
            )
        return self._page(request, relief_request, "reject.html", form, _("Reject %(reference)s"))

    def claim_view(self, request: StaffRequest, object_id: int) -> HttpResponseBase:
        return self._form_action(
            request,
            object_id,
            Role.REVIEWER,
            DecisionVersionForm,
            lambda relief_request, data: claim_request(
                relief_request,
                actor=request.user,
                expected_version=data["version"],
            ),
            lambda result: _("%(reference)s is yours.") % {"reference": result.reference},
        )

    def counter_view(self, request: StaffRequest, object_id: int) -> HttpResponseBase:
        """Counter-offer: the form, a preview with the disclosure the debtor will see, send."""
        self._require(request, Role.DECIDER)
        relief_request = get_object_or_404(
            ReliefRequest.objects.select_related("account__debtor", "program"), pk=object_id
        )
        today = timezone.localdate()
        initial = {
            "version": relief_request.version,
            "months": relief_request.months,
            "grace_months": relief_request.grace_months,
            "expires_on": today + dt.timedelta(days=settings.COUNTER_OFFER_DAYS),
        }
        form = CounterOfferForm(
            request.POST or None, initial=initial, request=relief_request, today=today
        )
        disclosure = None
        if request.method == "POST" and form.is_valid():
            assert form.terms is not None
            if "send" in request.POST:
                return self._run(
                    request,
                    relief_request,
                    lambda: make_counter_offer(
                        relief_request,
                        actor=request.user,
                        choices=form.choices,
                        message=form.cleaned_data["message"],
                        expires_on=form.cleaned_data["expires_on"],
                        today=today,
                        expected_version=form.cleaned_data["version"],
                        ip=client_ip(request),
                    ),
                    _("Counter-offer sent to the debtor."),
                )
            disclosure = money.disclose(
                form.terms, start=today, due=relief_request.program.bounds.due
            )
        return self._page(
            request,
            relief_request,
            "counter.html",
            form,
            _("Counter-offer on %(reference)s"),
            disclosure=disclosure,
        )

    def _page(
        self,
        request: HttpRequest,
        relief_request: ReliefRequest,
        template: str,
        form: Any,
        title: Any,
        **extra: Any,
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "relief_request": relief_request,
            "account": relief_request.account,
            "form": form,
            "title": title % {"reference": relief_request.reference},
            **extra,
        }
        return TemplateResponse(request, f"admin/negotiation/reliefrequest/{template}", context)

    def ask_view(self, request: StaffRequest, object_id: int) -> HttpResponseBase:
        return self._form_action(
            request,
            object_id,
            Role.DECIDER,
            AskInfoForm,
            lambda relief_request, data: ask_for_information(
                relief_request,
                actor=request.user,
                question=data["question"],
                expected_version=data["version"],
                ip=client_ip(request),
            ),
            _("Your question is with the debtor."),
        )

    def note_view(self, request: StaffRequest, object_id: int) -> HttpResponseBase:
        return self._form_action(
            request,
            object_id,
            Role.REVIEWER,
            NoteForm,
            lambda relief_request, data: add_internal_note(
                relief_request,
                actor=request.user,
                body=data["note"],
            ),
            _("Note added."),
        )

    def contact_view(self, request: StaffRequest, object_id: int) -> HttpResponseBase:
        """A contact the rules refuse comes back as a message naming each rule; a
        supervisor's form has the reason box that records it as an exception."""
        return self._form_action(
            request,
            object_id,
            ADD_CONTACTRECORD,
            functools.partial(
                ContactForm, can_override=request.user.has_perm(OVERRIDE_CONTACT_RULES)
            ),
            lambda relief_request, data: record_contact(
                relief_request,
                actor=request.user,
                channel=data["channel"],
                direction=data["direction"],
                outcome=data["outcome"],
                note=data["note"],
                at=data["at"],
                party=data["party"],
                phone=data["phone"],
                relay_only=data["relay_only"],
                second_staff=data["second_staff"],
                override_reason=data.get("override_reason", ""),
            ),
            lambda record: (
                _("Contact recorded as an exception to the contact rules.")
                if record.override_reason
                else _("Contact recorded.")
            ),
        )

    def send_back_view(self, request: StaffRequest, object_id: int) -> HttpResponseBase:
        return self._form_action(
            request,
            object_id,
            Role.SECOND_APPROVER,
            SendBackForm,
            lambda relief_request, data: send_back(
                relief_request,
                actor=request.user,
                note=data["note"],
                expected_version=data["version"],
                ip=client_ip(request),
            ),
            _("Sent back to review."),
        )

    def _form_action(
        self,
        request: HttpRequest,
        object_id: int,
        right: Role | str,
        form_class: Callable[..., Any],
        action: Callable[[ReliefRequest, dict[str, Any]], Any],
        done: Any,
    ) -> HttpResponseBase:
        """A decision button: POST only, the right checked on the server, the form valid
        (else nothing changes and the page says why), then one service call."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        self._require(request, right)
        relief_request = get_object_or_404(
            ReliefRequest.objects.select_related("account__debtor", "program"), pk=object_id
        )
        form = form_class(request.POST)
        if not form.is_valid():
            return self._invalid(request, relief_request, form)
        return self._run(
            request, relief_request, lambda: action(relief_request, form.cleaned_data), done
        )

    def document_view(self, request: StaffRequest, reference: str) -> HttpResponseBase:
        """A debtor's document, for staff who may read it; every read is audited."""
        if not request.user.has_perm(DOWNLOAD_DOCUMENT):
            raise PermissionDenied
        # One the retention job removed has no file: a 404, and no read to audit.
        document = get_object_or_404(Document, reference=reference, removed_on__isnull=True)
        record_download(document, actor=request.user, ip=client_ip(request))
        return document_response(document)
