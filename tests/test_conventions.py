"""House rules that a grep can check (STYLE.md)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATUS_ASSIGNMENT = re.compile(r"\.status\s*=(?!=)")
# The transition services: the only code allowed to change a status.
ALLOWED = {
    ROOT / "negotiation" / "services" / "requests.py",
    ROOT / "negotiation" / "services" / "plans.py",
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
