"""The jurisdiction matrix: every route × users at every level, in both roles × objects
inside and outside their area.

The routes are enumerated from the URLconf, so a route added later fails
`test_every_route_is_in_the_matrix` until it is registered in ROUTES below with the
object its URL names (see tests/matrix_world.py for the world and its users).

- A user at every level (village, township, county, city, province, nationwide), staff
  and official, reaches the route for the object at their own level (nationwide: another
  province's) and gets what their role gets: officials read, never act on cases, and
  alone revoke designations. Nothing in the answer, nor in the browsable API's page of
  an API route, names anything outside their area.
- For the object of the sibling subtree at their level (another village of the
  township, another township of the county, another county, city, province) and for the
  one of the region right above them, they get 404, byte for byte the answer for an id
  or code that does not exist: an id in a URL does not tell whether a record exists.
- Where only staff may act (the registry's and the visit log's forms), officials are
  refused (403) before any object is looked up, for any id alike.
- The owner's colleague reaches what the owner reaches; anonymous users are sent to log
  in (pages) or refused (API).

Lists, search, exports and aggregates: tests/test_jurisdiction_lists.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from centres.models import User
from tests.matrix_world import (
    DEEPEST,
    HOME,
    LEVELS,
    MISSING_CODE,
    MISSING_PK,
    ROLES,
    SIBLING,
    Place,
    World,
    body_text,
)

Kwargs = dict[str, Any]
OK = frozenset({200})
REDIRECT = frozenset({302})


@dataclass(frozen=True)
class Route:
    """How to call a route for the matrix.

    `kind` is the object the URL names, one of a place's (tests/matrix_world.py): a pk
    in the path, or with `key` "code" a region code in the path, or with `in_query` a
    region code in the query (`?region=`); None names no object. `extra` adds fixed
    kwargs. A POST sends `body`, valid input where the step can be valid, so that the
    service runs and its own rules answer.

    `ok` is what staff get for the object at their own level, `official` what officials
    get (default: the same). Where a step is refused by the workflow's state for
    everybody it is 409 (or the page with the refusal as a message, 302), and an
    official, who reads only, acting on a case gets 403; where it
    needs input the matrix cannot name, 400. `staff_only`: officials are refused (403)
    before any object is looked up. `owner_only`: only the one who made the object
    reaches it (an import's error report); the matrix's users, who made none, get 404.
    """

    kind: str | None = None
    key: str = "pk"
    extra: tuple[tuple[str, str], ...] = ()
    method: str = "get"
    body: tuple[tuple[str, Any], ...] = ()
    ok: frozenset[int] = OK
    official: frozenset[int] | None = None
    in_query: bool = False
    staff_only: bool = False
    # What a nationwide user gets instead of `ok`, where they have no centre of their own.
    nationwide: frozenset[int] | None = None
    owner_only: bool = False

    def kwargs(self, place: Place | None) -> Kwargs | None:
        if self.kind is None or place is None:
            return None
        value = place.code if self.key in ("code", "region") else getattr(place, self.kind)
        return {self.key: value, **dict(self.extra)}


def _at(kind: str, action: str = "", **options: Any) -> Route:
    return Route(kind=kind, extra=(("action", action),) if action else (), **options)


def _post(kind: str, *, ok: int, official: int | None = None, action: str = "",
          **body: Any) -> Route:
    return _at(kind, action, method="post", body=tuple(body.items()), ok=frozenset({ok}),
               official=frozenset({ok if official is None else official}))


BAD_INPUT, FORBIDDEN, REFUSED = 400, 403, 409


CODE = Route(kind="region", key="code")
QUERY = Route(kind="region", key="region", in_query=True)

ROUTES: dict[str, Route] = {
    "home": Route(ok=REDIRECT),
    "centres:directory": Route(),
    "centres:detail": CODE,
    "api:region-list": Route(),
    "api:region-detail": CODE,
    "api:centre-list": Route(),
    "api:centre-detail": _at("centre"),
    "dashboards:home": Route(),
    "dashboards:export-home": Route(),
    "dashboards:area": CODE,
    "dashboards:export": CODE,
    "dashboards:export-home-csv": Route(),
    "dashboards:export-csv": CODE,
    "api:stats-cases": QUERY,
    "api:stats-cases-children": QUERY,
    "api:stats-targets-summary": QUERY,
    "api:stats-visits": QUERY,
    "api:stats-contacts": QUERY,
    # cases
    "cases:queue": Route(),
    "cases:new": Route(),
    "cases:detail": _at("case"),
    "cases:agreement": _at("resolved_case"),
    # The open case of every place is accepted and never mediated: staff at its centre
    # (or above) mediate, resolve and extend it; officials follow cases and never act.
    "cases:act": _post("case", action="mediate", ok=302, official=FORBIDDEN,
                       **{"mediate-note": "调解", "mediate-method": "face_to_face"}),
    "api:case-list": Route(),
    "api:case-detail": _at("case"),
    "api:case-accept": _post("case", ok=REFUSED, official=FORBIDDEN),  # accepted already
    "api:case-assign": _post("case", ok=BAD_INPUT),  # the assignee depends on the place
    "api:case-mediate": _post("case", ok=200, official=FORBIDDEN, note="调解"),
    "api:case-escalate": _post(  # not mediated
        "case", ok=REFUSED, official=FORBIDDEN, reason="不接受调解意见"
    ),
    "api:case-refer-down": _post("case", ok=BAD_INPUT),  # the centre below depends on it
    "api:case-resolve": _post("case", ok=200, official=FORBIDDEN, resolution="达成协议"),
    "api:case-follow-up": _post(  # not resolved yet
        "case", ok=REFUSED, official=FORBIDDEN, satisfied=True
    ),
    "api:case-extend": _post("case", ok=200, official=FORBIDDEN, days=10, reason="案情复杂"),
    # demonstration
    "demonstration:targets": Route(),
    "demonstration:assessments": Route(),
    # Starts the self-assessment of the user's own centre; a nationwide user has none.
    "demonstration:assessment_start": Route(
        method="post", ok=REDIRECT, nationwide=frozenset({404})
    ),
    "demonstration:assessment": _at("assessment"),
    # back to the page, with the refusal as a message
    "demonstration:assessment_transition": _post("assessment", action="submit", ok=302),
    "demonstration:evidence": _at("evidence"),
    "demonstration:designation_revoke": _post("designation", ok=302, reason="整改不到位"),
    "api:stats-targets": Route(),
    "api:designation-list": Route(),
    "api:designation-detail": _at("designation"),
    # Officials revoke (摘牌) in their area; staff may not.
    "api:designation-revoke": _post("designation", ok=REFUSED, official=200,
                                    reason="整改不到位"),
    "api:assessment-list": Route(),
    "api:assessment-detail": _at("assessment"),
    # Every assessment is a draft with one indicator scored: nothing can move it.
    **{
        f"api:assessment-{step}": _post("assessment", ok=REFUSED, comment="请补充材料")
        for step in ("submit", "return", "forward", "approve")
    },
    # veterans: the registry, the visit log, imports and exports
    "visits:new": Route(staff_only=True),
    "visits:search": Route(),
    "visits:export": Route(),
    "veterans:list": Route(),
    "veterans:new": Route(staff_only=True),
    "veterans:export": Route(),
    "veterans:import": Route(staff_only=True),
    "veterans:import_template": Route(),
    "veterans:detail": _at("veteran"),
    "veterans:edit": _at("veteran", staff_only=True),
    "veterans:import_job": _at("import_job"),
    "veterans:import_progress": _at("import_job"),
    "veterans:import_errors": _at("import_job", owner_only=True),
    "veterans:transfers": Route(),
    "api:veteran-list": Route(),
    "api:veteran-detail": _at("veteran"),
    "api:visit-list": Route(),
    "api:visit-detail": _at("visit"),
    # teams: the roster, teams, service records, certificates, call-ups
    "teams:index": Route(),
    "teams:detail": _at("team"),
    "teams:export": _at("team"),
    # staff save the groups; officials are sent back with the refusal as a message
    "teams:act": _post("team", action="groups", ok=302, groups="legal"),
    "teams:certificate": _at("certificate"),
    # to the roster of the user's area; a nationwide user picks an area
    "teams:roster_home": Route(ok=REDIRECT, nationwide=OK),
    "teams:roster": CODE,
    "teams:cadre": _at("cadre"),
    "teams:call_up": _at("call_up"),
    "api:village-cadre-list": Route(),
    "api:village-cadre-detail": _at("cadre"),
    "api:team-list": Route(),
    "api:team-detail": _at("team"),
    # Officials are refused (403) before the team is looked up; staff name no veteran.
    "api:team-members": _at("team", method="post", body=(("veteran", MISSING_PK),),
                            ok=frozenset({BAD_INPUT}), staff_only=True),
    "api:service-record-list": Route(),
    "api:service-record-detail": _at("service_record"),
    "api:service-record-confirm": _at("service_record", method="post", staff_only=True),
    "api:stats-teams": QUERY,
    # regular contact
    "contacts:worklist": Route(),
    "contacts:route": Route(),
    "contacts:campaign_new": Route(staff_only=True),
    "contacts:campaign": _at("campaign"),
}

# Routes outside the matrix, and why.
EXEMPT = {
    "login": "public: the login page",
    "logout": "POST only; ends the caller's own session",
    "set_language": "public: sets the caller's language",
    "health": "public liveness check, no data",
    "favicon": "public: the portal's icon, no data",
    "schema": "the API description, no records",
    "api-docs": "the API description, no records",
    "contacts:sw": "public: the service worker's script, no records",
    "contacts:manifest": "public: the web app manifest, no records",
    "veterans:transfer_decide": "POST only, on a transfer request (none in this world): 404 "
    "outside both queues, decided by the holding county's staff; tests/veterans/test_transfers.py",
    "teams:answer": "public: a member's signed link to answer one call-up; any other token is 404",
}
EXEMPT_NAMESPACES = {"admin": "Django admin: superusers only, guarded by is_staff"}


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = entry.namespace
            if namespace in EXEMPT_NAMESPACES:
                continue
            yield from _walk(entry.url_patterns, f"{prefix}{namespace}:" if namespace else prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}"


def all_route_names() -> set[str]:
    return set(_walk(get_resolver().url_patterns))


def test_every_route_is_in_the_matrix() -> None:
    unlisted = all_route_names() - set(ROUTES) - set(EXEMPT)
    assert not unlisted, f"register these routes in ROUTES (or EXEMPT, with a reason): {unlisted}"


# --- calling a route --------------------------------------------------------------


def _missing(kwargs: Kwargs | None) -> Kwargs:
    """The same call naming an object that exists nowhere."""
    replaced = {"pk": MISSING_PK, "code": MISSING_CODE, "region": MISSING_CODE}
    return {key: replaced.get(key, value) for key, value in (kwargs or {}).items()}


def call(
    client: APIClient, name: str, kwargs: Kwargs | None = None, *, html: bool = False
) -> Any:
    """Call the route; `html` asks for the browsable API's page (GET) of an API route."""
    route = ROUTES[name]
    if route.in_query:
        url, data = reverse(name), kwargs
    else:
        url, data = reverse(name, kwargs=kwargs or None), None
    if html:
        response = client.get(url, data, HTTP_ACCEPT="text/html")
    elif route.method == "get":
        response = client.get(url, data)
    else:
        # The API reads JSON only; the pages read forms.
        body = {**dict(route.body), **(data or {})}
        response = client.post(url, body, format="json" if name.startswith("api:") else None)
    return response


def assert_nothing_from_outside(world: World, user: User, response: Any) -> None:
    text = body_text(response)
    shown = [marker for marker in world.markers_outside(user.region_id) if marker in text]
    assert not shown, f"{user.username} sees {shown} on {response.wsgi_request.path}"


def expected_inside(route: Route, user: User) -> frozenset[int]:
    if route.staff_only and user.is_official:
        return frozenset({403})
    if route.owner_only:
        return frozenset({404})
    if route.nationwide is not None and user.region_id is None:
        return route.nationwide
    if route.official is not None and user.is_official:
        return route.official
    return route.ok


def expected_outside(route: Route, user: User) -> int:
    return 403 if route.staff_only and user.is_official else 404


def inside_place(world: World, level: str) -> Place:
    """The object at the user's own level (nationwide: another province's)."""
    return world.places[HOME[level] or SIBLING["province"]]


ROUTE_NAMES = sorted(ROUTES)
OBJECT_ROUTES = sorted(name for name, route in ROUTES.items() if route.kind is not None)
WHO = [(level, role) for level in LEVELS for role in ROLES]
WHO_IDS = [f"{level}-{role}" for level, role in WHO]
OUTSIDERS = [(level, role) for level, role in WHO if level != "nation"]
OUTSIDER_IDS = [f"{level}-{role}" for level, role in OUTSIDERS]


@pytest.mark.parametrize(("level", "role"), WHO, ids=WHO_IDS)
@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_every_level_reaches_the_route_inside_its_area_and_sees_nothing_outside(
    name: str, level: str, role: str, matrix: World
) -> None:
    """Inside the area the route answers, and names nothing from outside; for the API,
    neither does the browsable page, whose forms list related objects."""
    route = ROUTES[name]
    user = matrix.user(level, role)
    client = matrix.client(user)
    kwargs = route.kwargs(inside_place(matrix, level))
    response = call(client, name, kwargs)
    assert response.status_code in expected_inside(route, user), (
        f"{user.username} on {name} {kwargs}: {response.status_code}"
    )
    assert_nothing_from_outside(matrix, user, response)
    if name.startswith("api:"):
        page = call(client, name, kwargs, html=True)
        assert page.status_code in expected_inside(route, user) | {405}  # POST-only actions
        assert_nothing_from_outside(matrix, user, page)


def outside_places(world: World, level: str, kind: str) -> list[Place]:
    """The sibling subtree's object, and the one right above the user's area if that
    region holds one of its own (a county holds no veteran: its borrowed one is inside)."""
    parent = world.parent(HOME[level])
    places = [world.places[SIBLING[level]]]
    return [*places, parent] if parent is not None and parent.holds(kind) else places


@pytest.mark.parametrize(("level", "role"), OUTSIDERS, ids=OUTSIDER_IDS)
@pytest.mark.parametrize("name", OBJECT_ROUTES)
def test_an_object_outside_the_area_answers_like_one_that_does_not_exist(
    name: str, level: str, role: str, matrix: World
) -> None:
    """404 for an object outside the area, byte for byte the answer for no object."""
    route = ROUTES[name]
    assert route.kind is not None
    user = matrix.user(level, role)
    client = matrix.client(user)
    outside = [route.kwargs(place) for place in outside_places(matrix, level, route.kind)]
    missing = call(client, name, _missing(outside[0]))
    assert missing.status_code == expected_outside(route, user)
    for kwargs in outside:
        response = call(client, name, kwargs)
        assert (response.status_code, response.content) == (
            missing.status_code, missing.content
        ), f"{user.username} on {name} {kwargs}: {response.status_code}"


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_owner_and_colleague_reach_the_route(name: str, matrix: World) -> None:
    route = ROUTES[name]
    place = matrix.places[HOME["township"] or ""]
    owner, colleague = matrix.owners[place.code], matrix.user("township", User.Role.STAFF)
    for user in (owner, colleague):
        with transaction.atomic():  # what the owner does is undone before the colleague
            status = call(matrix.client(user), name, route.kwargs(place)).status_code
            transaction.set_rollback(True)
        expected = route.ok if user is owner or not route.owner_only else {404}
        assert status in expected, f"{user.username} on {name}: {status}"


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_anonymous_users_are_refused(name: str, matrix: World) -> None:
    route = ROUTES[name]
    response = call(matrix.client(None), name, route.kwargs(matrix.places[DEEPEST]))
    if name.startswith("api:"):
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 302  # to the login page
