"""The staff site's side of changing a plan: the plan's page lists its versions with their
documents (reads audited), and a specialist answers a request for another change from its
queue, once, through the service (audited, the debtor told). Rights: test_admin_matrix.py."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from negotiation.models import (
    AmendmentKind,
    AuditAction,
    AuditEvent,
    ChangeRequestStatus,
    PlanChangeRequest,
)
from negotiation.services.planchanges import ask_for_change, propose_change
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db


def test_the_plan_page_lists_the_versions_and_their_reads_are_audited(active_plan, specialist):
    day = 27 if active_plan.agreed_on.day != 27 else 26
    change = propose_change(
        active_plan,
        actor=active_plan.account.debtor.user,
        kind=AmendmentKind.PAYMENT_DAY,
        new_day=day,
        now=timezone.now(),
    )
    client = staff_client(specialist)
    page = client.get(reverse("admin:negotiation_repaymentplan_change", args=[active_plan.pk]))
    assert page.status_code == 200
    link = reverse("admin:negotiation_repaymentplan_amendment_agreement", args=[change.pk])
    assert link in page.content.decode()
    pdf = client.get(link)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    read = AuditEvent.objects.get(action=AuditAction.PLAN_AGREEMENT_READ, actor=specialist)
    assert read.after == {"version": 2}


def test_a_specialist_answers_a_request_once_from_the_queue(active_plan, specialist):
    asked = ask_for_change(
        active_plan,
        actor=active_plan.account.debtor.user,
        text="Could I pay on the 1st after my pension?",
        now=timezone.now(),
    )
    client = staff_client(specialist)
    queue = client.get(reverse("admin:negotiation_planchangerequest_changelist"))
    assert active_plan.reference in queue.content.decode()
    url = reverse("admin:negotiation_planchangerequest_change", args=[asked.pk])
    assert "Could I pay on the 1st" in client.get(url).content.decode()
    answered = client.post(url, {"answer": "Yes: choose day 1 on the change page."})
    assert answered.status_code == 302
    asked.refresh_from_db()
    assert asked.status == ChangeRequestStatus.ANSWERED
    assert asked.answered_by == specialist
    assert AuditEvent.objects.filter(action=AuditAction.PLAN_CHANGE_ANSWERED).count() == 1
    # Answered once: the page is read-only now.
    again = client.post(url, {"answer": "Something else"})
    assert again.status_code in (302, 403)
    assert PlanChangeRequest.objects.get().answer == "Yes: choose day 1 on the change page."
