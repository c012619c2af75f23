"""schemathesis against /api/schema/ (issue 8, point 2; issue 15, finding 7; issue 16).

Every operation in the schema when the suite runs (so the ones other apps add
later too) gets a bounded number of generated requests, authenticated with a
token, through the real WSGI application, both valid requests (which must
succeed) and invalid ones (which must be refused with a documented 4xx). Every
built-in check runs (schemathesis 4's default, as `--checks all`): no server
error, every answer conforms to the schema, valid data accepted, invalid data
rejected. Then the stateful phase follows the schema's links (config/schema.py
`add_links`), so that the workflow actions are called with ids that exist; and
every date parameter and every request body is tried out of range and too deep.

The operations are driven with Hypothesis inside one test rather than through
schemathesis' pytest plugin, whose lazy loader relies on pytest internals that
pytest 9 removed; each failing operation is reported with its example.
"""

from __future__ import annotations

import warnings

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure, FailureGroup, ServerError
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import ignored_auth

from centres.api import CentreViewSet
from centres.models import User
from centres.services import api_token_create
from config.wsgi import application

EXAMPLES_PER_OPERATION = 15

# Failures in other apps' code, reported to their owners rather than fixed here
# (this suite fixes centres/ and config/), and one by design. Each entry names the
# only failure codes tolerated for that operation; any other failure of it, or of
# any other operation, fails the test. A tolerated failure is shown as a warning.
KNOWN_FAILURES: dict[tuple[str, str], tuple[set[str], str]] = {
    ("POST /api/v1/cases/", "positive"): (
        {"ST202"},
        "by design: a `centre` code of the right form that names no centre in the "
        "caller's jurisdiction is a field error (400), and the fuzzer cannot know "
        "which codes exist",
    ),
    ("POST /api/v1/visits/", "positive"): (
        {"ST202"},
        "by design: the `veteran` id and the `centre` code must name a veteran and a "
        "centre in the caller's jurisdiction (400 field by field otherwise)",
    ),
    ("POST /api/v1/veterans/", "positive"): (
        {"ST202"},
        "by design: an ID number's check digit and birth date, and a home region that "
        "exists in the caller's jurisdiction, are rules the schema cannot state",
    ),
    ("POST /api/v1/teams/", "positive"): (
        {"ST202"},
        "by design: the `centre` code must name a centre in the caller's jurisdiction "
        "(400 field by field otherwise), as for cases",
    ),
    ("POST /api/v1/teams/{id}/members/", "positive"): (
        {"ST202"},
        "by design: the `veteran` id must name a veteran in the caller's jurisdiction",
    ),
    ("POST /api/v1/service-records/", "positive"): (
        {"ST202"},
        "by design: the `team` and `veteran` ids must name a team and one of its members "
        "in the caller's jurisdiction, and 0 < hours ≤ 24 (400 field by field otherwise)",
    ),
    ("GET /api/v1/stats/cases/", "positive"): (
        {"ST202"},
        "by design: `until` before `since` is refused (400), a rule between two "
        "parameters that the schema cannot state; a code naming no region in the "
        "caller's jurisdiction is 404",
    ),
    ("GET /api/v1/stats/cases/children/", "positive"): (
        {"ST202"},
        "by design: `until` before `since` is refused (400), as for stats/cases",
    ),
    ("GET /api/v1/stats/visits/", "positive"): (
        {"ST202"},
        "by design: `until` before `since` is refused (400), a rule between two "
        "parameters that the schema cannot state; a code naming no region in the "
        "caller's jurisdiction is 404",
    ),
}


def _failure_codes(error: BaseException) -> set[str]:
    if isinstance(error, BaseExceptionGroup):
        return set().union(*(_failure_codes(inner) for inner in error.exceptions))
    return {error.code} if isinstance(error, Failure) else {type(error).__name__}

# Real WSGI requests (not the test client) open and close database connections as
# in production, so the test data must be committed: a transactional test.
pytestmark = pytest.mark.django_db(transaction=True)


def _fuzz(
    operation: schemathesis.APIOperation,
    token: str,
    mode: GenerationMode = GenerationMode.POSITIVE,
) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers={"Authorization": f"Token {token}"})

    run()


