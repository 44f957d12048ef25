"""The debtor's dashboard, an account's page (what is owed, what happens next, the options
that fit) and the inbox. Thin: load through an access helper, read a selector, render."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from negotiation.access import (
    account_for,
    debtor_required,
)
from negotiation.forms.accounts import FiguresForm
from negotiation.http import DebtorRequest
from negotiation.selectors.arrears import arrears_facts, notices_for, timeline_for
from negotiation.selectors.debtor import (
    dashboard_for,
    inbox_for,
    open_request_for,
    relief_options_for,
    suggested_plans_for,
)
from negotiation.services.notifications import mark_read


@require_GET
@debtor_required
def dashboard(request: DebtorRequest) -> HttpResponse:
    summaries = dashboard_for(
        request.debtor,
        today=timezone.localdate(),
        language=translation.get_language() or "",
    )
    return render(request, "negotiation/dashboard.html", {"summaries": summaries})


@require_GET
@debtor_required
def account_detail(request: DebtorRequest, reference: str) -> HttpResponse:
    account = account_for(request.user, reference)
    today = timezone.localdate()
    options = relief_options_for(account, today=today)
    open_request = open_request_for(account)
    figures_form = FiguresForm(request.GET or None)
    figures = figures_form.figures()
    facts = arrears_facts(account, today=today)
    timeline = timeline_for(
        account, today=today, language=translation.get_language() or "", facts=facts
    )
    context = {
        "account": account,
        "days_past_due": timeline.days_past_due,
        "stage": timeline.stage,
        "payments": account.payments.all()[:24],
        "options": options,
        "figures_form": figures_form,
        "figures": figures,
        "suggestions": []
        if open_request
        else suggested_plans_for(account, options, today=today, figures=figures),
        "open_request": open_request,
        "plans": account.plans.select_related("request").all(),
        "timeline": timeline,
        # The green "your plan is in place" only for a signed plan in force: until the
        # debtor signs, nothing is agreed and the steps below still apply.
        "under_plan": facts.under_agreement(today),
        "notices": notices_for(account),
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
