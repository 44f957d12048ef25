"""The debtor's letters as PDFs: the statement of account (any time) and the payoff letter
(once the account is settled; before, back to the account page with a word on when)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from negotiation.access import account_for, debtor_required
from negotiation.exceptions import NotSettledYet
from negotiation.http import DebtorRequest, pdf_response
from negotiation.services.letters import (
    payoff_filename,
    payoff_letter_pdf,
    statement_filename,
    statement_pdf,
)


@require_GET
@debtor_required
def statement(request: DebtorRequest, reference: str) -> HttpResponse:
    account = account_for(request.user, reference)
    now = timezone.now()
    content = statement_pdf(
        account, language=translation.get_language() or account.debtor.preferred_language, now=now
    )
    return pdf_response(content, statement_filename(account, timezone.localdate(now)))


@require_GET
@debtor_required
def payoff_letter(request: DebtorRequest, reference: str) -> HttpResponse:
    account = account_for(request.user, reference)
    try:
        content = payoff_letter_pdf(account.pk, actor=request.user, now=timezone.now())
    except NotSettledYet as not_yet:
        messages.info(request, str(not_yet.message))
        return redirect("negotiation:account", reference=account.reference)
    return pdf_response(content, payoff_filename(account))