def test_every_api_operation_answers_generated_requests_within_its_schema(
    world: None, ministry: User
) -> None:
    token = api_token_create(user=ministry).key
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", application, headers={"Authorization": f"Token {token}"}
    )
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the schema has an invalid operation: {result.err()}"
        operations.append(result.ok())
    labels = {operation.label for operation in operations}
    assert {"GET /api/v1/regions/", "GET /api/v1/regions/{code}/", "GET /api/v1/centres/"} <= labels

    failures: list[str] = []
    for operation in operations:
        # Valid requests must succeed; invalid ones must be refused with a 4xx, never a 5xx.
        for mode in [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]:
            try:
                _fuzz(operation, token, mode)
            # schemathesis' FailureGroup is a BaseExceptionGroup; every failing operation is
            # reported, then the next one runs.
            except (Exception, BaseExceptionGroup) as exc:
                tolerated, owner = KNOWN_FAILURES.get((operation.label, mode.value), (set(), ""))
                if _failure_codes(exc) <= tolerated:
                    warnings.warn(f"known API issue, {owner}: {exc}", stacklevel=1)
                else:
                    failures.append(f"{operation.label} ({mode.value}):\n{exc}")
    assert not failures, "\n\n".join(failures)


def test_the_fuzzing_catches_a_server_error(
    world: None, ministry: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The harness can fail: an operation that answers 500 is caught."""

    def broken(self: CentreViewSet) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(CentreViewSet, "get_queryset", broken)
    token = api_token_create(user=ministry).key
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", application, headers={"Authorization": f"Token {token}"}
    )
    with pytest.raises(FailureGroup) as caught:
        _fuzz(schema["/api/v1/centres/"]["GET"], token)
    assert caught.group_contains(ServerError)


def _tolerated(label: str, error: BaseException) -> bool:
    tolerated, owner = KNOWN_FAILURES.get((label, "positive"), (set(), ""))
    if _failure_codes(error) <= tolerated:
        warnings.warn(f"known API issue, {owner}: {error}", stacklevel=1)
        return True
    return False


def test_the_stateful_phase_follows_the_links_with_real_ids(world: None) -> None:
    """Sequences of calls, each taking its ids from an earlier answer (the schema's links).

    A nationwide staff member opens cases and registers veterans, then mediates,
    escalates, resolves and follows up the case just opened; every answer is checked.
    """
    staff = User.objects.create(username="nation-staff", role=User.Role.STAFF)
    token = api_token_create(user=staff).key
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/", application, headers={"Authorization": f"Token {token}"}
    )
    links = [
        name for item in schema.raw_schema["paths"].values() for operation in item.values()
        if isinstance(operation, dict)
        for answer in operation.get("responses", {}).values() for name in answer.get("links", {})
    ]
    assert "v1_cases_escalate_create" in links

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        calls = 0

        def before_call(self, case: schemathesis.Case) -> None:
            # On the case itself, so that the authentication checks can take it away.
            case.headers["Authorization"] = f"Token {token}"

        def validate_response(self, response: object, case: schemathesis.Case,
                              additional_checks: object = None, **kwargs: object) -> None:
            type(self).calls += 1
            try:
                # Every check but `ignored_auth`: its probes inside the state machine answer
                # 200 without credentials here although the server refuses such requests
                # (401, tests/test_token_auth.py), and the per-operation phase above runs it.
                case.validate_response(
                    response, excluded_checks=[ignored_auth], transport_kwargs=kwargs
                )
            except (Exception, BaseExceptionGroup) as exc:
                if not _tolerated(case.operation.label, exc):
                    raise

    Machine.run(settings=settings(
        max_examples=EXAMPLES_PER_OPERATION, stateful_step_count=6, derandomize=True,
        deadline=None, database=None, suppress_health_check=list(HealthCheck),
        print_blob=False,
    ))
    assert Machine.calls > EXAMPLES_PER_OPERATION


def test_every_date_parameter_out_of_range_is_refused_never_a_server_error(
    world: None, ministry: User
) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=ministry).key}")
    client.raise_request_exception = False
    schema = client.get("/api/schema/", {"format": "json"}).json()
    tried = 0
    for path, item in schema["paths"].items():
        if "{" in path or "get" not in item:
            continue
        parameters = item["get"].get("parameters", [])
        required = {p["name"]: "330681" for p in parameters if p.get("required")}
        for parameter in parameters:
            if parameter["schema"].get("format") != "date":
                continue
            for day in ("9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"):
                response = client.get(path, {**required, parameter["name"]: day})
                assert response.status_code == 400, (path, parameter["name"], day)
                assert parameter["name"] in response.json()
                tried += 1
    assert tried >= 16


def test_every_write_refuses_a_deeply_nested_body_never_a_server_error(
    world: None, alice: User
) -> None:
    client = APIClient()
    client.force_authenticate(alice)
    client.raise_request_exception = False
    schema = client.get("/api/schema/", {"format": "json"}).json()
    body = "[" * 100_000 + "]" * 100_000  # 200 KB
    tried = 0
    for path, item in schema["paths"].items():
        if "post" not in item:
            continue
        url = path.replace("{id}", "1").replace("{code}", "330681")
        response = client.generic("POST", url, body, "application/json")
        assert response.status_code in (400, 404), (path, response.status_code)
        assert response["Content-Type"] == "application/json"
        tried += 1
    assert tried >= 10
