"""The progressive web app's two files, served by Django at the root of the site.

A service worker controls the pages under the path it is served from, so `/sw.js`
(scope "/") is a view, not a static file (those live under /static/). It names the
hashed static files of this deployment, and changes with them.
"""

from __future__ import annotations

import hashlib
import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

ASSETS = ("css/portal.css", "js/portal.js", "js/visit.js", "contacts/offline.js",
          "contacts/outbox.js", "contacts/icon.svg")


def offline_pages() -> list[str]:
    """The pages that open without a connection: the visit form and the work-list."""
    return [reverse("visits:new"), reverse("contacts:worklist")]


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    assets = [static(name) for name in ASSETS]
    version = hashlib.sha256("\n".join(assets).encode()).hexdigest()[:12]
    response = render(request, "contacts/sw.js", {
        "outbox_url": static("contacts/outbox.js"),
        "version": version,
        "pages_json": json.dumps(offline_pages()),
        "assets_json": json.dumps(assets),
    }, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    return JsonResponse({
        "name": _("Veterans' service portal"),
        "short_name": _("Regular contact"),
        "start_url": reverse("contacts:worklist"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b71c1c",
        "icons": [{"src": static("contacts/icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
