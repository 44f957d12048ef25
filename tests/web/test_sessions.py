"""A signed-in session: no page of it is stored by a browser or a proxy; it ends 30 minutes
after the last request and 12 hours after signing in whatever the activity; "sign out
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


def test_a_form_refused_by_the_csrf_check_gets_the_portals_page(client):
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
