"""The way into the portal, for debtors without a password: the invitation link
(``negotiation:activate``) and the forgotten password (``password_reset`` and Django's
companion names). Both go through the same steps: the identity check (national ID and a
card's last four digits), a code by SMS, a new password; then the debtor is signed in.

Where the flow stands is kept in the session (server side), never in a field of the page: a
step is reached only after the one before it succeeded, in the same session, within
``FLOW_LIFETIME``. The link's token is checked again at every step."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_stubs_ext import StrOrPromise

from negotiation.exceptions import (
    CodeNoLongerValid,
    CodeNotSentYet,
    IdentityCheckPaused,
    IdentityNotConfirmed,
    LinkNotUsable,
    ServiceError,
    WrongCode,
)
from negotiation.forms.onboarding import CodeForm, IdentityForm, NewPasswordForm, ResetRequestForm
from negotiation.http import client_ip
from negotiation.models import CodePurpose, Debtor, User
from negotiation.phones import last_digits
from negotiation.ratelimits import limited
from negotiation.selectors.onboarding import (
    AccessLink,
    invitation_link,
    invitation_link_by_id,
    latest_code,
    locked_until,
    reset_link,
)
from negotiation.services.codes import check_code, send_code
from negotiation.services.onboarding import (
    activate_debtor,
    confirm_identity,
    reset_password,
    send_password_reset,
)

FLOW = "access_flow"
FLOW_LIFETIME = dt.timedelta(minutes=20)
BACKEND = "negotiation.auth.EmailOrUsernameBackend"


@dataclass(frozen=True)
class Journey:
    """One way through the steps: its purpose, where its steps are, what its pages say."""

    purpose: CodePurpose
    code_url: str
    password_url: str
    heading: StrOrPromise
    step_names: tuple[StrOrPromise, StrOrPromise, StrOrPromise]

    @property
    def is_activation(self) -> bool:
        return self.purpose == CodePurpose.ACTIVATION


ACTIVATION = Journey(
    CodePurpose.ACTIVATION,
    "negotiation:activate_code",
    "negotiation:activate_password",
    gettext_lazy("Set up your sign-in"),
    (
        gettext_lazy("Confirm it is you"),
        gettext_lazy("Enter the code"),
        gettext_lazy("Choose a password"),
    ),
)
RESET = Journey(
    CodePurpose.RESET,
    "password_reset_code",
    "password_reset_set",
    gettext_lazy("Choose a new password"),
    (
        gettext_lazy("Confirm it is you"),
        gettext_lazy("Enter the code"),
        gettext_lazy("Choose a new password"),
    ),
)


def _page(
    request: HttpRequest, template: str, journey: Journey, step: int, **context: Any
) -> HttpResponse:
    context.setdefault("status", 200)
    status = context.pop("status")
    return render(
        request,
        f"negotiation/onboarding/{template}",
        {"journey": journey, "step": step, "steps": journey.step_names, **context},
        status=status,
    )


def _in_their_language(request: HttpRequest, debtor: Debtor) -> None:
    """Someone opening their link without having chosen a language here reads the pages in
    the language on their record, the one their messages use (the switcher still works)."""
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        translation.activate(debtor.preferred_language)
        request.LANGUAGE_CODE = debtor.preferred_language


def _unusable(request: HttpRequest, journey: Journey) -> HttpResponse:
    request.session.pop(FLOW, None)
    return _page(request, "link_unusable.html", journey, 0, status=404)


def _paused(
    request: HttpRequest, journey: Journey, until: dt.datetime, now: dt.datetime
) -> HttpResponse:
    request.session.pop(FLOW, None)
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    wait = ngettext(
        "Please try again in %(minutes)d minute.",
        "Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    return _page(request, "paused.html", journey, 0, wait=wait, status=429)


# The flow in the session ---------------------------------------------------------------------


def _start(
    request: HttpRequest,
    journey: Journey,
    link: AccessLink,
    code_id: int,
    now: dt.datetime,
    **keys: Any,
) -> None:
    # A new session key once the identity is confirmed: a key seen before cannot follow.
    request.session.cycle_key()
    request.session[FLOW] = {
        "purpose": journey.purpose.value,
        "debtor": link.debtor.pk,
        "code": code_id,
        "step": "code",
        "started": now.isoformat(),
        **keys,
    }


def _flow(request: HttpRequest, journey: Journey, now: dt.datetime) -> dict[str, Any] | None:
    flow: dict[str, Any] | None = request.session.get(FLOW)
    if not flow or flow.get("purpose") != journey.purpose:
        return None
    if now - dt.datetime.fromisoformat(flow["started"]) > FLOW_LIFETIME:
        request.session.pop(FLOW, None)
        return None
    return flow


def _link_of(flow: dict[str, Any], journey: Journey, now: dt.datetime) -> AccessLink:
    """The flow's link, checked again: used, revoked or expired meanwhile is the end."""
    if journey.is_activation:
        return invitation_link_by_id(flow["invitation"], now=now)
    link = reset_link(flow["reference"], flow["token"])
    if link.debtor.pk != flow["debtor"]:
        raise LinkNotUsable
    return link


