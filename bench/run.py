"""`make bench` (`python -m bench.run`): measure the portal on PostgreSQL in one run.

DATABASE_URL must point at PostgreSQL; when it is not set the bench uses
postgres://postgres@127.0.0.1:5432/fengqiao_bench. The data set is generated
(`generate_national --scale S`) when the database has none, or when asked with
--regenerate. Then gunicorn is started on 127.0.0.1, the registered measurements
(bench/registry.py) run, and the results go to bench/results/<timestamp>.json and
.md, and bench/results/latest.md. Everything is bounded in time; loopback only.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/fengqiao_bench"
HOST = "127.0.0.1"
# The settings of the bench process and of gunicorn: the same secret (sessions made
# here are read there), production mode (no DEBUG query log), loopback only.
SERVER_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
    "ALLOWED_HOSTS": HOST,
    "SECURE_SSL_REDIRECT": "0",
    "CONN_MAX_AGE": "600",
    "LOG_LEVEL": "WARNING",
    # Production shape: Celery beat keeps the rollups fresh; reads only read them.
    "ROLLUPS_REFRESH_ON_READ": "0",
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", type=float, default=0.02)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--regenerate", action="store_true",
                   help="delete the generated data and generate again at --scale")
    p.add_argument("--no-rollups", action="store_true",
                   help="generate without rebuilding the dashboards' rollups (their "
                   "measurements are then skipped)")
    p.add_argument("--port", type=int, default=8105)
    p.add_argument("--workers", type=int, default=5,
                   help="gunicorn worker processes (sync: 2 × cores + 1, docs/operations.md)")
    p.add_argument("--worker-class", default="sync", choices=["sync", "gthread"],
                   help="gunicorn worker class")
    p.add_argument("--threads", type=int, default=2,
                   help="threads per gunicorn worker (gthread only)")
    p.add_argument("--rounds", type=int, default=200,
                   help="requests per endpoint (interleaved rounds)")
    p.add_argument("--latency-seconds", type=float, default=90,
                   help="stop the rounds after this long")
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--visit-rate", type=float, default=210,
                   help="visits a second the --users offer together in the paced visit load "
                   "(0: only the back-to-back one)")
    p.add_argument("--visit-seconds", type=int, default=30,
                   help="how long each visit load runs (0: not at all)")
    p.add_argument("--load-seconds", type=float, default=20)
    p.add_argument("--load-max-requests", type=int, default=20_000)
    p.add_argument("--mixed-users", type=int, default=20,
                   help="locust users of the mixed scenario (bench/locustfile.py)")
    p.add_argument("--mixed-spawn-rate", type=float, default=5,
                   help="locust users started per second")
    p.add_argument("--mixed-seconds", type=int, default=60,
                   help="how long the mixed scenario runs (0: not at all)")
    p.add_argument("--import-rows", type=int, default=100_000,
                   help="veterans in the Excel import measured at the end (0: not at all)")
    p.add_argument("--only", default="", help="run only measurements whose name contains this")
    p.add_argument("--out", type=Path, default=RESULTS)
    return p.parse_args(argv)


def configure_environment() -> str:
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(f"make bench measures PostgreSQL; DATABASE_URL is {url!r}.")
    os.environ["DATABASE_URL"] = url
    for key, value in SERVER_ENV.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    return url


def manage(*args: str, capture: bool = False) -> str:
    """Run a management command in its own process (its memory is then its own)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, check=True,
        stdout=subprocess.PIPE if capture else None, text=True,
    )
    return result.stdout or ""


def generate(args: argparse.Namespace, log: list[str]) -> dict[str, Any] | None:
    from dashboards.generation import generated_tables_empty

    if not args.regenerate and not generated_tables_empty():
        log.append("data set reused: the database already had one (pass --regenerate "
                   "to generate again); generator figures are those of earlier runs")
        return None
    with tempfile.NamedTemporaryFile(suffix=".json") as stats:
        command = ["generate_national", "--scale", str(args.scale), "--seed", str(args.seed),
                   "--stats-json", stats.name]
        if args.regenerate:
            command.append("--reset")
        if args.no_rollups:
            command.append("--no-rollups")
        print("$ manage.py " + " ".join(command), flush=True)
        manage(*command)
        report: dict[str, Any] = json.loads(Path(stats.name).read_text())
    report["command"] = "python manage.py " + " ".join(command[:5])
    return report


