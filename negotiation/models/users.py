from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Everyone who signs in. Debtors sign in with their email; staff with a username.

    A custom user model from the first migration, as Django advises for new projects.
    Debtors are never staff (``is_staff`` is what admits a user to the admin).
    """

    email = models.EmailField(_("email address"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_unique_ci",
            ),
        ]

    @property
    def is_debtor(self) -> bool:
        return hasattr(self, "debtor")
