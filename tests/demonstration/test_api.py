"""GET /api/v1/stats/targets/ (docs/design.md §4, fixed), designations and assessments."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from centres.models import User
from demonstration.models import Assessment, TargetSnapshot
from demonstration.services import this_year
from tests.conftest import api_as
from tests.factories.centres import centre
from tests.factories.demonstration import assessment_at, county_with_townships, designate

pytestmark = pytest.mark.django_db
URL = "/api/v1/stats/targets/"


@pytest.fixture
def zhuji_and_liuyang(world: None) -> None:
    """诸暨市 (model 2021): the county, 枫桥镇, 店口镇 and 2 more townships; 浏阳市 (2025)."""
    county_with_townships("330681", 2)  # adds 330681101, 330681102
    designate("330681107", 2021)
    designate("330681108", 2022)
    designate("330681101", 2023)
    county_with_townships("430181", 1, model_year=2025)  # 浏阳市 and 淮川街道: 2 eligible


def test_the_answer_has_exactly_the_fixed_fields(ministry: User, zhuji_and_liuyang: None) -> None:
    answer = api_as(ministry).get(URL, {"year": 2026}).json()
    assert answer == [
        {"region": "330681000000", "name": "县330681", "level": "county", "model_year": 2021,
         "total": 5, "demonstration": 3, "ratio": 0.6, "meets_target": True, "shortfall": 0},
        {"region": "430181000000", "name": "县430181", "level": "county", "model_year": 2025,
         "total": 2, "demonstration": 0, "ratio": 0.0, "meets_target": False, "shortfall": 2},
    ]


def test_the_year_defaults_to_this_year_and_a_region_before_its_model_year_is_absent(
    ministry: User, zhuji_and_liuyang: None
) -> None:
    assert len(api_as(ministry).get(URL).json()) == (2 if this_year() >= 2025 else 1)
    assert [r["region"] for r in api_as(ministry).get(URL, {"year": 2024}).json()] == [
        "330681000000"
    ]


def test_the_caller_sees_only_model_regions_in_their_jurisdiction(
    charlie: User, county_staff: User, alice: User, zhuji_and_liuyang: None
) -> None:
    assert [r["region"] for r in api_as(charlie).get(URL, {"year": 2026}).json()] == [
        "430181000000"
    ]
    assert [r["region"] for r in api_as(county_staff).get(URL, {"year": 2026}).json()] == [
        "330681000000"
    ]
    assert api_as(alice).get(URL, {"year": 2026}).json() == []


def test_the_region_parameter_narrows_to_a_subtree_and_outsiders_get_404(
    ministry: User, charlie: User, zhuji_and_liuyang: None
) -> None:
    answer = api_as(ministry).get(URL, {"year": "2026", "region": "430000"}).json()
    assert [r["region"] for r in answer] == ["430181000000"]
    assert api_as(ministry).get(URL, {"year": "2026", "region": "330681107"}).json() == []
    assert api_as(charlie).get(URL, {"region": "330681"}).status_code == 404


def test_bad_parameters_answer_400_field_by_field(ministry: User, world: None) -> None:
    response = api_as(ministry).get(URL, {"year": "twenty", "region": "12"})
    assert response.status_code == 400
    assert set(response.json()) == {"year", "region"}


def test_anonymous_callers_are_refused(api_client: Any, world: None) -> None:
    assert api_client.get(URL).status_code == 401


def test_the_answer_comes_from_the_latest_snapshot_of_the_year(
    ministry: User, zhuji_and_liuyang: None, time_machine: Any
) -> None:
    time_machine.move_to("2026-06-01 10:00+08:00")
    call_command("recompute_targets", "--year", "2026")
    designate("330681102", 2026)  # not yet in the snapshot
    answer = api_as(ministry).get(URL, {"year": 2026}).json()
    assert answer[0]["demonstration"] == 3
    # A snapshot of an earlier day is not what is served.
    TargetSnapshot.objects.filter(region_id="330681000000").update(date="2026-05-01")
    call_command("recompute_targets", "--year", "2026")
    assert api_as(ministry).get(URL, {"year": 2026}).json()[0]["demonstration"] == 4


def test_a_year_with_snapshots_is_read_in_one_query_even_where_none_is_in_scope(
    ministry: User, zhuji_and_liuyang: None, time_machine: Any
) -> None:
    """The latest snapshot's rows in one query; a year that has snapshots, none of them in
    the caller's area, answers nothing rather than computing the target on the fly."""
    from demonstration.selectors import target_rows

    time_machine.move_to("2026-06-01 10:00+08:00")
    call_command("recompute_targets", "--year", "2026")
    with CaptureQueriesContext(connection) as queries:
        rows = target_rows(user=ministry, year=2026)
    assert len(queries) == 1 and {r.region.code for r in rows} == {
        "330681000000", "430181000000"}
    with CaptureQueriesContext(connection) as queries:
        assert target_rows(user=ministry, year=2026, region_code="110000") == []
    assert len(queries) == 2  # the rows, then whether the year has any


@pytest.mark.parametrize("snapshot", [False, True])
def test_the_number_of_queries_does_not_grow_with_the_regions(
    ministry: User, snapshot: bool
) -> None:
    counts = []
    for n, start in [(2, 0), (20, 2)]:
        for i in range(start, n):
            county_with_townships(f"33{10 + i // 50:02d}{1 + i % 50:02d}", 1, villages_each=0)
        if snapshot:
            call_command("recompute_targets", "--year", "2026")
        client = api_as(ministry)
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get(URL, {"year": 2026}).json()) == n + 1  # and 诸暨市
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_designations_are_listed_within_the_jurisdiction(
    charlie: User, city_official: User, zhuji_and_liuyang: None
) -> None:
    mine = api_as(city_official).get("/api/v1/designations/").json()
    assert mine["count"] == 3
    assert {row["region"] for row in mine["results"]} == {
        "330681107000", "330681108000", "330681101000"
    }
    assert api_as(charlie).get("/api/v1/designations/").json()["count"] == 0
    in_2022 = api_as(city_official).get("/api/v1/designations/", {"in_force": 2022}).json()
    assert in_2022["count"] == 2
    other = mine["results"][0]["id"]
    assert api_as(charlie).get(f"/api/v1/designations/{other}/").status_code == 404


def test_assessments_are_listed_within_the_jurisdiction(
    alice: User, charlie: User, county_staff: User
) -> None:
    assessment_at(Assessment.Status.SUBMITTED, centre=centre("330681107"), owner=alice)
    answer = api_as(county_staff).get("/api/v1/assessments/", {"status": "submitted"}).json()
    assert answer["count"] == 1
    assert answer["results"][0]["region"] == "330681107000"
    assert api_as(charlie).get("/api/v1/assessments/").json()["count"] == 0
