"""The navigation bar, by role. Entries whose route does not exist are left out."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (route name, label, roles that see it)
NAV = [
    ("visits:new", _("Log a visit"), {"staff"}),
    ("contacts:worklist", _("Regular contact"), {"staff", "official"}),
    ("veterans:list", _("Veterans"), {"staff", "official"}),
    ("cases:queue", _("Cases"), {"staff", "official"}),
    ("dashboards:home", _("Dashboard"), {"staff", "official"}),
    ("demonstration:targets", _("Demonstration target"), {"official", "staff"}),
    ("teams:index", _("Teams"), {"staff", "official"}),
    ("centres:directory", _("Centres"), {"staff", "official"}),
]

# route name -> a function of the request giving a count to show beside the entry
# (0 or None shows nothing). Rooms register theirs in AppConfig.ready().
NAV_BADGES: dict[str, Callable[[HttpRequest], int | None]] = {}


def nav_badge_register(route: str, badge: Callable[[HttpRequest], int | None]) -> None:
    NAV_BADGES[route] = badge


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    entries = []
    for name, label, roles in NAV:
        if user.role not in roles:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        badge = NAV_BADGES.get(name)
        entries.append({
            "url": url,
            "label": label,
            "active": request.path.startswith(url),
            "badge": badge(request) if badge else None,
        })
    return {"nav": entries}
