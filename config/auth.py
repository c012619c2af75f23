"""Login lockout (django-axes in front of Django's ModelBackend) and cached API tokens."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


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

    The same page whether or not the username exists, so it reveals nothing. Retry-After
    says the whole cool-off (each failure during it starts it again).
    """
    cool_off = settings.AXES_COOLOFF_TIME
    response = render(
        request,
        "registration/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": int(cool_off.total_seconds() // 60),
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


TOKEN_CACHE_PREFIX = "api-token:"  # noqa: S105 (a cache key prefix)


def _token_cache_key(key: str) -> str:
    # A digest, so that the live keys never show up in the cache's key names.
    return TOKEN_CACHE_PREFIX + hashlib.sha256(key.encode()).hexdigest()


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's `Authorization: Token KEY`, its key → user look-up cached for a while.

    Every API request otherwise starts with the same token-and-user query. The entry
    lives `API_TOKEN_CACHE_SECONDS` (30 with Redis; 0, no caching, with the
    per-process local-memory cache, which one process cannot clear in another). It
    is deleted when the token is deleted or its user saved (deactivated, a new role or
    jurisdiction), so those take effect on the next request. Changes that bypass
    signals (`QuerySet.update`), or a deletion during a Redis outage, wait for the
    entry to expire. The cached user holds no password hash (it is left deferred).
    """

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        seconds = settings.API_TOKEN_CACHE_SECONDS
        if seconds <= 0:
            return super().authenticate_credentials(key)
        cache_key = _token_cache_key(key)
        token = cache.get(cache_key)
        if isinstance(token, Token):
            return token.user, token
        user, token = super().authenticate_credentials(key)  # refuses unknown and inactive
        cache.set(cache_key, _without_password(token), seconds)
        return user, token


def _without_password(token: Token) -> Token:
    kept = copy.copy(token)
    user = copy.copy(token.user)
    del user.password  # deferred: read from the database if anyone asks
    kept.user = user
    return kept


def _token_cache_forget(keys: list[str]) -> None:
    if not keys:
        return
    cache_keys = [_token_cache_key(key) for key in keys]
    cache.delete_many(cache_keys)
    # Again once committed: a request that read the old rows meanwhile may have cached them.
    transaction.on_commit(lambda: cache.delete_many(cache_keys), robust=True)


@receiver([post_save, post_delete], sender=Token, dispatch_uid="token_cache_forget_token")
def _token_changed(sender: Any, instance: Token, **kwargs: Any) -> None:
    _token_cache_forget([instance.key])


@receiver(post_save, sender=get_user_model(), dispatch_uid="token_cache_forget_user")
def _user_changed(
    sender: Any, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    # A new user has no token yet; a login (only last_login saved) changes no right.
    if created or (update_fields is not None and set(update_fields) == {"last_login"}):
        return
    _token_cache_forget(list(Token.objects.filter(user_id=instance.pk)
                             .values_list("key", flat=True)))
