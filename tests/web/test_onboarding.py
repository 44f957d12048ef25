"""The pages of the way in: an invitation's link through the identity check, the code and
the password to the dashboard; a forgotten password the same way; signing in with a mobile
number. The rules behind them: tests/services/test_onboarding.py."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import authenticate
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from negotiation.models import Debtor, Invitation, Notification, NotificationEvent, OneTimeCode
from negotiation.services.notifications import deliver_notification
from negotiation.services.onboarding import activate_debtor, revoke_invitation
from tests.conftest import sign_in_request
from tests.factories import (
    NATIONAL_ID,
    PASSWORD,
    invite,
    make_debtor,
    make_imported_debtor,
    make_staff,
)

pytestmark = pytest.mark.django_db
CODE = re.compile(r"(?<![0-9])[0-9]{6}(?![0-9])")
LINK = re.compile(r"https?://[^\s]+")
NEW_PASSWORD = "a calm new password 2027"
NO_MATCH = "These details do not match what we have."


def found(pattern: re.Pattern[str], text: object) -> str:
    match = pattern.search(str(text))
    assert match is not None, text
    return match.group()


@pytest.fixture
def imported(db) -> Debtor:
    return make_imported_debtor(
        national_id=NATIONAL_ID, email="lina@example.com", preferred_language="en"
    )


@pytest.fixture
def path(imported, bankstaff) -> str:
    """The invitation link's path, as the debtor opens it."""
    return "/" + invite(imported, bankstaff).link.split("/", 3)[3]


def identity(client: Client, path: str, national_id=NATIONAL_ID, last4="6688"):
    return client.post(path, {"national_id": national_id, "card_last4": last4})


def last_code(sms_outbox) -> str:
    return found(CODE, sms_outbox[-1].body)


def activate(client: Client, path: str, sms_outbox, password=NEW_PASSWORD):
    assert identity(client, path)["Location"] == reverse("negotiation:activate_code")
    response = client.post(reverse("negotiation:activate_code"), {"code": last_code(sms_outbox)})
    assert response["Location"] == reverse("negotiation:activate_password")
    return client.post(
        reverse("negotiation:activate_password"),
        {"new_password1": password, "new_password2": password},
    )


