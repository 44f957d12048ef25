"""The debtor's profile (``negotiation:profile``): their phone number and email, and their
preferences. A new phone number or email is confirmed by a code sent to the new one
(``profile_phone`` / ``profile_email``, then ``profile_contact_code``) before it replaces
the old; the password is asked again first. Where the change stands is kept in the session
(server side), never in a field of the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from negotiation.access import debtor_required
from negotiation.exceptions import CodeNoLongerValid, ServiceError, WrongCode
from negotiation.forms.onboarding import CodeForm
from negotiation.forms.profile import EmailChangeForm, PhoneChangeForm, PreferencesForm
from negotiation.http import DebtorRequest, client_ip
from negotiation.models import Debtor
from negotiation.phones import last_digits, readable_phone
from negotiation.policy import CONTACT_HOURS
from negotiation.ratelimits import limited
from negotiation.services.profile import (
    EMAIL,
    PHONE,
    Preferences,
    change_preferences,
    confirm_contact_change,
    resend_contact_code,
    start_contact_change,
)
from negotiation.services.signins import sign_out_everywhere
from negotiation.views.support import support_context

FLOW = "contact_change"
FLOW_LIFETIME = dt.timedelta(minutes=20)


def _preferences_form(debtor: Debtor, data: Any = None) -> PreferencesForm:
    initial = {
        "preferred_language": debtor.preferred_language,
        "preferred_channel": debtor.preferred_channel,
        "contact_from_hour": debtor.contact_from_hour,
        "contact_until_hour": debtor.contact_until_hour,
    }
    return PreferencesForm(data, initial=initial, has_both=bool(debtor.phone and debtor.email))


@never_cache
@require_http_methods(["GET", "POST"])
@debtor_required
def profile(request: DebtorRequest) -> HttpResponse:
    """The contact details on file and the preferences, which this page's form saves."""
    debtor = request.debtor
    form = _preferences_form(debtor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changed = change_preferences(
            debtor,
            user=request.user,
            preferences=Preferences(
                preferred_language=data["preferred_language"],
                preferred_channel=data["preferred_channel"],
                contact_from_hour=data["contact_from_hour"],
                contact_until_hour=data["contact_until_hour"],
            ),
            ip=client_ip(request),
        )
        language = data["preferred_language"]
        if "preferred_language" in changed:
            translation.activate(language)
        if changed:
            messages.success(request, _("Your preferences are saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        response = redirect("negotiation:profile")
        # The site follows the language chosen here, like the language switch.
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
        return response
    start, end = debtor.contact_hours
    return render(
        request,
        "negotiation/profile/profile.html",
        {
            "debtor": debtor,
            "form": form,
            "allowed_from": f"{CONTACT_HOURS[0]:02d}:00",
            "allowed_until": f"{CONTACT_HOURS[1]:02d}:00",
            "window_from": f"{start:02d}:00",
            "window_until": f"{end:02d}:00",
            **support_context(debtor),
        },
    )


def _contact_change(request: DebtorRequest, field: str) -> HttpResponse:
    debtor = request.debtor
    form_class = PhoneChangeForm if field == PHONE else EmailChangeForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        value = form.cleaned_data["value"]
        try:
            code = start_contact_change(
                debtor,
                user=request.user,
                password=form.cleaned_data["password"],
                field=field,
                value=value,
                ip=client_ip(request),
                now=now,
            )
        except ServiceError as error:
            form.add_error(None, str(error.message))
        else:
            request.session[FLOW] = {
                "debtor": debtor.pk,
                "field": field,
                "value": value,
                "code": code.pk,
                "started": now.isoformat(),
            }
            return redirect("negotiation:profile_contact_code")
    return render(
        request,
        "negotiation/profile/contact.html",
        {"form": form, "field": field, "current": _readable(field, getattr(debtor, field))},
    )


@require_POST
@debtor_required
def profile_sign_out_everywhere(request: DebtorRequest) -> HttpResponse:
    """End every session of this sign-in, on every phone and computer, this one too."""
    sign_out_everywhere(request.user, site="portal", ip=client_ip(request))
    logout(request)
    messages.success(
        request,
        _("You are signed out everywhere, on this device too. Sign in again when you need to."),
    )
    return redirect("login")


def _readable(field: str, value: str) -> str:
    return readable_phone(value) if field == PHONE and value else value


@never_cache
@require_http_methods(["GET", "POST"])
@debtor_required
def profile_phone(request: DebtorRequest) -> HttpResponse:
    return _contact_change(request, PHONE)


@never_cache
@require_http_methods(["GET", "POST"])
@debtor_required
def profile_email(request: DebtorRequest) -> HttpResponse:
    return _contact_change(request, EMAIL)


def _flow(request: DebtorRequest, now: dt.datetime) -> dict[str, Any] | None:
    flow: dict[str, Any] | None = request.session.get(FLOW)
    if not flow or flow.get("debtor") != request.debtor.pk:
        return None
    if now - dt.datetime.fromisoformat(flow["started"]) > FLOW_LIFETIME:
        request.session.pop(FLOW, None)
        return None
    return flow


def _code_form(field: str, data: Any = None) -> CodeForm:
    form = CodeForm(data)
    if field == EMAIL:
        form.fields["code"].label = _("The code from the email")
    return form


@never_cache
@require_http_methods(["GET", "POST"])
@debtor_required
@limited("RATE_CODE_ENTRY", per_person=True)
def profile_contact_code(request: DebtorRequest) -> HttpResponse:
    """The code sent to the new number or address; right, and the new one replaces the old."""
    now = timezone.now()
    flow = _flow(request, now)
    if flow is None:
        messages.info(request, _("To change your phone number or email, please start again."))
        return redirect("negotiation:profile")
    field, value = flow["field"], flow["value"]
    form = _code_form(field)
    if request.method == "POST" and "new_code" in request.POST:
        try:
            flow["code"] = resend_contact_code(
                request.debtor,
                user=request.user,
                field=field,
                value=value,
                ip=client_ip(request),
                now=now,
            ).pk
        except ServiceError as error:
            messages.error(request, str(error.message))
        else:
            request.session[FLOW] = flow
            messages.success(request, _("We have sent you a new code."))
        return redirect("negotiation:profile_contact_code")
    if request.method == "POST":
        form = _code_form(field, request.POST)
        if form.is_valid():
            try:
                confirm_contact_change(
                    request.debtor,
                    user=request.user,
                    code_id=flow["code"],
                    entered=form.cleaned_data["code"],
                    field=field,
                    value=value,
                    ip=client_ip(request),
                    now=now,
                )
            except WrongCode as refused:
                form.add_error("code", str(refused.message))
            except CodeNoLongerValid:
                form.add_error(
                    "code", _("This code can no longer be used. Please ask for a new one below.")
                )
            else:
                request.session.pop(FLOW, None)
                messages.success(
                    request,
                    _("Your mobile number is changed.")
                    if field == PHONE
                    else _("Your email address is changed."),
                )
                return redirect("negotiation:profile")
    return render(
        request,
        "negotiation/profile/code.html",
        {
            "form": form,
            "field": field,
            "phone_end": last_digits(value) if field == PHONE else "",
            "email": value if field == EMAIL else "",
        },
    )
