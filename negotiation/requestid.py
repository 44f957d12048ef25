"""Each request's id, for the audit trail and the logs: the proxy's ``X-Request-ID`` when it
sends a sane one (so a line in the proxy's log finds the audit row), a new one otherwise.
Kept in a context variable so services, which never see the request, can record it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")
# What a proxy may send: letters, digits and dashes, 8 to 64 of them (a UUID, a trace id).
_SANE = re.compile(r"[A-Za-z0-9-]{8,64}")
HEADER = "X-Request-ID"


def request_id() -> str:
    """The id of the request being served ("" in a worker or a command)."""
    return current_request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        value = given if _SANE.fullmatch(given) else uuid.uuid4().hex
        token = current_request_id.set(value)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response[HEADER] = value
        return response
