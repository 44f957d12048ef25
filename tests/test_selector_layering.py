"""Imports run one way: services may call selectors, never the reverse (a selector that
wrote, or called what writes, would make a page's read change things)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES_IMPORT = re.compile(
    r"^\s*(from\s+negotiation\.services\b|import\s+negotiation\.services\b"
    r"|from\s+negotiation\s+import\s+.*\bservices\b)",
    re.M,
)


def test_selectors_never_import_services():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "negotiation" / "selectors").rglob("*.py")
        if SERVICES_IMPORT.search(path.read_text())
    ]
    assert offenders == []


def test_the_selector_check_can_fail():
    assert SERVICES_IMPORT.search("from negotiation.services.requests import submit_request")
    assert SERVICES_IMPORT.search("    from negotiation.services import offers")
    assert SERVICES_IMPORT.search("import negotiation.services.plans")
    assert SERVICES_IMPORT.search("from negotiation import money, services")
    assert not SERVICES_IMPORT.search("from negotiation.selectors.terms import account_facts")
    assert not SERVICES_IMPORT.search('"""Read by the services that follow plans."""')
