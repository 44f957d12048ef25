"""The debtor's story on a 375 px phone in Chinese (issue 16): what they can do comes before
the steps if nothing is done, which stay one tap away; the sign-in button tapped twice signs
in once; larger text is kept from page to page; the schedule's payment, paid amount and
status are in view without scrolling sideways; the chart's labels are 12 px or more."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import expect

from negotiation.models import AuditAction, AuditEvent, User
from tests.e2e.chromium import BROWSER_TESTS
from tests.e2e.test_accessibility import axe_problems, demo_state  # noqa: F401

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "phone"
pytestmark = BROWSER_TESTS
PHONE = {"width": 375, "height": 812}


def top(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return float(box["y"])


def out_of_their_cards(page) -> list[str]:
    """The figures (a definition list's values) whose text runs past their card's inner
    edge, over its padding onto the border."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('.card-body dl dd')].filter(dd => {
                const body = dd.closest('.card-body');
                const inner = body.getBoundingClientRect().right
                    - parseFloat(getComputedStyle(body).paddingRight);
                const range = document.createRange();
                range.selectNodeContents(dd);
                return range.getBoundingClientRect().right > inner + 0.5;
            }).map(dd => dd.textContent.trim())"""
        )
    )


@pytest.mark.usefixtures("demo_state")
def test_a_debtor_on_a_phone_in_chinese(live_server, browser, demo_state) -> None:  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True)
    context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    page = context.new_page()
    try:
        # Signing in: the button tapped twice sends one sign-in.
        page.goto(f"{live_server.url}/login/")
        page.locator("input[name=username]").fill("demo@example.com")
        page.locator("input[name=password]").fill("demo-debtor-pass")
        page.locator("main form [type=submit]").dblclick()
        page.wait_for_url(f"{live_server.url}/")
        debtor = User.objects.get(email="demo@example.com")
        assert AuditEvent.objects.filter(actor=debtor, action=AuditAction.SIGNED_IN).count() == 1

        # The account: a line of what is owed, the options, then where the debtor stands.
        classic = demo_state["classic"]
        page.goto(f"{live_server.url}/accounts/{classic.reference}/")
        page.screenshot(path=str(ARTIFACTS / "account.png"), full_page=True)
        assert top(page, "[data-testid=account-summary]") < top(page, "#opt-h")
        assert top(page, "#opt-h") < top(page, "#owe-h") < top(page, "#stand-h")
        timeline = page.locator("details[data-testid=timeline]")
        assert timeline.evaluate("details => details.open") is False  # folded, one tap away
        timeline.locator("summary").click()
        assert timeline.evaluate("details => details.open") is True
        # Each step's legal basis is inside (tests/web/test_no_slips.py). Its content comes
        # from data migrations, which a browser test before this one in the same process
        # may have flushed, so here it is looked at only where it is.
        for basis in timeline.get_by_text(re.compile("^法律依据")).all():
            expect(basis).to_be_visible()

        # Larger text: chosen once, kept on the next pages, and still passes axe-core.
        page.get_by_test_id("larger-text").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("class") == "text-large"
        plan = demo_state["plan"]
        page.goto(f"{live_server.url}/plans/{plan.reference}/")
        assert page.locator("html").get_attribute("class") == "text-large"
        size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        height = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)")
        assert size >= 20
        assert height / size >= 1.3
        assert axe_problems(page) == []
        page.screenshot(path=str(ARTIFACTS / "plan-large.png"), full_page=True)

        # The schedule: each payment's figures in view, nothing scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # No figure runs out of its card (the walk saw ¥21,928.43 past the card's edge).
        assert out_of_their_cards(page) == []
        row = page.locator("table.table-schedule tbody tr").first
        for cell in row.locator("td").all():
            box = cell.bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= 375
        labels = row.locator("td").evaluate_all("cells => cells.map(c => c.dataset.label)")
        assert {"还款额", "已还金额", "状态"} <= set(labels), labels
        page.goto(f"{live_server.url}/")
        assert out_of_their_cards(page) == []

        # The chart's labels on the request form's preview: 12 px or more as drawn.
        page.get_by_role("button", name="标准").click()
        page.goto(f"{live_server.url}/accounts/{classic.reference}/request/")
        page.screenshot(path=str(ARTIFACTS / "request.png"), full_page=True)
        chart_label = page.locator("svg.balance-chart text.axis-label")
        if chart_label.count():
            drawn = chart_label.first.evaluate(
                "t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a"
            )
            assert drawn >= 12, drawn
    finally:
        context.close()
        connections.close_all()
