"""Call backs: the debtor books a slot inside their contact hours (callbackslots), the
number to call and what it is about, and may cancel it while it waits; a staff member takes
it from the callbacks list, calls, and records the call, held to the contact rules like any
other (services.contacts): done when it reached the debtor, missed when it did not."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from negotiation import callbackslots, contactrules, phones
from negotiation.callbackslots import Slot, SlotRules
from negotiation.exceptions import ActionNotPermitted, ServiceError, TransitionNotAllowed
from negotiation.locks import wait_for_lock
from negotiation.models import (
    CALLBACK_TRANSITIONS,
    FAILED_OUTCOMES,
    AuditAction,
    Callback,
    CallbackStatus,
    CallbackTopic,
    ContactChannel,
    ContactDirection,
    ContactParty,
    ContactRecord,
    CreditAccount,
    Debtor,
    User,
)
from negotiation.roles import ADD_CONTACTRECORD
from negotiation.selectors.mandates import bank_calendar
from negotiation.services.audit import record_event
from negotiation.services.contacts import debtor_zone, record_debtor_contact


class CallbackRefused(ServiceError):
    """Why the call back cannot be booked, in the debtor's words."""


def slot_rules(debtor: Debtor) -> SlotRules:
    return SlotRules(
        hours=debtor.contact_hours,
        minutes=settings.CALLBACK_SLOT_MINUTES,
        lead=dt.timedelta(minutes=settings.CALLBACK_LEAD_MINUTES),
        days_ahead=settings.CALLBACK_DAYS_AHEAD,
        effective_calls_per_day=settings.CONTACT_MAX_EFFECTIVE_CALLS_PER_DEBTOR,
        capacity=settings.CALLBACK_SLOT_CAPACITY,
    )


def open_slots(debtor: Debtor, *, now: dt.datetime) -> list[Slot]:
    """The slots ``debtor`` may book now: two queries, the debtor's calls that reached them
    in the days offered (by their day) and the callbacks booked in those days (by slot)."""
    tz = debtor_zone(debtor)
    rules = slot_rules(debtor)
    first, _end = contactrules.local_day(now, tz)
    last = first + dt.timedelta(days=rules.days_ahead + 1)
    effective: dict[dt.date, int] = {}
    calls = ContactRecord.objects.filter(
        debtor=debtor,
        at__gte=first,
        at__lt=last,
        direction=ContactDirection.OUTBOUND,
        channel=ContactChannel.PHONE,
        party=ContactParty.DEBTOR,
    ).exclude(outcome__in=FAILED_OUTCOMES)
    for at in calls.values_list("at", flat=True):
        day = at.astimezone(tz).date()
        effective[day] = effective.get(day, 0) + 1
    booked = {
        row["starts_at"]: row["count"]
        for row in Callback.objects.filter(
            status=CallbackStatus.REQUESTED, starts_at__gte=first, starts_at__lt=last
        )
        .values("starts_at")
        .annotate(count=Count("pk"))
    }
    return callbackslots.open_slots(
        now, tz, rules=rules, calendar=bank_calendar(), effective_calls=effective, booked=booked
    )


def open_callback(debtor: Debtor) -> Callback | None:
    return Callback.objects.filter(debtor=debtor, status=CallbackStatus.REQUESTED).first()


def _number(text: str) -> str:
    forms = phones.same_number_forms(text) if text.strip() else []
    if not forms:
        raise CallbackRefused(_("Please enter a phone number we can call, such as 138 0013 8000."))
    return forms[0]


