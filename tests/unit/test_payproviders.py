"""The sandbox provider's notifications (negotiation/payproviders.py), without a database:
HMAC-SHA256 over the signed time and the exact body; any change to a byte of the body, a
signature from another key, a time outside the tolerance, or content that is no event is
refused; the real thing is read back exactly (an amount is exact text, never a float)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from hypothesis import given
from hypothesis import strategies as st

from negotiation.payproviders import (
    FAILED,
    SUCCEEDED,
    BadNotification,
    Checkout,
    SandboxProvider,
    enabled_providers,
)

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
SANDBOX = SandboxProvider()
CHECKOUT = Checkout("PI-AAAA-BBBB", Decimal("1234.56"), "CNY", "Repayment")


def body(kind: str = SUCCEEDED) -> bytes:
    return SANDBOX.event_body(CHECKOUT, kind=kind, now=NOW, event_id="evt_1")


def test_a_signed_notification_is_read_back_exactly():
    for kind in (SUCCEEDED, FAILED):
        sent = body(kind)
        event = SANDBOX.verify(sent, SANDBOX.signed(sent, now=NOW), now=NOW)
        assert (event.provider, event.event_id, event.intent_reference, event.kind) == (
            "sandbox",
            "evt_1",
            "PI-AAAA-BBBB",
            kind,
        )
        assert (event.amount, event.currency, event.occurred_at) == (Decimal("1234.56"), "CNY", NOW)
        assert event.provider_payment_id.startswith("pay_")


@given(position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_any_changed_byte_of_the_body_is_refused(position, flip):
    sent = body()
    headers = SANDBOX.signed(sent, now=NOW)
    tampered = bytearray(sent)
    tampered[position % len(sent)] ^= flip
    with pytest.raises(BadNotification):
        SANDBOX.verify(bytes(tampered), headers, now=NOW)


@given(seconds=st.integers(min_value=-86400, max_value=86400))
def test_a_notification_is_taken_only_within_the_tolerance(seconds):
    tolerance = django_settings.PAYMENT_WEBHOOK_TOLERANCE_SECONDS  # 300 by default
    sent = body()
    headers = SANDBOX.signed(sent, now=NOW + dt.timedelta(seconds=seconds))
    if abs(seconds) <= tolerance:
        assert SANDBOX.verify(sent, headers, now=NOW).event_id == "evt_1"
    else:
        with pytest.raises(BadNotification, match="tolerance"):
            SANDBOX.verify(sent, headers, now=NOW)


def test_another_key_a_missing_or_a_false_header_is_refused(settings):
    sent = body()
    headers = SANDBOX.signed(sent, now=NOW)
    settings.PAYMENT_SANDBOX_SECRET = "another key"
    with pytest.raises(BadNotification, match="signature"):
        SANDBOX.verify(sent, headers, now=NOW)
    settings.PAYMENT_SANDBOX_SECRET = "test-only-sandbox-secret"
    for missing in headers:
        partial = {k: v for k, v in headers.items() if k != missing}
        with pytest.raises(BadNotification):
            SANDBOX.verify(sent, partial, now=NOW)
    # The time re-signed by hand without the key: the signature covers it.
    moved = {**headers, SANDBOX.TIMESTAMP_HEADER: str(int(NOW.timestamp()) + 1)}
    with pytest.raises(BadNotification, match="signature"):
        SANDBOX.verify(sent, moved, now=NOW)


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 1234.56},  # a float: refused, never rounded
        {"amount": "lots"},
        {"type": "payment.refunded"},
        {"occurred_at": "2026-03-02T10:00:00"},  # no zone
        {"intent": ""},
        {"id": "x" * 200},
    ],
)
def test_content_that_is_no_event_is_refused_even_when_signed(change):
    sent = json.dumps({**json.loads(body()), **change}).encode()
    with pytest.raises(BadNotification, match=r"content|amount|zone"):
        SANDBOX.verify(sent, SANDBOX.signed(sent, now=NOW), now=NOW)
    not_json = b"amount=1"
    with pytest.raises(BadNotification):
        SANDBOX.verify(not_json, SANDBOX.signed(not_json, now=NOW), now=NOW)


def test_the_sandbox_runs_only_where_it_is_wanted(settings):
    settings.PAYMENT_PROVIDERS = ["sandbox"]
    settings.DEBUG, settings.PAYMENTS_SANDBOX_ENABLED = False, False
    assert enabled_providers() == {}
    settings.PAYMENTS_SANDBOX_ENABLED = True
    assert list(enabled_providers()) == ["sandbox"]
    settings.DEBUG, settings.PAYMENTS_SANDBOX_ENABLED = True, False
    assert list(enabled_providers()) == ["sandbox"]
