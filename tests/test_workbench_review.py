"""Each defect a review of the workbench found, pinned so it cannot come back."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from negotiation.exceptions import (
    AlreadyAssigned,
    BalanceChanged,
    StaleObject,
    TransitionNotAllowed,
)
from negotiation.models import (
    ApprovalLimit,
    AuditEvent,
    CreditAccount,
    Message,
    Offer,
    ReliefRequest,
    RequestStatus,
)
from negotiation.roles import COMPLIANCE, SPECIALISTS
from negotiation.services.offers import decline_counter_offer
from negotiation.services.requests import (
    answer_question,
    approve_request,
    ask_for_information,
    claim_request,
)
from tests.conftest import staff_client
from tests.factories import make_account, make_installment_program, make_request, make_staff
from tests.admin.test_workbench import PDF, admin_url, counter

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_an_approval_after_a_declined_offer_checks_todays_balance(
    account, installment_program, specialist
):
    request = counter(make_request(account, installment_program), specialist)
    CreditAccount.objects.filter(pk=account.pk).update(principal=Decimal("7000.00"))  # a payment
    decline_counter_offer(request, actor=account.debtor.user, comment="Too long.")
    with pytest.raises(BalanceChanged):
        approve_request(request, actor=specialist, today=TODAY)


def test_compliance_never_sees_names_or_contact_details(
    debtor, account, installment_program, specialist
):
    counter(make_request(account, installment_program), specialist)
    compliance = staff_client(make_staff(COMPLIANCE))
    pages = [
        reverse("admin:negotiation_debtor_changelist"),
        reverse("admin:negotiation_debtor_change", args=[debtor.pk]),
        reverse("admin:negotiation_creditaccount_changelist"),
        reverse("admin:negotiation_creditaccount_change", args=[account.pk]),
        admin_url("change", ReliefRequest.objects.get()),
    ]
    for url in pages:
        page = compliance.get(url).content.decode()
        assert debtor.full_name not in page, url
        assert debtor.email not in page, url
    search = compliance.get(
        reverse("admin:negotiation_debtor_changelist"), {"q": "Alice"}
    ).content.decode()
    assert debtor.reference not in search  # no searching by name either


def test_debtor_replies_only_in_their_state(account, installment_program, specialist):
    request = counter(make_request(account, installment_program), specialist)
    with pytest.raises(TransitionNotAllowed):
        answer_question(request, actor=account.debtor.user, answer="?")
    asked = make_request(make_account(account.debtor, card_last4="7777"), installment_program)
    asked = ask_for_information(asked, actor=specialist, question="Payslip?")
    with pytest.raises(TransitionNotAllowed):
        decline_counter_offer(asked, actor=account.debtor.user, comment="no")
    assert Offer.objects.get(request=asked).status == "pending"  # the ask was not "declined"


def test_the_debtor_sees_the_offers_own_dates(debtor_client, account, specialist):
    program = make_installment_program(code="day-20", payment_day=20, first_due_min_days=15)
    request = counter(make_request(account, program), specialist)
    program.payment_day = 5
    program.save()
    page = debtor_client.get(
        reverse("negotiation:request_detail", args=[request.reference])
    ).content.decode()
    first_due = Offer.objects.get(request=request, kind="counter").due
    assert first_due.payment_day == 20
    assert re.search(r">20 \w+ \d{4}</dd>", page)  # 20 December 2026: the offer's own day


def test_the_request_page_does_not_grow_with_offers(
    account, installment_program, specialist, django_assert_max_num_queries
):
    request = make_request(account, installment_program)
    for _ in range(8):
        request = counter(request, specialist)
        request = decline_counter_offer(request, actor=account.debtor.user, comment="no")
    client = staff_client(specialist)
    with django_assert_max_num_queries(25):
        assert client.get(admin_url("change", request)).status_code == 200


def test_the_newest_messages_are_the_ones_shown(account, installment_program, specialist):
    request = make_request(account, installment_program)
    Message.objects.bulk_create(
        Message(request=request, author=specialist, body=f"note {i:03d}", internal=True)
        for i in range(210)
    )
    page = staff_client(specialist).get(admin_url("change", request)).content.decode()
    assert "note 209" in page
    assert "note 000" not in page


def test_supervisors_set_approval_limits_and_it_is_audited(supervisor, specialist):
    client = staff_client(supervisor)
    limit = ApprovalLimit.objects.get(user=specialist)
    url = reverse("admin:negotiation_approvallimit_change", args=[limit.pk])
    client.post(url, {"user": specialist.pk, "max_amount": "12000.00", "max_months": "18"})
    limit.refresh_from_db()
    assert (limit.max_amount, limit.max_months) == (Decimal("12000.00"), 18)
    assert AuditEvent.objects.get(action="approval_limit.changed").after["max_months"] == 18
    assert (
        staff_client(specialist)
        .post(url, {"user": specialist.pk, "max_amount": "1", "max_months": "60"})
        .status_code
        == 403
    )


def test_outside_the_programs_bounds_even_a_supervisor_needs_a_second(account, supervisor):
    program = make_installment_program(months_max=24)
    request = make_request(account, program, months=24)
    program.months_max = 12  # tightened after the request
    program.save()
    assert (
        approve_request(request, actor=supervisor, today=TODAY).status
        == RequestStatus.AWAITING_SECOND_APPROVAL
    )


def test_offers_are_in_the_audit_trail(account, installment_program, specialist):
    request = counter(make_request(account, installment_program), specialist)
    made = AuditEvent.objects.get(action="offer.made")
    assert (made.after["months"], made.actor) == (24, specialist)
    assert "24 fits better" in made.after["message"]
    settled = AuditEvent.objects.get(action="offer.settled")
    assert (settled.after["kind"], settled.after["status"]) == ("ask", "superseded")
    decline_counter_offer(request, actor=account.debtor.user, comment="no")
    assert AuditEvent.objects.filter(action="offer.settled", after__status="declined").exists()


def test_a_refused_answer_leaves_no_file_behind(debtor_client, account, installment_program):
    request = make_request(account, installment_program)  # not waiting for an answer
    before = sorted(Path(settings.PRIVATE_MEDIA_ROOT).rglob("*"))
    upload = SimpleUploadedFile("p.pdf", PDF, content_type="application/pdf")
    debtor_client.post(
        reverse("negotiation:request_answer", args=[request.reference]),
        {
            "answer": "x",
            "version": request.version,
            "document": upload,
            "document_kind": "income",
            "document_consent": "on",
        },
    )
    assert sorted(Path(settings.PRIVATE_MEDIA_ROOT).rglob("*")) == before


def test_a_counter_offer_cannot_expire_in_the_past(account, installment_program, specialist):
    request = make_request(account, installment_program)
    data = {
        "version": request.version,
        "months": "24",
        "grace_months": "0",
        "expires_on": (TODAY - dt.timedelta(days=1)).isoformat(),
        "message": "x",
        "send": "1",
    }
    page = staff_client(specialist).post(admin_url("counter", request), data).content.decode()
    assert "Choose a date from today to 60 days ahead." in page
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_an_expired_offer_shows_no_accept_button(
    debtor_client, account, installment_program, specialist
):
    request = counter(make_request(account, installment_program), specialist)
    Offer.objects.filter(request=request, kind="counter").update(
        expires_at=timezone.now() - dt.timedelta(hours=1)
    )
    page = debtor_client.get(
        reverse("negotiation:request_detail", args=[request.reference])
    ).content.decode()
    assert "can no longer be accepted" in page
    assert "Accept these terms" not in page


def test_claims_check_the_page_and_do_not_take_a_colleagues_request(
    account, installment_program, specialist
):
    request = claim_request(make_request(account, installment_program), actor=specialist)
    colleague = make_staff(SPECIALISTS)
    with pytest.raises(AlreadyAssigned):
        claim_request(request, actor=colleague, expected_version=request.version)
    with pytest.raises(StaleObject):
        claim_request(request, actor=specialist, expected_version=request.version - 1)


def test_an_answer_from_an_old_page_is_refused(account, installment_program, specialist):
    request = ask_for_information(
        make_request(account, installment_program), actor=specialist, question="?"
    )
    with pytest.raises(StaleObject):
        answer_question(
            request, actor=account.debtor.user, answer="x", expected_version=request.version - 1
        )


def test_the_answer_due_time_restarts_when_the_debtor_replies(
    account, installment_program, specialist
):
    request = ask_for_information(
        make_request(account, installment_program), actor=specialist, question="?"
    )
    ReliefRequest.objects.filter(pk=request.pk).update(due_by=timezone.now() - dt.timedelta(days=5))
    client = staff_client(specialist)
    breached = client.get(
        reverse("admin:negotiation_reliefrequest_changelist"), {"sla": "breached"}
    )
    assert request.reference not in breached.content.decode()  # waiting for the debtor
    answered = answer_question(request, actor=account.debtor.user, answer="Here.")
    assert answered.due_by > timezone.now()


def test_a_contact_cannot_be_recorded_in_the_future(account, installment_program, specialist):
    from negotiation.models import ContactRecord

    request = make_request(account, installment_program)
    later = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    data = {"channel": "phone", "direction": "outbound", "outcome": "spoke", "at": later}
    response = staff_client(specialist).post(admin_url("contact", request), data, follow=True)
    assert "A contact cannot be in the future." in response.content.decode()
    assert not ContactRecord.objects.exists()


def test_late_answers_are_escalated_once_to_the_supervisors(
    account, installment_program, specialist, supervisor
):
    from negotiation.services.requests import escalate_overdue_requests

    late = make_request(account, installment_program)
    waiting = ask_for_information(
        make_request(make_account(account.debtor, card_last4="8888"), installment_program),
        actor=specialist,
        question="?",
    )
    past = timezone.now() - dt.timedelta(hours=1)
    ReliefRequest.objects.filter(pk__in=[late.pk, waiting.pk]).update(due_by=past)
    assert (
        escalate_overdue_requests(now=timezone.now()) == 1
    )  # the one waiting on the debtor is not late
    assert escalate_overdue_requests(now=timezone.now()) == 0
    assert AuditEvent.objects.filter(action="request.escalated", object_id=late.pk).count() == 1
    page = (
        staff_client(supervisor)
        .get(reverse("admin:negotiation_reliefrequest_changelist"), {"sla": "escalated"})
        .content.decode()
    )
    assert late.reference in page
    assert waiting.reference not in page
