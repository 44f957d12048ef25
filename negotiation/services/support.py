"""Extra support (models.support): the debtor says what makes money matters harder for
them, changes it, withdraws it, or dismisses the offer; staff with ``view_support_need`` read
it. ``transition_support_need`` is the one function that changes its status: it locks the
row, checks the move against ``SUPPORT_TRANSITIONS`` and writes one audit row. The audit rows
never hold what was said (which drivers, the note), only that it was: a withdrawn need leaves
its trail without its content.

What it changes is read elsewhere, by ``selectors.support.has_support_need``: reminders
spaced (services.notifications), longer deadlines (services.offers, services.following).
Nothing here sends a message: no notification, email or SMS speaks of extra support."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from negotiation.exceptions import ConsentNeeded, NoSupportDriver, TransitionNotAllowed
from negotiation.models import (
    DRIVERS,
    SUPPORT_TRANSITIONS,
    AuditAction,
    Debtor,
    SupportNeed,
    SupportStatus,
    User,
)
from negotiation.services.audit import record_event

# The version of the consent's words (SUPPORT_CONSENT_TEXT in forms.support, and its
# translation): new words are a new version, so each consent names the words agreed.
SUPPORT_CONSENT_VERSION = "2026-1"

_EMPTY: dict[str, object] = {
    **dict.fromkeys(DRIVERS, False),
    "note": "",
    "consent_version": "",
    "consented_at": None,
}


@dataclass(frozen=True)
class SupportAnswer:
    """What the debtor ticked and wrote on the form (the drivers by field name)."""

    health: bool = False
    life_event: bool = False
    resilience: bool = False
    capability: bool = False
    note: str = ""
    consent: bool = False  # the separate consent box, unticked unless the debtor ticks it

    @property
    def drivers(self) -> list[str]:
        return [name for name in DRIVERS if getattr(self, name)]


def _locked(debtor: Debtor) -> SupportNeed | None:
    """The debtor's need, locked; the debtor's row first, so two first answers at once (two
    tabs, a double tap) cannot both create one: the second waits and finds the first."""
    Debtor.objects.select_for_update().filter(pk=debtor.pk).values_list("pk").get()
    return SupportNeed.objects.select_for_update().filter(debtor=debtor).first()


def transition_support_need(
    need: SupportNeed,
    to: str,
    *,
    actor: User | None,
    changes: dict[str, object],
    after: dict[str, object] | None = None,
    ip: str | None = None,
    by_retention: bool = False,
) -> SupportNeed:
    """The only code that changes a support need's status (the row locked by the caller or
    new): check the move, apply ``changes``, save, one audit row, named for the move (a
    withdrawal by the retention job is ``retention.purged``). Raises
    ``TransitionNotAllowed``."""
    before = {"status": need.status} if need.pk else {}
    if need.pk and to not in SUPPORT_TRANSITIONS[need.status]:
        raise TransitionNotAllowed
    for field, value in changes.items():
        setattr(need, field, value)
    need.status = to
    need.save()
    record_event(
        need,
        actor=actor,
        action=(
            AuditAction.SUPPORT_NEED_SAID
            if to == SupportStatus.ACTIVE
            else AuditAction.SUPPORT_OFFER_DISMISSED
            if to == SupportStatus.DISMISSED
            else AuditAction.RETENTION_PURGED
            if by_retention
            else AuditAction.SUPPORT_NEED_WITHDRAWN
        ),
        before=before,
        after={"status": to, **(after or {})},
        ip=ip,
    )
    return need


def say_support_need(
    debtor: Debtor, *, actor: User, answer: SupportAnswer, now: dt.datetime, ip: str | None
) -> SupportNeed:
    """The debtor says (or changes) what applies. At least one driver; health and a note
    only with the separate consent, which is recorded with its wording's version and its
    moment (``now``; kept from the first consent while it stands). A new row or a dismissed,
    withdrawn or active one becomes ACTIVE. Audited with the status, the consent's version
    and how many drivers apply, never which. Raises ``NoSupportDriver``, ``ConsentNeeded``."""
    if not answer.drivers:
        raise NoSupportDriver
    note = answer.note.strip()
    if (answer.health or note) and not answer.consent:
        raise ConsentNeeded
    with transaction.atomic():
        need = _locked(debtor) or SupportNeed(debtor=debtor)
        consented = need.consented_at if need.is_active and need.consented_at else now
        changes: dict[str, object] = {
            **{name: getattr(answer, name) for name in DRIVERS},
            "note": note,
            "consent_version": SUPPORT_CONSENT_VERSION if answer.consent else "",
            "consented_at": consented if answer.consent else None,
            "said_at": now,
            "withdrawn_at": None,
            "removed_on": None,
        }
        return transition_support_need(
            need,
            SupportStatus.ACTIVE,
            actor=actor,
            changes=changes,
            after={
                "consent_version": changes["consent_version"],
                "drivers": len(answer.drivers),
            },
            ip=ip,
        )


def withdraw_support_need(
    debtor: Debtor, *, actor: User, now: dt.datetime, ip: str | None
) -> SupportNeed:
    """The debtor withdraws it (their consent too, PIPL Art. 15): the drivers, the note and
    the consent are emptied at once; the row says it was withdrawn and when, the audit trail
    that it existed. Raises ``TransitionNotAllowed`` when none is in place."""
    with transaction.atomic():
        need = _locked(debtor)
        if need is None:
            raise TransitionNotAllowed
        return transition_support_need(
            need,
            SupportStatus.WITHDRAWN,
            actor=actor,
            changes={**_EMPTY, "withdrawn_at": now},
            after={"reason": "debtor"},
            ip=ip,
        )


def dismiss_support_offer(
    debtor: Debtor, *, actor: User, now: dt.datetime, ip: str | None
) -> SupportNeed | None:
    """The debtor dismisses the offer on the account page: remembered, so it is not offered
    again (the profile page still lets them say it). Once answered or dismissed there is
    nothing to dismiss: None, and nothing written."""
    with transaction.atomic():
        if _locked(debtor) is not None:
            return None
        return transition_support_need(
            SupportNeed(debtor=debtor),
            SupportStatus.DISMISSED,
            actor=actor,
            changes={"dismissed_at": now},
            ip=ip,
        )


def read_support_need(debtor: Debtor, *, reader: User, ip: str | None) -> SupportNeed | None:
    """What the debtor said, for a staff member who holds ``view_support_need`` (the caller
    checks the right): each reading is audited on the need, the reader its actor. None, and
    nothing written, when none is in place."""
    need = SupportNeed.objects.filter(debtor=debtor, status=SupportStatus.ACTIVE).first()
    if need is None:
        return None
    record_event(
        need,
        actor=reader,
        action=AuditAction.SUPPORT_NEED_READ,
        after={"status": need.status},
        ip=ip,
    )
    return need


def support_needs_due(*, now: dt.datetime) -> QuerySet[SupportNeed]:
    """The needs in place not said again for RETENTION_SUPPORT_NEED_DAYS before ``now``."""
    cutoff = now - dt.timedelta(days=settings.RETENTION_SUPPORT_NEED_DAYS)
    return SupportNeed.objects.filter(status=SupportStatus.ACTIVE, said_at__lt=cutoff)


def remove_expired_support_needs(*, now: dt.datetime, today: dt.date) -> int:
    """The retention job's part (services.retention): a need not said again for
    RETENTION_SUPPORT_NEED_DAYS is emptied as a withdrawal is, ``removed_on`` set, and one
    ``retention.purged`` audit row each (the rule, never the content). How many."""
    removed = 0
    with transaction.atomic():
        for need in support_needs_due(now=now).select_for_update(skip_locked=True):
            transition_support_need(
                need,
                SupportStatus.WITHDRAWN,
                actor=None,
                by_retention=True,
                changes={**_EMPTY, "withdrawn_at": now, "removed_on": today},
                after={
                    "rule": "RETENTION_SUPPORT_NEED_DAYS",
                    "days": settings.RETENTION_SUPPORT_NEED_DAYS,
                    "removed": [*DRIVERS, "note", "consent"],
                },
            )
            removed += 1
    return removed
