"""Extra support in the staff site: everyone who handles the case sees that the debtor needs
it (the queue, the request page, the debtor's page), never what; the details only with
``view_support_need`` (specialists and supervisors), and each reading is audited. The marker
costs the queue no query. Every persona: tests/admin/test_admin_matrix.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from negotiation.models import AuditAction, AuditEvent
from negotiation.roles import (
    BANK_STAFF,
    COMPLIANCE,
    GROUP_PERMISSIONS,
    SPECIALISTS,
    SUPERVISORS,
    VIEW_SUPPORT_NEED,
    codename,
)
from negotiation.services.requests import assign_request
from negotiation.services.support import SupportAnswer, say_support_need
from tests.admin.test_query_counts import QUEUE
from tests.conftest import staff_client
from tests.factories import make_account, make_request, make_staff

pytestmark = pytest.mark.django_db

NOTE = "Lost my job in May."
QUEUE_URL = reverse("admin:negotiation_reliefrequest_changelist")


@pytest.fixture
def supported(debtor):
    return say_support_need(
        debtor,
        actor=debtor.user,
        answer=SupportAnswer(health=True, life_event=True, note=NOTE, consent=True),
        now=timezone.now(),
        ip=None,
    )


def review_url(request) -> str:
    return reverse("admin:negotiation_reliefrequest_change", args=[request.pk])


def details_url(debtor) -> str:
    return reverse("admin:negotiation_debtor_support", args=[debtor.pk])


def reads() -> int:
    return AuditEvent.objects.filter(action=AuditAction.SUPPORT_NEED_READ).count()


def test_the_right_is_the_case_handlers():
    holders = {g for g, rights in GROUP_PERMISSIONS.items() if VIEW_SUPPORT_NEED in rights}
    assert holders == {SPECIALISTS, SUPERVISORS}
    assert codename(VIEW_SUPPORT_NEED) == "view_support_need"


@pytest.mark.parametrize("group", [SPECIALISTS, SUPERVISORS, COMPLIANCE])
def test_the_request_page_shows_the_marker_to_everyone_on_the_case(
    supported, account, installment_program, group
):
    request = make_request(account, installment_program)
    page = staff_client(make_staff(group)).get(review_url(request)).content.decode()
    assert 'data-testid="support-marker"' in page
    assert "Needs extra support" in page
    # Never the details on the case's page, whoever reads it; and no reading recorded.
    assert NOTE not in page
    assert reads() == 0
    link = 'data-testid="support-details-link"' in page
    assert link == (group in (SPECIALISTS, SUPERVISORS))


def test_no_marker_without_extra_support(account, installment_program, specialist):
    request = make_request(account, installment_program)
    page = staff_client(specialist).get(review_url(request)).content.decode()
    assert 'data-testid="support-marker"' not in page


def test_a_specialist_reads_the_details_and_the_reading_is_audited(supported, debtor, specialist):
    response = staff_client(specialist).get(details_url(debtor))
    assert response.status_code == 200
    page = response.content.decode()
    assert NOTE in page
    assert "Health" in page
    assert 'data-testid="support-read-recorded"' in page
    row = AuditEvent.objects.get(action=AuditAction.SUPPORT_NEED_READ)
    assert (row.actor, row.object_id) == (specialist, supported.pk)
    staff_client(specialist).get(details_url(debtor))
    assert reads() == 2  # each reading


@pytest.mark.parametrize("group", [BANK_STAFF, COMPLIANCE])
def test_staff_without_the_right_see_no_details_and_nothing_is_read(supported, debtor, group):
    response = staff_client(make_staff(group)).get(details_url(debtor))
    assert response.status_code == 403
    assert NOTE not in response.content.decode()
    assert reads() == 0


def test_the_debtor_page_shows_the_marker(supported, debtor):
    page = (
        staff_client(make_staff(BANK_STAFF))
        .get(reverse("admin:negotiation_debtor_change", args=[debtor.pk]))
        .content.decode()
    )
    assert 'data-testid="support-marker"' in page
    assert NOTE not in page
    assert 'data-testid="support-details-link"' not in page


def test_the_queue_marks_the_request_at_no_extra_query(
    supported, debtor, installment_program, specialist, django_assert_num_queries
):
    for n in range(3):
        request = make_request(make_account(debtor, card_last4=f"{n:04d}"), installment_program)
        assign_request(request, assignee=specialist, actor=specialist)
    client = staff_client(specialist)
    with django_assert_num_queries(QUEUE):
        response = client.get(QUEUE_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="support-marker"') == 3
    assert NOTE not in page


def test_the_counter_offer_form_proposes_28_days(
    supported, account, installment_program, specialist
):
    request = make_request(account, installment_program)
    assign_request(request, assignee=specialist, actor=specialist)
    url = reverse("admin:negotiation_reliefrequest_counter", args=[request.pk])
    response = staff_client(specialist).get(url)
    assert response.status_code == 200
    expected = timezone.localdate() + dt.timedelta(days=28)
    assert response.context["form"].initial["expires_on"] == expected
