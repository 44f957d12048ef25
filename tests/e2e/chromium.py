"""Headless Chromium for the browser tests: where it is, how it starts, and the marks that
skip those tests (with the reason) on a machine without it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The machine's network is closed: without these, Chromium keeps trying to reach Google.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Chromium is not installed (apt-get install chromium)"
    ),
]


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


# Each page language, and the browser locale that asks for it.
LOCALES = {"en": "en-US", "zh-hans": "zh-CN"}


def phone_context(browser, base_url: str, language: str):
    """A new 375 px phone-sized browser context that reads the site in ``language``."""
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale=LOCALES[language])
    context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    return context


def sign_in_the_demo_debtor(page, base_url: str) -> None:
    """seed_demo's debtor signs in and lands on their accounts."""
    page.goto(f"{base_url}/login/")
    page.locator("#id_username").fill("demo@example.com")
    page.locator("#id_password").fill("demo-debtor-pass")
    page.locator("#id_password").press("Enter")
    page.wait_for_url(f"{base_url}/")
