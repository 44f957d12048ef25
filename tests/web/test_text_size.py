"""Larger text (适老化): a switch on every debtor page, remembered on the phone, and the
page's root element says which size to draw."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from negotiation.textsize import COOKIE

pytestmark = pytest.mark.django_db


def test_the_switch_is_on_every_page_and_the_larger_text_is_remembered(debtor_client, account):
    page = reverse("negotiation:account", args=[account.reference])
    before = debtor_client.get(page).content.decode()
    assert 'data-testid="larger-text"' in before
    assert 'class="text-large"' not in before
    switched = debtor_client.post(reverse("set_text_size"), {"size": "large", "next": page})
    assert switched.status_code == 302
    assert switched["Location"] == page
    cookie = switched.cookies[COOKIE]
    assert cookie.value == "large"
    assert int(cookie["max-age"]) >= 300 * 24 * 3600  # kept for months, not the visit
    assert cookie["httponly"]
    after = debtor_client.get(page).content.decode()
    assert '<html lang="en" class="text-large">' in after
    assert 'aria-pressed="true" class="btn btn-sm btn-secondary" data-testid="larger-text"' in (
        after
    )
    debtor_client.post(reverse("set_text_size"), {"size": "standard", "next": page})
    assert 'class="text-large"' not in debtor_client.get(page).content.decode()


def test_the_sign_in_page_has_it_too():
    client = Client()
    client.post(reverse("set_text_size"), {"size": "large", "next": reverse("login")})
    assert 'class="text-large"' in client.get(reverse("login")).content.decode()


@pytest.mark.parametrize("size", ["huge", "", "LARGE"])
def test_an_unknown_size_changes_nothing(size):
    client = Client()
    response = client.post(reverse("set_text_size"), {"size": size, "next": "/"})
    assert response.status_code == 302
    assert COOKIE not in response.cookies


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", ""])
def test_it_never_sends_the_reader_to_another_site(target):
    response = Client().post(reverse("set_text_size"), {"size": "large", "next": target})
    assert response["Location"] == "/"
