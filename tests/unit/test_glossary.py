"""One word for one thing in the Chinese money vocabulary (docs/GLOSSARY.md): the compiled
catalog gives each money concept the glossary's term, and none of the variants it replaced."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

from negotiation.management.commands.seed_demo import PROGRAMS

ROOT = Path(__file__).resolve().parents[2]
COMPILED = ROOT / "negotiation" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"

# Variants that say the wrong thing, or a second word for a thing that has one.
FORBIDDEN = {
    "免还款": "payment-free months are a pause (暂停还款): nothing is forgiven",
    "实际年利率": "reads as the IRR annual rate; the compounded one is 复利年化利率",
    "债务纾困": "debt relief is 还款协助",
    "纾困": "debt relief is 还款协助",
    "总费用": "the plan's total cost is 息费合计",
    "总息费": "the plan's total cost is 息费合计",
    "先行支付": "the down payment is 首付款",
    "暂缓还款": "payment-free months are 暂停还款",
    "月手续费率": "the monthly fee rate is 分期手续费月费率",
}

# The msgids about when the bank owes an answer (the SLA): the answer-due column and
# filter of the staff queue, escalation. "days past due" is the debt's, not the answer's.
ANSWER_DEADLINE = re.compile(r"answer|escalat|(?<!days )\bpast due\b|\bdue within\b", re.I)
SLA_MSGIDS = {
    "answer due",
    "answer due by",
    "Past due",
    "%(due)s (past due)",
    "Escalated to supervisors",
    "escalated at",
    "Due within a day",
}

PAYMENT_FREE = re.compile(r"payment-free|nothing to pay|pause payments", re.I)

TERMS = {
    # The account ledger's fees part (annual fee, cash-advance fees, ...).
    "Fees": "其他费用",
    "fees": "其他费用",
    "fees at submission": "其他费用",
    # The plan's cost: total repayable less the amount restructured, and its part per line.
    "Total cost": "息费合计",
    "total cost": "息费合计",
    "Fee": "息费",
    "Cost": "息费",
    "cost": "息费",
    "See the schedule and cost": "息费",
    "To see the schedule and cost, adjust these terms:": "息费",
    "No fee: you repay only what you owe": "息费",
    # The flat monthly fee of an installment plan, and its rate.
    "Monthly fee on the original amount": "分期手续费",
    "monthly fee": "分期手续费月费率",
    "A fee of %(rate)s of the amount each month; the preview shows the true annual rate": (
        "分期手续费"
    ),
    # The account's principal: 本金 for it alone.
    "Principal": "本金",
    "principal": "本金",
    # What a plan covers (principal, interest, fees and late charges put into it): the
    # schedule's columns and the chart, never 本金.
    "Amount covered": "计划欠款",
    "Towards the amount covered": "偿还计划欠款",
    "towards the amount covered": "偿还计划欠款",
    "Amount covered left after this payment": "剩余计划欠款",
    "Amount covered still to repay over time": "剩余计划欠款",
    "The amount covered still to repay, %(start)s, stays the same until the first payment on "
    "%(first)s, then falls with each payment to nothing on %(last)s.": "剩余计划欠款",
    "The line shows the amount covered still to repay after each payment, not counting the "
    "plan's cost.": "剩余计划欠款",
    # The down payment.
    "Down payment": "首付款",
    "down payment": "首付款",
    "Paid at the start": "首付款",
    "At the start": "首付款",
    "minimum down payment (%)": "首付款",
    "A first payment of at least %(pct)s%% of the amount": "首付款",
    "The first payment must be at least %(amount)s.": "首付款",
    "Amount you can pay now (optional)": "首付款",
    # Rates: the IRR-based annual rate the law requires shown, and the compounded one.
    "Annual rate (IRR)": "年化利率",
    "Annual rate (true cost)": "年化利率",
    "annual rate (IRR, %)": "年化利率",
    "effective yearly rate %(ear)s": "复利年化利率",
    # Debt relief, and answers past their due time.
    "Debt relief": "还款协助",
    "Past due": "已超时",
    "%(due)s (past due)": "已超时",
}

CJK = re.compile(r"[\u4e00-\u9fff]")
NOT_TEXT = re.compile(
    r"%%?\([a-z_]+\)[0-9]*[sd]|%[sd]|%%|<[^>]+>|“[^”]*”"
)  # %%(x)s: a template's escaped one
# Half-width punctuation in Chinese text; a colon between digits or letters (08:00, HH:MM)
# is part of a time, and a comma between digits part of a number (4,500.50), not punctuation.
HALF_WIDTH = re.compile(r"[;?!()]|(?<![0-9]),|,(?![0-9])|(?<![0-9A-Z]):|:(?![0-9A-Z])")


def catalog() -> list[polib.MOEntry]:
    return [e for e in polib.mofile(str(COMPILED)) if e.msgid]


def texts(entry: polib.MOEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def translation(msgid: str) -> str:
    found = [" / ".join(texts(e)) for e in catalog() if e.msgid == msgid]
    assert found, f"{msgid!r} is not in the compiled catalog"
    return found[0]


def chinese_texts() -> list[tuple[str, str]]:
    """Every Chinese text the portal shows: the catalog and the seeded programs."""
    shown = [(e.msgid, text) for e in catalog() for text in texts(e)]
    for program in PROGRAMS:
        shown += [(program["code"], program[field]) for field in ("name_zh", "description_zh")]
    return shown


def test_no_text_uses_a_forbidden_variant():
    found = [
        (msgid, word, why)
        for msgid, text in chinese_texts()
        for word, why in FORBIDDEN.items()
        if word in text
    ]
    assert found == []


def test_the_answer_deadline_rule_matches_the_sla_strings_and_no_debt_string():
    matched = {e.msgid for e in catalog() if ANSWER_DEADLINE.search(e.msgid)}
    assert SLA_MSGIDS - matched == set()
    assert not {"days past due", "days past due (as of last night)", "Overdue"} & matched


def test_an_answer_past_its_due_time_is_timed_out_not_overdue():
    overdue = [
        (e.msgid, text)
        for e in catalog()
        if ANSWER_DEADLINE.search(e.msgid)
        for text in texts(e)
        if "逾期" in text
    ]
    assert overdue == []


def test_payment_free_months_are_a_pause_never_a_waiver():
    entries = [e for e in catalog() if PAYMENT_FREE.search(e.msgid)]
    assert len(entries) >= 10
    wrong = [
        (e.msgid, text)
        for e in entries
        for text in texts(e)
        if "暂停还款" not in text or "免" in text
    ]
    assert wrong == []


@pytest.mark.parametrize(("msgid", "term"), TERMS.items(), ids=list(TERMS))
def test_each_money_concept_has_its_term(msgid, term):
    assert term in translation(msgid)


# The msgids about what a plan covers: a schedule's columns, the chart, the installment's
# part. Their Chinese never says 本金, which is the account's principal alone.
PLAN_COVERS = re.compile(r"amount covered", re.I)


def test_what_a_plan_covers_is_never_called_principal():
    entries = [e for e in catalog() if PLAN_COVERS.search(e.msgid)]
    assert len(entries) >= 6
    wrong = [(e.msgid, text) for e in entries for text in texts(e) if "本金" in text]
    assert wrong == []


def test_the_compounded_rate_is_named_only_where_it_is_shown():
    compounded = {e.msgid for e in catalog() for text in texts(e) if "复利" in text}
    assert compounded == {"effective yearly rate %(ear)s"}


def test_chinese_text_uses_full_width_punctuation():
    half_width = [
        (msgid, text)
        for msgid, text in chinese_texts()
        if CJK.search(text) and HALF_WIDTH.search(NOT_TEXT.sub("0", text))
    ]
    assert half_width == []
