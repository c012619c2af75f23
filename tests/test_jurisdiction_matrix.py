"""The jurisdiction matrix: every route × the owner, a colleague and an outsider.

The routes are enumerated from the URLconf, so a route added later fails
`test_every_route_is_in_the_matrix` until it is registered in ROUTES below with
an object inside Alice's area (枫桥镇) and one outside it (浏阳市, Charlie's).

- Alice (the owner) and Bob (her colleague) reach the inside object.
- Charlie (the outsider) gets 404 for it, and Alice gets 404 for the outside one:
  a record outside the jurisdiction does not exist for the user.
- Anonymous users are sent to log in (pages) or refused (API).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from centres.models import User
from tests.factories.centres import centre
from tests.factories.demonstration import assessment_of, designation_of, evidence_of

Kwargs = dict[str, Any]


@dataclass(frozen=True)
class Route:
    """How to call a route for the matrix.

    `inside` and `outside` build the URL kwargs of an object in Alice's area
    and of one in Charlie's; routes without kwargs leave them None.
    `ok` is the set of statuses that count as "reached" for the inside object
    (a POST without a body may answer 400 or 409: the point is that it is not 404).
    """

    inside: Callable[[], Kwargs] | None = None
    outside: Callable[[], Kwargs] | None = None
    method: str = "get"
    ok: frozenset[int] = field(default_factory=lambda: frozenset({200}))
    # The object is named in the query string (`?region=...`), not in the path.
    in_query: bool = False


def _code(code: str) -> Callable[[], Kwargs]:
    return lambda: {"code": code}


POST_OK = frozenset({200, 201, 400, 409})


def _case(code: str, *, resolved: bool = False, action: str = "") -> Callable[[], Kwargs]:
    """A dispute case received at the centre of `code` (see tests/factories/cases.py)."""

    def make() -> Kwargs:
        from tests.factories.cases import case_matrix_object

        pk = case_matrix_object(code, resolved=resolved)
        return {"pk": pk, "action": action} if action else {"pk": pk}

    return make


def _matrix_user(code: str) -> User:
    from tests.factories.centres import UserFactory, region

    user: User = UserFactory.create(username=f"matrix-{code}", region=region(code))
    return user


def _veteran(village: str) -> Kwargs:
    from tests.factories.veterans import veteran_make
    from veterans.models import Veteran

    found = Veteran.objects.filter(region_id=village).first()
    return {"pk": (found or veteran_make(village, name="矩阵")).pk}


def _visit(centre_code: str) -> Kwargs:
    from tests.factories.veterans import visit_make
    from veterans.models import Veteran

    village = f"{centre_code}201" if len(centre_code) == 9 else f"{centre_code}101201"
    veteran = Veteran.objects.get(pk=_veteran(village)["pk"])
    return {"pk": visit_make(veteran, _matrix_user(centre_code)).pk}


def _import_job(code: str) -> Kwargs:
    from tests.factories.centres import region
    from veterans.models import ImportJob

    job = ImportJob.objects.create(
        created_by=_matrix_user(code), region=region(code), file="imports/matrix.xlsx",
        original_name="matrix.xlsx", status="done",
    )
    return {"pk": job.pk}


ROUTES: dict[str, Route] = {
    "home": Route(ok=frozenset({302})),
    "centres:directory": Route(),
    "centres:detail": Route(inside=_code("330681107201"), outside=_code("430181101201")),
    "api:region-list": Route(),
    "api:region-detail": Route(inside=_code("330681107"), outside=_code("430181")),
    "api:centre-list": Route(),
    "dashboards:home": Route(),
    "dashboards:export-home": Route(),
    "dashboards:area": Route(inside=_code("330681107"), outside=_code("430181")),
    "dashboards:export": Route(inside=_code("330681107"), outside=_code("430181")),
    "api:stats-cases": Route(
        inside=lambda: {"region": "330681107"}, outside=lambda: {"region": "430181"},
        in_query=True,
    ),
    "api:stats-visits": Route(
        inside=lambda: {"region": "330681107"}, outside=lambda: {"region": "430181"},
        in_query=True,
    ),
    "api:centre-detail": Route(
        inside=lambda: {"pk": centre("330681107201").pk},
        outside=lambda: {"pk": centre("430181101201").pk},
    ),
    # cases: a case received at 枫桥镇 inside, one at 淮川村 (浏阳市) outside.
    "cases:queue": Route(),
    "cases:new": Route(),
    "cases:detail": Route(inside=_case("330681107"), outside=_case("430181101201")),
    "cases:agreement": Route(
        inside=_case("330681107", resolved=True), outside=_case("430181101201", resolved=True)
    ),
    "cases:act": Route(
        inside=_case("330681107", action="mediate"),
        outside=_case("430181101201", action="mediate"),
        method="post", ok=POST_OK,
    ),
    "api:case-list": Route(),
    "api:case-detail": Route(inside=_case("330681107"), outside=_case("430181101201")),
    **{
        f"api:case-{action}": Route(
            inside=_case("330681107"), outside=_case("430181101201"), method="post", ok=POST_OK
        )
        for action in ["accept", "assign", "mediate", "escalate", "refer-down", "resolve",
                       "follow-up", "extend"]
    },
    # Without the required `region` query the statistics answer 400 (reached, not 404);
    # the region scoping is tested in tests/cases/test_stats.py.
    # demonstration: 枫桥镇's assessment and designation inside, 淮川街道's outside
    "demonstration:targets": Route(),
    "demonstration:assessments": Route(),
    "demonstration:assessment_start": Route(method="post", ok=frozenset({302})),
    "demonstration:assessment": Route(
        inside=lambda: {"pk": assessment_of("330681107").pk},
        outside=lambda: {"pk": assessment_of("430181101").pk},
    ),
    "demonstration:assessment_transition": Route(
        inside=lambda: {"pk": assessment_of("330681107").pk, "action": "submit"},
        outside=lambda: {"pk": assessment_of("430181101").pk, "action": "submit"},
        method="post",
        ok=frozenset({302}),  # back to the page, with the refusal as a message
    ),
    "demonstration:evidence": Route(
        inside=lambda: {"pk": evidence_of("330681107").pk},
        outside=lambda: {"pk": evidence_of("430181101").pk},
    ),
    "demonstration:designation_revoke": Route(
        inside=lambda: {"pk": designation_of("330681107").pk},
        outside=lambda: {"pk": designation_of("430181101").pk},
        method="post",
        ok=frozenset({302}),
    ),
    "api:stats-targets": Route(),
    "api:designation-list": Route(),
    "api:designation-detail": Route(
        inside=lambda: {"pk": designation_of("330681107").pk},
        outside=lambda: {"pk": designation_of("430181101").pk},
    ),
    "api:designation-revoke": Route(
        inside=lambda: {"pk": designation_of("330681107").pk},
        outside=lambda: {"pk": designation_of("430181101").pk},
        method="post",
        ok=POST_OK,
    ),
    "api:assessment-list": Route(),
    **{
        f"api:assessment-{step}": Route(
            inside=lambda: {"pk": assessment_of("330681107").pk},
            outside=lambda: {"pk": assessment_of("430181101").pk},
            method="get" if step == "detail" else "post",
            ok=frozenset({200}) if step == "detail" else POST_OK,
        )
        for step in ("detail", "submit", "return", "forward", "approve")
    },
    # veterans: the registry, the visit log, imports and exports
    "visits:new": Route(),
    "visits:search": Route(),
    "visits:export": Route(),
    "veterans:list": Route(),
    "veterans:new": Route(),
    "veterans:export": Route(),
    "veterans:import": Route(),
    "veterans:import_template": Route(),
    "veterans:detail": Route(inside=lambda: _veteran("330681107201"),
                             outside=lambda: _veteran("430181101201")),
    "veterans:edit": Route(inside=lambda: _veteran("330681107201"),
                           outside=lambda: _veteran("430181101201")),
    "veterans:import_job": Route(inside=lambda: _import_job("330681107"),
                                 outside=lambda: _import_job("430181")),
    "veterans:import_progress": Route(inside=lambda: _import_job("330681107"),
                                      outside=lambda: _import_job("430181")),
    "veterans:import_errors": Route(inside=lambda: _import_job("330681107"),
                                    outside=lambda: _import_job("430181")),
    "api:veteran-list": Route(),
    "api:veteran-detail": Route(inside=lambda: _veteran("330681107201"),
                                outside=lambda: _veteran("430181101201")),
    "api:visit-list": Route(),
    "api:visit-detail": Route(inside=lambda: _visit("330681107"),
                              outside=lambda: _visit("430181")),
}

# Routes outside the matrix, and why.
EXEMPT = {
    "login": "public: the login page",
    "logout": "POST only; ends the caller's own session",
    "set_language": "public: sets the caller's language",
    "health": "public liveness check, no data",
    "schema": "the API description, no records",
    "api-docs": "the API description, no records",
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


def _call(user: User | None, name: str, route: Route, kwargs: Kwargs | None) -> int:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    if route.in_query:
        url, data = reverse(name), kwargs
    else:
        url, data = reverse(name, kwargs=kwargs or None), None
    call = getattr(client, route.method)
    response = call(url, data) if route.method == "get" else call(url, data, format="json")
    return int(response.status_code)


ROUTE_NAMES = sorted(ROUTES)
OBJECT_ROUTES = sorted(name for name, route in ROUTES.items() if route.inside is not None)


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_owner_and_colleague_reach_the_route(name: str, alice: User, bob: User) -> None:
    route = ROUTES[name]
    for user in (alice, bob):
        kwargs = route.inside() if route.inside else None
        assert _call(user, name, route, kwargs) in route.ok, f"{user.username} on {name}"


@pytest.mark.parametrize("name", OBJECT_ROUTES)
def test_outsider_gets_404_for_an_object_inside_the_owners_area(
    name: str, alice: User, charlie: User
) -> None:
    route = ROUTES[name]
    assert route.inside is not None
    assert _call(charlie, name, route, route.inside()) == 404


@pytest.mark.parametrize("name", OBJECT_ROUTES)
def test_owner_gets_404_for_an_object_outside_her_area(
    name: str, alice: User, charlie: User
) -> None:
    route = ROUTES[name]
    assert route.outside is not None, f"{name} needs an outside object"
    assert _call(alice, name, route, route.outside()) == 404


@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_anonymous_users_are_refused(name: str, world: None) -> None:
    route = ROUTES[name]
    status = _call(None, name, route, route.inside() if route.inside else None)
    if name.startswith("api:"):
        assert status in (401, 403)
    else:
        assert status == 302  # to the login page
