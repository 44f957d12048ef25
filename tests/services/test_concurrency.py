"""Races on real PostgreSQL: two people acting at once produce exactly one result."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from negotiation.exceptions import CodeNotSentYet, ContactRuleBroken, ServiceError
from negotiation.models import (
    AuditAction,
    AuditEvent,
    CodePurpose,
    ContactRecord,
    Document,
    OneTimeCode,
    ReliefRequest,
    RepaymentPlan,
    RequestStatus,
)
from negotiation.policy import Choices
from negotiation.services.codes import send_code
from negotiation.services.contacts import record_contact
from negotiation.services.documents import upload_document
from negotiation.services.requests import approve_request, reject_request, submit_request
from tests.factories import (
    HARDSHIP,
    PASSWORD,
    PDF,
    give_a_mobile_number,
    last_sms_code,
    make_account,
    make_request,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def run_together(*actions: Callable[[], object]) -> list[object]:
    """Start every action at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def runner(index: int, action: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = action()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_specialists_deciding_at_once_make_one_decision(
    account, installment_program, specialist, supervisor
):
    request = make_request(account, installment_program)
    version = request.version
    results = run_together(
        lambda: approve_request(
            request, actor=specialist, today=timezone.localdate(), expected_version=version
        ),
        lambda: reject_request(
            request,
            actor=supervisor,
            reason_code="other",
            explanation="No.",
            expected_version=version,
        ),
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], ServiceError), results
    request.refresh_from_db()
    assert request.status in (RequestStatus.APPROVED, RequestStatus.REJECTED)
    assert RepaymentPlan.objects.filter(request=request).count() == (
        request.status == RequestStatus.APPROVED
    )


def test_two_submissions_at_once_leave_one_open_request(account, installment_program):
    def submit() -> object:
        return submit_request(
            account,
            actor=account.debtor.user,
            program=installment_program,
            choices=Choices(months=12),
            hardship=HARDSHIP,
            now=timezone.now(),
        )

    results = run_together(submit, submit, submit)
    assert sum(isinstance(r, ReliefRequest) for r in results) == 1, results
    assert all(isinstance(r, (ReliefRequest, ServiceError)) for r in results), results
    assert ReliefRequest.objects.filter(account=account).count() == 1


def test_twenty_approvals_at_once_make_one_decision(
    account, installment_program, specialist, supervisor
):
    """Twenty clicks on Approve at the same moment (from the same page, so the same
    version): exactly one approval, one approving audit row, one plan, no server error."""
    from negotiation.models import AuditEvent, RepaymentPlan

    request = make_request(account, installment_program)
    version = request.version
    deciders = [specialist, supervisor] * 10
    results = run_together(
        *[
            (
                lambda who=who: approve_request(
                    request, actor=who, today=timezone.localdate(), expected_version=version
                )
            )
            for who in deciders
        ]
    )
    approvals = [r for r in results if isinstance(r, ReliefRequest)]
    refusals = [r for r in results if isinstance(r, ServiceError)]
    assert len(approvals) == 1, results
    assert len(refusals) == 19, results  # every other click is told, none crashes
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    approving = AuditEvent.objects.filter(
        object_id=request.pk, action="request.transition", after__status="approved"
    )
    assert approving.count() == 1
    assert RepaymentPlan.objects.filter(request=request).count() == 1


def test_two_uploads_at_once_to_two_requests_keep_the_debtor_s_limit(
    debtor, installment_program, settings
):
    """The per-debtor cap spans requests: locking each request alone let two uploads to two
    requests of one debtor both pass the count; the debtor's row is the lock."""
    settings.DOCUMENTS_PER_DEBTOR = 1
    requests = [
        make_request(make_account(debtor, card_last4=last4), installment_program)
        for last4 in ("1111", "2222")
    ]

    def upload(request: ReliefRequest) -> Callable[[], object]:
        def send() -> object:
            with transaction.atomic():
                # Hold the transaction open a moment after counting, as a slow disk would.
                found = upload_document(
                    request,
                    actor=debtor.user,
                    upload=SimpleUploadedFile("p.pdf", PDF, content_type="application/pdf"),
                    kind="income",
                    consent=True,
                )
                time.sleep(0.3)
                return found

        return send

    results = run_together(*(upload(request) for request in requests))
    assert sum(isinstance(r, Document) for r in results) == 1, results
    assert all(isinstance(r, (Document, ServiceError)) for r in results), results
    assert Document.objects.count() == 1


def test_two_staff_recording_the_last_allowed_call_at_once_pass_only_one(
    account, installment_program, specialist, supervisor
):
    """The debtor's row is locked while the day's calls are counted: without it both would
    count two and both record a third call that reached the debtor."""
    account.debtor.timezone = "Asia/Shanghai"
    account.debtor.save()
    request = make_request(account, installment_program)
    when = dt.datetime(2026, 3, 10, 10, tzinfo=ZoneInfo("Asia/Shanghai"))

    def call(actor) -> object:
        return record_contact(
            request,
            actor=actor,
            channel="phone",
            direction="outbound",
            outcome="spoke",
            note="",
            at=when,
        )

    call(specialist)
    call(specialist)
    results = run_together(lambda: call(specialist), lambda: call(supervisor))
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], ContactRuleBroken), results
    assert ContactRecord.objects.count() == 3


