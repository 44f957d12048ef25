"""Input no form of the portal can hold is refused before any view runs: a NUL byte in the
path, a query parameter or a form field (PostgreSQL cannot store one, so it used to end in
a 500) is a 400 with the portal's page, and nothing is done. So is a date part of a list's
date filter (``at__year=99999``) that is no date; a search longer than SEARCH_MAX is cut
to it (a megabyte of search text would be a megabyte of LIKE patterns)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict

NUL = "\x00"
SEARCH_MAX = 100
# The date-hierarchy parts of the staff lists (field__year=2026&field__month=12&...).
DATE_PART_RANGES = {"__year": (1900, 2100), "__month": (1, 12), "__day": (1, 31)}


def _bad_date_part(values: QueryDict) -> bool:
    for key in values:
        for suffix, (low, high) in DATE_PART_RANGES.items():
            if key.endswith(suffix):
                text = values.get(key, "")
                if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
                    return True
    return False


def _holds_nul(values: QueryDict) -> bool:
    return any(NUL in key or any(NUL in value for value in values.getlist(key)) for key in values)


class RefuseNulBytesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path or _holds_nul(request.GET):
            raise BadRequest("a NUL byte in the address")
        if _bad_date_part(request.GET):
            raise BadRequest("a date filter that is no date")
        if len(request.GET.get("q", "")) > SEARCH_MAX:
            shortened = request.GET.copy()
            shortened["q"] = request.GET.get("q", "")[:SEARCH_MAX]
            shortened._mutable = False
            request.GET = shortened  # type: ignore[assignment]  # a QueryDict, as Django's
        if request.method == "POST" and _holds_nul(request.POST):
            raise BadRequest("a NUL byte in the form")
        return self.get_response(request)
