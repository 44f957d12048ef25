"""Limits on a signed-in session, and the headers of every page.

- Idle: the session's expiry (SESSION_COOKIE_AGE, 30 minutes) moves on with activity, at
  most once a minute, so a request is not a database write.
- Absolute: SESSION_ABSOLUTE_SECONDS after signing in the session ends whatever the
  activity, and the person is told why on the sign-in page.
- Every page of a signed-in person is ``Cache-Control: no-store, private``: a shared or
  back-button copy of a debt or a request must not outlive the session.
- Every page carries a Permissions-Policy refusing what the portal never uses.
- Before the idle timeout every page of a signed-in person warns, and "Stay signed in"
  starts the idle clock again (``keep_alive``); the numbers the page's script counts with
  are ``timeout_for``'s (templates/_session_timeout.html, static/js/session-timeout.js).

SEEN_AT is when the session's expiry last moved, that is when it was last saved: the page's
warning counts from it, so it must not lag behind a save made for another reason.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from negotiation.http import on_staff_site

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"


def start_session_clock(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """On signing in (user_logged_in): when the session began and was last seen."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        signed_in = request.user.is_authenticated
        if signed_in:
            signed_in = self._within_limits(request)
        response = self.get_response(request)
        if (
            request.user.is_authenticated
            and request.session.modified
            and SEEN_AT in request.session
        ):
            request.session[SEEN_AT] = time.time()  # saved now: the idle clock starts again
        if signed_in or request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response

    def _within_limits(self, request: HttpRequest) -> bool:
        now = time.time()
        session = request.session
        started = float(session.get(SIGNED_IN_AT, now))
        if now - started > settings.SESSION_ABSOLUTE_SECONDS:
            logout(request)
            hours = settings.SESSION_ABSOLUTE_SECONDS // 3600
            message = _(
                "For your safety you were signed out after %(hours)d hours. Please sign in again."
            )
            messages.info(request, message % {"hours": hours})
            return False
        if now - float(session.get(SEEN_AT, 0)) > settings.SESSION_RENEW_AFTER_SECONDS:
            session[SEEN_AT] = now  # saved with the response: the idle clock starts again
        if SIGNED_IN_AT not in session:
            session[SIGNED_IN_AT] = started
        return True


def keep_alive(request: HttpRequest) -> HttpResponse:
    """The warning's "Stay signed in": the idle clock starts again now (the session is
    saved, its expiry moved on); the cap after signing in stays where it is. Nothing to
    show: 204, never stored. The site's own guard (a debtor, or staff signed in with their
    code) and the CSRF check come first."""
    request.session[SEEN_AT] = time.time()
    response = HttpResponse(status=204)
    patch_cache_control(response, no_store=True, private=True)
    return response


@dataclass(frozen=True)
class SessionTimeout:
    """What a page's warning counts with: seconds left as the page is made, and where the
    warning's buttons lead on this site."""

    idle_left: int  # until the idle timeout
    absolute_left: int  # until the cap after signing in
    idle_seconds: int  # SESSION_COOKIE_AGE: the idle time again after "Stay signed in"
    absolute_seconds: int  # SESSION_ABSOLUTE_SECONDS: the cap, said in hours
    warning_seconds: int  # how long before the end the warning shows
    keep_alive_url: str
    sign_in_url: str
    sign_out_urls: str  # the forms that end the session here, separated by spaces
    # Whose typing a page keeps (an HMAC of the sign-in, never the id itself): a draft is
    # put back only for the person who typed it, not for the next person at the computer.
    draft_owner: str

    @property
    def idle_minutes(self) -> int:
        return max(1, round(self.idle_seconds / 60))

    @property
    def absolute_hours(self) -> int:
        return max(1, round(self.absolute_seconds / 3600))


def timeout_for(request: HttpRequest) -> SessionTimeout | None:
    """The warning's numbers for a page of a signed-in debtor on the portal, or of staff
    signed in with their code on the staff site; None on any other page."""
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return None
    if on_staff_site(request):
        if not (user.is_staff and user.is_active and user.is_verified()):
            return None  # the password typed, not the code yet: not signed in here
        keep_alive_name, sign_in_name = "admin:staff_keep_alive", "admin:login"
        sign_out_names = ["admin:logout"]
    elif user.is_staff:
        return None  # staff are not debtors: the portal's pages are none of theirs
    else:
        keep_alive_name, sign_in_name = "negotiation:session_keep_alive", "login"
        sign_out_names = ["logout", "negotiation:profile_sign_out_everywhere"]
    now = time.time()
    session = request.session
    idle: int = settings.SESSION_COOKIE_AGE
    cap: int = settings.SESSION_ABSOLUTE_SECONDS
    # A session changed by this request is saved with its response: its expiry moves then.
    seen = now if session.modified else float(session.get(SEEN_AT, now))
    started = float(session.get(SIGNED_IN_AT, now))
    return SessionTimeout(
        idle_left=max(0, math.ceil(seen + idle - now)),
        absolute_left=max(0, math.ceil(started + cap - now)),
        idle_seconds=idle,
        absolute_seconds=cap,
        warning_seconds=settings.SESSION_WARNING_SECONDS,
        keep_alive_url=reverse(keep_alive_name),
        sign_in_url=reverse(sign_in_name),
        sign_out_urls=" ".join(reverse(name) for name in sign_out_names),
        draft_owner=salted_hmac("negotiation.sessions.draft_owner", str(user.pk)).hexdigest()[:24],
    )
