"""Request helpers shared by the debtor views and the admin."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from negotiation.models import Debtor, User

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound=HttpResponseBase)


class DebtorRequest(HttpRequest):
    """A request to a debtor page: ``access.debtor_required`` lets only a signed-in user
    with a debtor record through, and attaches that record."""

    user: User
    debtor: Debtor


class StaffRequest(HttpRequest):
    """A request to one of our own staff pages or actions: the admin site
    (``admin_site.admin_view``, or the changelist for an action) lets only active staff in,
    so the user is the signed-in staff member."""

    user: User


def on_staff_site(request: HttpRequest | None) -> bool:
    """Whether ``request`` is for the staff site (under ``ADMIN_URL``), not the debtor's."""
    return request is not None and request.path.startswith(f"/{settings.ADMIN_URL}")


def staff_user(request: HttpRequest) -> User:
    """The signed-in staff member, for the admin methods that override Django's and so keep
    its ``HttpRequest`` in their signature (``save_model``, ``change_view``...). The admin
    site lets only active staff reach them; anyone else (which cannot happen there) is
    refused rather than acted for."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for the audit trail.

    Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, each appends the address it received
    the request from to X-Forwarded-For, so the client is that many entries from the end;
    anything further left was written by the client and cannot be trusted.
    """
    proxies: int = settings.TRUSTED_PROXY_COUNT
    if proxies:
        header: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
        forwarded = [part.strip() for part in header.split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    remote: str | None = request.META.get("REMOTE_ADDR")
    return remote


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A PDF we generated ourselves, opened in the browser's viewer (with a file name for
    saving); private, never kept by a shared cache."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return kept_private(response)


def kept_private(response: R) -> R:
    """A debtor's file: never kept by a shared cache, never sniffed into another type."""
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def page_context(page: DataclassInstance) -> dict[str, object]:
    """A selector's page data as template context, one key per field, each value as it is
    (``dataclasses.asdict`` would copy them, turning nested dataclasses into dicts and
    evaluating nothing lazily)."""
    return {field.name: getattr(page, field.name) for field in dataclasses.fields(page)}
