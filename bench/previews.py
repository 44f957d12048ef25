"""Measure previews (schedule + disclosure) and the account page's plan suggestions, each
against today's implementation (the frozen reference in tests/) in the same run.

Usage:
    DJANGO_SECRET_KEY=x DJANGO_DEBUG=1 .venv/bin/python bench/previews.py \\
        [--previews 10000] [--reference-previews 1000] [--repeat 5] [--runs 21]

(a) ``--previews`` varied terms (both cost methods, 1 to 60 payments, payment-free months,
    half of them with a payment day), CPU seconds (time.process_time) for: building the
    Terms alone, the schedules alone, the previews (``money.disclose``), each the median
    of ``--repeat`` passes; and the reference's previews on the first
    ``--reference-previews`` of the same terms (the old bisection takes 13 to 18 ms a
    preview), with their figures checked equal.
(b) ``policy.suggest_plans`` for one account against 24 programs with varied bounds, the
    median CPU milliseconds of ``--runs`` calls, fast and reference, for a budget that a
    plan fits, a budget nothing fits, and no budget; the suggestions checked equal.
Prints one line per measurement; results go to docs/PERFORMANCE.md by hand, with the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, TypedDict
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from negotiation import money, policy  # noqa: E402
from negotiation.money import CostMethod, DueDates, Terms  # noqa: E402
from tests import reference_money, reference_policy  # noqa: E402


class TermsArguments(TypedDict):
    """What ``varied_previews`` passes to ``Terms``: built apart so that building them can be
    timed on its own."""

    amount: Decimal
    months: int
    grace_months: int
    cost_method: CostMethod
    rate: Decimal


Preview = tuple[TermsArguments, dt.date, DueDates]


def varied_previews(count: int, seed: int = 10) -> list[Preview]:
    """Terms (as constructor arguments), agreement day and due-date rule, drawn alike for
    every run: 1 to 60 payments, up to 6 payment-free months within the cap, both cost
    methods up to 2% a month (24% a year), 1 to 5,000 yuan a month, agreements over five
    years, half with a payment day and 0 to 45 days before the first payment."""
    draw = random.Random(seed)
    previews = []
    for _ in range(count):
        months = draw.randint(1, 60)
        method = draw.choice(list(CostMethod))
        monthly = Decimal(draw.randint(0, 200)) / 10000
        arguments: TermsArguments = {
            "amount": Decimal(draw.randint(100, 500_000) * months) / 100,
            "months": months,
            "grace_months": draw.randint(0, min(6, 60 - months)),
            "cost_method": method,
            "rate": monthly if method is CostMethod.FLAT_FEE else monthly * 12,
        }
        start = dt.date(2026, 1, 1) + dt.timedelta(days=draw.randint(0, 5 * 365))
        day = draw.randint(1, 31) if draw.random() < 0.5 else None
        previews.append((arguments, start, DueDates(day, draw.randint(0, 45))))
    return previews


def each(work: Callable[[Any], object], items: Sequence[Any]) -> None:
    """``work`` on every item, each result dropped at once, as a preview is shown and
    dropped (kept, 10,000 disclosures of 30 lines would time the garbage collector)."""
    for item in items:
        work(item)


def cpu_seconds(work: Callable[[], object]) -> float:
    began = time.process_time()
    work()
    return time.process_time() - began


def median_cpu_seconds(work: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    samples = sorted(cpu_seconds(work) for _ in range(repeat))
    return statistics.median(samples), samples[0], samples[-1]


def measure_previews(count: int, reference_count: int, repeat: int) -> None:
    previews = varied_previews(count)
    with_day = sum(1 for _, _, due in previews if due.payment_day is not None)
    print(f"(a) {count:,} previews of varied terms, {with_day:,} with a payment day; CPU s")

    terms = [Terms(**arguments) for arguments, _, _ in previews]
    cases = [(t, start, due) for t, (_, start, due) in zip(terms, previews, strict=True)]
    built = median_cpu_seconds(
        lambda: each(lambda a: Terms(**a), [a for a, _, _ in previews]), repeat
    )
    print(f"    Terms objects alone:             {built[0]:7.3f} s")
    schedules = median_cpu_seconds(
        lambda: each(lambda c: money.build_schedule(c[0], start=c[1], due=c[2]), cases), repeat
    )
    print(f"    schedules alone (build_schedule): {schedules[0]:6.3f} s")
    with mock.patch.object(money, "irr_monthly", wraps=money.irr_monthly) as bisection:
        fast = median_cpu_seconds(
            lambda: each(lambda c: money.disclose(c[0], start=c[1], due=c[2]), cases), repeat
        )
    needed = bisection.call_count // repeat
    free = sum(1 for t, s, d in cases if money.disclose(t, start=s, due=d).total_cost <= 0)
    print(
        f"    previews (disclose):             {fast[0]:7.3f} s "
        f"(median of {repeat}, {fast[1]:.3f} to {fast[2]:.3f}); the bisection asked "
        f"{needed} times, {free} previews cost nothing (it answers those at once)"
    )

    sample = cases[:reference_count]
    seconds = cpu_seconds(
        lambda: each(lambda c: reference_money.disclose(c[0], start=c[1], due=c[2]), sample)
    )
    for t, s, d in sample:
        new = money.disclose(t, start=s, due=d)
        old = reference_money.disclose(t, start=s, due=d)
        assert new == old
        assert repr(new) == repr(old)
        assert repr(new.lines) == repr(old.lines)
    per_preview = seconds / len(sample)
    fast_each = fast[0] / count
    print(
        f"    reference previews, the first {len(sample):,}: {seconds:.2f} s, "
        f"{per_preview * 1000:.2f} ms each (fast: {fast_each * 1e6:.0f} us each, "
        f"{per_preview / fast_each:.0f}x); {per_preview * count:.0f} s for {count:,} at that rate; "
        "the same figures, every field"
    )


KINDS = (*[policy.Kind.INSTALLMENT] * 4, policy.Kind.INTEREST_FREEZE, policy.Kind.DEFERRAL)


def programs_on_offer() -> list[tuple[str, policy.ProgramBounds]]:
    """24 programs with varied bounds: instalment plans, interest freezes and deferrals;
    3 to 60 months; flat fees and annuities; minimum installments, down payments, waivers;
    with and without a payment day."""
    offered = []
    for i in range(24):
        kind = KINDS[i % len(KINDS)]
        method = CostMethod.ANNUITY if i % 3 == 0 else CostMethod.FLAT_FEE
        monthly = Decimal(3 + (i * 7) % 15) / 1000  # 0.3% to 1.7% a month
        months_min = (3, 6, 12)[i % 3]
        offered.append(
            (
                f"program-{i:02}",
                policy.ProgramBounds(
                    kind=kind,
                    months_min=1 if kind == "deferral" else months_min,
                    months_max=12 if kind == "deferral" else (36, 48, 60, 60)[i % 4],
                    grace_months_max=3 if kind == "deferral" else (0, 0, 2)[i % 3],
                    min_days_past_due=(1, 30, 60)[i % 3],
                    max_days_past_due=None,
                    min_balance=Decimal("1000.00"),
                    max_balance=None,
                    products=(),
                    min_down_payment_pct=Decimal((0, 0, 5, 10)[i % 4]),
                    max_waiver_pct=Decimal((0, 50)[i % 2]),
                    cost_method=method,
                    rate=monthly * 12 if method is CostMethod.ANNUITY else monthly,
                    min_installment=Decimal((100, 200, 500)[i % 3]),
                    payment_day=(None, 10, 25)[i % 3],
                    first_due_min_days=(0, 15, 20)[i % 3],
                ),
            )
        )
    return offered


def measure_suggestions(runs: int) -> None:
    account = policy.AccountFacts(
        days_past_due=75,
        principal=Decimal("48000.00"),
        interest=Decimal("3200.00"),
        fees=Decimal("150.00"),
        penalty=Decimal("900.00"),
        product="classic_card",
        open_to_relief=True,
    )
    offered = programs_on_offer()
    today = dt.date(2026, 12, 1)
    budgets: dict[str, tuple[Decimal | None, Decimal | None]] = {
        "a budget a plan fits (8,000 in, 5,000 out)": (Decimal("8000"), Decimal("5000")),
        "a budget nothing fits (4,200 in, 4,000 out)": (Decimal("4200"), Decimal("4000")),
        "no budget (a one-year plan, the lowest payment)": (None, None),
    }
    print(f"(b) suggest_plans, one account, {len(offered)} programs; median CPU ms of {runs}")
    for name, (income, expenses) in budgets.items():
        fast = policy.suggest_plans(account, offered, today=today, income=income, expenses=expenses)
        reference = reference_policy.suggest_plans(
            account, offered, today=today, income=income, expenses=expenses
        )
        assert fast == reference
        assert repr(fast) == repr(reference)
        timings = {}
        for label, suggest in (
            ("fast", policy.suggest_plans),
            ("reference", reference_policy.suggest_plans),
        ):
            call = partial(suggest, account, offered, today=today, income=income, expenses=expenses)
            samples = [cpu_seconds(call) for _ in range(runs)]
            timings[label] = statistics.median(samples) * 1000
        print(
            f"    {name}: {timings['fast']:.1f} ms, reference {timings['reference']:.1f} ms "
            f"({timings['reference'] / timings['fast']:.0f}x); {len(fast)} suggestions, the same"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--previews", type=int, default=10_000)
    parser.add_argument("--reference-previews", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    measure_previews(args.previews, args.reference_previews, args.repeat)
    measure_suggestions(args.runs)


if __name__ == "__main__":
    main()
