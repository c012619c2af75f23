from __future__ import annotations

from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from centres.models import User
from dashboards import rollups
from tests.conftest import api_as
from tests.dashboards.scenario import Scenario

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def queries(client: Client, url: str, **params: str) -> int:
    from django.core.cache import cache

    cache.clear()  # measure the computation, not the cache
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/330681/", "/dashboard/330681107/"])
def test_a_dashboard_runs_a_fixed_number_of_queries_whatever_the_data(
    url: str, ministry: User
) -> None:
    client = logged_in(ministry)
    scenario = Scenario(11)
    scenario.visits(3)
    scenario.cases(2)
    rollups.rollups_refresh()
    small = queries(client, url)
    scenario.visits(40)
    scenario.cases(15)
    scenario.moves(20)
    rollups.rollups_refresh()
    assert queries(client, url) == small


def test_the_statistics_api_runs_a_fixed_number_of_queries(ministry: User) -> None:
    client = api_as(ministry)
    scenario = Scenario(12)
    scenario.cases(2)
    rollups.rollups_refresh()
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/stats/cases/", {"region": "330000"})
    scenario.cases(20)
    scenario.moves(20)
    rollups.rollups_refresh()
    with CaptureQueriesContext(connection) as large:
        client.get("/api/v1/stats/cases/", {"region": "330000"})
    assert len(small.captured_queries) == len(large.captured_queries)


def test_the_statistics_api_answers_from_the_cache_until_the_rollups_change(
    ministry: User,
) -> None:
    client = api_as(ministry)
    scenario = Scenario(15)
    scenario.cases(4)
    rollups.rollups_refresh()

    def stats() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            body = client.get("/api/v1/stats/cases/", {"region": "330000"}).json()
        return body["total"], len(ctx.captured_queries)

    total, first = stats()
    again, cached = stats()
    assert again == total
    # Not read again: the rollups' version, and the counters with the overdue cases
    # before today (one statement).
    assert cached == first - 2
    scenario.cases(3)
    rollups.rollups_refresh()
    assert stats() == (total + 3, first)


def test_the_statistics_api_answers_the_fixed_shape(county_staff: User) -> None:
    scenario = Scenario(13)
    scenario.cases(6)
    rollups.rollups_refresh()
    body = api_as(county_staff).get("/api/v1/stats/cases/", {"region": "330681"}).json()
    assert set(body) == {
        "region", "total", "open", "resolved", "closed", "resolved_locally",
        "local_resolution_rate", "escalated", "overdue", "by_resolved_level",
    }
    assert body["region"] == "330681000000"
    assert body["total"] == body["open"] + body["resolved"] + body["closed"]
    assert set(body["by_resolved_level"]) == {"village", "township", "county", "city", "province"}


