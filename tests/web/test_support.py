"""Extra support in the debtor's pages: reached from My details, offered once on an account
page (answered or dismissed, never again), the form's consent rules in the portal's words
(nothing stored when refused), what it changes and who sees it, the callback offer, the
withdrawal; in English and Chinese. Every persona and URL: tests/web/test_url_matrix.py;
the rules: tests/services/test_support.py."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from negotiation.models import AuditAction, AuditEvent, SupportNeed, SupportStatus
from negotiation.services.support import SupportAnswer, say_support_need

pytestmark = pytest.mark.django_db

PROFILE = reverse("negotiation:profile")
SUPPORT = reverse("negotiation:support")
WITHDRAW = reverse("negotiation:support_withdraw")


def account_url(account) -> str:
    return reverse("negotiation:account", args=[account.reference])


def dismiss_url(account) -> str:
    return reverse("negotiation:support_offer_dismiss", args=[account.reference])


def said(debtor, **answer) -> SupportNeed:
    return say_support_need(
        debtor, actor=debtor.user, answer=SupportAnswer(**answer), now=timezone.now(), ip=None
    )


def test_my_details_leads_to_the_form(debtor_client):
    page = debtor_client.get(PROFILE).content.decode()
    assert 'data-testid="support-section"' in page
    assert f'href="{SUPPORT}"' in page
    assert "Some things make money matters harder" in page


def test_the_form_explains_what_it_changes_and_who_sees_it(debtor_client):
    page = debtor_client.get(SUPPORT).content.decode()
    assert "at most one by text message or email every 3 days" in page
    assert "you have 2 times as long" in page
    assert "sees only that you asked for extra support" in page
    assert "We keep it for 365 days after you last tell us" in page
    # The separate consent: its own box, unticked, and said plainly what it is for.
    assert 'name="consent"' in page
    assert 'name="consent" checked' not in page
    assert "we cannot keep health or a note, but the other things you tick still count" in page


def test_the_debtor_says_it_and_my_details_shows_the_callback_offer(debtor_client, debtor):
    response = debtor_client.post(SUPPORT, {"life_event": "on", "resilience": "on"})
    assert response.status_code == 302
    assert response["Location"] == PROFILE
    need = SupportNeed.objects.get(debtor=debtor)
    assert need.drivers == ["life_event", "resilience"]
    page = debtor_client.get(PROFILE).content.decode()
    assert 'data-testid="callback-offer"' in page
    assert "We can call you: a person, at a time that suits you." in page
    assert "the number on the back of your card" in page
    assert 'data-testid="support-withdraw"' in page


def test_health_without_the_consent_is_refused_in_the_portal_s_words(debtor_client):
    response = debtor_client.post(SUPPORT, {"health": "on", "capability": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "please tick the consent box" in page
    assert "This field is required" not in page
    assert not SupportNeed.objects.exists()


def test_nothing_ticked_is_refused(debtor_client):
    response = debtor_client.post(SUPPORT, {"note": "hello", "consent": "on"})
    assert response.status_code == 200
    assert "Please choose at least one" in response.content.decode()
    assert not SupportNeed.objects.exists()


def test_a_note_too_long_is_refused_in_the_portal_s_words(debtor_client):
    response = debtor_client.post(SUPPORT, {"life_event": "on", "note": "x" * 501, "consent": "on"})
    assert "Please keep the note to 500 characters or fewer." in response.content.decode()
    assert not SupportNeed.objects.exists()


def test_health_with_the_consent_is_kept_and_the_form_shows_it_again(debtor_client, debtor):
    debtor_client.post(SUPPORT, {"health": "on", "note": "Chemotherapy", "consent": "on"})
    need = SupportNeed.objects.get(debtor=debtor)
    assert (need.health, need.note, need.consent_version != "") == (True, "Chemotherapy", True)
    page = debtor_client.get(SUPPORT).content.decode()
    assert "Chemotherapy" in page


def test_the_debtor_withdraws_it(debtor_client, debtor):
    said(debtor, health=True, note="Chemotherapy", consent=True)
    response = debtor_client.post(WITHDRAW)
    assert response.status_code == 302
    need = SupportNeed.objects.get(debtor=debtor)
    assert (need.status, need.health, need.note) == (SupportStatus.WITHDRAWN, False, "")
    page = debtor_client.get(PROFILE).content.decode()
    assert 'data-testid="callback-offer"' not in page
    assert "Chemotherapy" not in debtor_client.get(SUPPORT).content.decode()


def test_the_account_page_offers_it_once_in_one_line(debtor_client, account):
    page = debtor_client.get(account_url(account)).content.decode()
    assert 'data-testid="support-offer"' in page
    assert 'role="dialog"' not in page
    response = debtor_client.post(dismiss_url(account))
    assert response.status_code == 302
    assert response["Location"] == account_url(account)
    assert SupportNeed.objects.get().status == SupportStatus.DISMISSED
    assert (
        'data-testid="support-offer"'
        not in debtor_client.get(account_url(account)).content.decode()
    )
    # Still there in My details, for later.
    assert f'href="{SUPPORT}"' in debtor_client.get(PROFILE).content.decode()


def test_once_answered_the_account_page_offers_the_call_instead(debtor_client, debtor, account):
    said(debtor, capability=True)
    page = debtor_client.get(account_url(account)).content.decode()
    assert 'data-testid="support-offer"' not in page
    assert 'data-testid="callback-offer"' in page


def test_another_debtor_s_account_cannot_dismiss_for_them(other_client, account):
    assert other_client.post(dismiss_url(account)).status_code == 404
    assert not SupportNeed.objects.exists()


def test_the_debtor_sees_only_their_own(other_client, debtor, other_debtor):
    said(debtor, health=True, note="Chemotherapy", consent=True)
    page = other_client.get(SUPPORT).content.decode()
    assert "Chemotherapy" not in page
    assert 'name="health" checked' not in page
    assert 'data-testid="callback-offer"' not in other_client.get(PROFILE).content.decode()


def test_no_message_speaks_of_it(debtor_client, debtor):
    """Saying, changing, withdrawing: no notification at all (nor email, nor SMS)."""
    debtor_client.post(SUPPORT, {"health": "on", "note": "Chemotherapy", "consent": "on"})
    debtor_client.post(WITHDRAW)
    assert not debtor.notifications.exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_pages_render_in_both_languages(debtor_client, debtor, account, language):
    debtor_client.cookies["django_language"] = language
    for url in (SUPPORT, PROFILE, account_url(account)):
        response = debtor_client.get(url)
        assert response.status_code == 200
        assert response["Content-Language"] == language
    said(debtor, resilience=True)
    assert debtor_client.get(PROFILE).status_code == 200
    assert debtor_client.get(account_url(account)).status_code == 200


def test_saying_it_is_audited_on_the_need(debtor_client, debtor):
    debtor_client.post(SUPPORT, {"resilience": "on"})
    row = AuditEvent.objects.get(action=AuditAction.SUPPORT_NEED_SAID)
    assert (row.actor, row.object_type) == (debtor.user, "negotiation.supportneed")
