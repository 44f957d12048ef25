"""Changing a signed plan (``negotiation:plan_change``): a new payment day or a payment moved
to the end, previewed, then signed in the same two steps as the first agreement; or another
change asked in words. And each version's agreement as a PDF (``plan_version_pdf``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from negotiation.access import debtor_required, plan_for
from negotiation.exceptions import (
    CodeNoLongerValid,
    CodeNotSentYet,
    ServiceError,
    WrongCode,
    WrongPassword,
)
from negotiation.forms.onboarding import CodeForm
from negotiation.forms.plans import ChangeRequestForm, MoveToEndForm, PaymentDayForm, SignPlanForm
from negotiation.http import DebtorRequest, client_ip, pdf_response
from negotiation.models import (
    AmendmentKind,
    AmendmentStatus,
    PlanAmendment,
    PlanStatus,
    RepaymentPlan,
)
from negotiation.money import format_amount
from negotiation.phones import last_digits
from negotiation.ratelimits import limited
from negotiation.selectors.planchanges import change_requests_of, pending_change
from negotiation.services.agreements import (
    agreement_filename,
    agreement_pdf,
    agreement_text,
    amendment_filename,
    amendment_pdf,
)
from negotiation.services.planchanges import (
    ChangePreview,
    ChangeRefused,
    abandon_change,
    ask_for_change,
    current_payment_day,
    movable_installments,
    preview_move_to_end,
    preview_payment_day_change,
    propose_change,
    resend_change_code,
    sign_change,
    start_change_signing,
)

# Where the signature of a change stands between its two steps: the session, server side.
CHANGE_SIGNING_FLOW = "plan_change_signing"
CHANGE_SIGNING_FLOW_LIFETIME = dt.timedelta(minutes=20)


def _page_language(plan: RepaymentPlan) -> str:
    return translation.get_language() or plan.account.debtor.preferred_language


@never_cache
@require_http_methods(["GET", "POST"])
@debtor_required
@limited("RATE_CODE_ENTRY", per_person=True)
def plan_change(request: DebtorRequest, reference: str) -> HttpResponse:
    """The two changes as options, each previewed with the old and new dates side by side
    and the annual rate; confirming sets the change out for signature; while a change
    waits, the page shows it, its agreement and the two steps of signing, or giving it up.
    "Need a different change?" asks a specialist in words."""
    plan = plan_for(request.user, reference)
    prefetch_related_objects([plan], "installments", "request__program")
    now = timezone.now()
    pending = pending_change(plan, now=now) if plan.status == PlanStatus.ACTIVE else None
    if pending is not None:
        return _waiting_for_signature(request, plan, pending, now)
    return _choosing(request, plan, now)


def _movable_choices(plan: RepaymentPlan, today: dt.date) -> list[tuple[int, str]]:
    currency = plan.account.currency
    return [
        (
            i.number,
            _("Payment %(number)s of %(amount)s, due on %(day)s")
            % {
                "number": i.number,
                "amount": format_amount(i.amount, currency),
                "day": formats.date_format(i.due_date, "DATE_FORMAT"),
            },
        )
        for i in movable_installments(plan, today)
    ]


def _choosing(request: DebtorRequest, plan: RepaymentPlan, now: dt.datetime) -> HttpResponse:
    today = timezone.localdate(now)
    choices = _movable_choices(plan, today)
    post = request.POST if request.method == "POST" else None
    step = request.POST.get("step", "") if post is not None else ""
    day_form = PaymentDayForm(post if step.endswith("_day") else None, prefix="day")
    move_form = MoveToEndForm(
        post if step.endswith("_move") else None, prefix="move", choices=choices
    )
    ask_form = ChangeRequestForm(post if step == "ask" else None, prefix="ask")
    preview: ChangePreview | None = None
    if step in ("preview_day", "confirm_day") and day_form.is_valid():
        new_day = day_form.cleaned_data["new_day"]
        preview = preview_payment_day_change(plan, new_day, today)
        if step == "confirm_day" and preview.allowed:
            proposed = _propose(
                request, plan, day_form, kind=AmendmentKind.PAYMENT_DAY, now=now, new_day=new_day
            )
            if proposed is not None:
                return proposed
            preview = None  # refused under the lock: the reasons are on the form
        else:
            _refusals_on(day_form, preview)
    elif step in ("preview_move", "confirm_move") and move_form.is_valid():
        number = move_form.cleaned_data["number"]
        preview = preview_move_to_end(plan, number, today)
        if step == "confirm_move" and preview.allowed:
            proposed = _propose(
                request, plan, move_form, kind=AmendmentKind.MOVE_TO_END, now=now, number=number
            )
            if proposed is not None:
                return proposed
            preview = None  # refused under the lock: the reasons are on the form
        else:
            _refusals_on(move_form, preview)
    elif step == "ask" and ask_form.is_valid():
        try:
            ask_for_change(plan, actor=request.user, text=ask_form.cleaned_data["text"], now=now)
        except ServiceError as refused:
            ask_form.add_error(None, str(refused.message))
        else:
            messages.success(
                request,
                _(
                    "Thank you. A specialist will read what you asked and answer you here "
                    "within a few working days. Nothing on your plan changes until then."
                ),
            )
            return redirect("negotiation:plan_change", reference=plan.reference)
    context = {
        "plan": plan,
        "running": plan.status == PlanStatus.ACTIVE,
        "current_day": current_payment_day(plan),
        "day_interval": settings.PLAN_CHANGE_DAY_INTERVAL_MONTHS,
        "allows_move_to_end": plan.request.program.allows_move_to_end,
        "fee": plan.request.program.change_fee,
        "day_form": day_form,
        "move_form": move_form,
        "has_movable": bool(choices),
        "ask_form": ask_form,
        "preview": preview if preview is not None and preview.allowed else None,
        "change_requests": change_requests_of(plan),
    }
    return render(request, "negotiation/plan_change.html", context)


def _refusals_on(form: Any, preview: ChangePreview) -> None:
    for reason in preview.reasons:
        form.add_error(None, reason)


def _propose(
    request: DebtorRequest,
    plan: RepaymentPlan,
    form: Any,
    *,
    kind: str,
    now: dt.datetime,
    **what: int,
) -> HttpResponse | None:
    """The change set out for signature (the page then shows it), or None with the reasons
    on ``form``: the rules are checked again under the plan's lock, and a payment or another
    tab may have changed the answer since the preview."""
    try:
        propose_change(plan, actor=request.user, kind=kind, now=now, **what)
    except ChangeRefused as refused:
        for reason in refused.reasons:
            form.add_error(None, reason)
        return None
    except ServiceError as error:
        messages.error(request, str(error.message))
    return redirect("negotiation:plan_change", reference=plan.reference)


def _waiting_for_signature(
    request: DebtorRequest, plan: RepaymentPlan, pending: PlanAmendment, now: dt.datetime
) -> HttpResponse:
    text = agreement_text(plan, language=_page_language(plan), amendment=pending)
    flow = _signing_flow(request, pending, now)
    sign_form = SignPlanForm()
    code_form = CodeForm()
    if request.method == "POST":
        step = request.POST.get("step")
        if step == "abandon":
            return _abandon(request, plan, pending)
        if step == "restart":
            request.session.pop(CHANGE_SIGNING_FLOW, None)
            return redirect("negotiation:plan_change", reference=plan.reference)
        if flow is not None and step == "new_code":
            return _new_code(request, plan, pending, flow, text=text, now=now)
        if flow is not None and step == "code":
            code_form = CodeForm(request.POST)
            if code_form.is_valid():
                signed = _signed(request, plan, pending, flow, code_form, text, now)
                if signed is not None:
                    return signed
        elif step == "consent":
            sign_form = SignPlanForm(request.POST)
            if sign_form.is_valid() and _code_sent(request, pending, sign_form, text, now):
                return redirect("negotiation:plan_change", reference=plan.reference)
            flow = None
    context = {
        "plan": plan,
        "pending": pending,
        "rows": _side_by_side(pending),
        "agreement_text": text,
        "form": code_form if flow is not None else sign_form,
        "signing": flow is not None,
        "phone_end": last_digits(request.debtor.phone),
    }
    return render(request, "negotiation/plan_change_sign.html", context)


def _side_by_side(pending: PlanAmendment) -> list[dict[str, Any]]:
    """Each payment's date before and after the change, from the version's own record."""
    before = {line["number"]: line for line in pending.schedule_before}
    rows = []
    for line in pending.schedule_after:
        old = before[line["was"]]
        rows.append(
            {
                "number": line["number"],
                "date_before": dt.date.fromisoformat(old["due_date"]),
                "date_after": dt.date.fromisoformat(line["due_date"]),
                "amount": _amount(line),
                "moves": old["due_date"] != line["due_date"],
                "is_down_payment": line["number"] == 0,
            }
        )
    return rows


def _amount(line: dict[str, str]) -> Decimal:
    return Decimal(line["principal_part"]) + Decimal(line["cost_part"])


def _signing_flow(request: DebtorRequest, pending: PlanAmendment, now: dt.datetime) -> Any:
    flow = request.session.get(CHANGE_SIGNING_FLOW)
    if not flow or flow.get("amendment") != pending.pk:
        return None
    if now - dt.datetime.fromisoformat(flow["started"]) > CHANGE_SIGNING_FLOW_LIFETIME:
        request.session.pop(CHANGE_SIGNING_FLOW, None)
        return None
    return flow


def _abandon(request: DebtorRequest, plan: RepaymentPlan, pending: PlanAmendment) -> HttpResponse:
    try:
        abandon_change(pending, actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        request.session.pop(CHANGE_SIGNING_FLOW, None)
        messages.success(request, _("The change is given up. Your plan stays as it was."))
    return redirect("negotiation:plan_detail", reference=plan.reference)


def _code_sent(
    request: DebtorRequest,
    pending: PlanAmendment,
    form: SignPlanForm,
    text: str,
    now: dt.datetime,
) -> bool:
    try:
        code = start_change_signing(
            pending,
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
        # Most often the button tapped twice: the first tap's code is on its way (nothing
        # is sent twice) and its step is in the session, shown once the page reloads.
        messages.info(request, str(error.message))
        return True
    except ServiceError as error:
        form.add_error(None, str(error.message))
        return False
    request.session[CHANGE_SIGNING_FLOW] = {
        "amendment": pending.pk,
        "code": code.pk,
        "started": now.isoformat(),
    }
    return True


def _new_code(
    request: DebtorRequest,
    plan: RepaymentPlan,
    pending: PlanAmendment,
    flow: Any,
    *,
    text: str,
    now: dt.datetime,
) -> HttpResponse:
    try:
        code = resend_change_code(
            pending, actor=request.user, agreement_text=text, ip=client_ip(request), now=now
        )
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        request.session[CHANGE_SIGNING_FLOW] = {**flow, "code": code.pk}
        messages.success(request, _("We have sent you a new code."))
    return redirect("negotiation:plan_change", reference=plan.reference)


def _signed(
    request: DebtorRequest,
    plan: RepaymentPlan,
    pending: PlanAmendment,
    flow: Any,
    form: CodeForm,
    text: str,
    now: dt.datetime,
) -> HttpResponse | None:
    """The code typed back signs the change (the page to go to), or the form's error."""
    try:
        sign_change(
            pending,
            actor=request.user,
            code_id=flow["code"],
            entered=form.cleaned_data["code"],
            agreement_text=text,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            now=now,
        )
    except ServiceError as error:
        pending.refresh_from_db(fields=["status"])
        if pending.status != AmendmentStatus.SIGNED:  # else: signed by a tap just before
            return _not_signed(request, plan, form, error)
    request.session.pop(CHANGE_SIGNING_FLOW, None)
    messages.success(request, _("Thank you. The change is signed and your new dates apply now."))
    return redirect("negotiation:plan_detail", reference=plan.reference)


