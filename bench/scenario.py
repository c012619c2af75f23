"""The mixed scenario of `make bench`: who does what, as plain data (no locust here).

bench/locustfile.py turns these calls into locust users; keeping the choices and
the case workflow here lets the test suite check them without importing locust
(whose import monkey-patches the standard library with gevent).

Three kinds of people, weighted:
- front-desk staff (most users): log visits with an Idempotency-Key, and move
  dispute cases through the closed loop: open, mediate, sometimes escalate (only
  after a mediation at the holding centre, never from a province), resolve, follow
  up (a dissatisfied follow-up reopens the case, which is then resolved again);
- officials: the dashboards of the nation, a province and a county, and now and
  then a province's ledger export, signed in with a session cookie;
- REST clients: case, visit and target statistics with an official's token.

Every call names the one status it expects; anything else is a failure.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SCENARIO_ENV = "FENGQIAO_BENCH_SCENARIO"  # the path of the JSON file bench/run.py writes
# bench/locust_visits.py: visits a second of each user (0: back to back).
VISIT_RATE_ENV = "FENGQIAO_BENCH_VISIT_RATE"

# Relative weights of the user classes, and of each class's tasks.
FRONT_DESK_WEIGHT = 6
OFFICIAL_WEIGHT = 2
REST_CLIENT_WEIGHT = 2
FRONT_DESK_TASKS = {"log_visit": 3, "work_on_a_case": 2}
OFFICIAL_TASKS = {"national_dashboard": 2, "province_dashboard": 3, "county_dashboard": 3,
                  "ledger_export": 1}
REST_CLIENT_TASKS = {"case_statistics": 3, "visit_statistics": 2, "target_statistics": 1}
# Seconds between two tasks of one user: (least, most). The most stays below the bench
# server's keep-alive (bench.run.KEEP_ALIVE_SECONDS), so an idle connection is not closed
# by the server just as a user sends on it.
FRONT_DESK_WAIT = (0.5, 2.0)
OFFICIAL_WAIT = (1.0, 3.0)
REST_CLIENT_WAIT = (0.5, 1.5)

# How cases move: a staff member keeps a few in hand and moves one a step at a time.
CASES_IN_HAND = 3
OPEN_ANOTHER = 0.3  # chance to open a new case while fewer than CASES_IN_HAND are in hand
ESCALATE = 0.2  # chance, once mediated at a centre below the province, to escalate
MAX_ESCALATIONS = 2
SATISFIED = 0.85

CHANNELS = ["in_person"] * 55 + ["phone"] * 20 + ["home_visit"] * 15 + ["online"] * 10
PURPOSES = (["policy"] * 30 + ["assistance"] * 20 + ["employment"] * 12 + ["card"] * 12
            + ["rights"] * 10 + ["honours"] * 6 + ["counselling"] * 4 + ["other"] * 6)
OUTCOMES = ["answered"] * 8 + ["referred"] * 2
CATEGORIES = ["employment", "benefits", "placement", "medical", "family", "land_housing",
              "other"]
MEDIATION_METHODS = ["face_to_face", "home_visit", "joint", "phone"]


@dataclass(frozen=True)
class Scenario:
    """What the users need from the bench: credentials and codes that exist."""

    staff_token: str  # a nationwide staff member: writes
    official_token: str  # a nationwide official: reads statistics
    session_cookie: str  # the same official, signed in, for the pages
    provinces: list[str]  # 12-digit codes
    counties: list[str]  # 12-digit codes (a city where a township sits directly under it)
    visitors: list[tuple[int, str]] = field(default_factory=list)  # (veteran id, home code)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), ensure_ascii=False))

    @classmethod
    def read(cls, path: Path) -> Scenario:
        data: dict[str, Any] = json.loads(path.read_text())
        data["visitors"] = [(int(pk), str(code)) for pk, code in data["visitors"]]
        return cls(**data)

    @classmethod
    def from_environment(cls) -> Scenario:
        path = os.environ.get(SCENARIO_ENV)
        if not path:
            raise RuntimeError(f"{SCENARIO_ENV} must name the scenario's JSON file "
                               "(bench/run.py writes it)")
        return cls.read(Path(path))

    def staff_headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.staff_token}"}

    def official_headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.official_token}"}

    def session_headers(self) -> dict[str, str]:
        return {"Cookie": f"sessionid={self.session_cookie}"}


@dataclass(frozen=True)
class Call:
    """One request, the name locust files it under, and the one status that is right."""

    method: str
    path: str
    name: str
    expected: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None


# --- front-desk staff ---------------------------------------------------------------------


def _staff_writing(scenario: Scenario) -> dict[str, str]:
    # A fresh key per request (not drawn from the users' seeded generators, which could
    # repeat one): a repeated key would answer the first record with 200, not 201.
    return {**scenario.staff_headers(), "Idempotency-Key": str(uuid.uuid4())}


def visit_call(scenario: Scenario, rng: random.Random) -> Call:
    veteran, home = rng.choice(scenario.visitors)
    body = {"veteran": veteran, "centre": home, "channel": rng.choice(CHANNELS),
            "purpose": rng.choice(PURPOSES), "outcome": rng.choice(OUTCOMES),
            "summary": "压力测试（模拟来访）"}
    return Call("POST", "/api/v1/visits/", "POST /api/v1/visits/", 201,
                _staff_writing(scenario), body)


def case_open_call(scenario: Scenario, rng: random.Random) -> Call:
    veteran, home = rng.choice(scenario.visitors)
    body = {"centre": home, "veteran": veteran, "category": rng.choice(CATEGORIES),
            "summary": "压力测试（模拟纠纷）"}
    return Call("POST", "/api/v1/cases/", "POST /api/v1/cases/", 201, _staff_writing(scenario),
                body)


@dataclass
class CaseJourney:
    """A case a staff member has in hand, as the last answer about it showed it."""

    id: int
    level: str
    status: str = "open"
    mediated_here: bool = False
    escalations: int = 0

    @classmethod
    def opened(cls, answer: dict[str, Any]) -> CaseJourney:
        return cls(id=int(answer["id"]), level=str(answer["level"]),
                   status=str(answer["status"]))

    @property
    def finished(self) -> bool:
        return self.status == "closed"

    def next_call(self, scenario: Scenario, rng: random.Random) -> Call:
        """The next step of the closed loop (受理 → 调处 → 化解 → 回访)."""
        if self.status == "resolved":
            satisfied = rng.random() < SATISFIED
            return self._step("follow-up", 200, scenario,
                              {"satisfied": satisfied, "note": "回访（模拟）"})
        if not self.mediated_here:
            return self._step("mediate", 200, scenario,
                              {"note": "调解（模拟）", "method": rng.choice(MEDIATION_METHODS)})
        if (self.level != "province" and self.escalations < MAX_ESCALATIONS
                and rng.random() < ESCALATE):
            return self._step("escalate", 200, scenario, {"reason": "本级调解未果（模拟）"})
        return self._step("resolve", 200, scenario, {"resolution": "已化解（模拟）"})

    def _step(self, action: str, expected: int, scenario: Scenario,
              body: dict[str, Any]) -> Call:
        return Call("POST", f"/api/v1/cases/{self.id}/{action}/",
                    f"POST /api/v1/cases/[id]/{action}/", expected,
                    scenario.staff_headers(), body)

    def advance(self, call: Call, answer: dict[str, Any]) -> None:
        """Take in the case as the server answered a step."""
        self.status, self.level = str(answer["status"]), str(answer["level"])
        if call.path.endswith("/mediate/"):
            self.mediated_here = True
        elif call.path.endswith("/escalate/"):
            self.escalations += 1
            self.mediated_here = False  # a new holder mediates before it may escalate again


def case_call(journeys: list[CaseJourney], scenario: Scenario, rng: random.Random
              ) -> tuple[Call, CaseJourney | None]:
    """Open a case, or move one in hand a step; the journey is None for an opening."""
    if not journeys or (len(journeys) < CASES_IN_HAND and rng.random() < OPEN_ANOTHER):
        return case_open_call(scenario, rng), None
    journey = rng.choice(journeys)
    return journey.next_call(scenario, rng), journey


# --- officials and REST clients -------------------------------------------------------------


def page_call(scenario: Scenario, path: str, name: str) -> Call:
    return Call("GET", path, name, 200, scenario.session_headers())


def dashboard_call(scenario: Scenario, rng: random.Random, area: str) -> Call:
    if area == "nation":
        return page_call(scenario, "/dashboard/", "page /dashboard/")
    code = rng.choice(scenario.provinces if area == "province" else scenario.counties)
    return page_call(scenario, f"/dashboard/{code[:6]}/", f"page /dashboard/[{area}]/")


def ledger_call(scenario: Scenario, rng: random.Random) -> Call:
    code = rng.choice(scenario.provinces)
    return page_call(scenario, f"/dashboard/{code[:6]}/export.xlsx",
                     "page /dashboard/[province]/export.xlsx")


def stats_call(scenario: Scenario, rng: random.Random, kind: str) -> Call:
    """Case or visit statistics of a province or a county; the targets of a province."""
    if kind == "targets":
        code = rng.choice(scenario.provinces)
        return Call("GET", f"/api/v1/stats/targets/?region={code}",
                    "GET /api/v1/stats/targets/?region=[province]", 200,
                    scenario.official_headers())
    area = rng.choice(["province", "county"])
    code = rng.choice(scenario.provinces if area == "province" else scenario.counties)
    return Call("GET", f"/api/v1/stats/{kind}/?region={code}",
                f"GET /api/v1/stats/{kind}/?region=[{area}]", 200, scenario.official_headers())
