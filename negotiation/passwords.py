"""Django's password validators with the portal's own words. Django 5.2's message for a
short password changed and its Chinese catalogue did not follow, so a Chinese page said it
in English; and a debtor choosing a password deserves a reason and a way forward, in the
portal's voice, not the framework's. The rules are Django's; only the words are ours."""

from __future__ import annotations

from django.contrib.auth import password_validation as django_validation
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
