"""The debtor's pages in Simplified Chinese: the page's language, the catalog's words and
none of the English ones. The catalog itself is tested in tests/unit/test_translations.py."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_pages_render_in_chinese(debtor_client, account, installment_program):
    debtor_client.cookies["django_language"] = "zh-hans"
    page = debtor_client.get(
        reverse("negotiation:account", args=[account.reference])
    ).content.decode()
    assert 'lang="zh-Hans"' in page
    assert "本金" in page
    assert "Principal" not in page
    login = Client()
    login.cookies["django_language"] = "zh-hans"
    assert "登录" in login.get(reverse("login")).content.decode()
