"""Contact records: every contact about a debtor, any channel, recorded by staff, held to
the contact rules (contactrules; DOMAIN.md, "Contact rules")."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models, transaction

from negotiation import contactrules, phones
from negotiation.contactrules import OVERRIDABLE, Contact, Limits
from negotiation.exceptions import (
    ActionNotPermitted,
    ContactRuleBroken,
    NoSecondStaff,
    NotAPhoneNumber,
)
from negotiation.models import (
    FAILED_OUTCOMES,
    AuditAction,
    CollectionAgency,
    ContactChannel,
    ContactDirection,
    ContactOutcome,
    ContactParty,
    ContactRecord,
    CreditAccount,
    Debtor,
    ReliefRequest,
    User,
)
from negotiation.roles import ADD_CONTACTRECORD, OVERRIDE_CONTACT_RULES, VIEW_RELIEFREQUEST
from negotiation.services.audit import record_event

_NUMBERED = (ContactChannel.PHONE, ContactChannel.SMS)


def contact_limits(debtor: Debtor) -> Limits:
    """The rules' numbers for ``debtor``: their own contact hours (inside 08:00-21:00) and
    the daily caps from the settings."""
    return Limits(
        hours=debtor.contact_hours,
        unanswered_calls_per_number=settings.CONTACT_MAX_UNANSWERED_CALLS_PER_NUMBER,
        effective_calls_per_debtor=settings.CONTACT_MAX_EFFECTIVE_CALLS_PER_DEBTOR,
        failed_calls_before_third_party=settings.CONTACT_FAILED_CALLS_BEFORE_THIRD_PARTY,
    )


def debtor_zone(debtor: Debtor) -> dt.tzinfo:
    """The debtor's time zone (Debtor.zone)."""
    return debtor.zone


def _as_contact(record: ContactRecord) -> Contact:
    return Contact(
        at=record.at,
        outbound=record.direction == ContactDirection.OUTBOUND,
        call=record.channel == ContactChannel.PHONE,
        to_debtor=record.party == ContactParty.DEBTOR,
        phone=record.phone,
        failed=record.outcome in FAILED_OUTCOMES,
        invalid_number=record.outcome == ContactOutcome.INVALID_NUMBER,
    )


def _number(text: str) -> str:
    """A number as stored: its first form (a mainland mobile without +86); "" for none."""
    if not text.strip():
        return ""
    forms = phones.same_number_forms(text)
    if not forms:
        raise NotAPhoneNumber
    return forms[0]


def record_contact(
    request: ReliefRequest,
    *,
    actor: User,
    channel: str,
    direction: str,
    outcome: str,
    note: str,
    at: dt.datetime,
    party: str = ContactParty.DEBTOR,
    phone: str = "",
    relay_only: bool = False,
    second_staff: User | None = None,
    override_reason: str = "",
    agency: CollectionAgency | None = None,
) -> ContactRecord:
    """Record a contact about ``request``: with its debtor, or with their emergency contact
    (``party``). ``phone``: the number called or texted (for the debtor, their number on
    file when empty); ``second_staff``: the colleague on a field visit; ``agency``: the
    authorised agency that made it on the bank's behalf, as it reported it.

    Only staff who may record contacts and may see the request (else ``ActionNotPermitted``).
    A contact that breaks a contact rule raises ``ContactRuleBroken`` naming each rule,
    unless the actor may override them (supervisors) and gives ``override_reason``; the rules
    about what the record says (a third party told only to call back, two staff on a visit)
    allow no exception. Bad input: ``NotAPhoneNumber``, ``NoSecondStaff``.

    The debtor's row is locked while the day's contacts are counted, so two staff recording
    at once cannot both pass the last allowed call. One audit row on the request:
    ``contact.recorded``, or ``contact.rules_overridden`` with the rules and the reason."""
    return record_debtor_contact(
        request.account.debtor_id,
        account=request.account,
        request=request,
        audit_on=request,
        actor=actor,
        channel=channel,
        direction=direction,
        outcome=outcome,
        note=note,
        at=at,
        party=party,
        phone=phone,
        relay_only=relay_only,
        second_staff=second_staff,
        override_reason=override_reason,
        agency=agency,
    )


