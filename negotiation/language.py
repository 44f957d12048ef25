"""The debtor's language: chosen with the switcher on any page, saved on the debtor, and
used for their pages (when the browser has no choice of its own stored) and for every
notification, email, SMS and PDF sent to them."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from negotiation.models import Debtor
from negotiation.services.debtors import save_preferred_language

SUPPORTED = {code for code, _ in settings.LANGUAGES}


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch (cookie and redirect), and for a signed-in debtor the
    choice saved on their record, so their messages follow it."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if language in SUPPORTED and request.user.is_authenticated:
        save_preferred_language(request.user, language)
    return response


class DebtorLanguageMiddleware:
    """A signed-in debtor whose browser has no language cookie (a new phone, cleared
    cookies) reads the portal in the language saved on their record. Runs after the
    authentication middleware; Django's LocaleMiddleware has already applied the cookie or
    the browser's Accept-Language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and request.user.is_authenticated:
            saved = (
                Debtor.objects.filter(user=request.user)
                .values_list("preferred_language", flat=True)
                .first()
            )
            if saved in SUPPORTED:
                translation.activate(saved)
                request.LANGUAGE_CODE = saved
        return self.get_response(request)
