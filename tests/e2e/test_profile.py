"""A signed-in debtor changes their mobile number in headless Chromium on a phone-sized
screen, in English and in Simplified Chinese: My details, the new number and the password,
the code texted to the new number, and the page showing it, the old number told. axe-core
checks each page; screenshots go to test-artifacts/browser/."""

from __future__ import annotations

import os
import re

import pytest
from django.core.management import call_command
from django.db import connections

from negotiation.models import Debtor, Notification, NotificationEvent
from tests.e2e.chromium import BROWSER_TESTS, LOCALES, phone_context, sign_in_the_demo_debtor
from tests.e2e.test_accessibility import axe_problems
from tests.e2e.test_browser import Steps

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM checks in the Playwright thread

pytestmark = BROWSER_TESTS
CODE = re.compile(r"(?<![0-9])[0-9]{6}(?![0-9])")
NEW_PHONE = "13911112222"


@pytest.mark.parametrize("language", list(LOCALES))
@pytest.mark.django_db(transaction=True)
def test_a_debtor_changes_their_mobile_number(live_server, browser, sms_outbox, language):
    call_command("seed_demo", verbosity=0)
    # Within contact hours (08:00-21:00 in the debtor's time) seed_demo's invitation to
    # 李娜 goes out at once: this test counts only the messages it causes.
    sms_outbox.clear()
    debtor = Debtor.objects.get(user__email="demo@example.com")
    old_phone = debtor.phone
    context = phone_context(browser, live_server.url, language)
    page = context.new_page()
    steps = Steps(page, f"profile-{language}")
    problems: dict[str, list[str]] = {}
    try:
        sign_in_the_demo_debtor(page, live_server.url)
        page.goto(f"{live_server.url}/profile/")
        problems["profile"] = axe_problems(page)
        steps.shot("profile")

        page.locator("a[href='/profile/phone/']").click()
        page.locator("[data-testid=contact-form]").wait_for()
        problems["contact"] = axe_problems(page)
        page.locator("input[name=value]").fill("139 1111 2222")
        page.locator("input[name=password]").fill("not my password")
        page.locator("[data-testid=contact-form] [type=submit]").click()
        page.locator("#error-summary").wait_for()
        problems["contact-error"] = axe_problems(page)
        steps.shot("wrong-password")
        assert sms_outbox == []

        page.locator("input[name=value]").fill("139 1111 2222")
        page.locator("input[name=password]").fill("demo-debtor-pass")
        page.locator("[data-testid=contact-form] [type=submit]").click()
        page.locator("[data-testid=code-form]").wait_for()
        problems["code"] = axe_problems(page)
        steps.shot("code")
        (sms,) = sms_outbox
        assert sms.to == NEW_PHONE
        code = CODE.search(sms.body)
        assert code is not None
        page.locator("input[name=code]").fill(code.group())
        page.locator("[data-testid=code-form] [type=submit]").click()

        page.locator("[data-testid=contact-details]").wait_for()
        assert "139 1111 2222" in page.locator("[data-testid=contact-details]").inner_text()
        assert page.get_by_role("alert").or_(page.locator(".alert")).first.is_visible()
        problems["changed"] = axe_problems(page)
        steps.shot("changed")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        debtor.refresh_from_db()
        assert debtor.phone == NEW_PHONE
        assert Notification.objects.filter(
            template=NotificationEvent.CONTACT_CHANGED, channel="sms", address=old_phone
        ).exists()
    except Exception:
        steps.shot("failure")
        raise
    finally:
        context.close()
        connections.close_all()
    assert {name: found for name, found in problems.items() if found} == {}
