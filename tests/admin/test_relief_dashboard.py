"""The relief dashboard (selectors.reporting, views.reporting): every figure against numbers
worked out by hand on a small world built here, the CSV equal to its table, the period's
checks in the portal's words, who may read it, and a query count that does not grow.

The world, relative to today (T), each row on its own account:

requests open now      age   status                    answer due
  R1                    2 d  submitted                 tomorrow
  R2                   10 d  in review                 an hour ago (late)
  R3                   20 d  waiting for information   an hour ago (not the bank's turn)
  R4                   65 d  awaiting second approval  an hour ago (late)
  R5                   40 d  submitted                 tomorrow
requests decided       submitted        decided          hours
  D1 approved          T-5  12:00       T-3 12:00          48
  D2 approved          T-10 12:00       T-3 18:00         174
  D3 not approved      T-4  12:00       T-1 12:00          72
  D4 approved          T-2  12:00       T-1 12:00          24
  D5 not approved      T-46 12:00       T-45 12:00         24   (outside the last 30 days)
plans (three installments of 1,000.00 each)   signed   due on            paid on             ended
  P1 active                                    T-120    T-110 -80 -50     T-110 -80 -50       -
  P2 broken                                    T-150    T-140 -110 -80    T-140 only          T-10
  P3 completed                                 T-100    T-90 -60 -30      T-90 -60 -12        T-5
  P4 active                                    T-95     T-85 -55 -25      T-85 -55 -3         -
  P5 active (waived 200.00 interest, 50.00 late charges)   T-20    (not yet due)
a payment on no plan: 500.00 on T-7; an account in HKD: 300.00 on T-2
promises: kept (made T-20, kept T-15), broken (made T-25, T-5), broken (made T-60, T-40),
  open (made T-2)
disputes: open (T-20, answer due T-5), extended (T-10, due T+20), upheld (T-25, due T-10,
  answered T-12), not upheld (T-40, due T-25, answered T-20: late), not upheld (T-100, T-80)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db.models import DurationField, ExpressionWrapper, F
from django.urls import reverse
from django.utils import timezone

from negotiation.models import (
    Dispute,
    Installment,
    PaymentAllocation,
    PlanStatus,
    PromiseToPay,
    ReliefRequest,
    RepaymentPlan,
    RequestStatus,
)
from negotiation.roles import BANK_STAFF, COMPLIANCE, SPECIALISTS, SUPERVISORS
from negotiation.selectors.reporting import (
    percentile_of_durations,
    relief_dashboard,
)
from negotiation.views.reporting import table_csv
from tests.conftest import staff_client
from tests.factories import (
    make_account,
    make_active_plan,
    make_debtor,
    make_payment,
    make_request,
    make_staff,
)

pytestmark = pytest.mark.django_db

URL = "/staff/relief-dashboard/"


def _today() -> dt.date:
    return timezone.localdate()


def _at(days_ago: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    day = _today() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _day(days_ago: int) -> dt.date:
    return _today() - dt.timedelta(days=days_ago)


def _account(**kwargs):
    return make_account(make_debtor(), **kwargs)


def _request(program, status: str, **fields) -> ReliefRequest:
    request: ReliefRequest = make_request(_account(), program)
    ReliefRequest.objects.filter(pk=request.pk).update(status=status, **fields)
    return request


def _plan(program, approver, status: str, signed: int, due: list[int], paid: list[int], **extra):
    """A signed plan, moved to ``status``, signed ``signed`` days ago, its installments due
    and paid (1,000.00 each) on the days given (days ago)."""
    plan = make_active_plan(_account(), program, approver)
    ReliefRequest.objects.filter(pk=plan.request_id).update(decided_at=_at(300))
    RepaymentPlan.objects.filter(pk=plan.pk).update(status=status, signed_at=_at(signed), **extra)
    installments = list(plan.installments.filter(number__gte=1).order_by("number"))
    assert len(installments) == len(due)
    for installment, days_ago in zip(installments, due, strict=True):
        Installment.objects.filter(pk=installment.pk).update(
            due_date=_day(days_ago),
            amount=Decimal("1000.00"),
            principal_part=Decimal("1000.00"),
            cost_part=Decimal("0.00"),
        )
    for installment, days_ago in zip(installments, paid, strict=False):
        payment = make_payment(plan.account, "1000.00", paid_on=_day(days_ago))
        PaymentAllocation.objects.create(
            payment=payment, installment=installment, amount=Decimal("1000.00")
        )
    return plan


def _dispute(status: str, opened: int, due: int, resolved: int | None, staff):
    account = _account()
    fields = {}
    if resolved is not None:
        fields = {"resolved_at": _at(resolved), "resolved_by": staff, "answer": "Looked into."}
    if status == "extended":
        fields = {"extended_at": _at(opened - 1), "extension_reason": "Waiting for the bank."}
    return Dispute.objects.create(
        account=account,
        debtor=account.debtor,
        kind="amount_wrong",
        explanation="The late charge is wrong.",
        status=status,
        opened_at=_at(opened),
        opened_by=account.debtor.user,
        answer_due=_day(due),
        account_status_before="in_arrears",
        **fields,
    )


def _promise(status: str, made: int, resolved: int | None):
    account = _account()
    return PromiseToPay.objects.create(
        account=account,
        amount=Decimal("100.00"),
        promised_by=_day(made - 5),
        made_at=_at(made),
        made_by=account.debtor.user,
        status=status,
        resolved_at=_at(resolved) if resolved is not None else None,
    )


@pytest.fixture
def world(installment_program, supervisor):
    program = installment_program
    now = timezone.now()
    hour_ago, tomorrow = now - dt.timedelta(hours=1), now + dt.timedelta(days=1)
    for status, age, due in [
        (RequestStatus.SUBMITTED, 2, tomorrow),
        (RequestStatus.IN_REVIEW, 10, hour_ago),
        (RequestStatus.NEEDS_INFO, 20, hour_ago),
        (RequestStatus.AWAITING_SECOND_APPROVAL, 65, hour_ago),
        (RequestStatus.SUBMITTED, 40, tomorrow),
    ]:
        _request(program, status, submitted_at=now - dt.timedelta(days=age, hours=1), due_by=due)
    for status, submitted, decided in [
        (RequestStatus.APPROVED, _at(5), _at(3)),
        (RequestStatus.APPROVED, _at(10), _at(3, 18)),
        (RequestStatus.REJECTED, _at(4), _at(1)),
        (RequestStatus.APPROVED, _at(2), _at(1)),
        (RequestStatus.REJECTED, _at(46), _at(45)),
    ]:
        _request(program, status, submitted_at=submitted, decided_at=decided, due_by=submitted)
    _plan(program, supervisor, PlanStatus.ACTIVE, 120, [110, 80, 50], [110, 80, 50])
    _plan(program, supervisor, PlanStatus.BROKEN, 150, [140, 110, 80], [140], ended_at=_at(10))
    _plan(
        program, supervisor, PlanStatus.COMPLETED, 100, [90, 60, 30], [90, 60, 12], ended_at=_at(5)
    )
    _plan(program, supervisor, PlanStatus.ACTIVE, 95, [85, 55, 25], [85, 55, 3])
    _plan(
        program,
        supervisor,
        PlanStatus.ACTIVE,
        20,
        [-10, -40, -70],
        [],
        waived_interest=Decimal("200.00"),
        waived_penalty=Decimal("50.00"),
        amount=Decimal("11000.00"),
    )
    make_payment(_account(), "500.00", paid_on=_day(7))
    make_payment(_account(currency="HKD"), "300.00", paid_on=_day(2))
    _promise("kept", 20, 15)
    _promise("broken", 25, 5)
    _promise("broken", 60, 40)
    _promise("open", 2, None)
    _dispute("open", 20, 5, None, supervisor)
    _dispute("extended", 10, -20, None, supervisor)
    _dispute("upheld", 25, 10, 12, supervisor)
    _dispute("rejected", 40, 25, 20, supervisor)
    _dispute("rejected", 100, 80, 80, supervisor)


def _figures(first_days_ago: int = 29, last_days_ago: int = 0):
    return relief_dashboard(
        first_day=_day(first_days_ago), last_day=_day(last_days_ago), now=timezone.now()
    )


def _column(table, column: int = 0) -> dict[str, object]:
    return {row.key: row.values[column] for row in table.rows}


def test_open_requests_by_status_and_age(world):
    table = _figures().tables["open_requests"]
    assert table.now
    assert {row.key: row.values for row in table.rows} == {
        "submitted": [1, 0, 0, 1, 0, 2],
        "in_review": [0, 1, 0, 0, 0, 1],
        "needs_info": [0, 0, 1, 0, 0, 1],
        "counter_offered": [0, 0, 0, 0, 0, 0],
        "awaiting_second_approval": [0, 0, 0, 0, 1, 1],
        "total": [1, 1, 1, 1, 1, 5],
    }


def test_answers_past_their_due_time(world):
    assert _column(_figures().tables["answer_clock"]) == {
        "requests_waiting": 4,  # submitted, in review, awaiting the second approval
        "requests_late": 2,  # R2 and R4; R3 waits for the debtor
        "disputes_waiting": 2,
        "disputes_late": 1,
        "disputes_answered_late": 1,
    }


def test_decisions_the_rate_and_the_time_they_took(world):
    figures = _figures()
    assert _column(figures.tables["decisions"]) == {
        "decisions": 4,
        "approved": 3,
        "rejected": 1,
        "approval_rate": Decimal("75.0"),
        "average_hours": Decimal("79.5"),  # (48 + 174 + 72 + 24) / 4
        "p90_hours": Decimal("143.4"),  # rank 0.9 x 3 = 2.7: 72 + 0.7 x (174 - 72)
    }
    per_day = figures.tables["decisions_per_day"]
    assert len(per_day.rows) == 30
    assert per_day.rows[0].key == _day(29).isoformat()
    assert per_day.rows[-1].key == _today().isoformat()
    busy = {row.key: row.values for row in per_day.rows if row.values[2]}
    assert busy == {_day(3).isoformat(): [2, 0, 2], _day(1).isoformat(): [1, 1, 2]}


def test_the_period_chooses_the_decisions(world):
    decisions = _figures(89).tables["decisions"]  # the last 90 days: D5 too
    assert _column(decisions)["rejected"] == 2
    assert _column(decisions)["approval_rate"] == Decimal("60.0")
    assert _column(_figures(3, 2).tables["decisions"])["decisions"] == 2  # T-3 only
    nothing = _column(_figures(20, 10).tables["decisions"])
    assert nothing["decisions"] == 0
    assert nothing["approval_rate"] is None
    assert nothing["average_hours"] is None
    assert nothing["p90_hours"] is None


def test_plans(world):
    assert _column(_figures().tables["plans"]) == {
        "active": 3,
        "signed": 1,
        "completed": 1,
        "broken": 1,
        "expired": 0,
    }


def test_the_cure_rate(world):
    cure = _column(_figures(200).tables["cure"])
    # P1 paid all on time, P3's last payment came before its 90th day: cured. P2 broke,
    # P4 paid its third installment after its 90th day. P5 is too recent to count.
    assert cure == {"counted": 4, "cured": 2, "cure_rate": Decimal("50.0"), "too_soon": 1}
    assert _column(_figures().tables["cure"]) == {
        "counted": 0,
        "cured": 0,
        "cure_rate": None,
        "too_soon": 1,
    }


def test_amounts_per_currency(world):
    table = _figures().tables["amounts"]
    assert {row.key: row.values for row in table.rows} == {
        "CNY": [
            Decimal("11000.00"),  # P5, signed in the period
            Decimal("200.00"),
            Decimal("50.00"),
            Decimal("2000.00"),  # P3's and P4's third installments
            Decimal("2500.00"),  # and the payment on no plan
        ],
        "HKD": [Decimal("0.00")] * 4 + [Decimal("300.00")],
    }


def test_promises(world):
    assert _column(_figures().tables["promises"]) == {
        "made": 3,
        "kept": 1,
        "broken": 1,
        "kept_rate": Decimal("50.0"),
        "open": 1,
    }


def test_disputes(world):
    assert _column(_figures().tables["disputes"]) == {
        "opened": 3,
        "upheld": 1,
        "rejected": 1,
        "upheld_rate": Decimal("50.0"),
    }


def test_the_fallback_percentile_agrees_with_postgresql(world):
    decided = ReliefRequest.objects.filter(decided_at__gte=_at(29, 0))
    taken = ExpressionWrapper(F("decided_at") - F("submitted_at"), output_field=DurationField())
    assert percentile_of_durations(decided, taken, Fraction(9, 10)) == dt.timedelta(hours=143.4)
    assert percentile_of_durations(decided, taken, Fraction(1, 2)) == dt.timedelta(hours=60)
    assert percentile_of_durations(decided.none(), taken, Fraction(9, 10)) is None


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_every_table_downloads_as_csv_with_the_pages_numbers(world, supervisor):
    client = staff_client(supervisor)
    figures = _figures()
    period = {"first_day": _day(29).isoformat(), "last_day": _today().isoformat()}
    for name, table in figures.tables.items():
        response = client.get(URL, {"format": "csv", "table": name, **period})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"] == (
            f'attachment; filename="relief-{name}-{period["first_day"]}-{period["last_day"]}.csv"'
        )
        expected = [[table.label_heading, *table.columns]] + [
            [row.label, *("" if v is None else str(v) for v in row.values)] for row in table.rows
        ]
        assert _csv(response) == expected
        assert response.content.decode() == table_csv(table)
    decisions = _csv(client.get(URL, {"format": "csv", "table": "decisions", **period}))
    assert decisions[4] == ["Approval rate (%)", "75.0"]
    assert decisions[6] == ["90th percentile of the time to decision (hours)", "143.4"]


def test_a_table_that_does_not_exist_is_not_found(supervisor):
    client = staff_client(supervisor)
    assert client.get(URL, {"format": "csv", "table": "salaries"}).status_code == 404
    assert client.get(URL, {"format": "csv"}).status_code == 404


def test_the_page_shows_every_table_and_its_charts(world, supervisor):
    response = staff_client(supervisor).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    for name in response.context["figures"].tables:
        assert f'id="table-{name}"' in page
        assert f"table={name}&amp;" in page
    assert page.count('role="img"') == 2
    assert '<title id="age-chart-title">Open requests now, by age</title>' in page
    assert "Under 7 days: 1." in page  # the bar chart's text alternative
    assert "3 approved and 2 not approved in all" in page  # the last 90 days by default
    assert "11,000.00" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"first_day": "2026-13-01"}, "Please give the first day as a date, such as 2026-09-01."),
        ({"last_day": "yesterday"}, "Please give the last day as a date, such as 2026-11-30."),
        ({"first_day": "DAY+1", "last_day": "DAY+1"}, "The first day cannot be after today."),
        ({"first_day": "DAY-5", "last_day": "DAY+1"}, "The last day cannot be after today."),
        (
            {"first_day": "DAY-1", "last_day": "DAY-2"},
            "The first day must be on or before the last day.",
        ),
        (
            {"first_day": "DAY-400", "last_day": "DAY-0"},
            "Please choose a period of at most 366 days.",
        ),
    ],
)
def test_a_bad_period_is_said_in_the_portals_words(supervisor, query, message):
    def day(value: str) -> str:
        if value.startswith("DAY"):
            return (_today() + dt.timedelta(days=int(value[3:]))).isoformat()
        return value

    query = {key: day(value) for key, value in query.items()}
    client = staff_client(supervisor)
    response = client.get(URL, query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["figures"] is None
    as_csv = client.get(URL, {**query, "format": "csv", "table": "plans"})
    assert as_csv.status_code == 400
    assert as_csv.content.decode() == message


def test_one_day_given_makes_a_period_of_ninety_days(supervisor):
    client = staff_client(supervisor)
    figures = client.get(URL, {"last_day": _day(10).isoformat()}).context["figures"]
    assert (figures.first_day, figures.last_day) == (_day(99), _day(10))
    figures = client.get(URL, {"first_day": _day(30).isoformat()}).context["figures"]
    assert (figures.first_day, figures.last_day) == (_day(30), _today())
    figures = client.get(URL).context["figures"]
    assert (figures.first_day, figures.last_day) == (_day(89), _today())


@pytest.mark.parametrize(
    ("group", "allowed"),
    [(SPECIALISTS, False), (BANK_STAFF, False), (SUPERVISORS, True), (COMPLIANCE, True)],
)
def test_only_supervisors_and_compliance_read_it(group, allowed):
    client = staff_client(make_staff(group))
    assert reverse("admin:relief_dashboard") == URL
    assert client.get(URL).status_code == (200 if allowed else 403)
    assert client.get(URL, {"format": "csv", "table": "plans"}).status_code == (
        200 if allowed else 403
    )
    link = f'href="{URL}"' in client.get(reverse("admin:index")).content.decode()
    assert link is allowed


def test_it_rejects_post(supervisor):
    assert staff_client(supervisor).post(URL).status_code == 405


def _requests(program, n: int) -> None:
    for _ in range(n):
        make_request(_account(), program)


@pytest.mark.parametrize("n", [2, 20])
def test_the_page_costs_the_same_queries_whatever_the_rows(
    n, installment_program, supervisor, django_assert_num_queries, cold_caches
):
    _requests(installment_program, n)
    client = staff_client(supervisor)
    client.get(URL)  # the session's and the content types' first reads
    with django_assert_num_queries(QUERIES):
        response = client.get(URL)
    assert response.status_code == 200
    assert response.context["figures"].tables["open_requests"].value("total", 5) == n


QUERIES = 20  # the figures (14), the session, the user, the app device and the rights
