"""API tokens: the key → user look-up is cached, and forgotten when it stops being true."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from centres.models import User
from centres.services import api_token_create
from config.auth import _token_cache_key

pytestmark = pytest.mark.django_db


def client_for(token: Token) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")


def token_queries(client: APIClient, path: str = "/api/v1/visits/") -> tuple[int, int]:
    """(status, queries that read the token table) of one GET."""
    with CaptureQueriesContext(connection) as queries:
        status = client.get(path).status_code
    return status, sum('"authtoken_token"' in q["sql"] for q in queries.captured_queries)


def test_a_cached_token_saves_the_look_up_query(token_cache: None, alice: User) -> None:
    client = client_for(api_token_create(user=alice))
    assert token_queries(client) == (200, 1)
    assert token_queries(client) == (200, 0)


def test_without_caching_every_request_reads_the_token(settings: Any, alice: User) -> None:
    settings.API_TOKEN_CACHE_SECONDS = 0
    client = client_for(api_token_create(user=alice))
    assert token_queries(client) == (200, 1)
    assert token_queries(client) == (200, 1)


def test_the_cache_holds_no_password_hash_and_no_readable_key(
    token_cache: None, alice: User
) -> None:
    token = api_token_create(user=alice)
    client_for(token).get("/api/v1/visits/")
    cached = cache.get(_token_cache_key(token.key))
    assert cached.user.pk == alice.pk and "password" not in cached.user.__dict__
    assert token.key not in _token_cache_key(token.key)


def test_a_deleted_token_is_refused_at_once(token_cache: None, alice: User) -> None:
    token = api_token_create(user=alice)
    client = client_for(token)
    assert client.get("/api/v1/visits/").status_code == 200
    api_token_create(user=alice)  # a new token: the previous one is deleted
    assert client.get("/api/v1/visits/").status_code == 401


def test_a_deactivated_user_is_refused_at_once(token_cache: None, alice: User) -> None:
    client = client_for(api_token_create(user=alice))
    assert client.get("/api/v1/visits/").status_code == 200
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert client.get("/api/v1/visits/").status_code == 401


def test_a_new_role_or_jurisdiction_applies_at_once(
    token_cache: None, alice: User, bob: User, charlie: User
) -> None:
    """Alice becomes an official and may no longer write; Charlie moves to Alice's
    township and sees its visits; Bob's cached token is not disturbed."""
    alice_client, bob_client = client_for(api_token_create(user=alice)), client_for(
        api_token_create(user=bob))
    charlie_client = client_for(api_token_create(user=charlie))
    body = {"veteran": 1, "centre": "330681107", "channel": "phone", "purpose": "policy"}
    for c in (alice_client, bob_client):
        c.get("/api/v1/visits/")
    assert charlie_client.get("/api/v1/regions/330681107/").status_code == 404
    alice.role = User.Role.OFFICIAL
    alice.save()
    assert alice_client.post("/api/v1/visits/", body, format="json").status_code == 403
    charlie.region = bob.region
    charlie.save()
    assert charlie_client.get("/api/v1/regions/330681107/").status_code == 200
    assert token_queries(bob_client) == (200, 0)


def test_an_unknown_token_is_refused(token_cache: None, alice: User) -> None:
    assert APIClient(HTTP_AUTHORIZATION="Token " + "0" * 40).get(
        "/api/v1/visits/").status_code == 401
