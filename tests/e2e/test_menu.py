"""The menu of a narrow screen, without Bootstrap's script: the button opens and closes it
with a click, Enter, Space and Escape (static/js/portal.js), and without JavaScript the menu
is simply open (css/menu-noscript.css). At 1280 px it is always shown, button or not."""

from __future__ import annotations

import pytest

from tests.e2e.chromium import BROWSER_TESTS

pytestmark = [*BROWSER_TESTS, pytest.mark.django_db(transaction=True)]


def test_the_button_opens_and_closes_the_menu_by_keyboard(live_server, browser):
    context = browser.new_context(viewport={"width": 375, "height": 700}, locale="en-US")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/rights/")
        button = page.get_by_role("button", name="Menu")
        link = page.locator("#nav").get_by_role("link", name="Your rights")
        assert button.get_attribute("aria-expanded") == "false"
        assert not link.is_visible()
        button.focus()
        page.keyboard.press("Enter")
        assert button.get_attribute("aria-expanded") == "true"
        assert link.is_visible()
        page.keyboard.press("Tab")  # into the menu
        page.keyboard.press("Escape")
        assert button.get_attribute("aria-expanded") == "false"
        assert not link.is_visible()
        assert page.evaluate("document.activeElement.getAttribute('aria-controls')") == "nav"
        page.keyboard.press("Space")
        assert link.is_visible()
        button.click()
        assert not link.is_visible()
    finally:
        context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_without_javascript_the_menu_is_open(live_server, browser, width):
    context = browser.new_context(
        viewport={"width": width, "height": 700}, locale="en-US", java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/rights/")
        assert page.locator("#nav").get_by_role("link", name="Your rights").is_visible()
        assert not page.locator(".navbar-toggler").is_visible()
    finally:
        context.close()
