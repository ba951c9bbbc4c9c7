"""Authentication backend: sign in with an email address or a phone number, and a password."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from frontdesk.accounts.models import CanvasUser


class IdentifierBackend(ModelBackend):
    """Look the user up by email (case-insensitive) or phone (any common format → E.164).

    Demo accounts are refused unless demo accounts are allowed (DEBUG or
    FRONTDESK_ALLOW_DEMO_ACCOUNTS). A missing user still costs one password hash, so response
    times do not reveal which login names exist.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> CanvasUser | None:
        from frontdesk.accounts.services import login_lookup

        if username is None or password is None:
            return None
        query = login_lookup(username)
        user = CanvasUser.objects.select_related("patient").filter(query).first() if query is not None else None
        if user is None:
            CanvasUser().set_password(password)  # equalise timing with the found-user path
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user: Any) -> bool:
        if getattr(user, "is_demo", False) and not settings.ALLOW_DEMO_ACCOUNTS:
            return False
        return super().user_can_authenticate(user)
