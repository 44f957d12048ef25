"""Text messages through a small backend interface, like Django's email backends.

``settings.SMS_BACKEND`` names the class. Development uses the console or file backend;
a provider is one more class with ``send`` and a settings change. Tests use the
in-memory backend and read ``outbox``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class BaseSmsBackend:
    """Send one message or raise ``OSError`` (the caller records it and retries later)."""

    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    def send(self, message: SmsMessage) -> None:
        sys.stdout.write(f"SMS to {message.to}: {message.body}\n")
        sys.stdout.flush()


class FileSmsBackend(BaseSmsBackend):
    """One JSON line per message appended to ``settings.SMS_FILE_PATH``."""

    def send(self, message: SmsMessage) -> None:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = {**asdict(message), "at": timezone.now().isoformat()}
        with path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(line, ensure_ascii=False) + "\n")


outbox: list[SmsMessage] = []


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps messages in ``negotiation.sms.outbox`` (tests)."""

    def send(self, message: SmsMessage) -> None:
        outbox.append(message)


# Short names for the backends here; anything else is a dotted path to a class.
ALIASES = {
    "console": "negotiation.sms.ConsoleSmsBackend",
    "file": "negotiation.sms.FileSmsBackend",
    "locmem": "negotiation.sms.LocmemSmsBackend",
}


def backend_class(name: str) -> type[BaseSmsBackend]:
    """The backend ``SMS_BACKEND`` names; ImportError if there is none by that name."""
    found = import_string(ALIASES.get(name, name))
    if not (isinstance(found, type) and issubclass(found, BaseSmsBackend)):
        raise ImportError(f"{name} is not an SMS backend")
    return found


def send_sms(to: str, body: str) -> None:
    backend_class(settings.SMS_BACKEND)().send(SmsMessage(to=to, body=body))
