"""The request queue at bank scale: a call found by whatever the caller gives (name, phone
in any format, card last 4, resident ID, any reference), each by an indexed lookup; the
views that say what to do next; the answer due in words; safe bulk work."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from negotiation.models import ApprovalLimit, AuditEvent, Program, ReliefRequest, RequestStatus
from negotiation.models.debtors import hash_national_id
from negotiation.queuesearch import search_term
from negotiation.roles import COMPLIANCE, SPECIALISTS
from negotiation.selectors.workbench import search_requests
from negotiation.services.requests import (
    approve_request,
    ask_for_information,
    claim_request,
)
from tests.conftest import staff_client
from tests.factories import make_account, make_debtor, make_request, make_staff

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:negotiation_reliefrequest_changelist")
TODAY = timezone.localdate()
RESIDENT_ID = "11010519491231002X"


@pytest.fixture
def caller(db):
    """The debtor on the line, with a number stored with its country code and dashes."""
    debtor = make_debtor(full_name="Zhang Wei", phone="+86 138-0013-8000")
    debtor.national_id_hash = hash_national_id(RESIDENT_ID)
    debtor.national_id_last4 = RESIDENT_ID[-4:]
    debtor.save(update_fields=["national_id_hash", "national_id_last4"])
    return debtor


@pytest.fixture
def call(caller, installment_program):
    return make_request(make_account(caller, card_last4="7788"), installment_program)


@pytest.fixture
def bystander(other_debtor, installment_program):
    """Another debtor's request, which no search for the caller may show."""
    return make_request(make_account(other_debtor, card_last4="1234"), installment_program)


def found(user, query: str, **params: str) -> str:
    response = staff_client(user).get(QUEUE, {"q": query, **params}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


# Search --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "Zhang",  # the name from its beginning, any case
        "zhang wei",
        "13800138000",  # the phone as typed without anything
        "+86 138 0013 8000",  # and with the country code and spaces
        "138-0013-8000",
        "7788",  # the card's last 4
        RESIDENT_ID.lower(),  # the resident ID, matched by its keyed hash
    ],
)
def test_a_call_is_found_by_what_the_caller_gives(specialist, call, bystander, query):
    page = found(specialist, query)
    assert call.reference in page
    assert bystander.reference not in page


def test_a_call_is_found_by_every_reference(specialist, call, bystander):
    account, debtor = call.account, call.account.debtor
    written = call.reference.lower().replace("-", "")  # read out over the phone
    for query in (call.reference, written, account.reference, debtor.reference):
        page = found(specialist, query)
        assert call.reference in page, query
        assert bystander.reference not in page, query


def test_a_plan_reference_finds_its_request_even_once_decided(specialist, call, bystander):
    plan = approve_request(call, actor=specialist, today=TODAY).plan
    page = found(specialist, plan.reference)
    assert call.reference in page
    assert bystander.reference not in page
    assert call.reference not in found(specialist, plan.reference, queue="mine")


def test_the_resident_id_is_neither_kept_nor_shown(specialist, call, bystander):
    """The search goes on by the number's keyed hash: the page, its links and the browser's
    history hold the hash, never the number."""
    client = staff_client(specialist)
    response = client.get(QUEUE, {"q": RESIDENT_ID})
    assert response.status_code == 302
    assert RESIDENT_ID not in response["Location"]
    assert hash_national_id(RESIDENT_ID) in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert call.reference in page
    assert bystander.reference not in page
    assert RESIDENT_ID not in page
    assert RESIDENT_ID not in str(list(AuditEvent.objects.values()))
    assert call.reference not in client.get(QUEUE, {"id_hash": "not-a-hash"}).content.decode()


def test_without_the_contact_right_names_are_masked_and_not_searched(caller, call):
    compliance = make_staff(COMPLIANCE)
    page = found(compliance, call.reference)
    assert call.reference in page
    assert "Z* W*" in page
    assert "Zhang Wei" not in page.replace('value="Zhang Wei"', "")
    # A name or a phone would tell who the masked case is: they find nothing.
    assert call.reference not in found(compliance, "Zhang")
    assert call.reference not in found(compliance, "13800138000")
    assert call.reference in found(compliance, "7788")


def test_a_search_costs_the_queue_s_queries(specialist, call, django_assert_num_queries):
    client = staff_client(specialist)
    with django_assert_num_queries(8):
        assert client.get(QUEUE, {"q": "+86 138 0013 8000"}).status_code == 200


@pytest.mark.parametrize(
    "query", ["Zhang", "13800138000", "7788", RESIDENT_ID, "RQ", "AC", "DB", "PL"]
)
def test_each_key_is_served_by_an_index(call, query):
    """With sequential scans priced out, a plan that still scans a table has no index to
    use: at 100,000 debtors that would be the scan the queue cannot afford."""
    references = {
        "RQ": call.reference,
        "AC": call.account.reference,
        "DB": call.account.debtor.reference,
        "PL": "PL-2345-6789",
    }
    term = search_term(references.get(query, query))
    assert term is not None
    searched = search_requests(ReliefRequest.objects.all(), term, sees_contacts=True)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = searched.explain()
    assert "Seq Scan" not in plan, plan


