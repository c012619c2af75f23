from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from centres.models import Centre, Level, Region, jurisdiction_q
from centres.services import RegionRow, regions_upsert
from tests.conftest import _user
from tests.factories.centres import region, regions_make

pytestmark = pytest.mark.django_db


def test_a_municipal_district_hangs_directly_under_its_province() -> None:
    regions_make(("110000", "北京市"), ("110101", "东城区"))
    assert region("110101").parent_id == "110000000000"


def test_a_county_level_city_under_the_province_hangs_under_the_province() -> None:
    regions_make(("420000", "湖北省"), ("429004", "仙桃市"))
    assert region("429004").parent_id == "420000000000"


def test_a_township_directly_under_dongguan_hangs_under_dongguan() -> None:
    regions_make(("440000", "广东省"), ("441900", "东莞市"), ("441900101", "石龙镇"))
    assert region("441900101").parent_id == "441900000000"
    assert region("441900").parent_id == "440000000000"


def test_a_city_imported_after_its_counties_becomes_their_parent() -> None:
    regions_make(("330000", "浙江省"), ("330681", "诸暨市"), ("330681107", "枫桥镇"))
    assert region("330681").parent_id == "330000000000"
    regions_upsert(rows=[RegionRow(code="330600000000", name="绍兴市")])
    assert region("330681").parent_id == "330600000000"
    assert region("330681107").parent_id == "330681000000"


def test_a_province_has_no_parent(world: None) -> None:
    assert region("330000").parent_id is None


@pytest.mark.parametrize("code", ["330000", "330600", "330681", "330681107", "330681107201"])
def test_a_subtree_is_one_query_at_any_depth(world: None, code: str) -> None:
    with CaptureQueriesContext(connection) as ctx:
        subtree = Region.objects.within(code.ljust(12, "0"))
        codes_in_subtree = list(subtree.values_list("code", flat=True))
    assert len(ctx.captured_queries) == 1
    assert all(c.startswith(region(code).prefix) for c in codes_in_subtree)
    assert code.ljust(12, "0") in codes_in_subtree


def test_the_county_subtree_holds_exactly_its_townships_and_villages(world: None) -> None:
    got = set(Region.objects.within("330681000000").values_list("code", flat=True))
    assert got == {
        "330681000000", "330681107000", "330681107201", "330681107202",
        "330681108000", "330681108201",
    }
    assert Centre.objects.within("330681000000").count() == 6


def test_the_subtree_query_uses_an_index(world: None) -> None:
    sql, params = Region.objects.within("330681000000").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("SET enable_seqscan = on")
            assert "Index" in plan, plan
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            assert "USING" in plan and "INDEX" in plan, plan


def test_centre_counts_are_cached_until_the_centres_change(
    world: None, django_assert_num_queries: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The nation's counts read every centre once; then the cache answers, until an import,
    a new region or an edit in the admin replaces them."""
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from centres.selectors import centre_counts_by_level, region_children_with_counts

    def villages() -> int:
        return dict(centre_counts_by_level(region=None))[str(Level.VILLAGE.label)]

    before = villages()
    provinces = {row.region.code: row for row in region_children_with_counts(region=None)}
    with django_assert_num_queries(0):
        assert villages() == before
        region_children_with_counts(region=None)

    with django_capture_on_commit_callbacks(execute=True):
        regions_make(("330681107299", "新村"))  # through the import services
    assert villages() == before + 1
    zhejiang = {row.region.code: row for row in region_children_with_counts(region=None)}
    assert zhejiang["330000000000"].centres_by_level["village"] == (
        provinces["330000000000"].centres_by_level["village"] + 1
    )

    admin = site._registry[Centre]
    request = RequestFactory().post("/admin/")
    with django_capture_on_commit_callbacks(execute=True):
        admin.delete_model(request, Centre.objects.get(region_id="330681107299"))
    assert villages() == before


def test_may_see_answers_as_the_scoping_query_does(
    alice: Any, charlie: Any, county_staff: Any, city_official: Any, ministry: Any
) -> None:
    """The check in Python agrees with `jurisdiction_q` for every person and region."""
    retired = _user("retired", "330681107")
    retired.is_active = False
    people = [alice, charlie, county_staff, city_official, ministry, retired]
    codes = list(Region.objects.values_list("code", flat=True))
    with CaptureQueriesContext(connection) as python:
        answers = {(i, code): p.may_see(code)
                   for i, p in enumerate(people) for code in codes}
    assert len(python) == 0
    for i, person in enumerate(people):
        visible = set(Region.objects.filter(jurisdiction_q(person, "code"))
                      .values_list("code", flat=True))
        assert {code for code in codes if answers[i, code]} == visible, person
        acts = {code for code in codes if person.may_act_at(code)}
        assert acts == (visible if person.is_staff_member else set()), person
