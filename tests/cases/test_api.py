"""The fixed case API (docs/design.md §4): 201/200 with the case, 400 field by field,
409 for a refused transition, 404 outside the jurisdiction."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from centres.models import User
from tests.conftest import api_as
from tests.factories.cases import case_make, escalate_once, staff_at, veteran_make

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def test_alice_opens_a_case_with_the_fixed_body(alice: User) -> None:
    veteran = veteran_make("330681107201")
    response = api_as(alice).post(
        "/api/v1/cases/",
        {"centre": "330681107", "category": "land_housing", "summary": "宅基地纠纷",
         "veteran": veteran.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "open"
    assert body["level"] == "township"
    assert body["centre"] == "330681107000"
    assert body["number"].startswith("330681-")
    assert body["veterans"] == [veteran.pk]
    assert body["accepted_at"] is not None


def test_bad_input_is_refused_field_by_field(alice: User) -> None:
    response = api_as(alice).post(
        "/api/v1/cases/", {"centre": "33", "category": "fight", "summary": ""}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"centre", "category", "summary"}


def test_a_centre_outside_the_jurisdiction_is_an_unknown_centre(
    alice: User, charlie: User
) -> None:
    for user, code in [(alice, "330681108"), (charlie, "330681107")]:
        response = api_as(user).post(
            "/api/v1/cases/", {"centre": code, "category": "other", "summary": "x"},
            format="json",
        )
        assert response.status_code == 400
        assert "centre" in response.json()


def test_an_official_may_not_open_a_case(city_official: User) -> None:
    """An official reads only: a write is forbidden (403), not a refused transition (409)."""
    response = api_as(city_official).post(
        "/api/v1/cases/", {"centre": "330681107", "category": "other", "summary": "x"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "工作人员" in response.json()["detail"]


def test_the_whole_loop_through_the_api(
    village_staff: User, alice: User, bob: User
) -> None:
    village = api_as(village_staff)
    case = village.post(
        "/api/v1/cases/", {"centre": "330681107201", "category": "family", "summary": "邻里纠纷"},
        format="json",
    ).json()
    url = f"/api/v1/cases/{case['id']}"
    refused = village.post(f"{url}/escalate/", {"reason": "调不了"}, format="json")
    assert refused.status_code == 409
    assert "调解" in refused.json()["detail"]
    assert village.post(f"{url}/escalate/", {}, format="json").status_code == 400
    assert village.post(f"{url}/mediate/", {"note": "村调委会调解", "method": "joint"},
                        format="json").status_code == 200
    up = village.post(f"{url}/escalate/", {"reason": "当事人要求镇里处理"}, format="json")
    assert up.status_code == 200
    assert (up.json()["level"], up.json()["centre"]) == ("township", "330681107000")
    # The village still sees the case it received, but may no longer act on it.
    assert village.get(f"{url}/").status_code == 200
    late = village.post(f"{url}/resolve/", {"resolution": "村里解决"}, format="json")
    assert late.status_code == 409
    assert "枫桥镇" in late.json()["detail"]
    township = api_as(alice)
    assert township.post(f"{url}/assign/", {"assignee": bob.pk}, format="json").json()[
        "assignee"] == "bob"
    resolved = api_as(bob).post(f"{url}/resolve/", {"resolution": "签订调解协议"},
                                format="json")
    assert (resolved.json()["status"], resolved.json()["resolved_level"]) == (
        "resolved", "township")
    reopened = township.post(f"{url}/follow-up/", {"satisfied": False, "note": "未履行"},
                             format="json").json()
    assert (reopened["status"], reopened["resolved_level"]) == ("open", "")
    township.post(f"{url}/resolve/", {"resolution": "补充协议"}, format="json")
    closed = township.post(f"{url}/follow-up/", {"satisfied": True, "note": "满意"},
                           format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert township.post(f"{url}/follow-up/", {"satisfied": True},
                         format="json").status_code == 409
    assert township.post(f"{url}/follow-up/", {"note": "?"}, format="json").status_code == 400


def test_charlie_gets_404_for_every_route_of_alices_case(alice: User, charlie: User) -> None:
    case = case_make(code="330681107", by=alice)
    client = api_as(charlie)
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    for action, body in [
        ("accept", {}), ("assign", {"assignee": alice.pk}), ("mediate", {"note": "x"}),
        ("escalate", {"reason": "x"}), ("refer-down", {"centre": "330681107201",
                                                       "instructions": "x"}),
        ("resolve", {"resolution": "x"}), ("follow-up", {"satisfied": True}),
        ("extend", {"days": 5, "reason": "x"}),
    ]:
        response = client.post(f"/api/v1/cases/{case.pk}/{action}/", body, format="json")
        assert response.status_code == 404, action
    assert client.get("/api/v1/cases/").json()["count"] == 0


def test_refer_down_and_extend_through_the_api(alice: User, county_staff: User) -> None:
    case = escalate_once(case_make(code="330681107", by=alice), alice)
    county = api_as(county_staff)
    down = county.post(f"/api/v1/cases/{case.pk}/refer-down/",
                       {"centre": "330681107202", "instructions": "请村里先调"}, format="json")
    assert down.status_code == 200
    assert (down.json()["level"], down.json()["arrival"]) == ("village", "referred_down")
    too_long = county.post(f"/api/v1/cases/{case.pk}/extend/", {"days": 31, "reason": "x"},
                           format="json")
    assert too_long.status_code == 400 and "days" in too_long.json()
    ok = county.post(f"/api/v1/cases/{case.pk}/extend/", {"days": 30, "reason": "鉴定"},
                     format="json")
    assert ok.status_code == 200 and ok.json()["extension_days"] == 30
    again = county.post(f"/api/v1/cases/{case.pk}/extend/", {"days": 1, "reason": "再延"},
                        format="json")
    assert again.status_code == 409


def test_the_list_filters_by_status_level_category_dates_and_overdue(
    alice: User, county_staff: User
) -> None:
    with time_machine.travel(datetime.datetime(2026, 1, 5, 9, tzinfo=SH), tick=False):
        old = case_make(code="330681107", by=alice, accept=False, category="medical")
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, tzinfo=SH), tick=False):
        new = case_make(code="330681107201", by=alice, category="family")
        up = escalate_once(case_make(code="330681107", by=alice), alice)
        client = api_as(county_staff)

        def ids(**query: str) -> set[int]:
            response = client.get("/api/v1/cases/", query)
            assert response.status_code == 200, response.json()
            return {row["id"] for row in response.json()["results"]}

        assert ids() == {old.pk, new.pk, up.pk}
        assert ids(category="medical") == {old.pk}
        assert ids(level="county") == {up.pk}
        assert ids(level="village", status="open") == {new.pk}
        assert ids(since="2026-02-01") == {new.pk, up.pk}
        assert ids(until="2026-01-05") == {old.pk}
        assert ids(overdue="true") == {old.pk}
        assert ids(overdue="false") == {new.pk, up.pk}
        assert client.get("/api/v1/cases/", {"status": "lost"}).status_code == 400


def test_a_township_lists_its_cases_and_those_escalated_never_a_neighbours(
    alice: User, dianko_staff: User, village_staff: User
) -> None:
    ours = case_make(code="330681107201", by=village_staff)
    theirs = case_make(code="330681108", by=dianko_staff)
    ids = {row["id"] for row in api_as(alice).get("/api/v1/cases/").json()["results"]}
    assert ids == {ours.pk}
    assert api_as(alice).get(f"/api/v1/cases/{theirs.pk}/").status_code == 404
    # A case received at the village and escalated stays visible to the village.
    escalate_once(ours, village_staff)
    village_ids = {r["id"] for r in api_as(village_staff).get("/api/v1/cases/").json()["results"]}
    assert village_ids == {ours.pk}


def test_the_list_query_count_does_not_grow_with_rows(alice: User) -> None:
    client = api_as(alice)
    case_make(code="330681107", by=alice, veterans=[veteran_make()])
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/cases/")
    for _ in range(5):
        case_make(code="330681107201", by=staff_at("330681107201"), veterans=[veteran_make()])
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/cases/").json()["results"]) == 6
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_same_idempotency_key_answers_the_first_case_and_opens_nothing(
    alice: User, bob: User
) -> None:
    body = {"centre": "330681107", "category": "other", "summary": "重复提交"}
    first = api_as(alice).post("/api/v1/cases/", body, format="json",
                               HTTP_IDEMPOTENCY_KEY="k-1")
    again = api_as(alice).post("/api/v1/cases/", body, format="json",
                               HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["number"] == first.json()["number"]
    # Another person's key is theirs; no key at all is a new case each time.
    assert api_as(bob).post("/api/v1/cases/", body, format="json",
                            HTTP_IDEMPOTENCY_KEY="k-1").status_code == 201
    assert api_as(alice).post("/api/v1/cases/", body, format="json").status_code == 201
    assert api_as(alice).post("/api/v1/cases/", body, format="json").status_code == 201
    from cases.models import Case

    assert Case.objects.count() == 4
    assert api_as(alice).post("/api/v1/cases/", body, format="json",
                              HTTP_IDEMPOTENCY_KEY="k" * 101).status_code == 400


def test_a_case_retry_that_loses_the_race_answers_the_winners_case(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The path a concurrent loser takes: its look-ups missed, its insert hits the
    constraint; its number is rolled back with it, so the sequence keeps no gap."""
    from cases import services
    from cases.models import Case

    body = {"centre": "330681107", "category": "other", "summary": "并发"}
    first = api_as(alice).post("/api/v1/cases/", body, format="json",
                               HTTP_IDEMPOTENCY_KEY="late")
    from centres import idempotency

    monkeypatch.setattr(services, "case_by_key", lambda **kw: None)  # the view's look-up
    # create_once's look-up misses; the one after the constraint is the real one.
    lookups = iter([lambda **kw: None, idempotency.find_once])
    monkeypatch.setattr(idempotency, "find_once", lambda **kw: next(lookups)(**kw))
    again = api_as(alice).post("/api/v1/cases/", body, format="json",
                               HTTP_IDEMPOTENCY_KEY="late")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert next(lookups, None) is None  # both look-ups ran
    assert Case.objects.count() == 1
    later = case_make(code="330681107", by=alice, accept=False)
    assert later.sequence == Case.objects.get(pk=first.json()["id"]).sequence + 1


def test_the_schema_names_the_idempotency_key_of_case_openings(alice: User) -> None:
    paths = api_as(alice).get("/api/schema/", {"format": "json"}).json()["paths"]
    params = paths["/api/v1/cases/"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in params)