def hidden_inputs(html: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="([a-z_]+)"', html)


# Activation ----------------------------------------------------------------------------------


def test_the_whole_activation_lands_on_the_dashboard(client, imported, path, sms_outbox):
    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Set up your sign-in" in html
    assert "李娜" not in html  # the link's page names nobody
    response = activate(client, path, sms_outbox)
    assert response.status_code == 302
    assert response["Location"] == reverse("negotiation:dashboard")
    imported.refresh_from_db()
    assert imported.user is not None
    assert imported.user.check_password(NEW_PASSWORD)
    dashboard = client.get(reverse("negotiation:dashboard"))
    assert dashboard.status_code == 200
    assert "Your sign-in is ready" in dashboard.content.decode()
    # The link is used up.
    assert Client().get(path).status_code == 404


def test_the_code_page_says_where_the_code_went_and_flow_state_is_not_in_the_page(
    client, path, sms_outbox
):
    identity(client, path)
    page = client.get(reverse("negotiation:activate_code")).content.decode()
    assert "ending in 5678" in page
    assert "1234 5678" not in page
    assert set(hidden_inputs(page)) <= {"csrfmiddlewaretoken", "next"}
    (sms,) = sms_outbox
    assert sms.to == "+86 139 1234 5678"


@pytest.mark.parametrize(
    ("national_id", "last4"),
    [("110105199003071520", "6688"), (NATIONAL_ID, "6689")],
    ids=["wrong id", "wrong last 4"],
)
def test_a_wrong_answer_gets_one_calm_message(client, path, sms_outbox, national_id, last4):
    response = identity(client, path, national_id, last4)
    assert response.status_code == 200
    html = response.content.decode()
    assert NO_MATCH in html
    # No field singled out: the summary lists no field, only the one message.
    assert "ID number:" not in html
    assert "cards:" not in html
    assert sms_outbox == []
    assert client.get(reverse("negotiation:activate_code"))["Location"] == reverse("login")


def test_a_lower_case_x_and_spaces_are_accepted(client, path):
    response = identity(client, path, "110105 19900307 152x")
    assert response["Location"] == reverse("negotiation:activate_code")


def test_five_wrong_answers_rest_the_link(client, path, settings):
    settings.IDENTITY_CHECK_MAX_FAILURES = 5
    for _ in range(4):
        assert identity(client, path, last4="0000").status_code == 200
    paused = identity(client, path, last4="0000")
    assert paused.status_code == 429
    assert "This link is resting for a while" in paused.content.decode()
    assert "30 minutes" in paused.content.decode()
    # The right answers wait too, and so does opening the link again.
    assert identity(client, path).status_code == 429
    assert Client().get(path).status_code == 429


def test_a_wrong_code_then_a_new_one(client, path, sms_outbox):
    identity(client, path)
    code = last_code(sms_outbox)
    url = reverse("negotiation:activate_code")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = client.post(url, {"code": wrong})
    assert "That code is not the one we sent" in response.content.decode()
    for _ in range(4):
        response = client.post(url, {"code": wrong})
    assert "This code can no longer be used" in response.content.decode()
    assert client.post(url, {"code": code}).status_code == 200  # used up
    OneTimeCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
    assert client.post(url, {"new_code": "1"})["Location"] == url
    assert len(sms_outbox) == 2
    response = client.post(url, {"code": last_code(sms_outbox)})
    assert response["Location"] == reverse("negotiation:activate_password")


def test_an_expired_code_needs_a_new_one(client, path, sms_outbox):
    identity(client, path)
    OneTimeCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.post(reverse("negotiation:activate_code"), {"code": last_code(sms_outbox)})
    assert "This code can no longer be used" in response.content.decode()


def test_no_skipping_the_code(client, path):
    identity(client, path)
    response = client.get(reverse("negotiation:activate_password"))
    assert response["Location"] == reverse("negotiation:activate_code")
    posted = client.post(
        reverse("negotiation:activate_password"),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert posted["Location"] == reverse("negotiation:activate_code")
    assert not Debtor.objects.filter(user__isnull=False, full_name="李娜").exists()


def test_weak_passwords_are_refused(client, path, sms_outbox):
    for weak in ("short pass", "password1234", "1234567890123"):
        response = (
            activate(client, path, sms_outbox, password=weak)
            if weak == "short pass"
            else (
                client.post(
                    reverse("negotiation:activate_password"),
                    {"new_password1": weak, "new_password2": weak},
                )
            )
        )
        assert response.status_code == 200, weak
    html = response.content.decode()
    assert "digits only is easy to guess" in html
    assert not Debtor.objects.filter(user__isnull=False, full_name="李娜").exists()


@pytest.mark.parametrize("how", ["expired", "revoked", "changed", "used"])
def test_a_link_that_cannot_be_used_says_so_calmly(client, imported, bankstaff, path, how):
    invitation = Invitation.objects.get()
    if how == "expired":
        Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    elif how == "revoked":
        revoke_invitation(imported, actor=bankstaff, now=timezone.now())
    elif how == "changed":
        path = path[:-2] + ("A/" if path[-2] != "A" else "B/")
    else:
        activate_debtor(invitation, password=NEW_PASSWORD, ip=None, now=timezone.now())
    response = client.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert "This link cannot be used" in html
    assert identity(client, path).status_code == 404


def test_a_revoked_link_stops_a_flow_in_progress(client, imported, bankstaff, path, sms_outbox):
    identity(client, path)
    revoke_invitation(imported, actor=bankstaff, now=timezone.now())
    response = client.post(reverse("negotiation:activate_code"), {"code": last_code(sms_outbox)})
    assert response.status_code == 404


def test_pages_speak_the_debtors_language_until_they_choose(client, bankstaff):
    chinese = make_imported_debtor(preferred_language="zh-hans")
    path = "/" + invite(chinese, bankstaff).link.split("/", 3)[3]
    assert 'lang="zh-Hans"' in client.get(path).content.decode()
    client.cookies["django_language"] = "en"
    assert 'lang="en"' in client.get(path).content.decode()


# A forgotten password ------------------------------------------------------------------------


@pytest.fixture
def signed_up(imported, path, sms_outbox) -> Debtor:
    activate(Client(), path, sms_outbox, password=PASSWORD)
    imported.refresh_from_db()
    Notification.objects.all().delete()
    sms_outbox.clear()
    mail.outbox.clear()
    debtor: Debtor = imported
    return debtor


def deliver_pending() -> None:
    for pk in Notification.objects.filter(status="pending").values_list("pk", flat=True):
        deliver_notification(pk)


def test_the_login_page_offers_a_reset(client):
    html = client.get(reverse("login")).content.decode()
    assert reverse("password_reset") in html
    assert "Email or mobile number" in html


def test_the_same_answer_whether_or_not_it_matched(client, signed_up):
    answers = []
    for identifier in ("lina@example.com", "nobody@example.com", "13912345678", "13000000000"):
        response = client.post(reverse("password_reset"), {"identifier": identifier})
        assert response["Location"] == reverse("password_reset_done")
        page = client.get(response["Location"]).content.decode()
        answers.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page))
    assert len(set(answers)) == 1
    assert Notification.objects.filter(template=NotificationEvent.PASSWORD_RESET).count() == 2


