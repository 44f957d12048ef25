"""Debtor pages. Thin: load through an access helper, call one service or selector, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.views import LoginView
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from negotiation import money, selectors
from negotiation.access import account_for, debtor_required, plan_for, request_for
from negotiation.charts import balance_chart
from negotiation.exceptions import ServiceError, StaleObject
from negotiation.forms import (
    DebtorLoginForm,
    DecisionVersionForm,
    FiguresForm,
    ReliefRequestForm,
    SignPlanForm,
    TermsForm,
)
from negotiation.http import client_ip
from negotiation.models import CreditAccount, PlanStatus, Program, RequestStatus
from negotiation.services.plans import sign_plan
from negotiation.services.requests import submit_request, withdraw_request


class DebtorLoginView(LoginView):
    form_class = DebtorLoginForm
    redirect_authenticated_user = True


@require_GET
@debtor_required
def dashboard(request: HttpRequest) -> HttpResponse:
    summaries = selectors.dashboard_for(request.debtor, today=timezone.localdate())  # type: ignore[attr-defined]
    return render(request, "negotiation/dashboard.html", {"summaries": summaries})


@require_GET
@debtor_required
def account_detail(request: HttpRequest, reference: str) -> HttpResponse:
    account = account_for(request.user, reference)  # type: ignore[arg-type]
    today = timezone.localdate()
    options = selectors.relief_options_for(account, today=today)
    open_request = selectors.open_request_for(account)
    figures_form = FiguresForm(request.GET or None)
    figures = figures_form.figures()
    context = {
        "account": account,
        "days_past_due": account.days_past_due(today),
        "stage": account.stage(today),
        "payments": account.payments.all()[:24],
        "options": options,
        "figures_form": figures_form,
        "figures": figures,
        "suggestions": []
        if open_request
        else selectors.suggested_plans_for(account, options, today=today, figures=figures),
        "open_request": open_request,
        "plans": account.plans.select_related("request").all(),
    }
    return render(request, "negotiation/account_detail.html", context)


def _eligible_programs(account: CreditAccount, today: dt.date) -> list[Program]:
    options = selectors.relief_options_for(account, today=today)
    return [option.program for option in options if option.eligible]


@never_cache
@require_http_methods(["GET", "POST"])
@debtor_required
def request_create(request: HttpRequest, reference: str) -> HttpResponse:
    """Choose the option and terms, preview the full disclosure, then confirm.

    The preview is a POST that validates and shows the schedule; "confirm" submits the same
    fields again, validated again, so what is sent is exactly what was previewed. Where
    JavaScript runs, the form also previews live through ``request_preview``.
    """
    account = account_for(request.user, reference)  # type: ignore[arg-type]
    today = timezone.localdate()
    open_request = selectors.open_request_for(account)
    if open_request is not None:
        messages.info(
            request,
            _("You already have a request in progress for this account (%(reference)s).")
            % {"reference": open_request.reference},
        )
        return redirect("negotiation:request_detail", reference=open_request.reference)

    programs = _eligible_programs(account, today)
    if request.method == "GET":
        initial = _initial_from_query(request, programs)
        form = ReliefRequestForm(initial=initial, account=account, programs=programs, today=today)
        return _render_request_form(request, account, form, programs)

    form = ReliefRequestForm(request.POST, account=account, programs=programs, today=today)
    if "edit" in request.POST or not form.is_valid():
        return _render_request_form(request, account, form, programs)
    assert form.terms is not None
    # What is sent must be what was previewed: if the balance moved in between (a payment
    # posted), show the new figures again instead of submitting them unseen.
    balance_moved = request.POST.get("previewed_amount") != str(form.terms.amount)
    if "confirm" not in request.POST or balance_moved:
        disclosure = money.disclose(form.terms, start=today, due=form.chosen_program.bounds.due)
        context = {
            "account": account,
            "form": form,
            "disclosure": disclosure,
            "chart": balance_chart(disclosure),
            "program": form.chosen_program,
            "balance_moved": "confirm" in request.POST and balance_moved,
        }
        return render(request, "negotiation/request_preview.html", context)
    try:
        relief_request = submit_request(
            account,
            actor=request.user,  # type: ignore[arg-type]
            program=form.chosen_program,
            choices=form.choices,
            hardship=form.hardship,
            today=today,
            ip=client_ip(request),
        )
    except ServiceError as error:
        form.add_error(None, str(error.message))
        return _render_request_form(request, account, form, programs)
    if relief_request.status == RequestStatus.APPROVED:
        messages.success(
            request,
            _(
                "Your request %(reference)s is approved: it is within what the bank agrees "
                "to straight away. Please read and sign your plan."
            )
            % {"reference": relief_request.reference},
        )
    else:
        messages.success(
            request,
            _("Your request %(reference)s has been received. We will answer by %(due)s.")
            % {
                "reference": relief_request.reference,
                "due": timezone.localtime(relief_request.due_by).strftime("%Y-%m-%d %H:%M"),
            },
        )
    return redirect("negotiation:request_detail", reference=relief_request.reference)


@never_cache
@require_POST
@debtor_required
def request_preview(request: HttpRequest, reference: str) -> HttpResponse:
    """The live preview: the disclosure, chart and schedule for the terms typed so far, or
    what to change, as an HTML fragment the request form swaps in."""
    account = account_for(request.user, reference)  # type: ignore[arg-type]
    today = timezone.localdate()
    form = TermsForm(
        request.POST, account=account, programs=_eligible_programs(account, today), today=today
    )
    context: dict[str, object] = {"account": account, "form": form}
    if form.is_valid():
        assert form.terms is not None
        disclosure = money.disclose(form.terms, start=today, due=form.chosen_program.bounds.due)
        context.update(disclosure=disclosure, chart=balance_chart(disclosure))
    return render(request, "negotiation/_live_preview.html", context)


def _initial_from_query(request: HttpRequest, programs: list[Program]) -> dict[str, object]:
    """Prefill from a suggestion on the account page (?program=code&months=12&...)."""
    initial: dict[str, object] = {"grace_months": 0, "dependents": 0}
    chosen = next((p for p in programs if p.code == request.GET.get("program")), None)
    if chosen is None and programs:
        chosen = programs[0]
    if chosen is not None:
        initial["program"] = chosen.pk
        initial["months"] = min(max(chosen.months_min, 12), chosen.months_max)
        initial["grace_months"] = 1 if chosen.grace_months_max else 0
    figures = FiguresForm(request.GET).figures()
    if figures:
        initial["monthly_income"], initial["monthly_expenses"] = figures
    for name in ("months", "grace_months"):
        value = _small_int(request.GET.get(name, ""))
        if value is not None:
            initial[name] = value
    return initial


def _small_int(text: str) -> int | None:
    """A prefill number from a link; anything else (letters, "²", huge) is ignored."""
    try:
        value = int(text)
    except ValueError:
        return None
    return value if 0 <= value <= 1000 else None


def _render_request_form(
    request: HttpRequest, account: CreditAccount, form: ReliefRequestForm, programs: list[Program]
) -> HttpResponse:
    return render(
        request,
        "negotiation/request_form.html",
        {"account": account, "form": form, "programs": programs},
    )


@require_GET
@debtor_required
def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    relief_request = request_for(request.user, reference)  # type: ignore[arg-type]
    plan = (
        getattr(relief_request, "plan", None)
        if relief_request.status == RequestStatus.APPROVED
        else None
    )
    context = {
        "relief_request": relief_request,
        "disclosure": money.disclose(
            relief_request.terms, start=relief_request.submitted_at.date()
        ),
        "timeline": selectors.request_timeline(relief_request),
        "plan": plan,
    }
    return render(request, "negotiation/request_detail.html", context)


@require_POST
@debtor_required
def request_withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    relief_request = request_for(request.user, reference)  # type: ignore[arg-type]
    form = DecisionVersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(StaleObject.default_message))
        return redirect("negotiation:request_detail", reference=relief_request.reference)
    try:
        withdraw_request(
            relief_request,
            actor=request.user,  # type: ignore[arg-type]
            expected_version=form.cleaned_data["version"],
            ip=client_ip(request),
        )
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your request has been withdrawn."))
    return redirect("negotiation:request_detail", reference=relief_request.reference)


@never_cache
@require_http_methods(["GET", "POST"])
@debtor_required
def plan_detail(request: HttpRequest, reference: str) -> HttpResponse:
    plan = plan_for(request.user, reference)  # type: ignore[arg-type]
    agreement_text = render_to_string("negotiation/agreement.txt", {"plan": plan}, request=request)
    form = SignPlanForm(request.POST or None, user=request.user)
    if (
        request.method == "POST"
        and plan.status == PlanStatus.AWAITING_SIGNATURE
        and form.is_valid()
    ):
        try:
            sign_plan(
                plan,
                actor=request.user,  # type: ignore[arg-type]
                agreement_text=agreement_text,
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
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
        "agreement_text": agreement_text,
    }
    return render(request, "negotiation/plan_detail.html", context)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 otherwise: for the load balancer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
