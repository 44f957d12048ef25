"""The decision buttons on the request page: approve, reject, claim, counter-offer, ask,
note, record a contact, send back. Each checks the right on the server (403 only when the
right is what is missing), then whether the decision is open on the request as it now
stands (``selectors.workbench.decisions_open_to``, the same function that shows the
buttons), and calls one service. A refused decision shows its form again with everything
typed and says why in words about the request; nothing is changed."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
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
from negotiation.models import Document, ReliefRequest, RequestStatus, WordingKind
from negotiation.roles import (
    ADD_CONTACTRECORD,
    DOWNLOAD_DOCUMENT,
    OVERRIDE_CONTACT_RULES,
    ROLE_PERMISSIONS,
    VIEW_RELIEFREQUEST,
    Role,
)
from negotiation.selectors.workbench import (
    Decision,
    counter_offer_preview,
    counter_offer_programs,
    decision_roles,
    decisions_open_to,
    why_refused,
    wordings_for,
)
from negotiation.services.contacts import record_contact
from negotiation.services.documents import record_download
from negotiation.services.offers import answer_by, make_counter_offer
from negotiation.services.requests import (
    add_internal_note,
    approve_request,
    ask_for_information,
    claim_request,
    reject_request,
    send_back,
)


@dataclass(frozen=True)
class DecisionStep:
    """What one decision view is made of: which decision (read from the request), its form
    (bound to the data, or not), the service call, and what its page shows."""

    decision: Callable[[ReliefRequest], Decision]
    form: Callable[[ReliefRequest, Any], Any]
    act: Callable[[ReliefRequest, Any], Any]
    done: Callable[[Any], Any]
    title: Any
    template: str = "decision.html"
    page_on_get: bool = False  # a page of its own (reject, counter-offer); else POST only
    act_now: Callable[[Any], bool] = lambda form: True  # False: a preview, shown again
    context: Callable[[ReliefRequest, Any], dict[str, Any]] = lambda r, form: {}


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

    def _require_any(self, request: HttpRequest, decision: Decision) -> None:
        """A decision's right: any of the roles its moves take (403 only when the right is
        what is missing; a state that refuses it is said on the page)."""
        user = request.user
        if not user.has_perm(VIEW_RELIEFREQUEST) or not any(
            user.has_perm(ROLE_PERMISSIONS[role]) for role in decision_roles(decision)
        ):
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
        errors = "; ".join(
            f"{form.fields[name].label}: {' '.join(e)}"
            for name, e in form.errors.items()
            if name in form.fields
        )
        self.message_user(
            request, _("Nothing was changed. %(errors)s") % {"errors": errors}, messages.ERROR
        )
        return self._back(relief_request)

    def _load(self, object_id: int) -> ReliefRequest:
        return get_object_or_404(
            ReliefRequest.objects.select_related("account__debtor", "program", "assignee"),
            pk=object_id,
        )

    def _decide(
        self,
        request: StaffRequest,
        object_id: int,
        step: DecisionStep,
    ) -> HttpResponseBase:
        """One decision: its right (else 403), its form valid, the decision open on the
        request as it now stands (``decisions_open_to``), then its service. Refused at any
        step, the decision's page shows again with everything typed and why, in words about
        the request; nothing is changed."""
        if request.method != "POST" and not step.page_on_get:
            return HttpResponseNotAllowed(["POST"])
        relief_request = self._load(object_id)
        decision = step.decision(relief_request)
        self._require_any(request, decision)
        form = step.form(relief_request, request.POST if request.method == "POST" else None)
        if request.method != "POST":
            refusal = why_refused(relief_request, decision, request.user, expected_version=None)
            return self._decision_page(request, relief_request, decision, step, form, refusal)
        if not form.is_valid():
            if "version" in form.errors:  # a page from before the version was carried
                refusal = str(StaleObject.default_message)
                return self._decision_page(request, relief_request, decision, step, form, refusal)
            return self._decision_page(request, relief_request, decision, step, form)
        expected = form.cleaned_data.get("version")
        refusal = why_refused(relief_request, decision, request.user, expected_version=expected)
        if refusal is None and step.act_now(form):
            try:
                result = step.act(relief_request, form)
            except ServiceError as error:
                relief_request = self._load(object_id)
                refusal = why_refused(
                    relief_request, decision, request.user, expected_version=expected
                ) or str(error.message)
            else:
                self.message_user(request, step.done(result), messages.SUCCESS)
                return self._back(relief_request)
        return self._decision_page(request, relief_request, decision, step, form, refusal)

    def _decision_page(
        self,
        request: StaffRequest,
        relief_request: ReliefRequest,
        decision: Decision,
        step: DecisionStep,
        form: Any,
        refusal: str | None = None,
    ) -> TemplateResponse:
        """The decision's page: its form as typed. After a refusal the version is the
        request's current one, so the decision can be taken again once it has been read;
        the button shows only while the decision is open."""
        if refusal is not None and form.is_bound:
            data = form.data.copy()
            data["version"] = str(relief_request.version)
            form = step.form(relief_request, data)
        open_now = decision in decisions_open_to(relief_request, request.user)
        return self._page(
            request,
            relief_request,
            step.template,
            form,
            step.title,
            refusal=refusal,
            can_retry=open_now,
            decision=decision.value,
            action_url=request.path,
            **step.context(relief_request, form),
        )

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

        return self._decide(
            request,
            object_id,
            DecisionStep(
                decision=lambda r: (
                    Decision.SECOND_APPROVE
                    if r.status == RequestStatus.AWAITING_SECOND_APPROVAL
                    else Decision.APPROVE
                ),
                form=lambda r, data: RecommendForm(data, initial={"version": r.version}),
                act=lambda r, form: approve_request(
                    r,
                    actor=request.user,
                    today=timezone.localdate(),
                    expected_version=form.cleaned_data["version"],
                    recommendation=form.cleaned_data["recommendation"],
                    ip=client_ip(request),
                ),
                done=outcome,
                title=_("Approve %(reference)s"),
            ),
        )

    def reject_view(self, request: StaffRequest, object_id: int) -> HttpResponseBase:
        return self._decide(
            request,
            object_id,
            DecisionStep(
                decision=lambda r: Decision.REJECT,
                form=lambda r, data: RejectForm(
                    data,
                    initial={"version": r.version},
                    wordings=wordings_for(WordingKind.REJECTION),
                    language=r.account.debtor.preferred_language,
                ),
                act=lambda r, form: reject_request(
                    r,
                    actor=request.user,
                    reason_code=form.cleaned_data["reason_code"],
                    explanation=form.cleaned_data["explanation"],
                    expected_version=form.cleaned_data["version"],
                    ip=client_ip(request),
                ),
                done=lambda r: _("Rejected %(reference)s.") % {"reference": r.reference},
                title=_("Reject %(reference)s"),
                template="reject.html",
                page_on_get=True,
            ),
        )

    def claim_view(self, request: StaffRequest, object_id: int) -> HttpResponseBase:
        return self._decide(
            request,
            object_id,
            DecisionStep(
                decision=lambda r: Decision.CLAIM,
                form=lambda r, data: DecisionVersionForm(data, initial={"version": r.version}),
                act=lambda r, form: claim_request(
                    r, actor=request.user, expected_version=form.cleaned_data["version"]
                ),
                done=lambda r: _("%(reference)s is yours.") % {"reference": r.reference},
                title=_("Claim %(reference)s"),
            ),
        )

    def counter_view(self, request: StaffRequest, object_id: int) -> HttpResponseBase:
        """Counter-offer: the form, a preview with the disclosure the debtor will see and
        its affordability on the debtor's own figures, then send."""
        today = timezone.localdate()

        def form(relief_request: ReliefRequest, data: Any) -> CounterOfferForm:
            initial = {
                "version": relief_request.version,
                "program": relief_request.program_id,
                "months": relief_request.months,
                "grace_months": relief_request.grace_months,
                # Longer for a debtor with extra support in place (services.offers.answer_by).
                "expires_on": max(
                    today + dt.timedelta(days=settings.COUNTER_OFFER_DAYS),
                    answer_by(relief_request.account.debtor_id, today=today),
                ),
            }
            return CounterOfferForm(
                data,
                initial=initial,
                request=relief_request,
                programs=counter_offer_programs(relief_request, today=today),
                today=today,
                wordings=wordings_for(WordingKind.COUNTER_NOTE),
                language=relief_request.account.debtor.preferred_language,
            )

        def preview(relief_request: ReliefRequest, bound: Any) -> dict[str, Any]:
            if not (bound.is_bound and bound.is_valid() and bound.terms is not None):
                return {"preview": None}
            program = bound.program_for_terms()
            return {
                "preview": counter_offer_preview(
                    relief_request, bound.terms, program=program, today=today
                ),
                "offered_program": program,
            }

        return self._decide(
            request,
            object_id,
            DecisionStep(
                decision=lambda r: Decision.COUNTER,
                form=form,
                act=lambda r, bound: make_counter_offer(
                    r,
                    actor=request.user,
                    program=bound.program_for_terms(),
                    choices=bound.choices,
                    message=bound.cleaned_data["message"],
                    expires_on=bound.cleaned_data["expires_on"],
                    today=today,
                    expected_version=bound.cleaned_data["version"],
                    ip=client_ip(request),
                ),
                done=lambda r: _("Counter-offer sent to the debtor."),
                title=_("Counter-offer on %(reference)s"),
                template="counter.html",
                page_on_get=True,
                act_now=lambda bound: "send" in bound.data,
                context=preview,
            ),
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
        return self._decide(
            request,
            object_id,
            DecisionStep(
                decision=lambda r: Decision.ASK,
                form=lambda r, data: AskInfoForm(
                    data,
                    initial={"version": r.version},
                    wordings=wordings_for(WordingKind.QUESTION),
                    language=r.account.debtor.preferred_language,
                ),
                act=lambda r, form: ask_for_information(
                    r,
                    actor=request.user,
                    question=form.cleaned_data["question"],
                    expected_version=form.cleaned_data["version"],
                    ip=client_ip(request),
                ),
                done=lambda r: _("Your question is with the debtor."),
                title=_("Ask the debtor on %(reference)s"),
            ),
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
                agency=data.get("agency"),
            ),
            lambda record: (
                _("Contact recorded as an exception to the contact rules.")
                if record.override_reason
                else _("Contact recorded.")
            ),
        )

    def send_back_view(self, request: StaffRequest, object_id: int) -> HttpResponseBase:
        return self._decide(
            request,
            object_id,
            DecisionStep(
                decision=lambda r: Decision.SEND_BACK,
                form=lambda r, data: SendBackForm(data, initial={"version": r.version}),
                act=lambda r, form: send_back(
                    r,
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    expected_version=form.cleaned_data["version"],
                    ip=client_ip(request),
                ),
                done=lambda r: _("Sent back to review."),
                title=_("Send %(reference)s back to review"),
            ),
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
        """A button that decides nothing (a note, a contact): POST only, the right checked
        on the server, the form valid (else nothing changes and the page says why), then
        one service call."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        self._require(request, right)
        relief_request = self._load(object_id)
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
