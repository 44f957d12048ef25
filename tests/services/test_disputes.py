"""Disputes: opened by the debtor (one at a time on an account), the account on hold while
open (no reminders, no plan broken or expired, no relief decision; payments and promises
still taken), answered within 15 calendar days or, extended once with a reason, 30; upheld
with a correction of the balance through correct_ledger, or rejected with a reason the
debtor reads; every step audited and told; the hold ends with the answer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from negotiation.exceptions import (
    ActionNotPermitted,
    DocumentRefused,
    HeldByDispute,
    ProgramNotAvailable,
    TransitionNotAllowed,
)
from negotiation.models import (
    AccountStatus,
    AuditAction,
    AuditEvent,
    CreditAccount,
    Dispute,
    DisputeStatus,
    Document,
    Notification,
    NotificationChannel,
    NotificationEvent,
    NotificationStatus,
    PlanStatus,
    RequestStatus,
)
from negotiation.roles import BANK_STAFF, COMPLIANCE
from negotiation.services.disputes import (
    DisputeRefused,
    extend_dispute,
    open_dispute,
    reject_dispute,
    uphold_dispute,
)
from negotiation.services.following import follow_plans
from negotiation.services.notifications import deliver_notification, notify_debtor
from negotiation.services.promises import make_promise
from negotiation.services.requests import approve_request, reject_request
from tests.factories import (
    PDF,
    at_noon,
    counter_offer,
    make_account,
    make_request,
    make_staff,
    pay,
)

pytestmark = pytest.mark.django_db
NOW = timezone.now()
TODAY = timezone.localdate(NOW)


def dispute(account, kind="amount_wrong", now=NOW, **kwargs):
    return open_dispute(
        account,
        actor=account.debtor.user,
        kind=kind,
        explanation="The late charge of 300 was added after I had paid on time.",
        now=now,
        **kwargs,
    )


def pdf(name="receipt.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def told(event):
    return Notification.objects.filter(template=event, channel=NotificationChannel.PORTAL)


# Opening ----------------------------------------------------------------------------------


def test_a_dispute_holds_the_account_is_due_in_15_days_and_the_debtor_is_told(account):
    opened = dispute(account, uploads=[pdf()], consent=True)
    account.refresh_from_db()
    assert account.status == AccountStatus.DISPUTED
    assert opened.status == DisputeStatus.OPEN
    assert opened.account_status_before == AccountStatus.IN_ARREARS
    assert opened.answer_due == TODAY + dt.timedelta(days=15)
    assert opened.reference.startswith("DP-")
    assert Document.objects.get().dispute == opened
    audit = AuditEvent.objects.get(action=AuditAction.DISPUTE_OPENED)
    assert audit.after == {
        "account": account.reference,
        "kind": "amount_wrong",
        "status": "open",
        "answer_due": opened.answer_due.isoformat(),
        "account_status": "in_arrears",
        "documents": 1,
    }
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCOUNT_TRANSITION, after__status="disputed"
    ).exists()
    notice = told(NotificationEvent.DISPUTE_RECEIVED).get()
    assert notice.context == {
        "reference": opened.reference,
        "page": "dispute",
        "due": opened.answer_due.isoformat(),
    }
    assert notice.link.url == f"/disputes/{opened.reference}/"


def test_the_answer_date_counts_calendar_days_from_the_day_received(account):
    late_evening = at_noon(dt.date(2027, 1, 30)) + dt.timedelta(hours=11, minutes=30)
    opened = dispute(account, now=late_evening)
    assert opened.answer_due == dt.date(2027, 2, 14)  # weekends count: calendar days


def test_one_dispute_at_a_time_on_an_account(account):
    first = dispute(account)
    with pytest.raises(DisputeRefused, match=first.reference):
        dispute(account)
    assert Dispute.objects.count() == 1


def test_the_database_refuses_a_second_open_dispute_on_an_account(account):
    first = dispute(account)
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.create(
            account=account,
            debtor=account.debtor,
            kind="other",
            explanation="again",
            opened_at=NOW,
            opened_by=account.debtor.user,
            answer_due=first.answer_due,
            account_status_before="in_arrears",
        )


@pytest.mark.parametrize(
    ("kind", "explanation", "words"),
    [
        ("not_a_kind", "It is wrong.", "choose what is wrong"),
        ("other", "   ", "in your own words"),
        ("other", "x" * 2001, "2000 characters"),
    ],
)
def test_bad_input_is_refused_in_words_and_changes_nothing(account, kind, explanation, words):
    with pytest.raises(DisputeRefused, match=words):
        open_dispute(
            account, actor=account.debtor.user, kind=kind, explanation=explanation, now=NOW
        )
    account.refresh_from_db()
    assert account.status == AccountStatus.IN_ARREARS
    assert not Dispute.objects.exists()


def test_a_refused_document_leaves_no_dispute_behind(account):
    exe = SimpleUploadedFile("receipt.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(DocumentRefused):
        dispute(account, uploads=[pdf(), exe], consent=True)
    with pytest.raises(DocumentRefused, match="agree"):
        dispute(account, uploads=[pdf()], consent=False)
    account.refresh_from_db()
    assert account.status == AccountStatus.IN_ARREARS
    assert not Dispute.objects.exists()
    assert not Document.objects.exists()


def test_dispute_documents_count_toward_the_debtors_limits(account, settings):
    settings.DOCUMENTS_PER_REQUEST = 2
    with pytest.raises(DocumentRefused, match="This dispute already has 2 documents"):
        dispute(account, uploads=[pdf("a.pdf"), pdf("b.pdf"), pdf("c.pdf")], consent=True)
    settings.DOCUMENTS_PER_REQUEST = 20
    settings.DOCUMENTS_PER_DEBTOR = 1
    with pytest.raises(DocumentRefused, match="as many documents as we can keep"):
        dispute(account, uploads=[pdf("a.pdf"), pdf("b.pdf")], consent=True)


def test_the_database_keeps_a_document_to_one_owner(account, installment_program):
    opened = dispute(account, uploads=[pdf()], consent=True)
    request = make_request(make_account(account.debtor, card_last4="7777"), installment_program)
    document = Document.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.filter(pk=document.pk).update(request=request)
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.filter(pk=document.pk).update(dispute=None)
    assert Document.objects.get().dispute == opened


def test_only_the_accounts_debtor_opens_a_dispute(account, other_debtor):
    with pytest.raises(ActionNotPermitted):
        open_dispute(account, actor=other_debtor.user, kind="other", explanation="Not me.", now=NOW)


def test_a_settled_account_is_not_disputed_in_the_portal(account):
    CreditAccount.objects.filter(pk=account.pk).update(status=AccountStatus.SETTLED)
    account.refresh_from_db()
    with pytest.raises(DisputeRefused, match="call us"):
        dispute(account)


# The hold ---------------------------------------------------------------------------------


def _reminders(event):
    return Notification.objects.filter(template=event, channel__in=["email", "sms"])


def test_no_payment_reminders_while_the_dispute_is_open(active_plan):
    first = active_plan.installments.order_by("number").first()
    dispute(active_plan.account)
    follow_plans(today=first.due_date - dt.timedelta(days=2))  # due in two days
    assert not _reminders(NotificationEvent.INSTALLMENT_DUE_SOON).exists()
    follow_plans(today=first.due_date + dt.timedelta(days=1))  # now overdue
    assert not _reminders(NotificationEvent.INSTALLMENT_OVERDUE).exists()


def test_a_reminder_queued_before_the_dispute_is_withheld(active_plan, settings):
    written = notify_debtor(
        active_plan.account.debtor,
        NotificationEvent.INSTALLMENT_DUE_SOON,
        key="before",
        request=active_plan.request,
        channels=[NotificationChannel.EMAIL],
        context={
            "reference": active_plan.reference,
            "page": "plan",
            "due": "2027-01-15",
            "amount": "¥1.00",
            "debit_from": "",
        },
    )
    pending = [n for n in written if n.status == NotificationStatus.PENDING]
    dispute(active_plan.account)
    for notification in pending:
        assert deliver_notification(notification.pk, now=timezone.now() + dt.timedelta(days=1)) == (
            NotificationStatus.WITHHELD
        )


def test_reminders_resume_once_the_dispute_is_answered(active_plan, specialist):
    first = active_plan.installments.order_by("number").first()
    opened = dispute(active_plan.account)
    reject_dispute(opened, actor=specialist, answer="The charge is right.", now=NOW)
    follow_plans(today=first.due_date - dt.timedelta(days=2))
    assert _reminders(NotificationEvent.INSTALLMENT_DUE_SOON).exists()


def test_a_plan_is_neither_broken_nor_expired_while_disputed(
    account, installment_program, specialist, supervisor
):
    plan = approve_request(
        make_request(account, installment_program), actor=supervisor, today=TODAY
    ).plan
    dispute(account)
    follow_plans(today=TODAY + dt.timedelta(days=60))  # far past its signature days
    plan.refresh_from_db()
    account.refresh_from_db()
    assert plan.status == PlanStatus.AWAITING_SIGNATURE
    assert account.status == AccountStatus.DISPUTED


def test_no_relief_decision_while_the_dispute_is_open(
    account, installment_program, specialist, supervisor
):
    request = make_request(account, installment_program)
    opened = dispute(account)
    refusals = [
        lambda: approve_request(request, actor=specialist, today=TODAY),
        lambda: reject_request(request, actor=specialist, reason_code="other", explanation="No."),
        lambda: counter_offer(request, specialist),
    ]
    for refused in refusals:
        with pytest.raises(HeldByDispute) as error:
            refused()
        assert f"On hold: dispute {opened.reference} is open" in str(error.value.message)
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    account.refresh_from_db()
    assert account.status == AccountStatus.DISPUTED


def test_no_second_approval_while_the_dispute_is_open(
    account, installment_program, supervisor, settings
):
    recommender = make_staff("Negotiation specialists", username="no-limit")
    request = approve_request(
        make_request(account, installment_program), actor=recommender, today=TODAY
    )
    assert request.status == RequestStatus.AWAITING_SECOND_APPROVAL
    dispute(account)
    with pytest.raises(HeldByDispute):
        approve_request(request, actor=supervisor, today=TODAY)


def test_no_new_relief_request_on_an_account_on_hold(account, installment_program):
    dispute(account)
    account.refresh_from_db()
    with pytest.raises(ProgramNotAvailable):
        make_request(account, installment_program)


def test_payments_and_promises_are_still_taken_while_disputed(account):
    dispute(account)
    account.refresh_from_db()
    make_promise(
        account,
        actor=account.debtor.user,
        amount=Decimal("200.00"),
        by=TODAY + dt.timedelta(days=3),
        now=NOW,
    )
    pay(account, "200.00", "DISPUTED-PAY")
    account.refresh_from_db()
    assert account.total_balance == Decimal("10800.00")
    assert account.status == AccountStatus.DISPUTED


# The clock and its extension -----------------------------------------------------------


def test_extended_once_to_30_days_with_the_reason_told(account, specialist):
    opened = dispute(account)
    later = NOW + dt.timedelta(days=10)
    extended = extend_dispute(
        opened, actor=specialist, reason="The merchant must answer first.", now=later
    )
    assert extended.status == DisputeStatus.EXTENDED
    assert extended.answer_due == TODAY + dt.timedelta(days=30)
    assert extended.extended_at == later
    assert extended.extension_reason == "The merchant must answer first."
    audit = AuditEvent.objects.get(action=AuditAction.DISPUTE_TRANSITION)
    assert audit.before == {"status": "open", "answer_due": opened.answer_due.isoformat()}
    assert audit.after["answer_due"] == extended.answer_due.isoformat()
    assert audit.after["reason"] == "The merchant must answer first."
    assert told(NotificationEvent.DISPUTE_EXTENDED).get().context["due"] == (
        extended.answer_due.isoformat()
    )
    # Email and SMS too: the extension is news the debtor must hear.
    assert Notification.objects.filter(
        template=NotificationEvent.DISPUTE_EXTENDED, channel__in=["email", "sms"]
    ).exists()


def test_a_second_extension_is_refused_and_changes_nothing(account, specialist):
    extended = extend_dispute(dispute(account), actor=specialist, reason="Complex.", now=NOW)
    with pytest.raises(TransitionNotAllowed, match="already been extended once"):
        extend_dispute(extended, actor=specialist, reason="Still complex.", now=NOW)
    extended.refresh_from_db()
    assert extended.extension_reason == "Complex."
    assert AuditEvent.objects.filter(action=AuditAction.DISPUTE_TRANSITION).count() == 1


def test_an_extension_needs_its_reason(account, specialist):
    with pytest.raises(DisputeRefused, match="why"):
        extend_dispute(dispute(account), actor=specialist, reason="  ", now=NOW)


# Answers ------------------------------------------------------------------------------------


def test_upheld_with_a_correction_through_correct_ledger(account, specialist):
    opened = dispute(account)
    upheld = uphold_dispute(
        opened,
        actor=specialist,
        answer="You paid on time: we have taken off the late charge.",
        reductions={"penalty": Decimal("300.00"), "interest": Decimal("50.00")},
        now=NOW,
    )
    account.refresh_from_db()
    assert (account.penalty, account.interest) == (Decimal("0.00"), Decimal("550.00"))
    assert account.status == AccountStatus.IN_ARREARS  # where it was
    assert upheld.status == DisputeStatus.UPHELD
    assert upheld.correction == {"penalty": "300.00", "interest": "50.00"}
    assert upheld.resolved_by == specialist
    corrected = AuditEvent.objects.get(action=AuditAction.ACCOUNT_LEDGER_CORRECTED)
    assert corrected.before == {"penalty": "300.00", "interest": "600.00"}
    assert corrected.after == {
        "penalty": "0.00",
        "interest": "550.00",
        "reason": f"dispute {opened.reference} upheld",
        "plan": None,
        "dispute": opened.reference,
    }
    answered = AuditEvent.objects.get(action=AuditAction.DISPUTE_TRANSITION)
    assert answered.after["status"] == "upheld"
    assert answered.after["account_status"] == "in_arrears"
    assert told(NotificationEvent.DISPUTE_ANSWERED).exists()


def test_upheld_to_nothing_owed_settles_the_account(account, specialist):
    uphold_dispute(
        dispute(account, kind="not_my_debt"),
        actor=specialist,
        answer="The card was not yours.",
        reductions={
            "principal": Decimal("10000.00"),
            "interest": Decimal("600.00"),
            "fees": Decimal("100.00"),
            "penalty": Decimal("300.00"),
        },
        now=NOW,
    )
    account.refresh_from_db()
    assert account.total_balance == 0
    assert account.status == AccountStatus.SETTLED
    assert account.oldest_unpaid_due_date is None


def test_upheld_restores_an_account_in_a_plan_to_its_plan(active_plan, specialist):
    account = active_plan.account
    assert account.status == AccountStatus.IN_PLAN
    upheld = uphold_dispute(
        dispute(account), actor=specialist, answer="Recorded, nothing to change.", now=NOW
    )
    account.refresh_from_db()
    assert account.status == AccountStatus.IN_PLAN
    assert upheld.account_status_before == AccountStatus.IN_PLAN


@pytest.mark.parametrize(
    ("reductions", "words"),
    [
        ({"penalty": Decimal("300.01")}, "more than"),
        ({"penalty": Decimal("-1.00")}, "zero or more"),
        ({"penalty": Decimal("1.005")}, "yuan and fen"),
    ],
)
def test_a_bad_correction_is_refused_and_changes_nothing(account, specialist, reductions, words):
    opened = dispute(account)
    with pytest.raises(DisputeRefused, match=words):
        uphold_dispute(opened, actor=specialist, answer="Yes.", reductions=reductions, now=NOW)
    account.refresh_from_db()
    opened.refresh_from_db()
    assert account.penalty == Decimal("300.00")
    assert (opened.status, account.status) == (DisputeStatus.OPEN, AccountStatus.DISPUTED)


def test_no_correction_under_a_plan_in_force(active_plan, specialist):
    opened = dispute(active_plan.account)
    with pytest.raises(DisputeRefused, match=active_plan.reference):
        uphold_dispute(
            opened,
            actor=specialist,
            answer="Yes.",
            reductions={"penalty": Decimal("1.00")},
            now=NOW,
        )


def test_rejected_with_the_reason_for_the_debtor(account, specialist):
    opened = dispute(account, kind="already_paid")
    rejected = reject_dispute(
        opened, actor=specialist, answer="We found no payment on that day.", now=NOW
    )
    account.refresh_from_db()
    assert rejected.status == DisputeStatus.REJECTED
    assert rejected.answer == "We found no payment on that day."
    assert account.status == AccountStatus.IN_ARREARS
    assert account.total_balance == Decimal("11000.00")
    assert not AuditEvent.objects.filter(action=AuditAction.ACCOUNT_LEDGER_CORRECTED).exists()
    assert told(NotificationEvent.DISPUTE_ANSWERED).get().context == {
        "reference": opened.reference,
        "page": "dispute",
    }


def test_an_answer_needs_its_words_and_is_given_once(account, specialist):
    opened = dispute(account)
    with pytest.raises(DisputeRefused):
        reject_dispute(opened, actor=specialist, answer=" ", now=NOW)
    reject_dispute(opened, actor=specialist, answer="No.", now=NOW)
    with pytest.raises(TransitionNotAllowed, match="already been answered"):
        uphold_dispute(opened, actor=specialist, answer="Yes after all.", now=NOW)
    with pytest.raises(TransitionNotAllowed):
        extend_dispute(opened, actor=specialist, reason="More time.", now=NOW)


@pytest.mark.parametrize("group", [BANK_STAFF, COMPLIANCE])
def test_only_specialists_and_supervisors_answer(account, group, supervisor):
    opened = dispute(account)
    someone = make_staff(group, username=f"x-{group[:4]}")
    for answer in (
        lambda: reject_dispute(opened, actor=someone, answer="No.", now=NOW),
        lambda: uphold_dispute(opened, actor=someone, answer="Yes.", now=NOW),
        lambda: extend_dispute(opened, actor=someone, reason="Later.", now=NOW),
    ):
        with pytest.raises(ActionNotPermitted):
            answer()
    opened.refresh_from_db()
    assert opened.status == DisputeStatus.OPEN
    assert reject_dispute(opened, actor=supervisor, answer="No.", now=NOW).status == "rejected"


def test_a_dispute_answered_after_a_payment_settled_the_account_leaves_it_settled(
    account, specialist
):
    opened = dispute(account)
    pay(account, "11000.00", "ALL-OF-IT")
    account.refresh_from_db()
    assert account.status == AccountStatus.SETTLED
    reject_dispute(opened, actor=specialist, answer="It is paid now anyway.", now=NOW)
    account.refresh_from_db()
    assert account.status == AccountStatus.SETTLED


def test_the_answer_date_is_stored_in_the_portals_time_zone(account):
    opened = dispute(account, now=at_noon(dt.date(2027, 3, 1)))
    assert opened.answer_due == dt.date(2027, 3, 16)


# Concurrency (PostgreSQL row locks) ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_disputes_sent_at_once_make_one(debtor):
    from tests.services.test_concurrency import run_together

    account = make_account(debtor, card_last4="5151")
    results = run_together(*[lambda: dispute(account) for _ in range(5)])
    assert Dispute.objects.filter(account=account).count() == 1
    assert sum(isinstance(r, Dispute) for r in results) == 1
    assert all(isinstance(r, Dispute | DisputeRefused) for r in results), results


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_dispute_and_an_approval_at_once_never_leave_a_plan_under_a_hold(
    debtor, installment_program, supervisor
):
    from tests.services.test_concurrency import run_together

    account = make_account(debtor, card_last4="6161")
    request = make_request(account, installment_program)
    results = run_together(
        lambda: dispute(account),
        lambda: approve_request(request, actor=supervisor, today=TODAY),
    )
    account.refresh_from_db()
    request.refresh_from_db()
    assert account.status == AccountStatus.DISPUTED  # the dispute came in either way
    opened = Dispute.objects.get(account=account)
    if request.status == RequestStatus.APPROVED:  # the approval came first
        assert opened.account_status_before == AccountStatus.IN_PLAN
    else:  # the dispute came first: the approval was refused in words
        assert isinstance(results[1], HeldByDispute)
        assert opened.account_status_before == AccountStatus.IN_ARREARS
