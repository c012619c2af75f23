"""Lists, search, exports and aggregates hold exactly the user's area, at every level.

The world (tests/matrix_world.py) has one object of each kind in every region, so a
user's area holds a known set of rows: every list must show all of them and nothing
else, every search must find nothing outside, every export must hold the same rows as
the list, and every figure (statistics, dashboards, ledgers, targets, queues) must count
the area's rows and no others. Each test runs for a user at every level, village to
nationwide, in both roles.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from rest_framework.test import APIClient

from centres import codes
from centres.models import Level, User
from demonstration.models import Assessment
from tests.matrix_world import (
    HOME,
    LEVELS,
    MODEL_REGIONS,
    ROLES,
    SIBLING,
    Place,
    World,
    body_text,
    case_summary,
    veteran_name,
    visit_summary,
)
from veterans.models import Veteran

NAMED = re.compile(r"老兵\d{12}")
VISITED = re.compile(r"来访\d{12}")
LOCAL_LEVELS = {Level.VILLAGE, Level.TOWNSHIP}
FARTHEST = "430181101201"  # 淮川村, in the other province


@dataclass(frozen=True)
class Person:
    """A user at one level, logged in, and the places of their area."""

    level: str
    user: User
    client: APIClient
    home: str | None
    inside: list[Place]

    def children(self, world: World) -> set[str]:
        """The regions right below the user's own (the provinces, nationwide)."""
        parents = {p.code: world.parent(p.code) for p in self.inside if p.code != self.home}
        return {code for code, parent in parents.items()
                if (parent.code if parent else None) == self.home}

    def get(self, url: str, **query: Any) -> Any:
        response = self.client.get(url, query)
        assert response.status_code == 200, (self.user.username, url, response.status_code)
        return response

    def ids(self, url: str, key: str = "id", **query: Any) -> list[Any]:
        """Every row's key, all pages in one."""
        data = self.get(url, page_size=500, **query).json()
        assert data["next"] is None
        return [row[key] for row in data["results"]]


@pytest.fixture(
    params=[(level, role) for level in LEVELS for role in ROLES],
    ids=[f"{level}-{role}" for level in LEVELS for role in ROLES],
)
def person(request: Any, matrix: World) -> Person:
    level, role = request.param
    user = matrix.user(level, role)
    return Person(level=level, user=user, client=matrix.client(user), home=HOME[level],
                  inside=matrix.inside(HOME[level]))


def _veterans(places: list[Place]) -> set[int]:
    return {p.veteran for p in places if "veteran" in p.own}


# --- lists and exports ------------------------------------------------------------

LISTS: dict[str, tuple[str, str, Any]] = {
    # name: (url, the key of a row, the keys the rows of these places must have)
    "veterans": ("/api/v1/veterans/", "id", _veterans),
    "visits": ("/api/v1/visits/", "id", lambda ps: {p.visit for p in ps}),
    "cases": ("/api/v1/cases/", "id",
              lambda ps: {p.case for p in ps} | {p.resolved_case for p in ps}),
    "assessments": ("/api/v1/assessments/", "id",
                    lambda ps: {p.assessment for p in ps if "assessment" in p.own}),
    "designations": ("/api/v1/designations/", "id",
                     lambda ps: {p.designation for p in ps if "designation" in p.own}),
    "centres": ("/api/v1/centres/", "id", lambda ps: {p.centre for p in ps}),
    "regions": ("/api/v1/regions/", "code", lambda ps: {p.code for p in ps}),
    "teams": ("/api/v1/teams/", "id", lambda ps: {p.team for p in ps}),
    "service-records": ("/api/v1/service-records/", "id",
                        lambda ps: {p.service_record for p in ps}
                        | {p.confirmed_record for p in ps}),
    "village-cadres": ("/api/v1/village-cadres/", "id",
                       lambda ps: {p.cadre for p in ps if "cadre" in p.own}),
}


@pytest.mark.parametrize("kind", sorted(LISTS))
def test_an_api_list_holds_exactly_the_area(kind: str, person: Person) -> None:
    url, key, expected = LISTS[kind]
    found = person.ids(url, key)
    assert len(found) == len(set(found))
    assert set(found) == expected(person.inside)
    if person.home is not None and kind != "regions":
        # A filter names a subtree: outside the area it is empty, not an error that tells.
        assert person.ids(url, key, region=SIBLING[person.level]) == []


