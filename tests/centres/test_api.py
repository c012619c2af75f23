import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from centres.models import User
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


def test_a_region_answers_in_the_fixed_shape(alice: User) -> None:
    body = api_as(alice).get("/api/v1/regions/330681107201/").json()
    assert body == {
        "code": "330681107201",
        "name": "枫源村",
        "level": "village",
        "parent": "330681107000",
        "model_year": None,
    }


def test_a_region_can_be_looked_up_by_its_six_digit_code(county_staff: User) -> None:
    body = api_as(county_staff).get("/api/v1/regions/330681/").json()
    assert body["code"] == "330681000000"
    assert body["parent"] == "330600000000"
    assert body["model_year"] == 2021


def test_a_province_has_a_null_parent(ministry: User) -> None:
    assert api_as(ministry).get("/api/v1/regions/330000/").json()["parent"] is None


def test_the_region_list_filters_by_parent_and_level(county_staff: User) -> None:
    client = api_as(county_staff)
    page = client.get("/api/v1/regions/", {"parent": "330681107"}).json()
    assert [r["code"] for r in page["results"]] == ["330681107201", "330681107202"]
    townships = client.get("/api/v1/regions/", {"level": "township"}).json()
    assert {r["code"] for r in townships["results"]} == {"330681107000", "330681108000"}
    found = client.get("/api/v1/regions/", {"search": "陈家"}).json()
    assert [r["code"] for r in found["results"]] == ["330681107202"]


def test_a_bad_parent_code_is_a_400_naming_the_field(county_staff: User) -> None:
    response = api_as(county_staff).get("/api/v1/regions/", {"parent": "12ab"})
    assert response.status_code == 400
    assert "parent" in response.json()


def test_the_region_list_holds_only_the_callers_subtree(alice: User, charlie: User) -> None:
    codes = {r["code"] for r in api_as(alice).get("/api/v1/regions/").json()["results"]}
    assert codes == {"330681107000", "330681107201", "330681107202"}
    outsider = {r["code"] for r in api_as(charlie).get("/api/v1/regions/").json()["results"]}
    assert not outsider & codes


def test_centres_filter_by_region_subtree_and_level(ministry: User) -> None:
    client = api_as(ministry)
    page = client.get("/api/v1/centres/", {"region": "330681", "level": "village"}).json()
    assert page["count"] == 3
    first = page["results"][0]
    assert set(first) >= {"id", "region", "name", "level"}
    assert first["region"] == "330681107201"
    assert first["name"] == "枫源村退役军人服务站"


def test_centres_outside_the_jurisdiction_are_not_listed(charlie: User) -> None:
    page = api_as(charlie).get("/api/v1/centres/", {"region": "330681"}).json()
    assert page["count"] == 0


def test_the_centre_list_runs_a_fixed_number_of_queries(ministry: User) -> None:
    client = api_as(ministry)
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/centres/", {"page_size": 2})
    with CaptureQueriesContext(connection) as large:
        client.get("/api/v1/centres/", {"page_size": 16})
    assert len(small.captured_queries) == len(large.captured_queries)


def test_anonymous_callers_are_told_to_authenticate(world: None) -> None:
    from rest_framework.test import APIClient

    response = APIClient().get("/api/v1/regions/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_the_openapi_schema_and_docs_are_served(alice: User) -> None:
    client = api_as(alice)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/regions/{code}/" in schema.content
    assert client.get("/api/docs/").status_code == 200
