"""Contact records: every contact with a debtor, any channel, recorded by staff."""

from __future__ import annotations

import datetime as dt

from negotiation.exceptions import ActionNotPermitted
from negotiation.models import ContactRecord, ReliefRequest, User
from negotiation.roles import ADD_CONTACTRECORD, VIEW_RELIEFREQUEST


def record_contact(
    request: ReliefRequest,
    *,
    actor: User,
    channel: str,
    direction: str,
    outcome: str,
    note: str,
    at: dt.datetime,
) -> ContactRecord:
    """Record a contact about ``request`` with its debtor (never anyone else). Only staff who
    may record contacts and may see the request: raises ``ActionNotPermitted``."""
    if not (
        actor.is_staff and actor.has_perm(ADD_CONTACTRECORD) and actor.has_perm(VIEW_RELIEFREQUEST)
    ):
        raise ActionNotPermitted
    return ContactRecord.objects.create(
        debtor=request.account.debtor,
        account=request.account,
        request=request,
        channel=channel,
        direction=direction,
        outcome=outcome,
        note=note,
        at=at,
        staff=actor,
    )
