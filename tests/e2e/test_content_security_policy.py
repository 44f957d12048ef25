"""The strict Content-Security-Policy in headless Chromium: the main debtor pages and the
main staff pages (the sign-in and its code step, the app's set-up and the recovery codes,
lists with filters, search and dates, the request review page and its decisions, a form
with a calendar, a lookup popup, a search-as-you-type field, the 'delete selected'
confirmation) load and work with zero violations reported by the browser, and no script
fails. Every page's response carries the policy. Screenshots go to
test-artifacts/browser/csp-*.png."""

from __future__ import annotations

import os
import re

from django.db import connections
from django_otp.plugins.otp_totp.models import TOTPDevice

from negotiation.models import PlanStatus, Program, RepaymentPlan, User
from tests.e2e.chromium import BROWSER_TESTS
from tests.e2e.test_accessibility import debtor_pages, demo_state  # noqa: F401
from tests.e2e.test_browser import Steps, sign_in_as_the_specialist, sign_in_with_the_app
from tests.factories import PASSWORD, make_request, make_user
from tests.secondfactor import app_code, confirmed_app

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM checks in the Playwright thread

pytestmark = BROWSER_TESTS

# Runs in each page before its own scripts (Playwright's init scripts are not subject to
# the page's policy): every violation the browser reports, with where and what.
LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(
    `${location.pathname}: ${event.effectiveDirective} refused ${event.blockedURI || "inline"}`
    + ` (${event.sourceFile || ""}:${event.lineNumber || ""} ${event.sample || ""})`
  );
}, true);
"""


class PolicyWatch:
    """What a browser context's pages break: violations of the policy (from the event and
    from the console), script errors, and any page served without the policy."""

    def __init__(self, context) -> None:
        self.problems: list[str] = []
        self.pages = 0
        context.expose_binding("reportViolation", lambda _source, text: self.problems.append(text))
        context.add_init_script(LISTENER)
        context.on("page", self.watch)

    def watch(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: {error}"))
        page.on("response", self._response)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.problems.append(f"console: {message.text}")

    def _response(self, response) -> None:
        request = response.request
        if request.resource_type == "document" and request.frame.parent_frame is None:
            self.pages += 1
            if "content-security-policy" not in response.headers:
                self.problems.append(f"{response.url}: served without the policy")


def new_watched_page(browser, width: int = 1280):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")
    watch = PolicyWatch(context)
    return context, context.new_page(), watch


def test_the_debtor_pages_break_no_rule(live_server, browser, demo_state):  # noqa: F811
    base = live_server.url
    context, page, watch = new_watched_page(browser)
    steps = Steps(page, "csp-debtor")
    try:
        page.goto(f"{base}/login/")
        page.locator("input[name=username]").fill("demo@example.com")
        page.locator("input[name=password]").fill("demo-debtor-pass")
        page.locator("main form [type=submit]").click()
        page.get_by_role("heading", name="Hello, Wang Fang").wait_for()
        for name, visit in debtor_pages(demo_state).items():
            visit(page, base)
            page.wait_for_load_state("networkidle")  # the live preview's fetch included
            steps.shot(name)
        # The live preview swaps in its chart and schedule as the debtor types.
        page.goto(f"{base}/accounts/{demo_state['classic'].reference}/request/")
        page.locator("#live-preview [data-testid=monthly-amount]").wait_for()
        page.get_by_label("Number of monthly payments").fill("2")  # a deferral: 1 to 3
        page.locator("#live-preview svg.balance-chart").wait_for()
        steps.shot("live-preview")
        # The two steps of signing the plan that waits for a signature.
        plan = RepaymentPlan.objects.get(
            status=PlanStatus.AWAITING_SIGNATURE, account__debtor__user__email="demo@example.com"
        )
        page.goto(f"{base}/plans/{plan.reference}/")
        page.get_by_label("I have read the agreement and accept its terms.").check()
        page.get_by_label("Your password, to sign").fill("demo-debtor-pass")
        page.get_by_role("button", name="Send me the code to sign").click()
        page.get_by_test_id("signing-code-sent").wait_for()
        steps.shot("signing-code")
        for path in ("/profile/", "/profile/phone/", "/no-such-page/"):
            page.goto(base + path)
        steps.shot("not-found")
        # The language buttons post and come back.
        page.goto(f"{base}/rights/")
        page.get_by_role("button", name="简体中文").click()
        page.wait_for_load_state()
        page.locator("html[lang=zh-Hans]").wait_for()
        page.get_by_role("button", name="English").click()
        page.locator("html[lang=en]").wait_for()
        # On a phone the menu opens from its button (Bootstrap's collapse, its icon a file).
        page.set_viewport_size({"width": 375, "height": 800})
        page.get_by_role("button", name="Menu").click()
        page.get_by_role("link", name="My details").wait_for()
        steps.shot("menu-375")
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{base}/login/")
        page.goto(f"{base}/password/reset/")
    except Exception:
        steps.shot("failure")
        raise
    finally:
        context.close()
        connections.close_all()
    assert watch.problems == []
    assert watch.pages > 15


def test_the_staff_pages_break_no_rule(live_server, browser, demo_state):  # noqa: F811
    base = live_server.url
    request = demo_state["request"]  # approved: its plan awaits the signature
    program = Program.objects.get(name="Standard installment plan")
    waiting = make_request(demo_state["classic"], program, months=12)
    context, page, watch = new_watched_page(browser)
    steps = Steps(page, "csp-staff")
    try:
        # The specialist's day: the sign-in and its code step, the queue, a review.
        page.goto(f"{base}/staff/login/")
        steps.shot("sign-in")
        sign_in_as_the_specialist(page, base)
        page.get_by_role("link", name="Relief requests").first.click()
        page.get_by_role("link", name="Submitted").first.click()  # a filter
        page.wait_for_load_state()
        steps.shot("queue-filtered")
        page.goto(f"{base}/staff/negotiation/reliefrequest/?q={waiting.reference}")
        page.get_by_role("link", name=waiting.reference).click()
        page.get_by_role("heading", name=re.compile(f"Request {waiting.reference}")).wait_for()
        steps.shot("review")
        page.get_by_role("button", name="Claim").click()
        page.wait_for_load_state()
        page.get_by_label("Internal note (staff only)").fill(
            "Called the debtor: payslip on its way."
        )
        page.get_by_role("button", name="Add note").click()
        page.get_by_text("Called the debtor: payslip on its way.").wait_for()
        page.locator("details summary").first.click()  # the schedule
        steps.shot("review-claimed")
        page.get_by_role("link", name="Counter-offer…").click()
        page.wait_for_load_state()
        steps.shot("counter")
        page.go_back()
        page.get_by_role("link", name="Reject…").click()
        page.wait_for_load_state()
        steps.shot("reject")
        page.goto(f"{base}/staff/negotiation/reliefrequest/{request.pk}/change/")
        steps.shot("review-decided")
        # Lists with dates to drill into.
        page.goto(f"{base}/staff/negotiation/notification/")
        page.locator(".xfull a, nav.toplinks a").first.click()
        page.wait_for_load_state()
        steps.shot("outbox-by-date")
        page.goto(f"{base}/staff/negotiation/debtor/")
        page.locator("#changelist-filter a").nth(1).click()
        page.wait_for_load_state()
        page.locator("#result_list tbody a").first.click()
        page.wait_for_load_state()
        steps.shot("debtor")
        page.locator("button.theme-toggle").first.click()  # the admin's dark mode
        steps.shot("debtor-dark")
        page.locator("button.theme-toggle").first.click()
        page.locator("button.theme-toggle").first.click()
        page.goto(f"{base}/staff/recovery-codes/")
        steps.shot("recovery-codes-page")
        page.get_by_role("button", name="Log out").click()
        page.wait_for_load_state()
    except Exception:
        steps.shot("failure")
        raise
    finally:
        context.close()
        connections.close_all()
    assert watch.problems == []
    assert watch.pages > 15


def test_the_admins_forms_and_first_sign_in_break_no_rule(live_server, browser, demo_state):  # noqa: F811
    """A superuser (such as `createsuperuser` makes) reaches what the roles do not: an add
    form with a calendar, a lookup popup and a search-as-you-type field, and the 'delete
    selected' confirmation. A new staff member's first sign-in sets up the app."""
    base = live_server.url
    admin = make_user(username="root", is_staff=True, is_superuser=True)
    confirmed_app(admin)
    newcomer = make_user(username="newcomer", is_staff=True)
    newcomer.groups.add(*User.objects.get(username="specialist").groups.all())
    context, page, watch = new_watched_page(browser)
    steps = Steps(page, "csp-admin")
    try:
        sign_in_with_the_app(page, base, "root", PASSWORD)
        page.goto(f"{base}/staff/negotiation/payment/add/")
        page.locator(".datetimeshortcuts a").first.click()  # "Today"
        page.locator(".datetimeshortcuts a.date-icon, a[id^=calendarlink]").first.click()
        page.locator(".calendarbox").first.wait_for()
        steps.shot("payment-calendar")
        page.keyboard.press("Escape")
        # The account is chosen by what staff know of it (reference, card last 4, name),
        # through the admin's autocomplete: no pop-up list of internal ids any more.
        page.locator(".select2-selection").first.click()
        page.keyboard.type("Wang")
        page.locator(".select2-results__option:not(.loading-results)").first.click()
        page.wait_for_function("document.querySelector('#id_account').value !== ''")
        steps.shot("payment-account-autocomplete")
        page.goto(f"{base}/staff/negotiation/creditaccount/add/")
        page.locator(".select2-selection").first.click()
        page.keyboard.type("Wang")
        page.locator(".select2-results__option:not(.loading-results)").first.wait_for()
        steps.shot("autocomplete")
        page.keyboard.press("Escape")
        page.goto(f"{base}/staff/django_celery_beat/intervalschedule/")
        page.locator("#result_list tbody input[type=checkbox]").first.check()
        page.locator("select[name=action]").select_option("delete_selected")
        page.locator("button[name=index]").first.click()
        page.get_by_role("heading", name="Delete multiple objects").wait_for()
        steps.shot("delete-selected")
        page.get_by_role("link", name="No, take me back").click()  # a script goes back
        page.wait_for_url(re.compile("/intervalschedule/$"))
        page.get_by_role("button", name="Log out").click()

        # A newcomer's first sign-in: the app's set-up, then the recovery codes.
        page.goto(f"{base}/staff/")
        page.get_by_label("Username").fill("newcomer")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_test_id("totp-secret").wait_for()
        steps.shot("enrol")
        page.get_by_label("Code").fill(app_code(TOTPDevice.objects.get(user=newcomer)))
        page.get_by_role("button", name="Confirm and sign in").click()
        page.get_by_test_id("recovery-codes").wait_for()
        steps.shot("recovery-codes")
        page.get_by_role("link", name="I have kept them").click()
        page.wait_for_load_state()
    except Exception:
        steps.shot("failure")
        raise
    finally:
        context.close()
        connections.close_all()
    assert watch.problems == []
    assert watch.pages > 8
