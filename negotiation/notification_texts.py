"""The words of every notification: one template per event, templates/notifications/<event>.txt
(the event's ``NotificationEvent`` value), shared by the portal inbox and the email.

A template's first line is the email's subject; what follows is the message, which the inbox
shows and the email carries between its greeting and its footer (emails/notification_body.txt).
The text message never carries it: a phone is often seen by others, so sms/notification.txt says
only that there is news in the portal. Both languages come from the catalogs
(``{% blocktranslate %}``), in whatever language is active when the text is rendered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.template import Context, Engine


@dataclass(frozen=True)
class NotificationText:
    subject: str
    message: str


def template_name(event: str) -> str:
    return f"notifications/{event}.txt"


def notification_text(event: str, context: Mapping[str, Any]) -> NotificationText:
    """The subject and message of ``event`` told with ``context`` (a notification's
    context), as plain text: no HTML escaping here, the inbox page escapes what it shows."""
    template = Engine.get_default().get_template(template_name(event))
    text = template.render(Context(dict(context), autoescape=False))
    subject, _, message = text.strip().partition("\n")
    return NotificationText(subject=subject.strip(), message=message.strip())
