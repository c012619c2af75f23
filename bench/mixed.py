"""Locust runs of `make bench`: the mixed scenario (bench/locustfile.py) and the visit
load (bench/locust_visits.py), run headless, and their CSVs.

Locust runs as a child process of the bench (gevent monkey-patches whatever imports
it), bounded by `--run-time` and by a timeout here; its statistics, failures and
exceptions come back as CSV files and go into results["mixed_load"] and, for the
visit load, results["loads"].
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import scenario as s

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
VISITS_LOCUSTFILE = Path(__file__).with_name("locust_visits.py")
USER_CLASSES = {"FrontDeskStaff": s.FRONT_DESK_WEIGHT, "Official": s.OFFICIAL_WEIGHT,
                "RestClient": s.REST_CLIENT_WEIGHT}
SHOWN_FAILURES = 5  # failure and exception messages kept in the results


def locust_command(*, host: str, users: int, spawn_rate: float, seconds: int,
                   csv_prefix: Path, locustfile: Path = LOCUSTFILE) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(locustfile.relative_to(ROOT)),
            "--headless", "-u", str(users), "-r", str(spawn_rate), "--run-time", f"{seconds}s",
            "--stop-timeout", "10", "--csv", str(csv_prefix), "--only-summary",
            "--loglevel", "WARNING", "--host", host]


def _number(value: str) -> float | None:
    """A figure of locust's CSV ("N/A" where there were no requests)."""
    try:
        return round(float(value), 2)
    except ValueError:
        return None


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_stats(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Locust's `<prefix>_stats.csv`: one row per request name, and the aggregated row."""
    rows: list[dict[str, Any]] = []
    aggregated = None
    for record in _rows(path):
        row = {
            "method": record["Type"],
            "name": record["Name"],
            "requests": int(record["Request Count"]),
            "failures": int(record["Failure Count"]),
            "median_ms": _number(record["Median Response Time"]),
            "mean_ms": _number(record["Average Response Time"]),
            "p95_ms": _number(record["95%"]),
            "p99_ms": _number(record["99%"]),
            "max_ms": _number(record["Max Response Time"]),
            "rps": _number(record["Requests/s"]),
        }
        if record["Name"] == "Aggregated" and not record["Type"]:
            aggregated = row
        else:
            rows.append(row)
    return rows, aggregated


def read_failures(path: Path) -> list[dict[str, Any]]:
    """Locust's `<prefix>_failures.csv`, the most frequent first."""
    failures = [{"method": r["Method"], "name": r["Name"], "error": r["Error"],
                 "occurrences": int(r["Occurrences"])} for r in _rows(path)]
    return sorted(failures, key=lambda f: -f["occurrences"])


def read_exceptions(path: Path) -> list[dict[str, Any]]:
    """Locust's `<prefix>_exceptions.csv`: errors raised inside tasks, not by answers."""
    return [{"count": int(r["Count"]), "message": r["Message"],
             "traceback": r["Traceback"][-500:]} for r in _rows(path)]


def summarise(csv_prefix: Path, *, exit_code: int | None, stderr: str = "") -> dict[str, Any]:
    """What one locust run measured, from its CSV files; `errors` counts everything wrong."""
    rows, aggregated = read_stats(Path(f"{csv_prefix}_stats.csv"))
    failures = read_failures(Path(f"{csv_prefix}_failures.csv"))
    exceptions = read_exceptions(Path(f"{csv_prefix}_exceptions.csv"))
    problem = None
    if aggregated is None or not aggregated["requests"]:
        problem = (f"locust (exit code {exit_code}) sent no request: "
                   + (stderr.strip()[-500:] or "no output"))
    elif exit_code not in (0, 1):  # 1 is locust's own "there were failures"
        problem = f"locust ended with exit code {exit_code}: {stderr.strip()[-500:]}"
    failed = aggregated["failures"] if aggregated else 0
    raised = sum(e["count"] for e in exceptions)
    return {
        "rows": rows,
        "aggregated": aggregated,
        "requests": aggregated["requests"] if aggregated else 0,
        "failures": failed,
        "exceptions": raised,
        "errors": failed + raised + (1 if problem else 0),
        "problem": problem,
        "failure_messages": failures[:SHOWN_FAILURES],
        "exception_messages": exceptions[:SHOWN_FAILURES],
        "exit_code": exit_code,
    }


def run_locust(scenario: s.Scenario, *, locustfile: Path, host: str, users: int,
               spawn_rate: float, seconds: int, env: dict[str, str] | None = None
               ) -> dict[str, Any]:
    """Run a locustfile for `seconds` against `host` (loopback) and read what it measured."""
    with tempfile.TemporaryDirectory(prefix="bench-locust-") as tmp:
        config = Path(tmp) / "scenario.json"
        scenario.write(config)
        prefix = Path(tmp) / "locust"
        command = locust_command(host=host, users=users, spawn_rate=spawn_rate,
                                 seconds=seconds, csv_prefix=prefix, locustfile=locustfile)
        environment = {**os.environ, **(env or {}), s.SCENARIO_ENV: str(config)}
        try:
            done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True,
                                  text=True, timeout=seconds + 90, check=False)
            exit_code: int | None = done.returncode
            stderr = done.stderr
        except subprocess.TimeoutExpired as exc:  # run() has killed it
            exit_code = None
            stderr = f"killed after {exc.timeout:.0f} s"
        summary = summarise(prefix, exit_code=exit_code, stderr=stderr)
    shown = command[:command.index("--csv")] + command[command.index("--only-summary"):]
    settings = " ".join(f"{key}={value}" for key, value in (env or {}).items())
    return {
        "command": (f"{settings} " if settings else "") + "locust " + " ".join(shown[3:]),
        "users": users,
        "spawn_rate": spawn_rate,
        "seconds": seconds,
        **summary,
    }


