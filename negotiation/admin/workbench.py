"""The specialist's workbench: the review queue (columns, filters, bulk assignment) and the
request page, whose decision buttons are in ``decisions``."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.contrib.auth import get_user_model
from django.db.models import (
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, NullIf
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from negotiation import delinquency
from negotiation.admin.decisions import DecisionViews
from negotiation.admin.mixins import BoundedCountPaginator, due_words_cell, masked_name
from negotiation.exceptions import ServiceError
from negotiation.forms.workbench import (
    AskInfoForm,
    AssignForm,
    ContactForm,
    NoteForm,
    RecommendForm,
    SendBackForm,
)
from negotiation.http import StaffRequest, client_ip, page_context, staff_user
from negotiation.models import (
    OPEN_DISPUTE_STATUSES,
    Debtor,
    Dispute,
    Offer,
    Program,
    ReliefRequest,
    RequestStatus,
    User,
    WordingKind,
)
from negotiation.models.debtors import hash_national_id
from negotiation.models.requests import WITH_THE_BANK_STATUSES
from negotiation.money import format_amount
from negotiation.policy import Verdict
from negotiation.queuesearch import SearchKey, search_term
from negotiation.roles import (
    DECIDE_RELIEFREQUEST,
    OVERRIDE_CONTACT_RULES,
    REVIEW_RELIEFREQUEST,
    VIEW_DEBTOR_CONTACT,
    VIEW_SUPPORT_NEED,
    codename,
)
from negotiation.selectors.support import support_in_place_on_account
from negotiation.selectors.workbench import (
    QueueView,
    queue_view,
    requests_of_debtors,
    review_page,
    search_requests,
    wordings_for,
)
from negotiation.services.requests import (
    approve_within_envelope,
    assign_request,
)

# A search by resident ID goes on by the number's keyed hash in this parameter: the page the
# staff member lands on, its links and the browser's history never hold the number itself.
ID_HASH_VAR = "id_hash"
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


class ResidentIdFilter(admin.SimpleListFilter):
    """The requests of the debtor whose resident ID has this keyed hash (``ID_HASH_VAR``),
    set by the search's redirect. In the sidebar only while it filters, so the staff member
    sees the list is narrowed, and clears it with "All"."""

    title = _("resident ID")
    parameter_name = ID_HASH_VAR

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        value = self.value()
        return [(value, _("The number searched for"))] if value else []

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        if not _HEX_DIGEST.fullmatch(value):
            return queryset.none()
        return requests_of_debtors(queryset, Debtor.objects.filter(national_id_hash=value))


class QueueViewFilter(admin.SimpleListFilter):
    """Which part of the queue to show: "needs my action" unless asked otherwise, the views
    of ``selectors.workbench.QueueView``, or the requests of one status. A search looks
    through every request (a call can be about a decided one) unless a view is chosen.
    The parameter keeps the name of the status filter it replaced, so ``?queue=all`` and
    ``?queue=<status>`` links still work."""

    title = _("queue")
    parameter_name = "queue"

    def __init__(self, request: HttpRequest, params: Any, model: Any, model_admin: Any) -> None:
        self.searching = bool(request.GET.get(SEARCH_VAR, "").strip() or ID_HASH_VAR in request.GET)
        super().__init__(request, params, model, model_admin)

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [*QueueView.choices, *RequestStatus.choices]

    def value(self) -> str:
        default = QueueView.ALL if self.searching else QueueView.NEEDS_MY_ACTION
        return super().value() or default

    def choices(self, changelist: Any) -> Any:
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value in QueueView.values:
            return queue_view(queryset, value, viewer=staff_user(request))
        if value in RequestStatus.values:
            return queryset.filter(status=value)
        return queryset.none()


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


def program_name_in(language: str) -> Subquery:
    """The request's program name in ``language`` as ``Program.localized_name`` words it
    (the Chinese name where there is one), computed by the database for the queue's rows.
    A subquery, not a join: the queue's count of its rows stays on the requests alone."""
    name: Coalesce | F = F("name")
    if language.startswith("zh"):
        name = Coalesce(NullIf("name_zh", Value("")), "name")
    return Subquery(Program.objects.filter(pk=OuterRef("program_id")).values(label=name)[:1])


class QueuePaginator(BoundedCountPaginator):
    """The queue counts its first 1,000 rows (20 pages of 50): a broad search ("Li", a fifth
    of the synthetic debtors) counted to 10,000 took most of the page's database time, and
    a specialist narrows such a view rather than page through it (docs/PERFORMANCE.md)."""

    COUNT_LIMIT = 1_000


