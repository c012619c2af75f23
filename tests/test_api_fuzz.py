"""schemathesis against /api/schema/ (issue 8, point 2).

Every operation in the schema when the suite runs (so the ones other apps add
later too) gets a bounded number of generated requests, authenticated as a
nationwide official with a token, through the real WSGI application, both
valid requests (which must succeed) and invalid ones. No answer may be a server
error, and every answer must conform to the schema.

The operations are driven with Hypothesis inside one test rather than through
schemathesis' pytest plugin, whose lazy loader relies on pytest internals that
pytest 9 removed; each failing operation is reported with its example.
"""

from __future__ import annotations

import warnings

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.core.failures import Failure, FailureGroup, ServerError
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import negative_data_rejection

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
    ("GET /api/v1/stats/cases/", "positive"): (
        {"ST202"},
        "by design: `until` before `since` is refused (400), a rule between two "
        "parameters that the schema cannot state; a code naming no region in the "
        "caller's jurisdiction is 404",
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
        case.call_and_validate(
            headers={"Authorization": f"Token {token}"},
            # Invalid input must never cause a 5xx or an undocumented answer, but DRF and
            # django-filter deliberately ignore some of it (an empty filter, a bad page
            # size falls back to the default), so "was it refused" is not required.
            excluded_checks=[negative_data_rejection] if mode == GenerationMode.NEGATIVE else [],
        )

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
