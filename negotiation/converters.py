"""Path converters that take only what a reference or a token can be: anything else is not
a URL of the portal (a 404 before any query), so a NUL byte, a quote or a megabyte of text
in the path never reaches the database."""

from __future__ import annotations

from django.urls import register_converter


class ReferenceConverter:
    """A public reference such as AC-QP37-T2P9 (negotiation/references.py)."""

    regex = r"[A-Z]{2,3}-[A-Z0-9]{4}-[A-Z0-9]{4}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class TokenConverter:
    """A link's token: URL-safe base64 (invitations) or Django's token (password reset)."""

    regex = r"[A-Za-z0-9_-]{1,128}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


# Registered once, on import, by whichever URLconf imports this first.
register_converter(ReferenceConverter, "ref")
register_converter(TokenConverter, "token")
