"""The debtor's profile pages: linked from the navigation, a new mobile number through the
password and the code (a wrong password or code changes nothing), the preferences form and
its checks, the page in Chinese, and only ever the signed-in debtor's own details (staff get
a 404). The rules behind them: tests/services/test_profile.py; every persona and URL:
tests/web/test_url_matrix.py."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from negotiation.models import AuditAction, AuditEvent, Debtor, Notification, NotificationEvent
from negotiation.roles import SPECIALISTS
from tests.conftest import staff_client
from tests.factories import PASSWORD, make_debtor, make_staff

pytestmark = pytest.mark.django_db

CODE = re.compile(r"(?<![0-9])[0-9]{6}(?![0-9])")
PROFILE = reverse("negotiation:profile")
PHONE = reverse("negotiation:profile_phone")
EMAIL = reverse("negotiation:profile_email")
CODE_STEP = reverse("negotiation:profile_contact_code")


@pytest.fixture
def holder() -> Debtor:
    return make_debtor(phone="13800138000", email="holder@example.com")


@pytest.fixture
def holder_client(holder) -> Client:
    client = Client()
    client.force_login(holder.user)
    return client


def test_the_navigation_links_to_the_profile(holder_client):
    page = holder_client.get(reverse("negotiation:dashboard")).content.decode()
    assert f'href="{PROFILE}"' in page


def test_the_page_shows_the_debtor_s_own_details(holder_client, holder):
    other = make_debtor(phone="13999998888", email="other@example.com")
    page = holder_client.get(PROFILE).content.decode()
    assert "138 0013 8000" in page
    assert "holder@example.com" in page
    assert other.phone not in page
    assert other.email not in page


def test_a_new_mobile_number_through_the_password_and_the_code(holder_client, holder, sms_outbox):
    wrong = holder_client.post(PHONE, {"value": "139 1111 2222", "password": "not-it"})
    assert wrong.status_code == 200
    assert "Nothing has been changed" in wrong.content.decode()
    assert sms_outbox == []

    sent = holder_client.post(PHONE, {"value": "+86 139-1111-2222", "password": PASSWORD})
    assert sent.status_code == 302
    assert sent["Location"] == CODE_STEP
    (sms,) = sms_outbox
    assert sms.to == "13911112222"  # normalised like the import
    page = holder_client.get(CODE_STEP).content.decode()
    assert "2222" in page

    code = CODE.search(sms.body).group(0)  # type: ignore[union-attr]
    bad = holder_client.post(CODE_STEP, {"code": "000000" if code != "000000" else "111111"})
    assert "not the one we sent" in bad.content.decode()
    holder.refresh_from_db()
    assert holder.phone == "13800138000"

    done = holder_client.post(CODE_STEP, {"code": code})
    assert done.status_code == 302
    assert done["Location"] == PROFILE
    holder.refresh_from_db()
    assert holder.phone == "13911112222"
    assert Notification.objects.filter(
        template=NotificationEvent.CONTACT_CHANGED, channel="sms", address="13800138000"
    ).exists()
    # The flow is over: the code step sends back to the profile.
    assert holder_client.get(CODE_STEP)["Location"] == PROFILE


def test_too_many_wrong_passwords_pause_the_change_in_both_languages(
    holder_client, sms_outbox, settings
):
    for _try in range(settings.IDENTITY_CHECK_MAX_FAILURES):
        page = holder_client.post(PHONE, {"value": "13911112222", "password": "not-it"})
    assert page.status_code == 200
    assert "changes to your details are paused" in page.content.decode()
    right = holder_client.post(PHONE, {"value": "13911112222", "password": PASSWORD})
    assert "try again in 30 minutes" in right.content.decode()
    holder_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = holder_client.post(PHONE, {"value": "13911112222", "password": PASSWORD})
    assert "30 分钟后再试" in chinese.content.decode()
    assert sms_outbox == []


def test_not_a_mobile_number_is_refused_in_plain_words(holder_client, sms_outbox):
    response = holder_client.post(PHONE, {"value": "12345", "password": PASSWORD})
    assert "Please enter a mobile number" in response.content.decode()
    assert sms_outbox == []


def test_a_new_email_asks_for_the_code_from_the_email(holder_client, mailoutbox):
    sent = holder_client.post(EMAIL, {"value": "new@example.com", "password": PASSWORD})
    assert sent["Location"] == CODE_STEP
    page = holder_client.get(CODE_STEP).content.decode()
    assert "new@example.com" in page
    assert "The code from the email" in page
    assert mailoutbox[-1].to == ["new@example.com"]


def test_preferences_are_saved_audited_and_the_site_follows_the_language(holder_client, holder):
    response = holder_client.post(
        PROFILE,
        {
            "preferred_language": "zh-hans",
            "preferred_channel": "sms",
            "contact_from_hour": "9",
            "contact_until_hour": "18",
        },
    )
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "zh-hans"
    holder.refresh_from_db()
    assert holder.preferred_channel == "sms"
    assert holder.contact_hours == (9, 18)
    assert AuditEvent.objects.filter(
        action=AuditAction.DEBTOR_PREFERENCES_CHANGED, actor=holder.user
    ).exists()
    page = holder_client.get(PROFILE).content.decode()
    assert "我的资料" in page


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("18", "9", "later than the start"),
        ("9", "", "both a start and an end"),
        ("7", "12", "Please choose one of the answers shown for “From”."),
    ],
)
def test_a_window_that_does_not_fit_is_refused(holder_client, holder, start, end, message):
    response = holder_client.post(
        PROFILE,
        {"preferred_language": "en", "contact_from_hour": start, "contact_until_hour": end},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    holder.refresh_from_db()
    assert holder.contact_from_hour is None
    assert not AuditEvent.objects.filter(action=AuditAction.DEBTOR_PREFERENCES_CHANGED).exists()


def test_the_channel_is_asked_only_of_a_debtor_with_both(client):
    email_only = make_debtor()
    client.force_login(email_only.user)
    page = client.get(PROFILE).content.decode()
    assert 'name="preferred_channel"' not in page


def test_another_debtor_cannot_finish_someone_else_s_change(holder_client, holder, sms_outbox):
    holder_client.post(PHONE, {"value": "13911112222", "password": PASSWORD})
    code = CODE.search(sms_outbox[0].body).group(0)  # type: ignore[union-attr]
    stranger = make_debtor(phone="13700001111")
    assert stranger.user is not None
    client = Client()
    client.force_login(stranger.user)
    response = client.post(CODE_STEP, {"code": code})
    assert response["Location"] == PROFILE
    holder.refresh_from_db()
    stranger.refresh_from_db()
    assert (holder.phone, stranger.phone) == ("13800138000", "13700001111")


@pytest.mark.parametrize("url", [PROFILE, PHONE, EMAIL, CODE_STEP])
def test_staff_get_a_404(url):
    client = staff_client(make_staff(SPECIALISTS))
    assert client.get(url).status_code == 404
    assert client.post(url, {"preferred_language": "en"}).status_code == 404
