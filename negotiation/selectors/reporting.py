"""The relief dashboard's figures (views.reporting): aggregate queries only, a fixed number of
them whatever the number of rows, each figure group one named table the page shows and the
CSV export writes. The definitions are in docs/DESIGN.md ("The relief dashboard").

Two kinds of figure: those of the period (from its first day to its last, inclusive, in the
portal's time zone) and those of the present moment ("now", whatever the period), which the
tables say."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from negotiation.charts import BarChart, LineChart, bar_chart, line_chart
from negotiation.models import (
    Dispute,
    DisputeStatus,
    Installment,
    Payment,
    PaymentAllocation,
    PlanStatus,
    PromiseStatus,
    PromiseToPay,
    ReliefRequest,
    RepaymentPlan,
    RequestStatus,
)
from negotiation.models.disputes import OPEN_DISPUTE_STATUSES
from negotiation.models.requests import OPEN_REQUEST_STATUSES, WITH_THE_BANK_STATUSES

# The longest period the page takes: its decisions per day stay a readable table.
MAX_PERIOD_DAYS = 366
DEFAULT_PERIOD_DAYS = 90
# A plan "cures" its account when every installment due within this many days of the day it
# was signed was paid by then (docs/DESIGN.md).
CURE_DAYS = 90
# An open request's age, in whole days since it was submitted: [from, to) days.
AGE_BANDS: list[tuple[str, int, int | None]] = [
    ("under_7", 0, 7),
    ("7_to_13", 7, 14),
    ("14_to_29", 14, 30),
    ("30_to_59", 30, 60),
    ("60_or_more", 60, None),
]
DECISIONS = (RequestStatus.APPROVED, RequestStatus.REJECTED)
ONE_DECIMAL = Decimal("0.1")
CENT = Decimal("0.01")
MICROSECONDS_PER_HOUR = 3_600_000_000


@dataclass(frozen=True)
class Row:
    key: str  # stable, for tests and the page's ids
    label: str  # in the reader's language
    values: list[Any]  # int, Decimal, or None where there is no figure (a rate of nothing)


@dataclass(frozen=True)
class Table:
    name: str  # stable: ?format=csv&table=<name>
    title: str
    label_heading: str
    columns: list[str]
    rows: list[Row]
    now: bool = False  # figures of the present moment, not of the period

    def row(self, key: str) -> Row:
        return next(row for row in self.rows if row.key == key)

    def value(self, key: str, column: int = 0) -> Any:
        return self.row(key).values[column]


@dataclass(frozen=True)
class ReliefDashboard:
    first_day: dt.date
    last_day: dt.date
    tables: dict[str, Table] = field(default_factory=dict)
    age_chart: BarChart | None = None
    decisions_chart: LineChart | None = None


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last 90 days, today included."""
    return today - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1), today


