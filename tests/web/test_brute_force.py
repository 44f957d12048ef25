"""Nobody guesses their way in: after 5 wrong passwords for one account (its email, its
number however written and its username count as one) or from one address, signing in
rests for 30 minutes on the debtor's and the staff site alike, the right password included;
the page is calm and the same whether the account exists; a debtor is told on every channel.
Every sign-in, failure, sign-out and pause is audited with the identifier masked. New
passwords are hashed with Argon2."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from negotiation.models import AuditAction, AuditEvent, Notification, NotificationEvent, User
from negotiation.services.notifications import sms_text
from tests.factories import PASSWORD, make_debtor, make_staff

pytestmark = pytest.mark.django_db
LOGIN = reverse("login")
STAFF_LOGIN = reverse("admin:login")
PAUSED = "Signing in is paused for a while"


@pytest.fixture
def holder():
    return make_debtor(email="holder@example.com", phone="13912345678")


def sign_in(client: Client, username: str, password: str, url: str = LOGIN):
    return client.post(url, {"username": username, "password": password})


def test_five_wrong_passwords_pause_the_account_even_for_the_right_one(holder):
    client = Client()
    for typed in ("holder@example.com", "139 1234 5678", "+86 139-1234-5678", "HOLDER@example.com"):
        assert sign_in(client, typed, "wrong password").status_code == 200  # the form again
    fifth = sign_in(client, "13912345678", "wrong password")
    assert fifth.status_code == 429
    assert PAUSED in fifth.content.decode()
    right = sign_in(Client(REMOTE_ADDR="203.0.113.5"), "holder@example.com", PASSWORD)
    assert right.status_code == 429  # from elsewhere too: the account rests
    assert "_auth_user_id" not in right.wsgi_request.session
    told = Notification.objects.filter(template=NotificationEvent.SIGN_IN_PAUSED)
    assert sorted(told.values_list("channel", flat=True)) == ["email", "portal", "sms"]
    sms = told.get(channel="sms")
    assert "paused for 30 minutes" in sms_text(sms)
    paused = AuditEvent.objects.get(action=AuditAction.SIGN_IN_LOCKED)
    assert paused.object_id == holder.user_id
    assert paused.after["notified"] == ["email", "portal", "sms"]
    assert AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED).count() == 6


def test_the_pause_ends_after_the_cool_off(holder, settings):
    from axes.models import AccessAttempt

    client = Client()
    for _try in range(5):
        sign_in(client, "holder@example.com", "wrong password")
    assert sign_in(client, "holder@example.com", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31))
    assert sign_in(client, "holder@example.com", PASSWORD).status_code == 302


def test_an_unknown_account_gets_the_same_answers(holder):
    client = Client()
    unknown = sign_in(client, "nobody@example.com", "wrong password").content.decode()
    known = sign_in(Client(), "holder@example.com", "wrong password").content.decode()
    message = "The email, mobile number or password is not right"
    assert message in unknown
    assert message in known
    for _try in range(4):
        last = sign_in(client, "nobody@example.com", "wrong password")
    assert last.status_code == 429
    assert PAUSED in last.content.decode()


def test_five_failures_from_one_address_pause_it_whoever_is_tried(holder):
    client = Client(REMOTE_ADDR="198.51.100.9")
    for n in range(5):
        sign_in(client, f"guess{n}@example.com", "wrong password")
    assert sign_in(client, "holder@example.com", PASSWORD).status_code == 429
    assert sign_in(Client(), "holder@example.com", PASSWORD).status_code == 302


def test_the_staff_sign_in_pauses_too(db):
    make_staff("Bank staff", username="clerk")
    client = Client()
    for _try in range(5):
        sign_in(client, "clerk", "wrong password", STAFF_LOGIN)
    paused = sign_in(client, "clerk", PASSWORD, STAFF_LOGIN)
    assert paused.status_code == 429
    assert PAUSED in paused.content.decode()
    assert "axes_reset_username" in paused.content.decode()


def test_the_pause_page_is_in_chinese(holder):
    client = Client()
    client.cookies["django_language"] = "zh-hans"
    for _try in range(5):
        page = sign_in(client, "holder@example.com", "wrong password")
    assert page.status_code == 429
    assert "登录已暂停" in page.content.decode()


def test_signing_in_and_out_is_audited_with_the_identifier_masked(holder):
    client = Client()
    sign_in(client, "holder@example.com", "wrong password")
    sign_in(client, "139 1234 5678", PASSWORD)
    client.post(reverse("logout"))
    events = {e.action: e for e in AuditEvent.objects.filter(object_id=holder.user_id)}
    failed, signed_in = events[AuditAction.SIGN_IN_FAILED], events[AuditAction.SIGNED_IN]
    assert failed.after == {"identifier": "h***@example.com", "site": "portal"}
    assert (failed.actor_label, failed.ip) == ("anonymous", "127.0.0.1")
    assert signed_in.after == {"identifier": "139****5678", "site": "portal"}
    assert signed_in.actor_role == "debtor"
    assert events[AuditAction.SIGNED_OUT].after == {"site": "portal"}
    text = str([(e.actor_label, e.after) for e in AuditEvent.objects.all()])
    assert "holder@example.com" not in text
    assert "13912345678" not in text


def test_new_passwords_are_hashed_with_argon2id_at_the_chosen_cost():
    import portal.settings
    from negotiation.passwords import PortalArgon2PasswordHasher

    assert portal.settings.PASSWORD_HASHERS[0] == (
        "negotiation.passwords.PortalArgon2PasswordHasher"
    )  # the tests hash with MD5 for speed (tests/conftest.py)
    hashed = PortalArgon2PasswordHasher().encode("a calm sentence 2027", "saltsaltsalt")
    assert hashed.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert PortalArgon2PasswordHasher().verify("a calm sentence 2027", hashed)
    assert portal.settings.AXES_FAILURE_LIMIT == 5


def test_a_hash_with_djangos_own_argon2_costs_signs_in_and_is_rehashed(settings):
    # Hashes written before the costs were chosen still verify; the next sign-in rewrites them.
    from django.contrib.auth.hashers import Argon2PasswordHasher

    settings.PASSWORD_HASHERS = [
        "negotiation.passwords.PortalArgon2PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]
    holder = make_debtor(email="argon@example.com")
    assert holder.user is not None
    user_pk = holder.user.pk
    old = Argon2PasswordHasher().encode(PASSWORD, "oldsaltoldsalt")
    assert "m=102400,t=2,p=8" in old
    User.objects.filter(pk=user_pk).update(password=old)
    client = Client()
    response = sign_in(client, "argon@example.com", PASSWORD)
    assert response.status_code == 302
    rehashed = User.objects.get(pk=user_pk).password
    assert rehashed.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_the_argon2_costs_come_from_settings(settings):
    from negotiation.passwords import PortalArgon2PasswordHasher

    hasher = PortalArgon2PasswordHasher()
    before = hasher.encode("a calm sentence 2027", hasher.salt())
    assert not hasher.must_update(before)
    settings.ARGON2_MEMORY_KIB, settings.ARGON2_TIME_COST = 12_288, 3
    after = hasher.encode("a calm sentence 2027", "saltsaltsalt")
    assert "$m=12288,t=3,p=1$" in after
    assert hasher.must_update(before)
