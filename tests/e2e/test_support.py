"""A signed-in debtor asks for extra support in headless Chromium on a phone-sized screen,
in English and in Simplified Chinese: the one-line offer on an account page, the form from
My details, health refused without the consent (nothing kept), then kept with it, and My
details saying what it changes with the callback offer. axe-core checks each page; the
page never scrolls sideways; screenshots go to test-artifacts/browser/."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command
from django.db import connections

from negotiation.models import Debtor, SupportNeed
from tests.e2e.chromium import BROWSER_TESTS, LOCALES, phone_context, sign_in_the_demo_debtor
from tests.e2e.test_accessibility import axe_problems
from tests.e2e.test_browser import Steps

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM checks in the Playwright thread

pytestmark = BROWSER_TESTS


@pytest.mark.parametrize("language", list(LOCALES))
@pytest.mark.django_db(transaction=True)
def test_a_debtor_asks_for_extra_support(live_server, browser, language):
    call_command("seed_demo", verbosity=0)
    debtor = Debtor.objects.get(user__email="demo@example.com")
    account = debtor.accounts.order_by("pk").first()
    assert account is not None
    context = phone_context(browser, live_server.url, language)
    page = context.new_page()
    steps = Steps(page, f"support-{language}")
    problems: dict[str, list[str]] = {}
    try:
        sign_in_the_demo_debtor(page, live_server.url)
        page.goto(f"{live_server.url}/accounts/{account.reference}/")
        page.locator("[data-testid=support-offer]").wait_for()
        problems["account"] = axe_problems(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375

        page.goto(f"{live_server.url}/profile/")
        page.locator("[data-testid=support-link]").click()
        page.locator("[data-testid=support-form]").wait_for()
        problems["form"] = axe_problems(page)
        steps.shot("form")
        assert not page.locator("#id_consent").is_checked()  # unticked unless ticked

        page.locator("#id_health").check()
        page.locator("#id_life_event").check()
        page.locator("[data-testid=support-form] [type=submit]").click()
        page.locator("#error-summary").wait_for()
        problems["refused"] = axe_problems(page)
        steps.shot("refused")
        assert not SupportNeed.objects.exists()

        page.locator("#id_consent").check()
        page.locator("[data-testid=support-form] [type=submit]").click()
        page.locator("[data-testid=callback-offer]").wait_for()
        problems["saved"] = axe_problems(page)
        page.locator("[data-testid=support-section]").scroll_into_view_if_needed()
        steps.shot("saved")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        need = SupportNeed.objects.get(debtor=debtor)
        assert need.drivers == ["health", "life_event"]
        assert need.consented_at is not None
    except Exception:
        steps.shot("failure")
        raise
    finally:
        context.close()
        connections.close_all()
    assert {name: found for name, found in problems.items() if found} == {}
