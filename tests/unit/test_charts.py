"""The dashboard's charts are coordinates computed from numbers alone (negotiation.charts):
every bar and point inside the plot, heights in proportion to the values, the axis from
zero to a round number at or above the largest value."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from negotiation import charts
from negotiation.charts import TICKS, bar_chart, line_chart, nice_step

counts = st.integers(min_value=0, max_value=10**9)
amounts = st.decimals(min_value=0, max_value=10**10, places=2, allow_nan=False)
values = st.one_of(counts, amounts)
labels = st.text(min_size=1, max_size=12)


@given(st.one_of(counts, amounts))
def test_the_step_is_round_and_the_axis_reaches_the_largest_value(largest):
    step = nice_step(largest)
    assert step * TICKS >= largest
    digits = str(step)
    assert digits[0] in "125"
    assert set(digits[1:]) <= {"0"}
    # The next smaller round step would not reach it (or the step is the smallest, 1).
    smaller = {"1": Decimal(step) / 2, "2": Decimal(step) / 2, "5": Decimal(step) * 2 / 5}
    assert step == 1 or smaller[digits[0]] * TICKS < largest


@given(st.lists(st.tuples(labels, values), max_size=12))
def test_bars_stand_on_the_axis_inside_the_plot_in_proportion(items):
    chart = bar_chart(items)
    assert [(bar.label, bar.value) for bar in chart.bars] == items
    span = chart.plot_bottom - chart.plot_top
    for bar in chart.bars:
        assert chart.plot_left <= bar.x < bar.x + bar.width <= chart.plot_right
        assert chart.plot_top <= bar.y <= chart.plot_bottom
        assert abs(bar.y + bar.height - chart.plot_bottom) <= 0.1  # on the baseline
        # Heights are rounded to a tenth: off by half of one at most (and a float's last bit).
        assert abs(bar.height - float(Decimal(bar.value) / chart.highest) * span) <= 0.05 + 1e-9
    lefts = [bar.x for bar in chart.bars]
    assert lefts == sorted(lefts)
    assert chart.highest >= max((value for _, value in items), default=0)


@given(st.lists(st.tuples(labels, values), min_size=2, max_size=8))
def test_a_larger_value_is_a_bar_at_least_as_tall(items):
    chart = bar_chart(items)
    for a in chart.bars:
        for b in chart.bars:
            if a.value > b.value:
                assert a.height >= b.height


@given(
    st.integers(min_value=1, max_value=60).flatmap(
        lambda n: st.tuples(
            st.just(n), st.lists(st.lists(values, min_size=n, max_size=n), min_size=1, max_size=3)
        )
    )
)
def test_lines_run_left_to_right_inside_the_plot(case):
    count, series_values = case
    x_labels: list[object] = list(range(count))
    chart = line_chart(x_labels, [(f"s{i}", f"S {i}", v) for i, v in enumerate(series_values)])
    span = chart.plot_bottom - chart.plot_top
    for series, given_values in zip(chart.series, series_values, strict=True):
        assert series.values == given_values
        xs = [x for x, _ in series.coordinates]
        assert xs == sorted(xs)
        assert len(set(xs)) == count
        for (x, y), value in zip(series.coordinates, given_values, strict=True):
            assert chart.plot_left <= x <= chart.plot_right
            assert chart.plot_top <= y <= chart.plot_bottom
            expected = chart.plot_bottom - float(Decimal(value) / chart.highest) * span
            assert abs(y - expected) <= 0.1
        assert series.points.count(",") == count
    assert [tick.label for tick in chart.x_ticks] == sorted({0, count // 2, count - 1})
    assert chart.y_ticks[0].label == 0
    assert chart.y_ticks[-1].label == chart.highest


def test_the_y_ticks_climb_from_the_baseline_to_the_top():
    chart = bar_chart([("a", 7), ("b", 3)])
    assert [tick.label for tick in chart.y_ticks] == [0, 2, 4, 6, 8]
    assert [tick.position for tick in chart.y_ticks] == [192.0, 147.0, 102.0, 57.0, 12.0]
    assert chart.bars[0].height == 157.5  # 7 of 8 of the 180 points


def test_nothing_to_draw_is_an_empty_chart_on_an_axis_to_one():
    assert bar_chart([]).bars == []
    assert bar_chart([]).highest == TICKS
    assert line_chart([], []).x_ticks == []
    point = line_chart(["only"], [("a", "A", [3])]).series[0].coordinates
    assert point == [((charts.CHART_LEFT + charts.CHART_WIDTH - charts.CHART_RIGHT) / 2, 57.0)]


def test_refused_shapes():
    with pytest.raises(ValueError, match="below zero"):
        bar_chart([("a", -1)])
    with pytest.raises(ValueError, match="one value per x label"):
        line_chart(["a", "b"], [("s", "S", [1])])
    with pytest.raises(ValueError, match="below zero"):
        line_chart(["a"], [("s", "S", [Decimal("-0.01")])])
