"""Views chosen by URL name in settings (fnmatch patterns such as `api:stats-*`).

Replica reads and conditional GETs apply to views listed this way, so that a view
added under a listed name is covered without decorating it.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

from django.http import HttpRequest


def view_name_matches(view_name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(view_name, pattern) for pattern in patterns)


def resolved_view_in(request: HttpRequest, patterns: Iterable[str]) -> bool:
    """Whether the request resolved to a view whose name matches one of the patterns."""
    match = request.resolver_match
    return match is not None and view_name_matches(match.view_name, patterns)
