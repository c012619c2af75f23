"""Abuse limits: API throttling per token and per address, and the login lockout's two
limits (a username at one address, and an address whatever the username).

Rates and limits are settings (`API_THROTTLE_RATES`, `AXES_FAILURE_LIMIT`,
`AXES_IP_FAILURE_LIMIT`), read on every request so that a test or an operator can
change them; a refusal answers 429 with `Retry-After`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class _SettingsRate(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        rate: str = settings.API_THROTTLE_RATES[str(self.scope)]
        return rate or None  # empty: not throttled

    def allow_request(self, request: Request, view: Any) -> bool:
        # The rate as the settings say now (DRF reads it once, when the throttle is made).
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class TokenRateThrottle(_SettingsRate):
    """Requests authenticated by one API token (its key digested: the key stays secret)."""

    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, Token):
            return None
        return self.cache_format % {
            "scope": self.scope, "ident": hashlib.sha256(request.auth.key.encode()).hexdigest(),
        }


class AddressRateThrottle(_SettingsRate):
    """Token requests from one address, whatever the token (DRF throttles after it
    authenticates: a wrong token is refused with 401 before). Signed-in browsers, many
    behind one county's NAT address, are not counted."""

    scope = "address"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, Token):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LockoutHandler(AxesDatabaseHandler):
    """django-axes with two limits. AXES_LOCKOUT_PARAMETERS lists the username at an
    address first, then the address: the first locks at AXES_FAILURE_LIMIT failures, the
    address at AXES_IP_FAILURE_LIMIT (stations of a county share one NAT address, so its
    limit is higher). Guessing a username from elsewhere no longer locks its owner out."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        counts = [
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        per_user_address = counts[0] if counts else 0
        per_address = counts[1] if len(counts) > 1 else 0
        if per_address >= settings.AXES_IP_FAILURE_LIMIT:
            # As axes compares it: at the (lower) limit, so the address is locked.
            return max(per_user_address, settings.AXES_FAILURE_LIMIT)
        return per_user_address
