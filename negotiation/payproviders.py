"""Payment providers behind one small interface, as text messages are (negotiation/sms.py).

``settings.PAYMENT_PROVIDERS`` names the providers debtors may pay through: a short name
from ``ALIASES`` or the dotted path of a ``PaymentProvider`` subclass. A provider does two
things: ``start`` opens a checkout on its own page for a payment the portal recorded and
returns where to send the debtor; ``verify`` reads a notification it sent to
``payments_webhook`` and returns the event in it, or raises ``BadNotification`` when the
signature, its time or its content is not right. Everything else (idempotency, matching the
amount, recording the payment) is the portal's, the same for every provider
(services.intents).

The ``sandbox`` provider plays a provider on this server for the demo and the tests: its
page (views.payments.payment_sandbox) is clearly in test mode, asks for no card, and sends
its notification through the very ``verify`` and handling code a real provider's goes
through. No provider here ever sees or passes on a card number: the debtor types those on
the provider's page only (docs/SECURITY.md, "Paying online").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

SUCCEEDED = "succeeded"
FAILED = "failed"


@dataclass(frozen=True)
class Checkout:
    """What a provider is told about a payment: never who the debtor is."""

    reference: str  # the intent's reference: the provider sends it back with its events
    amount: Decimal
    currency: str
    description: str


@dataclass(frozen=True)
class ProviderEvent:
    """A notification whose signature was verified: what the provider says happened."""

    provider: str
    event_id: str  # the provider's own id of this notification: a re-delivery repeats it
    intent_reference: str
    kind: str  # SUCCEEDED or FAILED
    provider_payment_id: str
    amount: Decimal
    currency: str
    occurred_at: dt.datetime


class BadNotification(Exception):
    """Not a notification from the provider: a signature that does not match (a forged or
    changed body), a time outside the tolerance (a replay), or content that cannot be read.
    The message names which, for the log; it never holds the body."""


class PaymentProvider:
    """One provider. ``name`` is its name in PAYMENT_PROVIDERS and in its webhook URL."""

    name: str = ""
    label: StrOrPromise = ""  # what the debtor chooses on the pay page
    test_mode = False  # the page and the checks say so

    def start(self, checkout: Checkout, *, return_url: str) -> str:
        """Open the checkout at the provider; the URL of its page for the debtor. Raises
        ``OSError`` when the provider cannot be reached."""
        raise NotImplementedError

    def verify(self, body: bytes, headers: Mapping[str, str], *, now: dt.datetime) -> ProviderEvent:
        """The event in a notification, its signature and time checked against ``now``;
        ``BadNotification`` otherwise."""
        raise NotImplementedError

    def problems(self) -> list[str]:
        """What is missing in its settings, for ``manage.py check`` (negotiation.E010)."""
        return []


class SandboxProvider(PaymentProvider):
    """A provider played on this server: its checkout page is the portal's own
    (``negotiation:payment_sandbox``), and its notifications are signed like Stripe's:
    HMAC-SHA256 with ``PAYMENT_SANDBOX_SECRET`` over "<unix time>." and the raw body, the
    time in its own header so that a recorded notification cannot be replayed later."""

    name = "sandbox"
    label = _("Test payment (sandbox: no real money moves)")
    test_mode = True
    SIGNATURE_HEADER = "X-Sandbox-Signature"
    TIMESTAMP_HEADER = "X-Sandbox-Timestamp"

    def start(self, checkout: Checkout, *, return_url: str) -> str:
        page = reverse("negotiation:payment_sandbox", args=[checkout.reference])
        return f"{page}?{urlencode({'return': return_url})}"

    def verify(self, body: bytes, headers: Mapping[str, str], *, now: dt.datetime) -> ProviderEvent:
        stamp = headers.get(self.TIMESTAMP_HEADER, "")
        signature = headers.get(self.SIGNATURE_HEADER, "")
        if not stamp.isdigit():
            raise BadNotification("no signed time")
        if abs(now.timestamp() - int(stamp)) > settings.PAYMENT_WEBHOOK_TOLERANCE_SECONDS:
            raise BadNotification("signed time outside the tolerance")
        if not hmac.compare_digest(signature, self.signature(body, stamp)):
            raise BadNotification("signature does not match")
        return self._event_in(body)

    def signature(self, body: bytes, stamp: str) -> str:
        digest = hmac.new(_sandbox_secret(), stamp.encode() + b"." + body, hashlib.sha256)
        return f"v1={digest.hexdigest()}"

    def signed(self, body: bytes, *, now: dt.datetime) -> dict[str, str]:
        """The headers the sandbox sends with ``body`` at ``now``."""
        stamp = str(int(now.timestamp()))
        return {self.TIMESTAMP_HEADER: stamp, self.SIGNATURE_HEADER: self.signature(body, stamp)}

    def event_body(
        self, checkout: Checkout, *, kind: str, now: dt.datetime, event_id: str = ""
    ) -> bytes:
        """The notification the sandbox sends when the debtor presses Pay or Decline."""
        event = {
            "id": event_id or f"evt_{secrets.token_hex(12)}",
            "type": f"payment.{kind}",
            "intent": checkout.reference,
            "payment_id": f"pay_{secrets.token_hex(12)}",
            "amount": str(checkout.amount),
            "currency": checkout.currency,
            "occurred_at": now.isoformat(),
        }
        return json.dumps(event).encode()

    def _event_in(self, body: bytes) -> ProviderEvent:
        try:
            data = json.loads(body)
            kind = {"payment.succeeded": SUCCEEDED, "payment.failed": FAILED}[data["type"]]
            amount = data["amount"]
            if not isinstance(amount, str):  # never a float: the amount is exact text
                raise BadNotification("the amount is not a decimal string")
            occurred_at = dt.datetime.fromisoformat(data["occurred_at"])
            if occurred_at.tzinfo is None:
                raise BadNotification("the time has no zone")
            return ProviderEvent(
                provider=self.name,
                event_id=_text(data["id"], 128),
                intent_reference=_text(data["intent"], 16),
                kind=kind,
                provider_payment_id=_text(data["payment_id"], 48),
                amount=Decimal(amount),
                currency=_text(data["currency"], 3),
                occurred_at=occurred_at,
            )
        except (ValueError, KeyError, TypeError, InvalidOperation) as error:
            raise BadNotification(f"unreadable content ({type(error).__name__})") from None


def _text(value: object, longest: int) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= longest:
        raise ValueError("a field is missing or too long")
    return value


def _sandbox_secret() -> bytes:
    configured: str = settings.PAYMENT_SANDBOX_SECRET
    if configured:
        return configured.encode()
    # Derived, so that rotating SECRET_KEY rotates it too; test mode only.
    return hmac.new(settings.SECRET_KEY.encode(), b"payments-sandbox", hashlib.sha256).digest()


# Short names for the providers here; anything else is a dotted path to a class.
ALIASES = {"sandbox": "negotiation.payproviders.SandboxProvider"}


def provider_class(name: str) -> type[PaymentProvider]:
    """The provider ``name`` names; ImportError if there is none by that name."""
    found = import_string(ALIASES.get(name, name))
    if not (isinstance(found, type) and issubclass(found, PaymentProvider)):
        raise ImportError(f"{name} is not a payment provider")
    return found


def sandbox_allowed() -> bool:
    """The sandbox takes no real money: with DEBUG off it runs only when asked for."""
    return bool(settings.DEBUG or settings.PAYMENTS_SANDBOX_ENABLED)


def enabled_providers() -> dict[str, PaymentProvider]:
    """The providers debtors may pay through now, by the name in their webhook URL."""
    enabled: dict[str, PaymentProvider] = {}
    for name in settings.PAYMENT_PROVIDERS:
        provider = provider_class(name)()
        if provider.test_mode and not sandbox_allowed():
            continue
        enabled[provider.name] = provider
    return enabled


def provider_named(name: str) -> PaymentProvider | None:
    return enabled_providers().get(name)
