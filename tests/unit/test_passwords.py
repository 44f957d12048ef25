"""The password rules say why in the portal's own words, in both languages (Django 5.2's
Chinese catalogue lacks its new message for a short password)."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

CASES = [
    ("short", "too short: it needs at least 12 characters", "至少需要 12 个字符"),
    ("password1234", "Many people use this password", "很多人使用这个密码"),
    ("123456789012345", "digits only is easy to guess", "只有数字的密码"),
]


@pytest.mark.parametrize(("password", "english", "chinese"), CASES)
def test_a_refused_password_says_why_in_the_portals_words(password, english, chinese):
    for language, expected in (("en", english), ("zh-hans", chinese)):
        with translation.override(language), pytest.raises(ValidationError) as refused:
            validate_password(password)
        assert any(expected in message for message in refused.value.messages), language


def test_a_long_sentence_is_accepted():
    validate_password("a calm morning by the river 2027")