def test_the_registry_page_and_its_export_hold_exactly_the_area(person: Person) -> None:
    expected = {veteran_name(p.code) for p in person.inside if "veteran" in p.own}
    page = person.get("/veterans/")
    assert set(NAMED.findall(page.content.decode())) == expected
    export = person.get("/veterans/export.xlsx")
    assert set(NAMED.findall(body_text(export))) == expected


def test_the_visit_export_holds_exactly_the_area(person: Person) -> None:
    export = person.get("/visits/export.xlsx")
    assert set(VISITED.findall(body_text(export))) == {visit_summary(p.code)
                                                       for p in person.inside}


def test_the_case_queue_lists_and_counts_exactly_the_area(person: Person) -> None:
    """Every place has an open case past its deadline and one awaiting follow-up."""
    n = len(person.inside)
    counts = {tab.key: count for tab, count in person.get("/cases/").context["tabs"]}
    assert (counts["mediation"], counts["overdue"], counts["follow_up"]) == (n, n, n)
    assert counts["new"] == counts["closed"] == 0
    for tab in ("mediation", "overdue", "follow_up"):
        listed = person.get("/cases/", tab=tab).context["page"].object_list
        assert {case.summary for case in listed} == {case_summary(p.code) for p in person.inside}


def test_team_statistics_count_exactly_the_area(person: Person) -> None:
    """Every place has a shock team with one member, two hours confirmed and one pending;
    every village its veteran as party secretary."""
    villages = [p for p in person.inside if p.level == Level.VILLAGE]
    region = person.home or "000000000000"
    stats = person.get("/api/v1/stats/teams/", region=region).json()
    assert stats == {
        "region": region, "villages": len(villages), "party_secretaries": len(villages),
        "party_secretary_coverage": 1.0 if villages else None, "committee_members": 0,
        "reserve": 0, "teams": 0, "shock_teams": len(person.inside),
        "members": len({p.veteran for p in person.inside}),
        "service_hours": 2.0 * len(person.inside),
    }


# --- search -----------------------------------------------------------------------


def test_searching_finds_veterans_inside_and_never_outside(
    person: Person, matrix: World
) -> None:
    """By name, whole ID number or its last digits: the visit page's search-as-you-type,
    the registry and the API find the nearest veteran outside (the sibling subtree's)
    and the farthest (another province) no more than one that does not exist."""
    expected = _veterans(person.inside)
    found = [row["id"] for row in person.get("/visits/search/", q="老兵").json()["results"]]
    assert set(found) <= expected and len(found) == min(len(expected), 10)
    outside = [SIBLING[person.level], FARTHEST] if person.home else []
    for veteran in Veteran.objects.filter(pk__in=[matrix.places[c].veteran for c in outside]):
        for query in (veteran.name, veteran.id_number, veteran.id_number[-6:]):
            assert person.get("/visits/search/", q=query).json()["results"] == []
            assert person.ids("/api/v1/veterans/", search=query) == []
            assert list(person.get("/veterans/", search=query).context["page"]) == []
            if person.user.is_staff_member:
                assert person.get("/visits/new/", q=query).context["candidates"] == []


