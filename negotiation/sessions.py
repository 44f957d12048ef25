"""Limits on a signed-in session, and the headers of every page.

- Idle: the session's expiry (SESSION_COOKIE_AGE, 30 minutes) moves on with activity, at
  most once a minute, so a request is not a database write.
- Absolute: SESSION_ABSOLUTE_SECONDS after signing in the session ends whatever the
  activity, and the person is told why on the sign-in page.
- Every page of a signed-in person is ``Cache-Control: no-store, private``: a shared or
  back-button copy of a debt or a request must not outlive the session.
- Every page carries a Permissions-Policy refusing what the portal never uses.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

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