def bench_users() -> tuple[str, str, str]:
    """Tokens for a nationwide official and a nationwide staff member, and a session."""
    from django.core.management import call_command
    from django.test import Client

    from centres.models import User

    tokens = []
    for username, role in (("bench-official", "official"), ("bench-staff", "staff")):
        with open(os.devnull, "w") as quiet:
            call_command("create_staff", "--username", username, "--password",
                         f"{username}-{random.random()}", "--role", role, stdout=quiet)
        tokens.append(manage("create_api_token", username, capture=True).strip())
    client = Client()
    client.force_login(User.objects.get(username="bench-official"))
    return tokens[0], tokens[1], client.cookies["sessionid"].value


def samples(seed: int) -> tuple[str, str, list[tuple[int, str]]]:
    """A province, a county with veterans, and veterans to log visits for."""
    from centres.models import Region
    from veterans.models import Veteran

    rng = random.Random(seed)
    province = "330000000000" if Region.objects.filter(code="330000000000").exists() else (
        Region.objects.filter(level="province").values_list("code", flat=True).first() or "")
    last = Veteran.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids = {rng.randint(1, last) for _ in range(2_000)} if last else set()
    visitors = list(Veteran.objects.filter(pk__in=ids).values_list("pk", "region_id"))
    in_province = [code for _, code in visitors if code.startswith(province[:2])]
    home = in_province[0] if in_province else (visitors[0][1] if visitors else province)
    return province, home[:6].ljust(12, "0"), visitors


def mixed_scenario(ctx: Any) -> Scenario:
    """The mixed scenario's credentials, and provinces and counties that exist, taken from
    where the sampled veterans live (the bench's own samples first)."""
    from bench.scenario import Scenario
    from centres.models import Region

    wanted_provinces = [ctx.province, *(code[:2].ljust(12, "0") for _, code in ctx.visitors)]
    wanted_counties = [ctx.county, *(code[:6].ljust(12, "0") for _, code in ctx.visitors)]
    existing = set(Region.objects.filter(code__in={*wanted_provinces, *wanted_counties})
                   .values_list("code", flat=True))

    def first(codes: list[str], n: int) -> list[str]:
        return [code for code in dict.fromkeys(codes) if code in existing][:n]

    return Scenario(staff_token=ctx.staff_token, official_token=ctx.official_token,
                    session_cookie=ctx.session_cookie, provinces=first(wanted_provinces, 6),
                    counties=first(wanted_counties, 20), visitors=ctx.visitors)


def measure_mixed(ctx: Any, args: argparse.Namespace, notes: list[str]) -> dict[str, Any] | None:
    """The mixed scenario under locust, while gunicorn runs; None when not asked for."""
    from bench.mixed import run_mixed

    if args.mixed_seconds <= 0:
        notes.append("mixed scenario (locust): not run (--mixed-seconds 0)")
        return None
    scenario = mixed_scenario(ctx)
    if not (scenario.visitors and scenario.provinces and scenario.counties):
        notes.append("mixed scenario (locust): not run, the database has no veterans")
        return None
    print(f"mixed scenario: locust, {args.mixed_users} users, {args.mixed_seconds} s",
          flush=True)
    return run_mixed(scenario, host=f"http://{HOST}:{args.port}", users=args.mixed_users,
                     spawn_rate=args.mixed_spawn_rate, seconds=args.mixed_seconds)


IMPORT_NAME = "Excel import of veterans (python -m bench.import_veterans)"


