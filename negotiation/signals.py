"""The sign-in signals (Django's and django-axes'), handed to services.signins with the
request's address and the moment; connected in NegotiationConfig.ready."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest
from django.utils import timezone

from negotiation.auth import sign_in_named
from negotiation.http import client_ip, on_staff_site
from negotiation.models import User
from negotiation.services import signins
from negotiation.sessions import start_session_clock


def site_of(request: HttpRequest | None) -> str:
    return "staff" if on_staff_site(request) else "portal"


def _typed(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str:
    typed = (credentials or {}).get("username")
    if typed is None and request is not None and request.method == "POST":
        typed = request.POST.get("username", "")
    return str(typed or "")


def _ip(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None


def _named(key: str) -> User | None:
    if key.startswith("user:"):
        return User.objects.filter(pk=int(key.removeprefix("user:"))).first()
    return None


def on_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    signins.signed_in(
        user, typed=_typed(request) or user.get_username(), site=site_of(request), ip=_ip(request)
    )


def on_logged_out(
    sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is not None:
        signins.signed_out(user, site=site_of(request), ip=_ip(request))


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    typed = _typed(request, credentials)
    user = sign_in_named(typed)
    signins.sign_in_failed(user, typed=typed, site=site_of(request), ip=_ip(request))


def on_locked_out(
    sender: Any, request: HttpRequest | None, username: str | None, **kwargs: Any
) -> None:
    signins.sign_in_paused(
        _named(username or ""),
        typed=_typed(request),
        site=site_of(request),
        ip=_ip(request),
        now=timezone.now(),
    )


def connect() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(on_logged_in, dispatch_uid="signins:signed_in")
    user_logged_in.connect(start_session_clock, dispatch_uid="signins:session_clock")
    user_logged_out.connect(on_logged_out, dispatch_uid="signins:signed_out")
    user_login_failed.connect(on_login_failed, dispatch_uid="signins:sign_in_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="signins:locked_out")
