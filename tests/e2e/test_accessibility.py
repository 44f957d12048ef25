"""Every debtor page, in English and Simplified Chinese, at 375 px and 1280 px wide, in the
standard and the larger text size, checked
by axe-core (WCAG 2.0/2.1/2.2 A and AA rules) in headless Chromium: no serious or critical
violation. A screenshot of each is saved in test-artifacts/accessibility/ to look at."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from negotiation.models import CollectionNotice, CreditAccount, Program, User
from negotiation.services.intents import start_payment
from negotiation.services.requests import approve_request
from tests.e2e.chromium import BROWSER_TESTS
from tests.factories import make_request

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "accessibility"
pytestmark = BROWSER_TESTS
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LANGUAGES = {"en": "en-US", "zh-hans": "zh-CN"}
WIDTHS = (375, 1280)
TEXT_SIZES = ("standard", "large")


def axe_problems(page) -> list[str]:
    """Serious and critical violations on the page as it is now, one line each."""
    # Evaluated by the browser's debugger interface, which the page's Content-Security-Policy
    # does not govern (a <script> tag added to the page would be refused as inline code).
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + json.dumps([n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def demo_state(transactional_db):
    """The demo debtor with a plan waiting for a signature (gold card), a formal notice
    and a request in progress on nothing else (classic card), and messages in the inbox."""
    call_command("seed_demo", verbosity=0)
    gold = CreditAccount.objects.get(card_last4="4821")
    classic = CreditAccount.objects.get(card_last4="0937")
    program = Program.objects.get(name="Standard installment plan")
    request = make_request(gold, program, months=12)
    plan = approve_request(
        request, actor=User.objects.get(username="specialist"), today=timezone.localdate()
    ).plan
    sent = timezone.now() - dt.timedelta(days=40)
    CollectionNotice.objects.create(
        account=classic, channel="registered_letter", sent_at=sent, delivered_at=sent
    )
    # An online payment started on the classic card, waiting on the sandbox's page.
    assert classic.debtor.user is not None
    intent = start_payment(
        classic,
        plan=None,
        actor=classic.debtor.user,
        amount=Decimal("100.00"),
        provider="sandbox",
        now=timezone.now(),
    )
    return {"gold": gold, "classic": classic, "request": request, "plan": plan, "intent": intent}


def debtor_pages(state) -> dict[str, Callable[[Any, str], None]]:
    """Each debtor page, as a step that takes the page there (signed in)."""

    def go(path: str) -> Callable[[Any, str], None]:
        return lambda page, base: page.goto(base + path)

    def request_errors(page, base):
        page.goto(f"{base}/accounts/{state['classic'].reference}/request/")
        page.locator("main form [type=submit]").last.click()
        page.wait_for_load_state()

    return {
        "dashboard": go("/"),
        "account-gold": go(f"/accounts/{state['gold'].reference}/"),
        "account-classic": go(f"/accounts/{state['classic'].reference}/"),
        "request-form": go(f"/accounts/{state['classic'].reference}/request/"),
        "request-form-errors": request_errors,
        "request": go(f"/requests/{state['request'].reference}/"),
        "withdraw": go(f"/requests/{state['request'].reference}/withdraw/"),
        "plan": go(f"/plans/{state['plan'].reference}/"),
        "pay": go(f"/pay/{state['classic'].reference}/"),
        "payment-sandbox": go(f"/payments/sandbox/{state['intent'].reference}/"),
        "inbox": go("/inbox/"),
        "contacts": go("/contacts/"),
        "callback": go("/callback/"),
        "rights": go("/rights/"),
    }


def sign_in(browser, base: str, language: str, width: int, text_size: str = "standard"):
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale=LANGUAGES[language]
    )
    context.add_cookies(
        [
            {"name": "django_language", "value": language, "url": base},
            {"name": "text_size", "value": text_size, "url": base},
        ]
    )
    page = context.new_page()
    page.goto(f"{base}/login/")
    return context, page


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_debtor_page_passes_axe_in_both_widths(
    live_server, browser, demo_state, language
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}
    try:
        for width, size in [(width, size) for width in WIDTHS for size in TEXT_SIZES]:
            context, page = sign_in(browser, live_server.url, language, width, size)
            shown = f"{width}-{size}"
            try:
                assert (page.locator("html").get_attribute("class") == "text-large") == (
                    size == "large"
                )
                # The sign-in page, before signing in.
                problems[f"login-{shown}"] = axe_problems(page)
                page.screenshot(path=str(ARTIFACTS / f"login-{language}-{shown}.png"))
                page.locator("input[name=username]").fill("demo@example.com")
                page.locator("input[name=password]").fill("demo-debtor-pass")
                page.locator("main form [type=submit]").click()
                page.wait_for_load_state()
                for name, visit in debtor_pages(demo_state).items():
                    visit(page, live_server.url)
                    html_lang = page.locator("html").get_attribute("lang")
                    assert html_lang == ("zh-Hans" if language == "zh-hans" else "en"), name
                    problems[f"{name}-{shown}"] = axe_problems(page)
                    page.screenshot(
                        path=str(ARTIFACTS / f"{name}-{language}-{shown}.png"), full_page=True
                    )
            finally:
                context.close()
    finally:
        connections.close_all()
    failing = {name: found for name, found in problems.items() if found}
    assert failing == {}, json.dumps(failing, indent=1, ensure_ascii=False)
    assert len(problems) == len(WIDTHS) * len(TEXT_SIZES) * (1 + len(debtor_pages(demo_state)))


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_nothing_scrolls_sideways_at_320_px(live_server, browser, demo_state, language):
    """WCAG 1.4.10 reflow: at 320 px only data tables may scroll, inside their own box."""
    try:
        context, page = sign_in(browser, live_server.url, language, 320)
        page.locator("input[name=username]").fill("demo@example.com")
        page.locator("input[name=password]").fill("demo-debtor-pass")
        page.locator("main form [type=submit]").click()
        page.wait_for_load_state()
        wide = {}
        for name, visit in debtor_pages(demo_state).items():
            visit(page, live_server.url)
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > 320:
                wide[name] = scroll_width
        context.close()
    finally:
        connections.close_all()
    assert wide == {}


def test_keyboard_only_with_a_visible_focus(live_server, browser, demo_state):
    """Skip link first, focus always visible, and signing in and opening an account with
    the keyboard alone."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()

    def focused(expression: str):
        return page.evaluate(
            f"(() => {{ const el = document.activeElement; return {expression}; }})()"
        )

    def tab_to(expression: str, limit: int = 25) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if focused(expression):
                return
        raise AssertionError(f"the keyboard never reached {expression}")

    try:
        page.goto(f"{live_server.url}/rights/")
        page.keyboard.press("Tab")
        assert focused("el.classList.contains('skip-link')")
        assert focused("getComputedStyle(el).outlineStyle") != "none"
        page.keyboard.press("Enter")
        assert focused("el.id") == "main"
        page.goto(f"{live_server.url}/login/")  # the email field has the focus already
        assert focused("el.name") == "username"
        page.keyboard.type("demo@example.com")
        tab_to("el.name === 'password'")
        page.keyboard.type("demo-debtor-pass")
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Hello, Wang Fang").wait_for()
        tab_to("el.textContent.includes('Details and options')")
        assert focused("getComputedStyle(el).outlineStyle") != "none"
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Where you stand").wait_for()
    finally:
        context.close()
        connections.close_all()
