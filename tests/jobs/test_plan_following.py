"""Plans followed to the end with time travel: overdue, grace, broken, expired unsigned; the
daily job never runs twice at once and its command refuses the future outside the demo.
The pure rules it applies (missed, broken) are in tests/unit/test_policy.py."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from negotiation.locks import advisory_lock
from negotiation.models import AccountStatus, Message, Notification, PlanStatus
from negotiation.services.following import FollowUp, follow_plans
from negotiation.services.requests import approve_request
from tests.factories import make_account, make_active_plan, make_request, pay

TODAY = timezone.localdate()


def run(today: dt.date) -> FollowUp:
    """One run of the daily job on ``today`` (never skipped here: nothing else holds the lock)."""
    result = follow_plans(today=today)
    assert result is not None
    return result


def _due(plan, number):
    return plan.installments.get(number=number).due_date


@pytest.mark.django_db
def test_a_missed_payment_is_marked_and_told_once(active_plan):
    after = _due(active_plan, 1) + dt.timedelta(days=1)
    assert run(after).overdue == 1
    assert run(after).overdue == 0  # running again changes nothing
    assert active_plan.installments.get(number=1).status == "overdue"
    assert (
        Notification.objects.filter(template="installment.overdue", channel="portal").count() == 1
    )


@pytest.mark.django_db
def test_a_payment_made_up_within_the_grace_keeps_the_plan(account, active_plan):
    first, second = _due(active_plan, 1), _due(active_plan, 2)
    run(first + dt.timedelta(days=1))
    pay(
        account,
        str(active_plan.installments.get(number=1).amount),
        paid_on=first + dt.timedelta(days=10),
    )
    result = run(second + dt.timedelta(days=16))  # second missed beyond grace
    assert result.broken == 0
    active_plan.refresh_from_db()
    assert active_plan.status == PlanStatus.ACTIVE


@pytest.mark.django_db
def test_two_consecutive_misses_break_the_plan(debtor_client, account, active_plan, specialist):
    second = _due(active_plan, 2)
    result = run(second + dt.timedelta(days=16))
    assert (result.overdue, result.broken) == (2, 1)
    active_plan.refresh_from_db()
    account.refresh_from_db()
    assert active_plan.status == PlanStatus.BROKEN
    assert account.status == AccountStatus.IN_ARREARS
    assert Notification.objects.filter(template="plan.broken", channel="portal").count() == 1
    note = Message.objects.get(request=active_plan.request, internal=True)
    assert active_plan.reference in note.body
    inbox = debtor_client.get(reverse("negotiation:inbox")).content.decode()
    assert "has ended because payments were missed" in inbox
    assert reverse("negotiation:plan_detail", args=[active_plan.reference]) in inbox
    page = debtor_client.get(reverse("negotiation:plan_detail", args=[active_plan.reference]))
    assert "back in normal collection" in page.content.decode()  # what it means, what to do


@pytest.mark.django_db
def test_an_unsigned_plan_is_reminded_then_expires(account, installment_program, specialist):
    plan = approve_request(
        make_request(account, installment_program), actor=specialist, today=TODAY
    ).plan
    last_day = plan.agreed_on + dt.timedelta(days=installment_program.signature_days)
    assert run(last_day - dt.timedelta(days=4)).reminded == 0
    assert run(last_day - dt.timedelta(days=3)).reminded == 1
    assert run(last_day - dt.timedelta(days=2)).reminded == 0  # once
    assert run(last_day).expired == 0
    assert run(last_day + dt.timedelta(days=1)).expired == 1
    plan.refresh_from_db()
    account.refresh_from_db()
    assert (plan.status, account.status) == (PlanStatus.EXPIRED, AccountStatus.IN_ARREARS)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_two_runs_never_overlap(active_plan):
    holding, release = threading.Event(), threading.Event()

    def other_run() -> None:
        with advisory_lock("follow_plans") as acquired:
            assert acquired
            holding.set()
            release.wait(10)
        connections.close_all()

    thread = threading.Thread(target=other_run)
    thread.start()
    holding.wait(10)
    try:
        assert follow_plans(today=TODAY) is None
    finally:
        release.set()
        thread.join(10)
    assert follow_plans(today=TODAY) is not None


@pytest.mark.django_db
def test_the_command_runs_the_daily_job_and_refuses_the_future_outside_the_demo(
    active_plan, settings
):
    from io import StringIO

    from django.core.management import CommandError, call_command

    late = _due(active_plan, 1) + dt.timedelta(days=1)
    settings.DEBUG = False
    with pytest.raises(CommandError, match="demo only"):
        call_command("follow_plans", "--today", late.isoformat())
    settings.DEBUG = True
    out = StringIO()
    call_command("follow_plans", "--today", late.isoformat(), stdout=out)
    assert f"{late}: 1 overdue, 0 broken" in out.getvalue()


@pytest.mark.django_db
def test_one_inconsistent_plan_is_counted_and_the_rest_of_the_run_goes_on(
    debtor, installment_program, specialist, caplog
):
    """A plan awaiting signature on an account still marked in arrears (as the issue found
    one): its expiry is refused by the account's transition table. It stops nothing: it is
    rolled back, logged and counted; the plan after it expires and every later step runs."""
    from negotiation.models import CreditAccount

    bad_account = make_account(debtor, card_last4="1111")
    good_account = make_account(debtor, card_last4="2222")
    active_account = make_account(debtor, card_last4="3333")
    bad = approve_request(
        make_request(bad_account, installment_program), actor=specialist, today=TODAY
    ).plan
    good = approve_request(
        make_request(good_account, installment_program), actor=specialist, today=TODAY
    ).plan
    active = make_active_plan(active_account, installment_program, specialist)
    CreditAccount.objects.filter(pk=bad_account.pk).update(status=AccountStatus.IN_ARREARS)
    after = max(
        good.agreed_on + dt.timedelta(days=installment_program.signature_days + 1),
        _due(active, 1) + dt.timedelta(days=1),
    )
    result = run(after)
    assert (result.expired, result.failed) == (1, 1)
    assert result.overdue >= 1  # the step after the expiries ran
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.status == PlanStatus.AWAITING_SIGNATURE  # left as it was, nothing half-done
    assert good.status == PlanStatus.EXPIRED
    assert Notification.objects.filter(template="plan.expired", request=bad.request).count() == 0
    assert any(bad.reference in record.getMessage() for record in caplog.records)
    assert run(after).failed == 1  # still there the next run, still counted, until fixed
