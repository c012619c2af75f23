"""The navigation bar, by role. Entries whose route does not exist are left out."""

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (route name, label, roles that see it)
NAV = [
    ("visits:new", _("Log a visit"), {"staff"}),
    ("veterans:list", _("Veterans"), {"staff", "official"}),
    ("cases:queue", _("Cases"), {"staff", "official"}),
    ("dashboards:home", _("Dashboard"), {"staff", "official"}),
    ("demonstration:targets", _("Demonstration target"), {"official", "staff"}),
    ("centres:directory", _("Centres"), {"staff", "official"}),
]


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
        entries.append({"url": url, "label": label, "active": request.path.startswith(url)})
    return {"nav": entries}
