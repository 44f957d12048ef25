"""Django's password validators with the portal's own words. Django 5.2's message for a
short password changed and its Chinese catalogue did not follow, so a Chinese page said it
in English; and a debtor choosing a password deserves a reason and a way forward, in the
portal's voice, not the framework's. The rules are Django's; only the words are ours."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import password_validation as django_validation
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MinimumLengthValidator(django_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short: it needs at least %(min_length)d character. A short "
            "sentence you will remember works well.",
            "This password is too short: it needs at least %(min_length)d characters. A short "
            "sentence you will remember works well.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "At least %(min_length)d character.",
            "At least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}


class CommonPasswordValidator(django_validation.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return _("Many people use this password, so it is easy to guess. Please choose another.")

    def get_help_text(self) -> str:
        return _("Not a password many people use.")


class NumericPasswordValidator(django_validation.NumericPasswordValidator):
    def get_error_message(self) -> str:
        return _("A password of digits only is easy to guess. Please add some letters.")

    def get_help_text(self) -> str:
        return _("Not digits only.")


class UserAttributeSimilarityValidator(django_validation.UserAttributeSimilarityValidator):
    """Django names the attribute ("too similar to the email address"); one message here
    covers them all (the attribute passed as a parameter is simply not used)."""

    def get_error_message(self) -> str:
        return _("This password is too close to your name or email. Please choose another.")

    def get_help_text(self) -> str:
        return _("Not close to your name or email.")


class PortalArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at the costs in settings (ARGON2_MEMORY_KIB, ARGON2_TIME_COST,
    ARGON2_PARALLELISM), by default OWASP's 19 MiB, 2 passes, 1 lane.

    Why not Django's own (100 MiB, 2 passes, 8 lanes): on a 2-core machine one check took
    about 0.37 CPU-seconds, so sign-in topped out near 2.5 a second per core and a burst of
    sign-ins starved every page beside it. OWASP lists five settings of equal strength
    against a guessing attacker; 19 MiB and 2 passes costs about 40 CPU-milliseconds a check
    here, 25 checks a second per core (bench/passwords.py; docs/PERFORMANCE.md). One lane:
    a web process already serves one request per core, so more lanes only add threads.

    The algorithm name stays "argon2", so every hash Django's hasher wrote still verifies,
    and Django rehashes it with these costs at its next sign-in (must_update compares them).
    """

    @property
    def memory_cost(self) -> int:  # type: ignore[override]
        return int(settings.ARGON2_MEMORY_KIB)

    @property
    def time_cost(self) -> int:  # type: ignore[override]
        return int(settings.ARGON2_TIME_COST)

    @property
    def parallelism(self) -> int:  # type: ignore[override]
        return int(settings.ARGON2_PARALLELISM)
