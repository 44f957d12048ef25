"""How often a form may be sent: over the rate, a calm 429 page in the page's language (the
debtor's site or the staff site's), and nothing done. Rates are settings (RATE_*)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from negotiation.models import Document, ImportRun
from negotiation.roles import BANK_STAFF
from tests.conftest import staff_client
from tests.factories import PASSWORD, PDF, make_request, make_staff

pytestmark = pytest.mark.django_db
WAIT = "Please wait a moment"


def test_the_sign_in_is_limited_by_address(settings, debtor):
    settings.RATE_SIGN_IN = "3/m"
    client = Client()
    for _try in range(3):
        assert (
            client.post(
                reverse("login"), {"username": "x@example.com", "password": "y"}
            ).status_code
            == 200
        )
    refused = client.post(reverse("login"), {"username": debtor.user.email, "password": PASSWORD})
    assert refused.status_code == 429
    assert WAIT in refused.content.decode()
    assert "_auth_user_id" not in client.session
    other = Client(REMOTE_ADDR="203.0.113.7")  # another address is not held back
    assert (
        other.post(
            reverse("login"), {"username": debtor.user.email, "password": PASSWORD}
        ).status_code
        == 302
    )


def test_the_staff_sign_in_is_limited_and_says_so_in_the_staff_site(settings):
    settings.RATE_SIGN_IN = "2/m"
    make_staff(BANK_STAFF, username="clerk")
    client = Client()
    for _try in range(2):
        client.post(reverse("admin:login"), {"username": "clerk", "password": "wrong"})
    refused = client.post(reverse("admin:login"), {"username": "clerk", "password": PASSWORD})
    assert refused.status_code == 429
    assert "Too many requests in a short time" in refused.content.decode()


def test_the_reset_request_is_limited_in_chinese_too(settings):
    settings.RATE_RESET_REQUEST = "1/m"
    client = Client()
    client.cookies["django_language"] = "zh-hans"
    client.post(reverse("password_reset"), {"identifier": "13900000000"})
    refused = client.post(reverse("password_reset"), {"identifier": "13900000000"})
    assert refused.status_code == 429
    assert "请稍候" in refused.content.decode()


def test_the_live_preview_is_limited_per_person(settings, debtor_client, account):
    settings.RATE_PREVIEW = "2/m"
    url = reverse("negotiation:request_preview", args=[account.reference])
    assert [debtor_client.post(url, {}).status_code for _try in range(3)][-1] == 429


def test_uploads_are_limited_per_person(settings, debtor_client, account, installment_program):
    settings.RATE_UPLOAD = "1/h"
    relief = make_request(account, installment_program)
    url = reverse("negotiation:request_upload", args=[relief.reference])

    def send():
        document = SimpleUploadedFile("p.pdf", PDF, content_type="application/pdf")
        data = {"document": document, "document_kind": "income", "document_consent": "on"}
        return debtor_client.post(url, data)

    send()
    assert send().status_code == 429
    assert Document.objects.count() <= 1


def test_the_staff_import_upload_is_limited(settings):
    settings.RATE_UPLOAD = "1/h"
    bank = staff_client(make_staff(BANK_STAFF))
    url = reverse("admin:negotiation_importrun_upload")
    bank.post(url, {"kind": "accounts", "file": SimpleUploadedFile("a.csv", b"x\n")})
    refused = bank.post(url, {"kind": "accounts", "file": SimpleUploadedFile("a.csv", b"x\n")})
    assert refused.status_code == 429
    assert ImportRun.objects.count() <= 1