def record_debtor_contact(
    debtor_id: int,
    *,
    account: CreditAccount | None,
    request: ReliefRequest | None,
    audit_on: models.Model,
    actor: User,
    channel: str,
    direction: str,
    outcome: str,
    note: str,
    at: dt.datetime,
    party: str = ContactParty.DEBTOR,
    phone: str = "",
    relay_only: bool = False,
    second_staff: User | None = None,
    override_reason: str = "",
    agency: CollectionAgency | None = None,
) -> ContactRecord:
    """Record a contact with the debtor ``debtor_id`` (record_contact's rules), about
    ``account`` and ``request`` when there are ones; the audit row goes on ``audit_on``
    (the request, or the call back the contact answers)."""
    if not (
        actor.is_staff and actor.has_perm(ADD_CONTACTRECORD) and actor.has_perm(VIEW_RELIEFREQUEST)
    ):
        raise ActionNotPermitted
    may_override = actor.has_perm(OVERRIDE_CONTACT_RULES)
    override_reason = override_reason.strip()
    if override_reason and not may_override:
        raise ActionNotPermitted
    if second_staff is not None and (
        second_staff.pk == actor.pk or not (second_staff.is_staff and second_staff.is_active)
    ):
        raise NoSecondStaff
    number = _number(phone) if channel in _NUMBERED else ""
    with transaction.atomic():
        # Locked first: every count below is of a debtor no one else is recording for.
        debtor = Debtor.objects.select_for_update().get(pk=debtor_id)
        if channel in _NUMBERED and not number and party == ContactParty.DEBTOR:
            number = _number(debtor.phone)
        tz = debtor_zone(debtor)
        limits = contact_limits(debtor)
        contact = Contact(
            at=at,
            outbound=direction == ContactDirection.OUTBOUND,
            call=channel == ContactChannel.PHONE,
            to_debtor=party == ContactParty.DEBTOR,
            phone=number,
            failed=outcome in FAILED_OUTCOMES,
            invalid_number=outcome == ContactOutcome.INVALID_NUMBER,
        )
        start, end = contactrules.local_day(at, tz)
        same_day = [_as_contact(r) for r in debtor.contacts.filter(at__gte=start, at__lt=end)]
        earlier = [
            _as_contact(r)
            for r in debtor.contacts.filter(party=ContactParty.DEBTOR, at__lt=at).order_by(
                "-at", "-id"
            )[: limits.failed_calls_before_third_party]
        ]
        broken = contactrules.broken_rules(
            contact,
            relay_only=relay_only,
            field_visit=channel == ContactChannel.IN_PERSON
            and direction == ContactDirection.OUTBOUND,
            second_staff=second_staff is not None,
            same_day=same_day,
            earlier=earlier,
            tz=tz,
            limits=limits,
        )
        overridable = all(rule in OVERRIDABLE for rule in broken)
        if broken and not (overridable and may_override and override_reason):
            raise ContactRuleBroken(
                [str(rule) for rule in broken],
                [contactrules.rule_message(rule, limits) for rule in broken],
                overridable=overridable,
                by_actor=may_override,
            )
        record = ContactRecord.objects.create(
            debtor=debtor,
            account=account,
            request=request,
            channel=channel,
            direction=direction,
            outcome=outcome,
            party=party,
            phone=number,
            relay_only=relay_only and party == ContactParty.THIRD_PARTY,
            second_staff=second_staff,
            override_reason=override_reason if broken else "",
            agency=agency,
            note=note,
            at=at,
            staff=actor,
        )
        after = {
            "contact": record,
            "channel": channel,
            "direction": direction,
            "outcome": outcome,
            "party": party,
            "at": at,
            "second_staff": second_staff,
            "agency": agency,
        }
        if broken:
            record_event(
                audit_on,
                actor=actor,
                action=AuditAction.CONTACT_RULES_OVERRIDDEN,
                after={**after, "rules": [str(rule) for rule in broken], "reason": override_reason},
            )
        else:
            record_event(audit_on, actor=actor, action=AuditAction.CONTACT_RECORDED, after=after)
    return record
