"""The only way a debtor view loads a debtor's object. A foreign object is a 404.

Every helper filters by the signed-in user first, so another debtor's reference behaves
exactly like a reference that does not exist: nothing confirms it is real.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404

from negotiation.http import DebtorRequest, kept_private
from negotiation.models import (
    Callback,
    CreditAccount,
    Debtor,
    Dispute,
    Document,
    PaymentIntent,
    ReliefRequest,
    RepaymentPlan,
    User,
)


def debtor_for(user: User) -> Debtor:
    # The support need comes along (one join): pages say what it changes, at no extra query.
    debtor = (
        Debtor.objects.select_related("support_need").filter(user=user).first()
        if user.is_authenticated
        else None
    )
    if debtor is None:
        raise Http404
    return debtor


def account_for(user: User, reference: str) -> CreditAccount:
    return get_object_or_404(
        CreditAccount.objects.select_related("debtor"), debtor__user=user, reference=reference
    )


def request_for(user: User, reference: str) -> ReliefRequest:
    return get_object_or_404(
        ReliefRequest.objects.select_related("account__debtor", "program"),
        account__debtor__user=user,
        reference=reference,
    )


def plan_for(user: User, reference: str) -> RepaymentPlan:
    return get_object_or_404(
        RepaymentPlan.objects.select_related("account__debtor", "request"),
        account__debtor__user=user,
        reference=reference,
    )


def payment_target_for(user: User, reference: str) -> tuple[CreditAccount, RepaymentPlan | None]:
    """What a payment is for: a plan's reference (PL-...) names the plan and its account,
    any other the account."""
    if reference.startswith("PL-"):
        plan = plan_for(user, reference)
        return plan.account, plan
    return account_for(user, reference), None


def payment_intent_for(user: User, reference: str) -> PaymentIntent:
    return get_object_or_404(
        PaymentIntent.objects.select_related("account__debtor", "plan"),
        account__debtor__user=user,
        reference=reference,
    )


def callback_for(user: User, reference: str) -> Callback:
    return get_object_or_404(
        Callback.objects.select_related("debtor", "account"),
        debtor__user=user,
        reference=reference,
    )


def dispute_for(user: User, reference: str) -> Dispute:
    return get_object_or_404(
        Dispute.objects.select_related("account", "debtor"), debtor__user=user, reference=reference
    )


def document_for(user: User, reference: str) -> Document:
    """The debtor's own document, on a request or a dispute, while it is kept: one the
    retention job removed has no file, so it is a 404 like a reference that does not exist."""
    return get_object_or_404(
        Document.objects.filter(
            Q(request__account__debtor__user=user) | Q(dispute__debtor__user=user)
        ),
        reference=reference,
        removed_on__isnull=True,
    )


def document_response(document: Document) -> FileResponse:
    """The file, as an attachment with its checked type: never rendered inline, never
    cached by a shared cache."""
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=f"{document.reference}.{document.extension}",
        content_type=document.content_type,
    )
    return kept_private(response)


P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)


def debtor_required(
    view: Callable[Concatenate[DebtorRequest, P], R],
) -> Callable[Concatenate[HttpRequest, P], R | HttpResponseRedirect]:
    """Signed-in debtors only. Anonymous users go to the login page; staff, who are never
    debtors, get a 404 like any other user without a debtor record.

    The view is written for a ``DebtorRequest`` (``request.user`` a User, ``request.debtor``
    their record); the page Django calls takes any request. This is the one place a
    ``DebtorRequest`` is made: the cast below is what the two checks before it prove."""

    @wraps(view)
    def wrapper(
        request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs
    ) -> R | HttpResponseRedirect:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        debtor = debtor_for(request.user)
        debtor_request = cast(DebtorRequest, request)
        debtor_request.debtor = debtor
        return view(debtor_request, *args, **kwargs)

    return wrapper
