from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from negotiation.models import User


class EmailOrUsernameBackend(ModelBackend):
    """Debtors sign in with their email (case-insensitive); staff with their username."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None or "@" not in username:
            return super().authenticate(request, username=username, password=password, **kwargs)
        user = User.objects.filter(email__iexact=username.strip()).first()
        if user is None:
            # Hash anyway so that a missing email takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
