"""Paying online (``negotiation:pay``), the way back from the provider
(``negotiation:pay_return``), the sandbox provider's own page (``negotiation:
payment_sandbox``), and the providers' notifications (``payments_webhook``)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from negotiation.access import debtor_required, payment_intent_for, payment_target_for
from negotiation.forms.payments import PayForm
from negotiation.http import DebtorRequest
from negotiation.models import (
    CreditAccount,
    EventOutcome,
    IntentStatus,
    PaymentIntent,
    PlanStatus,
    RepaymentPlan,
)
from negotiation.money import format_amount
from negotiation.payproviders import (
    FAILED,
    SUCCEEDED,
    BadNotification,
    SandboxProvider,
    enabled_providers,
    provider_named,
)
from negotiation.ratelimits import limited
from negotiation.selectors.ledger import owed_on
from negotiation.selectors.payments import amount_choices, waiting_payments
from negotiation.services.intents import (
    PaymentNotStarted,
    UnknownIntent,
    checkout_of,
    open_checkout,
    receive_notification,
    start_payment,
)

logger = logging.getLogger(__name__)


def _page_of(account: CreditAccount, plan: RepaymentPlan | None) -> HttpResponseRedirect:
    """Back to where the debtor started paying: the plan's page or the account's."""
    if plan is not None:
        return redirect("negotiation:plan_detail", reference=plan.reference)
    return redirect("negotiation:account", reference=account.reference)


@never_cache
@require_http_methods(["GET", "POST"])
@debtor_required
@limited("RATE_PAYMENT_START", per_person=True)
def pay(request: DebtorRequest, reference: str) -> HttpResponse:
    """Choose the amount and the way to pay; then off to the provider's page. A plan's
    reference pays under that plan (while it is in force), an account's on the account."""
    account, plan = payment_target_for(request.user, reference)
    if plan is not None and plan.status != PlanStatus.ACTIVE:
        messages.info(request, _("This plan is not in force, so it cannot be paid online."))
        return _page_of(account, plan)
    providers = enabled_providers()
    if not providers:
        messages.info(
            request,
            _("Paying online is not available at the moment. The other ways to pay are below."),
        )
        return _page_of(account, plan)
    now = timezone.now()
    owed = owed_on(account, today=timezone.localdate(now))
    if owed.headline <= 0:
        messages.info(request, _("There is nothing left to pay on this account."))
        return _page_of(account, plan)
    form = PayForm(
        request.POST if request.method == "POST" else None,
        choices=amount_choices(account, owed),
        providers=providers,
        currency=account.currency,
    )
    if request.method == "POST" and form.is_valid():
        try:
            intent = start_payment(
                account,
                plan=plan,
                actor=request.user,
                amount=form.amount(),
                provider=form.cleaned_data["provider"],
                now=now,
            )
            return_url = request.build_absolute_uri(
                reverse("negotiation:pay_return", args=[intent.reference])
            )
            return redirect(open_checkout(intent, return_url=return_url))
        except PaymentNotStarted as refused:
            form.add_error(None, str(refused.message))
    return render(
        request,
        "negotiation/pay_form.html",
        {
            "account": account,
            "plan": plan,
            "owed": owed,
            "form": form,
            "waiting": waiting_payments(account),
        },
    )


@require_GET
@debtor_required
def pay_return(request: DebtorRequest, reference: str) -> HttpResponse:
    """Where the provider sends the debtor back. What it says comes from the intent as the
    provider's signed notification left it, never from the address the browser brought
    (anyone can type "?paid=yes")."""
    intent = payment_intent_for(request.user, reference)
    amount = format_amount(intent.amount, intent.currency)
    if intent.status == IntentStatus.SUCCEEDED:
        messages.success(
            request,
            _("Thank you. Your payment of %(amount)s is confirmed and has been applied.")
            % {"amount": amount},
        )
    elif intent.status == IntentStatus.PENDING:
        messages.info(
            request,
            _(
                "Your payment of %(amount)s is waiting for confirmation from the payment "
                "service. This usually takes a few minutes; it shows on this page meanwhile."
            )
            % {"amount": amount},
        )
    else:
        messages.warning(
            request,
            _(
                "Your payment of %(amount)s did not go through, and no money was taken. You "
                "can try again, or use one of the other ways to pay."
            )
            % {"amount": amount},
        )
    return _page_of(intent.account, intent.plan)


@never_cache
@require_http_methods(["GET", "POST"])
@debtor_required
def payment_sandbox(request: DebtorRequest, reference: str) -> HttpResponse:
    """The sandbox provider's hosted page, played on this server: test mode, no card asked
    for. Pay or Decline sends the provider's signed notification through the same
    verification and handling as the webhook (``receive_notification``), then back."""
    intent = payment_intent_for(request.user, reference)
    sandbox = provider_named(SandboxProvider.name)
    if intent.provider != SandboxProvider.name or not isinstance(sandbox, SandboxProvider):
        raise Http404
    back = _return_url(request, intent)
    if request.method == "POST" and intent.status == IntentStatus.PENDING:
        kind = {"pay": SUCCEEDED, "decline": FAILED}.get(request.POST.get("decision", ""))
        if kind is not None:
            now = timezone.now()
            body = sandbox.event_body(checkout_of(intent), kind=kind, now=now)
            receive_notification(sandbox, body, sandbox.signed(body, now=now), now=now)
            return redirect(back)
    return render(
        request,
        "negotiation/payment_sandbox.html",
        {"intent": intent, "back": back, "merchant": _merchant()},
    )


def _merchant() -> str:
    name: str = settings.PAYMENT_MERCHANT_NAME
    return name


def _return_url(request: HttpRequest, intent: PaymentIntent) -> str:
    """Where the provider was told to send the debtor back: only ever a page of this site
    (so the sandbox is no open redirect), else the intent's own way back."""
    asked = request.GET.get("return") or request.POST.get("return") or ""
    if url_has_allowed_host_and_scheme(
        asked, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return asked
    return reverse("negotiation:pay_return", args=[intent.reference])


@csrf_exempt  # the provider cannot hold a CSRF token: its HMAC signature proves it instead
@require_POST
def payments_webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """A provider's notification. 404 for a provider not enabled or a payment the portal
    never started; 400 for a body that is not the provider's (signature, time, content:
    nothing is written); 409 for one held for staff (it does not match); 200 otherwise,
    and for a re-delivery the answer of the first. No sign-in: the signature is the proof."""
    found = provider_named(provider)
    if found is None:
        raise Http404
    # Only a JSON body is read as sent: Django would have parsed (and consumed) a form.
    if request.content_type != "application/json":
        return _plain("unsupported content type", 400)
    try:
        receipt = receive_notification(found, request.body, request.headers, now=timezone.now())
    except BadNotification as refused:
        logger.warning("Payment notification from %s refused: %s", found.name, refused)
        return _plain("refused", 400)
    except UnknownIntent:
        logger.warning("Payment notification from %s for no payment of ours", found.name)
        return _plain("unknown payment", 404)
    if receipt.outcome == EventOutcome.HELD:
        return _plain("held for review", 409)
    return _plain("already received" if receipt.again else receipt.outcome, 200)


def _plain(text: str, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