def book_callback(
    debtor: Debtor,
    *,
    actor: User,
    starts_at: dt.datetime,
    phone: str,
    topic: str,
    note: str,
    now: dt.datetime,
    account: CreditAccount | None = None,
) -> Callback:
    """The debtor books the slot starting at ``starts_at``. Booked twice for the same slot
    (a double tap), the one call back already booked is returned. Raises
    ``CallbackRefused``: another call back already waiting, a number that is not one, a
    slot no longer open (filled meanwhile, too soon, outside the hours, a day whose calls
    are used up). The debtor's row and the slot are locked while the places are counted,
    so two debtors cannot both take the last place. Audited."""
    if topic not in CallbackTopic.values:
        raise CallbackRefused(_("Please choose what the call is about."))
    if account is not None and account.debtor_id != debtor.pk:
        raise ActionNotPermitted
    number = _number(phone)
    with transaction.atomic():
        locked = Debtor.objects.select_for_update().get(pk=debtor.pk)
        waiting = open_callback(locked)
        if waiting is not None:
            if waiting.starts_at == starts_at:
                return waiting
            raise CallbackRefused(
                _("You already have a call back booked. Cancel it first to choose another time.")
            )
        wait_for_lock(f"callback-slot:{starts_at.astimezone(dt.UTC):%Y%m%dT%H%M}")
        slot = next((s for s in open_slots(locked, now=now) if s.start == starts_at), None)
        if slot is None:
            raise CallbackRefused(
                _("That time is no longer free. Please choose another time from the list.")
            )
        callback = Callback.objects.create(
            debtor=locked,
            account=account,
            starts_at=slot.start,
            ends_at=slot.end,
            phone=number,
            topic=topic,
            note=note.strip(),
            booked_at=now,
        )
        record_event(
            callback,
            actor=actor,
            action=AuditAction.CALLBACK_BOOKED,
            after={
                "starts_at": slot.start,
                "ends_at": slot.end,
                "topic": topic,
                "account": account.reference if account else None,
                "request": None,
            },
        )
    return callback


def transition_callback(
    callback: Callback,
    to: str,
    *,
    actor: User,
    now: dt.datetime,
    contact: ContactRecord | None = None,
) -> Callback:
    """The only code that changes a call back's status: lock, check the move, audit."""
    with transaction.atomic():
        locked = Callback.objects.select_for_update().get(pk=callback.pk)
        if to not in CALLBACK_TRANSITIONS[locked.status]:
            raise TransitionNotAllowed
        before = {"status": locked.status}
        locked.status = to
        locked.closed_at = now
        fields = ["status", "closed_at"]
        if contact is not None:
            locked.contact = contact
            locked.handled_by = actor
            fields += ["contact", "handled_by"]
        locked.save(update_fields=fields)
        record_event(
            locked,
            actor=actor,
            action=AuditAction.CALLBACK_TRANSITION,
            before=before,
            after={"status": to, "contact": contact},
        )
    return locked


def cancel_callback(callback: Callback, *, actor: User, now: dt.datetime) -> Callback:
    """The debtor cancels their call back while it waits (``TransitionNotAllowed`` once it
    was made or missed)."""
    if callback.debtor.user_id != actor.pk:
        raise ActionNotPermitted
    return transition_callback(callback, CallbackStatus.CANCELLED, actor=actor, now=now)


def _may_call(actor: User) -> bool:
    return actor.is_staff and actor.has_perm(ADD_CONTACTRECORD)


def take_callback(callback: Callback, *, actor: User) -> Callback:
    """A staff member takes a waiting call back to make (from nobody, or from a colleague:
    the list shows who has it). Audited."""
    if not _may_call(actor):
        raise ActionNotPermitted
    with transaction.atomic():
        locked = Callback.objects.select_for_update().get(pk=callback.pk)
        if locked.status != CallbackStatus.REQUESTED:
            raise TransitionNotAllowed
        before = {"handled_by": locked.handled_by_id}
        locked.handled_by = actor
        locked.save(update_fields=["handled_by"])
        record_event(
            locked,
            actor=actor,
            action=AuditAction.CALLBACK_TAKEN,
            before=before,
            after={"handled_by": actor.pk},
        )
    return locked


def close_callback(
    callback: Callback,
    *,
    actor: User,
    outcome: str,
    note: str,
    now: dt.datetime,
    override_reason: str = "",
) -> Callback:
    """The staff member made the call: it is recorded as a contact (services.contacts,
    held to the contact rules: ``ContactRuleBroken`` when it breaks one) and the call back is
    done, or missed when the call reached no one. One transaction: the contact and the
    status are written together or not at all."""
    if not _may_call(actor):
        raise ActionNotPermitted
    with transaction.atomic():
        locked = (
            Callback.objects.select_for_update(of=("self",))
            .select_related("account", "request")
            .get(pk=callback.pk)
        )
        if locked.status != CallbackStatus.REQUESTED:
            raise TransitionNotAllowed
        contact = record_debtor_contact(
            locked.debtor_id,
            account=locked.account,
            request=locked.request,
            audit_on=locked,
            actor=actor,
            channel=ContactChannel.PHONE,
            direction=ContactDirection.OUTBOUND,
            outcome=outcome,
            note=note,
            at=now,
            phone=locked.phone,
            override_reason=override_reason,
        )
        to = CallbackStatus.MISSED if outcome in FAILED_OUTCOMES else CallbackStatus.DONE
        return transition_callback(locked, to, actor=actor, now=now, contact=contact)