def run_mixed(scenario: s.Scenario, *, host: str, users: int, spawn_rate: float,
              seconds: int) -> dict[str, Any]:
    """The mixed scenario: staff, officials and REST clients by weight."""
    run = run_locust(scenario, locustfile=LOCUSTFILE, host=host, users=users,
                     spawn_rate=spawn_rate, seconds=seconds)
    return {**run, "user_classes": USER_CLASSES}


def run_visit_load(scenario: s.Scenario, *, name: str, host: str, users: int, rate: float,
                   seconds: int) -> dict[str, Any]:
    """`users` front desks logging visits, `rate` a second together (0: back to back),
    as a row of results["loads"]."""
    per_user = rate / users if rate > 0 else 0.0
    run = run_locust(scenario, locustfile=VISITS_LOCUSTFILE, host=host, users=users,
                     spawn_rate=users, seconds=seconds, env={s.VISIT_RATE_ENV: f"{per_user:g}"})
    return visit_load_row(name, run, users=users, rate=rate, seconds=seconds)


def visit_load_row(name: str, run: dict[str, Any], *, users: int, rate: float, seconds: int
                   ) -> dict[str, Any]:
    """A locust run of the visit load as a row of results["loads"]."""
    aggregated = run["aggregated"] or {}
    problems = [f"{f['occurrences']}× {f['error']}" for f in run["failure_messages"]]
    problems += [f"{e['count']}× exception: {e['message']}" for e in run["exception_messages"]]
    if run["problem"]:
        problems.append(run["problem"])
    return {
        "name": name,
        "note": (f"{users} users offering {rate:g} requests/s together (Poisson arrivals)"
                 if rate > 0 else f"{users} users, each sending as soon as answered"),
        "command": run["command"],
        "offered_rps": rate or None,
        "users": users,
        "seconds": seconds,
        "n": run["requests"],
        "throughput_rps": aggregated.get("rps") or 0.0,
        "p50_ms": aggregated.get("median_ms"),
        "p95_ms": aggregated.get("p95_ms"),
        "p99_ms": aggregated.get("p99_ms"),
        "errors": run["errors"],
        "statuses": "; ".join(problems)[:500] or "201 each",
    }
