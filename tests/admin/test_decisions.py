"""The request page's decisions (issue 15, parts 3-5): the buttons are the moves the
transition table leaves open to the viewer's role in the request's state; a refused
decision keeps what was typed and says why in words about the request; counter-offers
under another eligible program, previewed with the debtor's affordability, every problem
said at once; reusable wording filled in the debtor's language."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from negotiation.models import (
    AuditAction,
    AuditEvent,
    Message,
    Offer,
    OfferKind,
    ReliefRequest,
    RequestStatus,
    WordingKind,
    WordingTemplate,
)
from negotiation.models.requests import REQUEST_TRANSITIONS
from negotiation.money import CostMethod
from negotiation.policy import Choices
from negotiation.roles import (
    BANK_STAFF,
    COMPLIANCE,
    ROLE_PERMISSIONS,
    SPECIALISTS,
    SUPERVISORS,
    Role,
)
from negotiation.selectors.terms import terms_problems
from negotiation.selectors.workbench import Decision, counter_offer_programs, decisions_open_to
from negotiation.services.offers import accept_counter_offer
from negotiation.services.requests import approve_request
from tests.conftest import staff_client
from tests.factories import make_installment_program, make_request, make_staff

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
S = RequestStatus


def url(name: str, request: ReliefRequest) -> str:
    return reverse(f"admin:negotiation_reliefrequest_{name}", args=[request.pk])


# The oracle: each button and the moves of the table it makes (where to, in which role).
BUTTON_MOVES = {
    "claim": [(S.IN_REVIEW, Role.REVIEWER)],
    "approve": [(S.APPROVED, Role.DECIDER), (S.AWAITING_SECOND_APPROVAL, Role.DECIDER)],
    "reject": [(S.REJECTED, Role.DECIDER)],
    "counter": [(S.COUNTER_OFFERED, Role.DECIDER)],
    "ask": [(S.NEEDS_INFO, Role.DECIDER)],
    "second_approve": [(S.APPROVED, Role.SECOND_APPROVER)],
    "send_back": [(S.IN_REVIEW, Role.SECOND_APPROVER)],
}


def buttons_the_table_allows(status: str, user) -> set[str]:
    """From REQUEST_TRANSITIONS alone: the moves out of ``status`` in a role ``user``
    holds; a decider's decision on a submitted request takes it into review first; an open
    request no one holds can be claimed."""
    held = {role for role, permission in ROLE_PERMISSIONS.items() if user.has_perm(permission)}
    reviewing = status == S.SUBMITTED and REQUEST_TRANSITIONS.get((status, S.IN_REVIEW)) in held
    allowed = set()
    for button, moves in BUTTON_MOVES.items():
        for to, role in moves:
            direct = REQUEST_TRANSITIONS.get((status, to)) == role
            through_review = (
                reviewing and role is Role.DECIDER and REQUEST_TRANSITIONS.get((S.IN_REVIEW, to))
            ) == role
            if role in held and (direct or through_review):
                allowed.add(button)
    if status in S.values and ReliefRequest(status=status).is_open and Role.REVIEWER in held:
        allowed.add("claim")
    return allowed


def in_status(request: ReliefRequest, status: str, first_approver) -> ReliefRequest:
    """The request put in ``status`` as the table's moves would leave it (test set-up)."""
    changes = {"status": status}
    if status == S.AWAITING_SECOND_APPROVAL:
        changes["first_approved_by"] = first_approver
    ReliefRequest.objects.filter(pk=request.pk).update(**changes)
    request.refresh_from_db()
    return request


def shown(page: str) -> set[str]:
    return set(re.findall(r'data-testid="decision-([a-z_]+)"', page))


@pytest.mark.parametrize("status", S.values)
@pytest.mark.parametrize("group", [SPECIALISTS, SUPERVISORS, COMPLIANCE])
def test_the_buttons_are_the_moves_the_table_allows(account, installment_program, status, group):
    recommender = make_staff(SPECIALISTS)
    request = in_status(make_request(account, installment_program), status, recommender)
    viewer = make_staff(group)
    response = staff_client(viewer).get(url("change", request))
    assert response.status_code == 200
    expected = buttons_the_table_allows(status, viewer)
    assert shown(response.content.decode()) == expected
    assert {d.value for d in decisions_open_to(request, viewer)} == expected


def test_bank_staff_see_no_request_page(account, installment_program):
    request = make_request(account, installment_program)
    assert staff_client(make_staff(BANK_STAFF)).get(url("change", request)).status_code == 403


def test_a_request_with_a_colleague_shows_no_decision_to_another_specialist(
    account, installment_program, specialist
):
    request = make_request(account, installment_program)
    staff_client(specialist).post(url("claim", request), {"version": request.version})
    request.refresh_from_db()
    other = make_staff(SPECIALISTS)
    assert decisions_open_to(request, other) == frozenset()
    # A supervisor may still decide it, or take it.
    assert Decision.REJECT in decisions_open_to(request, make_staff(SUPERVISORS))