class QueueChangeList(ChangeList):
    """The queue's list, whose rows link to their request page by one URL reversed for the
    page, not one ``reverse()`` per row (a tenth of the page's rendering, measured)."""

    _PK = "0"

    @cached_property
    def _change_url(self) -> str:
        opts = self.opts
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=(self._PK,),
            current_app=self.model_admin.admin_site.name,
        )

    def url_for_result(self, result: Any) -> str:
        head, _pk, tail = self._change_url.rpartition(f"/{self._PK}/")
        return f"{head}/{quote(getattr(result, self.pk_attname))}/{tail}"


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
    list_filter = (
        QueueViewFilter,
        "kind",
        StageFilter,
        AssigneeFilter,
        SlaFilter,
        ResidentIdFilter,
    )
    list_select_related = ("account__debtor", "program", "assignee")
    ordering = ("due_by", "-amount")
    # The search is get_search_results below (one indexed lookup per key); the admin shows
    # its box only when search_fields is not empty.
    search_fields = ("reference",)
    search_help_text = _(
        "A name, a phone number, the card's last 4 digits, a resident ID number, or a "
        "reference (RQ-, AC-, DB-, PL-)."
    )
    # No COUNT(*) of the whole table on every page, and a bounded count of the view shown.
    show_full_result_count = False
    paginator = QueuePaginator
    # A screen's worth for a specialist who works from the top and filters or searches for
    # the rest; 100 rows took twice the rendering (docs/PERFORMANCE.md, issue 17).
    list_per_page = 50
    actions = ["assign_to_me", "assign_to", "approve_within_limits"]
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
        """What a specialist decides the next step by, narrow enough for a 1280-pixel
        screen (static/css/staff.css): the terms' detail is on the request's page."""
        name = "debtor_name" if request.user.has_perm(VIEW_DEBTOR_CONTACT) else "debtor_masked"
        return (
            "reference",
            name,
            "program_name",
            "amount_display",
            "status_display",
            "sla",
            "assignee_display",
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReliefRequest]:
        held = Dispute.objects.filter(account=OuterRef("account"), status__in=OPEN_DISPUTE_STATUSES)
        return (
            super()
            .get_queryset(request)
            .select_related("account__debtor", "program", "assignee")
            # The dispute holding the account, if any: in the same query (queue and page).
            .annotate(
                open_dispute_reference=Subquery(held.values("reference")[:1]),
                open_dispute_pk=Subquery(held.values("pk")[:1]),
                # Extra support in place: a marker on the queue and the page, same query.
                needs_extra_support=support_in_place_on_account("account"),
                # The program's name in the page's language, read with the row.
                program_label=program_name_in(get_language() or "en"),
            )
        )

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return QueueChangeList

    def action_checkbox(self, obj: ReliefRequest) -> SafeString:
        """Django's row checkbox, the same input written directly: its form widget rendered
        a template per row, the dearest cell of the page (docs/PERFORMANCE.md, issue 17)."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """A resident ID typed in the search box is looked up by its keyed hash at once:
        the queue redirects to the same view with the hash instead of the number."""
        term = search_term(request.GET.get(SEARCH_VAR, ""))
        if term is not None and term.key is SearchKey.NATIONAL_ID and not term.phones:
            params = request.GET.copy()
            del params[SEARCH_VAR]
            params[ID_HASH_VAR] = hash_national_id(term.text)
            return HttpResponseRedirect(f"{request.path}?{params.urlencode()}")
        return super().changelist_view(request, extra_context)

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> ReliefRequest | None:
        """The request page counts days past due less every agreed pause: the pauses in
        one query (the queue shows no such column, so its rows do not load them)."""
        found = super().get_object(request, object_id, from_field)
        if found is not None:
            prefetch_related_objects([found], "account__aging_pauses")
        return found

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[ReliefRequest], search_term_text: str
    ) -> tuple[QuerySet[ReliefRequest], bool]:
        """A call's key, read from what was typed (queuesearch.search_term) and looked up by
        one indexed lookup (selectors.workbench.search_requests). No duplicates: every
        lookup is an equality or a subquery, never a join that repeats a request."""
        term = search_term(search_term_text)
        if term is None:
            return queryset, False
        sees_contacts = request.user.has_perm(VIEW_DEBTOR_CONTACT)
        return search_requests(queryset, term, sees_contacts=sees_contacts), False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # nothing is deleted, in bulk or otherwise
        return actions

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REVIEW_RELIEFREQUEST)

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(DECIDE_RELIEFREQUEST)

    # Columns ------------------------------------------------------------------------------

    @admin.display(description=_("debtor"), ordering="account__debtor__full_name")
    def debtor_name(self, obj: ReliefRequest) -> str:
        return obj.account.debtor.full_name

    @admin.display(description=_("debtor"))
    def debtor_masked(self, obj: ReliefRequest) -> str:
        return f"{masked_name(obj.account.debtor.full_name)} ({obj.account.debtor.reference})"

    @admin.display(description=_("program"), ordering="program__name")
    def program_name(self, obj: ReliefRequest) -> str:
        label: str = obj.program_label  # type: ignore[attr-defined]  # get_queryset's
        return label

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: ReliefRequest) -> str:
        return format_amount(obj.amount, obj.account.currency)

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj: ReliefRequest) -> SafeString:
        """The status, and under it the dispute that holds every relief decision on the
        account, if one is open, and whether the debtor needs extra support (never what:
        that is on the debtor's support page, for those who may read it)."""
        # The choices' own label: get_status_display() builds a dict of every choice per row.
        shown = format_html("{}", RequestStatus(obj.status).label)
        reference = getattr(obj, "open_dispute_reference", None)
        if reference:
            shown = format_html(
                '{}<br><span class="on-hold-tag">{}</span>',
                shown,
                _("Dispute %(ref)s open") % {"ref": reference},
            )
        if getattr(obj, "needs_extra_support", False):
            shown = format_html(
                '{}<br><span class="support-tag" data-testid="support-marker">{}</span>',
                shown,
                _("Needs extra support"),
            )
        return shown

    @admin.display(description=_("answer due"), ordering="due_by")
    def sla(self, obj: ReliefRequest) -> SafeString:
        waiting = obj.status in WITH_THE_BANK_STATUSES
        return due_words_cell(obj.due_by, waiting=waiting, now=timezone.now())

    @admin.display(description=_("assigned to"), ordering="assignee__username")
    def assignee_display(self, obj: ReliefRequest) -> str:
        return obj.assignee.get_username() if obj.assignee else "—"

    # Bulk actions ---------------------------------------------------------------------------

    @admin.action(description=_("Assign to me"), permissions=["review"])
    def assign_to_me(self, request: StaffRequest, queryset: QuerySet[ReliefRequest]) -> None:
        self._assign_each(request, queryset, request.user)

    @admin.action(description=_("Assign to…"), permissions=["review"])
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
        """Each request through ``assign_request`` (its lock and audit row); what could not
        be assigned is named with the reason."""
        done = 0
        for relief_request in queryset:
            try:
                assign_request(relief_request, assignee=assignee, actor=request.user)
                done += 1
            except ServiceError as error:
                self._refused(request, relief_request, _("not assigned"), error)
        self.message_user(
            request,
            _("%(done)d assigned to %(user)s.") % {"done": done, "user": assignee.get_username()},
        )

    @admin.action(description=_("Approve (within auto-approve limits)"), permissions=["decide"])
    def approve_within_limits(
        self, request: StaffRequest, queryset: QuerySet[ReliefRequest]
    ) -> None:
        """Each request through ``approve_within_envelope``, one transaction each: what is
        inside its program's auto-approve envelope and the user's own limit is approved as
        on its page; the rest is left as it was, each with the reason in plain words."""
        today = timezone.localdate()
        for relief_request in queryset:
            try:
                approve_within_envelope(
                    relief_request,
                    actor=request.user,
                    today=today,
                    expected_version=relief_request.version,
                    ip=client_ip(request),
                )
            except ServiceError as error:
                self._refused(request, relief_request, _("not approved"), error)
                continue
            self.message_user(
                request,
                _("%(ref)s: approved. The plan now waits for the debtor's signature.")
                % {"ref": relief_request.reference},
                messages.SUCCESS,
            )

    def _refused(
        self, request: HttpRequest, relief_request: ReliefRequest, what: Any, error: ServiceError
    ) -> None:
        self.message_user(
            request,
            _("%(ref)s: %(what)s. %(why)s")
            % {"ref": relief_request.reference, "what": what, "why": error.message},
            messages.WARNING,
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
            "can_read_support": request.user.has_perm(VIEW_SUPPORT_NEED),
            **self._review_forms(
                relief_request, can_override=request.user.has_perm(OVERRIDE_CONTACT_RULES)
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    def _review_forms(self, relief_request: ReliefRequest, *, can_override: bool) -> dict[str, Any]:
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
                initial={"at": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
                can_override=can_override,
            ),
            "verdict_fits": Verdict.FITS,
        }
