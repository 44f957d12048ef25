"""The audit trail's rows are keyed by the model's label, built by the one audit service."""

from __future__ import annotations

import pytest
from django.db import connection

from negotiation.models import AuditAction, AuditEvent
from negotiation.services.audit import record_event


@pytest.mark.django_db
def test_the_audit_key_is_the_model_label(account):
    event = record_event(
        account, actor=None, action=AuditAction.ACCOUNT_TRANSITION, after={"status": "x"}
    )
    assert (event.object_type, event.object_id) == ("negotiation.creditaccount", account.pk)
    assert AuditEvent.objects.get(pk=event.pk).object_reference == account.reference


ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's"
)


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "rewrite",
    [
        lambda pk: AuditEvent.objects.filter(pk=pk).update(actor_label="someone else"),
        lambda pk: AuditEvent.objects.filter(pk=pk).delete(),
        "UPDATE negotiation_auditevent SET after = '{}'::jsonb WHERE id = %s",
        "DELETE FROM negotiation_auditevent WHERE id = %s",
    ],
    ids=["queryset-update", "queryset-delete", "sql-update", "sql-delete"],
)
def test_no_audit_row_can_be_rewritten_or_removed(account, rewrite):
    from django.db import DatabaseError, transaction

    event = record_event(
        account, actor=None, action=AuditAction.ACCOUNT_TRANSITION, after={"status": "x"}
    )

    def attempt() -> None:
        if isinstance(rewrite, str):
            with connection.cursor() as cursor:
                cursor.execute(rewrite, [event.pk])
        else:
            rewrite(event.pk)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        attempt()
    kept = AuditEvent.objects.get(pk=event.pk)
    assert (kept.actor_label, kept.after) == ("system", {"status": "x"})


@pytest.mark.django_db
def test_an_event_records_the_actors_role_and_the_request(client, account):
    from negotiation.requestid import current_request_id
    from tests.factories import make_debtor, make_staff

    staff, debtor = make_staff("Bank staff"), make_debtor()
    token = current_request_id.set("req-0123456789")
    try:
        by_staff = record_event(account, actor=staff, action=AuditAction.ACCOUNT_TRANSITION)
        by_debtor = record_event(account, actor=debtor.user, action=AuditAction.ACCOUNT_TRANSITION)
    finally:
        current_request_id.reset(token)
    by_system = record_event(account, actor=None, action=AuditAction.ACCOUNT_TRANSITION)
    assert [e.actor_role for e in (by_staff, by_debtor, by_system)] == ["staff", "debtor", ""]
    assert [e.request_id for e in (by_staff, by_system)] == ["req-0123456789", ""]
    assert by_debtor.actor_label == debtor.reference.lower()  # never an email


@pytest.mark.django_db
def test_every_response_carries_its_request_id(client):
    from negotiation.requestid import HEADER

    fresh = client.get("/healthz")
    assert len(fresh[HEADER]) == 32
    given = client.get("/healthz", headers={HEADER: "proxy-trace-0001"})
    assert given[HEADER] == "proxy-trace-0001"
    odd = client.get("/healthz", headers={HEADER: "<script>"})
    assert odd[HEADER] != "<script>"
