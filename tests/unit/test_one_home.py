"""Each rule lives in one place: these tests pin the homes, so a second copy shows up as a
failure rather than as two answers that drift apart."""

from __future__ import annotations

import ast
import datetime as dt
import re
from decimal import Decimal
from enum import Enum
from pathlib import Path

import pytest
from django.conf import settings

from negotiation import money, policy
from negotiation.forms.requests import ReliefRequestForm
from negotiation.forms.terms import TermsFields, TermsForm
from negotiation.forms.workbench import CounterOfferForm
from negotiation.models import ReliefKind
from negotiation.services.audit import audit_value
from negotiation.templatetags.money import money as money_filter

ROOT = Path(__file__).resolve().parents[2]
CODE = [p for p in (ROOT / "negotiation").rglob("*.py") if "migrations" not in p.parts]


def lines_matching(pattern: re.Pattern[str], *, outside: set[str]) -> list[str]:
    found = []
    for path in CODE:
        name = str(path.relative_to(ROOT))
        if name in outside:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if pattern.search(line.split("#")[0]):
                found.append(f"{name}:{number}: {line.strip()}")
    return found


# --- Money formatting -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (Decimal("1234.5"), "CNY", "¥1,234.50"),
        (Decimal("-0.005"), "CNY", "-¥0.01"),  # half-up, the one rounding rule
        (Decimal("1000000"), "USD", "$1,000,000.00"),
        (Decimal("7"), "JPY", "JPY 7.00"),
    ],
)
def test_amounts_are_formatted_by_one_pure_function(value, currency, shown):
    assert money.format_amount(value, currency) == shown
    assert money_filter(value, currency) == shown  # the template filter only wraps it
    assert money_filter(None) == ""


TEMPLATE_LIBRARY = re.compile(r"^\s*from negotiation\.templatetags|^\s*from django\.template")


def test_no_service_or_admin_imports_a_template_library():
    offenders = [
        str(path.relative_to(ROOT))
        for path in CODE
        if {"services", "admin"} & set(path.parts)
        and re.search(r"^from negotiation\.templatetags", path.read_text(), re.M)
    ]
    assert offenders == []
    assert TEMPLATE_LIBRARY.search("from negotiation.templatetags.money import money")


# --- The legal cap ----------------------------------------------------------------------

SIXTY = re.compile(r"(?<![\d.])60(?![\d.])")


def test_the_legal_cap_is_named_not_repeated():
    """Outside money.py a bare 60 next to months is never the cap (60 days is a stage and
    60 seconds a minute). The demo's program texts are the bank's content, not code."""
    outside = {"negotiation/money.py", "negotiation/management/commands/seed_demo.py"}
    months = [
        line
        for line in lines_matching(SIXTY, outside=outside)
        if re.search(r"\bmonths?\b|legal cap", line, re.I) and "LEGAL_MAX_MONTHS" not in line
    ]
    assert months == []
    assert SIXTY.search("max_value=60)")
    assert not SIXTY.search("600")
    assert not SIXTY.search("0.60")


# --- Relief kinds ------------------------------------------------------------------------


def test_relief_kinds_are_the_pure_enum():
    assert ReliefKind.values == [kind.value for kind in policy.Kind]
    assert set(settings.RELIEF_SLA_BUSINESS_DAYS) == set(policy.Kind)


# --- Approval authority ------------------------------------------------------------------

SUPERVISOR_CHECK = re.compile(r"second_approve_reliefrequest|SECOND_APPROVER\]")
LIMIT_FIELDS = re.compile(r"\.max_amount\b|\.max_months\b|\.covers\(")


def test_who_is_a_supervisor_and_how_far_a_limit_goes_are_asked_in_one_place_each():
    # roles.py names the permission; models/staff.py reads the limit row; services/staff.py
    # writes it (and audits its values).
    declared = {"negotiation/roles.py", "negotiation/models/requests.py"}  # and its Meta
    assert lines_matching(SUPERVISOR_CHECK, outside=declared) == []
    assert (
        lines_matching(
            LIMIT_FIELDS, outside={"negotiation/models/staff.py", "negotiation/services/staff.py"}
        )
        == []
    )


# --- Audit values -------------------------------------------------------------------------


class Colour(Enum):
    RED = "red"


def test_audit_values_are_converted_by_one_helper():
    moment = dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.UTC)
    assert audit_value(
        {"a": Decimal("1.50"), "b": [dt.date(2026, 1, 31), moment], "c": Colour.RED, "d": None}
    ) == {"a": "1.50", "b": ["2026-01-31", "2026-12-02T09:30:00+00:00"], "c": "red", "d": None}


def test_only_the_audit_service_builds_audit_rows():
    builds = re.compile(
        r"(?<!class )AuditEvent\(|AuditEvent\.objects\.(create|bulk_create)"
        # Reading the trail by type (a filter) is not building a row.
        r"|(?<!\.filter\()object_type=(?!\w+\._meta\.label_lower)"
    )
    assert lines_matching(builds, outside={"negotiation/services/audit.py"}) == []


# --- One set of terms fields ----------------------------------------------------------------


def test_the_debtor_and_the_specialist_share_one_set_of_terms_fields():
    shared = set(TermsFields.base_fields)
    assert {"months", "grace_months", "down_payment", "waived_interest", "waived_penalty"} == shared
    for form in (TermsForm, ReliefRequestForm, CounterOfferForm):
        assert issubclass(form, TermsFields)
        assert shared <= set(form.base_fields)
    assert TermsFields.clean is TermsForm.clean is CounterOfferForm.clean


def test_the_checks_above_can_fail():
    assert SUPERVISOR_CHECK.search('user.has_perm("negotiation.second_approve_reliefrequest")')
    assert LIMIT_FIELDS.search("if amount > limit.max_amount:")
    assert re.search(r"object_type=(?!\w+\._meta\.label_lower)", 'object_type="x"')
    assert ast.parse("x = 1")  # the module parses what it reads
