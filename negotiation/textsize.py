"""Larger text (China's guidance on ageing-friendly apps, 适老化: adjustable text size and
line spacing of at least 1.3): a switch on every debtor page, kept in a cookie on the phone
for a year, read by the context processor ``text_size`` for the page's root element
(static/css/portal.css: ``html.text-large``)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

COOKIE = "text_size"
LARGE = "large"
STANDARD = "standard"
SIZES = frozenset({LARGE, STANDARD})
COOKIE_AGE = 365 * 24 * 3600


def text_size_of(request: HttpRequest) -> str:
    size = request.COOKIES.get(COOKIE, STANDARD)
    return size if size in SIZES else STANDARD


@require_POST
def set_text_size(request: HttpRequest) -> HttpResponse:
    """The switch: the size chosen, kept, and back to the page it was on (only a page of
    this site: the ``next`` of a forged form goes to the home page)."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    size = request.POST.get("size", "")
    if size in SIZES:
        response.set_cookie(
            COOKIE,
            size,
            max_age=COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response
