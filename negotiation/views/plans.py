"""A repayment plan: read the agreement, sign it, download it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from negotiation.access import (
    debtor_required,
    plan_for,
)
from negotiation.exceptions import ServiceError
from negotiation.forms.plans import SignPlanForm
from negotiation.http import DebtorRequest, client_ip, pdf_response
from negotiation.models import (
    PlanStatus,
)
from negotiation.services.agreements import agreement_filename, agreement_pdf, agreement_text
from negotiation.services.plans import sign_plan


@never_cache
@require_http_methods(["GET", "POST"])
@debtor_required
def plan_detail(request: DebtorRequest, reference: str) -> HttpResponse:
    plan = plan_for(request.user, reference)
    text = agreement_text(
        plan, language=translation.get_language() or plan.account.debtor.preferred_language
    )
    form = SignPlanForm(request.POST or None, user=request.user)
    if (
        request.method == "POST"
        and plan.status == PlanStatus.AWAITING_SIGNATURE
        and form.is_valid()
    ):
        try:
            sign_plan(
                plan,
                actor=request.user,
                agreement_text=text,
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                now=timezone.now(),
            )
        except ServiceError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Thank you. Your plan is signed and active."))
        return redirect("negotiation:plan_detail", reference=plan.reference)
    context = {
        "plan": plan,
        "installments": plan.installments.all(),
        "form": form,
        "agreement_text": text,
    }
    return render(request, "negotiation/plan_detail.html", context)


@require_GET
@debtor_required
def plan_agreement_pdf(request: DebtorRequest, reference: str) -> HttpResponse:
    """The agreement as a PDF: a draft in the page's language before signing; afterwards
    the signed document as stored."""
    plan = plan_for(request.user, reference)
    content = agreement_pdf(
        plan,
        language=translation.get_language() or plan.account.debtor.preferred_language,
        actor=request.user,
    )
    return pdf_response(content, agreement_filename(plan))