def measure_import(args: argparse.Namespace, notes: list[str]) -> dict[str, Any] | None:
    """The registry import of `--import-rows` veterans, in a process of its own."""
    if args.only and args.only not in IMPORT_NAME:
        return None
    if args.import_rows <= 0:
        notes.append("Excel import: not run (--import-rows 0)")
        return None
    print(f"Excel import: {args.import_rows:,} veterans ...", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        figures = Path(tmp) / "import.json"
        done = subprocess.run(
            [sys.executable, "-m", "bench.import_veterans",
             "--rows", str(args.import_rows), "--user", "bench-staff",
             "--file", str(Path(tmp) / "veterans.xlsx"), "--json", str(figures)],
            cwd=ROOT, check=False,
        )
        if done.returncode != 0 or not figures.exists():
            # The other measurements of the run are kept; this one is reported missing.
            notes.append(f"Excel import: failed (exit status {done.returncode}), see the log")
            return None
        result: dict[str, Any] = json.loads(figures.read_text())
    return result


KEEP_ALIVE_SECONDS = 5


class Server:
    """gunicorn on loopback, started and stopped by the bench (by its own pid)."""

    def __init__(self, port: int, workers: int, threads: int,
                 worker_class: str = "sync") -> None:
        self.port, self.workers, self.threads = port, workers, threads
        self.worker_class = worker_class
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        # --keep-alive above the mixed scenario's longest pause (bench/scenario.py): at
        # gunicorn's default of 2 s, a user pausing about 2 s sends on a connection the
        # server is closing at that moment; locust retries a GET then, but not a POST.
        # Sync workers are given no --threads: gunicorn would turn them into gthread ones.
        threads = ["--threads", str(self.threads)] if self.worker_class == "gthread" else []
        return [sys.executable, "-m", "gunicorn", "config.wsgi:application",
                "--bind", f"{HOST}:{self.port}", "--workers", str(self.workers),
                "--worker-class", self.worker_class, *threads,
                "--keep-alive", str(KEEP_ALIVE_SECONDS),
                "--backlog", "256", "--log-level", "warning", "--timeout", "60"]

    def __enter__(self) -> Server:
        from bench.http import Client

        self.process = subprocess.Popen(self.command(), cwd=ROOT)
        client = Client(HOST, self.port, timeout=5)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited while starting")
            try:
                if client.request("GET", "/healthz/")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def built(table: dict[str, Any], ctx: Any, args: argparse.Namespace,
          skipped: list[dict[str, str]]) -> Iterator[tuple[str, Any]]:
    """The measurements of a registry table that `--only` selects and that exist in this
    build; the others are recorded in `skipped` with their reason."""
    from bench.registry import Skipped

    for name, factory in table.items():
        if args.only and args.only not in name:
            continue
        made = factory(ctx)
        if isinstance(made, Skipped):
            skipped.append({"measurement": name, "reason": made.reason})
        else:
            yield name, made


def measure_probes(ctx: Any, args: argparse.Namespace, skipped: list[dict[str, str]]
                   ) -> dict[str, Any]:
    """Every probe and baseline, one request each per round, in a shuffled order per round."""
    from bench.http import Client, Samples
    from bench.registry import BASELINES, PROBES, Probe

    chosen: dict[str, tuple[str, Probe]] = {}
    baseline_args = argparse.Namespace(**{**vars(args), "only": ""})  # baselines always run
    for name, made in built(BASELINES, ctx, baseline_args, skipped):
        chosen[name] = ("baseline", made)
    for name, made in built(PROBES, ctx, args, skipped):
        chosen[name] = ("endpoint", made)
    clients = {name: Client(HOST, args.port) for name in chosen}
    results = {name: Samples() for name in chosen}
    order = list(chosen)
    rng = random.Random(args.seed)
    for name, (_, p) in chosen.items():  # warm up: caches, connections, first queries
        for _ in range(3):
            clients[name].request("GET", p.path_for(10_000), None, ctx.headers(p.auth))
    deadline = time.monotonic() + args.latency_seconds
    rounds = 0
    while rounds < args.rounds and time.monotonic() < deadline:
        rng.shuffle(order)
        for name in order:
            p = chosen[name][1]
            status, _, elapsed = clients[name].request("GET", p.path_for(rounds), None,
                                                       ctx.headers(p.auth))
            results[name].add(elapsed, status, status == 200)
        rounds += 1
    for client in clients.values():
        client.close()
    rows = []
    static = results[next(n for n, (k, _) in chosen.items() if k == "baseline")].summary()
    for name, (kind, p) in chosen.items():
        summary = results[name].summary()
        row = {"name": name, "kind": kind, "path": p.path, **summary}
        for q in ("p50", "p95"):
            base = static[f"{q}_ms"]
            row[f"{q}_vs_static"] = (round(summary[f"{q}_ms"] / base, 1)
                                     if base and summary[f"{q}_ms"] is not None else None)
        rows.append(row)
    return {"rounds": rounds, "rows": rows}


def measure_proxy(ctx: Any, args: argparse.Namespace, notes: list[str]) -> dict[str, Any] | None:
    """The proxy shape: nginx (docker/nginx/portal.conf.template) in front of gunicorn. A
    statistics request revalidated through it (If-None-Match, answered 304) next to a
    static file through it, one request each per round."""
    from bench.http import Client, Samples
    from bench.proxy import NGINX, nginx_in_front
    from bench.registry import PROXY_FULL, PROXY_REVALIDATED, PROXY_STATIC

    if NGINX is None:
        notes.append("proxy shape: not measured, nginx is not installed")
        return None
    stats = f"/api/v1/stats/cases/?region={ctx.province}"
    with tempfile.TemporaryDirectory() as folder, nginx_in_front(
        Path(folder), upstream=f"{HOST}:{args.port}", static_root=ROOT / "staticfiles"
    ) as base:
        port = int(base.rsplit(":", 1)[1])
        first = Client(HOST, port)
        status, _, _ = first.request("GET", stats, None, ctx.headers("token"))
        etag = first.last_headers.get("etag")
        first.close()
        if status != 200 or not etag:
            notes.append(f"proxy shape: not measured, statistics answered {status} without ETag")
            return None
        shapes = {
            PROXY_STATIC: ("/static/css/portal.css", {}, 200),
            PROXY_REVALIDATED: (stats, {**ctx.headers("token"), "If-None-Match": etag}, 304),
            PROXY_FULL: (stats, ctx.headers("token"), 200),
        }
        clients = {name: Client(HOST, port) for name in shapes}
        samples = {name: Samples() for name in shapes}
        order = list(shapes)
        rng = random.Random(args.seed)
        deadline = time.monotonic() + args.latency_seconds / 3
        rounds = 0
        while rounds < args.rounds and time.monotonic() < deadline:
            rng.shuffle(order)
            for name in order:
                path, headers, expected = shapes[name]
                status, _, elapsed = clients[name].request("GET", path, None, headers)
                samples[name].add(elapsed, status, status == expected)
            rounds += 1
        for client in clients.values():
            client.close()
    return {"rounds": rounds, "rows": [{"name": name, "path": shapes[name][0],
                                        **samples[name].summary()} for name in shapes]}


def measure_loads(ctx: Any, args: argparse.Namespace, skipped: list[dict[str, str]]
                  ) -> list[dict[str, Any]]:
    from bench.http import run_users
    from bench.registry import LOADS

    rows = []
    for name, made in built(LOADS, ctx, args, skipped):
        print(f"load: {name}, {args.users} users, {args.load_seconds:.0f} s", flush=True)
        summary = run_users(host=HOST, port=args.port, users=args.users,
                            seconds=args.load_seconds, max_requests=args.load_max_requests,
                            make_request=made.make_request, ok_statuses=made.ok_statuses)
        rows.append({"name": name, "note": made.note, **summary})
    return rows


def measure_visit_loads(ctx: Any, args: argparse.Namespace, notes: list[str]
                        ) -> list[dict[str, Any]]:
    """Visit logging under locust: back to back (the saturation throughput), then paced."""
    from bench.mixed import run_visit_load
    from bench.registry import VISIT_POST, VISIT_POST_SATURATION

    stages = [(VISIT_POST_SATURATION, 0.0)]
    if args.visit_rate > 0:
        stages.append((VISIT_POST, args.visit_rate))
    stages = [(name, rate) for name, rate in stages if args.only in name]
    if not stages or args.visit_seconds <= 0:
        return []
    scenario = mixed_scenario(ctx)
    if not scenario.visitors:
        notes.append("visit load (locust): not run, the database has no veterans")
        return []
    rows = []
    for name, rate in stages:
        print(f"load: {name}, {args.users} users, {args.visit_seconds} s", flush=True)
        rows.append(run_visit_load(scenario, name=name, host=f"http://{HOST}:{args.port}",
                                   users=args.users, rate=rate, seconds=args.visit_seconds))
    return rows


def measure_timings(ctx: Any, args: argparse.Namespace, skipped: list[dict[str, str]]
                    ) -> list[dict[str, Any]]:
    from bench.http import Samples
    from bench.registry import TIMINGS

    rows = []
    for name, made in built(TIMINGS, ctx, args, skipped):
        made.run()  # warm up
        samples = Samples()
        for _ in range(made.repeat):
            started = time.perf_counter()
            made.run()
            samples.add(time.perf_counter() - started, 200, True)
        rows.append({"name": name, "note": made.note, **samples.summary()})
    return rows


def database_facts() -> dict[str, Any]:
    from django.db import connection

    from centres.models import Centre, Region
    from veterans.models import Veteran, Visit

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return {
        "server": f"PostgreSQL {version}",
        "name": connection.settings_dict["NAME"],
        "rows": {"regions": Region.objects.count(), "centres": Centre.objects.count(),
                 "veterans": Veteran.objects.count(), "visits": Visit.objects.count()},
    }


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = configure_environment()
    import django

    django.setup()
    from bench.registry import BenchContext, goals, side_by_side
    from bench.report import write_results

    started = time.monotonic()
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    load_before = os.getloadavg()
    print(f"bench: {url.rsplit('@', 1)[-1]}, results in {args.out}", flush=True)
    manage("migrate", "--noinput", "-v0")
    manage("compile_translations")
    manage("collectstatic", "--noinput", "-v0")
    notes: list[str] = []
    generation = generate(args, notes)
    # From an empty cache: an earlier run's answers (kept ten minutes) would make the
    # uncached measurements cached ones.
    from django.core.cache import cache

    cache.clear()
    official_token, staff_token, session = bench_users()
    province, county, visitors = samples(args.seed)
    ctx = BenchContext(host=HOST, port=args.port, official_token=official_token,
                       staff_token=staff_token, session_cookie=session, province=province,
                       county=county, visitors=visitors, users=args.users,
                       load_seconds=args.load_seconds, load_max_requests=args.load_max_requests)
    skipped: list[dict[str, str]] = []
    server = Server(args.port, args.workers, args.threads, args.worker_class)
    with server:
        print("latency: interleaved rounds ...", flush=True)
        latency = measure_probes(ctx, args, skipped)
        proxy = measure_proxy(ctx, args, notes)
        loads = measure_visit_loads(ctx, args, notes) + measure_loads(ctx, args, skipped)
        mixed = measure_mixed(ctx, args, notes)
    timings = measure_timings(ctx, args, skipped)
    imported = measure_import(args, notes)
    results = {
        "timestamp": stamp,
        "commit": git_commit(),
        "command": "make bench BENCH_ARGS='" + " ".join(argv or sys.argv[1:]) + "'",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "database": database_facts(),
        "samples": {"province": province, "county": county},
        "server": {"command": " ".join(server.command()[1:])},
        "generation": generation,
        "latency": latency,
        "proxy": proxy,
        "loads": loads,
        "timings": timings,
        "mixed_load": mixed,
        "import": imported,
        "skipped": skipped,
        "notes": notes,
        "seconds": round(time.monotonic() - started, 1),
    }
    results["side_by_side"] = side_by_side(results)
    results["goals"] = goals(results)
    paths = write_results(results, args.out)
    print("\n".join(f"wrote {p.relative_to(ROOT) if p.is_relative_to(ROOT) else p}"
                    for p in paths))
    print((args.out / "latest.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
