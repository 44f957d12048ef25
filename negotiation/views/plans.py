"""A repayment plan: read the agreement, sign it, download it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from negotiation.access import (
    debtor_required,
    plan_for,
)
from negotiation.exceptions import (
    CodeNoLongerValid,
    CodeNotSentYet,
    ServiceError,
    WrongCode,
    WrongPassword,
)
from negotiation.forms.onboarding import CodeForm
from negotiation.forms.plans import SignPlanForm
from negotiation.http import DebtorRequest, client_ip, pdf_response
from negotiation.models import PlanStatus, RepaymentPlan
from negotiation.phones import last_digits
from negotiation.ratelimits import limited
from negotiation.selectors.channels import how_to_pay
from negotiation.selectors.ledger import owed_under
from negotiation.selectors.mandates import mandate_standing
from negotiation.selectors.payments import online_payment_open, waiting_payments
from negotiation.selectors.planchanges import pending_change, versions_of
from negotiation.services.agreements import agreement_filename, agreement_pdf, agreement_text
from negotiation.services.plans import resend_signing_code, sign_plan, start_signing

# Where a signature stands between its two steps (the password asked, the code sent): kept
# in the session, server side, never in a field of the page.
SIGNING_FLOW = "signing"
SIGNING_FLOW_LIFETIME = dt.timedelta(minutes=20)


@never_cache
@require_http_methods(["GET", "POST"])
@debtor_required
@limited("RATE_CODE_ENTRY", per_person=True)
def plan_detail(request: DebtorRequest, reference: str) -> HttpResponse:
    """The plan, its schedule and, while it waits for a signature, the agreement and the
    two steps of signing: the terms accepted with the password, then the code texted to the
    debtor's phone."""
    plan = plan_for(request.user, reference)
    # One read of the schedule for the page and for what is owed.
    prefetch_related_objects([plan], "installments")
    text = agreement_text(
        plan, language=translation.get_language() or plan.account.debtor.preferred_language
    )
    now = timezone.now()
    flow = _signing_flow(request, plan, now)
    sign_form = SignPlanForm()
    code_form = CodeForm()
    if request.method == "POST":
        if plan.status != PlanStatus.AWAITING_SIGNATURE:
            return redirect("negotiation:plan_detail", reference=plan.reference)
        step = request.POST.get("step")
        if step == "restart":
            request.session.pop(SIGNING_FLOW, None)
            return _to_the_signing_step(plan)
        if flow is not None and step == "new_code":
            return _send_new_code(request, plan, flow, text=text, now=now)
        if flow is not None and step == "code":
            code_form = CodeForm(request.POST)
            if code_form.is_valid() and _signed(request, plan, flow, code_form, text, now):
                return redirect("negotiation:plan_detail", reference=plan.reference)
        else:
            sign_form = SignPlanForm(request.POST)
            if sign_form.is_valid() and _code_sent(request, plan, sign_form, text, now):
                return _to_the_signing_step(plan)
            flow = None
    context = {
        "plan": plan,
        "owed": owed_under(plan.account, plan, today=timezone.localdate()),
        "channels": how_to_pay(plan.account, language=translation.get_language() or ""),
        "pay_online": online_payment_open(plan.account, plan),
        "pay_reference": plan.reference,
        "waiting": waiting_payments(plan.account),
        "installments": plan.installments.all(),
        "form": code_form if flow is not None else sign_form,
        "signing": flow is not None,
        "phone_end": last_digits(request.debtor.phone),
        "agreement_text": text,
        "versions": versions_of(plan),
        "pending_change": (
            pending_change(plan, now=now) if plan.status == PlanStatus.ACTIVE else None
        ),
        # Under an active plan: its automatic repayment (one query), shown in "How to pay".
        "automatic_repayment": (
            mandate_standing(plan, today=timezone.localdate(now))
            if plan.status == PlanStatus.ACTIVE
            else None
        ),
    }
    return render(request, "negotiation/plan_detail.html", context)


def _to_signing_step_url(plan: RepaymentPlan) -> str:
    return reverse("negotiation:plan_detail", args=[plan.reference]) + "#signing-step"


def _to_the_signing_step(plan: RepaymentPlan) -> HttpResponse:
    """Back to the page at the signing step (below the whole agreement), not at its top."""
    return HttpResponseRedirect(_to_signing_step_url(plan))


def _signing_flow(request: DebtorRequest, plan: RepaymentPlan, now: dt.datetime) -> Any:
    flow = request.session.get(SIGNING_FLOW)
    if not flow or flow.get("plan") != plan.pk or plan.status != PlanStatus.AWAITING_SIGNATURE:
        return None
    if now - dt.datetime.fromisoformat(flow["started"]) > SIGNING_FLOW_LIFETIME:
        request.session.pop(SIGNING_FLOW, None)
        return None
    return flow


def _code_sent(
    request: DebtorRequest, plan: RepaymentPlan, form: SignPlanForm, text: str, now: dt.datetime
) -> bool:
    """The first step: the password checked and a code texted, or the form's error."""
    try:
        code = start_signing(
            plan,
            actor=request.user,
            password=form.cleaned_data["password"],
            agreement_text=text,
            ip=client_ip(request),
            now=now,
        )
    except WrongPassword as wrong:
        form.add_error("password", str(wrong.message))
        return False
    except CodeNotSentYet as error:
        # Most often the button tapped twice: the first tap's code is on its way and its
        # step is in the session, which the page shows once reloaded (nothing sent twice).
        messages.info(request, str(error.message))
        return True
    except ServiceError as error:
        form.add_error(None, str(error.message))
        return False
    request.session[SIGNING_FLOW] = {"plan": plan.pk, "code": code.pk, "started": now.isoformat()}
    return True


def _send_new_code(
    request: DebtorRequest, plan: RepaymentPlan, flow: Any, *, text: str, now: dt.datetime
) -> HttpResponse:
    try:
        code = resend_signing_code(
            plan, actor=request.user, agreement_text=text, ip=client_ip(request), now=now
        )
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        request.session[SIGNING_FLOW] = {**flow, "code": code.pk}
        messages.success(request, _("We have sent you a new code."))
    return _to_the_signing_step(plan)


def _signed(
    request: DebtorRequest,
    plan: RepaymentPlan,
    flow: Any,
    form: CodeForm,
    text: str,
    now: dt.datetime,
) -> bool:
    """The second step: the code typed back signs the plan, or the form's error."""
    try:
        sign_plan(
            plan,
            actor=request.user,
            code_id=flow["code"],
            entered=form.cleaned_data["code"],
            agreement_text=text,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            now=now,
        )
    except ServiceError as error:
        if not _signed_meanwhile(plan):
            _say_why_not_signed(form, error)
            return False
    request.session.pop(SIGNING_FLOW, None)
    messages.success(request, _("Thank you. Your plan is signed and active."))
    return True


def _signed_meanwhile(plan: RepaymentPlan) -> bool:
    """Whether the plan was signed by a request that ran alongside this one: the button
    tapped twice sends the code twice, and the first one used it up."""
    plan.refresh_from_db(fields=["status"])
    return plan.status != PlanStatus.AWAITING_SIGNATURE


def _say_why_not_signed(form: CodeForm, error: ServiceError) -> None:
    if isinstance(error, WrongCode):
        form.add_error("code", str(error.message))
    elif isinstance(error, CodeNoLongerValid):
        form.add_error(
            "code", _("This code can no longer be used. Please ask for a new one below.")
        )
    else:
        form.add_error(None, str(error.message))


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
