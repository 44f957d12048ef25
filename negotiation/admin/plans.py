"""Repayment plans with their installments and the agreement PDF, read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from negotiation.admin.mixins import ContactMaskingMixin, ReadOnlyMixin, masked_name
from negotiation.exceptions import ServiceError
from negotiation.http import StaffRequest, client_ip, pdf_response, staff_user
from negotiation.models import (
    AmendmentStatus,
    ChangeRequestStatus,
    DirectDebitMandate,
    Installment,
    PlanAmendment,
    PlanChangeRequest,
    RepaymentPlan,
)
from negotiation.roles import ANSWER_PLANCHANGEREQUEST, VIEW_DEBTOR_CONTACT, VIEW_REPAYMENTPLAN
from negotiation.selectors.ledger import owed_under
from negotiation.services.agreements import (
    agreement_filename,
    amendment_filename,
    check_agreement_seal,
    read_agreement_pdf,
    read_amendment_pdf,
)
from negotiation.services.planchanges import answer_change_request


class InstallmentInline(ReadOnlyMixin, admin.TabularInline[Installment, RepaymentPlan]):
    model = Installment
    extra = 0
    fields = (
        "number",
        "due_date",
        "principal_part",
        "cost_part",
        "amount",
        "paid_amount",
        "status",
    )
    readonly_fields = fields


class MandateInline(ReadOnlyMixin, admin.TabularInline[DirectDebitMandate, RepaymentPlan]):
    """The plan's automatic repayment, for whoever reads plans: the account's last 4 digits
    only (the full number is for the bank's core system, in the daily export), the holder's
    name only to those who may see names, the consent as agreed."""

    model = DirectDebitMandate
    extra = 0
    _FIELDS = (
        "status",
        "bank_name",
        "account_masked",
        "holder_name",
        "first_debit_on",
        "last_debit_on",
        "consent_version",
        "consented_at",
        "consent_ip",
        "cancelled_at",
        "ended_at",
        "account_number_removed_on",
        "consent_text",
    )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if request.user.has_perm(VIEW_DEBTOR_CONTACT):
            return self._FIELDS
        return tuple(field for field in self._FIELDS if field != "holder_name")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return self.get_fields(request, obj)

    @admin.display(description=_("debit account"))
    def account_masked(self, obj: DirectDebitMandate) -> str:
        return obj.masked_account


@admin.register(RepaymentPlan)
class RepaymentPlanAdmin(ReadOnlyMixin, admin.ModelAdmin[RepaymentPlan]):
    list_display = (
        "reference",
        "account",
        "status",
        "months",
        "total_repayable",
        "annual_rate",
        "agreed_on",
    )
    list_filter = ("status",)
    list_select_related = ("account",)
    search_fields = ("reference", "account__reference")
    inlines = [InstallmentInline, MandateInline]
    exclude = ("signature_user_agent", "agreement_pdf")
    readonly_fields = ("where_it_stands", "agreement_document", "agreement_seal", "versions")

    @admin.display(description=_("versions of the agreement"))
    def versions(self, obj: RepaymentPlan) -> str:
        """Every change after the first agreement (services.planchanges), each version with
        its own document: signed ones sealed, one waiting as a draft; staff reads audited."""
        changes = PlanAmendment.objects.filter(plan=obj).order_by("version", "requested_at")
        return render_to_string(
            "admin/negotiation/repaymentplan/versions.html",
            {"changes": changes, "readable": AmendmentStatus.AWAITING_SIGNATURE},
        )

    @admin.display(description=_("agreement (PDF)"))
    def agreement_document(self, obj: RepaymentPlan) -> str:
        url = reverse("admin:negotiation_repaymentplan_agreement", args=[obj.pk])
        label = _("Signed agreement") if obj.signed_at else _("Draft agreement (not signed)")
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description=_("where the plan stands"))
    def where_it_stands(self, obj: RepaymentPlan) -> str:
        """The same figures as the debtor's pages (selectors.ledger): paid so far, still to
        pay, the next payment and the payments left; the card's ledger beside them."""
        owed = owed_under(obj.account, obj, today=timezone.localdate())
        return render_to_string(
            "admin/negotiation/repaymentplan/where_it_stands.html",
            {"owed": owed, "currency": obj.account.currency},
        )

    @admin.display(description=_("bank's seal"))
    def agreement_seal(self, obj: RepaymentPlan) -> str:
        """Whether the stored signed agreement still checks against the bank's seal: a
        changed file is said plainly here, not only by a PDF reader."""
        if not obj.agreement_pdf:
            return str(_("Not stored yet (made at the first download after signing)"))
        found = check_agreement_seal(obj)
        if found.valid and found.sealed_at is not None:
            at = date_format(timezone.localtime(found.sealed_at), "DATETIME_FORMAT")
            return str(_("Sealed and unchanged since %(at)s") % {"at": at})
        if found.sealed and found.intact and found.whole_file:
            return str(_("Sealed by another key: check it with that key's certificate"))
        return str(_("The stored file does not match its seal: tell the security team"))

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:object_id>/agreement.pdf",
                self.admin_site.admin_view(self.agreement_view),
                name="negotiation_repaymentplan_agreement",
            ),
            path(
                "change/<int:amendment_id>/agreement.pdf",
                self.admin_site.admin_view(self.amendment_view),
                name="negotiation_repaymentplan_amendment_agreement",
            ),
            *super().get_urls(),
        ]

    def agreement_view(self, request: StaffRequest, object_id: int) -> HttpResponse:
        """The agreement PDF in the debtor's language. It names the debtor, so it takes the
        right to see debtors' contact details too; every staff read is audited."""
        user = request.user
        if not (user.has_perm(VIEW_REPAYMENTPLAN) and user.has_perm(VIEW_DEBTOR_CONTACT)):
            raise PermissionDenied
        plan = get_object_or_404(
            RepaymentPlan.objects.select_related("account__debtor", "request__program"),
            pk=object_id,
        )
        content = read_agreement_pdf(plan, actor=user, ip=client_ip(request))
        return pdf_response(content, agreement_filename(plan))

    def amendment_view(self, request: StaffRequest, amendment_id: int) -> HttpResponse:
        """A changed plan's version as a PDF, on the same rights as the first agreement
        (it names the debtor); every staff read is audited."""
        user = request.user
        if not (user.has_perm(VIEW_REPAYMENTPLAN) and user.has_perm(VIEW_DEBTOR_CONTACT)):
            raise PermissionDenied
        amendment = get_object_or_404(
            PlanAmendment.objects.select_related("plan__account__debtor", "plan__request__program"),
            pk=amendment_id,
        )
        content = read_amendment_pdf(amendment, actor=user, ip=client_ip(request))
        return pdf_response(content, amendment_filename(amendment))