def rows_and_count(user, params: dict[str, str]) -> tuple[str, str]:
    """The SQL of the queue's page of rows and of its bounded count, as a request ran them."""
    with CaptureQueriesContext(connection) as captured:
        assert staff_client(user).get(QUEUE, params).status_code == 200
    on_requests = [
        query["sql"]
        for query in captured.captured_queries
        if 'FROM "negotiation_reliefrequest"' in query["sql"]
    ]
    count = next(sql for sql in on_requests if sql.startswith("SELECT COUNT(*)"))
    rows = next(sql for sql in on_requests if not sql.startswith("SELECT COUNT(*)"))
    return rows, count


def main_plan(sql: str) -> str:
    """``sql``'s plan with sorting and sequential scans priced out, without its subplans
    (a row's dispute, printed after the tree that reads the rows)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(line for (line,) in cursor.fetchall())
    return plan.split("SubPlan")[0]


@pytest.mark.parametrize("view", ["", "debtor", "escalated", "open", "all", "approved"])
def test_each_view_is_read_in_the_queue_s_order_from_an_index(specialist, call, view):
    """Answer due, the largest, then the newest (the admin's "-pk"), straight from an index:
    at 100,000 debtors the "All" view sorted 66,700 rows on disk, and the open views sorted
    each page again on the last key."""
    rows, _count = rows_and_count(specialist, {"queue": view} if view else {})
    plan = main_plan(rows)
    assert "Sort" not in plan, plan


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"queue": "all"},
        {"q": "Zhang"},
        {"q": "+86 138 0013 8000"},
        {"id_hash": hash_national_id(RESIDENT_ID)},
    ],
)
def test_the_bounded_count_reads_the_requests_alone(specialist, call, params):
    """The count of a view or a search joins nothing to the requests: a join kept for the
    row's columns (extra support, the program's name) or a search through the debtor made
    PostgreSQL hash all 100,000 accounts for every page."""
    _rows, count = rows_and_count(specialist, params)
    assert "JOIN" not in count, count
    assert "LIMIT 1000)" in count, count


def test_the_page_has_50_rows_each_linked_to_its_request(specialist, call):
    response = staff_client(specialist).get(QUEUE)
    changelist = response.context["cl"]
    assert changelist.list_per_page == 50
    assert changelist.url_for_result(call) == reverse(
        "admin:negotiation_reliefrequest_change", args=[call.pk]
    )
    assert f'href="{changelist.url_for_result(call)}' in response.content.decode()


def test_the_row_checkbox_is_django_s_own_input(call):
    queue_admin = admin.site._registry[ReliefRequest]
    assert queue_admin.action_checkbox(call) == ModelAdmin.action_checkbox(queue_admin, call)


# The views ----------------------------------------------------------------------------------


@pytest.fixture
def colleague(db):
    user = make_staff(SPECIALISTS, username="colleague")
    ApprovalLimit.objects.create(user=user, max_amount=Decimal("50000.00"), max_months=12)
    return user


@pytest.fixture
def cases(debtor, installment_program, specialist, colleague):
    """One request of each kind the views tell apart."""

    def new(last4: str, months: int = 12):
        return make_request(
            make_account(debtor, card_last4=last4), installment_program, months=months
        )

    escalated = approve_request(new("0005", months=24), actor=colleague, today=TODAY)
    assert escalated.status == RequestStatus.AWAITING_SECOND_APPROVAL
    return {
        "unassigned": new("0001"),
        "mine": claim_request(new("0002"), actor=specialist),
        "theirs": claim_request(new("0003"), actor=colleague),
        "waiting": ask_for_information(new("0004"), actor=specialist, question="Payslips?"),
        "escalated": escalated,
    }


def shown(page: str, cases: dict[str, ReliefRequest]) -> set[str]:
    return {name for name, case in cases.items() if case.reference in page}


def test_needs_my_action_is_mine_and_nobody_s(specialist, cases):
    page = staff_client(specialist).get(QUEUE).content.decode()
    assert shown(page, cases) == {"unassigned", "mine"}


def test_a_supervisor_s_action_includes_the_second_approvals(supervisor, cases):
    page = staff_client(supervisor).get(QUEUE).content.decode()
    assert shown(page, cases) == {"unassigned", "escalated"}


def test_the_recommender_does_not_see_their_own_recommendation_to_act_on(colleague, cases):
    page = staff_client(colleague).get(QUEUE).content.decode()
    assert shown(page, cases) == {"unassigned", "theirs"}


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ("debtor", {"waiting"}),
        ("escalated", {"escalated"}),
        ("open", {"unassigned", "mine", "theirs", "waiting", "escalated"}),
        ("needs_info", {"waiting"}),  # one status, as the status filter offered
        ("nonsense", set()),
    ],
)
def test_the_other_views(specialist, cases, view, expected):
    page = staff_client(specialist).get(QUEUE, {"queue": view}).content.decode()
    assert shown(page, cases) == expected


def test_needs_my_action_comes_by_answer_due_then_amount(debtor, installment_program, specialist):
    small = make_request(make_account(debtor, card_last4="0001"), installment_program)
    large = make_request(
        make_account(debtor, card_last4="0002", principal=Decimal("20000.00")), installment_program
    )
    urgent = make_request(make_account(debtor, card_last4="0003"), installment_program)
    due = timezone.now() + dt.timedelta(days=2)
    ReliefRequest.objects.filter(pk__in=[small.pk, large.pk]).update(due_by=due)
    ReliefRequest.objects.filter(pk=urgent.pk).update(due_by=due - dt.timedelta(hours=1))
    page = staff_client(specialist).get(QUEUE).content.decode()
    assert page.index(urgent.reference) < page.index(large.reference) < page.index(small.reference)


def test_the_queue_says_how_soon_in_words_and_colour(debtor, installment_program, specialist):
    now = timezone.now()
    late = make_request(make_account(debtor, card_last4="0001"), installment_program)
    ReliefRequest.objects.filter(pk=late.pk).update(due_by=now - dt.timedelta(minutes=5))
    page = staff_client(specialist).get(QUEUE).content.decode()
    assert '<span class="due-past">Past due</span>' in page


# Bulk work ----------------------------------------------------------------------------------


def act(user, action: str, requests, **extra):
    return staff_client(user).post(
        QUEUE,
        {"action": action, "_selected_action": [r.pk for r in requests], **extra},
        follow=True,
    )


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_supervisor_hands_work_to_a_specialist(
    debtor, installment_program, supervisor, specialist
):
    requests = [
        make_request(make_account(debtor, card_last4=f"000{i}"), installment_program)
        for i in range(2)
    ]
    form = act(supervisor, "assign_to", requests)
    assert form.status_code == 200
    assert all(r.reference in form.content.decode() for r in requests)
    assert not ReliefRequest.objects.filter(assignee__isnull=False).exists()  # not yet
    done = act(supervisor, "assign_to", requests, apply="1", assignee=specialist.pk)
    assert set(ReliefRequest.objects.values_list("assignee", flat=True)) == {specialist.pk}
    assert AuditEvent.objects.filter(action="request.assigned", actor=supervisor).count() == 2
    assert "2 assigned to specialist." in said(done)


def test_a_specialist_cannot_hand_work_to_a_colleague(
    debtor, installment_program, specialist, colleague
):
    request = make_request(make_account(debtor, card_last4="0001"), installment_program)
    done = act(specialist, "assign_to", [request], apply="1", assignee=colleague.pk)
    assert ReliefRequest.objects.get(pk=request.pk).assignee is None
    assert f"{request.reference}: not assigned. You do not have the right" in " ".join(said(done))


def test_bulk_approval_approves_only_what_it_may_and_says_why_for_the_rest(
    debtor, installment_program
):
    limited = make_staff(SPECIALISTS)
    ApprovalLimit.objects.create(user=limited, max_amount=Decimal("50000.00"), max_months=20)

    def new(last4: str, months: int):
        return make_request(
            make_account(debtor, card_last4=last4), installment_program, months=months
        )

    inside, outside, over_limit = new("0001", 18), new("0002", 30), new("0003", 24)
    Program.objects.filter(pk=installment_program.pk).update(
        auto_approve=True, auto_approve_max_amount=Decimal("20000.00"), auto_approve_max_months=24
    )
    done = act(limited, "approve_within_limits", [inside, outside, over_limit])
    statuses = dict(ReliefRequest.objects.values_list("reference", "status"))
    assert statuses == {
        inside.reference: RequestStatus.APPROVED,
        outside.reference: RequestStatus.SUBMITTED,
        over_limit.reference: RequestStatus.SUBMITTED,
    }
    messages = said(done)
    assert (
        f"{inside.reference}: approved. The plan now waits for the debtor's signature." in messages
    )
    assert any(
        m.startswith(f"{outside.reference}: not approved. Not within the limits") for m in messages
    )
    assert any(
        m.startswith(f"{over_limit.reference}: not approved. Beyond your approval limit")
        for m in messages
    )


def test_only_deciders_see_the_bulk_approval_and_nobody_deletes(specialist):
    page = staff_client(specialist).get(QUEUE).content.decode()
    assert 'value="approve_within_limits"' in page
    assert 'value="delete_selected"' not in page
    compliance = staff_client(make_staff(COMPLIANCE)).get(QUEUE).content.decode()
    assert 'value="approve_within_limits"' not in compliance
    assert 'value="assign_to_me"' not in compliance


def test_compliance_cannot_post_a_bulk_action(debtor, installment_program):
    request = make_request(make_account(debtor, card_last4="0001"), installment_program)
    act(make_staff(COMPLIANCE), "assign_to_me", [request])
    assert ReliefRequest.objects.get(pk=request.pk).assignee is None
    assert not AuditEvent.objects.filter(action="request.assigned").exists()