def _save(request: HttpRequest, flow: dict[str, Any]) -> None:
    request.session[FLOW] = flow


def _start_again(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("To go on, please open the link in the message we sent you again."))
    return redirect("login")


# The steps -----------------------------------------------------------------------------------


def _identity_step(
    request: HttpRequest, journey: Journey, link: AccessLink, **keys: Any
) -> HttpResponse:
    _in_their_language(request, link.debtor)
    now = timezone.now()
    ip = client_ip(request)
    form = IdentityForm(request.POST or None)
    if request.method == "GET":
        until = locked_until(link, ip, now=now)
        if until is not None:
            return _paused(request, journey, until, now)
    elif form.is_valid():
        try:
            confirm_identity(
                link,
                national_id=form.cleaned_data["national_id"],
                card_last4=form.cleaned_data["card_last4"],
                ip=ip,
                now=now,
            )
        except IdentityCheckPaused as paused:
            return _paused(request, journey, paused.until, now)
        except IdentityNotConfirmed as refused:
            form.add_error(None, str(refused.message))
        else:
            try:
                code_id = send_code(link.debtor, purpose=journey.purpose, now=now).pk
            except CodeNotSentYet:
                # Back a step and forward again within the minute: the code sent a moment
                # ago is still the one to type.
                recent = latest_code(link.debtor, journey.purpose)
                assert recent is not None
                code_id = recent.pk
            except ServiceError as error:
                form.add_error(None, str(error.message))
                return _page(request, "identity.html", journey, 1, form=form)
            _start(request, journey, link, code_id, now, **keys)
            return redirect(journey.code_url)
    return _page(request, "identity.html", journey, 1, form=form)


def _code_step(request: HttpRequest, journey: Journey) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    now = timezone.now()
    flow = _flow(request, journey, now)
    if flow is None:
        return _start_again(request)
    try:
        link = _link_of(flow, journey, now)
    except LinkNotUsable:
        return _unusable(request, journey)
    _in_their_language(request, link.debtor)
    if flow["step"] == "password":
        return redirect(journey.password_url)
    form = CodeForm()
    if request.method == "POST" and "new_code" in request.POST:
        try:
            flow["code"] = send_code(link.debtor, purpose=journey.purpose, now=now).pk
        except ServiceError as error:
            messages.error(request, str(error.message))
        else:
            _save(request, flow)
            messages.success(request, _("We have sent you a new code."))
        return redirect(journey.code_url)
    if request.method == "POST":
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                check_code(flow["code"], form.cleaned_data["code"], now=now)
            except (WrongCode, CodeNoLongerValid) as refused:
                form.add_error("code", str(refused.message))
            else:
                flow["step"] = "password"
                _save(request, flow)
                return redirect(journey.password_url)
    return _page(
        request,
        "code.html",
        journey,
        2,
        form=form,
        phone_end=last_digits(link.debtor.phone),
    )


