from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NegotiationConfig(AppConfig):
    name = "negotiation"
    verbose_name = _("Debt relief")
    default_auto_field = "django.db.models.BigAutoField"
