"""The mixed scenario of `make bench`: its users, its case workflow, and how its figures are
read and reported. Locust is never started here; importing it monkey-patches the standard
library with gevent, so the locustfile is imported in a child process.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import scenario as s
from bench.mixed import (
    LOCUSTFILE,
    ROOT,
    VISITS_LOCUSTFILE,
    locust_command,
    summarise,
    visit_load_row,
)
from bench.registry import BenchContext, goals
from bench.report import markdown

STATS_HEADER = [
    "Type", "Name", "Request Count", "Failure Count", "Median Response Time",
    "Average Response Time", "Min Response Time", "Max Response Time", "Average Content Size",
    "Requests/s", "Failures/s", "50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%",
    "99.9%", "99.99%", "100%",
]


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def stats_row(method: str, name: str, count: int, failures: int, median: float, p95: int,
              p99: int, rps: float) -> list[Any]:
    return [method, name, count, failures, median, median * 1.2, 1.0, p99 + 10, 512.0, rps,
            0.0, median, median, median, median, p95, p95, p99, p99, p99, p99, p99 + 10]


def scenario() -> s.Scenario:
    return s.Scenario(staff_token="st", official_token="ot", session_cookie="sc",
                      provinces=["330000000000"], counties=["330681000000"],
                      visitors=[(7, "330681107201")])


@pytest.fixture
def locust_csvs(tmp_path: Path) -> Path:
    """The three CSV files of a locust run that had two failures, as locust writes them."""
    prefix = tmp_path / "mixed"
    write_csv(Path(f"{prefix}_stats.csv"), STATS_HEADER, [
        stats_row("POST", "POST /api/v1/visits/", 120, 2, 33, 97, 750, 4.0),
        stats_row("GET", "page /dashboard/", 30, 0, 35, 200, 200, 1.0),
        ["GET", "GET /never", 0, 0, 0, 0, 0, 0, 0, 0.0, 0.0, *["N/A"] * 11],
        stats_row("", "Aggregated", 150, 2, 33, 150, 360, 5.0),
    ])
    write_csv(Path(f"{prefix}_failures.csv"),
              ["Method", "Name", "Error", "Occurrences", "First Seen", "Last Seen"],
              [["POST", "POST /api/v1/visits/", "CatchResponseError('status 500')", 2,
                "2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z"]])
    write_csv(Path(f"{prefix}_exceptions.csv"), ["Count", "Message", "Traceback", "Nodes"], [])
    return prefix


def test_locusts_csv_files_become_rows_an_aggregate_and_failures(locust_csvs: Path) -> None:
    summary = summarise(locust_csvs, exit_code=1)
    by_name = {r["name"]: r for r in summary["rows"]}
    visits = by_name["POST /api/v1/visits/"]
    assert (visits["method"], visits["requests"], visits["failures"]) == ("POST", 120, 2)
    assert (visits["median_ms"], visits["p95_ms"], visits["p99_ms"], visits["rps"]) == (
        33.0, 97.0, 750.0, 4.0)
    assert by_name["GET /never"]["p95_ms"] is None  # locust's "N/A"
    assert summary["aggregated"]["requests"] == summary["requests"] == 150
    assert "Aggregated" not in by_name
    assert summary["failures"] == summary["errors"] == 2  # exit code 1: locust saw failures
    assert summary["problem"] is None
    assert summary["failure_messages"] == [{
        "method": "POST", "name": "POST /api/v1/visits/",
        "error": "CatchResponseError('status 500')", "occurrences": 2,
    }]


def test_a_locust_run_that_sent_nothing_counts_as_an_error(tmp_path: Path) -> None:
    summary = summarise(tmp_path / "absent", exit_code=2, stderr="ImportError: no module")
    assert summary["errors"] == 1 and summary["requests"] == 0
    assert "exit code 2" in summary["problem"] and "ImportError" in summary["problem"]


def test_exceptions_in_the_users_code_count_as_errors(locust_csvs: Path) -> None:
    write_csv(Path(f"{locust_csvs}_exceptions.csv"), ["Count", "Message", "Traceback", "Nodes"],
              [[3, "KeyError('id')", "Traceback ...", "local"]])
    summary = summarise(locust_csvs, exit_code=1)
    assert summary["exceptions"] == 3 and summary["errors"] == 5
    assert summary["exception_messages"][0]["message"] == "KeyError('id')"


def report_results(mixed: dict[str, Any] | None) -> dict[str, Any]:
    results = {
        "timestamp": "20260101T000000Z", "commit": "abc", "command": "make bench",
        "seconds": 1.0,
        "machine": {"cpus": 2, "platform": "Linux", "python": "3.11",
                    "load_average_before": [1, 1, 1], "load_average_after": [1, 1, 1]},
        "database": {"server": "PostgreSQL 15", "name": "b",
                     "rows": {"regions": 1, "centres": 1, "veterans": 1, "visits": 1}},
        "server": {"command": "-m gunicorn config.wsgi:application"},
        "samples": {"province": "330000000000", "county": "330681000000"},
        "generation": None, "latency": {"rounds": 0, "rows": []}, "loads": [], "timings": [],
        "skipped": [], "notes": [], "mixed_load": mixed,
    }
    results["goals"] = goals(results)
    return results


def mixed_of(summary: dict[str, Any]) -> dict[str, Any]:
    return {"command": "locust -f bench/locustfile.py --headless -u 20", "users": 20,
            "spawn_rate": 5, "seconds": 60,
            "user_classes": {"FrontDeskStaff": 6, "Official": 2, "RestClient": 2}, **summary}


def test_the_report_shows_the_mixed_scenario_and_its_failures(locust_csvs: Path) -> None:
    text = markdown(report_results(mixed_of(summarise(locust_csvs, exit_code=1))))
    assert "## Mixed scenario (locust: 20 users, 60 s)" in text
    assert "FrontDeskStaff 6, Official 2, RestClient 2" in text
    assert "| POST /api/v1/visits/ | 120 | 2 | 33.0 | 97.0 | 750.0 | 4.0 |" in text
    assert "| **all requests** | 150 | 2 | 33.0 | 150.0 | 360.0 | 5.0 |" in text
    assert "- 2× POST /api/v1/visits/: CatchResponseError('status 500')" in text
    assert "| mixed scenario (locust) without errors | 150 requests in 60 s, 2 failures, " \
        "0 exceptions | **no** |" in text


def test_a_clean_mixed_run_says_so_and_meets_its_goal(locust_csvs: Path) -> None:
    write_csv(Path(f"{locust_csvs}_failures.csv"),
              ["Method", "Name", "Error", "Occurrences", "First Seen", "Last Seen"], [])
    write_csv(Path(f"{locust_csvs}_stats.csv"), STATS_HEADER,
              [stats_row("", "Aggregated", 150, 0, 33, 150, 360, 5.0)])
    results = report_results(mixed_of(summarise(locust_csvs, exit_code=0)))
    assert "No failures and no exceptions." in markdown(results)
    verdict = {g["goal"]: g["met"] for g in results["goals"]}
    assert verdict["mixed scenario (locust) without errors"] is True
    assert {g["goal"]: g["met"] for g in report_results(None)["goals"]}[
        "mixed scenario (locust) without errors"] is None
    assert "## Mixed scenario" not in markdown(report_results(None))


def test_the_locust_command_is_headless_bounded_and_on_loopback(tmp_path: Path) -> None:
    command = locust_command(host="http://127.0.0.1:8105", users=20, spawn_rate=5, seconds=60,
                             csv_prefix=tmp_path / "m")
    assert command[1:3] == ["-m", "locust"]
    assert command[command.index("-f") + 1] == "bench/locustfile.py"
    for flag, value in (("-u", "20"), ("-r", "5"), ("--run-time", "60s"),
                        ("--csv", str(tmp_path / "m")), ("--host", "http://127.0.0.1:8105")):
        assert command[command.index(flag) + 1] == value
    assert "--headless" in command and "--only-summary" in command


def json_printed_by(script: str) -> Any:
    """What a script run in a child process printed last, as JSON: locust's import
    monkey-patches the standard library with gevent, so it never happens here."""
    done = subprocess.run(  # noqa: S603 - our own arguments
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def visit_run(summary: dict[str, Any]) -> dict[str, Any]:
    return {"command": "FENGQIAO_BENCH_VISIT_RATE=4.2 locust -f bench/locust_visits.py",
            "users": 50, "spawn_rate": 50, "seconds": 30, **summary}


def test_a_paced_visit_load_is_judged_on_what_it_achieved_and_its_errors(
    locust_csvs: Path,
) -> None:
    from bench.registry import VISIT_POST, VISIT_POST_SATURATION

    failed = visit_load_row(VISIT_POST, visit_run(summarise(locust_csvs, exit_code=1)),
                            users=50, rate=210, seconds=30)
    assert (failed["n"], failed["throughput_rps"], failed["p50_ms"], failed["p95_ms"],
            failed["p99_ms"]) == (150, 5.0, 33.0, 150.0, 360.0)  # locust's aggregate row
    assert failed["errors"] == 2 and "CatchResponseError('status 500')" in failed["statuses"]
    assert failed["offered_rps"] == 210 and "210 requests/s" in failed["note"]

    def verdict(rows: list[dict[str, Any]]) -> bool | None:
        results: dict[str, Any] = {"generation": None, "loads": rows, "latency": {"rows": []},
                                   "timings": []}
        return {g["goal"]: g["met"] for g in goals(results)}[
            "visit POST ≥ 200 req/s with p95 ≤ 100 ms and no errors"]

    fast = {**failed, "throughput_rps": 208.0, "p95_ms": 40.0, "errors": 0}
    saturated = {**fast, "name": VISIT_POST_SATURATION, "offered_rps": None,
                 "throughput_rps": 300.0, "p95_ms": 170.0}
    assert verdict([fast, saturated]) is True
    assert verdict([failed, saturated]) is False  # errors, and far below 200 a second
    assert verdict([{**fast, "p95_ms": 120.0}]) is False
    assert verdict([{**fast, "throughput_rps": 190.0}]) is False  # could not keep up
    assert verdict([saturated]) is None  # back to back only: the goal is not judged


def test_visit_loggers_arrive_as_a_poisson_process_at_their_rate() -> None:
    """Exponential gaps of mean 1/r between the starts of a user's visits (a random first
    one), never a negative wait; at rate 0, back to back."""
    script = (
        "import json, os, random, statistics, time\n"
        "os.environ['FENGQIAO_BENCH_VISIT_RATE'] = '4'\n"
        "from bench import locust_visits as lv\n"
        "user = lv.VisitLogger.__new__(lv.VisitLogger)\n"
        "user.rng = random.Random(1)\n"
        "user.next_start = time.monotonic()\n"
        "waits = [user.wait_time() for _ in range(4000)]\n"
        "gaps = [b - a for a, b in zip(waits, waits[1:])]\n"
        "idle = lv.VisitLogger.__new__(lv.VisitLogger)\n"
        "idle.rate = 0.0\n"
        "print(json.dumps({'rate': user.rate, 'mean': statistics.fmean(gaps),\n"
        "                  'stdev': statistics.stdev(gaps), 'least': min(waits),\n"
        "                  'idle': idle.wait_time(), 'tasks': len(lv.VisitLogger.tasks)}))\n"
    )
    seen = json_printed_by(script)
    assert seen["rate"] == 4.0 and seen["tasks"] == 1 and seen["idle"] == 0.0
    assert 0.23 < seen["mean"] < 0.27  # 1/4 s
    assert 0.2 < seen["stdev"] < 0.3  # an exponential's spread equals its mean; a pace has none
    assert seen["least"] >= 0.0
    assert VISITS_LOCUSTFILE.exists()


def test_the_locustfile_defines_the_weighted_users_and_their_tasks() -> None:
    script = (
        "import json\n"
        "from bench import locustfile as lf\n"
        "out = {}\n"
        "for cls in (lf.FrontDeskStaff, lf.Official, lf.RestClient):\n"
        "    names = [t.__name__ for t in cls.tasks]\n"
        "    out[cls.__name__] = {'weight': cls.weight, 'abstract': cls.abstract,\n"
        "                         'tasks': {n: names.count(n) for n in names}}\n"
        "print(json.dumps(out))\n"
    )
    users = json_printed_by(script)
    assert users == {
        "FrontDeskStaff": {"weight": 6, "abstract": False,
                           "tasks": {"log_visit": 3, "work_on_a_case": 2}},
        "Official": {"weight": 2, "abstract": False,
                     "tasks": {"national_dashboard": 2, "province_dashboard": 3,
                               "county_dashboard": 3, "ledger_export": 1}},
        "RestClient": {"weight": 2, "abstract": False,
                       "tasks": {"case_statistics": 3, "visit_statistics": 2,
                                 "target_statistics": 1}},
    }
    assert s.FRONT_DESK_WEIGHT > s.OFFICIAL_WEIGHT + s.REST_CLIENT_WEIGHT  # most users
    assert LOCUSTFILE.exists()


def test_no_user_pauses_as_long_as_the_bench_servers_keep_alive() -> None:
    from bench.run import KEEP_ALIVE_SECONDS

    for _least, most in (s.FRONT_DESK_WAIT, s.OFFICIAL_WAIT, s.REST_CLIENT_WAIT):
        assert most < KEEP_ALIVE_SECONDS


def test_the_scenario_travels_as_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "scenario.json"
    scenario().write(path)
    monkeypatch.setenv(s.SCENARIO_ENV, str(path))
    assert s.Scenario.from_environment() == scenario()
    monkeypatch.delenv(s.SCENARIO_ENV)
    with pytest.raises(RuntimeError, match=s.SCENARIO_ENV):
        s.Scenario.from_environment()


def test_staff_log_visits_and_open_cases_with_a_fresh_key_each_time() -> None:
    rng = random.Random(1)
    visit, again = s.visit_call(scenario(), rng), s.visit_call(scenario(), rng)
    assert (visit.method, visit.path, visit.expected) == ("POST", "/api/v1/visits/", 201)
    assert visit.body is not None and visit.body["veteran"] == 7
    assert visit.body["centre"] == "330681107201"
    assert visit.headers["Authorization"] == "Token st"
    assert visit.headers["Idempotency-Key"] != again.headers["Idempotency-Key"]
    case = s.case_open_call(scenario(), rng)
    assert (case.path, case.expected) == ("/api/v1/cases/", 201)
    assert case.body is not None and case.body["category"] in s.CATEGORIES


def answer(journey: s.CaseJourney, *, status: str | None = None,
           level: str | None = None) -> dict[str, Any]:
    return {"id": journey.id, "status": status or journey.status,
            "level": level or journey.level}


def test_a_case_is_mediated_before_it_is_escalated_or_resolved() -> None:
    journey = s.CaseJourney.opened({"id": 5, "status": "open", "level": "village"})
    rng = random.Random(3)
    first = journey.next_call(scenario(), rng)
    assert first.path == "/api/v1/cases/5/mediate/" and first.expected == 200
    assert first.name == "POST /api/v1/cases/[id]/mediate/"
    journey.advance(first, answer(journey))
    assert journey.mediated_here
    seen = {journey.next_call(scenario(), random.Random(n)).path for n in range(200)}
    assert seen == {"/api/v1/cases/5/escalate/", "/api/v1/cases/5/resolve/"}


def test_an_escalated_case_is_mediated_again_at_its_new_centre() -> None:
    journey = s.CaseJourney(id=5, level="village", mediated_here=True)
    call = s.Call("POST", "/api/v1/cases/5/escalate/", "n", 200)
    journey.advance(call, answer(journey, level="township"))
    assert (journey.level, journey.escalations, journey.mediated_here) == ("township", 1, False)
    assert journey.next_call(scenario(), random.Random(0)).path.endswith("/mediate/")


def test_a_case_is_never_escalated_from_a_province_or_beyond_the_limit() -> None:
    for journey in (s.CaseJourney(id=1, level="province", mediated_here=True),
                    s.CaseJourney(id=1, level="county", mediated_here=True,
                                  escalations=s.MAX_ESCALATIONS)):
        paths = {journey.next_call(scenario(), random.Random(n)).path for n in range(100)}
        assert paths == {"/api/v1/cases/1/resolve/"}


def test_a_resolved_case_is_followed_up_and_closes_or_reopens() -> None:
    journey = s.CaseJourney(id=9, level="township", status="resolved", mediated_here=True)
    calls = [journey.next_call(scenario(), random.Random(n)) for n in range(100)]
    assert {c.path for c in calls} == {"/api/v1/cases/9/follow-up/"}
    assert {c.body["satisfied"] for c in calls if c.body} == {True, False}
    journey.advance(calls[0], answer(journey, status="open"))  # dissatisfied: reopened
    assert not journey.finished
    assert journey.next_call(scenario(), random.Random(0)).path.endswith(
        ("/resolve/", "/escalate/"))
    journey.advance(calls[0], answer(journey, status="closed"))
    assert journey.finished


def test_staff_open_a_case_when_they_hold_none_and_otherwise_move_one() -> None:
    rng = random.Random(2)
    call, journey = s.case_call([], scenario(), rng)
    assert call.path == "/api/v1/cases/" and journey is None
    held = [s.CaseJourney(id=n, level="village") for n in range(s.CASES_IN_HAND)]
    for n in range(50):
        call, journey = s.case_call(held, scenario(), random.Random(n))
        assert journey in held and call.path.endswith("/mediate/")


def test_officials_and_rest_clients_read_with_their_own_credentials() -> None:
    rng = random.Random(4)
    page = s.dashboard_call(scenario(), rng, "province")
    assert (page.path, page.name) == ("/dashboard/330000/", "page /dashboard/[province]/")
    assert page.headers == {"Cookie": "sessionid=sc"}
    assert s.dashboard_call(scenario(), rng, "nation").path == "/dashboard/"
    assert s.ledger_call(scenario(), rng).path == "/dashboard/330000/export.xlsx"
    for kind in ("cases", "visits", "targets"):
        call = s.stats_call(scenario(), rng, kind)
        assert call.path.startswith(f"/api/v1/stats/{kind}/?region=")
        assert call.headers == {"Authorization": "Token ot"} and call.expected == 200


def test_the_bench_gives_locust_provinces_and_counties_that_exist(db: None) -> None:
    from bench.run import measure_mixed, mixed_scenario
    from tests.factories.centres import regions_make

    regions_make(("330000", "浙江省"), ("330600", "绍兴市"), ("330681", "诸暨市"))
    ctx = BenchContext(host="127.0.0.1", port=1, official_token="o", staff_token="s",
                       session_cookie="c", province="330000000000", county="330681000000",
                       visitors=[(1, "330681107201"), (2, "440305001001")])
    made = mixed_scenario(ctx)
    assert made.provinces == ["330000000000"]  # 440000000000 is not in this database
    assert made.counties == ["330681000000"]
    assert (made.staff_token, made.official_token, made.session_cookie) == ("s", "o", "c")
    notes: list[str] = []
    args = argparse.Namespace(mixed_seconds=0)
    assert measure_mixed(ctx, args, notes) is None
    assert notes == ["mixed scenario (locust): not run (--mixed-seconds 0)"]
