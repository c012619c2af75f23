"""API abuse limits (issue 15, finding 10): throttling per token and per address with
429 + Retry-After, and the schema and its docs for signed-in users and token holders."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from centres.models import User
from centres.services import api_token_create
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


def token_client(user: User, address: str = "10.1.1.1") -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user).key}",
                     REMOTE_ADDR=address)


def test_a_token_past_its_rate_gets_429_with_retry_after(
    alice: User, bob: User, settings: Any
) -> None:
    settings.API_THROTTLE_RATES = {"token": "3/min", "address": "1000/min"}
    client = token_client(alice)
    assert [client.get("/api/v1/regions/").status_code for _ in range(4)] == [200] * 3 + [429]
    refused = client.get("/api/v1/regions/")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
    # Another token from the same address has its own count.
    assert token_client(bob).get("/api/v1/regions/").status_code == 200


def test_an_address_past_its_rate_gets_429_whatever_the_token(
    alice: User, bob: User, settings: Any
) -> None:
    settings.API_THROTTLE_RATES = {"token": "1000/min", "address": "4/min"}
    first, second = token_client(alice, "10.2.2.2"), token_client(bob, "10.2.2.2")
    answers = [c.get("/api/v1/regions/").status_code for c in (first, second) * 2]
    assert answers == [200] * 4
    assert second.get("/api/v1/regions/").status_code == 429
    assert token_client(alice, "10.3.3.3").get("/api/v1/regions/").status_code == 200


def test_signed_in_browsers_are_not_throttled_by_their_shared_address(
    alice: User, settings: Any
) -> None:
    settings.API_THROTTLE_RATES = {"token": "2/min", "address": "2/min"}
    browser = api_as(alice)  # a session, as the portal's pages use the API
    assert {browser.get("/api/v1/regions/").status_code for _ in range(5)} == {200}


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_the_schema_and_docs_require_a_login_or_a_token(
    path: str, alice: User
) -> None:
    assert APIClient().get(path).status_code == 401
    assert api_as(alice).get(path).status_code == 200
    assert token_client(alice).get(path).status_code == 200
