"""A dispute on an account (``negotiation:dispute_create``) and its page
(``negotiation:dispute_detail``). Thin: load through an access helper, one service or
selector, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from negotiation.access import account_for, debtor_required, dispute_for
from negotiation.exceptions import DocumentRefused
from negotiation.forms.disputes import DisputeForm
from negotiation.http import DebtorRequest, client_ip, page_context
from negotiation.models.disputes import EXPLANATION_MAX_CHARS
from negotiation.ratelimits import limited
from negotiation.selectors.disputes import dispute_page, open_dispute_on
from negotiation.services.disputes import DISPUTABLE, DisputeRefused, open_dispute


@never_cache
@require_http_methods(["GET", "POST"])
@debtor_required
@limited("RATE_REQUEST_FORM", per_person=True)
def dispute_create(request: DebtorRequest, reference: str) -> HttpResponse:
    """What is wrong, in the debtor's words, with documents if they have them. A refusal
    keeps what was typed and says why; nothing is stored."""
    account = account_for(request.user, reference)
    form = DisputeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            dispute = open_dispute(
                account,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                explanation=form.cleaned_data["explanation"],
                uploads=form.cleaned_data["documents"],
                consent=form.cleaned_data["document_consent"],
                now=timezone.now(),
                ip=client_ip(request),
            )
        except DocumentRefused as refused:
            form.add_error(
                "documents",
                _("%(reason)s Nothing was sent yet: please choose your files again.")
                % {"reason": refused.message},
            )
        except DisputeRefused as refused:
            form.add_error(None, str(refused.message))
        else:
            messages.success(
                request,
                _(
                    "Thank you. We have received your dispute %(ref)s and will answer by "
                    "%(due)s. Until then we send no payment reminders about this account."
                )
                % {"ref": dispute.reference, "due": dispute.answer_due.isoformat()},
            )
            return redirect("negotiation:dispute_detail", reference=dispute.reference)
    return render(
        request,
        "negotiation/dispute_form.html",
        {
            "account": account,
            "form": form,
            "open_dispute": open_dispute_on(account),
            "disputable": account.status in DISPUTABLE,
            "answer_days": settings.DISPUTE_ANSWER_DAYS,
            "explanation_max": EXPLANATION_MAX_CHARS,
            "objection_days": settings.CREDIT_REPORT_OBJECTION_DAYS,
        },
    )


@require_GET
@debtor_required
def dispute_detail(request: DebtorRequest, reference: str) -> HttpResponse:
    """Where the dispute stands: received, answer due (and why it was extended), the
    documents sent, the answer."""
    dispute = dispute_for(request.user, reference)
    page = dispute_page(dispute, today=timezone.localdate())
    return render(
        request,
        "negotiation/dispute_detail.html",
        {
            **page_context(page),
            "objection_days": settings.CREDIT_REPORT_OBJECTION_DAYS,
            "extended_days": settings.DISPUTE_EXTENDED_ANSWER_DAYS,
        },
    )
