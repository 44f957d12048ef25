"""Data for the server-rendered SVG chart of the principal still to repay over a plan's life."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

from negotiation import money

WIDTH, HEIGHT = 640, 220
# The amounts are written inside the plot, beside their grid lines, and the dates below it:
# on a phone the chart is drawn at half its width, and its labels are made twice as large
# (static/css/portal.css) to stay at least 12 px, which a margin to the left could not hold.
LEFT, RIGHT, TOP, BOTTOM = 4, 4, 36, 40  # TOP: room for a label above the top line

# An amount label's room, in the chart's units, at the largest it is drawn (a phone:
# portal.css gives 26 units and a white halo 6 wide), so a place clear there is clear at
# every width. A digit, "¥", a comma or a point is at most 0.62 of the size wide in the
# pages' sans-serif fonts (tabular figures); the text stands 0.8 of the size above its
# baseline and 0.2 below.
LABEL_SIZE = 26
LABEL_HALO = 3
LABEL_ADVANCE = 0.62
LABEL_ASCENT, LABEL_DESCENT = 0.8, 0.2
LABEL_GAP = 3  # between a label and its grid line, more than LINE_CLEARANCE
LINE_CLEARANCE = 2  # half the line's 2.5-unit stroke, and a little air


@dataclass(frozen=True)
class Tick:
    position: float
    label: object  # a Decimal amount or a date; the template formats it


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )

    def grown(self, by: float) -> Box:
        return Box(self.left - by, self.top - by, self.right + by, self.bottom + by)

    def inside(self, other: Box) -> bool:
        return (
            other.left <= self.left
            and self.right <= other.right
            and other.top <= self.top
            and self.bottom <= other.bottom
        )

    def crosses(self, start: tuple[float, float], end: tuple[float, float]) -> bool:
        """Whether the segment from ``start`` to ``end`` passes through the box (Liang and
        Barsky's clipping: the part of the segment inside each of the four edges)."""
        (x1, y1), (x2, y2) = start, end
        dx, dy = x2 - x1, y2 - y1
        low, high = 0.0, 1.0
        for p, q in (
            (-dx, x1 - self.left),
            (dx, self.right - x1),
            (-dy, y1 - self.top),
            (dy, self.bottom - y1),
        ):
            if p == 0:
                if q < 0:
                    return False  # parallel to this edge and outside it
                continue
            t = q / p
            if p < 0:
                low = max(low, t)
            else:
                high = min(high, t)
            if low > high:
                return False
        return True


@dataclass(frozen=True)
class AmountLabel:
    """An amount written beside its grid line: ``x`` the start or the end of the text
    (``anchor``), ``y`` its baseline."""

    text: str
    x: float
    y: float
    anchor: str  # "start" or "end", as SVG's text-anchor

    @property
    def box(self) -> Box:
        """The room the label takes, its halo included."""
        width = len(self.text) * LABEL_ADVANCE * LABEL_SIZE
        left = self.x if self.anchor == "start" else self.x - width
        return Box(
            left - LABEL_HALO,
            self.y - LABEL_ASCENT * LABEL_SIZE - LABEL_HALO,
            left + width + LABEL_HALO,
            self.y + LABEL_DESCENT * LABEL_SIZE + LABEL_HALO,
        )


def _label_places(text: str, grid_y: float) -> list[AmountLabel]:
    """Where the label of a grid line may go, in order of preference: above the line at the
    left, above it at the right, below it at the left, below it at the right."""
    above = grid_y - LABEL_GAP - LABEL_HALO - LABEL_DESCENT * LABEL_SIZE
    below = grid_y + LABEL_GAP + LABEL_HALO + LABEL_ASCENT * LABEL_SIZE
    start, end = LEFT + LABEL_HALO, WIDTH - RIGHT - LABEL_HALO
    return [
        AmountLabel(text, start, round(above, 1), "start"),
        AmountLabel(text, end, round(above, 1), "end"),
        AmountLabel(text, start, round(below, 1), "start"),
        AmountLabel(text, end, round(below, 1), "end"),
    ]


def place_amount_labels(
    ticks: list[tuple[float, str]], line: list[tuple[float, float]]
) -> list[AmountLabel]:
    """A label for each (grid line's y, text), from the top one down, at the first of its
    places that is inside the plot (above the dates), clear of the line and of the labels
    already placed; a grid line with no such place keeps no label rather than one drawn over
    the line (the table of payments below the chart has every amount)."""
    plot = Box(0, 0, WIDTH, HEIGHT - BOTTOM)
    segments = list(itertools.pairwise(line))
    placed: list[AmountLabel] = []
    for grid_y, text in sorted(ticks):
        for label in _label_places(text, grid_y):
            box = label.box
            if not box.inside(plot):
                continue
            if any(box.overlaps(other.box) for other in placed):
                continue
            if any(box.grown(LINE_CLEARANCE).crosses(a, b) for a, b in segments):
                continue
            placed.append(label)
            break
    return placed


@dataclass(frozen=True)
class BalanceChart:
    width: int
    height: int
    points: str  # the polyline's "x,y x,y ..."
    area: str  # the same line closed along the axis, for a light fill
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    start_balance: Decimal
    first_due: object
    last_due: object
    line: tuple[tuple[float, float], ...] = ()  # the points of ``points``
    amount_labels: tuple[AmountLabel, ...] = ()
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_bottom: int = HEIGHT - BOTTOM


def balance_chart(disclosure: money.Disclosure, *, currency: str = "CNY") -> BalanceChart:
    """Balance still owed (principal), from the agreement to the last payment.

    The x axis is time in months from the agreement, so payment-free months show as a flat
    stretch; the balance steps down at each due date. The amounts of the grid lines are
    written in ``currency`` where they cross neither the line nor each other.
    """
    start = disclosure.start
    financed = disclosure.terms.financed
    span = max(money.months_between(start, disclosure.last_due_date), Decimal(1))
    top = financed if financed > 0 else Decimal(1)

    def x(months: Decimal) -> float:
        return round(LEFT + float(months / span) * (WIDTH - LEFT - RIGHT), 1)

    def y(balance: Decimal) -> float:
        return round(TOP + float(1 - balance / top) * (HEIGHT - TOP - BOTTOM), 1)

    coordinates = [(x(Decimal(0)), y(financed))]
    balance = financed
    for line in disclosure.lines:
        at = x(money.months_between(start, line.due_date))
        coordinates.append((at, y(balance)))  # flat until the due date
        balance = line.balance_after
        coordinates.append((at, y(balance)))  # then the step down
    points = " ".join(f"{cx},{cy}" for cx, cy in coordinates)
    base = HEIGHT - BOTTOM
    area = f"{coordinates[0][0]},{base} {points} {coordinates[-1][0]},{base}"
    y_ticks = [Tick(y(top * k / 4), money.round_money(top * k / 4)) for k in range(5)]
    x_ticks = [
        Tick(x(Decimal(0)), start),
        Tick(x(span), disclosure.last_due_date),
    ]
    labels = place_amount_labels(
        [
            (tick.position, money.format_amount(Decimal(str(tick.label)), currency))
            for tick in y_ticks
        ],
        coordinates,
    )
    return BalanceChart(
        width=WIDTH,
        height=HEIGHT,
        points=points,
        area=area,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        start_balance=financed,
        first_due=disclosure.first_due_date,
        last_due=disclosure.last_due_date,
        line=tuple(coordinates),
        amount_labels=tuple(labels),
    )


# The relief dashboard's charts (admin/relief_dashboard.html): a bar chart of counts and a
# line chart of a few series over days. Coordinates only; the labels are the caller's (in
# the reader's language) and the template formats the numbers.

CHART_WIDTH, CHART_HEIGHT = 640, 240
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 56, 12, 12, 48
TICKS = 4  # y-axis steps above zero


def nice_step(largest: Decimal | int) -> int:
    """The smallest step of 1, 2 or 5 times a power of ten (at least 1) such that ``TICKS``
    steps reach ``largest``: the y axis then reads in round whole numbers."""
    need = Decimal(largest) / TICKS
    power = 1
    while True:
        for factor in (1, 2, 5):
            if factor * power >= need:
                return factor * power
        power *= 10


def _y_axis(largest: Decimal | int, top: float, bottom: float) -> tuple[Decimal, list[Tick]]:
    """The axis's highest value, and its ticks from zero up, positioned."""
    step = nice_step(max(largest, 0))
    highest = Decimal(step * TICKS)
    ticks = [
        Tick(round(bottom - float(step * k / highest) * (bottom - top), 1), step * k)
        for k in range(TICKS + 1)
    ]
    return highest, ticks


def _height_of(value: Decimal | int, highest: Decimal, span: float) -> float:
    return round(float(Decimal(value) / highest) * span, 1)


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | int
    x: float  # left edge
    y: float  # top edge
    width: float
    height: float

    @property
    def middle(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    y_ticks: list[Tick]
    highest: Decimal  # the value at the top of the axis
    plot_left: int = CHART_LEFT
    plot_right: int = CHART_WIDTH - CHART_RIGHT
    plot_top: int = CHART_TOP
    plot_bottom: int = CHART_HEIGHT - CHART_BOTTOM


def bar_chart(items: list[tuple[str, Decimal | int]]) -> BarChart:
    """One bar per (label, value), in the order given, from a zero baseline. Values are
    counts or amounts, never below zero (``ValueError``): a bar chart of a loss would need a
    baseline in the middle, which no figure of the dashboard has."""
    if any(value < 0 for _, value in items):
        raise ValueError("a bar chart takes no value below zero")
    bottom, top = CHART_HEIGHT - CHART_BOTTOM, CHART_TOP
    highest, ticks = _y_axis(max((value for _, value in items), default=0), top, bottom)
    slot = (CHART_WIDTH - CHART_LEFT - CHART_RIGHT) / max(len(items), 1)
    width = round(slot * 0.6, 1)
    bars = []
    for index, (label, value) in enumerate(items):
        height = _height_of(value, highest, bottom - top)
        x = round(CHART_LEFT + slot * index + (slot - width) / 2, 1)
        bars.append(Bar(label, value, x, round(bottom - height, 1), width, height))
    return BarChart(CHART_WIDTH, CHART_HEIGHT, bars, ticks, highest)


@dataclass(frozen=True)
class Series:
    key: str  # stable: the template's class for its colour
    label: str
    values: list[Decimal | int]
    coordinates: list[tuple[float, float]]

    @property
    def points(self) -> str:
        """The polyline's "x,y x,y ..."."""
        return " ".join(f"{x},{y}" for x, y in self.coordinates)


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    series: list[Series]
    y_ticks: list[Tick]
    x_ticks: list[Tick]  # the first, middle and last of the x labels
    highest: Decimal
    plot_left: int = CHART_LEFT
    plot_right: int = CHART_WIDTH - CHART_RIGHT
    plot_top: int = CHART_TOP
    plot_bottom: int = CHART_HEIGHT - CHART_BOTTOM


def line_chart(
    x_labels: list[object], series: list[tuple[str, str, list[Decimal | int]]]
) -> LineChart:
    """Each series (key, label, one value per x label) as a line over evenly spaced x
    positions, from a zero baseline; one x label is a single point in the middle. Every
    series has one value per label and none below zero (``ValueError``)."""
    count = len(x_labels)
    if any(len(values) != count for _, _, values in series):
        raise ValueError("every series takes one value per x label")
    if any(value < 0 for _, _, values in series for value in values):
        raise ValueError("a line chart takes no value below zero")
    bottom, top = CHART_HEIGHT - CHART_BOTTOM, CHART_TOP
    left, right = CHART_LEFT, CHART_WIDTH - CHART_RIGHT
    largest = max((value for _, _, values in series for value in values), default=0)
    highest, ticks = _y_axis(largest, top, bottom)

    def x(index: int) -> float:
        if count == 1:
            return round((left + right) / 2, 1)
        return round(left + (right - left) * index / (count - 1), 1)

    lines = [
        Series(
            key,
            label,
            list(values),
            [
                (x(i), round(bottom - _height_of(value, highest, bottom - top), 1))
                for i, value in enumerate(values)
            ],
        )
        for key, label, values in series
    ]
    shown = sorted({0, count // 2, count - 1}) if count else []
    return LineChart(
        CHART_WIDTH,
        CHART_HEIGHT,
        lines,
        ticks,
        [Tick(x(i), x_labels[i]) for i in shown],
        highest,
    )
