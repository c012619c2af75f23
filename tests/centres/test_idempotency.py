"""The one idempotent-create rule (centres.idempotency), through both of its users:
visits and cases. The same key with the same body replays, with another body 422,
and a first record the caller can no longer see is not found (404), never shown."""

from __future__ import annotations

from typing import Any

import pytest

from cases.models import Case
from centres.idempotency import request_digest
from centres.models import User
from tests.conftest import api_as
from tests.factories.cases import veteran_make
from tests.factories.centres import region
from veterans.models import Visit

pytestmark = pytest.mark.django_db

VISIT = {"centre": "330681107", "channel": "phone", "purpose": "employment", "summary": "求职"}
CASE = {"centre": "330681107", "category": "other", "summary": "重复提交"}


def post(user: User, path: str, body: dict[str, Any], key: str) -> Any:
    return api_as(user).post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.fixture
def visit_body(world: None) -> dict[str, Any]:
    return {**VISIT, "veteran": veteran_make("330681107201").pk}


def test_the_digest_ignores_key_order_and_spacing_but_not_values() -> None:
    assert request_digest({"a": 1, "b": [1, 2]}) == request_digest({"b": [1, 2], "a": 1})
    assert request_digest({"a": 1}) != request_digest({"a": 2})


def test_a_visit_key_sent_again_with_another_body_answers_422_and_logs_nothing(
    alice: User, visit_body: dict[str, Any]
) -> None:
    assert post(alice, "/api/v1/visits/", visit_body, "k").status_code == 201
    other = post(alice, "/api/v1/visits/", {**visit_body, "summary": "另一件事"}, "k")
    assert other.status_code == 422
    assert Visit.objects.count() == 1
    # The body as first sent, in another key order, is the same request.
    same = post(alice, "/api/v1/visits/", dict(reversed(list(visit_body.items()))), "k")
    assert same.status_code == 200


def test_a_case_key_sent_again_with_another_body_answers_422_and_opens_nothing(
    alice: User,
) -> None:
    assert post(alice, "/api/v1/cases/", CASE, "k").status_code == 201
    assert post(alice, "/api/v1/cases/", {**CASE, "category": "medical"}, "k").status_code == 422
    assert Case.objects.count() == 1


def test_a_key_whose_visit_left_the_callers_sight_is_not_found_and_logs_nothing(
    alice: User, visit_body: dict[str, Any]
) -> None:
    first = post(alice, "/api/v1/visits/", visit_body, "moved")
    assert first.status_code == 201
    User.objects.filter(pk=alice.pk).update(region=region("330681108"))  # moved to 店口镇
    alice.refresh_from_db()
    again = post(alice, "/api/v1/visits/", visit_body, "moved")
    assert again.status_code == 404
    assert "求职" not in again.content.decode()
    assert Visit.objects.count() == 1


def test_a_key_whose_case_left_the_callers_sight_is_not_found_and_opens_nothing(
    alice: User, bob: User
) -> None:
    first = post(alice, "/api/v1/cases/", CASE, "gone")
    assert first.status_code == 201
    User.objects.filter(pk=alice.pk).update(region=region("330681108"))
    alice.refresh_from_db()
    again = post(alice, "/api/v1/cases/", CASE, "gone")
    assert again.status_code == 404 and first.json()["number"] not in again.content.decode()
    assert Case.objects.count() == 1
    # Bob, who still sees the case, has his own keys: the same one opens his own case.
    assert post(bob, "/api/v1/cases/", CASE, "gone").status_code == 201