def _password_step(request: HttpRequest, journey: Journey) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    now = timezone.now()
    flow = _flow(request, journey, now)
    if flow is None:
        return _start_again(request)
    try:
        link = _link_of(flow, journey, now)
    except LinkNotUsable:
        return _unusable(request, journey)
    _in_their_language(request, link.debtor)
    if flow["step"] != "password":
        return redirect(journey.code_url)
    debtor = link.debtor
    # The validators compare the password with the sign-in's name and email: the new
    # sign-in's, not saved yet, for an activation.
    user = debtor.user or User(username=debtor.reference.lower(), email=debtor.email)
    form = NewPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["new_password1"]
        ip = client_ip(request)
        try:
            if link.invitation is not None:
                user = activate_debtor(link.invitation, password=password, ip=ip, now=now)
            else:
                user = reset_password(link, password=password, ip=ip, now=now)
        except LinkNotUsable:
            return _unusable(request, journey)
        request.session.pop(FLOW, None)
        # Signing in stores the new password's digest in this session; every other session
        # of this user no longer matches it and is signed out on its next request.
        login(request, user, backend=BACKEND)
        if not journey.is_activation:
            return redirect("password_reset_complete")
        messages.success(
            request,
            _(
                "Welcome. Your sign-in is ready. Next time, sign in with your mobile number "
                "or email and the password you have just chosen."
            ),
        )
        return redirect(settings.LOGIN_REDIRECT_URL)
    return _page(request, "password.html", journey, 3, form=form)


# Activation ----------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@limited("RATE_IDENTITY_CHECK")
def activate(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation's link: the identity check, then the code."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    try:
        link = invitation_link(token, now=timezone.now())
    except LinkNotUsable:
        return _unusable(request, ACTIVATION)
    assert link.invitation is not None
    return _identity_step(request, ACTIVATION, link, invitation=link.invitation.pk)


@never_cache
@require_http_methods(["GET", "POST"])
@limited("RATE_CODE_ENTRY")
def activate_code(request: HttpRequest) -> HttpResponse:
    return _code_step(request, ACTIVATION)


@never_cache
@require_http_methods(["GET", "POST"])
def activate_password(request: HttpRequest) -> HttpResponse:
    return _password_step(request, ACTIVATION)


# A forgotten password --------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@limited("RATE_RESET_REQUEST")
def password_reset(request: HttpRequest) -> HttpResponse:
    """The debtor's email or mobile number; the same answer whether or not it matched."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        send_password_reset(
            form.cleaned_data["identifier"], ip=client_ip(request), now=timezone.now()
        )
        return redirect("password_reset_done")
    return _page(request, "reset_request.html", RESET, 0, form=form)


@require_GET
def password_reset_done(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    return _page(request, "reset_sent.html", RESET, 0, minutes=minutes)


@never_cache
@require_http_methods(["GET", "POST"])
@limited("RATE_IDENTITY_CHECK")
def password_reset_confirm(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    """The reset link: the identity check, then the code."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    try:
        link = reset_link(reference, token)
    except LinkNotUsable:
        return _unusable(request, RESET)
    return _identity_step(request, RESET, link, reference=reference, token=token)


@never_cache
@require_http_methods(["GET", "POST"])
@limited("RATE_CODE_ENTRY")
def password_reset_code(request: HttpRequest) -> HttpResponse:
    return _code_step(request, RESET)


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_set(request: HttpRequest) -> HttpResponse:
    return _password_step(request, RESET)


@require_GET
def password_reset_complete(request: HttpRequest) -> HttpResponse:
    return _page(request, "reset_complete.html", RESET, 0)
