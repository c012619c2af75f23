"""The bench harness's own parts: percentiles, the load client, the registry, the report.

Timings themselves are not tested (a benchmark is not a test).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.http import percentiles_ms, run_users
from bench.registry import (  # the registry, as make bench sees it
    BASELINES,
    LOADS,
    PROBES,
    TIMINGS,
    BenchContext,
    Probe,
    Skipped,
    route_exists,
)
from bench.report import markdown


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        status = 500 if self.path == "/fail" else 200
        body = b"ok"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def context() -> BenchContext:
    return BenchContext(host="127.0.0.1", port=1, official_token="o", staff_token="s",
                        session_cookie="c", province="330000000000", county="330681000000",
                        visitors=[(1, "330681107201")])


def test_percentiles_are_read_from_the_sorted_latencies() -> None:
    figures = percentiles_ms([i / 1000 for i in range(1, 101)])
    assert figures["p50_ms"] == pytest.approx(50.5)
    assert figures["p95_ms"] == pytest.approx(95.05)
    assert figures["p99_ms"] == pytest.approx(99.01)
    assert percentiles_ms([])["p50_ms"] is None


def test_the_load_client_stops_at_its_request_budget_and_counts_errors(server: int) -> None:
    def make(user: int, number: int) -> tuple[str, str, bytes | None, dict[str, str]]:
        return ("GET", "/fail" if number == 0 else "/", None, {})

    summary = run_users(host="127.0.0.1", port=server, users=4, seconds=10, max_requests=40,
                        make_request=make, ok_statuses=(200,))
    assert summary["n"] == 40
    # Each user's first request fails (a user that starts late may get none).
    assert 1 <= summary["errors"] <= 4
    assert summary["statuses"] == {"200": 40 - summary["errors"], "500": summary["errors"]}
    assert summary["throughput_rps"] > 0


def test_a_measurement_of_a_route_not_built_is_skipped_with_its_reason(db: None) -> None:
    result = PROBES["GET /api/v1/veterans/?region=<county>"](context())
    if route_exists("/api/v1/veterans/"):
        assert isinstance(result, Probe)
    else:
        assert isinstance(result, Skipped) and "does not exist" in result.reason
    assert isinstance(PROBES["GET /api/v1/regions/ (first page, nationwide)"](context()), Probe)


def test_every_registered_measurement_builds_against_a_context(db: None) -> None:
    for table in (BASELINES, PROBES, LOADS, TIMINGS):
        for factory in table.values():
            assert factory(context()) is not None


def test_the_report_shows_ratios_to_the_static_file_and_what_was_skipped() -> None:
    row = {"name": "GET /x", "kind": "endpoint", "path": "/x", "n": 10, "errors": 0,
           "p50_ms": 4.0, "p95_ms": 8.0, "p99_ms": 9.0, "mean_ms": 5.0,
           "p50_vs_static": 4.0, "p95_vs_static": 2.0}
    results = {
        "timestamp": "20260101T000000Z", "commit": "abc", "command": "make bench",
        "seconds": 1.0,
        "machine": {"cpus": 2, "platform": "Linux", "python": "3.11",
                    "load_average_before": [1, 1, 1], "load_average_after": [1, 1, 1]},
        "database": {"server": "PostgreSQL 15", "name": "b",
                     "rows": {"regions": 1, "centres": 1, "veterans": 1, "visits": 1}},
        "server": {"command": "-m gunicorn config.wsgi:application"},
        "samples": {"province": "330000000000", "county": "330681000000"},
        "generation": None, "latency": {"rounds": 10, "rows": [row]}, "loads": [],
        "timings": [], "skipped": [{"measurement": "GET /y", "reason": "not built"}],
        "notes": [],
    }
    text = markdown(results)
    assert "| GET /x | 10 | 4.0 | 8.0 | 9.0 | 4.0× | 2.0× | 0 |" in text
    assert "- GET /y: not built" in text
    assert "## Excel import" not in text
    results["import"] = {"command": "python -m bench.import_veterans --rows 100000 --mode all",
                         "rows": 100_000, "imported": 100_000, "errors": 0, "seconds": 31.5,
                         "rows_per_second": 3175, "peak_memory_mb": 140,
                         "memory_before_mb": 70, "file_mb": 3.5}
    assert "100,000 imported, 0 errors, in **31.5 s**" in markdown(results)


def test_the_case_statistics_api_is_reported_next_to_the_raw_aggregation() -> None:
    from bench.registry import REPLACED, side_by_side

    area, (cached, uncached), raw = REPLACED[1]
    results = {
        "latency": {"rows": [{"name": cached, "p95_ms": 10.0, "p95_vs_static": 4.0},
                             {"name": uncached, "p95_ms": 20.0, "p95_vs_static": 8.0}]},
        "timings": [{"name": raw, "p95_ms": 600.0}],
    }
    rows = side_by_side(results)
    assert [(r["area"], r["raw_vs_api"]) for r in rows] == [(area, 60.0), (area, 30.0)]
    for _, probes, raw_name in REPLACED:  # every name is a registered measurement
        assert set(probes) <= set(PROBES) and raw_name in TIMINGS
    assert side_by_side({"latency": {"rows": []}, "timings": []}) == []


def test_goals_are_judged_only_where_the_run_measured_something() -> None:
    from bench.registry import VISIT_POST, goals

    measured = goals({
        "generation": {"rows_per_second": 60_000, "peak_memory_mb": 600.0},
        "loads": [{"name": VISIT_POST, "users": 50, "offered_rps": 250.0,
                   "throughput_rps": 250.0, "p95_ms": 80.0, "errors": 0}],
        "latency": {"rows": [
            {"name": "GET /api/v1/stats/cases/?region=<p>", "p95_ms": 40.0, "p95_vs_static": 6.0},
        ]},
        "timings": [{"name": "target snapshots recomputed for all", "p95_ms": 900.0}],
        "import": {"rows": 100_000, "seconds": 61.0, "peak_memory_mb": 150, "errors": 0},
    })
    verdicts = {g["goal"]: g["met"] for g in measured}
    assert verdicts["generation ≥ 50,000 rows/s"] is True
    assert verdicts["generation peak memory ≤ 500 MB"] is False
    assert verdicts["visit POST ≥ 200 req/s with p95 ≤ 100 ms and no errors"] is True
    assert verdicts["statistics API p95 ≤ 100 ms and ≤ 5× a static page"] is False  # 6× static
    assert verdicts["target recomputation ≤ 5 s"] is True
    assert verdicts["dashboards p95 ≤ 300 ms"] is None
    assert verdicts["Excel import of 100,000 veterans ≤ 60 s and ≤ 500 MB (issue 3)"] is False
    unmeasured = goals({"generation": None, "loads": [], "latency": {"rows": []}, "timings": []})
    assert all(g["met"] is None for g in unmeasured)


def test_the_bench_refuses_a_database_that_is_not_postgresql(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bench.run import configure_environment

    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/x.sqlite3")
    with pytest.raises(SystemExit, match="measures PostgreSQL"):
        configure_environment()


def test_the_breakdown_and_the_target_summary_are_measured_with_the_statistics_goal() -> None:
    from bench.registry import goals

    for name in ("GET /api/v1/stats/cases/children/?region=<province>",
                 "GET /api/v1/stats/cases/children/?region=<province>&since=<varied> (uncached)",
                 "GET /api/v1/stats/targets/summary/?region=<province>"):
        assert name in PROBES
    for slow in ("GET /api/v1/stats/cases/children/?region=<p>",
                 "GET /api/v1/stats/targets/summary/?region=<p>"):
        measured = goals({"generation": None, "loads": [], "timings": [], "latency": {"rows": [
            {"name": "GET /api/v1/stats/cases/?region=<p>", "p95_ms": 5.0, "p95_vs_static": 2.0},
            {"name": slow, "p95_ms": 150.0, "p95_vs_static": 30.0},
        ]}})
        verdict = next(g for g in measured if g["goal"].startswith("statistics API"))
        assert verdict["met"] is False and slow in verdict["measured"]


@pytest.mark.django_db
def test_the_contact_work_list_is_measured_as_a_village_and_a_township_station() -> None:
    ctx = context()
    ctx.station_sessions = {"330681107201": "village-session", "330681107000": "town-session"}
    village = PROBES["page /contacts/ (the work-list of the village with the most priority "
                     "veterans)"](ctx)
    township = PROBES["page /contacts/ (the work-list of the township with the most "
                      "priority veterans)"](ctx)
    assert isinstance(village, Probe) and isinstance(township, Probe)
    assert ctx.headers(village.auth) == {"Cookie": "sessionid=village-session"}
    assert ctx.headers(township.auth) == {"Cookie": "sessionid=town-session"}
    without = PROBES["page /contacts/ (the work-list of the village with the most priority "
                     "veterans)"](context())
    assert isinstance(without, Skipped)


@pytest.mark.django_db
def test_the_bench_signs_in_the_busiest_village_and_its_township() -> None:
    from bench.run import station_sessions
    from tests.conftest import WORLD
    from tests.factories.centres import regions_make
    from tests.factories.veterans import veteran_make

    regions_make(*WORLD)
    veteran_make("330681107201", name="甲", is_disabled=True)
    veteran_make("330681107202", name="乙", is_decorated=True)
    veteran_make("330681107202", name="丙", took_part_in_combat=True)
    veteran_make("330681107201", name="丁")  # no flag
    assert set(station_sessions("330000000000")) == {"330681107202", "330681107000"}
    assert station_sessions("430000000000") == {}