# What each decision posts, with text the specialist typed.
POSTS = {
    "claim": ("claim", {}),
    "approve": ("approve", {"recommendation": "Typed recommendation"}),
    "reject": ("reject", {"reason_code": "other", "explanation": "Typed explanation"}),
    "ask": ("ask", {"question": "Typed question"}),
    "send_back": ("send_back", {"note": "Typed note"}),
    "counter": (
        "counter",
        {
            "months": "24",
            "grace_months": "0",
            "expires_on": (TODAY + dt.timedelta(days=7)).isoformat(),
            "message": "Typed message",
            "send": "1",
        },
    ),
}


@pytest.mark.parametrize("status", [S.APPROVED, S.REJECTED, S.NEEDS_INFO, S.WITHDRAWN])
def test_a_decision_the_state_refuses_keeps_the_input_and_says_why(
    account, installment_program, status
):
    recommender = make_staff(SPECIALISTS)
    request = in_status(make_request(account, installment_program), status, recommender)
    supervisor = make_staff(SUPERVISORS)
    client = staff_client(supervisor)
    open_now = {d.value for d in decisions_open_to(request, supervisor)}
    for name, (view, data) in POSTS.items():
        if name in open_now:
            continue
        response = client.post(url(view, request), {**data, "version": request.version})
        page = response.content.decode()
        assert response.status_code == 200, name  # the page again, never a 403
        assert 'data-testid="refusal"' in page
        assert "Nothing was changed." in page
        assert "do not have the right" not in page
        for typed in data.values():
            if typed.startswith("Typed"):
                assert typed in page, name
    fresh = ReliefRequest.objects.get(pk=request.pk)
    assert (fresh.status, fresh.version) == (status, request.version)


