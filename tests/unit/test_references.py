"""Public references drawn in bulk: the same shape and alphabet as one at a time, every
letter as likely as another, none repeated in a run the size of an import."""

from __future__ import annotations

import re
from collections import Counter

from negotiation.references import ALPHABET, new_reference, new_references

SHAPE = re.compile(rf"^DB-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")


def test_bulk_references_have_the_shape_of_single_ones():
    assert SHAPE.match(new_reference("DB"))
    drawn = new_references("DB", 5000)
    assert len(drawn) == 5000
    assert all(SHAPE.match(reference) for reference in drawn)


def test_a_run_the_size_of_an_import_repeats_none():
    drawn = new_references("AC", 100_000)
    assert len(set(drawn)) == len(drawn)  # a repeat is a 1-in-170 event: see references.py


def test_every_letter_is_about_as_likely_as_another():
    letters = Counter("".join(ref[3:].replace("-", "") for ref in new_references("DB", 31_000)))
    assert set(letters) == set(ALPHABET)
    expected = 31_000 * 8 / len(ALPHABET)  # 8,000 each
    # Five standard deviations either way: a biased mapping (a byte % 31 without dropping
    # the top 8 byte values) gives the first 8 letters about 8,700 and fails this.
    assert all(abs(count - expected) < 5 * expected**0.5 for count in letters.values())
