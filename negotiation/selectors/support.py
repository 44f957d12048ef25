"""Reads of extra support (models.support) for what it changes: reminders spaced, deadlines
longer, the marker on the staff's pages. No writes here, and never what the need says: only
whether one is in place."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists, OuterRef

from negotiation.models import Debtor, SupportNeed, SupportStatus


def has_support_need(debtor: Debtor | int) -> bool:
    """Whether the debtor (or the debtor of that primary key) has extra support in place,
    as the database says now (never a copy cached on the debtor: it may be stale)."""
    pk = debtor.pk if isinstance(debtor, Debtor) else debtor
    return SupportNeed.objects.filter(debtor_id=pk, status=SupportStatus.ACTIVE).exists()


def support_in_place(debtor_ref: str) -> Exists:
    """For an annotation: whether the debtor at ``debtor_ref`` ("account__debtor") has extra
    support in place, in the same query (the queue's marker costs no query per row)."""
    return Exists(
        SupportNeed.objects.filter(debtor=OuterRef(debtor_ref), status=SupportStatus.ACTIVE)
    )


def support_in_place_on_account(account_ref: str) -> Exists:
    """The same for the account at ``account_ref`` ("account"): the debtor is reached inside
    the subquery, so the outer query needs no join to the accounts (the queue's count of
    its rows stays on the requests' own indexes)."""
    return Exists(
        SupportNeed.objects.filter(
            debtor__accounts=OuterRef(account_ref), status=SupportStatus.ACTIVE
        )
    )


def deadline_days(days: int, *, supported: bool) -> int:
    """A deadline the debtor must meet, in days: ``SUPPORT_DEADLINE_FACTOR`` times as long
    with extra support in place (14 days are 28 by default)."""
    return days * settings.SUPPORT_DEADLINE_FACTOR if supported else days