def test_searching_centres_and_regions_finds_nothing_outside(
    person: Person, matrix: World
) -> None:
    outside = matrix.foreign(person.home)
    for place in outside[:: max(1, len(outside) // 4)]:  # a few, near and far
        for query in (place.name, codes.short_code(place.code)):
            assert person.get("/centres/", q=query).context["results"] == []
            assert person.ids("/api/v1/centres/", search=query) == []
            assert person.ids("/api/v1/regions/", "code", search=query) == []


# --- aggregates -------------------------------------------------------------------


def _case_figures(inside: list[Place]) -> dict[str, Any]:
    """Each place received one open case, overdue, and one resolved at its own level."""
    by_level = Counter(p.level for p in inside)
    return {
        "total": 2 * len(inside),
        "open": len(inside),
        "resolved": len(inside),
        "closed": 0,
        "resolved_locally": sum(n for level, n in by_level.items() if level in LOCAL_LEVELS),
        "escalated": 0,
        "overdue": len(inside),
        "by_resolved_level": {level: by_level.get(level, 0) for level in Level.values},
    }


def test_statistics_count_exactly_the_area(person: Person, matrix: World) -> None:
    """For the user's own region (nationwide: each province of the world), in JSON and CSV."""
    for code in [person.home] if person.home else ["330000000000", "430000000000"]:
        inside = matrix.inside(code)
        expected = _case_figures(inside)
        cases = person.get("/api/v1/stats/cases/", region=code).json()
        assert {key: cases[key] for key in expected} == expected
        visits = person.get("/api/v1/stats/visits/", region=code).json()
        assert visits["total"] == len(inside)
        sheet = person.get("/api/v1/stats/cases/", region=code, format="csv")
        row = next(csv.DictReader(io.StringIO(sheet.content.decode("utf-8-sig"))))
        assert int(row["total"]) == expected["total"]
        assert int(row["overdue"]) == expected["overdue"]
        assert int(row["by_resolved_level.village"]) == expected["by_resolved_level"]["village"]


def test_the_dashboard_and_its_ledger_count_exactly_the_area(
    person: Person, matrix: World
) -> None:
    n = len(person.inside)
    below = n - (1 if person.home else 0)  # what the children hold: all but the own centre
    board = person.get("/dashboard/").context["board"]
    assert (board.total.sums["visits"], board.total.cases["total"], board.total.overdue) == (
        n, 2 * n, n
    )
    assert sum(count for _label, count in board.centres_by_level) == n
    children = {child.region.code for child in board.children}
    assert children == person.children(matrix)
    assert sum(child.sums["visits"] for child in board.children) == below
    assert sum(child.overdue for child in board.children) == below
    assert board.target.model_regions == len(_model_regions(person.inside))
    ledger = openpyxl.load_workbook(
        io.BytesIO(person.get("/dashboard/export.xlsx").content), read_only=True
    ).active
    assert ledger is not None
    rows = list(ledger.iter_rows(min_row=7, values_only=True))
    assert {row[1] for row in rows if row[0] not in ("本级", "合计")} == children
    # the own centre (本级, none for the nation) and the total: centres, visits, cases
    # received, open, overdue
    own = n - below
    assert [row[2:7] for row in rows if row[0] == "本级"] == (
        [(own, own, 2 * own, own, own)] if person.home else []
    )
    assert rows[-1][2:7] == (n, n, 2 * n, n, n)


def _model_regions(inside: list[Place]) -> list[Place]:
    model = {codes.normalize_code(code) for code in MODEL_REGIONS}
    return [p for p in inside if p.code in model]


def test_the_target_holds_exactly_the_model_regions_of_the_area(
    person: Person, matrix: World
) -> None:
    """Rows of the model regions inside; each counts the eligible centres of its subtree
    (county and township, all designated in this world)."""
    expected = {
        p.code: sum(1 for q in matrix.inside(p.code) if q.level in (Level.COUNTY, Level.TOWNSHIP))
        for p in _model_regions(person.inside)
    }
    rows = person.get("/api/v1/stats/targets/").json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert {row["region"]: row["total"] for row in rows} == expected
    assert all(row["demonstration"] == row["total"] for row in rows)
    page = person.get("/demonstration/targets/")
    assert {row.region.code for row, _candidates in page.context["rows"]} == set(expected)


def test_the_directory_counts_exactly_the_centres_of_the_area(
    person: Person, matrix: World
) -> None:
    page = person.get("/centres/")
    assert sum(count for _label, count in page.context["counts"]) == len(person.inside)
    assert {row.region.code for row in page.context["children"]} == person.children(matrix)
    below = len(person.inside) - (1 if person.home else 0)
    assert sum(row.centres_total for row in page.context["children"]) == below


def test_the_assessment_queues_hold_only_the_area(person: Person, matrix: World) -> None:
    """With every assessment of the world waiting for review, then for approval, the
    queues hold those of the area that wait for this user: the centres right below
    (review), everything in a city's or province's area (approval, officials)."""
    assessed = [p for p in person.inside if "assessment" in p.own]
    below = person.children(matrix) if person.home else set()
    approves = person.user.is_official and person.level in ("city", "province")
    # Queue states set directly: the workflow itself is tested in tests/demonstration.
    Assessment.objects.update(status=Assessment.Status.SUBMITTED)
    page = person.get("/demonstration/assessments/")
    assert {a.pk for a in page.context["to_review"]} == {
        p.assessment for p in assessed if p.code in below
    }
    Assessment.objects.update(status=Assessment.Status.FORWARDED)
    page = person.get("/demonstration/assessments/")
    assert {a.pk for a in page.context["to_approve"]} == (
        {p.assessment for p in assessed} if approves else set()
    )
    assert {a.pk for a in page.context["own"]} <= {
        p.assessment for p in assessed if p.code == person.home
    }
