"""Statistics answers carry an ETag from the rollups' version; a repeat gets 304."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from centres.models import User
from centres.services import api_token_create
from dashboards import rollups
from tests.dashboards.scenario import Scenario

pytestmark = pytest.mark.django_db
URL = "/api/v1/stats/cases/?region=330600"


def token_client(user: User) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user).key}")


def test_a_repeated_statistics_request_answers_304_without_reading_the_rollups(
    ministry: User,
) -> None:
    Scenario(21).cases(5)
    rollups.rollups_refresh()
    client = token_client(ministry)
    first = client.get(URL)
    assert first.status_code == 200
    etag = first["ETag"]
    assert "Authorization" in first["Vary"] and first["Cache-Control"] == "no-cache"
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    touched = [q["sql"] for q in ctx.captured_queries if "dashboards_" in q["sql"]]
    assert touched == []


def test_the_etag_changes_with_the_rollups_and_is_worth_nothing_to_another_caller(
    ministry: User, city_official: User
) -> None:
    scenario = Scenario(22)
    scenario.cases(3)
    rollups.rollups_refresh()
    client = token_client(ministry)
    etag = client.get(URL)["ETag"]
    other = token_client(city_official).get(URL, HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200 and other["ETag"] != etag
    assert client.get(URL + "&format=csv", HTTP_IF_NONE_MATCH=etag).status_code == 200
    scenario.cases(2)
    rollups.rollups_refresh()
    moved = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert moved.status_code == 200 and moved["ETag"] != etag


def test_no_etag_where_reads_refresh_the_rollups_first(ministry: User, settings: object) -> None:
    settings.ROLLUPS_REFRESH_ON_READ = True  # type: ignore[attr-defined]
    answer = token_client(ministry).get(URL)
    assert answer.status_code == 200 and "ETag" not in answer


def test_an_error_answer_carries_no_etag(ministry: User) -> None:
    answer = token_client(ministry).get("/api/v1/stats/cases/")
    assert answer.status_code == 400 and "ETag" not in answer
