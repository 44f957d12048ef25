"""Changing a signed plan (services.planchanges, money.amend_schedule): the new schedule sums
exactly to what was still to pay plus the program's fee, paid installments stay as they were,
the annual rate is worked out again (checked against tests/reference_money.py), and every
limit holds on both sides of its boundary: 6 months between new payment days, days 1 to 28,
one move to the end per plan year, the 60-month cap. Then a change signed with the code takes
effect (new version, evidence, the earlier document kept), one given up or lapsed changes
nothing, and the follow-up sees the new dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from negotiation import money
from negotiation.exceptions import WrongCode
from negotiation.models import (
    AmendmentKind,
    AmendmentStatus,
    AuditAction,
    AuditEvent,
    ChangeRequestStatus,
    InstallmentStatus,
    Notification,
    NotificationEvent,
    RepaymentPlan,
)
from negotiation.services.agreements import agreement_text
from negotiation.services.following import follow_plans
from negotiation.services.planchanges import (
    ChangeOutdated,
    ChangeRefused,
    ChangeRequestRefused,
    abandon_change,
    answer_change_request,
    ask_for_change,
    expire_lapsed_changes,
    preview_move_to_end,
    preview_payment_day_change,
    propose_change,
    sign_change,
    start_change_signing,
)
from tests import reference_money
from tests.factories import (
    PASSWORD,
    at_noon,
    last_sms_code,
    make_active_plan,
    make_installment_program,
    pay,
)

# --- The pure part: money.amend_schedule -------------------------------------------------


def _lines_of(disclosure: money.Disclosure, paid_count: int) -> list[money.PlanLine]:
    return [
        money.PlanLine(
            line.number,
            line.due_date,
            line.principal_part,
            line.cost_part,
            line.amount if line.number <= paid_count else money.ZERO,
        )
        for line in disclosure.lines
    ]


def _reference_rate(financed: Decimal, start: dt.date, lines) -> Decimal:
    """The annual rate by the independent reference: its months between and its bisection."""
    monthly = reference_money.irr_monthly(
        financed,
        [(reference_money.months_between(start, line.due_date), line.amount) for line in lines],
    )
    return reference_money._percent(monthly * 12)


plans = st.fixed_dictionaries(
    {
        "amount": st.decimals("300.00", "80000.00", places=2),
        "months": st.integers(2, 48),
        "method": st.sampled_from(list(money.CostMethod)),
        "start": st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31)),
        "day": st.one_of(st.none(), st.integers(1, 31)),
    }
)


def _disclosure(p) -> money.Disclosure:
    rate = Decimal("0.006") if p["method"] is money.CostMethod.FLAT_FEE else Decimal("0.06")
    terms = money.Terms(amount=p["amount"], months=p["months"], cost_method=p["method"], rate=rate)
    return money.disclose(terms, start=p["start"], due=money.DueDates(p["day"], 15))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    p=plans,
    paid=st.integers(0, 10),
    days_later=st.integers(0, 400),
    new_day=st.integers(1, 28),
    fee=st.sampled_from([Decimal("0.00"), Decimal("50.00")]),
)
def test_a_new_payment_day_moves_only_the_payments_to_come_and_sums_exactly(
    p, paid, days_later, new_day, fee
):
    disclosure = _disclosure(p)
    lines = _lines_of(disclosure, min(paid, p["months"] - 1))
    today = p["start"] + dt.timedelta(days=days_later)
    moves = money.payment_day_moves(lines, new_day=new_day, today=today)
    assume(moves)
    amended = money.amend_schedule(
        lines,
        moves,
        fee=fee,
        today=today,
        start=p["start"],
        amount=p["amount"],
        down_payment=money.ZERO,
    )
    before = sum((line.amount for line in lines), money.ZERO)
    assert sum((line.amount for line in amended.lines), money.ZERO) == before + fee
    assert amended.total_repayable == disclosure.total_repayable + fee
    # Principal is repaid exactly as agreed; paid and due installments keep their dates.
    assert sorted(line.principal_part for line in amended.lines) == sorted(
        line.principal_part for line in lines
    )
    by_old = dict(amended.renumbered.items())
    after = {line.number: line for line in amended.lines}
    for line in lines:
        changed = after[by_old[line.number]]
        if line.settled or line.due_date <= today:
            assert changed.due_date == line.due_date
            assert changed.paid == line.paid
        else:
            assert changed.due_date.day == new_day
            assert changed.due_date > today
            # The same month, or one later when the new day has passed this month.
            months = (changed.due_date.year - line.due_date.year) * 12 + (
                changed.due_date.month - line.due_date.month
            )
            assert months in (0, 1)
    dates = [line.due_date for line in amended.lines]
    assert dates == sorted(dates)
    assert [line.number for line in amended.lines] == list(range(1, len(lines) + 1))
    assert amended.annual_rate == _reference_rate(p["amount"], p["start"], amended.lines)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=plans, which=st.integers(1, 47), fee=st.sampled_from([Decimal("0.00"), Decimal("9.99")]))
def test_a_payment_moved_to_the_end_keeps_every_other_date_and_sums_exactly(p, which, fee):
    disclosure = _disclosure(p)
    assume(which < p["months"])
    lines = _lines_of(disclosure, 0)
    anchor = p["day"] or p["start"].day
    moves = money.move_to_end_moves(lines, number=which, anchor=anchor)
    amended = money.amend_schedule(
        lines,
        moves,
        fee=fee,
        today=p["start"],
        start=p["start"],
        amount=p["amount"],
        down_payment=money.ZERO,
    )
    assert amended.total_repayable == disclosure.total_repayable + fee
    moved = amended.lines[-1]
    assert moved.principal_part == lines[which - 1].principal_part
    assert moved.due_date == money.add_months(disclosure.last_due_date, 1, day=anchor)
    assert [line.due_date for line in amended.lines[:-1]] == [
        line.due_date for line in lines if line.number != which
    ]
    assert amended.annual_rate == _reference_rate(p["amount"], p["start"], amended.lines)
    # Paying later for the same amounts never raises the rate (without a fee).
    if fee == 0:
        assert amended.annual_rate <= disclosure.annual_rate


def test_an_unchanged_schedule_discloses_the_plan_s_own_rate():
    terms = money.Terms(amount=Decimal("10000.00"), months=12, rate=Decimal("0.006"))
    disclosure = money.disclose(terms, start=dt.date(2027, 1, 15))
    amended = money.amend_schedule(
        _lines_of(disclosure, 0),
        {},
        fee=money.ZERO,
        today=dt.date(2027, 1, 15),
        start=dt.date(2027, 1, 15),
        amount=terms.amount,
        down_payment=money.ZERO,
    )
    assert amended.annual_rate == disclosure.annual_rate == Decimal("13.03")


def test_the_pure_module_refuses_what_the_portal_never_asks():
    lines = _lines_of(
        money.disclose(money.Terms(amount=Decimal("900.00"), months=3), start=dt.date(2027, 1, 1)),
        0,
    )
    with pytest.raises(ValueError, match="1 to 28"):
        money.payment_day_moves(lines, new_day=29, today=dt.date(2027, 1, 1))
    with pytest.raises(ValueError, match="never the down payment"):
        money.amend_schedule(
            lines,
            {9: dt.date(2027, 9, 1)},
            fee=money.ZERO,
            today=dt.date(2027, 1, 1),
            start=dt.date(2027, 1, 1),
            amount=Decimal("900.00"),
            down_payment=money.ZERO,
        )
    with pytest.raises(ValueError, match="fen"):
        money.amend_schedule(
            lines,
            {},
            fee=Decimal("0.001"),
            today=dt.date(2027, 1, 1),
            start=dt.date(2027, 1, 1),
            amount=Decimal("900.00"),
            down_payment=money.ZERO,
        )


def test_the_cap_is_the_day_sixty_months_after_the_agreement():
    start = dt.date(2027, 3, 10)
    assert money.ends_within_legal_cap(start, dt.date(2032, 3, 10))
    assert not money.ends_within_legal_cap(start, dt.date(2032, 3, 11))


# --- The service ---------------------------------------------------------------------------

START = dt.date(2027, 1, 10)  # the agreement; payments fall on the 10th from 10 February


@pytest.fixture
def plan(account, specialist):
    """Six payments of a 0.6% flat-fee plan agreed on START, paid on the 10th."""
    program = make_installment_program(payment_day=10, allows_move_to_end=True)
    return make_active_plan(account, program, specialist, months=6, today=START, now=at_noon(START))


def _fresh(plan):
    return (
        RepaymentPlan.objects.prefetch_related("installments")
        .select_related("request__program", "account__debtor")
        .get(pk=plan.pk)
    )


def _sign(amendment, *, now, text="v"):
    actor = amendment.plan.account.debtor.user
    code = start_change_signing(
        amendment, actor=actor, password=PASSWORD, agreement_text=text, ip=None, now=now
    )
    return sign_change(
        amendment,
        actor=actor,
        code_id=code.pk,
        entered=last_sms_code(),
        agreement_text=text,
        ip="203.0.113.9",
        user_agent="test",
        now=now,
    )


def _change_day(plan, day, on):
    amendment = propose_change(
        _fresh(plan),
        actor=plan.account.debtor.user,
        kind=AmendmentKind.PAYMENT_DAY,
        new_day=day,
        now=at_noon(on),
    )
    return _sign(amendment, now=at_noon(on))


@pytest.mark.django_db
def test_a_new_day_is_previewed_then_signed_as_version_two(plan, sms_outbox):
    today = dt.date(2027, 1, 20)
    preview = preview_payment_day_change(_fresh(plan), 25, today)
    assert preview.allowed, preview.reasons
    assert preview.amended is not None
    new_rate = preview.amended.annual_rate
    assert [row.date_after for row in preview.rows] == [
        dt.date(2027, month, 25) for month in range(2, 8)
    ]
    assert new_rate < plan.annual_rate  # paid later, for the same cost
    assert _fresh(plan).installments.first().due_date == dt.date(2027, 2, 10)  # nothing yet
    signed = _change_day(plan, 25, today)
    assert signed.status == AmendmentStatus.SIGNED
    assert signed.version == 2
    assert signed.signature_code_sent_to
    assert signed.agreement_sha256
    changed = _fresh(plan)
    assert changed.payment_day == 25
    assert [i.due_date.day for i in changed.installments.all()] == [25] * 6
    assert changed.annual_rate == new_rate
    assert changed.total_repayable == plan.total_repayable  # no extra cost
    assert changed.signed_at == plan.signed_at  # version 1's evidence is kept
    assert AuditEvent.objects.filter(action=AuditAction.PLAN_CHANGE_PROPOSED).count() == 1
    assert AuditEvent.objects.filter(
        action=AuditAction.PLAN_CHANGE_TRANSITION, after__status="signed"
    ).exists()
    told = Notification.objects.get(template=NotificationEvent.PLAN_CHANGED, channel="portal")
    assert told.context["next_due"] == "2027-02-25"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "allowed"), [(0, False), (1, True), (28, True), (29, False), (10, False)]
)
def test_the_day_is_1_to_28_and_another_than_today_s(plan, day, allowed):
    preview = preview_payment_day_change(_fresh(plan), day, dt.date(2027, 1, 20))
    assert preview.allowed is allowed
    if not allowed:
        assert preview.reasons[0] in (
            "Please choose a day from 1 to 28: every month has those days.",
            "Your payments already fall on day 10 of the month.",
        )


@pytest.mark.django_db
def test_a_new_day_once_in_six_months_and_the_refusal_says_from_when(plan, sms_outbox):
    _change_day(plan, 25, dt.date(2027, 1, 20))
    too_soon = preview_payment_day_change(_fresh(plan), 5, dt.date(2027, 7, 19))
    assert not too_soon.allowed
    assert "You can change it again from 20 July 2027." in too_soon.reasons[0]
    assert preview_payment_day_change(_fresh(plan), 5, dt.date(2027, 7, 20)).reasons == ()


@pytest.mark.django_db
def test_a_payment_moves_to_the_end_once_a_plan_year(plan, sms_outbox):
    today = dt.date(2027, 1, 20)
    preview = preview_move_to_end(_fresh(plan), 2, today)
    assert preview.allowed, preview.reasons
    assert preview.moved_from == dt.date(2027, 3, 10)
    assert preview.moved_to == dt.date(2027, 8, 10)
    amendment = propose_change(
        _fresh(plan),
        actor=plan.account.debtor.user,
        kind=AmendmentKind.MOVE_TO_END,
        number=2,
        now=at_noon(today),
    )
    _sign(amendment, now=at_noon(today))
    changed = _fresh(plan)
    dates = [(i.number, i.due_date) for i in changed.installments.all()]
    assert dates == [
        (1, dt.date(2027, 2, 10)),
        (2, dt.date(2027, 4, 10)),
        (3, dt.date(2027, 5, 10)),
        (4, dt.date(2027, 6, 10)),
        (5, dt.date(2027, 7, 10)),
        (6, dt.date(2027, 8, 10)),
    ]
    # The plan year runs from the agreement: the day before its anniversary, refused, with
    # the date it becomes possible; on the anniversary, allowed.
    refused = preview_move_to_end(_fresh(plan), 3, dt.date(2028, 1, 9))
    assert "You can move one again from 10 January 2028." in refused.reasons[-1]
    # (Payment 3 is overdue by then, which is its own reason; the plan year is not.)
    assert not any(
        "plan year" in reason
        for reason in preview_move_to_end(_fresh(plan), 3, dt.date(2028, 1, 10)).reasons
    )


@pytest.mark.django_db
def test_a_payment_that_cannot_move_is_refused_in_words(plan):
    fresh = _fresh(plan)
    assert preview_move_to_end(fresh, 6, dt.date(2027, 1, 20)).reasons == (
        "Payment 6 is already the last one.",
    )
    assert preview_move_to_end(fresh, 9, dt.date(2027, 1, 20)).reasons == (
        "There is no such payment in your plan.",
    )
    assert preview_move_to_end(fresh, 1, dt.date(2027, 2, 11)).reasons == (
        "Payment 1 is overdue, so it cannot be moved; you can still make it up.",
    )
    # Due today: still movable (it becomes overdue only tomorrow).
    assert preview_move_to_end(fresh, 1, dt.date(2027, 2, 10)).allowed
    pay(plan.account, str(fresh.installments.first().amount), paid_on=dt.date(2027, 1, 20))
    assert preview_move_to_end(_fresh(plan), 1, dt.date(2027, 1, 21)).reasons == (
        "Payment 1 is already paid.",
    )


@pytest.mark.django_db
def test_a_program_that_does_not_allow_it_says_so(account, specialist):
    program = make_installment_program(payment_day=10)
    plan = make_active_plan(account, program, specialist, months=6, today=START, now=at_noon(START))
    reasons = preview_move_to_end(_fresh(plan), 2, dt.date(2027, 1, 20)).reasons
    assert reasons == (
        "Your plan's program does not allow moving a payment to the end. You can ask us.",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("months", "allowed"), [(59, True), (60, False)])
def test_a_move_never_passes_the_sixty_month_cap(account, supervisor, months, allowed):
    """59 payments from 10 February 2027 end on 10 December 2031: one more month is 10
    January 2032, exactly the cap, allowed; 60 payments end on the cap, and a month more
    would be beyond it."""
    program = make_installment_program(payment_day=10, allows_move_to_end=True, months_max=60)
    plan = make_active_plan(
        account, program, supervisor, months=months, today=START, now=at_noon(START)
    )
    preview = preview_move_to_end(_fresh(plan), 2, dt.date(2027, 1, 20))
    assert preview.allowed is allowed
    if not allowed:
        assert "more than 60 months after the agreement" in preview.reasons[0]


@pytest.mark.django_db
def test_a_later_payment_day_never_passes_the_sixty_month_cap(account, supervisor):
    program = make_installment_program(payment_day=10, months_max=60)
    plan = make_active_plan(
        account, program, supervisor, months=60, today=START, now=at_noon(START)
    )
    assert preview_payment_day_change(_fresh(plan), 9, dt.date(2027, 1, 20)).allowed
    late = preview_payment_day_change(_fresh(plan), 11, dt.date(2027, 1, 20))
    assert "more than 60 months after the agreement" in late.reasons[0]


@pytest.mark.django_db
def test_the_program_s_fee_is_added_to_the_next_payment(account, specialist, sms_outbox):
    program = make_installment_program(payment_day=10, change_fee=Decimal("30.00"))
    plan = make_active_plan(account, program, specialist, months=6, today=START, now=at_noon(START))
    first = _fresh(plan).installments.first().amount
    _change_day(plan, 20, dt.date(2027, 1, 20))
    changed = _fresh(plan)
    assert changed.installments.first().amount == first + Decimal("30.00")
    assert changed.total_repayable == plan.total_repayable + Decimal("30.00")
    assert changed.total_cost == plan.total_cost + Decimal("30.00")


@pytest.mark.django_db
def test_one_change_waits_at_a_time_and_nothing_changes_until_signed(plan):
    actor = plan.account.debtor.user
    now = at_noon(dt.date(2027, 1, 20))
    propose_change(_fresh(plan), actor=actor, kind=AmendmentKind.PAYMENT_DAY, new_day=20, now=now)
    with pytest.raises(ChangeRefused, match="already waiting"):
        propose_change(_fresh(plan), actor=actor, kind=AmendmentKind.MOVE_TO_END, number=2, now=now)
    assert _fresh(plan).installments.first().due_date == dt.date(2027, 2, 10)


@pytest.mark.django_db
def test_a_change_given_up_or_lapsed_changes_nothing(plan):
    actor = plan.account.debtor.user
    now = at_noon(dt.date(2027, 1, 20))
    given_up = propose_change(
        _fresh(plan), actor=actor, kind=AmendmentKind.PAYMENT_DAY, new_day=20, now=now
    )
    assert abandon_change(given_up, actor=actor).status == AmendmentStatus.ABANDONED
    lapsing = propose_change(
        _fresh(plan), actor=actor, kind=AmendmentKind.PAYMENT_DAY, new_day=21, now=now
    )
    assert lapsing.version == 2  # an abandoned change was never a version
    assert expire_lapsed_changes(now=now + dt.timedelta(hours=47)) == 0
    assert expire_lapsed_changes(now=now + dt.timedelta(hours=48)) == 1
    lapsing.refresh_from_db()
    assert lapsing.status == AmendmentStatus.EXPIRED
    assert _fresh(plan).payment_day == 10


@pytest.mark.django_db
def test_a_wrong_code_signs_nothing_and_a_payment_since_makes_it_lapse(plan, sms_outbox):
    actor = plan.account.debtor.user
    now = at_noon(dt.date(2027, 1, 20))
    amendment = propose_change(
        _fresh(plan), actor=actor, kind=AmendmentKind.PAYMENT_DAY, new_day=20, now=now
    )
    code = start_change_signing(
        amendment, actor=actor, password=PASSWORD, agreement_text="v", ip=None, now=now
    )
    right = last_sms_code()
    with pytest.raises(WrongCode):
        sign_change(
            amendment,
            actor=actor,
            code_id=code.pk,
            entered=f"{(int(right) + 1) % 10**6:06d}",
            agreement_text="v",
            ip=None,
            user_agent="",
            now=now,
        )
    pay(plan.account, "100.00", paid_on=dt.date(2027, 1, 20), external_id="PAY-9")
    with pytest.raises(ChangeOutdated):
        sign_change(
            amendment,
            actor=actor,
            code_id=code.pk,
            entered=right,
            agreement_text="v",
            ip=None,
            user_agent="",
            now=now,
        )
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.EXPIRED
    assert _fresh(plan).payment_day == 10


@pytest.mark.django_db
def test_the_amended_text_states_the_version_and_the_change(plan):
    amendment = propose_change(
        _fresh(plan),
        actor=plan.account.debtor.user,
        kind=AmendmentKind.PAYMENT_DAY,
        new_day=20,
        now=at_noon(dt.date(2027, 1, 20)),
    )
    text = agreement_text(_fresh(plan), language="en", amendment=amendment)
    assert "version 2" in text
    assert "fall on day 20 of the month instead of day 10" in text
    assert "The change costs nothing." in text
    assert text != agreement_text(_fresh(plan), language="en")


@pytest.mark.django_db
def test_the_follow_up_sees_the_new_dates(plan, sms_outbox):
    _change_day(plan, 25, dt.date(2027, 1, 20))
    # The old date passes: nothing is overdue, and the reminder comes before the new one.
    follow_plans(today=dt.date(2027, 2, 11))
    assert not _fresh(plan).installments.filter(status=InstallmentStatus.OVERDUE).exists()
    follow_plans(today=dt.date(2027, 2, 22))
    assert Notification.objects.filter(
        template=NotificationEvent.INSTALLMENT_DUE_SOON, context__due="2027-02-25"
    ).exists()


@pytest.mark.django_db
def test_a_payment_moved_to_the_end_is_not_overdue_on_its_old_date(plan, sms_outbox):
    today = dt.date(2027, 1, 20)
    amendment = propose_change(
        _fresh(plan),
        actor=plan.account.debtor.user,
        kind=AmendmentKind.MOVE_TO_END,
        number=1,
        now=at_noon(today),
    )
    _sign(amendment, now=at_noon(today))
    follow_plans(today=dt.date(2027, 2, 11))
    assert not _fresh(plan).installments.filter(status=InstallmentStatus.OVERDUE).exists()
    assert _fresh(plan).installments.last().due_date == dt.date(2027, 8, 10)


@pytest.mark.django_db
def test_another_change_is_asked_once_and_answered_by_a_specialist(plan, specialist, bankstaff):
    actor = plan.account.debtor.user
    now = at_noon(dt.date(2027, 1, 20))
    with pytest.raises(ChangeRequestRefused):
        ask_for_change(_fresh(plan), actor=actor, text="   ", now=now)
    asked = ask_for_change(_fresh(plan), actor=actor, text="Lower payments in summer?", now=now)
    with pytest.raises(ChangeRequestRefused, match="still looking"):
        ask_for_change(_fresh(plan), actor=actor, text="And another", now=now)
    from negotiation.exceptions import ActionNotPermitted

    with pytest.raises(ActionNotPermitted):
        answer_change_request(asked, actor=bankstaff, answer="No.", now=now)
    answered = answer_change_request(
        asked, actor=specialist, answer="We can talk about it: please call us.", now=now
    )
    assert answered.status == ChangeRequestStatus.ANSWERED
    assert Notification.objects.filter(
        template=NotificationEvent.PLAN_CHANGE_ANSWERED, channel="portal"
    ).exists()
    assert AuditEvent.objects.filter(action=AuditAction.PLAN_CHANGE_ANSWERED).count() == 1
