"""The fixed teams API (docs/design.md §4): the roster, teams, members, service records,
confirmation and `stats/teams`, with the owner, a colleague and an outsider."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

import pytest

from centres import codes
from centres.models import Level, Region, User
from teams import services
from teams.models import Post, ServiceRecord, Team, TeamMember, VillageCadre
from tests.conftest import api_as
from tests.factories.centres import region
from tests.factories.teams import member_make, record_make, team_make
from tests.factories.veterans import veteran_make

pytestmark = pytest.mark.django_db


def test_alice_creates_a_team_with_the_fixed_body(alice: User) -> None:
    response = api_as(alice).post(
        "/api/v1/teams/", {"centre": "330681107", "name": "枫桥服务队", "kind": "volunteer"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["centre"], body["name"], body["kind"]) == ("330681107000", "枫桥服务队",
                                                           "volunteer")
    assert Team.objects.get(pk=body["id"]).region_id == "330681107000"


def test_a_team_at_a_centre_outside_the_area_is_refused_as_unknown(charlie: User) -> None:
    response = api_as(charlie).post(
        "/api/v1/teams/", {"centre": "330681107", "name": "x", "kind": "shock"}, format="json"
    )
    assert response.status_code == 400
    assert "centre" in response.json()


def test_an_official_may_not_create_a_team(city_official: User) -> None:
    response = api_as(city_official).post(
        "/api/v1/teams/", {"centre": "330681107", "name": "x", "kind": "shock"}, format="json"
    )
    assert response.status_code == 403


def test_a_colleague_adds_a_member_and_an_outsider_gets_404(
    alice: User, bob: User, charlie: User
) -> None:
    team = team_make(alice)
    veteran = veteran_make()
    url = f"/api/v1/teams/{team.pk}/members/"
    assert api_as(charlie).post(url, {"veteran": veteran.pk}, format="json").status_code == 404
    response = api_as(bob).post(url, {"veteran": veteran.pk, "role": "captain"}, format="json")
    assert response.status_code == 201, response.json()
    assert TeamMember.objects.get(team=team).role == "captain"
    again = api_as(alice).post(url, {"veteran": veteran.pk}, format="json")
    assert again.status_code == 409


def test_a_service_record_is_pending_then_confirmed_once(alice: User, bob: User) -> None:
    team = team_make(alice)
    veteran = veteran_make()
    member_make(team, veteran, alice)
    body = {"team": team.pk, "veteran": veteran.pk, "date": "2025-03-05", "hours": "2.5",
            "activity": "政策宣讲"}
    created = api_as(alice).post("/api/v1/service-records/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "pending"
    url = f"/api/v1/service-records/{created.json()['id']}/confirm/"
    confirmed = api_as(bob).post(url)
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"
    assert api_as(bob).post(url).status_code == 409


def test_an_outsider_cannot_see_or_confirm_a_record(alice: User, charlie: User) -> None:
    team = team_make(alice)
    veteran = veteran_make()
    member_make(team, veteran, alice)
    record = record_make(team, veteran, alice)
    response = api_as(charlie).post(f"/api/v1/service-records/{record.pk}/confirm/")
    assert response.status_code == 404
    assert api_as(charlie).get("/api/v1/service-records/").json()["count"] == 0


@pytest.mark.parametrize(("change", "field"), [
    ({"hours": "0"}, "hours"), ({"hours": "24.5"}, "hours"), ({"veteran": "stranger"}, "veteran"),
])
def test_a_record_is_refused_with_400_naming_the_field(
    alice: User, change: dict[str, Any], field: str
) -> None:
    team = team_make(alice)
    veteran = veteran_make()
    member_make(team, veteran, alice)
    stranger = veteran_make(name="路人")
    body = {"team": team.pk, "veteran": veteran.pk, "date": "2025-03-05", "hours": "2",
            "activity": "政策宣讲", **change}
    if body["veteran"] == "stranger":
        body["veteran"] = stranger.pk
    response = api_as(alice).post("/api/v1/service-records/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_the_roster_lists_current_posts_by_default(alice: User, charlie: User) -> None:
    first, second = veteran_make(name="陈一"), veteran_make(name="陈二")
    village = region("330681107201")
    services.village_cadre_appoint(village=village, veteran=first, post=Post.PARTY_SECRETARY,
                                   since=datetime.date(2018, 1, 1), by=alice)
    services.village_cadre_appoint(village=village, veteran=second, post=Post.PARTY_SECRETARY,
                                   since=datetime.date(2021, 1, 5), by=alice)
    rows = api_as(alice).get("/api/v1/village-cadres/", {"region": "330681"}).json()["results"]
    assert [(r["veteran_name"], r["post"], r["since"], r["until"]) for r in rows] == [
        ("陈二", "party_secretary", "2021-01-05", None)
    ]
    assert rows[0]["village"] == "330681107201"
    past = api_as(alice).get("/api/v1/village-cadres/", {"current": "false"}).json()["results"]
    assert [(r["veteran_name"], r["until"]) for r in past] == [("陈一", "2021-01-05")]
    assert api_as(charlie).get("/api/v1/village-cadres/").json()["count"] == 0


# --- stats/teams against a brute-force count ----------------------------------------------


def _brute_force(code: str) -> dict[str, Any]:
    inside = [r.code for r in Region.objects.all() if r.code.startswith(codes.prefix_of(code))]
    villages = [c for c in inside if codes.level_of(c) == Level.VILLAGE]
    current = [c for c in VillageCadre.objects.all() if c.until is None and c.village_id in inside]
    secretaries = {c.village_id for c in current if c.post == "party_secretary"}
    teams = [t for t in Team.objects.all() if t.region_id in inside]
    members = {m.veteran_id for m in TeamMember.objects.all()
               if m.team in teams and m.left is None}
    hours = sum((r.hours for r in ServiceRecord.objects.all()
                 if r.team in teams and r.status == "confirmed"), Decimal(0))
    return {
        "region": code,
        "villages": len(villages),
        "party_secretaries": len(secretaries),
        "party_secretary_coverage": len(secretaries) / len(villages) if villages else None,
        "committee_members": len({c.veteran_id for c in current
                                  if c.post == "committee_member"}),
        "reserve": len({c.veteran_id for c in current if c.post == "reserve"}),
        "teams": sum(t.kind == "volunteer" for t in teams),
        "shock_teams": sum(t.kind == "shock" for t in teams),
        "members": len(members),
        "service_hours": float(hours),
    }


def test_stats_teams_equals_a_brute_force_count(alice: User, ministry: User) -> None:
    rng = random.Random(19)
    county = User.objects.create(username="county-19", region_id="330681000000")
    villages = list(Region.objects.filter(level=Level.VILLAGE, code__startswith="330681"))
    veterans = [veteran_make(rng.choice(villages).code, name=f"老兵{i}") for i in range(16)]
    for i, veteran in enumerate(veterans[:10]):
        services.village_cadre_appoint(
            village=rng.choice(villages), veteran=veteran,
            post=rng.choice(Post.values), since=datetime.date(2015 + i, 1, 1), by=county,
        )
    teams = [
        team_make(county, "330681107", name="服务队"),
        team_make(county, "330681107", name="突击队", kind="shock"),
        team_make(county, "330681108", name="店口服务队"),
        team_make(county, "330681", name="县服务队"),
    ]
    for veteran in veterans:
        team = rng.choice(teams)
        member = member_make(team, veteran, county)
        for day in range(1, 4):
            record = record_make(team, veteran, county, hours=str(rng.choice([1, 1.5, 2, 8])),
                                 date=datetime.date(2025, 3, day))
            if rng.random() < 0.6:
                services.service_record_confirm(record=record, by=county)
        if rng.random() < 0.2:
            services.team_member_leave(member=member, left=datetime.date(2025, 4, 1), by=county)
    for code in ("330681107201", "330681107000", "330681108000", "330681000000",
                 "330000000000", "430000000000"):
        typed = code[:6] if code.endswith("000000") else code  # as a person types it
        response = api_as(ministry).get("/api/v1/stats/teams/", {"region": typed})
        assert response.status_code == 200
        assert response.json() == _brute_force(code), code
    assert api_as(ministry).get("/api/v1/stats/teams/").status_code == 400


def test_stats_teams_outside_the_area_is_404(alice: User, charlie: User) -> None:
    assert api_as(charlie).get("/api/v1/stats/teams/", {"region": "330681"}).status_code == 404
    assert api_as(alice).get("/api/v1/stats/teams/", {"region": "330681107"}).status_code == 200
