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
        if "@" in username:
            user = User.objects.filter(email__iexact=username.strip()).first()
            return self._checked(user, password)
        if phone_digits(username) is not None:
            found = debtors_with_phone(username)
            if len(found) == 1:
                return self._checked(found[0].user, password)
            if found:
                # A number shared by several sign-ins signs in none of them (the email
                # still does): which one would be a guess.
                return self._checked(None, password)
            # No debtor has it: perhaps a staff username made of digits.
        return super().authenticate(request, username=username, password=password, **kwargs)

    def _checked(self, user: User | None, password: str) -> User | None:
        if user is None:
            # Hash anyway so that a missing sign-in takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
