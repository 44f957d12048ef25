"""The collection agencies the bank authorises to contact debtors on its behalf, as bank
staff keep them in the staff site; debtors read the active ones on "Contacts from us"."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from negotiation.models import AuditAction, CollectionAgency, User
from negotiation.services.audit import record_event


def save_agency(
    agency: CollectionAgency, *, actor: User, changed_fields: Iterable[str]
) -> CollectionAgency:
    """Create or change an agency (validated by the admin's form); the audit row keeps the
    new value of every changed field."""
    with transaction.atomic():
        agency.save()
        record_event(
            agency,
            actor=actor,
            action=AuditAction.AGENCY_SAVED,
            after={name: getattr(agency, name) for name in changed_fields},
        )
    return agency
