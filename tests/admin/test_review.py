"""Review in the admin: specialists decide through the buttons, which call the services;
bank staff cannot decide; debtors never reach the admin."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from negotiation.models import AuditEvent, RepaymentPlan, RequestStatus
from tests.conftest import staff_client
from tests.factories import make_account, make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def relief_request(account, installment_program):
    return make_request(account, installment_program)


def approve_url(request):
    return reverse("admin:negotiation_reliefrequest_approve", args=[request.pk])


def reject_url(request):
    return reverse("admin:negotiation_reliefrequest_reject", args=[request.pk])


def change_url(request):
    return reverse("admin:negotiation_reliefrequest_change", args=[request.pk])


def test_the_queue_lists_requests_oldest_first_with_the_columns(
    specialist, debtor, installment_program
):
    first = make_request(make_account(debtor, card_last4="1111"), installment_program)
    second = make_request(make_account(debtor, card_last4="2222"), installment_program)
    client = staff_client(specialist)
    url = reverse("admin:negotiation_reliefrequest_changelist")
    # Its exact query count, whatever the number of rows: test_query_counts.py.
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index(first.reference) < page.index(second.reference)
    # The seven columns a specialist decides the next step by (the terms' detail, the card
    # and the affordability verdict are on the request's page).
    for text in (
        "¥11,000.00",
        "Installment plan",
        "Submitted",
        debtor.full_name,
    ):
        assert text in page


def test_the_queue_filters_by_status_and_kind(specialist, relief_request):
    client = staff_client(specialist)
    url = reverse("admin:negotiation_reliefrequest_changelist")
    assert (
        relief_request.reference in client.get(url, {"status__exact": "submitted"}).content.decode()
    )
    assert (
        relief_request.reference
        not in client.get(url, {"status__exact": "approved"}).content.decode()
    )
    assert (
        relief_request.reference in client.get(url, {"kind__exact": "installment"}).content.decode()
    )


def test_the_change_page_shows_request_account_schedule_and_buttons(specialist, relief_request):
    page = staff_client(specialist).get(change_url(relief_request)).content.decode()
    assert "Schedule of the terms on the table" in page
    assert "13.03%" in page
    assert "¥11,000.00" in page
    assert approve_url(relief_request) in page
    assert reject_url(relief_request) in page


def test_a_specialist_approves_through_the_button(specialist, relief_request):
    client = staff_client(specialist)
    response = client.post(
        approve_url(relief_request), {"version": relief_request.version}, follow=True
    )
    relief_request.refresh_from_db()
    assert relief_request.status == RequestStatus.APPROVED
    plan = RepaymentPlan.objects.get(request=relief_request)
    assert plan.installments.count() == 12
    assert f"Plan {plan.reference} awaits" in response.content.decode()
    assert AuditEvent.objects.filter(actor=specialist, action="request.transition").count() == 2


def test_a_specialist_rejects_with_a_reason(specialist, relief_request):
    client = staff_client(specialist)
    assert client.get(reject_url(relief_request)).status_code == 200
    client.post(
        reject_url(relief_request),
        {
            "reason_code": "affordability",
            "explanation": "Too tight on these figures.",
            "version": relief_request.version,
        },
    )
    relief_request.refresh_from_db()
    assert relief_request.status == RequestStatus.REJECTED
    assert relief_request.decision_note == "Too tight on these figures."


def test_a_reject_without_explanation_rerenders_and_changes_nothing(specialist, relief_request):
    response = staff_client(specialist).post(
        reject_url(relief_request),
        {"reason_code": "affordability", "explanation": "", "version": relief_request.version},
    )
    assert response.status_code == 200
    assert "Write the text for the debtor, or choose a wording from the list." in (
        response.content.decode()
    )
    relief_request.refresh_from_db()
    assert relief_request.status == RequestStatus.SUBMITTED


def test_a_stale_approval_is_refused_with_a_message(specialist, relief_request):
    client = staff_client(specialist)
    response = client.post(
        approve_url(relief_request), {"version": relief_request.version - 1}, follow=True
    )
    assert "changed while you were looking at it" in response.content.decode()
    relief_request.refresh_from_db()
    assert relief_request.status == RequestStatus.SUBMITTED


def test_bank_staff_cannot_decide_or_see_requests(bankstaff, relief_request):
    client = staff_client(bankstaff)
    assert (
        client.post(approve_url(relief_request), {"version": relief_request.version}).status_code
        == 403
    )
    assert (
        client.post(
            reject_url(relief_request), {"reason_code": "other", "explanation": "x"}
        ).status_code
        == 403
    )
    assert client.get(reverse("admin:negotiation_reliefrequest_changelist")).status_code == 403
    relief_request.refresh_from_db()
    assert relief_request.status == RequestStatus.SUBMITTED


def test_debtors_never_reach_the_admin(debtor_client, relief_request):
    for url in (reverse("admin:index"), approve_url(relief_request), change_url(relief_request)):
        response = debtor_client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]
        assert response["Location"].startswith(reverse("admin:index"))
    debtor_client.post(approve_url(relief_request), {"version": relief_request.version})
    relief_request.refresh_from_db()
    assert relief_request.status == RequestStatus.SUBMITTED


def test_money_and_status_are_read_only_in_the_admin(supervisor, relief_request):
    client = staff_client(supervisor)
    page = client.get(change_url(relief_request)).content.decode()
    assert 'name="status"' not in page
    assert 'name="amount"' not in page
    response = client.post(change_url(relief_request), {"status": "approved", "amount": "1.00"})
    assert response.status_code == 403
    relief_request.refresh_from_db()
    assert relief_request.status == RequestStatus.SUBMITTED


def test_each_label_on_the_request_page_names_one_box(specialist, relief_request):
    """A label names its own box: the note form's and the contact form's boxes are both
    called note, and had the one id id_note (the note label then named the contact box)."""
    page = staff_client(specialist).get(change_url(relief_request)).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', page)
    labelled = set(re.findall(r'<label for="([^"]+)"', page))
    assert [i for i in labelled if ids.count(i) != 1] == []


def test_an_approved_request_does_not_read_as_failing_its_policy_check(
    specialist, supervisor, relief_request
):
    """Seen on the portal: once approved, the page said "✗ outside: this account cannot ask
    for relief now", because the account is now in the plan the approval made."""
    from django.utils import timezone

    from negotiation.services.requests import approve_request

    approve_request(relief_request, actor=supervisor, today=timezone.localdate())
    page = staff_client(specialist).get(change_url(relief_request)).content.decode()
    policy = page.split('id="rv-policy"', 1)[1].split("</table>", 1)[0]
    assert "✗" not in policy
    assert 'data-testid="check-decided"' in policy
    assert timezone.localdate().isoformat() in policy
