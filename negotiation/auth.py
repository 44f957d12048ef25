from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from negotiation.models import User
from negotiation.phones import phone_digits
from negotiation.selectors.onboarding import debtors_with_phone


class EmailOrUsernameBackend(ModelBackend):
    """Debtors sign in with their email (case-insensitive) or their mobile number (as on
    their record, however either is written: +86, spaces, dashes); staff with their
    username. Whatever is typed, one password is hashed, so an unknown email or number
    takes as long as a wrong password."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return super().authenticate(request, username=username, password=password, **kwargs)
        found = account_for(username)
        if isinstance(found, _StaffUsername):
            return super().authenticate(request, username=username, password=password, **kwargs)
        return self._checked(found, password)

    def _checked(self, user: User | None, password: str) -> User | None:
        if user is None:
            # Hash anyway so that a missing sign-in takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


class _StaffUsername:
    """What ``account_for`` answers for a username: ModelBackend looks it up itself."""


STAFF_USERNAME = _StaffUsername()


def account_for(identifier: str) -> User | _StaffUsername | None:
    """The sign-in ``identifier`` names: by email (case-insensitive), by mobile number
    (however written), or ``STAFF_USERNAME`` for anything else (a username, or digits no
    debtor has). None when it names nobody, or a number several sign-ins share (which one
    would be a guess)."""
    if "@" in identifier:
        return User.objects.filter(email__iexact=identifier.strip()).first()
    if phone_digits(identifier) is not None:
        found = debtors_with_phone(identifier)
        if len(found) == 1:
            return found[0].user
        if found:
            return None
        # No debtor has it: perhaps a staff username made of digits.
    return STAFF_USERNAME


def lockout_key(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """The account django-axes counts failures against: the sign-in itself when the typed
    identifier names one, so its email, its number written three ways and its username
    share one count of five; otherwise the identifier as typed, folded (an unknown one is
    counted too, and so is every failure from the address)."""
    typed = str((credentials or {}).get("username") or "")
    if not typed and request is not None:
        typed = str(request.POST.get("username", ""))
    typed = typed.strip()
    found = sign_in_named(typed)
    if found is not None:
        return f"user:{found.pk}"
    return typed.casefold()[:150]


def sign_in_named(typed: str) -> User | None:
    """The sign-in a typed identifier names (email, mobile number or username), if one."""
    typed = typed.strip()
    found = account_for(typed)
    if isinstance(found, _StaffUsername):
        return User.objects.filter(username=typed).first()
    return found


def masked_identifier(typed: str) -> str:
    """What the audit trail keeps of a typed sign-in identifier: enough to tell attempts
    apart, never the whole email, number or username."""
    typed = typed.strip()
    if "@" in typed:
        name, _at, domain = typed.partition("@")
        return f"{name[:1]}***@{domain}"
    digits = phone_digits(typed)
    if digits is not None:
        return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 8 else "****"
    return f"{typed[:2]}***" if typed else ""
