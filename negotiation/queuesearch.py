"""What a staff member types in the request queue's search box, read the way a call arrives:
which one key it is (card last 4, resident ID, phone, a reference, else a name), so the
queue looks it up with one indexed equality or prefix instead of a scan of every debtor.
Pure: no ORM; ``selectors.workbench.search_requests`` turns a ``SearchTerm`` into a query.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from negotiation.phones import same_number_forms
from negotiation.references import ALPHABET


class SearchKey(StrEnum):
    CARD_LAST4 = "card_last4"
    NATIONAL_ID = "national_id"
    PHONE = "phone"
    REFERENCE = "reference"
    NAME = "name"


# The prefix of each public reference and what it names (references.py).
REFERENCE_PREFIXES = ("RQ", "AC", "DB", "PL")

_LAST4 = re.compile(r"[0-9]{4}")
# A resident ID: 18 characters, the last a check digit or X; or the older 15 digits.
_RESIDENT_ID = re.compile(r"[1-9][0-9]{16}[0-9X]|[1-9][0-9]{14}")
_REFERENCE = re.compile(
    rf"({'|'.join(REFERENCE_PREFIXES)})-?([{ALPHABET}]{{4}})-?([{ALPHABET}]{{4}})"
)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class SearchTerm:
    """One key to look up. ``text``: the value as stored (a reference in its canonical
    form "RQ-7K3M-9XAB", last 4 digits, a name with its spaces tidied, a resident ID in
    capitals: the caller hashes it and never keeps it). ``phones``: each form the number
    may be stored in, for a phone; also for a 15-digit resident ID, which is as long as a
    mobile written with 0086 in front (both are looked up)."""

    key: SearchKey
    text: str
    phones: tuple[str, ...] = ()


def search_term(typed: str) -> SearchTerm | None:
    """The key ``typed`` asks for, or None for an empty box. Full-width digits and letters
    count as their half-width forms (NFKC), as in phones.phone_digits."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", typed)).strip()
    if not text:
        return None
    compact = text.replace(" ", "").replace("-", "").upper()
    if _LAST4.fullmatch(text):
        return SearchTerm(SearchKey.CARD_LAST4, text)
    if _RESIDENT_ID.fullmatch(compact):
        return SearchTerm(SearchKey.NATIONAL_ID, compact, tuple(same_number_forms(compact)))
    if phones := same_number_forms(text):
        return SearchTerm(SearchKey.PHONE, phones[0], tuple(phones))
    if match := _REFERENCE.fullmatch(text.replace(" ", "").upper()):
        prefix, first, second = match.groups()
        return SearchTerm(SearchKey.REFERENCE, f"{prefix}-{first}-{second}")
    return SearchTerm(SearchKey.NAME, text)
