"""The retention clock: when a request closed and when a plan ended, the moments the
retention periods count from (PIPL Art. 19)."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from negotiation.models import AuditEvent, PlanStatus, ReliefRequest, RequestStatus
from negotiation.models.plans import ENDED_PLAN_STATUSES, PLAN_TRANSITIONS
from negotiation.models.requests import CLOSED_REQUEST_STATUSES, REQUEST_TRANSITIONS
from negotiation.services.offers import expire_counter_offers
from negotiation.services.requests import reject_request, withdraw_request
from tests.factories import add_audit_row, counter_offer, make_request, pay

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
