"""Session lifetime for a shared front-desk PC: an idle timeout and a cap per login.

Django renews a session's expiry only when the session is saved. Saving it on every
request (SESSION_SAVE_EVERY_REQUEST) would cost two queries on each page, so the
session is renewed at most once every RENEW_EVERY: a user who does anything within
SESSION_COOKIE_AGE - RENEW_EVERY stays logged in. Whatever the activity, a login
lasts at most SESSION_ABSOLUTE_AGE (OWASP ASVS 3.3: re-authenticate periodically).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

RENEWED = "_session_renewed_at"
STARTED = "_session_started_at"
RENEW_EVERY = 5 * 60


@receiver(user_logged_in)
def _stamp_a_new_login(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[STARTED] = now
        request.session[RENEWED] = now


class SessionLifetimeMiddleware:
    """After AuthenticationMiddleware: logs out expired logins, renews active ones."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.get(STARTED, now)
            if now - started > settings.SESSION_ABSOLUTE_AGE:
                logout(request)
            elif now - request.session.get(RENEWED, 0) >= RENEW_EVERY:
                request.session[STARTED] = started
                request.session[RENEWED] = now  # modified: saved with a new expiry
        return self.get_response(request)