class ChangeRequestAnswerForm(forms.ModelForm[PlanChangeRequest]):
    class Meta:
        model = PlanChangeRequest
        fields = ["answer"]


@admin.register(PlanChangeRequest)
class PlanChangeRequestAdmin(ContactMaskingMixin[PlanChangeRequest]):
    """The queue of changes the portal could not make by itself: open ones first, by the
    time an answer is due. A specialist writes the answer the debtor reads on the plan's
    change page (services.planchanges.answer_change_request: audited, the debtor told);
    the debtor's words and the answer are never edited afterwards."""

    form = ChangeRequestAnswerForm
    list_filter = ("status",)
    list_select_related = ("plan__account__debtor", "answered_by")
    search_fields = ("plan__reference",)
    ordering = ("-status", "due_by")  # "open" sorts after "answered": reversed, open first
    readonly_fields = ("plan", "debtor", "text", "asked_at", "due_by", "answered_by", "answered_at")
    fields = (
        "plan",
        "debtor",
        "text",
        "asked_at",
        "due_by",
        "answer",
        "answered_by",
        "answered_at",
    )

    @admin.display(description=_("debtor"))
    def debtor(self, obj: PlanChangeRequest) -> str:
        debtor = obj.plan.account.debtor
        return f"{debtor.full_name} ({debtor.reference})"

    @admin.display(description=_("debtor"))
    def debtor_masked(self, obj: PlanChangeRequest) -> str:
        debtor = obj.plan.account.debtor
        return f"{masked_name(debtor.full_name)} ({debtor.reference})"

    def _debtor_column(self, request: HttpRequest) -> str:
        return "debtor" if self.sees_contacts(request) else "debtor_masked"

    def get_list_display(self, request: HttpRequest) -> Any:
        return ("plan", self._debtor_column(request), "status", "asked_at", "due_by", "answered_by")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        who = self._debtor_column(request)
        return ("plan", who, "text", "asked_at", "due_by", "answer", "answered_by", "answered_at")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("plan__account__debtor")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # debtors ask in the portal

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Only the answer is written, once, by whoever holds the right to answer.
        may_answer = request.user.has_perm(ANSWER_PLANCHANGEREQUEST)
        return may_answer and (obj is None or obj.status == ChangeRequestStatus.OPEN)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not self.has_change_permission(request, obj):
            return (*self.readonly_fields, "answer")
        return self.readonly_fields

    def save_model(
        self, request: HttpRequest, obj: PlanChangeRequest, form: Any, change: bool
    ) -> None:
        try:
            answer_change_request(
                obj,
                actor=staff_user(request),
                answer=form.cleaned_data["answer"],
                now=timezone.now(),
            )
        except ServiceError as refused:
            # The form was valid but the service refused (answered meanwhile): say so.
            messages.error(request, str(refused.message))
