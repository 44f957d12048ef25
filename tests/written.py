"""Dates as the debtor's pages write them (templatetags.portal.day): the language's words
inside the span that keeps them on one line, for tests that look for a date in a page."""

from __future__ import annotations

import datetime as dt

from django.utils import formats

from negotiation.templatetags.portal import UNBREAKABLE


def kept_whole(text: str) -> str:
    """``text`` (a date already written) as the page marks it up."""
    return UNBREAKABLE.format(text)


def written_day(value: dt.date) -> str:
    """``value`` as a debtor's page writes it, in the active language."""
    return kept_whole(formats.date_format(value))