def test_the_whole_reset_ends_every_other_session(signed_up, sms_outbox):
    elsewhere = Client()
    assert elsewhere.login(
        request=sign_in_request(), username="lina@example.com", password=PASSWORD
    )
    assert elsewhere.get(reverse("negotiation:dashboard")).status_code == 200
    client = Client()
    client.post(reverse("password_reset"), {"identifier": "LINA@example.com"})
    deliver_pending()
    link = found(LINK, mail.outbox[-1].body)
    path = "/" + link.split("/", 3)[3]
    assert client.get(path).status_code == 200
    assert identity(client, path)["Location"] == reverse("password_reset_code")
    response = client.post(reverse("password_reset_code"), {"code": last_code(sms_outbox)})
    assert response["Location"] == reverse("password_reset_set")
    response = client.post(
        reverse("password_reset_set"),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response["Location"] == reverse("password_reset_complete")
    assert "Your new password is set" in client.get(response["Location"]).content.decode()
    assert client.get(reverse("negotiation:dashboard")).status_code == 200
    # The other session's password digest no longer matches: Django signs it out.
    gone = elsewhere.get(reverse("negotiation:dashboard"))
    assert gone.status_code == 302
    assert gone["Location"].startswith(reverse("login"))
    # The link worked once; the debtor is told by SMS, the channel the link did not use.
    assert Client().get(path).status_code == 404
    deliver_pending()
    told = Notification.objects.filter(template=NotificationEvent.PASSWORD_CHANGED)
    assert sorted(told.values_list("channel", flat=True)) == ["portal", "sms"]
    assert "has just been changed" in sms_outbox[-1].body
    assert Client().login(
        request=sign_in_request(), username="lina@example.com", password=NEW_PASSWORD
    )


def test_a_new_password_lifts_a_pause_after_wrong_guesses(signed_up, sms_outbox):
    """The pause page says a new password works straight away: the identity check and the
    code stand in for the password the guesser did not have."""
    guesser = Client(REMOTE_ADDR="198.51.100.20")
    for _try in range(5):
        guesser.post(reverse("login"), {"username": "lina@example.com", "password": "guess"})
    paused = Client().post(reverse("login"), {"username": "lina@example.com", "password": PASSWORD})
    assert paused.status_code == 429
    client = Client()
    client.post(reverse("password_reset"), {"identifier": "lina@example.com"})
    deliver_pending()
    reset_mail = next(m for m in mail.outbox if LINK.search(str(m.body)))
    path = "/" + found(LINK, str(reset_mail.body)).split("/", 3)[3]
    identity(client, path)
    client.post(reverse("password_reset_code"), {"code": last_code(sms_outbox)})
    client.post(
        reverse("password_reset_set"),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    again = Client().post(
        reverse("login"), {"username": "lina@example.com", "password": NEW_PASSWORD}
    )
    assert again.status_code == 302


def test_a_reset_link_for_someone_else_or_changed_is_refused(client, signed_up):
    other = make_debtor()
    assert (
        client.get(reverse("password_reset_confirm", args=[other.reference, "abc-123"])).status_code
        == 404
    )


# Signing in with a mobile number -------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["13912345678", "139 1234 5678", "+86 139-1234-5678", "8613912345678", "０１"]
)
def test_a_debtor_signs_in_with_their_mobile_number(signed_up, typed):
    client = Client()
    response = client.post(reverse("login"), {"username": typed, "password": PASSWORD})
    if typed == "０１":
        assert response.status_code == 200
        assert "The email, mobile number or password is not right" in response.content.decode()
    else:
        assert response["Location"] == reverse("negotiation:dashboard")


def test_a_wrong_password_or_a_shared_number_signs_in_nobody(signed_up):
    assert authenticate(request=sign_in_request(), username="13912345678", password="wrong") is None
    make_debtor(phone="139-1234-5678")
    assert (
        authenticate(request=sign_in_request(), username="13912345678", password=PASSWORD) is None
    )
    assert (
        authenticate(request=sign_in_request(), username="lina@example.com", password=PASSWORD)
        == signed_up.user
    )


def test_staff_still_sign_in_on_the_staff_site_only(db):
    staff = make_staff("Bank staff", username="13800000001")
    assert (
        authenticate(request=sign_in_request(), username="13800000001", password=PASSWORD) == staff
    )
    response = Client().post(reverse("login"), {"username": "13800000001", "password": PASSWORD})
    assert "Staff members sign in on the staff site" in response.content.decode()
