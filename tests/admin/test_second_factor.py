"""The staff sign-in's second factor: a password alone opens nothing; the app's code (or a
recovery code, once) completes the sign-in; the first sign-in sets the app up; wrong codes
are audited and make the next try wait; an administrator can reset a lost phone."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from negotiation.models import AuditAction, AuditEvent
from negotiation.roles import SPECIALISTS
from tests.conftest import staff_client
from tests.factories import PASSWORD, make_staff
from tests.secondfactor import app_code, confirmed_app

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
LOGIN = reverse("admin:login")
CODE = reverse("admin:staff_code")
ENROL = reverse("admin:staff_enrol")
RECOVERY = reverse("admin:staff_recovery_codes")


def password_step(client: Client, username: str = "specialist", nxt: str = INDEX):
    return client.post(LOGIN, {"username": username, "password": PASSWORD, "next": nxt})


def test_a_right_password_alone_signs_nobody_in(specialist):
    confirmed_app(specialist)
    client = Client()
    response = password_step(client)
    assert response.status_code == 302
    assert response["Location"] == CODE
    assert SESSION_KEY not in client.session
    assert client.get(INDEX)["Location"].startswith(LOGIN)


def test_the_apps_code_completes_the_sign_in(specialist):
    app = confirmed_app(specialist)
    client = Client()
    password_step(client)
    response = client.post(CODE, {"code": app_code(app)})
    assert response.status_code == 302
    assert response["Location"] == INDEX
    assert client.get(INDEX).status_code == 200
    signed_in = AuditEvent.objects.get(action=AuditAction.SIGNED_IN)
    assert signed_in.actor == specialist
    assert signed_in.after["site"] == "staff"


def test_a_code_works_once(specialist):
    app = confirmed_app(specialist)
    first = Client()
    password_step(first)
    code = app_code(app)
    assert first.post(CODE, {"code": code}).status_code == 302
    again = Client()
    password_step(again)
    response = again.post(CODE, {"code": code})
    assert response.status_code == 200
    assert "That code did not work" in response.content.decode()
    assert SESSION_KEY not in again.session


def test_a_wrong_code_is_audited_and_the_next_try_waits(specialist):
    app = confirmed_app(specialist)
    client = Client()
    password_step(client)
    wrong = f"{(int(app_code(app)) + 1) % 1_000_000:06d}"
    response = client.post(CODE, {"code": wrong})
    assert "That code did not work" in response.content.decode()
    failed = AuditEvent.objects.get(action=AuditAction.SECOND_FACTOR_FAILED)
    assert failed.object_id == specialist.pk
    assert failed.after == {"site": "staff", "step": "sign_in"}
    assert failed.actor is None  # anyone may have typed it
    # Straight after a wrong code even the right one waits (django-otp's throttling).
    response = client.post(CODE, {"code": app_code(app)})
    assert "Too many codes did not work" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_the_first_sign_in_sets_up_the_app_and_gives_recovery_codes(specialist):
    client = Client()
    response = password_step(client)
    assert response["Location"] == ENROL
    page = client.get(ENROL)
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    assert 'data-testid="totp-secret"' in page.content.decode()
    device = TOTPDevice.objects.get(user=specialist, confirmed=False)
    response = client.post(ENROL, {"code": app_code(device)})
    assert response["Location"] == RECOVERY
    shown = client.get(RECOVERY)
    codes = StaticToken.objects.filter(device__user=specialist)
    assert codes.count() == 10
    for token in codes:
        assert f"{token.token[:4]}-{token.token[4:]}" in shown.content.decode()
    assert client.get(RECOVERY).content.decode().count("<code>") == 0  # shown once
    assert TOTPDevice.objects.get(user=specialist).confirmed
    assert client.get(INDEX).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_ENROLLED).count() == 1


def test_a_wrong_first_code_sets_nothing_up(specialist):
    client = Client()
    password_step(client)
    client.get(ENROL)
    response = client.post(ENROL, {"code": "000000x"})
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=specialist, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=specialist).exists()
    assert SESSION_KEY not in client.session


def test_a_recovery_code_signs_in_once(specialist):
    app = confirmed_app(specialist)
    recovery = StaticDevice.objects.create(user=specialist, name="Recovery codes")
    recovery.token_set.create(token="abcdefgh")
    recovery.token_set.create(token="ijklmnop")
    client = Client()
    password_step(client)
    response = client.post(CODE, {"code": "ABCD-EFGH"}, follow=True)
    assert response.status_code == 200
    assert "1 are left" in response.content.decode()
    assert AuditEvent.objects.get(action=AuditAction.RECOVERY_CODE_USED).after == {
        "recovery_codes_left": 1
    }
    again = Client()
    password_step(again)
    assert "That code did not work" in again.post(CODE, {"code": "abcdefgh"}).content.decode()
    assert app.user == specialist


def test_new_recovery_codes_replace_the_old(specialist):
    client = staff_client(specialist)
    StaticDevice.objects.create(user=specialist, name="Recovery codes").token_set.create(
        token="abcdefgh"
    )
    response = client.post(RECOVERY)
    assert response.status_code == 200
    assert response.content.decode().count("<code>") == 10
    assert not StaticToken.objects.filter(token="abcdefgh").exists()


def test_the_code_step_waits_a_few_minutes_only(specialist, settings):
    settings.STAFF_CODE_STEP_MINUTES = 0
    app = confirmed_app(specialist)
    client = Client()
    password_step(client)
    response = client.post(CODE, {"code": app_code(app)})
    assert response["Location"] == LOGIN
    assert SESSION_KEY not in client.session


def test_a_password_changed_between_the_steps_ends_the_step(specialist):
    app = confirmed_app(specialist)
    client = Client()
    password_step(client)
    specialist.set_password("another-long-passphrase")
    specialist.save()
    assert client.post(CODE, {"code": app_code(app)})["Location"] == LOGIN


def test_the_code_step_is_not_open_without_the_password(specialist):
    confirmed_app(specialist)
    assert Client().get(CODE)["Location"] == LOGIN
    assert Client().get(ENROL)["Location"] == LOGIN


def test_a_next_elsewhere_lands_on_the_index(specialist):
    app = confirmed_app(specialist)
    client = Client()
    password_step(client, nxt="https://elsewhere.example/")
    assert client.post(CODE, {"code": app_code(app)})["Location"] == INDEX


def test_code_entry_is_rate_limited(specialist, settings):
    settings.RATE_CODE_ENTRY = "2/m"
    confirmed_app(specialist)
    client = Client()
    password_step(client)
    for _ in range(2):
        assert client.post(CODE, {"code": "1"}).status_code == 200
    assert client.post(CODE, {"code": "1"}).status_code == 429


def test_a_reset_app_is_set_up_again_at_the_next_sign_in(specialist, supervisor):
    confirmed_app(specialist)
    StaticDevice.objects.create(user=specialist, name="Recovery codes")
    client = staff_client(supervisor)
    response = client.post(
        reverse("admin:negotiation_user_changelist"),
        {"action": "reset_second_factor_action", "_selected_action": [specialist.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=specialist).exists()
    assert not StaticDevice.objects.filter(user=specialist).exists()
    reset = AuditEvent.objects.get(action=AuditAction.SECOND_FACTOR_RESET)
    assert (reset.actor, reset.after) == (supervisor, {"user": "specialist"})
    assert password_step(Client())["Location"] == ENROL


def test_a_specialist_cannot_reset_anyones_app(specialist):
    colleague = make_staff(SPECIALISTS, username="colleague")
    confirmed_app(colleague)
    client = staff_client(specialist)
    client.post(
        reverse("admin:negotiation_user_changelist"),
        {"action": "reset_second_factor_action", "_selected_action": [colleague.pk]},
    )
    assert TOTPDevice.objects.filter(user=colleague).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_RESET).exists()


def test_the_devices_are_not_pages_of_the_staff_site(supervisor):
    client = staff_client(supervisor)
    assert client.get("/staff/otp_totp/totpdevice/").status_code == 404
