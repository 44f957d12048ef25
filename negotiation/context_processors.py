import datetime as dt

from django.http import HttpRequest

from negotiation.models import (
    AccountStatus,
    DisputeStatus,
    Notification,
    NotificationChannel,
    PlanStatus,
    RequestStatus,
)
from negotiation.sessions import SessionTimeout, timeout_for
from negotiation.textsize import text_size_of


def inbox(request: HttpRequest) -> dict[str, int]:
    """The unread count in the header, for signed-in debtors only: one query. (A request
    refused before the sign-in is read, such as a 400 page, has no user.)"""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_staff:
        return {}
    unread = Notification.objects.filter(
        debtor__user=user, channel=NotificationChannel.PORTAL, read_at__isnull=True
    ).count()
    return {"unread_notifications": unread}


def vocabulary(request: HttpRequest) -> dict[str, type]:
    """The status enums, so a template compares ``r.status == RequestStatus.SUBMITTED``
    instead of repeating a raw value (Django's choices are never called in templates)."""
    return {
        "RequestStatus": RequestStatus,
        "PlanStatus": PlanStatus,
        "AccountStatus": AccountStatus,
        "DisputeStatus": DisputeStatus,
    }


def session_timeout(request: HttpRequest) -> dict[str, SessionTimeout]:
    """The warning before the idle timeout, on every page of a signed-in person
    (templates/_session_timeout.html): its numbers and addresses, or nothing."""
    timeout = timeout_for(request)
    return {"session_timeout": timeout} if timeout else {}


def text_size(request: HttpRequest) -> dict[str, str]:
    """The page's text size, standard or large, as the debtor chose it (negotiation/textsize.py)."""
    return {"text_size": text_size_of(request)}


def debtor_zone(request: HttpRequest) -> dict[str, dt.tzinfo | None]:
    """The signed-in debtor's time zone, read from the record access.debtor_required has
    already loaded (no query): base.html writes every date and time of the page in it. No
    debtor (the sign-in, an error page): None, the bank's own zone."""
    debtor = getattr(request, "debtor", None)
    return {"debtor_zone": debtor.zone if debtor is not None else None}
