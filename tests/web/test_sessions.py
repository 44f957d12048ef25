"""A signed-in session: no page of it is stored by a browser or a proxy; it ends 30 minutes
after the last request and 12 hours after signing in whatever the activity; every page
warns before, with "Stay signed in" (the keep-alive on each site); "sign out
everywhere" ends every session of the sign-in. Production cookies are __Host- and Secure.
Every page, the debtor's and the staff site's, carries the same strict
Content-Security-Policy and may not be framed."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from negotiation.models import AuditAction, AuditEvent
from negotiation.sessions import SEEN_AT, SIGNED_IN_AT
from tests.conftest import sign_in_request, staff_client
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("negotiation:dashboard")


def test_pages_of_a_signed_in_person_are_never_stored(debtor_client, account):
    for url in (DASHBOARD, reverse("negotiation:account", args=[account.reference])):
        cache_control = debtor_client.get(url)["Cache-Control"]
        assert "no-store" in cache_control
        assert "private" in cache_control


def test_every_page_refuses_what_the_portal_never_uses(client):
    policy = client.get(reverse("login"))["Permissions-Policy"]
    assert "camera=()" in policy
    assert "geolocation=()" in policy


# The policy, directive by directive (settings.CONTENT_SECURITY_POLICY): everything from the
# portal itself, nothing inline, no data: images, no plugins, no <base>, no framing.
POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


def directives(header: str) -> dict[str, list[str]]:
    parts = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in parts}


def test_every_page_has_the_strict_content_security_policy(debtor_client, account, specialist):
    """With the suite's production settings (DEBUG off: Makefile's TEST_ENV), signed in or
    not, on a page or a 404."""
    staff = staff_client(specialist)
    pages = [
        (Client(), reverse("login")),
        (Client(), reverse("admin:login")),
        (Client(), "/no-such-page/"),
        (debtor_client, DASHBOARD),
        (debtor_client, reverse("negotiation:request_create", args=[account.reference])),
        (staff, reverse("admin:index")),
        (staff, reverse("admin:negotiation_reliefrequest_changelist")),
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert directives(response["Content-Security-Policy"]) == POLICY, url
        assert response["X-Frame-Options"] == "DENY", url
        assert "Content-Security-Policy-Report-Only" not in response


def test_a_form_refused_by_the_csrf_check_gets_the_portals_page():
    """Django's own page for it has an inline style, which the policy refuses."""
    refused = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "a"})
    assert refused.status_code == 403
    page = refused.content.decode()
    assert 'data-testid="error-403"' in page
    assert "<style" not in page


def test_activity_moves_the_idle_timeout_on(debtor_client):
    debtor_client.get(DASHBOARD)
    key = debtor_client.session.session_key
    before = Session.objects.get(session_key=key).expire_date
    session = debtor_client.session
    session[SEEN_AT] = time.time() - 120  # last seen two minutes ago
    session.save()
    debtor_client.get(DASHBOARD)
    after = Session.objects.get(session_key=key).expire_date
    assert after > before


def test_a_session_ends_twelve_hours_after_signing_in(debtor_client):
    session = debtor_client.session
    session[SIGNED_IN_AT] = time.time() - 12 * 3600 - 1
    session.save()
    response = debtor_client.get(DASHBOARD, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "signed out after 12 hours" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.SIGNED_OUT).exists()


def test_sign_out_everywhere_ends_every_session(debtor):
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        assert client.login(
            request=sign_in_request(), username=debtor.user.email, password=PASSWORD
        )
        assert client.get(DASHBOARD).status_code == 200
    done = here.post(reverse("negotiation:profile_sign_out_everywhere"), follow=True)
    assert "You are signed out everywhere" in done.content.decode()
    assert here.get(DASHBOARD).status_code == 302
    assert elsewhere.get(DASHBOARD).status_code == 302  # the other phone too
    event = AuditEvent.objects.get(action=AuditAction.SIGNED_OUT_EVERYWHERE)
    assert event.after == {"site": "portal", "generation": 1}
    again = Client()
    assert again.login(request=sign_in_request(), username=debtor.user.email, password=PASSWORD)
    assert again.get(DASHBOARD).status_code == 200  # signing in again works


