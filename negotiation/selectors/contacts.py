"""What the debtor reads on "Contacts from us": the bank's record of its contacts with
them, in their words, and the agencies the bank has authorised to call on its behalf."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from negotiation.models import (
    CollectionAgency,
    ContactDirection,
    ContactOutcome,
    ContactParty,
    ContactRecord,
    Debtor,
    User,
)

# What came of a contact, as the debtor reads it (the staff site's words are for staff:
# "Debtor disputes the debt" is not how a bank speaks to a customer).
OUTCOME_FOR_DEBTOR: dict[str, Any] = {
    ContactOutcome.SPOKE: gettext_lazy("We spoke with you."),
    ContactOutcome.NO_ANSWER: gettext_lazy("No one answered."),
    ContactOutcome.LEFT_MESSAGE: gettext_lazy("We left you a message."),
    ContactOutcome.PROMISE_TO_PAY: gettext_lazy("You told us when you would pay."),
    ContactOutcome.DISPUTE: gettext_lazy("You told us you disagree with what we say you owe."),
    ContactOutcome.ASKED_NOT_TO_CALL: gettext_lazy("You asked us not to call you."),
    ContactOutcome.INVALID_NUMBER: gettext_lazy("We could not reach you on this number."),
    ContactOutcome.OTHER: gettext_lazy("We were in touch about your account."),
}


@dataclass(frozen=True)
class ContactLine:
    at: dt.datetime
    channel: str
    who: str
    what: str


def staff_display_name(user: User) -> str:
    """How a staff member is named to a debtor: their given name, never their username
    (a sign-in name is a key to an account, not a name); "our team" when there is none."""
    return user.first_name.strip() or _("Our collections team")


def contact_line(record: ContactRecord, *, language: str) -> ContactLine:
    """One contact as the debtor reads it. A call to their emergency contact is said as
    what it was (a request to pass on that we asked them to call), without the person's
    name or number; the staff's note is never shown."""
    if record.agency_id is not None and record.agency is not None:
        who = _("%(agency)s, on our behalf") % {"agency": record.agency.name_in(language)}
    else:
        who = staff_display_name(record.staff)
    if record.party == ContactParty.THIRD_PARTY:
        what = _(
            "We asked your emergency contact to ask you to call us. We told them nothing else."
        )
    elif record.direction == ContactDirection.INBOUND:
        what = _("You contacted us.")
    else:
        what = str(OUTCOME_FOR_DEBTOR.get(record.outcome, OUTCOME_FOR_DEBTOR[ContactOutcome.OTHER]))
    return ContactLine(at=record.at, channel=record.get_channel_display(), who=who, what=what)


def debtor_contacts(debtor: Debtor) -> QuerySet[ContactRecord]:
    """The debtor's own contact records, newest first."""
    return (
        ContactRecord.objects.filter(debtor=debtor)
        .select_related("staff", "agency")
        .order_by("-at", "-pk")
    )


def authorised_agencies(today: dt.date) -> list[CollectionAgency]:
    """The agencies authorised today: active, from their first day to their last."""
    return list(
        CollectionAgency.objects.filter(active=True, authorised_from__lte=today)
        .filter(Q(authorised_until__isnull=True) | Q(authorised_until__gte=today))
        .order_by("name", "pk")
    )
