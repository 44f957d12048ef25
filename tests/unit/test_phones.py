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
        # One way whatever was stored: the country code is not written (it was, and the same
        # number read "+86 138 0013 8000" on one page and "138 0013 8000" on the next).
        ("+86 138 0013 8000", "138 0013 8000"),
        ("8613800138000", "138 0013 8000"),
        ("0086-138-0013-8000", "138 0013 8000"),
        ("021-60001101", "021 6000 1101"),
        ("(021) 6000-1101", "021 6000 1101"),
        ("010 8000 2201", "010 8000 2201"),
        ("05718888888", "0571 888 8888"),
        ("0571-8888 8888", "0571 8888 8888"),
        ("400-820-8888", "400 820 8888"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),  # not a mainland number: as stored
        ("12345", "12345"),
    ],
)
def test_a_stored_number_is_shown_in_groups(stored, shown):
    assert readable_phone(stored) == shown


@given(st.from_regex(r"1[0-9]{10}", fullmatch=True), st.booleans())
def test_the_number_shown_is_the_same_number(national, with_code):
    stored = f"+86{national}" if with_code else national
    assert same_number_forms(readable_phone(stored)) == same_number_forms(stored)


@given(
    st.one_of(
        st.from_regex(r"1[0-9]{10}", fullmatch=True),
        st.from_regex(r"0(10|2[0-9]|[3-9][0-9]{2})[1-9][0-9]{6,7}", fullmatch=True),
        st.from_regex(r"[48]00[0-9]{7}", fullmatch=True),
    ),
    st.sampled_from(["", "-", " ", "."]),
)
def test_a_number_typed_any_way_is_shown_one_way(digits, separator):
    typed = separator.join([digits[:3], digits[3:7], digits[7:]])
    assert readable_phone(typed) == readable_phone(digits)
    assert same_number_forms(readable_phone(digits)) == same_number_forms(digits)
