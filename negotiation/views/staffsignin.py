"""A staff member's sign-in, in two steps: their password (Django's admin form, counted by
django-axes), then a code from their authenticator app or one of their recovery codes. Only
after the code are they signed in: between the steps the session holds just who passed
the password, for STAFF_CODE_STEP_MINUTES. At the first sign-in the code step is the
app's set-up (a QR code and its secret), and its first code confirms it."""

from __future__ import annotations

import time
from base64 import b32encode
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import login as auth_login
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from negotiation.http import client_ip, staff_user
from negotiation.models import User
from negotiation.ratelimits import limited
from negotiation.services import secondfactor

if TYPE_CHECKING:
    from django.contrib.admin import AdminSite

Checked = TypeVar("Checked")

PENDING = "staff_sign_in"
NEW_RECOVERY_CODES = "staff_new_recovery_codes"
BACKEND = "negotiation.auth.EmailOrUsernameBackend"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        error_messages={"required": gettext_lazy("Type the code, please.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class StaffPasswordStep(LoginView):
    """The first step: Django's admin sign-in form, except that a right password does not
    sign in; it leads to the code step."""

    form_class = AdminAuthenticationForm
    template_name = "admin/login.html"

    def get_default_redirect_url(self) -> str:
        return reverse("admin:index")

    def form_valid(self, form: Any) -> HttpResponse:
        user: User = form.get_user()
        self.request.session.cycle_key()
        self.request.session[PENDING] = {
            "user": user.pk,
            "hash": user.get_session_auth_hash(),
            "until": time.time() + settings.STAFF_CODE_STEP_MINUTES * 60,
            "next": self.get_success_url(),
        }
        step = "admin:staff_code" if secondfactor.is_enrolled(user) else "admin:staff_enrol"
        return redirect(step)


@limited("RATE_SIGN_IN")
def password_step(
    request: HttpRequest, site: AdminSite, extra_context: dict[str, Any] | None
) -> HttpResponse:
    if request.method == "GET" and site.has_permission(request):
        return HttpResponseRedirect(reverse("admin:index", current_app=site.name))
    context = {
        **site.each_context(request),
        "title": _("Log in"),
        "subtitle": None,
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
    }
    if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
        context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=site.name)
    context.update(extra_context or {})
    request.current_app = site.name
    # LoginView answers a page or a redirect, never a stream.
    return cast(HttpResponse, StaffPasswordStep.as_view(extra_context=context)(request))


@require_http_methods(["GET", "POST"])
@limited("RATE_CODE_ENTRY")
def code_step(request: HttpRequest, site: AdminSite) -> HttpResponse:
    user = _passed_password(request)
    if user is None:
        return _start_again(request)
    if not secondfactor.is_enrolled(user):
        return redirect("admin:staff_enrol")
    ip = client_ip(request)
    form = CodeForm(request.POST or None)
    verified = _checked(request, form, lambda code: secondfactor.verify_code(user, code, ip=ip))
    if verified is not None:
        next_url = _finish_sign_in(request, user, verified.device)
        if verified.recovery_codes_left is not None:
            _warn_about_recovery_codes(request, verified.recovery_codes_left)
        return HttpResponseRedirect(next_url)
    return render(
        request,
        "admin/staff_code.html",
        {**site.each_context(request), "title": _("Your sign-in code"), "form": form},
    )


@require_http_methods(["GET", "POST"])
@limited("RATE_CODE_ENTRY")
def enrol_step(request: HttpRequest, site: AdminSite) -> HttpResponse:
    user = _passed_password(request)
    if user is None:
        return _start_again(request)
    if secondfactor.is_enrolled(user):
        return redirect("admin:staff_code")
    device = secondfactor.enrolment_device(user)
    ip = client_ip(request)
    form = CodeForm(request.POST or None)
    codes = _checked(request, form, lambda code: secondfactor.confirm_enrolment(user, code, ip=ip))
    if codes is not None:
        device.refresh_from_db()
        next_url = _finish_sign_in(request, user, device)
        request.session[NEW_RECOVERY_CODES] = {"codes": codes, "next": next_url}
        return redirect("admin:staff_recovery_codes")
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "admin/staff_enrol.html",
        {
            **site.each_context(request),
            "title": _("Set up your authenticator app"),
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        },
    )


@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest, site: AdminSite) -> HttpResponse:
    """The recovery codes, shown once: just after the app is set up, or after the staff
    member asks for new ones (the old ones then stop working)."""
    fresh = request.session.pop(NEW_RECOVERY_CODES, None)
    if request.method == "POST":
        codes = secondfactor.new_recovery_codes(staff_user(request), ip=client_ip(request))
        fresh = {"codes": codes, "next": reverse("admin:index")}
    return render(
        request,
        "admin/staff_recovery_codes.html",
        {
            **site.each_context(request),
            "title": _("Your recovery codes"),
            "codes": [_grouped(code) for code in fresh["codes"]] if fresh else [],
            "next": fresh["next"] if fresh else reverse("admin:index"),
        },
    )


def _checked(
    request: HttpRequest, form: CodeForm, check: Callable[[str], Checked | None]
) -> Checked | None:
    """What ``check`` answers for the code sent in ``form``; None, with the form's error
    said, when nothing was sent, the code did not work or the codes are resting."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = check(form.cleaned_data["code"])
    except secondfactor.CodesResting as error:
        form.add_error("code", str(error.message))
        return None
    if result is None:
        form.add_error("code", _wrong_code())
    return result


def _passed_password(request: HttpRequest) -> User | None:
    """Who passed the password step in this session, if it was a moment ago and their
    password has not changed since."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
        return None
    user_id = pending.get("user")
    if not isinstance(user_id, int):
        return None
    user = User.objects.filter(pk=user_id, is_active=True, is_staff=True).first()
    if user is None or user.get_session_auth_hash() != pending.get("hash"):
        return None
    return user


def _start_again(request: HttpRequest) -> HttpResponse:
    request.session.pop(PENDING, None)
    messages.info(request, _("Please sign in again: the code step waits a few minutes only."))
    return redirect("admin:login")


def _finish_sign_in(request: HttpRequest, user: User, device: Any) -> str:
    pending = request.session.pop(PENDING)
    auth_login(request, user, backend=BACKEND)
    django_otp.login(request, device)
    next_url = str(pending.get("next") or "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("admin:index")


def _warn_about_recovery_codes(request: HttpRequest, left: int) -> None:
    messages.warning(
        request,
        _(
            "You signed in with a recovery code; it will not work again. %(left)s are left. "
            "Make new ones under “Recovery codes” if you are running short."
        )
        % {"left": left},
    )


def _wrong_code() -> str:
    return _(
        "That code did not work. Type the code your app shows now: it changes every 30 "
        "seconds. A recovery code works too."
    )


def _grouped(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    text: str = image.to_string(encoding="unicode")
    return text
