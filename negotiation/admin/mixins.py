"""What several staff pages share: records that change only through services, and names
and contact details shown only to staff who hold the right to see them."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from functools import cached_property
from typing import Any, TypeVar

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet, TextChoices
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from negotiation.roles import VIEW_DEBTOR_CONTACT

_M = TypeVar("_M", bound=Model)


class ReadOnlyMixin:
    """For records that change only through services or imports."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ContactMaskingMixin(admin.ModelAdmin[_M]):
    """Names and contact details only for those who hold ``view_debtor_contact``; others
    (compliance) see initials and the debtor's reference, and cannot search by name."""

    def sees_contacts(self, request: HttpRequest) -> bool:
        return request.user.has_perm(VIEW_DEBTOR_CONTACT)

    def get_search_fields(self, request: HttpRequest) -> Any:
        fields = super().get_search_fields(request)
        if self.sees_contacts(request):
            return fields
        return tuple(f for f in fields if "name" not in f and "phone" not in f and "email" not in f)


def masked_name(full_name: str) -> str:
    """First letter of each part of the name: enough to tell cases apart, not to identify."""
    return " ".join(f"{part[0]}*" for part in full_name.split() if part) or "*"


def answer_due_cell(
    due: dt.datetime, *, waiting: bool, now: dt.datetime, shown: str | None = None
) -> SafeString:
    """An answer-due time in a queue, coloured by urgency in the same words everywhere (the
    request queue and the dispute queue): past due (red), due within a day (amber), or
    plain. ``waiting``: the bank still owes the answer (a decided case is never urgent);
    ``shown``: how to write it (a dispute's due day), else the local time to the minute."""
    shown = shown or timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
    if waiting and due < now:
        return format_html(
            '<span class="due-past">{}</span>', _("%(due)s (past due)") % {"due": shown}
        )
    if waiting and due < now + dt.timedelta(days=1):
        return format_html(
            '<span class="due-soon">{}</span>', _("%(due)s (due within a day)") % {"due": shown}
        )
    return format_html("{}", shown)


class DueBucket(StrEnum):
    """How soon an answer is due, in words a queue can be read by."""

    PAST = "past"
    TODAY = "today"
    WEEK = "week"
    LATER = "later"


# Each bucket's words and colour (a class of static/css/staff.css, never an inline style).
_BUCKET_WORDS = {
    DueBucket.PAST: (gettext_lazy("Past due"), "due-past"),
    DueBucket.TODAY: (gettext_lazy("Due today"), "due-soon"),
    DueBucket.WEEK: (gettext_lazy("This week"), "due-week"),
}


def due_bucket(due: dt.datetime, *, now: dt.datetime) -> DueBucket:
    """Past due once the moment has passed; due today until the end of the local day; this
    week within the six local days after today; later after that. By the local calendar
    (settings.TIME_ZONE), as a specialist reads a date."""
    if due < now:
        return DueBucket.PAST
    today, day = timezone.localdate(now), timezone.localdate(due)
    if day == today:
        return DueBucket.TODAY
    if day <= today + dt.timedelta(days=6):
        return DueBucket.WEEK
    return DueBucket.LATER


def due_words_cell(due: dt.datetime, *, waiting: bool, now: dt.datetime) -> SafeString:
    """The request queue's answer-due cell: a colour and words ("Past due", "Due today",
    "This week") above the local time, while the bank owes the answer; else the date alone
    (a request waiting on the debtor, or decided, is not the bank's to hurry)."""
    local = timezone.localtime(due)
    bucket = due_bucket(due, now=now) if waiting else DueBucket.LATER
    if bucket is DueBucket.LATER:
        return format_html('<span class="due-date">{}</span>', local.strftime("%Y-%m-%d"))
    words, css = _BUCKET_WORDS[bucket]
    return format_html(
        '<span class="{}">{}</span><br><span class="due-date">{}</span>',
        css,
        words,
        local.strftime("%m-%d %H:%M"),
    )


class BoundedCountPaginator(Paginator):  # type: ignore[type-arg]
    """A paginator that counts at most ``COUNT_LIMIT`` rows: the count is a COUNT(*) over
    the first rows only (a subquery with LIMIT), so a view of a huge table costs what a
    page does. Past the limit the queue says there are ``COUNT_LIMIT`` and offers that many
    pages: a specialist narrows a view with a filter or the search instead of paging
    through more (docs/DESIGN.md, "The request queue")."""

    COUNT_LIMIT = 10_000

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if isinstance(rows, QuerySet):
            # The keys alone: no ordering, no annotations (the row's subqueries) to count.
            return rows.order_by().values("pk")[: self.COUNT_LIMIT].count()
        return min(len(rows), self.COUNT_LIMIT)


class OpenByDefaultFilter(admin.SimpleListFilter):
    """A queue's status filter: the open ones unless asked otherwise (the queue is what
    still needs an answer), all of them, or one status. A subclass names its ``statuses``
    and which of them are ``open_statuses``."""

    title = gettext_lazy("status")
    parameter_name = "queue"
    statuses: type[TextChoices]
    open_statuses: frozenset[str] | tuple[str, ...]

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("open", gettext_lazy("Open")),
            ("all", gettext_lazy("All")),
            *self.statuses.choices,
        ]

    def value(self) -> str:
        return super().value() or "open"

    def choices(self, changelist: Any) -> Any:
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "open":
            return queryset.filter(status__in=self.open_statuses)
        if value == "all":
            return queryset
        return queryset.filter(status=value)
