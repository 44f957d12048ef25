"""A relief request from the debtor's side: choose and preview the terms, submit, follow,
answer a question, accept or decline a counter-offer, add a document, withdraw."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from negotiation import money
from negotiation.access import (
    account_for,
    debtor_required,
    request_for,
)
from negotiation.charts import balance_chart
from negotiation.exceptions import DocumentRefused, ServiceError, StaleObject
from negotiation.forms.accounts import FiguresForm
from negotiation.forms.common import DecisionVersionForm
from negotiation.forms.requests import AnswerForm, DeclineOfferForm, ReliefRequestForm, UploadForm
from negotiation.forms.terms import TermsForm
from negotiation.http import DebtorRequest, client_ip, page_context
from negotiation.models import (
    CreditAccount,
    Program,
    ReliefRequest,
    RequestStatus,
)
from negotiation.ratelimits import limited
from negotiation.selectors.debtor import (
    budget_check,
    fitting_plan,
    open_request_for,
    relief_options_for,
    request_page,
)
from negotiation.services.documents import upload_document
from negotiation.services.offers import accept_counter_offer, decline_counter_offer
from negotiation.services.requests import answer_question, submit_request, withdraw_request


def _eligible_programs(account: CreditAccount, today: dt.date) -> list[Program]:
    options = relief_options_for(account, today=today)
    return [option.program for option in options if option.eligible]


@never_cache
@require_http_methods(["GET", "POST"])
@debtor_required
@limited("RATE_REQUEST_FORM", per_person=True)
def request_create(request: DebtorRequest, reference: str) -> HttpResponse:
    """Choose the option and terms, preview the full disclosure, then confirm.

    The preview is a POST that validates and shows the schedule; "confirm" submits the same
    fields again, validated again, so what is sent is exactly what was previewed. Where
    JavaScript runs, the form also previews live through ``request_preview``.
    """
    account = account_for(request.user, reference)
    today = timezone.localdate()
    open_request = open_request_for(account)
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

    if "use_fitting" in request.POST:
        return _take_fitting_plan(request, account, programs, today)
    form = ReliefRequestForm(request.POST, account=account, programs=programs, today=today)
    if "edit" in request.POST or not form.is_valid():
        return _render_request_form(request, account, form, programs)
    assert form.terms is not None
    # What is sent must be what was previewed: if the balance moved in between (a payment
    # posted), show the new figures again instead of submitting them unseen.
    due = form.chosen_program.bounds.due
    fingerprint = terms_fingerprint(form.terms, due)
    balance_moved = request.POST.get("previewed_terms") != fingerprint
    if "confirm" not in request.POST or balance_moved:
        return _render_preview(
            request, account, form, today, balance_moved="confirm" in request.POST and balance_moved
        )
    try:
        relief_request = submit_request(
            account,
            actor=request.user,
            program=form.chosen_program,
            choices=form.choices,
            hardship=form.hardship,
            now=timezone.now(),
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
                "due": formats.date_format(
                    timezone.localtime(relief_request.due_by), "DATETIME_FORMAT"
                ),
            },
        )
    return redirect("negotiation:request_detail", reference=relief_request.reference)


def _render_preview(
    request: HttpRequest,
    account: CreditAccount,
    form: ReliefRequestForm,
    today: dt.date,
    *,
    balance_moved: bool = False,
) -> HttpResponse:
    """The preview step (the no-JavaScript way, and the last look before sending): the full
    disclosure, and the payment against the budget the debtor typed."""
    assert form.terms is not None
    due = form.chosen_program.bounds.due
    disclosure = money.disclose(form.terms, start=today, due=due)
    hardship = form.hardship
    figures = (hardship.monthly_income, hardship.monthly_expenses, hardship.dependents)
    context = {
        "account": account,
        "form": form,
        "disclosure": disclosure,
        "chart": balance_chart(disclosure, currency=account.currency),
        "program": form.chosen_program,
        "fingerprint": terms_fingerprint(form.terms, due),
        "balance_moved": balance_moved,
        "budget": budget_check(
            account, payment=disclosure.monthly_amount, figures=figures, today=today
        ),
    }
    return render(request, "negotiation/request_preview.html", context)


def _posted_figures(data: QueryDict) -> tuple[Decimal, Decimal, int] | None:
    """The budget typed on the request form so far, read as the account page reads it."""
    figures = FiguresForm(
        {
            "income": data.get("monthly_income", ""),
            "expenses": data.get("monthly_expenses", ""),
            "dependents": data.get("dependents", ""),
        }
    )
    return figures.figures()


def _take_fitting_plan(
    request: HttpRequest, account: CreditAccount, programs: list[Program], today: dt.date
) -> HttpResponse:
    """ "Use this plan": the suggested plan that fits the budget typed, computed again here
    (never read from the page), in place of the terms chosen; everything else the debtor
    wrote stays. Shown for a last look if the form is complete, else back on the form."""
    figures = _posted_figures(request.POST)
    fitting = fitting_plan(account, today=today, figures=figures) if figures else None
    data = request.POST.copy()
    if fitting is not None and fitting.program in programs:
        terms = fitting.suggestion.terms
        fitting_terms = {
            "program": str(fitting.program.pk),
            "months": str(terms.months),
            "grace_months": str(terms.grace_months),
            "down_payment": str(terms.down_payment),
            "waived_interest": "0",
            "waived_penalty": "0",
        }
        for name, value in fitting_terms.items():
            data[name] = value
    form = ReliefRequestForm(data, account=account, programs=programs, today=today)
    if form.is_valid():
        return _render_preview(request, account, form, today)
    # Not complete yet: the form again with the plan's terms in it, and no refusal shown
    # for what the debtor has simply not reached yet.
    filled = {name: form[name].value() for name in form.fields}
    unbound = ReliefRequestForm(initial=filled, account=account, programs=programs, today=today)
    return _render_request_form(request, account, unbound, programs)


@never_cache
@require_POST
@debtor_required
@limited("RATE_PREVIEW", per_person=True)
def request_preview(request: DebtorRequest, reference: str) -> HttpResponse:
    """The live preview: the disclosure, chart and schedule for the terms typed so far, or
    what to change, as an HTML fragment the request form swaps in."""
    account = account_for(request.user, reference)
    today = timezone.localdate()
    form = TermsForm(
        request.POST, account=account, programs=_eligible_programs(account, today), today=today
    )
    context: dict[str, object] = {"account": account, "form": form}
    if form.is_valid():
        assert form.terms is not None
        disclosure = money.disclose(form.terms, start=today, due=form.chosen_program.bounds.due)
        context |= {
            "disclosure": disclosure,
            "chart": balance_chart(disclosure, currency=account.currency),
            "budget": budget_check(
                account,
                payment=disclosure.monthly_amount,
                figures=_posted_figures(request.POST),
                today=today,
            ),
        }
    return render(request, "negotiation/_live_preview.html", context)


def terms_fingerprint(terms: money.Terms, due: money.DueDates) -> str:
    """A digest of everything that prices the terms (balance, rate, method, dates rule):
    confirming checks that nothing moved since the preview."""
    return hashlib.sha256(repr((terms, due)).encode()).hexdigest()[:32]


def _initial_from_query(request: HttpRequest, programs: list[Program]) -> dict[str, object]:
    """Prefill from a suggestion on the account page (?program=code&months=12&...) and the
    budget figures the debtor gave there (kept in the session, never in the link)."""
    initial: dict[str, object] = {"grace_months": 0, "dependents": 0}
    chosen = next((p for p in programs if p.code == request.GET.get("program")), None)
    if chosen is None and programs:
        chosen = programs[0]
    if chosen is not None:
        initial["program"] = chosen.pk
        initial["months"] = min(max(chosen.months_min, 12), chosen.months_max)
        initial["grace_months"] = 1 if chosen.grace_months_max else 0
    figures = FiguresForm.from_session(request.session).figures()
    if figures:
        initial["monthly_income"], initial["monthly_expenses"], initial["dependents"] = figures
    for name in ("months", "grace_months"):
        value = _small_int(request.GET.get(name, ""))
        if value is not None:
            initial[name] = value
    down = FiguresForm.money_or_none(request.GET.get("down_payment", ""))
    if down is not None:
        initial["down_payment"] = down
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
def request_detail(request: DebtorRequest, reference: str) -> HttpResponse:
    relief_request = request_for(request.user, reference)
    return _render_request_detail(request, relief_request)


def _render_request_detail(
    request: HttpRequest, relief_request: ReliefRequest, **forms: object
) -> HttpResponse:
    page = request_page(relief_request, today=timezone.localdate(), now=timezone.now())
    context = {
        **page_context(page),
        "answer_form": forms.get("answer_form")
        or AnswerForm(initial={"version": relief_request.version}),
        "decline_form": forms.get("decline_form")
        or DeclineOfferForm(initial={"version": relief_request.version}),
        "upload_form": forms.get("upload_form") or UploadForm(),
    }
    status = 200 if not forms else 400
    return render(request, "negotiation/request_detail.html", context, status=status)


def _done(request: HttpRequest, relief_request: ReliefRequest, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("negotiation:request_detail", reference=relief_request.reference)


def _refused(
    request: HttpRequest, relief_request: ReliefRequest, error: ServiceError
) -> HttpResponse:
    messages.error(request, str(error.message))
    return redirect("negotiation:request_detail", reference=relief_request.reference)


@require_POST
@debtor_required
def request_accept_offer(request: DebtorRequest, reference: str) -> HttpResponse:
    relief_request = request_for(request.user, reference)
    form = DecisionVersionForm(request.POST)
    if not form.is_valid():
        return _refused(request, relief_request, StaleObject())
    try:
        accepted = accept_counter_offer(
            relief_request,
            actor=request.user,
            now=timezone.now(),
            expected_version=form.cleaned_data["version"],
            ip=client_ip(request),
        )
    except ServiceError as error:
        return _refused(request, relief_request, error)
    messages.success(request, _("You accepted the new terms. Please read and sign your plan."))
    return redirect("negotiation:plan_detail", reference=accepted.plan.reference)


@require_POST
@debtor_required
def request_decline_offer(request: DebtorRequest, reference: str) -> HttpResponse:
    relief_request = request_for(request.user, reference)
    form = DeclineOfferForm(request.POST)
    if not form.is_valid():
        return _render_request_detail(request, relief_request, decline_form=form)
    try:
        decline_counter_offer(
            relief_request,
            actor=request.user,
            comment=form.cleaned_data["comment"],
            expected_version=form.cleaned_data["version"],
            ip=client_ip(request),
        )
    except ServiceError as error:
        return _refused(request, relief_request, error)
    return _done(
        request, relief_request, _("Thank you. A specialist will look at your request again.")
    )


@require_POST
@debtor_required
def request_answer(request: DebtorRequest, reference: str) -> HttpResponse:
    """The debtor answers a question, with a document if they have one. All or nothing:
    a refused document leaves the question open and the answer on the page to correct."""
    relief_request = request_for(request.user, reference)
    form = AnswerForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_request_detail(request, relief_request, answer_form=form)
    try:
        # The answer first (it checks the request waits for one and the page's version), then
        # the document: a refused state never leaves a stored file behind.
        with transaction.atomic():
            answer_question(
                relief_request,
                actor=request.user,
                answer=form.cleaned_data["answer"],
                expected_version=form.cleaned_data["version"],
                ip=client_ip(request),
            )
            if form.cleaned_data.get("document"):
                _upload(request, relief_request, form)
    except DocumentRefused as error:
        form.add_error("document", str(error.message))
        return _render_request_detail(request, relief_request, answer_form=form)
    except ServiceError as error:
        return _refused(request, relief_request, error)
    return _done(request, relief_request, _("Thank you. We have your answer."))


@require_POST
@debtor_required
@limited("RATE_UPLOAD", per_person=True)
def request_upload(request: DebtorRequest, reference: str) -> HttpResponse:
    relief_request = request_for(request.user, reference)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_request_detail(request, relief_request, upload_form=form)
    try:
        _upload(request, relief_request, form)
    except DocumentRefused as error:
        form.add_error("document", str(error.message))
        return _render_request_detail(request, relief_request, upload_form=form)
    except ServiceError as error:
        return _refused(request, relief_request, error)
    return _done(request, relief_request, _("Thank you. Your document is with your request."))


def _upload(
    request: DebtorRequest, relief_request: ReliefRequest, form: UploadForm | AnswerForm
) -> None:
    upload_document(
        relief_request,
        actor=request.user,
        upload=form.cleaned_data["document"],
        kind=form.cleaned_data["document_kind"],
        consent=form.cleaned_data["document_consent"],
        ip=client_ip(request),
    )


@require_http_methods(["GET", "POST"])
@debtor_required
def request_withdraw(request: DebtorRequest, reference: str) -> HttpResponse:
    """Withdrawing cannot be undone, so it is asked first: the request page links here, and
    only this page's button withdraws (no JavaScript needed)."""
    relief_request = request_for(request.user, reference)
    if relief_request.status == RequestStatus.WITHDRAWN:
        # A second tap, or the page's back button: the first one did it.
        messages.info(request, _("This request is withdrawn."))
        return redirect("negotiation:request_detail", reference=relief_request.reference)
    if not relief_request.is_open:
        messages.info(request, _("This request is closed: there is nothing to withdraw."))
        return redirect("negotiation:request_detail", reference=relief_request.reference)
    if request.method == "GET":
        context = {"relief_request": relief_request}
        return render(request, "negotiation/request_withdraw.html", context)
    form = DecisionVersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(StaleObject.default_message))
        return redirect("negotiation:request_detail", reference=relief_request.reference)
    try:
        withdraw_request(
            relief_request,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            ip=client_ip(request),
        )
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your request has been withdrawn."))
    return redirect("negotiation:request_detail", reference=relief_request.reference)
    try:
        withdraw_request(
            relief_request,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            ip=client_ip(request),
        )
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your request has been withdrawn."))
    return redirect("negotiation:request_detail", reference=relief_request.reference)
