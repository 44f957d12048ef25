"""The bank's name in the reader's language (settings.BANK_NAME, BANK_NAME_ZH)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language


def bank_name() -> str:
    """The bank's name in the active language."""
    chinese = (get_language() or "").startswith("zh")
    return str(settings.BANK_NAME_ZH if chinese else settings.BANK_NAME)
