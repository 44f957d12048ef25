"""The audit trail's rows are keyed by the model's label, built by the one audit service."""

from __future__ import annotations

import pytest

from negotiation.models import AuditAction, AuditEvent
from negotiation.services.audit import record_event


@pytest.mark.django_db
def test_the_audit_key_is_the_model_label(account):
    event = record_event(
        account, actor=None, action=AuditAction.ACCOUNT_TRANSITION, after={"status": "x"}
    )
    assert (event.object_type, event.object_id) == ("negotiation.creditaccount", account.pk)
    assert AuditEvent.objects.get(pk=event.pk).object_reference == account.reference
