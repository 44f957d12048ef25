"""Data for the server-rendered SVG chart of the principal still to repay over a plan's life."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from negotiation import money

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 78, 12, 12, 34  # room for the axis labels


@dataclass(frozen=True)
class Tick:
    position: float
    label: object  # a Decimal amount or a date; the template formats it


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
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_bottom: int = HEIGHT - BOTTOM


def balance_chart(disclosure: money.Disclosure) -> BalanceChart:
    """Balance still owed (principal), from the agreement to the last payment.

    The x axis is time in months from the agreement, so payment-free months show as a flat
    stretch; the balance steps down at each due date.
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
    )