def test_a_code_asked_for_twice_at_once_is_texted_once(account, sms_outbox):
    """A button tapped twice sends two requests at once: one code, one text message."""
    debtor = account.debtor
    give_a_mobile_number(debtor)
    now = timezone.now()
    results = run_together(
        lambda: send_code(debtor, purpose=CodePurpose.SIGNING, now=now),
        lambda: send_code(debtor, purpose=CodePurpose.SIGNING, now=now),
    )
    assert sum(isinstance(r, OneTimeCode) for r in results) == 1, results
    assert sum(isinstance(r, CodeNotSentYet) for r in results) == 1, results
    assert OneTimeCode.objects.filter(debtor=debtor).count() == 1
    assert len(sms_outbox) == 1


def test_the_signing_code_sent_twice_at_once_signs_once_and_both_taps_land_on_the_signed_plan(
    account, installment_program, specialist, sms_outbox
):
    """The code's button tapped twice: two requests with one session at once. One signs;
    the other finds the code used up, sees the plan signed and says so instead of
    "this code can no longer be used"."""
    give_a_mobile_number(account.debtor)
    request = make_request(account, installment_program, months=6)
    plan = approve_request(request, actor=specialist, today=timezone.localdate()).plan
    first = Client()
    first.force_login(account.debtor.user)
    url = reverse("negotiation:plan_detail", args=[plan.reference])
    first.post(url, {"step": "consent", "consent_terms": "on", "password": PASSWORD})
    code = last_sms_code()
    second = Client()
    second.cookies = first.cookies  # the same browser: one session
    results = run_together(
        lambda: first.post(url, {"step": "code", "code": code}, follow=True),
        lambda: second.post(url, {"step": "code", "code": code}, follow=True),
    )
    pages = [r.content.decode() for r in results if isinstance(r, HttpResponse)]
    assert len(pages) == 2, results
    # Both land on the signed plan, neither with an error; the one message "signed" is read
    # by whichever page asks first (the two share the browser's cookies).
    for page in pages:
        assert 'data-testid="signing-code-form"' not in page
        assert "can no longer be used" not in page
        assert "not the one we sent" not in page
    assert any("Your plan is signed and active" in page for page in pages)
    plan.refresh_from_db()
    assert plan.status == "active"
    signed = AuditEvent.objects.filter(
        action=AuditAction.PLAN_TRANSITION, after__status="active", object_id=plan.pk
    )
    assert signed.count() == 1


def test_a_change_s_code_sent_twice_at_once_signs_once_and_the_second_finds_it_signed(
    account, specialist, sms_outbox
):
    """The change's signing code tapped twice: two submissions at once. One signs; the other
    waits for the first (the rows are locked from the code's check to the signature, as for
    a plan) and finds the change signed (TransitionNotAllowed), never a code used up by
    the first (CodeNoLongerValid, audited as a refused try)."""
    from negotiation.exceptions import CodeNoLongerValid, TransitionNotAllowed
    from negotiation.models import AmendmentKind, AmendmentStatus, PlanAmendment
    from negotiation.services.planchanges import propose_change, sign_change, start_change_signing
    from tests.factories import at_noon, make_active_plan, make_installment_program

    give_a_mobile_number(account.debtor)
    # As in tests/services/test_plan_changes.py: agreed on 10 January 2027, paid on the 10th,
    # the day moved to the 25th on 20 January.
    start = dt.date(2027, 1, 10)
    program = make_installment_program(payment_day=10, allows_move_to_end=True)
    plan = make_active_plan(account, program, specialist, months=6, today=start, now=at_noon(start))
    actor = account.debtor.user
    now = at_noon(dt.date(2027, 1, 20))
    amendment = propose_change(
        RepaymentPlan.objects.get(pk=plan.pk),
        actor=actor,
        kind=AmendmentKind.PAYMENT_DAY,
        new_day=25,
        now=now,
    )
    code = start_change_signing(
        amendment, actor=actor, password=PASSWORD, agreement_text="v", ip=None, now=now
    )
    entered = last_sms_code()

    def tap():
        return sign_change(
            PlanAmendment.objects.get(pk=amendment.pk),
            actor=actor,
            code_id=code.pk,
            entered=entered,
            agreement_text="v",
            ip="203.0.113.9",
            user_agent="test",
            now=now,
        )

    results = run_together(tap, tap)
    signed = [r for r in results if isinstance(r, PlanAmendment)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(signed) == 1, results
    assert len(refused) == 1, results
    assert isinstance(refused[0], TransitionNotAllowed), results
    assert not isinstance(refused[0], CodeNoLongerValid)
    assert PlanAmendment.objects.get(pk=amendment.pk).status == AmendmentStatus.SIGNED
    assert not AuditEvent.objects.filter(action=AuditAction.PLAN_SIGNING_CODE_WRONG).exists()
