"""The retention job (PIPL Art. 19): documents and the debtor's own words go once a request
has been over for the periods set, never sooner, never on an open request or a running plan,
and never the bank's records of the contract. First the clock: when a request closed and when
a plan ended, the moments the periods count from. Pages: tests/web and tests/admin; the
task, the command and its cost: tests/jobs/test_retention_job.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import threading
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.utils import timezone

from negotiation.exceptions import DocumentRefused
from negotiation.models import (
    AccountStatus,
    AuditAction,
    AuditEvent,
    CreditAccount,
    Document,
    Installment,
    Message,
    Payment,
    PlanStatus,
    RejectionReason,
    ReliefRequest,
    RepaymentPlan,
    RequestStatus,
    User,
)
from negotiation.models.documents import private_storage
from negotiation.models.plans import ENDED_PLAN_STATUSES, PLAN_TRANSITIONS
from negotiation.models.requests import CLOSED_REQUEST_STATUSES, REQUEST_TRANSITIONS
from negotiation.services.documents import upload_document
from negotiation.services.offers import expire_counter_offers
from negotiation.services.requests import (
    add_internal_note,
    answer_question,
    approve_request,
    ask_for_information,
    reject_request,
    withdraw_request,
)
from negotiation.services.retention import RetentionRun, purge_expired_personal_data
from tests.factories import PDF, add_audit_row, counter_offer, make_request, pay, sign_with_code
from tests.services.test_concurrency import run_together

pytestmark = pytest.mark.django_db


def closing_row(obj) -> AuditEvent:
    """The audit row of the move that closed ``obj`` (its last move)."""
    return AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=obj.pk, action__endswith=".transition"
    ).latest("at", "id")


# The clock ----------------------------------------------------------------------------------


def test_the_closed_statuses_are_those_no_move_leaves():
    left = {source for source, _target in REQUEST_TRANSITIONS}
    assert set(RequestStatus.values) - left == {*CLOSED_REQUEST_STATUSES, RequestStatus.APPROVED}
    assert {status for status, moves in PLAN_TRANSITIONS.items() if not moves} == set(
        ENDED_PLAN_STATUSES
    )


def test_each_way_a_request_closes_stamps_the_time_of_its_audit_row(
    account, other_account, installment_program, specialist
):
    withdrawn = withdraw_request(
        make_request(account, installment_program), actor=account.debtor.user
    )
    rejected = reject_request(
        make_request(account, installment_program),
        actor=specialist,
        reason_code="other",
        explanation="x",
    )
    offered = counter_offer(make_request(other_account, installment_program), specialist)
    assert expire_counter_offers(now=timezone.now() + dt.timedelta(days=30)) == 1
    expired = ReliefRequest.objects.get(pk=offered.pk)
    for closed, status in [
        (withdrawn, RequestStatus.WITHDRAWN),
        (rejected, RequestStatus.REJECTED),
        (expired, RequestStatus.EXPIRED),
    ]:
        closed.refresh_from_db()
        assert closed.status == status
        assert closed.closed_at == closing_row(closed).at


def test_an_open_or_approved_request_has_no_closing_time(account, active_plan):
    # Approved: its relief runs with the plan, which has not ended.
    assert active_plan.request.status == RequestStatus.APPROVED
    assert active_plan.request.closed_at is None
    assert active_plan.ended_at is None


def test_a_plan_that_ends_is_stamped_with_the_time_of_its_audit_row(account, active_plan):
    for n, installment in enumerate(active_plan.installments.order_by("number"), start=1):
        pay(account, str(installment.amount), external_id=f"PAY-{n}", paid_on=installment.due_date)
    active_plan.refresh_from_db()
    assert active_plan.status == PlanStatus.COMPLETED
    assert active_plan.ended_at == closing_row(active_plan).at


def test_rows_closed_before_the_migration_take_the_time_of_their_last_move(
    account, other_account, installment_program, specialist
):
    migration = importlib.import_module("negotiation.migrations.0041_closure_moments")
    traced = make_request(account, installment_program)
    ReliefRequest.objects.filter(pk=traced.pk).update(status=RequestStatus.WITHDRAWN)
    row = add_audit_row(traced, account.debtor.user, RequestStatus.WITHDRAWN)
    untraced = make_request(other_account, installment_program)
    ReliefRequest.objects.filter(pk=untraced.pk).update(status=RequestStatus.REJECTED)
    before = timezone.now()
    migration.stamp_closed_rows(apps, None)
    traced.refresh_from_db()
    untraced.refresh_from_db()
    assert traced.closed_at == row.at
    # No closing move on record: the clock starts at the migration, never earlier.
    assert untraced.closed_at is not None
    assert before - dt.timedelta(seconds=1) <= untraced.closed_at <= timezone.now()


# The job ------------------------------------------------------------------------------------

STATEMENT = "My husband fell ill in March and I care for him at home."


def owner(request: ReliefRequest) -> User:
    user = request.account.debtor.user
    assert user is not None
    return user


def upload(request: ReliefRequest, name: str = "Alice-payslip-March.pdf") -> Document:
    return upload_document(
        request,
        actor=owner(request),
        upload=SimpleUploadedFile(name, PDF, content_type="application/pdf"),
        kind="income",
        consent=True,
    )


def closed_at(request: ReliefRequest, moment: dt.datetime) -> ReliefRequest:
    """``request`` withdrawn by its debtor, as if on ``moment``."""
    withdraw_request(request, actor=owner(request))
    ReliefRequest.objects.filter(pk=request.pk).update(closed_at=moment)
    request.refresh_from_db()
    return request


def with_statement(request: ReliefRequest) -> ReliefRequest:
    ReliefRequest.objects.filter(pk=request.pk).update(hardship_statement=STATEMENT)
    request.refresh_from_db()
    return request


def stored(document: Document) -> bool:
    return private_storage().exists(document.file.name or "") if document.file.name else False


def document_days(settings) -> dt.timedelta:
    return dt.timedelta(days=settings.RETENTION_DOCUMENT_DAYS)


def request_days(settings) -> dt.timedelta:
    return dt.timedelta(days=settings.RETENTION_REQUEST_DAYS)


def test_documents_go_once_the_period_has_passed_and_not_a_moment_before(
    settings, account, installment_program
):
    now = timezone.now()
    cutoff = now - document_days(settings)
    requests = {}
    for name, moment in [
        ("a day before", cutoff + dt.timedelta(days=1)),
        ("exactly at it", cutoff),
        ("just past it", cutoff - dt.timedelta(microseconds=1)),
        ("long past it", cutoff - dt.timedelta(days=400)),
    ]:
        request = make_request(account, installment_program)
        document = upload(request)
        requests[name] = (closed_at(request, moment), document)
    assert purge_expired_personal_data(now=now).documents == 2
    for name, (_request, document) in requests.items():
        name_on_disk = document.file.name
        document.refresh_from_db()
        if name in ("a day before", "exactly at it"):
            assert document.removed_on is None, name
            assert stored(document), name
            assert document.original_name == "Alice-payslip-March.pdf"
        else:
            assert document.removed_on == timezone.localdate(now), name
            assert not private_storage().exists(str(name_on_disk)), name
            assert (document.file.name, document.original_name) == ("", "")
            # The record that it came stays: its kind, size, fingerprint, consent.
            assert document.kind == "income"
            assert (document.size, document.sha256) == (len(PDF), hashlib.sha256(PDF).hexdigest())
            assert document.consent_given_at is not None


def test_open_requests_and_running_plans_are_never_purged(
    settings, account, other_account, installment_program, specialist
):
    open_request = with_statement(make_request(account, installment_program))
    open_document = upload(open_request)
    approved = make_request(other_account, installment_program)
    approved_document = upload(approved)
    plan = approve_request(approved, actor=specialist, today=timezone.localdate()).plan
    far_future = timezone.now() + dt.timedelta(days=20 * 365)
    assert purge_expired_personal_data(now=far_future) == RetentionRun(documents=0, requests=0)
    sign_with_code(plan)
    assert purge_expired_personal_data(now=far_future) == RetentionRun(documents=0, requests=0)
    for document in (open_document, approved_document):
        document.refresh_from_db()
        assert document.removed_on is None
        assert stored(document)
    open_request.refresh_from_db()
    assert open_request.hardship_statement == STATEMENT
    assert not AuditEvent.objects.filter(action=AuditAction.RETENTION_PURGED).exists()


def test_an_approved_request_is_over_once_its_plan_has_ended(
    settings, account, installment_program, specialist
):
    request = make_request(account, installment_program)
    document = upload(request)
    plan = approve_request(request, actor=specialist, today=timezone.localdate()).plan
    now = timezone.now()
    for status in (PlanStatus.AWAITING_SIGNATURE, PlanStatus.ACTIVE):
        RepaymentPlan.objects.filter(pk=plan.pk).update(status=status, ended_at=None)
        assert purge_expired_personal_data(now=now + 2 * request_days(settings)).documents == 0
    ended = now - request_days(settings) - dt.timedelta(days=1)
    RepaymentPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.BROKEN, ended_at=ended)
    assert purge_expired_personal_data(now=now) == RetentionRun(documents=1, requests=1)
    document.refresh_from_db()
    assert document.removed_on is not None
    event = AuditEvent.objects.get(action=AuditAction.RETENTION_PURGED, object_id=request.pk)
    assert event.after["closed_at"] == ended.isoformat()


def test_an_account_in_dispute_holds_the_purge(settings, account, installment_program):
    now = timezone.now()
    request = with_statement(make_request(account, installment_program))
    document = upload(request)
    closed_at(request, now - request_days(settings) - dt.timedelta(days=1))
    CreditAccount.objects.filter(pk=account.pk).update(status=AccountStatus.DISPUTED)
    assert purge_expired_personal_data(now=now) == RetentionRun(documents=0, requests=0)
    CreditAccount.objects.filter(pk=account.pk).update(status=AccountStatus.IN_ARREARS)
    assert purge_expired_personal_data(now=now) == RetentionRun(documents=1, requests=1)
    document.refresh_from_db()
    assert document.removed_on is not None


def test_the_debtors_words_and_figures_go_and_the_decision_stays(
    settings, account, installment_program, specialist
):
    now = timezone.now()
    request = with_statement(make_request(account, installment_program))
    ask_for_information(request, actor=specialist, question="Could you send your payslip?")
    answer_question(request, actor=account.debtor.user, answer="My employer pays in cash.")
    add_internal_note(request, actor=specialist, body="Spoke to her; caring for her husband.")
    rejected = reject_request(
        request,
        actor=specialist,
        reason_code=RejectionReason.AFFORDABILITY,
        explanation="With your husband's care costs the payments would not leave enough.",
    )
    ReliefRequest.objects.filter(pk=request.pk).update(
        closed_at=now - request_days(settings), recommendation="Recommend 24 months."
    )
    assert purge_expired_personal_data(now=now).requests == 0  # not older than the period yet
    ReliefRequest.objects.filter(pk=request.pk).update(
        closed_at=now - request_days(settings) - dt.timedelta(seconds=1)
    )
    assert purge_expired_personal_data(now=now).requests == 1
    purged = ReliefRequest.objects.get(pk=request.pk)
    assert purged.personal_data_removed_on == timezone.localdate(now)
    assert (purged.hardship_statement, purged.decision_note, purged.recommendation) == ("", "", "")
    assert (purged.monthly_income, purged.monthly_expenses, purged.dependents) == (
        Decimal("0.00"),
        Decimal("0.00"),
        0,
    )
    assert list(Message.objects.filter(request=request).values_list("body", flat=True)) == [
        "",
        "",
        "",
    ]
    # What the statistics and the bank's records read stays as it was.
    for field in (
        "status",
        "kind",
        "program_id",
        "hardship_reason",
        "decision_reason_code",
        "decided_by_id",
        "decided_at",
        "submitted_at",
        "amount",
        "months",
        "monthly_amount",
        "snapshot_principal",
        "days_past_due_at_submission",
    ):
        assert getattr(purged, field) == getattr(rejected, field), field
    assert purged.version == rejected.version + 1
    assert purged.offers.count() == 1


def test_the_plan_its_agreement_payments_and_the_audit_trail_are_kept(
    settings, account, active_plan
):
    for n, installment in enumerate(active_plan.installments.order_by("number"), start=1):
        pay(account, str(installment.amount), external_id=f"PAY-{n}", paid_on=installment.due_date)
    active_plan.refresh_from_db()
    active_plan.agreement_pdf.save("signed.pdf", ContentFile(PDF))
    ended = active_plan.ended_at - request_days(settings) - dt.timedelta(days=1)
    RepaymentPlan.objects.filter(pk=active_plan.pk).update(ended_at=ended)
    plan_before = RepaymentPlan.objects.values().get(pk=active_plan.pk)
    installments = list(Installment.objects.filter(plan=active_plan).values())
    payments = list(Payment.objects.filter(account=account).values())
    trail = list(AuditEvent.objects.values())
    assert purge_expired_personal_data(now=timezone.now()).requests == 1
    assert RepaymentPlan.objects.values().get(pk=active_plan.pk) == plan_before
    assert private_storage().exists(str(active_plan.agreement_pdf.name))
    assert list(Installment.objects.filter(plan=active_plan).values()) == installments
    assert list(Payment.objects.filter(account=account).values()) == payments
    # Every earlier row as it was, and one more: the purge's own.
    assert list(AuditEvent.objects.values())[1:] == trail


def test_each_purge_leaves_one_audit_row_naming_the_rule_never_the_content(
    settings, account, installment_program
):
    now = timezone.now()
    request = with_statement(make_request(account, installment_program))
    first, second = upload(request), upload(request, "Alice-diagnosis.png")
    closed_at(request, now - request_days(settings) - dt.timedelta(days=1))
    purge_expired_personal_data(now=now)
    rows = AuditEvent.objects.filter(action=AuditAction.RETENTION_PURGED).order_by("id")
    assert [(row.object_type, row.object_reference) for row in rows] == [
        ("negotiation.document", first.reference),
        ("negotiation.document", second.reference),
        ("negotiation.reliefrequest", request.reference),
    ]
    assert request.closed_at is not None
    closed = request.closed_at.isoformat()
    assert rows[0].after == {
        "rule": "RETENTION_DOCUMENT_DAYS",
        "days": settings.RETENTION_DOCUMENT_DAYS,
        "closed_at": closed,
        "request": request.reference,
        "removed": ["file", "original_name"],
    }
    assert rows[2].after == {
        "rule": "RETENTION_REQUEST_DAYS",
        "days": settings.RETENTION_REQUEST_DAYS,
        "closed_at": closed,
        "removed": [
            "hardship_statement",
            "monthly_income",
            "monthly_expenses",
            "dependents",
            "recommendation",
            "decision_note",
            "messages",
        ],
        "messages": 0,
    }
    for row in rows:
        assert (row.actor, row.actor_label, row.actor_role, row.before) == (None, "system", "", {})
        assert "Alice" not in str(row.after)
        assert STATEMENT not in str(row.after)


def test_a_dry_run_counts_and_changes_nothing(settings, account, installment_program):
    now = timezone.now()
    request = with_statement(make_request(account, installment_program))
    document = upload(request)
    closed_at(request, now - request_days(settings) - dt.timedelta(days=1))
    before = (
        list(ReliefRequest.objects.values()),
        list(Document.objects.values()),
        AuditEvent.objects.count(),
    )
    assert purge_expired_personal_data(now=now, dry_run=True) == RetentionRun(
        documents=1, requests=1, dry_run=True
    )
    after = (
        list(ReliefRequest.objects.values()),
        list(Document.objects.values()),
        AuditEvent.objects.count(),
    )
    assert after == before
    assert stored(document)


def test_a_second_run_finds_nothing_more(settings, account, installment_program):
    now = timezone.now()
    request = make_request(account, installment_program)
    upload(request)
    closed_at(request, now - request_days(settings) - dt.timedelta(days=1))
    assert purge_expired_personal_data(now=now) == RetentionRun(documents=1, requests=1)
    rows = AuditEvent.objects.count()
    assert purge_expired_personal_data(now=now) == RetentionRun(documents=0, requests=0)
    assert purge_expired_personal_data(now=now, dry_run=True).documents == 0
    assert AuditEvent.objects.count() == rows


def test_a_file_the_storage_could_not_delete_is_tried_again_next_run(
    settings, account, installment_program, monkeypatch, caplog
):
    now = timezone.now()
    request = make_request(account, installment_program)
    document = upload(request)
    name = str(document.file.name)
    closed_at(request, now - document_days(settings) - dt.timedelta(days=1))
    storage = private_storage()
    delete = storage.delete

    def unavailable(name: str) -> None:
        raise OSError("storage unavailable")

    monkeypatch.setattr(storage, "delete", unavailable)
    assert purge_expired_personal_data(now=now).documents == 1
    document.refresh_from_db()
    assert document.removed_on is not None  # never offered again
    assert document.file.name == name  # and still known, to be deleted
    assert storage.exists(name)
    assert "is not deleted yet" in caplog.text
    monkeypatch.setattr(storage, "delete", delete)
    assert purge_expired_personal_data(now=now).documents == 0
    document.refresh_from_db()
    assert document.file.name == ""
    assert not storage.exists(name)


def test_removed_documents_no_longer_count_against_the_quotas(
    settings, account, installment_program
):
    settings.DOCUMENTS_PER_DEBTOR = 1
    now = timezone.now()
    old = make_request(account, installment_program)
    upload(old)
    closed_at(old, now - document_days(settings) - dt.timedelta(days=1))
    new = make_request(account, installment_program)
    with pytest.raises(DocumentRefused):
        upload(new)
    purge_expired_personal_data(now=now)
    assert upload(new).removed_on is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_runs_at_once_purge_each_object_once_and_pass_over_a_request_staff_hold(
    settings, account, other_account, installment_program
):
    now = timezone.now()
    over = now - request_days(settings) - dt.timedelta(days=1)
    held = make_request(account, installment_program)
    upload(held)
    closed_at(held, over)
    free = make_request(other_account, installment_program)
    upload(free)
    closed_at(free, over)
    locked, release = threading.Event(), threading.Event()

    def colleague_holds_the_request() -> None:
        # The row lock every request service takes (services.requests.locked_request).
        try:
            with transaction.atomic():
                ReliefRequest.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    colleague = threading.Thread(target=colleague_holds_the_request)
    colleague.start()
    assert locked.wait(10)
    runs = run_together(
        lambda: purge_expired_personal_data(now=now), lambda: purge_expired_personal_data(now=now)
    )
    release.set()
    colleague.join(10)
    finished = [run for run in runs if isinstance(run, RetentionRun)]
    assert len(finished) == 2, runs
    assert sum(run.documents for run in finished) == 2  # a document's own row is not held
    assert sum(run.requests for run in finished) == 1  # the held request waits for the next run
    assert purge_expired_personal_data(now=now) == RetentionRun(documents=0, requests=1)
    purged = AuditEvent.objects.filter(action=AuditAction.RETENTION_PURGED)
    assert purged.count() == 4
    assert purged.values("object_type", "object_id").distinct().count() == 4
