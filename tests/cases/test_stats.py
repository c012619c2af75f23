"""Case statistics (docs/design.md §4) against a hand-counted scenario at several levels.

Cases count where they were RECEIVED, whoever holds them now.

| case | received at | what happened                                   | now                  |
| ---- | ----------- | ----------------------------------------------- | -------------------- |
| A    | 枫源村      | resolved at the village, follow-up satisfied     | closed, village      |
| B    | 枫源村      | escalated to 枫桥镇, resolved there              | resolved, township   |
| C    | 陈家村      | escalated to 枫桥镇, then 诸暨市; resolved, closed | closed, county       |
| D    | 枫桥镇      | received 2026-01-05, never accepted              | open, overdue        |
| E    | 店口村      | escalated to 店口镇, 诸暨市, 绍兴市               | open (held by city)  |
| F    | 诸暨市      | resolved at the county                           | resolved, county     |
| G    | 柯岩村      | resolved at the village, closed                  | closed, village      |
| H    | 淮川村      | nothing yet                                      | open                 |
| I    | 枫源村      | escalated to 枫桥镇, referred down to 陈家村, resolved | resolved, village |
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from cases import services
from cases.models import Case
from cases.selectors import case_stats
from centres.models import User
from dashboards.rollups import rollups_refresh
from tests.conftest import api_as
from tests.factories.cases import case_make, escalate_once, staff_at
from tests.factories.centres import centre

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


def _resolve(case: Case, by: User, *, close: bool) -> Case:
    services.case_mediate(case=case, by=by, note="调解")
    case = services.case_resolve(case=case, by=by, resolution="达成协议")
    if close:
        case = services.case_follow_up(case=case, by=by, satisfied=True, note="满意")
    return case


@pytest.fixture
def scenario(world: None, alice: User, county_staff: User) -> dict[str, Case]:
    fengyuan = staff_at("330681107201")
    chenjia = staff_at("330681107202")
    diankou_village = staff_at("330681108201")
    diankou = staff_at("330681108")
    city = staff_at("330600")
    keyan = staff_at("330603101201")
    huaichuan = staff_at("430181101201")
    with time_machine.travel(NOW, tick=False):
        cases: dict[str, Case] = {}
        cases["A"] = _resolve(case_make(code="330681107201", by=fengyuan), fengyuan, close=True)
        b = escalate_once(case_make(code="330681107201", by=fengyuan), fengyuan)
        cases["B"] = _resolve(b, alice, close=False)
        c = escalate_once(case_make(code="330681107202", by=chenjia), chenjia)
        c = escalate_once(c, alice)
        cases["C"] = _resolve(c, county_staff, close=True)
        cases["D"] = case_make(
            code="330681107", by=alice, accept=False,
            received_at=datetime.datetime(2026, 1, 5, 9, 0, tzinfo=SH),
        )
        e = escalate_once(case_make(code="330681108201", by=diankou_village), diankou_village)
        e = escalate_once(e, diankou)
        cases["E"] = escalate_once(e, county_staff)
        assert cases["E"].region_id == "330600000000"
        assert city.region_id == "330600000000"
        cases["F"] = _resolve(case_make(code="330681", by=county_staff), county_staff,
                              close=False)
        cases["G"] = _resolve(case_make(code="330603101201", by=keyan), keyan, close=True)
        cases["H"] = case_make(code="430181101201", by=huaichuan)
        i = escalate_once(case_make(code="330681107201", by=fengyuan), fengyuan)
        i = services.case_refer_down(case=i, by=alice, to=centre("330681107202"),
                                     instructions="请陈家村就近调解")
        cases["I"] = _resolve(i, chenjia, close=False)
    return cases


def _levels(village: int = 0, township: int = 0, county: int = 0, city: int = 0,
            province: int = 0) -> dict[str, int]:
    return {"village": village, "township": township, "county": county, "city": city,
            "province": province}


EXPECTED: dict[str, dict[str, Any]] = {
    "330681107000": {  # 枫桥镇: A B C D I
        "total": 5, "open": 1, "resolved": 2, "closed": 2, "resolved_locally": 3,
        "local_resolution_rate": 0.75, "escalated": 3, "overdue": 1,
        "by_resolved_level": _levels(village=2, township=1, county=1),
    },
    "330681108000": {  # 店口镇: E, held by the city now
        "total": 1, "open": 1, "resolved": 0, "closed": 0, "resolved_locally": 0,
        "local_resolution_rate": None, "escalated": 1, "overdue": 0,
        "by_resolved_level": _levels(),
    },
    "330681000000": {  # 诸暨市: + E F
        "total": 7, "open": 2, "resolved": 3, "closed": 2, "resolved_locally": 3,
        "local_resolution_rate": 0.6, "escalated": 4, "overdue": 1,
        "by_resolved_level": _levels(village=2, township=1, county=2),
    },
    "330600000000": {  # 绍兴市: + G (E counts under 店口, not where it is held)
        "total": 8, "open": 2, "resolved": 3, "closed": 3, "resolved_locally": 4,
        "local_resolution_rate": 4 / 6, "escalated": 4, "overdue": 1,
        "by_resolved_level": _levels(village=3, township=1, county=2),
    },
    "330000000000": {  # 浙江省: the same eight
        "total": 8, "open": 2, "resolved": 3, "closed": 3, "resolved_locally": 4,
        "local_resolution_rate": 4 / 6, "escalated": 4, "overdue": 1,
        "by_resolved_level": _levels(village=3, township=1, county=2),
    },
}


@pytest.mark.parametrize("code", list(EXPECTED))
def test_statistics_match_the_hand_count(
    scenario: dict[str, Case], ministry: User, code: str
) -> None:
    with time_machine.travel(NOW, tick=False):
        got = case_stats(user=ministry, region=code)
    assert got == {"region": code, **EXPECTED[code]}
    assert got["total"] == got["open"] + got["resolved"] + got["closed"]


def test_the_statistics_are_one_query(scenario: dict[str, Case], ministry: User) -> None:
    region = centre("330681").region
    with CaptureQueriesContext(connection) as ctx:
        case_stats(user=ministry, region=region)
    assert len(ctx.captured_queries) == 1  # the aggregate; visibility is decided by the code


def test_the_dates_bound_the_received_date(scenario: dict[str, Case], ministry: User) -> None:
    with time_machine.travel(NOW, tick=False):
        later = case_stats(user=ministry, region="330681107",
                           since=datetime.date(2026, 2, 1))
        early = case_stats(user=ministry, region="330681107",
                           until=datetime.date(2026, 1, 5))
    assert (later["total"], later["overdue"]) == (4, 0)
    assert (early["total"], early["open"], early["overdue"]) == (1, 1, 1)


def test_the_api_answers_the_fixed_shape(scenario: dict[str, Case], alice: User) -> None:
    with time_machine.travel(NOW, tick=False):
        rollups_refresh()  # the API reads the rollups, which Celery refreshes each minute
        response = api_as(alice).get("/api/v1/stats/cases/", {"region": "330681107"})
    assert response.status_code == 200
    assert response.json() == {"region": "330681107000", **EXPECTED["330681107000"]}


def test_the_api_refuses_a_region_outside_with_404(
    scenario: dict[str, Case], alice: User, charlie: User
) -> None:
    assert api_as(alice).get("/api/v1/stats/cases/", {"region": "330681"}).status_code == 404
    assert api_as(charlie).get("/api/v1/stats/cases/", {"region": "330681107"}).status_code == 404
    with pytest.raises(Http404):
        case_stats(user=charlie, region="330681107")
    rollups_refresh()
    got = api_as(charlie).get("/api/v1/stats/cases/", {"region": "430181"}).json()
    assert got["total"] == 1


def test_the_api_reports_bad_input_field_by_field(alice: User) -> None:
    client = api_as(alice)
    missing = client.get("/api/v1/stats/cases/")
    assert missing.status_code == 400 and "region" in missing.json()
    bad = client.get("/api/v1/stats/cases/", {"region": "12x", "since": "yesterday"})
    assert bad.status_code == 400 and set(bad.json()) == {"region", "since"}
    backwards = client.get("/api/v1/stats/cases/",
                           {"region": "330681107", "since": "2026-03-01", "until": "2026-02-01"})
    assert backwards.status_code == 400 and "until" in backwards.json()


def test_received_dates_are_shanghai_days(alice: User) -> None:
    # 00:30 on 1 March in Shanghai is still 28 February in UTC.
    case_make(code="330681107", by=alice,
              received_at=datetime.datetime(2026, 3, 1, 0, 30, tzinfo=SH))
    march = case_stats(user=alice, region="330681107", since=datetime.date(2026, 3, 1),
                       until=datetime.date(2026, 3, 1))
    february = case_stats(user=alice, region="330681107", until=datetime.date(2026, 2, 28))
    assert (march["total"], february["total"]) == (1, 0)
