"""An invited debtor sets up their sign-in in headless Chromium on a phone-sized screen, in
English and in Simplified Chinese: the link seed_demo prints, the national ID and a card's
last four, the code from the text message (the SMS outbox in memory), a new password, and
the dashboard. axe-core checks each page; screenshots go to test-artifacts/browser/."""

from __future__ import annotations

import os
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections

from negotiation.models import Debtor
from tests.e2e.chromium import BROWSER_TESTS, LOCALES, phone_context
from tests.e2e.test_accessibility import axe_problems
from tests.e2e.test_browser import Steps

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM checks in the Playwright thread

pytestmark = BROWSER_TESTS
CODE = re.compile(r"(?<![0-9])[0-9]{6}(?![0-9])")


@pytest.mark.parametrize("language", list(LOCALES))
@pytest.mark.django_db(transaction=True)
def test_an_invited_debtor_sets_up_their_sign_in(live_server, browser, sms_outbox, language):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    match = re.search(r"activation link: https?://[^/]+(/\S+)", out.getvalue())
    assert match is not None
    path = match.group(1)
    context = phone_context(browser, live_server.url, language)
    page = context.new_page()
    steps = Steps(page, f"activation-{language}")
    problems: dict[str, list[str]] = {}
    try:
        page.goto(live_server.url + path)
        assert page.locator("html").get_attribute("lang") == (
            "zh-Hans" if language == "zh-hans" else "en"
        )
        problems["identity"] = axe_problems(page)
        steps.shot("identity")

        # A wrong last 4 first: one calm message, nothing singled out.
        page.locator("input[name=national_id]").fill("11010519880615234x")
        page.locator("input[name=card_last4]").fill("1111")
        page.locator("[data-testid=identity-form] [type=submit]").click()
        page.locator("#error-summary").wait_for()
        problems["identity-error"] = axe_problems(page)
        steps.shot("identity-error")
        page.locator("input[name=national_id]").fill("11010519880615234x")
        page.locator("input[name=card_last4]").fill("6688")
        sent_before = len(sms_outbox)
        page.locator("[data-testid=identity-form] [type=submit]").click()

        page.locator("[data-testid=code-form]").wait_for()
        assert page.get_by_text("5678").first.is_visible()
        problems["code"] = axe_problems(page)
        steps.shot("code")
        assert len(sms_outbox) == sent_before + 1
        code_sms = sms_outbox[-1]
        assert code_sms.to == "+86 139 1234 5678"
        code = CODE.search(code_sms.body)
        assert code is not None
        page.locator("input[name=code]").fill(code.group())
        page.locator("[data-testid=code-form] [type=submit]").click()

        page.locator("[data-testid=password-form]").wait_for()
        problems["password"] = axe_problems(page)
        steps.shot("password")
        page.locator("input[name=new_password1]").fill("my own calm sentence 2027")
        page.locator("input[name=new_password2]").fill("my own calm sentence 2027")
        page.locator("[data-testid=password-form] [type=submit]").click()

        page.get_by_role("heading", name=re.compile("李娜")).wait_for()
        assert page.url == f"{live_server.url}/"
        problems["dashboard"] = axe_problems(page)
        steps.shot("dashboard")
        # No page scrolls sideways at 375 px.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        debtor = Debtor.objects.get(external_id="DEMO-INVITED-1")
        assert debtor.user is not None
    except Exception:
        steps.shot("failure")
        raise
    finally:
        context.close()
        connections.close_all()
    assert {name: found for name, found in problems.items() if found} == {}
