"""Automatic repayment of a plan: set up (``negotiation:mandate_create``) and cancelled
(``negotiation:mandate_cancel``), each a page of its own that works without JavaScript."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from negotiation.access import debtor_required, plan_for
from negotiation.exceptions import ServiceError, TransitionNotAllowed, WrongPassword
from negotiation.forms.mandates import CancelMandateForm, MandateForm
from negotiation.http import DebtorRequest, client_ip
from negotiation.models import DirectDebitMandate, PlanStatus, RepaymentPlan
from negotiation.punctuation import sentences
from negotiation.ratelimits import limited
from negotiation.selectors.mandates import Cancellation, active_mandate, cancellation_today
from negotiation.services.mandates import (
    NothingToDebit,
    cancel_mandate,
    consent_digest,
    consent_text,
    debit_from,
    set_up_mandate,
)


@never_cache
@require_http_methods(["GET", "POST"])
@debtor_required
@limited("RATE_CODE_ENTRY", per_person=True)
def mandate_create(request: DebtorRequest, reference: str) -> HttpResponse:
    """The instruction in full, the account to take the payments from, a tick and the
    password; then back to the plan page, which says what happens and when."""
    plan = plan_for(request.user, reference)
    prefetch_related_objects([plan], "installments")
    if plan.status != PlanStatus.ACTIVE or active_mandate(plan) is not None:
        return redirect("negotiation:plan_detail", reference=plan.reference)
    now = timezone.now()
    language = translation.get_language() or request.debtor.preferred_language
    try:
        text = consent_text(plan, language=language, today=timezone.localdate(now))
    except NothingToDebit as nothing:
        messages.info(request, str(nothing.message))
        return redirect("negotiation:plan_detail", reference=plan.reference)
    digest = consent_digest(text)
    form = MandateForm(
        request.POST or None,
        initial={"holder_name": request.debtor.full_name, "consent_digest": digest},
    )
    if request.method == "POST" and form.is_valid():
        mandate = _set_up(request, plan, form, text=text, digest=digest, language=language)
        if mandate is not None:
            messages.success(
                request,
                _(
                    "Automatic repayment is set up. From %(first)s, each payment is taken from "
                    "your account %(account)s on its due date."
                )
                % {"first": _day(mandate.first_debit_on), "account": debit_from(mandate)},
            )
            return redirect("negotiation:plan_detail", reference=plan.reference)
    context = {"plan": plan, "form": form, "consent_text": text}
    return render(request, "negotiation/mandate_form.html", context)


def _set_up(
    request: DebtorRequest,
    plan: RepaymentPlan,
    form: MandateForm,
    *,
    text: str,
    digest: str,
    language: str,
) -> DirectDebitMandate | None:
    """The mandate, or None with the form's error in the portal's words."""
    if form.cleaned_data["consent_digest"] != digest:
        form.add_error(
            None,
            _(
                "The instruction has changed since the page was opened (its first payment date "
                "moved). Please read it again below, then confirm. Nothing has been set up."
            ),
        )
        return None
    data = form.cleaned_data
    try:
        return set_up_mandate(
            plan,
            actor=request.user,
            bank_name=data["bank_name"],
            account_number=data["account_number"],
            holder_name=data["holder_name"],
            agreed_text=text,
            language=language,
            password=data["password"],
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            now=timezone.now(),
        )
    except WrongPassword as wrong:
        form.add_error("password", str(wrong.message))
    except ServiceError as refused:
        form.add_error(None, str(refused.message))
    return None


@never_cache
@require_http_methods(["GET", "POST"])
@debtor_required
@limited("RATE_REQUEST_FORM", per_person=True)
def mandate_cancel(request: DebtorRequest, reference: str) -> HttpResponse:
    """What cancelling today means, with the dates; the button cancels."""
    plan = plan_for(request.user, reference)
    prefetch_related_objects([plan], "installments")
    mandate = active_mandate(plan)
    if mandate is None:
        return redirect("negotiation:plan_detail", reference=plan.reference)
    now = timezone.now()
    outcome = cancellation_today(mandate, plan.installments.all(), today=timezone.localdate(now))
    form = CancelMandateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cancel_mandate(
                mandate,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                ip=client_ip(request),
                now=now,
            )
        except TransitionNotAllowed:
            pass  # cancelled in another tab, or ended with the plan: the plan page says so
        else:
            messages.success(request, _cancelled_message(outcome))
        return redirect("negotiation:plan_detail", reference=plan.reference)
    context = {"plan": plan, "mandate": mandate, "outcome": outcome, "form": form}
    return render(request, "negotiation/mandate_cancel.html", context)


def _cancelled_message(outcome: Cancellation) -> str:
    done = _("Automatic repayment is cancelled.")
    still, stops = outcome.still_debited, outcome.stops_from
    parts = [done]
    if still is not None:
        parts.append(
            _("The payment on %(day)s is still taken from your account: it was too close to stop.")
            % {"day": _day(still.due_date)}
        )
    if stops is not None:
        parts.append(
            _("From %(day)s nothing is taken: please pay each payment yourself.")
            % {"day": _day(stops.due_date)}
        )
    else:
        parts.append(_("Nothing more is taken from your account."))
    return sentences(parts)


def _day(day: dt.date) -> str:
    return formats.date_format(day)
