"""The retention job as beat and operations run it: the nightly task, the command with its
dry run, and its cost, which grows by one audit row per object purged and nothing else. The
rules themselves: tests/services/test_retention.py."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from negotiation.models import (
    AuditAction,
    AuditEvent,
    CreditAccount,
    Document,
    ReliefRequest,
    SupportNeed,
    SupportStatus,
)
from negotiation.services.documents import upload_document
from negotiation.services.requests import withdraw_request
from negotiation.services.retention import purge_expired_personal_data
from negotiation.services.support import SupportAnswer, say_support_need
from negotiation.tasks import purge_expired_personal_data as nightly
from tests.factories import PDF, make_account, make_request

pytestmark = pytest.mark.django_db


def closed_long_ago(account: CreditAccount, program, settings, documents: int = 1) -> ReliefRequest:
    """A request on ``account`` with ``documents`` documents, withdrawn longer ago than both
    retention periods."""
    user = account.debtor.user
    assert user is not None
    request: ReliefRequest = make_request(account, program)
    for _ in range(documents):
        upload_document(
            request,
            actor=user,
            upload=SimpleUploadedFile("p.pdf", PDF, content_type="application/pdf"),
            kind="income",
            consent=True,
        )
    withdraw_request(request, actor=user)
    long_ago = timezone.now() - dt.timedelta(days=settings.RETENTION_REQUEST_DAYS + 1)
    ReliefRequest.objects.filter(pk=request.pk).update(closed_at=long_ago)
    return request


def test_the_nightly_task_purges_and_says_how_much(settings, account, installment_program):
    closed_long_ago(account, installment_program, settings, documents=2)
    assert nightly.delay().get() == {
        "documents": 2,
        "requests": 1,
        "dry_run": False,
        "support_needs": 0,
    }
    assert nightly.delay().get() == {
        "documents": 0,
        "requests": 0,
        "dry_run": False,
        "support_needs": 0,
    }


def test_the_command_counts_in_a_dry_run_and_purges_without_one(
    settings, account, installment_program
):
    closed_long_ago(account, installment_program, settings)
    out = io.StringIO()
    call_command("purge_expired_personal_data", "--dry-run", stdout=out)
    assert "documents would be purged (dry run: nothing changed): 1" in out.getvalue()
    assert "requests' personal data would be purged (dry run: nothing changed): 1" in (
        out.getvalue()
    )
    assert not Document.objects.filter(removed_on__isnull=False).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.RETENTION_PURGED).exists()
    out = io.StringIO()
    call_command("purge_expired_personal_data", stdout=out)
    assert "documents purged: 1 (closed over RETENTION_DOCUMENT_DAYS=180 days ago)" in (
        out.getvalue()
    )
    assert "requests' personal data purged: 1" in out.getvalue()
    assert AuditEvent.objects.filter(action=AuditAction.RETENTION_PURGED).count() == 2


# Per run: the files left from an earlier failure (1); documents: the locked batch, its
# update, the files' update (3); requests: the locked batch, the message counts, the
# messages' update, the requests' update (4); and each batch's savepoint and its release
# (2 x 2, inside the test's transaction); extra support: the locked needs, and the
# savepoint and its release (3). Then one audit row per object purged.
PER_RUN = 15


@pytest.mark.parametrize("requests", [1, 4])
def test_the_job_costs_a_fixed_number_of_queries_and_one_per_object(
    settings, debtor, installment_program, django_assert_num_queries, requests
):
    for _ in range(requests):
        closed_long_ago(make_account(debtor), installment_program, settings, documents=2)
    with django_assert_num_queries(PER_RUN + requests * 3):
        run = purge_expired_personal_data(now=timezone.now())
    assert (run.documents, run.requests) == (requests * 2, requests)


def test_a_dry_run_costs_three_queries(
    settings, account, installment_program, django_assert_num_queries
):
    closed_long_ago(account, installment_program, settings, documents=3)
    with django_assert_num_queries(3):  # documents, requests, support needs
        purge_expired_personal_data(now=timezone.now(), dry_run=True)


def said_long_ago(debtor, settings, *, days: int) -> SupportNeed:
    """Extra support the debtor said ``days`` ago, with health and a note (consented)."""
    return say_support_need(
        debtor,
        actor=debtor.user,
        answer=SupportAnswer(health=True, resilience=True, note="Chemotherapy", consent=True),
        now=timezone.now() - dt.timedelta(days=days),
        ip=None,
    )


def test_extra_support_not_said_again_for_a_year_is_removed(settings, debtor, other_debtor):
    """PIPL Art. 19: kept RETENTION_SUPPORT_NEED_DAYS (365) after it was last said; then
    emptied like a withdrawal, the trail kept without its content."""
    assert settings.RETENTION_SUPPORT_NEED_DAYS == 365
    old = said_long_ago(debtor, settings, days=366)
    recent = said_long_ago(other_debtor, settings, days=364)
    assert purge_expired_personal_data(now=timezone.now(), dry_run=True).support_needs == 1
    assert purge_expired_personal_data(now=timezone.now()).support_needs == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, old.health, old.resilience, old.note, old.consented_at) == (
        SupportStatus.WITHDRAWN,
        False,
        False,
        "",
        None,
    )
    assert old.removed_on == timezone.localdate()
    assert recent.status == SupportStatus.ACTIVE
    row = AuditEvent.objects.get(action=AuditAction.RETENTION_PURGED)
    assert (row.object_type, row.object_id, row.actor) == ("negotiation.supportneed", old.pk, None)
    assert row.after["rule"] == "RETENTION_SUPPORT_NEED_DAYS"
    assert "Chemotherapy" not in str(row.after)
    assert purge_expired_personal_data(now=timezone.now()).support_needs == 0  # once


def test_the_command_names_the_support_rule(settings, debtor):
    said_long_ago(debtor, settings, days=400)
    out = io.StringIO()
    call_command("purge_expired_personal_data", stdout=out)
    assert "extra support purged: 1 (said over RETENTION_SUPPORT_NEED_DAYS=365 days ago)" in (
        out.getvalue()
    )
