"""The pages of a refusal: signing in paused after wrong passwords (django-axes), too many
requests (django-ratelimit). Calm, in the page's language, the debtor's site or the staff
site's look; status 429 so clients and monitors know what it is."""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from negotiation.http import on_staff_site

TOO_MANY = 429


def signing_in_paused(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lockout page (AXES_LOCKOUT_CALLABLE). It names neither the account nor
    whether it exists: the same page for a known sign-in and an unknown one."""
    template = (
        "admin/negotiation/signing_in_paused.html"
        if on_staff_site(request)
        else "negotiation/errors/signing_in_paused.html"
    )
    context = {"minutes": settings.AXES_COOLOFF_MINUTES}
    return render(request, template, context, status=TOO_MANY)


def too_many_requests(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """django-ratelimit's page (RATELIMIT_VIEW): slow down, nothing was lost."""
    template = (
        "admin/negotiation/too_many_requests.html"
        if on_staff_site(request)
        else "negotiation/errors/too_many_requests.html"
    )
    return render(request, template, status=TOO_MANY)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. When the database cannot be reached, a calm 503 (try again shortly,
    nothing lost) with Retry-After; any other failure the 500 page. Both are rendered
    without the request's context, which may need the database that failed."""
    failure = sys.exc_info()[1]
    if isinstance(failure, OperationalError | InterfaceError):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "120"
        return response
    return HttpResponse(render_to_string("500.html"), status=500)
