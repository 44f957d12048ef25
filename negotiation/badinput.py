"""Input no form of the portal can hold is refused before any view runs: a NUL byte in the
path, a query parameter or a form field (PostgreSQL cannot store one, so it used to end in
a 500) is a 400 with the portal's page, and nothing is done."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict

NUL = "\x00"


def _holds_nul(values: QueryDict) -> bool:
    return any(NUL in key or any(NUL in value for value in values.getlist(key)) for key in values)


class RefuseNulBytesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path or _holds_nul(request.GET):
            raise BadRequest("a NUL byte in the address")
        if request.method == "POST" and _holds_nul(request.POST):
            raise BadRequest("a NUL byte in the form")
        return self.get_response(request)