def test_a_rejection_after_a_colleagues_approval_names_who_and_when(
    account, installment_program, specialist, supervisor
):
    request = make_request(account, installment_program)
    seen = request.version  # the specialist's page
    approve_request(request, actor=supervisor, today=TODAY)
    response = staff_client(specialist).post(
        url("reject", request),
        {"reason_code": "other", "explanation": "My own careful words", "version": seen},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "My own careful words" in page
    assert "This request was already approved by supervisor at" in page
    assert "Nothing was changed." in page
    assert "Reject the request" not in page  # no button for a decision no longer open
    assert ReliefRequest.objects.get(pk=request.pk).status == S.APPROVED


def test_a_counter_offer_beyond_the_limit_keeps_the_terms_and_says_why(
    account, installment_program, specialist
):
    request = make_request(account, installment_program)
    data = {**POSTS["counter"][1], "months": "48", "version": request.version}
    page = staff_client(specialist).post(url("counter", request), data).content.decode()
    assert "beyond your approval limit" in page  # the specialist's limit is 36 months
    assert 'value="48"' in page
    assert "Typed message" in page
    assert ReliefRequest.objects.get(pk=request.pk).status == S.SUBMITTED


# Counter-offers across programs -----------------------------------------------------------


@pytest.fixture
def hardship_program(db):
    return make_installment_program(
        code="hardship",
        name="Hardship plan",
        name_zh="困难客户分期",
        months_min=6,
        months_max=60,
        cost_method=CostMethod.ANNUITY,
        rate=Decimal("0.06000"),
        max_waiver_pct=Decimal("50"),
        min_days_past_due=30,
    )


def test_the_counter_offer_lists_only_the_programs_the_account_is_eligible_for(
    account, installment_program, hardship_program
):
    freeze = make_installment_program(code="freeze-90", min_days_past_due=90)
    request = make_request(account, installment_program)  # 45 days past due
    programs = counter_offer_programs(request, today=TODAY)
    assert programs[0] == installment_program
    assert hardship_program in programs
    assert freeze not in programs


def test_a_counter_offer_under_the_hardship_program_previews_affordability_and_is_accepted(
    account, installment_program, hardship_program, specialist
):
    request = make_request(account, installment_program)
    client = staff_client(specialist)
    data = {
        "version": request.version,
        "program": hardship_program.pk,
        "months": "30",
        "grace_months": "0",
        "waived_interest": "300.00",
        "waived_penalty": "150.00",
        "expires_on": (TODAY + dt.timedelta(days=14)).isoformat(),
        "message": "Our hardship plan, with part of the interest and late charges waived.",
    }
    page = client.post(url("counter", request), {**data, "preview": "1"}).content.decode()
    assert 'data-testid="counter-affordability"' in page
    assert "Hardship plan" in page
    # The debtor's figures: 8,000 income, 5,000 expenses, one dependent.
    assert "¥8,000.00 / ¥5,000.00" in page
    assert "Fits the budget" in page or "Tight for the budget" in page
    assert "¥450.00" in page  # amounts waived
    client.post(url("counter", request), {**data, "send": "1"})
    offer = Offer.objects.get(request=request, kind=OfferKind.COUNTER)
    assert offer.program == hardship_program
    made = AuditEvent.objects.get(action=AuditAction.OFFER_MADE)
    assert made.after["program"] == "hardship"

    approved = accept_counter_offer(request, actor=account.debtor.user, now=timezone.now())
    assert approved.program == hardship_program
    plan = approved.plan
    assert plan.request.program == hardship_program
    assert (plan.months, plan.waived_interest, plan.cost_method) == (
        30,
        Decimal("300.00"),
        CostMethod.ANNUITY,
    )


def test_every_problem_of_a_counter_offer_is_said_at_once(account, installment_program, specialist):
    narrow = make_installment_program(code="narrow", months_max=36)
    request = make_request(account, installment_program)
    data = {
        "version": request.version,
        "program": narrow.pk,
        "months": "72",
        "grace_months": "2",
        "waived_interest": "100.00",
        "expires_on": (TODAY - dt.timedelta(days=1)).isoformat(),
        "message": "",
        "preview": "1",
    }
    page = staff_client(specialist).post(url("counter", request), data).content.decode()
    for problem in (
        "Choose between 3 and 36 monthly payments.",
        "With the payment-free months the plan would last more than 60 months.",
        "This option has no payment-free months.",
        "This option does not waive interest or late charges.",
        "Choose a date from today to 60 days ahead.",
        "Write the text for the debtor, or choose a wording from the list.",
    ):
        assert problem in page, problem
    assert ReliefRequest.objects.get(pk=request.pk).status == S.SUBMITTED


def test_the_terms_problems_are_collected_not_stopped_at_the_first(account, installment_program):
    narrow = make_installment_program(code="narrow-2", months_max=36, min_down_payment_pct=10)
    terms, problems = terms_problems(
        account,
        narrow,
        Choices(months=40, waived_penalty=Decimal("50.00")),
        today=TODAY,
    )
    assert terms is None
    assert set(problems) == {"months", "down_payment", "waived_penalty"}
    good, none = terms_problems(
        account, narrow, Choices(months=24, down_payment=Decimal("1100")), today=TODAY
    )
    assert none == {}
    assert good is not None
    assert good.months == 24


# Reusable wording ------------------------------------------------------------------------


@pytest.fixture
def payslip_question(db):
    return WordingTemplate.objects.create(
        kind=WordingKind.QUESTION,
        title="Payslips",
        text_en="Please send your last three payslips.",
        text_zh="请提供最近三个月的工资单。",
    )


@pytest.mark.parametrize(
    ("language", "text"),
    [("zh-hans", "请提供最近三个月的工资单。"), ("en", "Please send your last three payslips.")],
)
def test_a_chosen_wording_is_sent_in_the_debtors_language(
    account, installment_program, specialist, payslip_question, language, text
):
    account.debtor.preferred_language = language
    account.debtor.save()
    request = make_request(account, installment_program)
    client = staff_client(specialist)
    page = client.get(url("change", request)).content.decode()
    assert f'data-text="{text}"' in page  # what the script puts in the box
    client.post(
        url("ask", request),
        {"version": request.version, "wording": payslip_question.pk, "question": ""},
    )
    assert Message.objects.get(request=request).body == text
    assert ReliefRequest.objects.get(pk=request.pk).status == S.NEEDS_INFO


def test_what_the_specialist_types_wins_over_the_wording(
    account, installment_program, specialist, payslip_question
):
    request = make_request(account, installment_program)
    staff_client(specialist).post(
        url("ask", request),
        {"version": request.version, "wording": payslip_question.pk, "question": "My words."},
    )
    assert Message.objects.get(request=request).body == "My words."


def test_a_rejection_uses_the_chosen_explanation(account, installment_program, specialist):
    wording = WordingTemplate.objects.create(
        kind=WordingKind.REJECTION,
        title="Not affordable",
        text_en="These payments would leave you too little to live on.",
        text_zh="按此方案还款后您的生活费用将不足。",
    )
    inactive = WordingTemplate.objects.create(
        kind=WordingKind.REJECTION, title="Old", text_en="Old", text_zh="旧", active=False
    )
    request = make_request(account, installment_program)
    client = staff_client(specialist)
    page = client.get(url("reject", request)).content.decode()
    assert "Not affordable" in page
    assert ">Old<" not in page
    client.post(
        url("reject", request),
        {"version": request.version, "reason_code": "affordability", "wording": wording.pk},
    )
    assert ReliefRequest.objects.get(pk=request.pk).decision_note == wording.text_en
    assert inactive.pk  # kept, never offered


def test_supervisors_write_wordings_and_specialists_only_read_them(specialist, supervisor):
    add = reverse("admin:negotiation_wordingtemplate_add")
    data = {
        "kind": "question",
        "title": "ID",
        "text_en": "Your ID, please.",
        "text_zh": "请提供身份证。",
        "active": "on",
    }
    assert staff_client(specialist).post(add, data).status_code == 403
    response = staff_client(supervisor).post(add, data)
    assert response.status_code == 302
    wording = WordingTemplate.objects.get(title="ID")
    saved = AuditEvent.objects.get(action=AuditAction.WORDING_TEMPLATE_SAVED)
    assert (saved.object_id, saved.after["text_zh"]) == (wording.pk, "请提供身份证。")
    listing = reverse("admin:negotiation_wordingtemplate_changelist")
    assert staff_client(specialist).get(listing).status_code == 200
