"""The warning before the idle timeout in headless Chromium, with the page's clock moved on
by Playwright (so a test takes seconds, not half an hour): two minutes before the end an
alert dialog says so with the focus on "Stay signed in"; staying (by the button or Escape)
moves the session's expiry on the server; when the session ends, what was typed on the
page comes back after signing in again; when the cap after signing in comes first the
dialog says so and offers no way to stay. Screenshots: test-artifacts/browser/timeout-*."""

from __future__ import annotations

import datetime as dt
import json
import os
import re

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from negotiation.models import CreditAccount
from tests.e2e.chromium import BROWSER_TESTS
from tests.e2e.test_browser import Steps, sign_in_as_the_specialist
from tests.e2e.test_content_security_policy import PolicyWatch

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM checks in the Playwright thread

pytestmark = [*BROWSER_TESTS, pytest.mark.django_db(transaction=True)]
STATEMENT = "My hours were cut in March; I can pay a little every month."


def _context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    watch = PolicyWatch(context)
    context.clock.install()  # the pages' timers and Date, moved on by the test
    return context, context.new_page(), watch


def _sign_in_as_the_debtor(page) -> None:
    page.get_by_label("Email").fill("demo@example.com")
    page.get_by_label("Password").fill("demo-debtor-pass")
    page.get_by_role("button", name="Sign in").click()


def _end_every_session() -> None:
    """What the idle timeout does on the server once its 30 minutes have passed."""
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))


def _draft(page) -> str | None:
    draft = page.evaluate("sessionStorage.getItem('portal.draft:' + location.pathname)")
    return None if draft is None else str(draft)


def test_what_was_typed_comes_back_after_signing_in_again(live_server, browser):
    call_command("seed_demo", verbosity=0)
    classic = CreditAccount.objects.get(card_last4="0937")
    form = f"/accounts/{classic.reference}/request/"
    context, page, watch = _context(browser)
    steps = Steps(page, "timeout-debtor")
    try:
        page.goto(f"{live_server.url}/login/?next={form}")
        _sign_in_as_the_debtor(page)
        page.wait_for_url(live_server.url + form)
        page.get_by_label("What has made paying difficult?").select_option("illness")
        page.get_by_label("Tell us about your situation").fill(STATEMENT)
        page.get_by_label("Monthly income after tax").fill("7300")
        page.get_by_label("People who depend on you").fill("2")
        page.get_by_label(re.compile("The information I have given is true")).check()

        # 28 minutes later: the warning, the focus on its button, the typing kept.
        page.clock.fast_forward("28:01")
        dialog = page.get_by_role("alertdialog", name="You will be signed out soon")
        dialog.wait_for()
        assert "30 minutes without activity" in dialog.inner_text()
        assert re.search(r"Time left: 1:5\d", dialog.inner_text())
        assert page.evaluate("document.activeElement.textContent.trim()") == "Stay signed in"
        assert STATEMENT in (_draft(page) or "")
        assert "csrfmiddlewaretoken" not in (_draft(page) or "")
        steps.shot("warning")

        # Two minutes more: signed out, on the server too.
        page.clock.fast_forward("02:00")
        _end_every_session()
        page.get_by_role("alertdialog", name="You have been signed out").wait_for()
        steps.shot("signed-out")
        page.get_by_role("link", name="Sign in again").click()
        page.wait_for_url(re.compile(r"/login/\?next="))
        _sign_in_as_the_debtor(page)
        page.wait_for_url(live_server.url + form)

        # Back on the form: everything typed is there again, said above it, and forgotten.
        page.get_by_test_id("draft-restored").wait_for()
        assert page.get_by_label("Tell us about your situation").input_value() == STATEMENT
        assert page.get_by_label("Monthly income after tax").input_value() == "7300"
        assert page.get_by_label("People who depend on you").input_value() == "2"
        assert page.get_by_label("What has made paying difficult?").input_value() == "illness"
        assert page.get_by_label(re.compile("The information I have given is true")).is_checked()
        assert _draft(page) is None
        steps.shot("restored")

        # Sent, it is not kept again.
        with page.expect_navigation():
            page.get_by_role("button", name="See the schedule and cost").click()
        page.goto(live_server.url + form)
        assert page.get_by_test_id("draft-restored").count() == 0
        assert page.get_by_label("Tell us about your situation").input_value() == ""
    except Exception:
        steps.shot("failure")
        raise
    finally:
        context.close()
        connections.close_all()
    assert watch.problems == []


