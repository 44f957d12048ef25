"""Relief programs: configured by supervisors in the admin, every change audited."""

from __future__ import annotations

from django.db import transaction

from negotiation.models import AuditAction, Program, User
from negotiation.services.audit import record_event


def save_program(program: Program, *, actor: User, changed_fields: list[str]) -> Program:
    """Create or change ``program`` (already validated by ``full_clean``) and audit it.

    The audit row keeps the new value of every changed field, so the history of what the
    bank offered, and when, can be read back.
    """
    created = program.pk is None
    with transaction.atomic():
        program.save()
        record_event(
            program,
            actor=actor,
            action=AuditAction.PROGRAM_CREATED if created else AuditAction.PROGRAM_CHANGED,
            after={name: getattr(program, name) for name in changed_fields},
        )
    return program
