"""The debtor's dashboard, an account's page (what is owed, what happens next, the options
that fit) and the inbox. Thin: load through an access helper, read a selector, render."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET, require_http_methods

from negotiation.access import (
    account_for,
    debtor_required,
)
from negotiation.forms.accounts import FiguresForm
from negotiation.http import DebtorRequest, page_context
from negotiation.selectors.debtor import account_page, dashboard_for, inbox_for
from negotiation.services.notifications import mark_read
from negotiation.views.support import support_context


@require_GET
@debtor_required
def dashboard(request: DebtorRequest) -> HttpResponse:
    summaries = dashboard_for(
        request.debtor,
        today=timezone.localdate(),
        language=translation.get_language() or "",
    )
    return render(request, "negotiation/dashboard.html", {"summaries": summaries})


@require_http_methods(["GET", "POST"])
@debtor_required
def account_detail(request: DebtorRequest, reference: str) -> HttpResponse:
    """What is owed, what comes next and the options. The budget figures are posted (never
    sent in the URL), kept for the sign-in, and the page shown again (post, redirect, get)."""
    account = account_for(request.user, reference)
    if request.method == "POST":
        figures_form = FiguresForm(request.POST)
        if figures_form.is_valid():
            figures_form.keep_in(request.session)
            return redirect("negotiation:account", reference=account.reference)
    else:
        figures_form = FiguresForm.from_session(request.session)
    figures = figures_form.figures()
    page = account_page(
        account,
        today=timezone.localdate(),
        language=translation.get_language() or "",
        figures=figures,
    )
    context = {
        **page_context(page),
        **support_context(request.debtor),
        "figures_form": figures_form,
        "figures": figures,
    }
    return render(request, "negotiation/account_detail.html", context)


@require_GET
@debtor_required
def inbox(request: DebtorRequest) -> HttpResponse:
    """The debtor's messages from the bank, newest first; opening the inbox reads them."""
    debtor = request.debtor
    notifications = list(inbox_for(debtor))
    mark_read(debtor)
    return render(request, "negotiation/inbox.html", {"notifications": notifications})
