from typing import Any

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.core import checks
from django.core.checks import Error
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_groups_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    from negotiation.services.staff import sync_role_groups

    sync_role_groups()


def _install_schedules_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    from negotiation.schedules import install_default_schedules

    install_default_schedules()


def check_sms_backend(app_configs: Any, **kwargs: Any) -> list[Error]:
    """A misspelt SMS_BACKEND stops the deploy, not the first reminder at 08:00."""
    from django.conf import settings

    from negotiation.sms import backend_class

    try:
        backend_class(settings.SMS_BACKEND)
    except ImportError as error:
        return [Error(f"SMS_BACKEND: {error}", id="negotiation.E001")]
    return []


def check_business_settings(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Business settings that contradict themselves stop the deploy: affordability
    thresholds out of order (a payment "tight" before it "fits"), a negative allowance per
    dependent, or a rate ceiling that is no ceiling."""
    from decimal import Decimal

    from django.conf import settings

    errors = []
    fits, tight = settings.AFFORDABILITY_FITS_MAX_RATIO, settings.AFFORDABILITY_TIGHT_MAX_RATIO
    if not Decimal(0) < fits <= tight:
        errors.append(
            Error(
                f"AFFORDABILITY_FITS_MAX_RATIO ({fits}) must be above 0 and at most "
                f"AFFORDABILITY_TIGHT_MAX_RATIO ({tight}).",
                id="negotiation.E002",
            )
        )
    if settings.AFFORDABILITY_DEPENDENT_ALLOWANCE < 0:
        errors.append(
            Error("AFFORDABILITY_DEPENDENT_ALLOWANCE cannot be negative.", id="negotiation.E003")
        )
    if not Decimal(0) < settings.DISCLOSED_ANNUAL_RATE_CEILING <= Decimal(36):
        errors.append(
            Error(
                "DISCLOSED_ANNUAL_RATE_CEILING is a percent above 0 and at most 36.",
                id="negotiation.E004",
            )
        )
    return errors


def check_retention_settings(app_configs: Any, **kwargs: Any) -> list[Error]:
    """The retention periods are whole days above 0 (the environment is checked at start-up;
    this catches a value set another way), and documents go no later than the rest of a
    request's personal data: the proof must not outlive what it proves."""
    from django.conf import settings

    names = ("RETENTION_DOCUMENT_DAYS", "RETENTION_REQUEST_DAYS")
    bad = [
        name
        for name in names
        if not isinstance(getattr(settings, name), int)
        or isinstance(getattr(settings, name), bool)
        or getattr(settings, name) <= 0
    ]
    if bad:
        return [
            Error(f"{name} must be a whole number of days above 0.", id="negotiation.E007")
            for name in bad
        ]
    if settings.RETENTION_REQUEST_DAYS < settings.RETENTION_DOCUMENT_DAYS:
        return [
            Error(
                f"RETENTION_REQUEST_DAYS ({settings.RETENTION_REQUEST_DAYS}) cannot be shorter "
                f"than RETENTION_DOCUMENT_DAYS ({settings.RETENTION_DOCUMENT_DAYS}).",
                id="negotiation.E008",
            )
        ]
    return []


def check_portal_url(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """The links sent in invitations and password resets start with PORTAL_URL: in
    production it must be the portal's own HTTPS address, not the development default."""
    from django.conf import settings

    if settings.PORTAL_URL.startswith("https://"):
        return []
    return [
        checks.Warning(
            f"PORTAL_URL ({settings.PORTAL_URL}) should be the portal's https:// address: "
            "invitation and password-reset links start with it.",
            id="negotiation.W001",
        )
    ]


def check_shared_cache(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Rate limits and the import's progress count live in the cache: in production every
    process must see the same one (CACHE_URL=redis://...), or each counts alone."""
    from django.conf import settings

    backend: str = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or "redis" in backend.lower() or "memcached" in backend.lower():
        return []
    return [
        Error(
            f"CACHES uses {backend}, which each process keeps to itself: set CACHE_URL to "
            "a shared cache (redis://...) so rate limits hold across processes.",
            id="negotiation.E005",
        )
    ]


CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"


def check_console_messages(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """With DEBUG off, a console email or SMS backend would write debtors' names, numbers and
    links to the log: refused unless ALLOW_CONSOLE_MESSAGES says it is wanted."""
    from django.conf import settings

    from negotiation.sms import ConsoleSmsBackend, backend_class

    if settings.DEBUG or settings.ALLOW_CONSOLE_MESSAGES:
        return []
    errors: list[checks.CheckMessage] = []
    if settings.EMAIL_BACKEND == CONSOLE_EMAIL:
        errors.append(
            Error(
                "EMAIL_URL is the console: emails to debtors would be written to the log. Set "
                "EMAIL_URL to the bank's mail server (or ALLOW_CONSOLE_MESSAGES=1 on purpose).",
                id="negotiation.E006",
            )
        )
    try:
        sms_to_console = issubclass(backend_class(settings.SMS_BACKEND), ConsoleSmsBackend)
    except ImportError:
        sms_to_console = False  # negotiation.E001 says so
    if sms_to_console:
        errors.append(
            Error(
                "SMS_BACKEND is the console: text messages to debtors would be written to the "
                "log. Set the bank's SMS gateway (or ALLOW_CONSOLE_MESSAGES=1 on purpose).",
                id="negotiation.E006",
            )
        )
    return errors


def check_bank_name(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Text messages and letters name the bank: in production, the bank's own name, never
    the demo's made-up one."""
    from django.conf import settings

    demo = {settings.DEMO_BANK_NAME, settings.DEMO_BANK_NAME_ZH}
    if not (
        {settings.BANK_NAME, settings.BANK_NAME_ZH} & demo
        or "" in (settings.BANK_NAME, settings.BANK_NAME_ZH)
    ):
        return []
    return [
        Error(
            "BANK_NAME and BANK_NAME_ZH are the demo's: set the bank's own name in English "
            "and in Chinese, which every text message and letter carries.",
            id="negotiation.E012",
        )
    ]


def check_agreement_seal_key(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every signed agreement is sealed with the bank's key: in production it must be the
    bank's own, configured and readable, never the generated demo pair."""
    from django.conf import settings

    from negotiation import seal

    if settings.DEBUG:
        return []
    if settings.AGREEMENT_SEAL_GENERATE:
        return [
            Error(
                "AGREEMENT_SEAL_GENERATE is on: signed agreements would be sealed with a "
                "generated test key. Set AGREEMENT_SEAL_KEY and AGREEMENT_SEAL_CERTIFICATE "
                "to the bank's seal instead.",
                id="negotiation.E009",
            )
        ]
    try:
        seal.seal_key()
    except (seal.SealNotConfigured, OSError, ValueError) as error:
        return [
            Error(
                "The agreement seal cannot be used: set AGREEMENT_SEAL_KEY and "
                "AGREEMENT_SEAL_CERTIFICATE to readable PEM files (and "
                f"AGREEMENT_SEAL_KEY_PASSPHRASE if the key has one). {error}",
                id="negotiation.E009",
            )
        ]
    return []


def check_payment_providers(app_configs: Any, **kwargs: Any) -> list[Error]:
    """A misspelt provider in PAYMENT_PROVIDERS, or one without its secrets, stops the
    deploy, not the first debtor who tries to pay."""
    from django.conf import settings

    from negotiation.payproviders import provider_class

    errors = []
    for name in settings.PAYMENT_PROVIDERS:
        try:
            problems = provider_class(name)().problems()
        except ImportError as error:
            problems = [str(error)]
        errors += [Error(f"PAYMENT_PROVIDERS: {p}", id="negotiation.E010") for p in problems]
    return errors


def check_payment_sandbox(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """The sandbox provider takes no real money: with DEBUG off it is refused unless
    PAYMENTS_SANDBOX_ENABLED says it is wanted (a staging or demo site), and then the check
    still warns, as its page does."""
    from django.conf import settings

    from negotiation.payproviders import provider_class

    def is_test_mode(name: str) -> bool:
        try:
            return provider_class(name).test_mode
        except ImportError:
            return False  # negotiation.E010 says so

    if settings.DEBUG or not any(is_test_mode(n) for n in settings.PAYMENT_PROVIDERS):
        return []
    if settings.PAYMENTS_SANDBOX_ENABLED:
        return [
            checks.Warning(
                "The sandbox payment provider is on: debtors' payments would be simulated and "
                "no money would move. Remove it from PAYMENT_PROVIDERS on a live site.",
                id="negotiation.W002",
            )
        ]
    return [
        Error(
            "PAYMENT_PROVIDERS names the sandbox, which moves no real money. Remove it, or "
            "set PAYMENTS_SANDBOX_ENABLED=1 on purpose for a demonstration site.",
            id="negotiation.E011",
        )
    ]


class NegotiationConfig(AppConfig):
    name = "negotiation"
    verbose_name = _("Debt relief")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # After Django has created every permission (its own post_migrate handler runs
        # first, being registered first), bring the staff groups up to date.
        post_migrate.connect(_sync_groups_after_migrate, sender=self)
        post_migrate.connect(_install_schedules_after_migrate, sender=self)
        # Register the tasks in Celery's registry: services queue them by name.
        from negotiation import signals, tasks  # noqa: F401

        signals.connect()

        checks.register(check_sms_backend)
        checks.register(check_business_settings)
        checks.register(check_retention_settings)
        checks.register(check_payment_providers)
        checks.register(check_payment_sandbox, checks.Tags.security, deploy=True)
        checks.register(check_portal_url, checks.Tags.security, deploy=True)
        checks.register(check_shared_cache, checks.Tags.caches, deploy=True)
        checks.register(check_console_messages, checks.Tags.security, deploy=True)
        checks.register(check_agreement_seal_key, checks.Tags.security, deploy=True)
        checks.register(check_bank_name, checks.Tags.security, deploy=True)


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the staff site that asks for a second factor as its default
    (named in INSTALLED_APPS; ``default = False`` keeps NegotiationConfig this app's own)."""

    default = False
    default_site = "negotiation.staffsite.StaffSite"
