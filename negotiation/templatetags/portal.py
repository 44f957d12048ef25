"""Small display helpers for the debtor pages."""

import datetime as dt

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
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


# A written date is one word: a phone must not break "2027年1月4日" after "4" (Chinese
# text may break between any two characters) nor "4 January 2027" after "January".
UNBREAKABLE = '<span class="text-nowrap">{}</span>'
PLAIN = "plain"  # the argument for text without markup: SVG <text>, attributes


def _written(value: dt.date | None, format_name: str, form: str) -> str | SafeString:
    """``value`` in the language's ``format_name`` (portal/formats), a moment in the current
    time zone (the debtor's on their pages: base.html); "" for no value (a template's
    missing variable is "")."""
    if not value:
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    text = formats.date_format(value, format_name)
    return text if form == PLAIN else format_html(UNBREAKABLE, text)


@register.filter
def day(value: dt.date | dt.datetime | None, form: str = "") -> str | SafeString:
    """A date as every debtor page writes it: 15 January 2027, 2027年1月15日, kept on one
    line; ``day:"plain"`` gives the words alone."""
    return _written(value, "DATE_FORMAT", form)


@register.filter
def day_and_time(value: dt.datetime | None, form: str = "") -> str | SafeString:
    """A moment as every debtor page writes it: 15 January 2027, 14:30, 2027年1月15日 14:30,
    in the debtor's time zone, kept on one line; ``day_and_time:"plain"`` the words alone."""
    return _written(value, "DATETIME_FORMAT", form)


@register.filter
def notification_message(notification: Notification) -> str:
    """The message of a notification in the page's language: its event's template."""
    return notification_text(notification.template, notification.context).message
