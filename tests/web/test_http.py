"""Small HTTP concerns: the client's address behind proxies, the health check over plain
HTTP, and money display rounding."""

from decimal import Decimal

from django.test import Client, RequestFactory, override_settings

from negotiation.http import client_ip
from negotiation.templatetags.money import money, percent, rate_percent


def test_the_client_address_without_proxies_is_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_ip(request) == "10.0.0.9"


def test_behind_one_proxy_the_client_is_the_last_forwarded_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    assert client_ip(request) == "203.0.113.7"  # "6.6.6.6" was written by the client


def test_the_health_check_answers_plain_http_even_with_https_redirects(db):
    with override_settings(SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=[r"^healthz$"]):
        client = Client()
        assert client.get("/healthz").status_code == 200
        assert client.get("/login/").status_code == 301


def test_display_rounding_is_half_up_like_the_money_itself():
    assert rate_percent(Decimal("0.00625")) == "0.63%"
    assert percent(Decimal("13.025")) == "13.03%"
    assert money(Decimal("1234.565")) == "¥1,234.57"
    assert money(Decimal("-5")) == "-¥5.00"