def start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the portal's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def cents(amount: Decimal | int | float | None) -> Decimal:
    """A sum of money columns to the cent (SQLite hands sums back without their places)."""
    return Decimal(str(amount or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def rate(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in percent, one decimal, half up; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def hours(duration: dt.timedelta | None) -> Decimal | None:
    """A duration in hours, one decimal, half up (exact: from whole microseconds)."""
    if duration is None:
        return None
    microseconds = duration // dt.timedelta(microseconds=1)
    return (Decimal(microseconds) / MICROSECONDS_PER_HOUR).quantize(
        ONE_DECIMAL, rounding=ROUND_HALF_UP
    )


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile (linear interpolation between the two nearest
    values), for one fixed fraction written by the code, never by a reader."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, *, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("a percentile's fraction lies between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


class DaysAfter(Func):
    """A date plus a fixed whole number of days, as a date, on PostgreSQL and SQLite (the
    number is the code's, written into the SQL as an integer)."""

    output_field = DateField()

    def __init__(self, expression: Any, days: int) -> None:
        self.days = int(days)
        super().__init__(expression)

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        template = f"((%(expressions)s)::date + {self.days})"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        template = f"date(%(expressions)s, '+{self.days} days')"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def percentile_of_durations(
    queryset: QuerySet[Any], duration: Any, fraction: Fraction
) -> dt.timedelta | None:
    """The continuous percentile of ``duration`` over ``queryset``, as PostgreSQL's
    ``percentile_cont`` gives it, where the database has no such function: the count, then
    the one or two values around the rank, read in order by the database (never every row).
    """
    count = queryset.count()
    if not count:
        return None
    position = fraction * (count - 1)
    lower = int(position)  # floor: position is not negative
    ordered = queryset.annotate(_d=duration).order_by("_d").values_list("_d", flat=True)
    around: list[dt.timedelta] = list(ordered[lower : lower + 2])
    low = around[0] // dt.timedelta(microseconds=1)
    high = around[-1] // dt.timedelta(microseconds=1)
    share = position - lower
    exact = low + (high - low) * share
    return dt.timedelta(microseconds=round(exact))


def _in(field_name: str, since: dt.datetime, until: dt.datetime) -> Q:
    return Q(**{f"{field_name}__gte": since, f"{field_name}__lt": until})


def relief_dashboard(*, first_day: dt.date, last_day: dt.date, now: dt.datetime) -> ReliefDashboard:
    """Every figure of the dashboard for the period ``first_day`` to ``last_day`` (both
    included), and the figures of the present at ``now``. The caller checked the period
    (views.reporting, forms.reporting: at most ``MAX_PERIOD_DAYS``)."""
    since, until = start_of(first_day), start_of(last_day + dt.timedelta(days=1))
    today = timezone.localdate(now)
    tables = [
        _open_requests(now),
        _answer_clock(now, today, since, until),
        *_decisions(since, until, first_day, last_day),
        _plans(since, until),
        _cure(since, until, today),
        _amounts(since, until, first_day, last_day),
        _promises(since, until, today),
        _disputes(since, until),
    ]
    by_name = {table.name: table for table in tables}
    opened = by_name["open_requests"]
    total = opened.row("total").values
    per_day = by_name["decisions_per_day"]
    return ReliefDashboard(
        first_day=first_day,
        last_day=last_day,
        tables=by_name,
        age_chart=bar_chart(
            [(heading, total[i]) for i, heading in enumerate(opened.columns[: len(AGE_BANDS)])]
        ),
        decisions_chart=line_chart(
            [dt.date.fromisoformat(row.key) for row in per_day.rows],
            [
                ("approved", _("Approved"), [row.values[0] for row in per_day.rows]),
                ("rejected", _("Not approved"), [row.values[1] for row in per_day.rows]),
            ],
        ),
    )


def _band_labels() -> list[str]:
    return [
        _("Under 7 days"),
        _("7 to 13 days"),
        _("14 to 29 days"),
        _("30 to 59 days"),
        _("60 days or more"),
    ]


def _open_requests(now: dt.datetime) -> Table:
    """Open requests now, by status and by age band (one query)."""
    counts: dict[str, Any] = {}
    for index, (_key, low, high) in enumerate(AGE_BANDS):
        band = Q(submitted_at__lte=now - dt.timedelta(days=low))
        if high is not None:
            band &= Q(submitted_at__gt=now - dt.timedelta(days=high))
        counts[f"band{index}"] = Count("pk", filter=band)
    found: dict[str, dict[str, Any]] = {
        row["status"]: dict(row)
        for row in ReliefRequest.objects.filter(status__in=OPEN_REQUEST_STATUSES)
        .order_by()
        .values("status")
        .annotate(**counts, total=Count("pk"))
    }
    labels = dict(RequestStatus.choices)
    rows = []
    for status in OPEN_REQUEST_STATUSES:
        row = found.get(status, {})
        values = [row.get(f"band{i}", 0) for i in range(len(AGE_BANDS))] + [row.get("total", 0)]
        rows.append(Row(str(status), str(labels[status]), values))
    sums = [sum(row.values[i] for row in rows) for i in range(len(AGE_BANDS) + 1)]
    rows.append(Row("total", _("All open requests"), sums))
    return Table(
        name="open_requests",
        title=_("Open requests now, by status and age"),
        label_heading=_("Status"),
        columns=[*_band_labels(), _("All ages")],
        rows=rows,
        now=True,
    )


def _answer_clock(
    now: dt.datetime, today: dt.date, since: dt.datetime, until: dt.datetime
) -> Table:
    """Answers past their due time: requests with the bank now past their answer-due time;
    disputes open now past their answer date, and answered in the period after it."""
    requests = ReliefRequest.objects.aggregate(
        late=Count("pk", filter=Q(status__in=WITH_THE_BANK_STATUSES, due_by__lt=now)),
        waiting=Count("pk", filter=Q(status__in=WITH_THE_BANK_STATUSES)),
    )
    disputes = (
        Dispute.objects.annotate(answered_on=TruncDate("resolved_at"))
        .order_by()
        .aggregate(
            late=Count("pk", filter=Q(status__in=OPEN_DISPUTE_STATUSES, answer_due__lt=today)),
            waiting=Count("pk", filter=Q(status__in=OPEN_DISPUTE_STATUSES)),
            answered_late=Count(
                "pk", filter=_in("resolved_at", since, until) & Q(answered_on__gt=F("answer_due"))
            ),
        )
    )
    return Table(
        name="answer_clock",
        title=_("Answers past their due time"),
        label_heading=_("Figure"),
        columns=[_("Number")],
        rows=[
            Row(
                "requests_waiting",
                _("Requests waiting for the bank's answer now"),
                [requests["waiting"]],
            ),
            Row(
                "requests_late",
                _("of which past their answer-due time now"),
                [requests["late"]],
            ),
            Row("disputes_waiting", _("Disputes being looked into now"), [disputes["waiting"]]),
            Row("disputes_late", _("of which past their answer date now"), [disputes["late"]]),
            Row(
                "disputes_answered_late",
                _("Disputes answered in the period after their answer date"),
                [disputes["answered_late"]],
            ),
        ],
    )


def _decided(since: dt.datetime, until: dt.datetime) -> QuerySet[ReliefRequest]:
    return ReliefRequest.objects.filter(_in("decided_at", since, until), status__in=DECISIONS)


def _decisions(
    since: dt.datetime, until: dt.datetime, first_day: dt.date, last_day: dt.date
) -> list[Table]:
    """Decisions (approvals and rejections) per day, the approval rate and the time from
    submission to decision: its average and 90th percentile (three queries)."""
    decided = _decided(since, until)
    taken = ExpressionWrapper(F("decided_at") - F("submitted_at"), output_field=DurationField())
    per_day: dict[dt.date, dict[str, Any]] = {
        row["day"]: dict(row)
        for row in decided.annotate(day=TruncDate("decided_at"))
        .order_by()
        .values("day")
        .annotate(
            approved=Count("pk", filter=Q(status=RequestStatus.APPROVED)),
            rejected=Count("pk", filter=Q(status=RequestStatus.REJECTED)),
        )
    }
    days = [first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    day_rows = []
    for day in days:
        row = per_day.get(day, {})
        approved, rejected = row.get("approved", 0), row.get("rejected", 0)
        day_rows.append(
            Row(day.isoformat(), day.isoformat(), [approved, rejected, approved + rejected])
        )
    postgres = connection.vendor == "postgresql"
    summary = decided.order_by().aggregate(
        approved=Count("pk", filter=Q(status=RequestStatus.APPROVED)),
        rejected=Count("pk", filter=Q(status=RequestStatus.REJECTED)),
        average=Avg(taken),
        **(
            {"p90": PercentileCont(taken, fraction=0.9, output_field=DurationField())}
            if postgres
            else {}
        ),
    )
    p90 = summary["p90"] if postgres else percentile_of_durations(decided, taken, Fraction(9, 10))
    approved, rejected = summary["approved"], summary["rejected"]
    return [
        Table(
            name="decisions_per_day",
            title=_("Decisions per day"),
            label_heading=_("Day"),
            columns=[_("Approved"), _("Not approved"), _("All decisions")],
            rows=day_rows,
        ),
        Table(
            name="decisions",
            title=_("Decisions in the period"),
            label_heading=_("Figure"),
            columns=[_("Value")],
            rows=[
                Row("decisions", _("Decisions"), [approved + rejected]),
                Row("approved", _("Approved"), [approved]),
                Row("rejected", _("Not approved"), [rejected]),
                Row("approval_rate", _("Approval rate (%)"), [rate(approved, approved + rejected)]),
                Row(
                    "average_hours",
                    _("Average time from request to decision (hours)"),
                    [hours(summary["average"])],
                ),
                Row(
                    "p90_hours",
                    _("90th percentile of the time to decision (hours)"),
                    [hours(p90)],
                ),
            ],
        ),
    ]


def _plans(since: dt.datetime, until: dt.datetime) -> Table:
    """Plans active now; signed, completed, broken and expired unsigned in the period."""
    ended = _in("ended_at", since, until)
    found = RepaymentPlan.objects.aggregate(
        active=Count("pk", filter=Q(status=PlanStatus.ACTIVE)),
        signed=Count("pk", filter=_in("signed_at", since, until)),
        completed=Count("pk", filter=ended & Q(status=PlanStatus.COMPLETED)),
        broken=Count("pk", filter=ended & Q(status=PlanStatus.BROKEN)),
        expired=Count("pk", filter=ended & Q(status=PlanStatus.EXPIRED)),
    )
    return Table(
        name="plans",
        title=_("Repayment plans"),
        label_heading=_("Figure"),
        columns=[_("Number")],
        rows=[
            Row("active", _("Active now"), [found["active"]]),
            Row("signed", _("Signed in the period"), [found["signed"]]),
            Row("completed", _("Completed in the period"), [found["completed"]]),
            Row("broken", _("Ended after missed payments in the period"), [found["broken"]]),
            Row("expired", _("Expired unsigned in the period"), [found["expired"]]),
        ],
    )


def _cure(since: dt.datetime, until: dt.datetime, today: dt.date) -> Table:
    """The cure rate (docs/DESIGN.md): of the accounts with a plan signed in the period whose
    90th day has ended, the share with a plan that had every installment due by its 90th day
    paid by then, by the payments received by then (three counts of distinct accounts)."""
    paid_by_then = (
        PaymentAllocation.objects.filter(
            installment=OuterRef("pk"), payment__paid_on__lte=OuterRef(OuterRef("cure_day"))
        )
        .order_by()
        .values("installment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    unpaid = (
        Installment.objects.filter(plan=OuterRef("pk"), due_date__lte=OuterRef("cure_day"))
        .annotate(paid=Coalesce(Subquery(paid_by_then), Value(Decimal("0.00"))))
        .filter(paid__lt=F("amount"))
    )
    plans = RepaymentPlan.objects.filter(_in("signed_at", since, until)).annotate(
        cure_day=DaysAfter(TruncDate("signed_at"), CURE_DAYS),
        cured=~Exists(unpaid),
    )

    def accounts(**conditions: Any) -> int:
        return plans.filter(**conditions).order_by().values("account").distinct().count()

    found = {
        "counted": accounts(cure_day__lt=today),
        "cured": accounts(cure_day__lt=today, cured=True),
        "too_soon": accounts(cure_day__gte=today),
    }
    return Table(
        name="cure",
        title=_("Cure rate: accounts current on their plan 90 days after signing"),
        label_heading=_("Figure"),
        columns=[_("Value")],
        rows=[
            Row(
                "counted",
                _("Accounts with a plan signed in the period, 90 days on"),
                [found["counted"]],
            ),
            Row("cured", _("of which current on the plan on its 90th day"), [found["cured"]]),
            Row("cure_rate", _("Cure rate (%)"), [rate(found["cured"], found["counted"])]),
            Row(
                "too_soon",
                _("Accounts whose plan was signed less than 90 days ago (not counted yet)"),
                [found["too_soon"]],
            ),
        ],
    )


def _amounts(
    since: dt.datetime, until: dt.datetime, first_day: dt.date, last_day: dt.date
) -> Table:
    """Per currency: restructured and waived by the plans signed in the period, repaid to
    plans and received in all in the period (three queries)."""
    signed: dict[str, dict[str, Any]] = {
        row["account__currency"]: dict(row)
        for row in RepaymentPlan.objects.filter(_in("signed_at", since, until))
        .order_by()
        .values("account__currency")
        .annotate(
            restructured=Sum("amount"),
            interest=Sum("waived_interest"),
            penalty=Sum("waived_penalty"),
        )
    }
    days = Q(payment__paid_on__gte=first_day, payment__paid_on__lte=last_day)
    to_plans = {
        row["payment__account__currency"]: row["total"]
        for row in PaymentAllocation.objects.filter(days)
        .order_by()
        .values("payment__account__currency")
        .annotate(total=Sum("amount"))
    }
    received = {
        row["account__currency"]: row["total"]
        for row in Payment.objects.filter(paid_on__gte=first_day, paid_on__lte=last_day)
        .order_by()
        .values("account__currency")
        .annotate(total=Sum("amount"))
    }
    rows = []
    for currency in sorted(signed.keys() | to_plans.keys() | received.keys()):
        plan = signed.get(currency, {})
        rows.append(
            Row(
                currency,
                currency,
                [
                    cents(plan.get("restructured")),
                    cents(plan.get("interest")),
                    cents(plan.get("penalty")),
                    cents(to_plans.get(currency)),
                    cents(received.get(currency)),
                ],
            )
        )
    return Table(
        name="amounts",
        title=_("Amounts in the period"),
        label_heading=_("Currency"),
        columns=[
            _("Restructured by plans signed"),
            _("Interest waived"),
            _("Late charges waived"),
            _("Repaid to plans"),
            _("All payments received"),
        ],
        rows=rows,
    )


def _promises(since: dt.datetime, until: dt.datetime, today: dt.date) -> Table:
    """Promises to pay made, kept and broken in the period, and open now (one query)."""
    resolved = _in("resolved_at", since, until)
    found = PromiseToPay.objects.aggregate(
        made=Count("pk", filter=_in("made_at", since, until)),
        kept=Count("pk", filter=resolved & Q(status=PromiseStatus.KEPT)),
        broken=Count("pk", filter=resolved & Q(status=PromiseStatus.BROKEN)),
        open=Count("pk", filter=Q(status=PromiseStatus.OPEN)),
    )
    kept, broken = found["kept"], found["broken"]
    return Table(
        name="promises",
        title=_("Promises to pay"),
        label_heading=_("Figure"),
        columns=[_("Value")],
        rows=[
            Row("made", _("Made in the period"), [found["made"]]),
            Row("kept", _("Kept in the period"), [kept]),
            Row("broken", _("Not kept in the period"), [broken]),
            Row(
                "kept_rate",
                _("Kept, of those resolved in the period (%)"),
                [rate(kept, kept + broken)],
            ),
            Row("open", _("Open now"), [found["open"]]),
        ],
    )


def _disputes(since: dt.datetime, until: dt.datetime) -> Table:
    """Disputes opened, upheld and not upheld in the period (one query)."""
    resolved = _in("resolved_at", since, until)
    found = Dispute.objects.aggregate(
        opened=Count("pk", filter=_in("opened_at", since, until)),
        upheld=Count("pk", filter=resolved & Q(status=DisputeStatus.UPHELD)),
        rejected=Count("pk", filter=resolved & Q(status=DisputeStatus.REJECTED)),
    )
    upheld, rejected = found["upheld"], found["rejected"]
    return Table(
        name="disputes",
        title=_("Disputes"),
        label_heading=_("Figure"),
        columns=[_("Value")],
        rows=[
            Row("opened", _("Opened in the period"), [found["opened"]]),
            Row("upheld", _("Upheld in the period"), [upheld]),
            Row("rejected", _("Not upheld in the period"), [rejected]),
            Row(
                "upheld_rate",
                _("Upheld, of those answered in the period (%)"),
                [rate(upheld, upheld + rejected)],
            ),
        ],
    )
