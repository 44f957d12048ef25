"""A signed-in session: no page of it is stored by a browser or a proxy; it ends 30 minutes
after the last request and 12 hours after signing in whatever the activity; "sign out
everywhere" ends every session of the sign-in. Production cookies are __Host- and Secure."""

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
from tests.conftest import sign_in_request
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
