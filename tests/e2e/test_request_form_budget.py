"""The request form on a phone, in Chromium: a budget too small for the terms is said beside
the live preview with a plan that fits, taken with one tap; amounts written with thousands
separators are taken; the hardship statement counts down the room left."""

from __future__ import annotations

import os
import re

import pytest
from django.core.management import call_command

from tests.e2e.chromium import BROWSER_TESTS

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM checks in the Playwright thread

pytestmark = BROWSER_TESTS


@pytest.mark.django_db(transaction=True)
def test_a_budget_too_small_is_said_and_a_plan_that_fits_is_one_tap_away(
    live_server, browser
) -> None:
    call_command("seed_demo", verbosity=0)
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("demo@example.com")
    page.get_by_label("Password").fill("demo-debtor-pass")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name=re.compile("Details and options.*4821")).click()
    page.get_by_role("link", name=re.compile("Ask for this.*Standard installment plan")).click()

    page.get_by_label("Number of monthly payments").fill("3")
    statement = page.get_by_label("Tell us about your situation")
    statement.fill("I lost my job in the spring.")
    room = page.locator("#id_hardship_statement-room")
    assert room.inner_text() == "Characters left: 3972"
    assert room.get_attribute("aria-live") == "polite"
    page.get_by_label("Monthly income after tax").fill("6,000")
    page.get_by_label("Monthly essential expenses").fill("¥4,000.00")

    check = page.get_by_test_id("budget-check")
    check.wait_for()
    assert "More than your budget allows" in check.inner_text()
    assert "¥2,000.00 left each month" in check.inner_text()
    page.get_by_test_id("use-fitting").click()

    # Back on the form (the confirmations are not ticked yet), the plan that fits in place.
    page.get_by_test_id("budget-check").wait_for()
    assert page.get_by_label("Number of monthly payments").input_value() != "3"
    assert "Fits your budget" in page.get_by_test_id("budget-check").inner_text()
    assert page.get_by_label("Monthly income after tax").input_value() == "6,000"  # as typed
    assert page.locator("#error-summary").count() == 0
    context.close()
