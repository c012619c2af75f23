"""Conditional GETs for the statistics served from the rollups.

An answer of `stats/cases` (and the endpoints beside it) changes only when the
rollups move on (their version) or when a deadline falls due (the live part, read
with a minute's resolution, as the rollups themselves lag up to a minute). So its
ETag is an HMAC of the rollups' version, the minute, the caller's credential and
the request (path, query, format, language): a client or a proxy (nginx) that
sends it back in `If-None-Match` gets 304 without the rollups being read. The
credential is in the HMAC, so one person's ETag is worth nothing to another, and
the answers say `Vary` on everything the HMAC covers.

Where reads refresh the rollups first (`ROLLUPS_REFRESH_ON_READ`, the development
server without a broker), the version is not current before the refresh, so no
ETag is given there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.crypto import salted_hmac
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import get_language

from config.urlnames import resolved_view_in
from dashboards.rollups import rollup_version

VARY = ("Authorization", "Cookie", "Accept", "Accept-Language")
ETAG = "_statistics_etag"


def statistics_etag(request: HttpRequest) -> str:
    credential = request.headers.get("Authorization") or request.COOKIES.get(
        settings.SESSION_COOKIE_NAME, ""
    )
    parts = [
        str(rollup_version()),
        str(int(time.time() // 60)),
        credential,
        request.get_full_path(),
        request.headers.get("Accept", ""),
        get_language() or "",
    ]
    return quote_etag(salted_hmac("statistics-etag", "\n".join(parts)).hexdigest()[:32])


class StatisticsConditionalGetMiddleware:
    """ETag and 304 for the views named in STATISTICS_ETAG_VIEWS (after the locale is set)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        etag = getattr(request, ETAG, None)
        if etag and response.status_code == 200:
            response["ETag"] = etag
            response["Cache-Control"] = "no-cache"  # stored, but revalidated every time
            patch_vary_headers(response, VARY)
        return response

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: Any,
                     kwargs: Any) -> HttpResponse | None:
        if (
            request.method not in ("GET", "HEAD")
            or settings.ROLLUPS_REFRESH_ON_READ
            or not resolved_view_in(request, settings.STATISTICS_ETAG_VIEWS)
        ):
            return None
        etag = statistics_etag(request)
        setattr(request, ETAG, etag)
        if etag in parse_etags(request.headers.get("If-None-Match", "")):
            response = HttpResponseNotModified()
            response["ETag"] = etag
            patch_vary_headers(response, VARY)
            return response
        return None
