"""Pages: home, the centre directory and a centre's page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from centres.models import Centre
from centres.requests import AuthenticatedHttpRequest
from centres.sections import centre_sections
from centres.selectors import (
    centre_counts_by_level,
    centre_get_for_user,
    centre_search,
    region_ancestors,
    region_children_with_counts,
    region_get_for_user,
    region_paths,
    user_root_region,
)

# Where each role starts its day, first existing route wins.
HOME_ROUTES = {
    "staff": ["visits:new", "cases:queue", "centres:directory"],
    "official": ["dashboards:home", "demonstration:targets", "centres:directory"],
}


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponseRedirect:
    """Send each role where it works."""
    for name in HOME_ROUTES.get(request.user.role, HOME_ROUTES["staff"]):
        try:
            return redirect(reverse(name))
        except NoReverseMatch:
            continue
    return redirect("centres:directory")


def favicon(request: HttpRequest) -> FileResponse:
    """Browsers ask for /favicon.ico on their first visit: the portal's icon, cached a day."""
    path = finders.find("favicon.svg")
    assert isinstance(path, str)
    response = FileResponse(open(path, "rb"), content_type="image/svg+xml")  # noqa: SIM115
    response["Cache-Control"] = "public, max-age=86400"
    return response


@login_required
def directory(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Browse the centres from the user's root down to the villages, or search."""
    root = user_root_region(request.user)
    code = request.GET.get("region", "")
    region = region_get_for_user(user=request.user, code=code) if code else root
    query = request.GET.get("q", "").strip()
    context = {
        "region": region,
        "root": root,
        "ancestors": region_ancestors(region, below=root) if region and region != root else [],
        "children": region_children_with_counts(region=region),
        "counts": centre_counts_by_level(region=region),
        "query": query,
        "results": _with_paths(list(centre_search(user=request.user, query=query)))
        if query else None,
    }
    return render(request, "centres/directory.html", context)


def _with_paths(centres: list[Centre]) -> list[tuple[Centre, str]]:
    """Each centre with the path of its region (东山镇 › 青石村): same names told apart."""
    paths = region_paths(c.region_id for c in centres)
    return [(c, paths[c.region_id]) for c in centres]


@login_required
def centre_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    centre = centre_get_for_user(user=request.user, code=code)
    root = user_root_region(request.user)
    region = centre.region
    context = {
        "centre": centre,
        "region": region,
        "root": root,
        "ancestors": region_ancestors(region, below=root) if region != root else [],
        "children": region_children_with_counts(region=region),
        "counts": centre_counts_by_level(region=region),
        "sections": centre_sections(request, centre),
    }
    return render(request, "centres/centre_detail.html", context)

