"""No log line holds personal data: the filter on every handler (settings.LOGGING) replaces
emails, resident IDs, card numbers and phone numbers, in messages and in exceptions; the
suite's own log output is scanned at the end of the run (tests/conftest.py)."""

from __future__ import annotations

import logging
import sys

import pytest

from negotiation.logredact import RedactPersonalData, redact
from tests.accountfiles import PANS, resident_id
from tests.conftest import personal_data_in


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("mail to wang.fang@example.com failed", "mail to [email] failed"),
        (f"debtor {resident_id(7)} matched", "debtor [national id] matched"),
        ("SMS to 13912345678: code", "SMS to [phone]: code"),
        ("SMS to +86 139-1234-5678", "SMS to [phone]"),
        ("SMS to +447700900123 sent", "SMS to [phone] sent"),
        (f"card {PANS[1]} refused", "card [card] refused"),
        ("account ACC-00000001 moved 2026-12-02", "account ACC-00000001 moved 2026-12-02"),
        ("19-digit account 6200009001123456789", "19-digit account 6200009001123456789"),
    ],
)
def test_personal_data_is_replaced_by_what_it_is(line, shown):
    assert redact(line) == shown


def test_the_filter_cleans_arguments_and_exceptions():
    record = logging.LogRecord("x", logging.ERROR, "f", 1, "to %s", ("a@example.com",), None)
    try:
        raise ValueError("no such address b@example.com")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert RedactPersonalData().filter(record)
    assert record.getMessage() == "to [email]"
    assert "b@example.com" not in (record.exc_text or "")
    assert "[email]" in (record.exc_text or "")


def test_the_suite_scan_finds_what_slips_through():
    assert personal_data_in(["SMS to 13912345678", "all fine"]) == ["SMS to 13912345678"]
    assert personal_data_in([redact("SMS to 13912345678")]) == []


def test_a_duration_is_not_taken_for_a_resident_id():
    line = "Task notifications.send[x] succeeded in 0.015663737000068068s: 'pending'"
    assert redact(line) == line
    assert personal_data_in([line]) == []
