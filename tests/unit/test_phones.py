"""Phone numbers as people type them and as the portal shows them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from negotiation.phones import readable_phone, same_number_forms


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("13911112222", "139 1111 2222"),
        ("+86 138 0013 8000", "+86 138 0013 8000"),
        ("8613800138000", "+86 138 0013 8000"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),  # not a mainland mobile: as stored
        ("12345", "12345"),
    ],
)
def test_a_stored_number_is_shown_in_groups(stored, shown):
    assert readable_phone(stored) == shown


@given(st.from_regex(r"1[0-9]{10}", fullmatch=True), st.booleans())
def test_the_number_shown_is_the_same_number(national, with_code):
    stored = f"+86{national}" if with_code else national
    assert same_number_forms(readable_phone(stored)) == same_number_forms(stored)
