"""How often a form may be sent (django-ratelimit): by the client's address before signing
in, by the person after. Over the rate, the request is refused with the calm 429 page
(views.errors.too_many_requests) before anything is done. The rates are settings
(``RATE_*``), read at each request so tests and deployments can change them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.decorators import ratelimit

from negotiation.http import client_ip

View = TypeVar("View", bound=Callable[..., Any])


def by_address(group: str, request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def by_person(group: str, request: HttpRequest) -> str:
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return by_address(group, request)


def limited(setting: str, *, per_person: bool = False) -> Callable[[View], View]:
    """Refuse POSTs over the rate named by ``setting`` (such as "10/m")."""

    def rate(group: str, request: HttpRequest) -> str:
        value: str = getattr(settings, setting)
        return value

    key = by_person if per_person else by_address
    decorator: Callable[[View], View] = ratelimit(key=key, rate=rate, method="POST", block=True)
    return decorator
