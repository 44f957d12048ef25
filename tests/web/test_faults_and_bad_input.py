"""Bad input is a 400, never a 500: a NUL byte anywhere, a path that is no reference. The
error pages are the portal's own, in both languages; with the database down a calm 503,
and /healthz and /readyz say so; with the broker down the readiness check says so and a
request is still saved."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from negotiation.roles import SUPERVISORS
from tests.conftest import staff_client
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiet_client(settings):
    settings.DEBUG = False
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/%00/",
        "/requests/RQ-AAAA-%00AA/",
        "/login/?next=%00",
        "/?q=%00",
        "/staff/negotiation/reliefrequest/?status__exact=%00",
        "/staff/negotiation/debtor/%00/change/",
    ],
)
def test_a_nul_byte_in_the_address_is_a_400(quiet_client, debtor_client, url):
    response = debtor_client.get(url)
    assert response.status_code in (400, 404), url  # never 500
    if "%00" in url:
        assert response.status_code == 400
        assert "We could not read that request" in response.content.decode()


def test_a_nul_byte_in_a_form_is_a_400_and_changes_nothing(quiet_client):
    response = quiet_client.post(reverse("login"), {"username": "a\x00b", "password": "x"})
    assert response.status_code == 400


def test_the_staff_site_refuses_a_nul_byte_too(quiet_client):
    client = staff_client(make_staff(SUPERVISORS))
    assert client.get("/staff/negotiation/reliefrequest/?q=%00").status_code == 400


@pytest.mark.parametrize("path", ["/accounts/' OR 1=1/", "/plans/x" * 50, "/documents/ab/"])
def test_a_path_that_is_no_reference_is_a_404(debtor_client, path):
    response = debtor_client.get(path)
    assert response.status_code == 404
    assert "We cannot find that page" in response.content.decode()


def test_the_404_page_is_in_chinese(quiet_client):
    quiet_client.cookies["django_language"] = "zh-hans"
    response = quiet_client.get("/no/such/page/")
    assert response.status_code == 404
    assert "找不到这个页面" in response.content.decode()


def test_the_database_down_is_a_calm_503(quiet_client, debtor_client, monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    def unreachable(self):
        raise OperationalError("could not connect to server")

    debtor_client.raise_request_exception = False
    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", unreachable)
    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", lambda self: unreachable(self))
    page = debtor_client.get(reverse("negotiation:dashboard"))
    assert page.status_code == 503
    assert page["Retry-After"] == "120"
    assert "The portal is resting for a moment" in page.content.decode()
    assert quiet_client.get("/healthz").status_code == 503
    ready = quiet_client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["database"] == "unavailable"


def test_any_other_failure_is_the_500_page(quiet_client, debtor_client, monkeypatch):
    from negotiation.views import accounts

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    debtor_client.raise_request_exception = False
    monkeypatch.setattr(accounts, "dashboard_accounts", broken, raising=False)
    monkeypatch.setattr(accounts, "render", broken)
    page = debtor_client.get(reverse("negotiation:dashboard"))
    assert page.status_code == 500
    assert "Something went wrong on our side" in page.content.decode()


def test_readyz_reports_the_database_the_broker_and_the_outbox(client):
    ready = client.get("/readyz").json()
    assert ready == {
        "status": "ok",
        "database": "ok",
        "broker": "not used",  # the tests run tasks in the process
        "oldest_due_message_seconds": None,
    }


def test_readyz_says_when_the_broker_is_down(client, settings):
    from celery import current_app

    before = current_app.conf.broker_read_url
    current_app.conf.task_always_eager = False
    current_app.conf.broker_read_url = "redis://127.0.0.1:1/0"  # type: ignore[misc]  # no one there
    try:
        response = client.get("/readyz")
    finally:
        current_app.conf.task_always_eager = True
        current_app.conf.broker_read_url = before  # type: ignore[misc]
    assert response.json()["broker"] == "unavailable", response.json()
    assert response.status_code == 503


@pytest.mark.parametrize(
    "query",
    ["at__year=99999", "at__year=0", "at__year=abc", "at__year=2026&at__month=13"],
)
def test_a_date_filter_that_is_no_date_is_a_400(quiet_client, query):
    client = staff_client(make_staff(SUPERVISORS))
    client.raise_request_exception = False
    response = client.get(f"/staff/negotiation/auditevent/?{query}")
    assert response.status_code == 400


def test_a_long_search_is_cut_to_its_first_hundred_characters(quiet_client):
    client = staff_client(make_staff(SUPERVISORS))
    response = client.get("/staff/negotiation/debtor/", {"q": "王" * 3000})
    assert response.status_code == 200
    assert response.context["cl"].query == "王" * 100


def test_the_500_page_is_in_chinese_and_says_what_to_do(quiet_client, debtor_client, monkeypatch):
    from negotiation.views import accounts

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    debtor_client.raise_request_exception = False
    debtor_client.cookies["django_language"] = "zh-hans"
    monkeypatch.setattr(accounts, "render", broken)
    page = debtor_client.get(reverse("negotiation:dashboard"))
    assert page.status_code == 500
    text = page.content.decode()
    assert "我们这边出了点问题" in text
    assert "客服电话" in text  # a person to call
    assert 'href="/"' in text  # and the way back
