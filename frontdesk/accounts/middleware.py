"""Idle and absolute session timeouts.

Django's cookie age gives the absolute limit only from the last write; this middleware keeps
the sign-in time and the last activity in the session and ends it when either limit passes. The
activity stamp is written at most once a minute, so most requests do not write the session.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

AUTH_AT = "frontdesk_auth_at"
SEEN_AT = "frontdesk_seen_at"


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            auth_at = session.get(AUTH_AT)
            seen_at = session.get(SEEN_AT, auth_at)
            idle = settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
            absolute = settings.SESSION_ABSOLUTE_TIMEOUT_HOURS * 3600
            if auth_at is None:
                session[AUTH_AT] = session[SEEN_AT] = now
            elif now - auth_at > absolute:
                logout(request)
                messages.info(request, "For your security, sessions last at most a few hours. Please sign in again.")
            elif seen_at is not None and now - seen_at > idle:
                logout(request)
                messages.info(request, "You were signed out after a period of inactivity. Please sign in again.")
            elif seen_at is None or now - seen_at > 60:
                session[SEEN_AT] = now
        return self.get_response(request)
