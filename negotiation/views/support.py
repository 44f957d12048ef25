"""Extra support, for the debtor (``negotiation:support``, from "My details"): say what
makes money matters harder, change it, withdraw it; and dismiss the one-line offer on an
account page, which is then not offered again. Writes go through services.support."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from negotiation.access import account_for, debtor_required
from negotiation.exceptions import ServiceError
from negotiation.forms.support import SupportNeedForm
from negotiation.http import DebtorRequest, client_ip
from negotiation.models import Debtor, SupportNeed
from negotiation.services.support import (
    SupportAnswer,
    dismiss_support_offer,
    say_support_need,
    withdraw_support_need,
)


def support_need_of(debtor: Debtor) -> SupportNeed | None:
    """The debtor's row, as access.debtor_for brought it (no query), or None."""
    try:
        return debtor.support_need
    except SupportNeed.DoesNotExist:
        return None


def support_context(debtor: Debtor) -> dict[str, object]:
    """What the debtor's pages show of it. ``offer_callback``: the hook for the callback
    booking (templates/negotiation/support/_callback_offer.html)."""
    need = support_need_of(debtor)
    active = need is not None and need.is_active
    return {
        "support_need": need if active else None,
        "offer_callback": active,
        "offer_support": need is None,  # asked once: answered or dismissed, never again
        "support_reminder_days": settings.SUPPORT_REMINDER_INTERVAL_DAYS,
        "support_deadline_factor": settings.SUPPORT_DEADLINE_FACTOR,
        "support_keep_days": settings.RETENTION_SUPPORT_NEED_DAYS,
    }


@never_cache
@require_http_methods(["GET", "POST"])
@debtor_required
def support(request: DebtorRequest) -> HttpResponse:
    """The form: what applies, a note, the separate consent; saved, back to My details."""
    debtor = request.debtor
    form = SupportNeedForm.for_need(support_need_of(debtor), request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            say_support_need(
                debtor,
                actor=request.user,
                answer=SupportAnswer(
                    health=data["health"],
                    life_event=data["life_event"],
                    resilience=data["resilience"],
                    capability=data["capability"],
                    note=data["note"],
                    consent=data["consent"],
                ),
                now=timezone.now(),
                ip=client_ip(request),
            )
        except ServiceError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Thank you for telling us. Your extra support is saved."))
            return redirect("negotiation:profile")
    return render(
        request, "negotiation/support/support.html", {"form": form, **support_context(debtor)}
    )


@require_POST
@debtor_required
def support_withdraw(request: DebtorRequest) -> HttpResponse:
    """Withdraw it: what was said is removed at once."""
    try:
        withdraw_support_need(
            request.debtor, actor=request.user, now=timezone.now(), ip=client_ip(request)
        )
    except ServiceError:
        messages.info(request, _("There was no extra support to withdraw."))
    else:
        messages.success(
            request,
            _(
                "Your extra support is withdrawn and what you told us is removed. You can "
                "ask again at any time."
            ),
        )
    return redirect("negotiation:profile")


@require_POST
@debtor_required
def support_offer_dismiss(request: DebtorRequest, reference: str) -> HttpResponse:
    """ "No, thank you" to the offer on an account page: not offered again."""
    account = account_for(request.user, reference)
    dismiss_support_offer(
        request.debtor, actor=request.user, now=timezone.now(), ip=client_ip(request)
    )
    return redirect("negotiation:account", reference=account.reference)
