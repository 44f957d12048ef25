"""Business settings that contradict themselves fail ``manage.py check``, before a deploy."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from negotiation.apps import check_bank_name, check_business_settings


def test_the_default_settings_pass(settings):
    assert check_business_settings(None) == []


@pytest.mark.parametrize(
    ("name", "value", "error_id"),
    [
        ("AFFORDABILITY_FITS_MAX_RATIO", Decimal("0.90"), "negotiation.E002"),
        ("AFFORDABILITY_FITS_MAX_RATIO", Decimal("0"), "negotiation.E002"),
        ("AFFORDABILITY_DEPENDENT_ALLOWANCE", Decimal("-1"), "negotiation.E003"),
        ("DISCLOSED_ANNUAL_RATE_CEILING", Decimal("40"), "negotiation.E004"),
    ],
)
def test_settings_out_of_order_are_refused(settings, name, value, error_id):
    setattr(settings, name, value)
    assert [error.id for error in check_business_settings(None)] == [error_id]
    with pytest.raises(SystemCheckError, match=error_id):
        call_command("check")


def test_relief_kinds_have_one_home(settings):
    from negotiation.models import ReliefKind
    from negotiation.policy import Kind

    assert ReliefKind.values == [kind.value for kind in Kind]
    assert set(settings.RELIEF_SLA_BUSINESS_DAYS) == set(Kind)


def test_production_needs_a_shared_cache_for_rate_limits(settings):
    from negotiation.apps import check_shared_cache

    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [error.id for error in check_shared_cache(None)] == ["negotiation.E005"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    assert check_shared_cache(None) == []
    settings.DEBUG = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert check_shared_cache(None) == []


def test_console_messages_stop_a_deploy_with_debug_off(settings):
    from negotiation.apps import CONSOLE_EMAIL, check_console_messages

    settings.DEBUG, settings.ALLOW_CONSOLE_MESSAGES = False, False
    settings.EMAIL_BACKEND, settings.SMS_BACKEND = CONSOLE_EMAIL, "console"
    assert [error.id for error in check_console_messages(None)] == [
        "negotiation.E006",
        "negotiation.E006",
    ]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.SMS_BACKEND = "file"
    assert check_console_messages(None) == []
    settings.EMAIL_BACKEND, settings.SMS_BACKEND = CONSOLE_EMAIL, "console"
    settings.ALLOW_CONSOLE_MESSAGES = True  # said on purpose (a staging deployment)
    assert check_console_messages(None) == []
    settings.DEBUG, settings.ALLOW_CONSOLE_MESSAGES = True, False  # the demo
    assert check_console_messages(None) == []


@pytest.mark.parametrize("raw", ["0", "-5", "180d", "1.5", "", "²"])
def test_a_retention_period_that_is_no_number_of_days_stops_start_up(monkeypatch, raw):
    from django.core.exceptions import ImproperlyConfigured

    from portal.settings import env_days

    monkeypatch.setenv("RETENTION_TEST_DAYS", raw)
    with pytest.raises(ImproperlyConfigured, match="RETENTION_TEST_DAYS must be a whole number"):
        env_days("RETENTION_TEST_DAYS", 180)
    monkeypatch.setenv("RETENTION_TEST_DAYS", " 90 ")
    assert env_days("RETENTION_TEST_DAYS", 180) == 90
    monkeypatch.delenv("RETENTION_TEST_DAYS")
    assert env_days("RETENTION_TEST_DAYS", 180) == 180


@pytest.mark.parametrize(
    ("documents", "requests", "error_ids"),
    [
        (0, 1461, ["negotiation.E007"]),
        (180, -1, ["negotiation.E007"]),
        ("180", 1461, ["negotiation.E007"]),
        (True, 1461, ["negotiation.E007"]),
        (365, 180, ["negotiation.E008"]),
        (180, 180, []),
    ],
)
def test_retention_periods_are_days_above_zero_and_documents_go_first(
    settings, documents, requests, error_ids
):
    from negotiation.apps import check_retention_settings

    assert check_retention_settings(None) == []  # the defaults
    settings.RETENTION_DOCUMENT_DAYS, settings.RETENTION_REQUEST_DAYS = documents, requests
    assert [error.id for error in check_retention_settings(None)] == error_ids
    if error_ids:
        with pytest.raises(SystemCheckError, match=error_ids[0]):
            call_command("check")


def test_the_sandbox_is_refused_in_production_unless_enabled_on_purpose(settings):
    from negotiation.apps import check_payment_sandbox

    settings.DEBUG, settings.PAYMENT_PROVIDERS = False, ["sandbox"]
    settings.PAYMENTS_SANDBOX_ENABLED = False
    assert [error.id for error in check_payment_sandbox(None)] == ["negotiation.E011"]
    settings.PAYMENTS_SANDBOX_ENABLED = True  # a demonstration site, said on purpose
    assert [error.id for error in check_payment_sandbox(None)] == ["negotiation.W002"]
    settings.PAYMENT_PROVIDERS = []  # no provider: nothing to refuse
    assert check_payment_sandbox(None) == []
    settings.DEBUG, settings.PAYMENT_PROVIDERS = True, ["sandbox"]  # the demo
    settings.PAYMENTS_SANDBOX_ENABLED = False
    assert check_payment_sandbox(None) == []


def test_a_misspelt_payment_provider_stops_the_deploy(settings):
    from negotiation.apps import check_payment_providers

    settings.PAYMENT_PROVIDERS = ["sandbox"]
    assert check_payment_providers(None) == []
    settings.PAYMENT_PROVIDERS = ["sandbx"]
    assert [error.id for error in check_payment_providers(None)] == ["negotiation.E010"]
    settings.PAYMENT_PROVIDERS = ["negotiation.sms.ConsoleSmsBackend"]  # a class, not a provider
    assert [error.id for error in check_payment_providers(None)] == ["negotiation.E010"]


def test_the_demo_bank_name_stops_a_deploy(settings):
    assert [e.id for e in check_bank_name(None)] == ["negotiation.E012"]  # the demo's
    settings.BANK_NAME, settings.BANK_NAME_ZH = "Example Bank", "示例银行"
    assert check_bank_name(None) == []
    settings.BANK_NAME_ZH = ""
    assert [e.id for e in check_bank_name(None)] == ["negotiation.E012"]


def test_production_keeps_its_database_connections_and_checks_them_before_reuse():
    # A connection a request instead of one per thread: a new PostgreSQL connection costs
    # more than a small page (docs/PERFORMANCE.md). Checked before reuse after a request, so
    # a restarted database or a pooler that closed it is reconnected, not a 500.
    import portal.settings

    database = portal.settings.DATABASES["default"]
    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is True
