"""The balance chart's amount labels (negotiation.charts.balance_chart) never cover the line
they label nor each other, at the size a phone draws them, whatever the plan: each sits
beside its grid line where the line is not, or is left out (the schedule has every amount)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from negotiation import charts, money
from negotiation.charts import AmountLabel, Box, balance_chart

STARTS = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2030, 12, 31))


@st.composite
def plans(draw: st.DrawFn) -> money.Disclosure:
    months = draw(st.integers(min_value=1, max_value=60))
    grace = draw(st.integers(min_value=0, max_value=min(12, money.LEGAL_MAX_MONTHS - months)))
    amount = draw(st.decimals(min_value=100, max_value=2_000_000, places=2))
    down = draw(st.sampled_from([Decimal(0), (amount / 10).quantize(Decimal("0.01"))]))
    rate = draw(st.sampled_from([Decimal(0), Decimal("0.003"), Decimal("0.0075")]))
    terms = money.Terms(
        amount=amount, months=months, grace_months=grace, down_payment=down, rate=rate
    )
    return money.disclose(terms, start=draw(STARTS))


def points_of(start: tuple[float, float], end: tuple[float, float]) -> list[tuple[float, float]]:
    """Points along a segment every half unit: the test's own look at where the line is."""
    (x1, y1), (x2, y2) = start, end
    steps = max(1, int(max(abs(x2 - x1), abs(y2 - y1)) * 2))
    return [(x1 + (x2 - x1) * i / steps, y1 + (y2 - y1) * i / steps) for i in range(steps + 1)]


def covers(label: AmountLabel, point: tuple[float, float]) -> bool:
    box = label.box.grown(charts.LINE_CLEARANCE)
    x, y = point
    return box.left < x < box.right and box.top < y < box.bottom


def problems(labels: list[AmountLabel] | tuple[AmountLabel, ...], line) -> list[str]:
    found = []
    line_points = [p for a, b in itertools.pairwise(line) for p in points_of(a, b)]
    for label in labels:
        if any(covers(label, point) for point in line_points):
            found.append(f"{label.text} covers the line")
        box = label.box
        if box.left < 0 or box.right > charts.WIDTH or box.top < 0:
            found.append(f"{label.text} leaves the chart")
        if box.bottom > charts.HEIGHT - charts.BOTTOM:
            found.append(f"{label.text} is among the dates")
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            if a.box.overlaps(b.box):
                found.append(f"{a.text} covers {b.text}")
    return found


@settings(max_examples=300, deadline=None)
@given(plans(), st.sampled_from(["CNY", "USD"]))
def test_no_amount_label_covers_the_line_or_another_label(disclosure, currency):
    chart = balance_chart(disclosure, currency=currency)
    assert problems(chart.amount_labels, chart.line) == []
    # The amount restructured, at the top, always has its place: nothing is drawn above it.
    top = money.format_amount(disclosure.terms.financed, currency)
    assert top in [label.text for label in chart.amount_labels]
    # Every label written is one of the grid lines' amounts, each at most once.
    texts = [label.text for label in chart.amount_labels]
    assert len(texts) == len(set(texts))
    amounts = {money.format_amount(Decimal(str(t.label)), currency) for t in chart.y_ticks}
    assert set(texts) <= amounts


def test_a_years_plan_labels_every_grid_line_where_the_old_labels_covered_the_line():
    terms = money.Terms(amount=Decimal("18650.00"), months=12, rate=Decimal("0.0075"))
    chart = balance_chart(money.disclose(terms, start=dt.date(2026, 12, 4)))
    # Where the labels were: at the left, 6 units above each grid line.
    before = [
        AmountLabel(
            money.format_amount(Decimal(str(t.label))), charts.LEFT, t.position - 6, "start"
        )
        for t in chart.y_ticks
    ]
    assert problems(before, chart.line) != []
    assert problems(chart.amount_labels, chart.line) == []
    assert len(chart.amount_labels) == len(chart.y_ticks)


def test_the_box_sees_a_segment_through_it_and_one_beside_it():
    box = Box(10, 10, 20, 20)
    assert box.crosses((0, 15), (30, 15))
    assert box.crosses((15, 0), (15, 30))
    assert box.crosses((12, 12), (13, 13))  # inside
    assert not box.crosses((0, 25), (30, 25))
    assert not box.crosses((25, 0), (25, 30))
    assert not box.crosses((0, 0), (9, 30))
