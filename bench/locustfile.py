"""The mixed scenario as locust users: bench/run.py runs it headless against gunicorn.

The choices and the case workflow are in bench/scenario.py; this file only sends
them. Credentials and sample codes come from the JSON file named by
FENGQIAO_BENCH_SCENARIO, which bench/run.py writes. By hand, from the repository
root (locust puts the working directory on the import path):

    FENGQIAO_BENCH_SCENARIO=/tmp/scenario.json locust -f bench/locustfile.py \\
        --headless -u 20 -r 5 --run-time 60s --host http://127.0.0.1:8105
"""

from __future__ import annotations

import functools
import json
import random
from typing import Any

from locust import FastHttpUser, between, task

from bench import scenario as s


@functools.cache
def the_scenario() -> s.Scenario:
    return s.Scenario.from_environment()


class ScenarioUser(FastHttpUser):
    """Sends `Call`s; a status other than the expected one is a failure."""

    abstract = True

    def on_start(self) -> None:
        self.scenario = the_scenario()
        self.rng = random.Random()

    def send(self, call: s.Call) -> dict[str, Any] | None:
        """The call's JSON answer (an empty dict for a non-JSON one); None on a failure."""
        with self.client.request(
            call.method, call.path, name=call.name, headers=call.headers, json=call.body,
            catch_response=True, allow_redirects=False,
        ) as response:
            if response.status_code != call.expected:
                said = repr(response.error) if response.error else (response.text or "")
                response.failure(f"status {response.status_code}, expected {call.expected}: "
                                 + said[:300].replace("\n", " "))
                return None
            answer: dict[str, Any] = {}
            if response.headers.get("Content-Type", "").startswith("application/json"):
                try:
                    answer = json.loads(response.text or "")
                except ValueError:
                    response.failure("the answer is not JSON")
                    return None
            response.success()
            return answer


class FrontDeskStaff(ScenarioUser):
    """A station's front desk: visits, and the dispute cases it has in hand."""

    weight = s.FRONT_DESK_WEIGHT
    wait_time = between(*s.FRONT_DESK_WAIT)

    def on_start(self) -> None:
        super().on_start()
        self.journeys: list[s.CaseJourney] = []

    @task(s.FRONT_DESK_TASKS["log_visit"])
    def log_visit(self) -> None:
        self.send(s.visit_call(self.scenario, self.rng))

    @task(s.FRONT_DESK_TASKS["work_on_a_case"])
    def work_on_a_case(self) -> None:
        call, journey = s.case_call(self.journeys, self.scenario, self.rng)
        answer = self.send(call)
        if journey is None:
            if answer:
                self.journeys.append(s.CaseJourney.opened(answer))
            return
        if answer is None:  # the failure is recorded; drop the case rather than guess
            self.journeys.remove(journey)
            return
        journey.advance(call, answer)
        if journey.finished:
            self.journeys.remove(journey)


class Official(ScenarioUser):
    """A ministry official on the dashboards, signed in."""

    weight = s.OFFICIAL_WEIGHT
    wait_time = between(*s.OFFICIAL_WAIT)

    @task(s.OFFICIAL_TASKS["national_dashboard"])
    def national_dashboard(self) -> None:
        self.send(s.dashboard_call(self.scenario, self.rng, "nation"))

    @task(s.OFFICIAL_TASKS["province_dashboard"])
    def province_dashboard(self) -> None:
        self.send(s.dashboard_call(self.scenario, self.rng, "province"))

    @task(s.OFFICIAL_TASKS["county_dashboard"])
    def county_dashboard(self) -> None:
        self.send(s.dashboard_call(self.scenario, self.rng, "county"))

    @task(s.OFFICIAL_TASKS["ledger_export"])
    def ledger_export(self) -> None:
        self.send(s.ledger_call(self.scenario, self.rng))


class RestClient(ScenarioUser):
    """A statistics system or a 大屏 screen, with an official's token."""

    weight = s.REST_CLIENT_WEIGHT
    wait_time = between(*s.REST_CLIENT_WAIT)

    @task(s.REST_CLIENT_TASKS["case_statistics"])
    def case_statistics(self) -> None:
        self.send(s.stats_call(self.scenario, self.rng, "cases"))

    @task(s.REST_CLIENT_TASKS["visit_statistics"])
    def visit_statistics(self) -> None:
        self.send(s.stats_call(self.scenario, self.rng, "visits"))

    @task(s.REST_CLIENT_TASKS["target_statistics"])
    def target_statistics(self) -> None:
        self.send(s.stats_call(self.scenario, self.rng, "targets"))