def test_a_password_and_someone_elses_typing_are_never_kept(live_server, browser):
    """Leaving a form with changes keeps them, the password left out; a draft typed by
    another sign-in in this browser tab is dropped, not shown."""
    call_command("seed_demo", verbosity=0)
    context, page, watch = _context(browser)
    try:
        page.goto(f"{live_server.url}/login/?next=/profile/phone/")
        _sign_in_as_the_debtor(page)
        page.wait_for_url(f"{live_server.url}/profile/phone/")
        page.locator("input[name=value]").fill("139 1111 2222")
        page.locator("input[name=password]").fill("demo-debtor-pass")
        page.get_by_role("link", name="My accounts").first.click()  # left, not sent
        page.wait_for_url(f"{live_server.url}/")
        kept = page.evaluate("sessionStorage.getItem('portal.draft:/profile/phone/')")
        assert "139 1111 2222" in kept
        assert "demo-debtor-pass" not in kept
        assert "password" not in kept
        assert json.loads(kept)["forms"] == {"#0": {"value": ["139 1111 2222"]}}
        page.go_back()
        page.get_by_test_id("draft-restored").wait_for()
        assert page.locator("input[name=value]").input_value() == "139 1111 2222"
        assert page.locator("input[name=password]").input_value() == ""

        someone_else = '{"owner": "another-sign-in", "forms": {"#0": {"value": ["a@b.example"]}}}'
        page.evaluate(
            "draft => sessionStorage.setItem('portal.draft:/profile/email/', draft)",
            someone_else,
        )
        page.goto(f"{live_server.url}/profile/email/")
        assert page.get_by_test_id("draft-restored").count() == 0
        assert page.locator("input[name=value]").input_value() == ""
        assert _draft(page) is None
    finally:
        context.close()
        connections.close_all()
    assert watch.problems == []


def test_staff_stay_signed_in_with_the_keyboard(live_server, browser):
    call_command("seed_demo", verbosity=0)
    context, page, watch = _context(browser)
    steps = Steps(page, "timeout-staff")
    try:
        sign_in_as_the_specialist(page, live_server.url)
        page.get_by_role("link", name="Relief requests").first.click()
        page.wait_for_url(re.compile("/reliefrequest/"))  # loaded: its script counts
        session = Session.objects.get()
        page.clock.fast_forward("28:30")
        dialog = page.get_by_role("alertdialog", name="You will be signed out soon")
        dialog.wait_for()
        steps.shot("warning")
        page.keyboard.press("Enter")  # the focus is on "Stay signed in"
        dialog.wait_for(state="hidden")
        moved = Session.objects.get().expire_date
        assert moved > session.expire_date
        # Again, with Escape: staying too.
        page.clock.fast_forward("28:30")
        dialog.wait_for()
        page.keyboard.press("Escape")
        dialog.wait_for(state="hidden")
        assert Session.objects.get().expire_date > moved
        assert page.get_by_role("link", name="Relief requests").count() > 0
        steps.shot("stayed")
    except Exception:
        steps.shot("failure")
        raise
    finally:
        context.close()
        connections.close_all()
    assert watch.problems == []


def test_the_cap_after_signing_in_cannot_be_moved(live_server, browser, settings):
    call_command("seed_demo", verbosity=0)
    settings.SESSION_ABSOLUTE_SECONDS = 20 * 60  # nearer than the idle timeout
    context, page, watch = _context(browser)
    steps = Steps(page, "timeout-cap")
    try:
        page.goto(f"{live_server.url}/login/")
        _sign_in_as_the_debtor(page)
        page.wait_for_url(f"{live_server.url}/")  # loaded: its script counts
        page.clock.fast_forward("18:05")
        dialog = page.get_by_role("alertdialog", name="You will be signed out soon")
        dialog.wait_for()
        assert "cannot be made longer" in dialog.inner_text()
        assert dialog.get_by_role("button", name="Stay signed in").count() == 0
        steps.shot("warning")
        dialog.get_by_role("button", name="Close").click()
        dialog.wait_for(state="hidden")
        page.clock.fast_forward("02:00")
        page.get_by_role("alertdialog", name="You have been signed out").wait_for()
        steps.shot("signed-out")
    except Exception:
        steps.shot("failure")
        raise
    finally:
        context.close()
        connections.close_all()
    assert watch.problems == []
