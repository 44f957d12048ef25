"""The specialist's workbench: the review queue (columns, filters, bulk assignment) and the
request page, whose decision buttons are in ``decisions``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from negotiation import delinquency
from negotiation.admin.decisions import DecisionViews
from negotiation.admin.mixins import OpenByDefaultFilter, answer_due_cell, masked_name
from negotiation.exceptions import ServiceError
from negotiation.forms.workbench import (
    AskInfoForm,
    AssignForm,
    ContactForm,
    NoteForm,
    RecommendForm,
    SendBackForm,
)
from negotiation.http import StaffRequest, page_context, staff_user
from negotiation.models import (
    OPEN_DISPUTE_STATUSES,
    OPEN_REQUEST_STATUSES,
    Dispute,
    Offer,
    ReliefRequest,
    RequestStatus,
    User,
    WordingKind,
)
from negotiation.models.requests import WITH_THE_BANK_STATUSES
from negotiation.money import format_amount
from negotiation.policy import Verdict
from negotiation.roles import (
    REVIEW_RELIEFREQUEST,
    VIEW_DEBTOR_CONTACT,
    codename,
)
from negotiation.selectors.terms import request_affordability
from negotiation.selectors.workbench import review_page, wordings_for
from negotiation.services.requests import (
    assign_request,
)


class QueueFilter(OpenByDefaultFilter):
    """Open requests unless asked otherwise."""

    statuses = RequestStatus
    open_statuses = OPEN_REQUEST_STATUSES


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


class OfferInline(admin.TabularInline[Offer, ReliefRequest]):
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


@admin.register(ReliefRequest)
class ReliefRequestAdmin(DecisionViews):
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
                    "personal_data_removed_on",
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
                    "closed_at",
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
        name = "debtor_name" if request.user.has_perm(VIEW_DEBTOR_CONTACT) else "debtor_masked"
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
            "hold",
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReliefRequest]:
        held = Dispute.objects.filter(account=OuterRef("account"), status__in=OPEN_DISPUTE_STATUSES)
        return (
            super()
            .get_queryset(request)
            .select_related("account__debtor", "program", "assignee")
            # The days-past-due column subtracts every agreed pause: one query for all rows.
            .prefetch_related("account__aging_pauses")
            # The dispute holding the account, if any: in the same query (queue and page).
            .annotate(
                open_dispute_reference=Subquery(held.values("reference")[:1]),
                open_dispute_pk=Subquery(held.values("pk")[:1]),
            )
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
        return format_amount(obj.amount, obj.account.currency)

    @admin.display(description=_("months"), ordering="months")
    def months_display(self, obj: ReliefRequest) -> int:
        return obj.months

    @admin.display(description=_("monthly"), ordering="monthly_amount")
    def monthly_display(self, obj: ReliefRequest) -> str:
        return format_amount(obj.monthly_amount, obj.account.currency)

    @admin.display(description=_("affordability"))
    def verdict(self, obj: ReliefRequest) -> str:
        if obj.personal_data_removed_on:  # the figures were removed: nothing to judge
            return "—"
        return str(request_affordability(obj).verdict.label)

    @admin.display(description=_("days past due"))
    def days_past_due(self, obj: ReliefRequest) -> int:
        return obj.account.days_past_due(timezone.localdate())

    @admin.display(description=_("age (days)"), ordering="submitted_at")
    def age_days(self, obj: ReliefRequest) -> int:
        return (timezone.now() - obj.submitted_at).days

    @admin.display(description=_("answer due"), ordering="due_by")
    def sla(self, obj: ReliefRequest) -> SafeString:
        waiting = obj.status in WITH_THE_BANK_STATUSES
        return answer_due_cell(obj.due_by, waiting=waiting, now=timezone.now())

    @admin.display(description=_("on hold"))
    def hold(self, obj: ReliefRequest) -> str:
        """A dispute open on the account holds every relief decision on it."""
        reference = getattr(obj, "open_dispute_reference", None)
        return _("Dispute %(ref)s open") % {"ref": reference} if reference else ""

    # Bulk actions ---------------------------------------------------------------------------

    @admin.action(description=_("Assign to me"))
    def assign_to_me(self, request: StaffRequest, queryset: QuerySet[ReliefRequest]) -> None:
        self._assign_each(request, queryset, request.user)

    @admin.action(description=_("Assign to…"))
    def assign_to(
        self, request: StaffRequest, queryset: QuerySet[ReliefRequest]
    ) -> HttpResponse | None:
        candidates = (
            get_user_model()
            .objects.filter(
                Q(groups__permissions__codename=codename(REVIEW_RELIEFREQUEST))
                | Q(is_superuser=True),
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
        self, request: StaffRequest, queryset: QuerySet[ReliefRequest], assignee: User
    ) -> None:
        done, refused = 0, 0
        for relief_request in queryset:
            try:
                assign_request(relief_request, assignee=assignee, actor=request.user)
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
        page = review_page(relief_request, viewer=staff_user(request), today=timezone.localdate())
        context = {
            **(extra_context or {}),
            **page_context(page),
            **self._review_forms(relief_request),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    def _review_forms(self, relief_request: ReliefRequest) -> dict[str, Any]:
        """The request page's forms, each carrying the version of the page it was shown on."""
        version = {"version": relief_request.version}
        return {
            "recommend_form": RecommendForm(initial=version),
            "ask_form": AskInfoForm(
                initial=version,
                wordings=wordings_for(WordingKind.QUESTION),
                language=relief_request.account.debtor.preferred_language,
            ),
            "note_form": NoteForm(),
            "send_back_form": SendBackForm(initial=version),
            "contact_form": ContactForm(
                initial={"at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
            ),
            "verdict_fits": Verdict.FITS,
        }
