from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.core.checks import Error
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_groups_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    from negotiation.roles import sync_role_groups

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


class NegotiationConfig(AppConfig):
    name = "negotiation"
    verbose_name = _("Debt relief")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # After Django has created every permission (its own post_migrate handler runs
        # first, being registered first), bring the staff groups up to date.
        post_migrate.connect(_sync_groups_after_migrate, sender=self)
        post_migrate.connect(_install_schedules_after_migrate, sender=self)
        checks.register(check_sms_backend)
