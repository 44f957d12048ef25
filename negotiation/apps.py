from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_groups_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    from negotiation.roles import sync_role_groups

    sync_role_groups()


def _install_schedules_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    from negotiation.schedules import install_default_schedules

    install_default_schedules()


class NegotiationConfig(AppConfig):
    name = "negotiation"
    verbose_name = _("Debt relief")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # After Django has created every permission (its own post_migrate handler runs
        # first, being registered first), bring the staff groups up to date.
        post_migrate.connect(_sync_groups_after_migrate, sender=self)
        post_migrate.connect(_install_schedules_after_migrate, sender=self)
