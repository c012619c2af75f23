"""Login lockout: django-axes in front of Django's ModelBackend."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' check, for logins that come with a request.

    Every login a person makes (the login page, the admin, a token request) passes
    its request. Code that calls `authenticate()` without one (the test client's
    `login()`, a shell) has no address or form to lock, so it is let through to the
    password check instead of raising as axes' own backend does.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any]
) -> HttpResponse:
    """The page a locked-out login gets: in the user's language, saying for how long.

    The same page whether or not the username exists, so it reveals nothing.
    """
    cool_off = settings.AXES_COOLOFF_TIME
    return render(
        request,
        "registration/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": int(cool_off.total_seconds() // 60),
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