def _not_signed(
    request: DebtorRequest, plan: RepaymentPlan, form: CodeForm, error: ServiceError
) -> HttpResponse | None:
    """Why the code did not sign: on the form (None), or on the change's page."""
    if isinstance(error, WrongCode):
        form.add_error("code", str(error.message))
        return None
    if isinstance(error, CodeNoLongerValid):
        form.add_error(
            "code", _("This code can no longer be used. Please ask for a new one below.")
        )
        return None
    request.session.pop(CHANGE_SIGNING_FLOW, None)
    messages.error(request, str(error.message))
    return redirect("negotiation:plan_change", reference=plan.reference)


@require_GET
@debtor_required
def plan_version_pdf(request: DebtorRequest, reference: str, version: int) -> HttpResponse:
    """One version of the plan's agreement as a PDF: version 1 is the first agreement; a
    later one is a signed change (the stored document) or the change waiting for a
    signature (a draft). Another debtor's plan, or a version that is none, is a 404."""
    plan = plan_for(request.user, reference)
    language = _page_language(plan)
    if version == 1:
        return pdf_response(
            agreement_pdf(plan, language=language, actor=request.user), agreement_filename(plan)
        )
    amendment = get_object_or_404(
        PlanAmendment.objects.select_related("plan__account__debtor", "plan__request__program"),
        plan=plan,
        version=version,
        status__in=(AmendmentStatus.SIGNED, AmendmentStatus.AWAITING_SIGNATURE),
    )
    if amendment.status == AmendmentStatus.AWAITING_SIGNATURE and (
        amendment.expires_at <= timezone.now()
    ):
        raise Http404
    return pdf_response(
        amendment_pdf(amendment, language=language, actor=request.user),
        amendment_filename(amendment),
    )
