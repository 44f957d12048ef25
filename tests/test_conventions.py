"""House rules that a grep can check (STYLE.md)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATUS_ASSIGNMENT = re.compile(r"\.status\s*=(?!=)")
# The transition services: the only code allowed to change a status.
ALLOWED = {
    ROOT / "negotiation" / "services" / "requests.py",
    ROOT / "negotiation" / "services" / "plans.py",
    ROOT / "negotiation" / "services" / "following.py",  # installments: overdue, plans: broken
    ROOT / "negotiation" / "services" / "accounts.py",
    ROOT / "negotiation" / "services" / "notifications.py",
    ROOT / "negotiation" / "services" / "payments.py",  # installments: paid as allocated
}


def test_only_transition_services_assign_a_status():
    offenders = []
    for path in (ROOT / "negotiation").rglob("*.py"):
        if path in ALLOWED or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if STATUS_ASSIGNMENT.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


BULK_STATUS_UPDATE = re.compile(r"\.update\(\s*status\s*=")
# Bulk status writes: the services, and the generator of synthetic scale-test data, which
# writes consistent states in bulk on purpose (seed_demo --debtors N).
BULK_ALLOWED = {*ALLOWED, ROOT / "negotiation" / "management" / "commands" / "seed_demo.py"}


def test_no_bulk_status_update_outside_the_services():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "negotiation").rglob("*.py")
        if path not in BULK_ALLOWED
        and "migrations" not in path.parts
        and BULK_STATUS_UPDATE.search(path.read_text())
    ]
    assert offenders == []


def test_the_convention_checks_can_fail():
    assert STATUS_ASSIGNMENT.search("request.status = 'approved'")
    assert not STATUS_ASSIGNMENT.search("if request.status == 'approved':")
    assert BULK_STATUS_UPDATE.search("Offer.objects.filter(x=1).update(\n    status='declined')")


def test_no_cdn_anywhere_in_templates():
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        assert "https://" not in text, path
        assert "http://" not in text, path


PURE_MODULES = [ROOT / "negotiation" / name for name in ("money.py", "delinquency.py", "policy.py")]
ORM_IMPORT = re.compile(r"^\s*(from|import)\s+(django\.db|negotiation\.models)\b", re.M)
TASKS_IMPORT = re.compile(
    r"^\s*(from\s+negotiation(\.tasks)?\s+import\s+.*\btasks\b|from\s+negotiation\.tasks\s+import|import\s+negotiation\.tasks)",
    re.M,
)


def test_pure_modules_import_no_orm():
    offenders = [
        str(path.relative_to(ROOT)) for path in PURE_MODULES if ORM_IMPORT.search(path.read_text())
    ]
    assert offenders == []


def test_services_never_import_tasks():
    """Services queue tasks by name (queueing.delay_after_commit): tasks import services,
    so the other way round would be a circle."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "negotiation" / "services").rglob("*.py")
        if TASKS_IMPORT.search(path.read_text())
    ]
    assert offenders == []


def test_the_layering_checks_can_fail():
    assert ORM_IMPORT.search("from django.db import models")
    assert ORM_IMPORT.search("    from negotiation.models import Program")
    assert not ORM_IMPORT.search("from django.utils.translation import gettext as _")
    assert TASKS_IMPORT.search("    from negotiation.tasks import send_notification")
    assert TASKS_IMPORT.search("from negotiation import tasks")
    assert TASKS_IMPORT.search("import negotiation.tasks")
    assert not TASKS_IMPORT.search("delay_after_commit(SEND_NOTIFICATION, 1)")
