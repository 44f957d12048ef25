from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Everyone who signs in. Debtors sign in with their email; staff with a username.

    A custom user model from the first migration, as Django advises for new projects.
    Debtors are never staff (``is_staff`` is what admits a user to the admin).
    """

    email = models.EmailField(_("email address"), blank=True)
    # Part of every session's check (get_session_auth_hash): one more ends every session of
    # this sign-in at its next request, wherever it is ("sign out everywhere").
    session_generation = models.PositiveIntegerField(
        default=0, verbose_name=_("session generation")
    )

    class Meta:
        # A Meta of its own does not inherit AbstractUser's names: without these the staff
        # site would say "user" and "Users" in every language.
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_unique_ci",
                violation_error_message=_("This email is already used by another sign-in."),
            ),
        ]

    def get_session_auth_hash(self) -> str:
        return self._session_hash(settings.SECRET_KEY)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret)

    def _session_hash(self, secret: str | bytes) -> str:
        """Django's session check (the password's hash, keyed), plus the generation."""
        return salted_hmac(
            "negotiation.User.session",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def is_debtor(self) -> bool:
        return hasattr(self, "debtor")
