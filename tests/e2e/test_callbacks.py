"""A signed-in debtor, on a phone-sized screen in English and in Simplified Chinese, reads
"Contacts from us", books a call back (a day's slots open, a time, the topic: no
JavaScript needed), sees it, and cancels it on the page that asks first; then a specialist
finds it in the callbacks list. axe-core checks each page; screenshots go to
test-artifacts/browser/."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command
from django.db import connections

from negotiation.models import Callback, Debtor
from tests.e2e.chromium import BROWSER_TESTS, LOCALES, phone_context, sign_in_the_demo_debtor
from tests.e2e.test_accessibility import axe_problems
from tests.e2e.test_browser import Steps, sign_in_with_the_app
from tests.factories import daytime_timezone

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM checks in the Playwright thread

pytestmark = BROWSER_TESTS


@pytest.mark.parametrize("language", list(LOCALES))
@pytest.mark.django_db(transaction=True)
def test_a_debtor_books_and_cancels_a_call_back(live_server, browser, language):
    call_command("seed_demo", verbosity=0)
    context = phone_context(browser, live_server.url, language)
    page = context.new_page()
    steps = Steps(page, f"callbacks-{language}")
    problems: dict[str, list[str]] = {}
    try:
        sign_in_the_demo_debtor(page, live_server.url)
        page.goto(f"{live_server.url}/contacts/")
        assert page.locator("[data-testid=contact-list] li").count() >= 5  # seed_demo's
        assert page.locator("[data-testid=agency-list] li").count() == 2
        problems["contacts"] = axe_problems(page)
        steps.shot("contacts")

        page.locator("[data-testid=callback-link]").click()
        page.locator("[data-testid=callback-form]").wait_for()
        problems["form"] = axe_problems(page)
        page.locator("[data-testid=callback-form] [type=submit]").click()
        page.locator("#error-summary").wait_for()
        problems["form-error"] = axe_problems(page)
        steps.shot("nothing-chosen")
        assert not Callback.objects.exists()

        page.locator("details[open] label.btn").first.click()
        page.locator("input[name=topic]").first.check()
        page.locator("[data-testid=callback-form] [type=submit]").click()
        page.locator("[data-testid=callback-summary]").wait_for()
        problems["booked"] = axe_problems(page)
        steps.shot("booked")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert Callback.objects.get().status == "requested"

        page.locator("[data-testid=callback-cancel-link]").click()
        page.locator("[data-testid=callback-cancel-form]").wait_for()
        problems["cancel"] = axe_problems(page)
        steps.shot("cancel")
        page.locator("[data-testid=callback-cancel-form] [type=submit]").click()
        page.locator("[data-testid=callback-summary]").wait_for()
        steps.shot("cancelled")
        assert Callback.objects.get().status == "cancelled"
    except Exception:
        steps.shot("failure")
        raise
    finally:
        context.close()
        connections.close_all()
    assert {name: found for name, found in problems.items() if found} == {}


@pytest.mark.django_db(transaction=True)
def test_a_specialist_finds_the_call_back_in_the_list(live_server, browser):
    call_command("seed_demo", verbosity=0)
    # Where it is around noon, so the call made now is inside the debtor's contact hours.
    Debtor.objects.filter(user__email="demo@example.com").update(timezone=daytime_timezone())
    debtor_context = browser.new_context(viewport={"width": 375, "height": 800})
    page = debtor_context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.locator("#id_username").fill("demo@example.com")
    page.locator("#id_password").fill("demo-debtor-pass")
    page.locator("#id_password").press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/callback/")
    page.locator("details[open] label.btn").first.click()
    page.locator("input[name=topic]").first.check()
    page.locator("[data-testid=callback-form] [type=submit]").click()
    page.locator("[data-testid=callback-summary]").wait_for()
    debtor_context.close()
    callback = Callback.objects.get()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    staff = context.new_page()
    steps = Steps(staff, "callbacks-staff")
    try:
        sign_in_with_the_app(staff, live_server.url, "specialist", "demo-specialist-pass")
        staff.goto(f"{live_server.url}/staff/negotiation/callback/")
        staff.get_by_role("link", name=callback.reference).click()
        steps.shot("callback")
        staff.locator("[data-testid=callback-actions] [type=submit]").first.click()
        staff.locator("select[name=outcome]").select_option("spoke")
        staff.locator("[data-testid=callback-actions] form").last.locator("[type=submit]").click()
        staff.locator(".messagelist").wait_for()
        steps.shot("done")
        callback.refresh_from_db()
        assert callback.status == "done"
        assert callback.contact is not None
    except Exception:
        steps.shot("failure")
        raise
    finally:
        context.close()
        connections.close_all()
