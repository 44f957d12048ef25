"""The specialist's workbench: the review queue and the request page, where every decision
is a button calling the one service the tests call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from negotiation import delinquency, money
from negotiation.access import document_response
from negotiation.exceptions import ServiceError, StaleObject
from negotiation.forms.common import DecisionVersionForm
from negotiation.forms.workbench import (
    AskInfoForm,
    AssignForm,
    ContactForm,
    CounterOfferForm,
    NoteForm,
    RecommendForm,
    RejectForm,
    SendBackForm,
)
from negotiation.http import client_ip
from negotiation.models import OPEN_REQUEST_STATUSES, Document, Offer, ReliefRequest, RequestStatus
from negotiation.models.requests import WITH_THE_BANK_STATUSES
from negotiation.policy import Verdict
from negotiation.roles import ROLE_PERMISSIONS, Role, is_supervisor
from negotiation.selectors.terms import request_affordability
from negotiation.selectors.workbench import review_picture
from negotiation.services.contacts import record_contact
from negotiation.services.documents import record_download
from negotiation.services.offers import make_counter_offer
from negotiation.services.requests import (
    add_internal_note,
    approve_request,
    ask_for_information,
    assign_request,
    claim_request,
    reject_request,
    send_back,
)
from negotiation.templatetags.money import money as format_money

CONTACT_PERMISSION = "negotiation.view_debtor_contact"


class QueueFilter(admin.SimpleListFilter):
    """Open requests unless asked otherwise: the queue is what still needs an answer."""

    title = _("status")
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("open", _("Open")), ("all", _("All")), *RequestStatus.choices]

    def value(self) -> str:
        return super().value() or "open"

    def choices(self, changelist: Any) -> Any:
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "open":
            return queryset.filter(status__in=OPEN_REQUEST_STATUSES)
        if value == "all":
            return queryset
        return queryset.filter(status=value)


class StageFilter(admin.SimpleListFilter):
    """By stage of arrears as stored by the nightly refresh (``stage_stored``), which
    subtracts every agreed pause, as the days column does: set-based, no Python loop."""

    title = _("stage of arrears")
    parameter_name = "stage"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            (stage.value, stage.label)
            for stage in delinquency.Stage
            if stage is not delinquency.Stage.CURRENT
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value not in {stage.value for stage in delinquency.Stage}:
            return queryset
        return queryset.filter(account__stage_stored=value)


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assignee"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("mine", _("Mine")), ("unassigned", _("Unassigned"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "mine":
            return queryset.filter(assignee=request.user)
        if self.value() == "unassigned":
            return queryset.filter(assignee__isnull=True)
        return queryset


class SlaFilter(admin.SimpleListFilter):
    title = _("answer due")
    parameter_name = "sla"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("breached", _("Past due")),
            ("escalated", _("Escalated to supervisors")),
            ("today", _("Due within a day")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        if self.value() == "breached":
            return queryset.filter(status__in=WITH_THE_BANK_STATUSES, due_by__lt=now)
        if self.value() == "escalated":
            return queryset.filter(status__in=WITH_THE_BANK_STATUSES, escalated_at__isnull=False)
        if self.value() == "today":
            return queryset.filter(
                status__in=WITH_THE_BANK_STATUSES,
                due_by__gte=now,
                due_by__lt=now + dt.timedelta(days=1),
            )
        return queryset


def masked_name(full_name: str) -> str:
    """First letter of each part of the name: enough to tell cases apart, not to identify."""
    return " ".join(f"{part[0]}*" for part in full_name.split() if part) or "*"


class OfferInline(admin.TabularInline):
    model = Offer
    extra = 0
    fields = (
        "kind",
        "status",
        "amount",
        "down_payment",
        "months",
        "grace_months",
        "maker",
        "expires_at",
    )
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Offer]:
        # One query for all offers, however many rounds the negotiation had.
        return super().get_queryset(request).select_related("made_by", "request")

    @admin.display(description=_("made by"))
    def maker(self, obj: Offer) -> str:
        # The debtor's login is their email: never shown; staff are named.
        return obj.made_by.get_username() if obj.made_by.is_staff else str(_("The debtor"))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReliefRequestAdmin(admin.ModelAdmin):
    """The review queue, most urgent first: the answer due soonest, then the largest."""

    change_form_template = "admin/negotiation/reliefrequest/change_form.html"
    list_filter = (QueueFilter, "kind", StageFilter, AssigneeFilter, SlaFilter)
    list_select_related = ("account__debtor", "assignee")
    ordering = ("due_by", "-amount")
    search_fields = ("reference", "account__reference", "account__debtor__reference")
    actions = ["assign_to_me", "assign_to"]
    inlines = [OfferInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "reference",
                    "status",
                    "kind",
                    "program",
                    "account",
                    "assignee",
                    "version",
                )
            },
        ),
        (
            _("Terms on the table"),
            {
                "fields": (
                    "amount",
                    "down_payment",
                    "months",
                    "grace_months",
                    "cost_method",
                    "rate",
                    "waived_interest",
                    "waived_penalty",
                    "monthly_amount",
                )
            },
        ),
        (
            _("Situation"),
            {
                "fields": (
                    "hardship_reason",
                    "hardship_statement",
                    "monthly_income",
                    "monthly_expenses",
                    "dependents",
                )
            },
        ),
        (
            _("Decision"),
            {
                "fields": (
                    "first_approved_by",
                    "recommendation",
                    "decided_by",
                    "decided_at",
                    "decision_reason_code",
                    "decision_note",
                    "submitted_at",
                    "due_by",
                )
            },
        ),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # everything changes through the decision buttons

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def get_list_display(self, request: HttpRequest) -> tuple[str, ...]:
        name = "debtor_name" if request.user.has_perm(CONTACT_PERMISSION) else "debtor_masked"
        return (
            "reference",
            name,
            "account_last4",
            "kind",
            "amount_display",
            "months_display",
            "monthly_display",
            "verdict",
            "days_past_due",
            "age_days",
            "sla",
            "assignee",
            "status",
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReliefRequest]:
        return (
            super()
            .get_queryset(request)
            .select_related("account__debtor", "program", "assignee")
            # The days-past-due column subtracts every agreed pause: one query for all rows.
            .prefetch_related("account__aging_pauses")
        )

    # Columns ------------------------------------------------------------------------------

    @admin.display(description=_("debtor"), ordering="account__debtor__full_name")
    def debtor_name(self, obj: ReliefRequest) -> str:
        return obj.account.debtor.full_name

    @admin.display(description=_("debtor"))
    def debtor_masked(self, obj: ReliefRequest) -> str:
        return f"{masked_name(obj.account.debtor.full_name)} ({obj.account.debtor.reference})"

    @admin.display(description=_("card"))
    def account_last4(self, obj: ReliefRequest) -> str:
        return obj.account.masked_card

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: ReliefRequest) -> str:
        return format_money(obj.amount, obj.account.currency)

    @admin.display(description=_("months"), ordering="months")
    def months_display(self, obj: ReliefRequest) -> int:
        return obj.months

    @admin.display(description=_("monthly"), ordering="monthly_amount")
    def monthly_display(self, obj: ReliefRequest) -> str:
        return format_money(obj.monthly_amount, obj.account.currency)

    @admin.display(description=_("affordability"))
    def verdict(self, obj: ReliefRequest) -> str:
        return str(request_affordability(obj).verdict.label)

    @admin.display(description=_("days past due"))
    def days_past_due(self, obj: ReliefRequest) -> int:
        return obj.account.days_past_due(timezone.localdate())

    @admin.display(description=_("age (days)"), ordering="submitted_at")
    def age_days(self, obj: ReliefRequest) -> int:
        return (timezone.now() - obj.submitted_at).days

    @admin.display(description=_("answer due"), ordering="due_by")
    def sla(self, obj: ReliefRequest) -> str:
        due = timezone.localtime(obj.due_by).strftime("%Y-%m-%d %H:%M")
        if obj.status in WITH_THE_BANK_STATUSES and obj.due_by < timezone.now():
            return _("%(due)s (past due)") % {"due": due}
        return due

    # Bulk actions ---------------------------------------------------------------------------

    @admin.action(description=_("Assign to me"))
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[ReliefRequest]) -> None:
        self._assign_each(request, queryset, request.user)

    @admin.action(description=_("Assign to…"))
    def assign_to(
        self, request: HttpRequest, queryset: QuerySet[ReliefRequest]
    ) -> HttpResponse | None:
        candidates = (
            get_user_model()
            .objects.filter(
                Q(groups__permissions__codename="review_reliefrequest") | Q(is_superuser=True),
                is_active=True,
                is_staff=True,
            )
            .distinct()
        )
        form = AssignForm(request.POST if "apply" in request.POST else None, candidates=candidates)
        if form.is_valid():
            self._assign_each(request, queryset, form.cleaned_data["assignee"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "requests": queryset,
            "title": _("Assign requests"),
        }
        return TemplateResponse(request, "admin/negotiation/reliefrequest/assign.html", context)

    def _assign_each(
        self, request: HttpRequest, queryset: QuerySet[ReliefRequest], assignee: Any
    ) -> None:
        done, refused = 0, 0
        for relief_request in queryset:
            try:
                assign_request(relief_request, assignee=assignee, actor=request.user)  # type: ignore[arg-type]
                done += 1
            except ServiceError:
                refused += 1
        self.message_user(
            request,
            _("%(done)d assigned, %(refused)d refused.") % {"done": done, "refused": refused},
        )

    # The request page -----------------------------------------------------------------------

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        relief_request = self.get_object(request, object_id)
        if relief_request is None:
            return super().change_view(request, object_id, form_url, extra_context)
        context = {**(extra_context or {}), **self._review_context(request, relief_request)}
        return super().change_view(request, object_id, form_url, extra_context=context)

    def _review_context(
        self, request: HttpRequest, relief_request: ReliefRequest
    ) -> dict[str, Any]:
        today = timezone.localdate()
        start = today if relief_request.is_open else timezone.localdate(relief_request.submitted_at)
        version = {"version": relief_request.version}
        return {
            "relief_request": relief_request,
            "account": relief_request.account,
            "days_past_due": relief_request.account.days_past_due(today),
            "stage": relief_request.account.stage(today),
            "disclosure": money.disclose(relief_request.terms, start=start, due=relief_request.due),
            "picture": review_picture(relief_request, viewer=request.user, today=today),  # type: ignore[arg-type]
            "can_decide": request.user.has_perm(ROLE_PERMISSIONS[Role.DECIDER])
            and relief_request.is_open,
            "can_second_approve": is_supervisor(request.user)
            and relief_request.status == RequestStatus.AWAITING_SECOND_APPROVAL,
            "can_see_names": request.user.has_perm(CONTACT_PERMISSION),
            "can_download": request.user.has_perm("negotiation.download_document"),
            "can_record_contact": request.user.has_perm("negotiation.add_contactrecord"),
            "recommend_form": RecommendForm(initial=version),
            "ask_form": AskInfoForm(initial=version),
            "note_form": NoteForm(),
            "send_back_form": SendBackForm(initial=version),
            "contact_form": ContactForm(
                initial={"at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
            ),
            "verdict_fits": Verdict.FITS,
        }

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

    def _require(self, request: HttpRequest, role: Role) -> None:
        if not request.user.has_perm(ROLE_PERMISSIONS[role]):
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

    def approve_view(self, request: HttpRequest, object_id: int) -> HttpResponseBase:
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
                actor=request.user,  # type: ignore[arg-type]
                today=timezone.localdate(),
                expected_version=data["version"],
                recommendation=data["recommendation"],
                ip=client_ip(request),
            ),
            outcome,
        )

    def reject_view(self, request: HttpRequest, object_id: int) -> HttpResponseBase:
        self._require(request, Role.DECIDER)
        relief_request = get_object_or_404(ReliefRequest, pk=object_id)
        form = RejectForm(request.POST or None, initial={"version": relief_request.version})
        if request.method == "POST" and form.is_valid():
            return self._run(
                request,
                relief_request,
                lambda: reject_request(
                    relief_request,
                    actor=request.user,  # type: ignore[arg-type]
                    reason_code=form.cleaned_data["reason_code"],
                    explanation=form.cleaned_data["explanation"],
                    expected_version=form.cleaned_data["version"],
                    ip=client_ip(request),
                ),
                _("Rejected %(reference)s.") % {"reference": relief_request.reference},
            )
        return self._page(request, relief_request, "reject.html", form, _("Reject %(reference)s"))

    def claim_view(self, request: HttpRequest, object_id: int) -> HttpResponseBase:
        return self._form_action(
            request,
            object_id,
            Role.REVIEWER,
            DecisionVersionForm,
            lambda relief_request, data: claim_request(
                relief_request,
                actor=request.user,  # type: ignore[arg-type]
                expected_version=data["version"],
            ),
            lambda result: _("%(reference)s is yours.") % {"reference": result.reference},
        )

    def counter_view(self, request: HttpRequest, object_id: int) -> HttpResponseBase:
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
                        actor=request.user,  # type: ignore[arg-type]
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

    def ask_view(self, request: HttpRequest, object_id: int) -> HttpResponseBase:
        return self._form_action(
            request,
            object_id,
            Role.DECIDER,
            AskInfoForm,
            lambda relief_request, data: ask_for_information(
                relief_request,
                actor=request.user,  # type: ignore[arg-type]
                question=data["question"],
                expected_version=data["version"],
                ip=client_ip(request),
            ),
            _("Your question is with the debtor."),
        )

    def note_view(self, request: HttpRequest, object_id: int) -> HttpResponseBase:
        return self._form_action(
            request,
            object_id,
            Role.REVIEWER,
            NoteForm,
            lambda relief_request, data: add_internal_note(
                relief_request,
                actor=request.user,  # type: ignore[arg-type]
                body=data["note"],
            ),
            _("Note added."),
        )

    def contact_view(self, request: HttpRequest, object_id: int) -> HttpResponseBase:
        return self._form_action(
            request,
            object_id,
            "negotiation.add_contactrecord",
            ContactForm,
            lambda relief_request, data: record_contact(
                relief_request,
                actor=request.user,  # type: ignore[arg-type]
                channel=data["channel"],
                direction=data["direction"],
                outcome=data["outcome"],
                note=data["note"],
                at=data["at"],
            ),
            _("Contact recorded."),
        )

    def send_back_view(self, request: HttpRequest, object_id: int) -> HttpResponseBase:
        return self._form_action(
            request,
            object_id,
            Role.SECOND_APPROVER,
            SendBackForm,
            lambda relief_request, data: send_back(
                relief_request,
                actor=request.user,  # type: ignore[arg-type]
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
        form_class: type[Any],
        action: Callable[[ReliefRequest, dict[str, Any]], Any],
        done: Any,
    ) -> HttpResponseBase:
        """A decision button: POST only, the right checked on the server, the form valid
        (else nothing changes and the page says why), then one service call."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        permission = ROLE_PERMISSIONS[right] if isinstance(right, Role) else right
        if not request.user.has_perm(permission):
            raise PermissionDenied
        relief_request = get_object_or_404(
            ReliefRequest.objects.select_related("account__debtor", "program"), pk=object_id
        )
        form = form_class(request.POST)
        if not form.is_valid():
            return self._invalid(request, relief_request, form)
        return self._run(
            request, relief_request, lambda: action(relief_request, form.cleaned_data), done
        )

    def document_view(self, request: HttpRequest, reference: str) -> HttpResponseBase:
        """A debtor's document, for staff who may read it; every read is audited."""
        if not request.user.has_perm("negotiation.download_document"):
            raise PermissionDenied
        document = get_object_or_404(Document, reference=reference)
        record_download(document, actor=request.user, ip=client_ip(request))  # type: ignore[arg-type]
        return document_response(document)
