from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest


class EmailOrUsernameBackend(ModelBackend):
    """Debtors sign in with their email (case-insensitive); staff with their username."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> AbstractBaseUser | None:
        if username is None or password is None or "@" not in username:
            return super().authenticate(request, username=username, password=password, **kwargs)
        user_model = get_user_model()
        user = user_model._default_manager.filter(email__iexact=username.strip()).first()
        if user is None:
            # Hash anyway so that a missing email takes as long as a wrong password.
            user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
