"""Small display helpers for the debtor pages."""

import datetime as dt

from django import template
from django.utils import formats
from django.utils.translation import get_language

from negotiation import branding, punctuation
from negotiation.models import Notification, Program, RequestStatus
from negotiation.notification_texts import notification_text
from negotiation.phones import readable_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """A stored phone number grouped as people read it (phones.readable_phone)."""
    return readable_phone(value) if value else value


@register.filter
def request_status(value: str | None) -> str:
    """A request's status as kept in the trail (its code), named in the reader's language;
    a code the table no longer has is shown as it was kept."""
    if not value:
        return ""
    try:
        return str(RequestStatus(value).label)
    except ValueError:
        return value


@register.filter
def program_name(program: Program) -> str:
    """The program's name in the page's language (programs are content, not code)."""
    return str(program)  # Program.__str__ speaks the reader's language


@register.simple_tag(name="bank_name")
def bank_name_tag() -> str:
    """The bank's name in the page's language: {% bank_name as bank %}."""
    return branding.bank_name()


@register.simple_tag(name="colon")
def colon_mark() -> str:
    return punctuation.colon()


@register.simple_tag(name="comma")
def comma_mark() -> str:
    return punctuation.comma()


@register.simple_tag(name="gap")
def gap_mark() -> str:
    return punctuation.gap()


@register.filter
def sentences(items: list[object]) -> str:
    """Sentences one after the other, with the language's gap between them."""
    return punctuation.sentences(items)


@register.filter
def kind_unless_named(program: Program, kind: object) -> str:
    """The kind's label for a badge beside the program's name, or nothing when the name
    already says it (a program named after its kind would read "停息挂账 停息挂账")."""
    label = str(kind)
    return "" if label.strip() == program_name(program).strip() else label


@register.filter
def program_description(program: Program) -> str:
    return program.localized_description(get_language() or "en")


@register.filter
def isodate(value: object) -> str:
    """A date kept as ISO text (in a notification's context), written the way the
    language writes dates: 15 January 2027, 2027年1月15日."""
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return formats.date_format(day)


@register.filter
def notification_message(notification: Notification) -> str:
    """The message of a notification in the page's language: its event's template."""
    return notification_text(notification.template, notification.context).message