def test_the_statistics_api_answers_csv_for_spreadsheets(county_staff: User) -> None:
    Scenario(14).cases(3)
    rollups.rollups_refresh()
    response = api_as(county_staff).get("/api/v1/stats/cases/?region=330681&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    header, values = response.content.decode("utf-8-sig").splitlines()
    assert header.startswith('"region","total","open"')
    assert '"by_resolved_level.village"' in header
    assert values.startswith('"330681000000",')


def test_a_refused_csv_request_answers_its_message_in_json(county_staff: User) -> None:
    client = api_as(county_staff)
    outside = client.get("/api/v1/stats/cases/?region=430181&format=csv")
    assert outside.status_code == 404
    assert outside["Content-Type"] == "application/json"
    bad = client.get("/api/v1/stats/visits/?region=43&format=csv")
    assert bad.status_code == 400
    assert "region" in bad.json()


def test_visit_statistics_answer_by_channel_and_purpose(county_staff: User) -> None:
    Scenario(15).visits(8)
    rollups.rollups_refresh()
    body = api_as(county_staff).get("/api/v1/stats/visits/", {"region": "330681"}).json()
    assert body["total"] == sum(body["by_channel"].values()) == sum(body["by_purpose"].values())


def test_statistics_need_a_region_and_refuse_one_outside(charlie: User) -> None:
    client = api_as(charlie)
    assert client.get("/api/v1/stats/cases/").status_code == 400
    assert "region" in client.get("/api/v1/stats/cases/").json()
    assert client.get("/api/v1/stats/cases/", {"region": "330681"}).status_code == 404
    assert client.get("/api/v1/stats/cases/", {"region": "4301"}).status_code == 400


def test_the_nation_statistics_are_for_nationwide_users_only(
    ministry: User, city_official: User
) -> None:
    from cases.models import Case

    scenario = Scenario(13)
    scenario.cases(6)
    rollups.rollups_refresh()
    for code in ("000000000000", "000000"):
        body = api_as(ministry).get("/api/v1/stats/cases/", {"region": code}).json()
        assert body["region"] == "000000000000"
        assert body["total"] == Case.objects.count() == 6
        assert api_as(city_official).get(
            "/api/v1/stats/cases/", {"region": code}
        ).status_code == 404
    assert api_as(ministry).get("/api/v1/stats/cases/", {"region": "000001"}).status_code == 400


def test_a_county_official_cannot_open_another_countys_dashboard(world: None) -> None:
    from tests.factories.cases import staff_at

    liuyang_official = staff_at("430181", "ly_official", role=User.Role.OFFICIAL)
    client = logged_in(liuyang_official)
    assert client.get("/dashboard/430181101/").status_code == 200
    assert client.get("/dashboard/330681/").status_code == 404
    assert client.get("/dashboard/330681/export.xlsx").status_code == 404


def test_the_export_holds_the_same_figures_as_the_page(ministry: User) -> None:
    scenario = Scenario(16)
    scenario.visits(20)
    scenario.cases(8)
    scenario.moves(15)
    rollups.rollups_refresh()
    client = logged_in(ministry)
    page = client.get("/dashboard/330681/")
    lines = [[name, line.code, *values] for line, name, values in page.context["lines"]]
    book = load_workbook(BytesIO(client.get("/dashboard/330681/export.xlsx").content))
    sheet = book.active
    assert "诸暨市" in sheet["A1"].value and "台账" in sheet["A1"].value
    exported = [list(row) for row in sheet.iter_rows(min_row=7, values_only=True)]
    assert exported == lines
    assert [row[0] for row in exported[-2:]] == ["本级", "合计"]


def test_the_dashboard_shows_new_figures_after_a_refresh(ministry: User) -> None:
    client = logged_in(ministry)
    scenario = Scenario(17)
    scenario.visits(2)
    rollups.rollups_refresh()
    before = client.get("/dashboard/330000/").context["board"].total.sums["visits"]
    scenario.visits(5)
    # Cached until the rollups change...
    assert client.get("/dashboard/330000/").context["board"].total.sums["visits"] == before
    rollups.rollups_refresh()
    after = client.get("/dashboard/330000/").context["board"].total.sums["visits"]
    assert after > before


def test_the_nation_dashboard_ranks_the_provinces(ministry: User) -> None:
    Scenario(18).visits(10)
    rollups.rollups_refresh()
    page = logged_in(ministry).get("/dashboard/", {"sort": "visits"})
    names = [name for line, name, _values in page.context["lines"] if line.kind == "child"]
    assert names[:2] == ["浙江省", "湖南省"] or names[:2] == ["湖南省", "浙江省"]
    body = page.content.decode()
    assert "<svg" in body and "工作看板" in body


def test_a_reversed_date_range_is_refused_with_a_message(ministry: User) -> None:
    body = logged_in(ministry).get(
        "/dashboard/", {"since": "2026-05-01", "until": "2026-01-01"}
    ).content.decode()
    assert "开始日期晚于结束日期" in body


def test_a_period_before_2000_is_refused_with_a_message(ministry: User) -> None:
    """The trend draws every month of the period: a period of centuries would be thousands
    of empty months."""
    page = logged_in(ministry).get("/dashboard/", {"since": "1900-01-01", "until": "9999-12-31"})
    body = page.content.decode()
    assert "开始日期不能早于2000年" in body
    assert page.context["board"].months[0].month.year == timezone.localdate().year  # the default


def test_the_trend_shows_every_month_of_the_period(ministry: User) -> None:
    Scenario(19).visits(5)
    rollups.rollups_refresh()
    page = logged_in(ministry).get("/dashboard/", {"since": "2026-01-15", "until": "2026-11-28"})
    months = page.context["board"].months
    assert [m.month.month for m in months] == list(range(1, 12))
    assert sum(m.visits for m in months) == page.context["board"].total.sums["visits"]


def test_the_dashboard_shows_the_demonstration_target_of_its_area(ministry: User) -> None:
    from django.core.management import call_command

    from tests.factories.demonstration import county_with_townships, designate

    # 诸暨市 (model 2021 in the world) has 1 county + 2 township centres: 2 of 3 meets.
    designate("330681", 2021)
    designate("330681107", 2022)
    eligible = county_with_townships("330682", 4)  # a second model county, 0 of 5: short
    assert len(eligible) == 5
    call_command("recompute_targets", "--year", "2026")
    page = logged_in(ministry).get("/dashboard/330000/", {"until": "2026-11-28"})
    target = page.context["board"].target
    assert (target.model_regions, target.meeting) == (2, 1)
    assert (target.demonstration, target.total) == (2, 8)
    body = page.content.decode()
    assert "1 / 2" in body
    assert "本区域有1个全国双拥模范城（县）示范型占比未达到60%目标" in body


def test_without_a_beat_reads_refresh_the_rollups_first(ministry: User, settings: object) -> None:
    settings.ROLLUPS_REFRESH_ON_READ = True  # type: ignore[attr-defined]
    client = logged_in(ministry)
    assert client.get("/dashboard/").context["board"].total.sums["visits"] == 0
    Scenario(20).visits(3)
    assert client.get("/dashboard/").context["board"].total.sums["visits"] == 3