def test_production_cookies_are_host_only_and_secure():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 50,
        "NATIONAL_ID_HASH_KEY": "y",
        "DJANGO_ALLOWED_HOSTS": "portal.bank.example",
    }
    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        env.pop(name, None)
    code = (
        "import portal.settings as s; print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.LANGUAGE_COOKIE_SAMESITE)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert shown == ["__Host-sessionid", "__Host-csrftoken", "True", "True", "True", "True", "Lax"]


KEEP_ALIVE = reverse("negotiation:session_keep_alive")
STAFF_KEEP_ALIVE = reverse("admin:staff_keep_alive")


def _expiry(client: Client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def _seen_seconds_ago(client: Client, seconds: float) -> None:
    session = client.session
    session[SEEN_AT] = time.time() - seconds  # within the minute: no request moves it on
    session.save()


@pytest.mark.parametrize("site", ["portal", "staff"])
def test_stay_signed_in_moves_the_idle_timeout_on(debtor_client, specialist, site):
    client, url = (
        (debtor_client, KEEP_ALIVE)
        if site == "portal"
        else (
            staff_client(specialist),
            STAFF_KEEP_ALIVE,
        )
    )
    _seen_seconds_ago(client, 30)
    signed_in_at = client.session[SIGNED_IN_AT]
    before = _expiry(client)
    response = client.post(url)
    assert response.status_code == 204
    assert response.content == b""
    assert "no-store" in response["Cache-Control"]
    assert _expiry(client) > before
    assert client.session[SEEN_AT] > time.time() - 5
    assert client.session[SIGNED_IN_AT] == signed_in_at  # the cap does not move


def test_stay_signed_in_is_only_for_someone_signed_in(debtor_client, settings):
    anonymous = Client()
    for url, sign_in in ((KEEP_ALIVE, "login"), (STAFF_KEEP_ALIVE, "admin:login")):
        response = anonymous.post(url)
        assert response["Location"].startswith(reverse(sign_in))
        assert settings.SESSION_COOKIE_NAME not in response.cookies  # no session made
    assert debtor_client.get(KEEP_ALIVE).status_code == 405
    # A debtor is not signed in to the staff site, and staff are not debtors.
    assert debtor_client.post(STAFF_KEEP_ALIVE)["Location"].startswith(reverse("admin:login"))


def test_stay_signed_in_takes_the_forms_csrf_token(debtor):
    client = Client(enforce_csrf_checks=True)
    assert client.login(request=sign_in_request(), username=debtor.user.email, password=PASSWORD)
    page = client.get(DASHBOARD)
    assert client.post(KEEP_ALIVE).status_code == 403
    token = page.context["csrf_token"]
    assert client.post(KEEP_ALIVE, {"csrfmiddlewaretoken": str(token)}).status_code == 204


def test_stay_signed_in_cannot_pass_the_cap(debtor_client):
    session = debtor_client.session
    session[SIGNED_IN_AT] = time.time() - 12 * 3600 - 1
    session.save()
    response = debtor_client.post(KEEP_ALIVE)
    assert response["Location"].startswith(reverse("login"))
    assert debtor_client.get(DASHBOARD).status_code == 302  # signed out


def test_every_page_of_a_signed_in_person_counts_down_to_the_end(
    debtor_client, specialist, settings
):
    settings.SESSION_WARNING_SECONDS = 90
    _seen_seconds_ago(debtor_client, 40)
    session = debtor_client.session
    session[SIGNED_IN_AT] = time.time() - 3600
    session.save()
    timeout = debtor_client.get(DASHBOARD).context["session_timeout"]
    assert 30 * 60 - 41 <= timeout.idle_left <= 30 * 60 - 39  # from the last move, not now
    assert 11 * 3600 - 1 <= timeout.absolute_left <= 11 * 3600
    assert (timeout.idle_seconds, timeout.warning_seconds) == (1800, 90)
    assert (timeout.idle_minutes, timeout.absolute_hours) == (30, 12)
    assert timeout.keep_alive_url == KEEP_ALIVE
    assert timeout.sign_in_url == reverse("login")
    assert timeout.sign_out_urls.split() == [
        reverse("logout"),
        reverse("negotiation:profile_sign_out_everywhere"),
    ]
    page = debtor_client.get(DASHBOARD).content.decode()
    assert f'action="{KEEP_ALIVE}"' in page
    assert 'data-warning-seconds="90"' in page
    assert "js/session-timeout.js" in page

    staff = staff_client(specialist)
    on_staff_site = staff.get(reverse("admin:index"))
    assert on_staff_site.context["session_timeout"].keep_alive_url == STAFF_KEEP_ALIVE
    assert on_staff_site.context["session_timeout"].sign_in_url == reverse("admin:login")
    assert f'action="{STAFF_KEEP_ALIVE}"' in on_staff_site.content.decode()
    # Whose typing a page keeps: the same person on every page, another person not.
    other = staff.get(reverse("admin:index")).context["session_timeout"].draft_owner
    assert other != timeout.draft_owner
    assert str(specialist.pk) not in other


def test_no_warning_where_nobody_is_signed_in_to_the_site(client, specialist):
    assert "session_timeout" not in client.get(reverse("login")).context
    assert "session-timeout" not in client.get(reverse("login")).content.decode()
    staff = staff_client(specialist)
    assert "session_timeout" not in staff.get("/no-such-page/").context  # not a debtor page
    password_only = Client()
    password_only.force_login(specialist)  # the code not typed yet
    assert password_only.get(reverse("admin:login")).context.get("session_timeout") is None


def test_a_request_that_saves_the_session_starts_the_idle_clock_again(debtor_client, account):
    """The warning counts from SEEN_AT: it must move whenever the expiry does."""
    _seen_seconds_ago(debtor_client, 30)
    account_page = reverse("negotiation:account", args=[account.reference])
    debtor_client.post(account_page, {"income": "6000", "expenses": "4000"})  # kept in the session
    assert debtor_client.session[SEEN_AT] > time.time() - 5


def test_the_csrf_refusal_is_in_chinese_and_says_to_reload():
    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = "zh-hans"
    refused = client.post(reverse("login"), {"username": "a"})
    assert refused.status_code == 403
    page = refused.content.decode()
    assert "您无权访问此内容" in page
    assert "重新加载" in page or "刷新" in page
