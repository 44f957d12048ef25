"""A promise to pay on an account (``negotiation:promise_create``)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from negotiation.access import account_for, debtor_required
from negotiation.forms.promises import PromiseForm
from negotiation.http import DebtorRequest
from negotiation.money import format_amount
from negotiation.ratelimits import limited
from negotiation.services.promises import PromiseRefused, make_promise, open_promise


@never_cache
@require_http_methods(["GET", "POST"])
@debtor_required
@limited("RATE_REQUEST_FORM", per_person=True)
def promise_create(request: DebtorRequest, reference: str) -> HttpResponse:
    """The amount and the day, at most PROMISE_MAX_DAYS ahead; reminders rest until then."""
    account = account_for(request.user, reference)
    now = timezone.now()
    today = timezone.localdate(now)
    form = PromiseForm(request.POST or None, initial={"by": today + dt.timedelta(days=7)})
    if request.method == "POST" and form.is_valid():
        try:
            promise = make_promise(
                account,
                actor=request.user,
                amount=form.cleaned_data["amount"],
                by=form.cleaned_data["by"],
                now=now,
            )
        except PromiseRefused as refused:
            form.add_error(None, str(refused.message))
        else:
            messages.success(
                request,
                _(
                    "Thank you. We have noted that you will pay %(amount)s by %(day)s, and we "
                    "will not send you payment reminders until then."
                )
                % {
                    "amount": format_amount(promise.amount, account.currency),
                    "day": promise.promised_by.isoformat(),
                },
            )
            return redirect("negotiation:account", reference=account.reference)
    return render(
        request,
        "negotiation/promise_form.html",
        {
            "account": account,
            "form": form,
            "open_promise": open_promise(account),
            "latest": today + dt.timedelta(days=settings.PROMISE_MAX_DAYS),
            "max_days": settings.PROMISE_MAX_DAYS,
        },
    )
