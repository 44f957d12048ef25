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


def test_no_cdn_anywhere_in_templates():
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        assert "https://" not in text, path
        assert "http://" not in text, path
