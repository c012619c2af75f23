"""National lists without a full COUNT, and name search served by indexes."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from centres.models import User
from config.pagination import planner_estimate
from tests.conftest import api_as
from tests.factories.veterans import veteran_make
from veterans.models import Veteran
from veterans.selectors import veteran_search_q

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="planner estimates and index plans are PostgreSQL's; CI runs it"),
]
NAMES = ["王建国", "王秀英", "李国强", "张伟", "欧阳明", "陈王林"]


@pytest.fixture
def veterans(world: None) -> list[Veteran]:
    return [veteran_make(name=name, born=datetime.date(1960 + i, 1, 2))
            for i, name in enumerate(NAMES)]


def test_a_list_the_planner_expects_to_be_large_reports_an_estimate_without_counting(
    veterans: list[Veteran], ministry: User, settings: object
) -> None:
    settings.EXACT_COUNT_BELOW = 1  # type: ignore[attr-defined]
    with CaptureQueriesContext(connection) as ctx:
        page = api_as(ministry).get("/api/v1/veterans/").json()
    assert page["count_estimated"] is True and page["count"] >= 1
    assert len(page["results"]) == len(NAMES)
    assert not [q for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]


def test_a_small_list_is_counted_exactly(veterans: list[Veteran], ministry: User) -> None:
    page = api_as(ministry).get("/api/v1/veterans/").json()
    assert page["count_estimated"] is False and page["count"] == len(NAMES)


@pytest.mark.parametrize(("query", "found"), [
    ("王", {"王建国", "王秀英"}),  # one character: the start of the name
    ("王建", {"王建国"}),
    ("建国", set()),  # two characters match the start only
    ("王建国", {"王建国"}),  # three and more: anywhere in the name
    ("阳明", set()),
    ("欧阳明", {"欧阳明"}),
    ("国强", set()),
])
def test_name_search_matches_the_start_below_three_characters(
    veterans: list[Veteran], query: str, found: set[str]
) -> None:
    assert set(Veteran.objects.filter(veteran_search_q(query)).values_list("name", flat=True)) \
        == found


def plan(query: str) -> str:
    """The plan of a nationwide name search with sequential scans priced out, as at scale."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return Veteran.objects.filter(veteran_search_q(query)).explain()


def test_a_one_character_name_search_uses_the_prefix_index(veterans: list[Veteran]) -> None:
    explained = plan("王")
    assert "veteran_name_prefix" in explained and "Seq Scan" not in explained, explained


def test_a_longer_name_search_uses_the_trigram_index(veterans: list[Veteran]) -> None:
    explained = plan("王建国")
    assert "veteran_name_trgm" in explained and "Seq Scan" not in explained, explained


def test_a_filter_no_row_can_match_is_estimated_as_nothing(veterans: list[Veteran]) -> None:
    """Django plans nothing for a filter that cannot match (an empty `IN`, an integer out
    of range): the estimate is 0, so the page counts exactly instead of failing."""
    assert planner_estimate(Veteran.objects.filter(pk__in=[])) == 0
    assert (planner_estimate(Veteran.objects.all()) or 0) >= 1
