"""What `make bench` measures: a registry, so that a new measurement is one function.

Three kinds:
- `@probe`: a GET measured one request at a time, interleaved round by round with
  the baselines (a static file and a trivial view) so that ratios compare like
  with like on a shared machine;
- `@load`: concurrent users against the WSGI server (throughput, percentiles, errors);
- `@timing`: an operation run in the bench process (a raw SQL aggregation, a
  recomputation), repeated and timed.

Each function receives the `BenchContext` and returns its measurement, or
`Skipped(reason)` when what it measures does not exist yet (a route not built):
the reason is written into the results.

The case-statistics API for a province and the nation is measured next to the
same figures computed by one raw SQL aggregation over the case table
(`cases.selectors.case_stats_aggregate`, what the rollups replace) in the same
run; the 100,000-veteran Excel import has its own script (`python -m bench.import_veterans`,
which `make bench` runs at the end).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.urls import Resolver404, resolve


@dataclass(frozen=True)
class Skipped:
    reason: str


@dataclass
class BenchContext:
    host: str
    port: int
    official_token: str  # a nationwide official: reads
    staff_token: str  # a nationwide staff member: writes
    session_cookie: str  # the official, signed in, for pages
    province: str
    county: str
    visitors: list[tuple[int, str]] = field(default_factory=list)  # (veteran id, home code)
    # Sessions of station staff, by the station's region code (the contact work-list).
    station_sessions: dict[str, str] = field(default_factory=dict)
    users: int = 50
    load_seconds: float = 20.0
    load_max_requests: int = 20_000

    def headers(self, auth: str) -> dict[str, str]:
        if auth == "token":
            return {"Authorization": f"Token {self.official_token}"}
        if auth == "staff":
            return {"Authorization": f"Token {self.staff_token}"}
        if auth == "session":
            return {"Cookie": f"sessionid={self.session_cookie}"}
        if auth.startswith("station:"):
            return {"Cookie": f"sessionid={self.station_sessions[auth.split(':', 1)[1]]}"}
        return {}


@dataclass(frozen=True)
class Probe:
    path: str
    auth: str = "token"  # token | staff | session | station:<region code> | none
    # A different `since` each request: measures the computation, not a cached answer.
    uncached: bool = False

    def path_for(self, number: int) -> str:
        if not self.uncached:
            return self.path
        since = datetime.date(2024, 1, 1) + datetime.timedelta(days=number % 600)
        return f"{self.path}{'&' if '?' in self.path else '?'}since={since.isoformat()}"


@dataclass(frozen=True)
class Load:
    make_request: Callable[[int, int], tuple[str, str, bytes | None, dict[str, str]]]
    ok_statuses: tuple[int, ...] = (200,)
    note: str = ""


@dataclass(frozen=True)
class Timed:
    run: Callable[[], Any]
    repeat: int = 20
    note: str = ""


ProbeFactory = Callable[[BenchContext], Probe | Skipped]
LoadFactory = Callable[[BenchContext], Load | Skipped]
TimedFactory = Callable[[BenchContext], Timed | Skipped]

BASELINES: dict[str, ProbeFactory] = {}
PROBES: dict[str, ProbeFactory] = {}
LOADS: dict[str, LoadFactory] = {}
TIMINGS: dict[str, TimedFactory] = {}


def _register(table: dict[str, Any], name: str) -> Callable[[Any], Any]:
    def decorator(fn: Any) -> Any:
        if name in table:
            raise ValueError(f"two measurements named {name!r}")
        table[name] = fn
        return fn
    return decorator


def baseline(name: str) -> Callable[[ProbeFactory], ProbeFactory]:
    return _register(BASELINES, name)


def probe(name: str) -> Callable[[ProbeFactory], ProbeFactory]:
    return _register(PROBES, name)


def load(name: str) -> Callable[[LoadFactory], LoadFactory]:
    return _register(LOADS, name)


def timing(name: str) -> Callable[[TimedFactory], TimedFactory]:
    return _register(TIMINGS, name)


def route_exists(path: str) -> bool:
    try:
        resolve(path.split("?", 1)[0])
    except Resolver404:
        return False
    return True


def _route_or_skip(path: str, issue: str) -> Skipped | None:
    if route_exists(path):
        return None
    return Skipped(f"{path.split('?', 1)[0]} does not exist in this build yet ({issue})")


# --- Baselines: what the endpoints are compared with ----------------------------------


@baseline("static file (/static/css/portal.css, WhiteNoise)")
def static_file(ctx: BenchContext) -> Probe | Skipped:
    return Probe("/static/css/portal.css", auth="none")


@baseline("trivial view (/healthz/, SELECT 1)")
def trivial_view(ctx: BenchContext) -> Probe | Skipped:
    return Probe("/healthz/", auth="none")


# --- Endpoints that exist now ---------------------------------------------------------


@probe("GET /api/v1/regions/ (first page, nationwide)")
def regions_list(ctx: BenchContext) -> Probe | Skipped:
    return Probe("/api/v1/regions/")


@probe("GET /api/v1/centres/?region=<province>")
def centres_of_province(ctx: BenchContext) -> Probe | Skipped:
    return Probe(f"/api/v1/centres/?region={ctx.province}")


@probe("GET /api/v1/regions/?parent=<county> (its townships)")
def regions_of_county(ctx: BenchContext) -> Probe | Skipped:
    return Probe(f"/api/v1/regions/?parent={ctx.county}")


@probe("GET /api/v1/veterans/?region=<county>")
def veterans_of_county(ctx: BenchContext) -> Probe | Skipped:
    path = f"/api/v1/veterans/?region={ctx.county}"
    return _route_or_skip(path, "issue 3") or Probe(path)


@probe("GET /api/v1/visits/?region=<county>")
def visits_of_county(ctx: BenchContext) -> Probe | Skipped:
    path = f"/api/v1/visits/?region={ctx.county}"
    return _route_or_skip(path, "issue 3") or Probe(path)


@probe("GET /api/v1/veterans/ (first page, nationwide)")
def veterans_nationwide(ctx: BenchContext) -> Probe | Skipped:
    return Probe("/api/v1/veterans/")


@probe("GET /api/v1/visits/ (first page, nationwide)")
def visits_nationwide(ctx: BenchContext) -> Probe | Skipped:
    return Probe("/api/v1/visits/")


@probe("GET /api/v1/cases/ (first page, nationwide)")
def cases_nationwide(ctx: BenchContext) -> Probe | Skipped:
    return Probe("/api/v1/cases/")


@probe("GET /api/v1/veterans/?search=王 (one character, nationwide)")
def name_search_one_character(ctx: BenchContext) -> Probe | Skipped:
    return Probe("/api/v1/veterans/?search=%E7%8E%8B")


@probe("GET /api/v1/veterans/?search=<three characters> (nationwide)")
def name_search_three_characters(ctx: BenchContext) -> Probe | Skipped:
    return Probe("/api/v1/veterans/?search=%E7%8E%8B%E5%BB%BA%E5%9B%BD")  # 王建国


@probe("page /centres/ (directory, the nation)")
def directory_nation(ctx: BenchContext) -> Probe | Skipped:
    return Probe("/centres/", auth="session")


@probe("page /centres/?region=<province> (directory)")
def directory_province(ctx: BenchContext) -> Probe | Skipped:
    return Probe(f"/centres/?region={ctx.province}", auth="session")


@probe("page /centres/<county>/ (a county centre)")
def centre_page(ctx: BenchContext) -> Probe | Skipped:
    return Probe(f"/centres/{ctx.county[:6]}/", auth="session")


# --- Statistics and dashboards: they read the rollups (dashboards.rollups) -----------


def _rollups_or_skip(path: str) -> Skipped | None:
    """Statistics read the rollups; over unbuilt rollups they would measure nothing."""
    from dashboards.models import DailyStat
    from veterans.models import Visit

    skipped = _route_or_skip(path, "dashboards")
    if skipped is None and Visit.objects.exists() and not DailyStat.objects.exists():
        return Skipped("the rollups are not built (generated with --no-rollups): "
                       "run manage.py rollups_rebuild first")
    return skipped


def _stats(path: str, auth: str = "token", *, uncached: bool = False) -> Probe | Skipped:
    return _rollups_or_skip(path) or Probe(path, auth=auth, uncached=uncached)


@probe("GET /api/v1/stats/cases/?region=<province>")
def case_stats_province(ctx: BenchContext) -> Probe | Skipped:
    return _stats(f"/api/v1/stats/cases/?region={ctx.province}")


@probe("GET /api/v1/stats/cases/?region=<province>&since=<varied> (uncached)")
def case_stats_province_uncached(ctx: BenchContext) -> Probe | Skipped:
    return _stats(f"/api/v1/stats/cases/?region={ctx.province}", uncached=True)


@probe("GET /api/v1/stats/cases/?region=000000000000 (the nation)")
def case_stats_nation(ctx: BenchContext) -> Probe | Skipped:
    return _stats("/api/v1/stats/cases/?region=000000000000")


@probe("GET /api/v1/stats/cases/?region=000000000000&since=<varied> (the nation, uncached)")
def case_stats_nation_uncached(ctx: BenchContext) -> Probe | Skipped:
    return _stats("/api/v1/stats/cases/?region=000000000000", uncached=True)


@probe("GET /api/v1/stats/cases/?region=<province>&format=csv")
def case_stats_province_csv(ctx: BenchContext) -> Probe | Skipped:
    return _stats(f"/api/v1/stats/cases/?region={ctx.province}&format=csv")


@probe("GET /api/v1/stats/cases/children/?region=<province>")
def case_breakdown_province(ctx: BenchContext) -> Probe | Skipped:
    return _stats(f"/api/v1/stats/cases/children/?region={ctx.province}")


@probe("GET /api/v1/stats/cases/children/?region=<province>&since=<varied> (uncached)")
def case_breakdown_province_uncached(ctx: BenchContext) -> Probe | Skipped:
    return _stats(f"/api/v1/stats/cases/children/?region={ctx.province}", uncached=True)


@probe("GET /api/v1/stats/cases/children/?region=000000000000 (the nation)")
def case_breakdown_nation(ctx: BenchContext) -> Probe | Skipped:
    return _stats("/api/v1/stats/cases/children/?region=000000000000")


@probe("GET /api/v1/stats/teams/?region=<province>")
def team_stats_province(ctx: BenchContext) -> Probe | Skipped:
    """Read from the raw rows (the roster, teams, members, confirmed hours), not rollups:
    measured next to stats/cases for the same province."""
    path = f"/api/v1/stats/teams/?region={ctx.province}"
    return _route_or_skip(path, "teams") or Probe(path)


@probe("GET /api/v1/stats/visits/?region=<province>")
def visit_stats_province(ctx: BenchContext) -> Probe | Skipped:
    return _stats(f"/api/v1/stats/visits/?region={ctx.province}")


@probe("GET /api/v1/stats/targets/?region=<province>")
def target_stats_province(ctx: BenchContext) -> Probe | Skipped:
    path = f"/api/v1/stats/targets/?region={ctx.province}"
    return _route_or_skip(path, "demonstration") or Probe(path)


@probe("GET /api/v1/stats/targets/summary/?region=<province>")
def target_summary_province(ctx: BenchContext) -> Probe | Skipped:
    path = f"/api/v1/stats/targets/summary/?region={ctx.province}"
    return _route_or_skip(path, "demonstration") or Probe(path)


@probe("page /dashboard/ (the nation)")
def dashboard_nation(ctx: BenchContext) -> Probe | Skipped:
    return _stats("/dashboard/", "session")


@probe("page /dashboard/ (the nation, since=<varied>: uncached)")
def dashboard_nation_uncached(ctx: BenchContext) -> Probe | Skipped:
    return _stats("/dashboard/", "session", uncached=True)


@probe("page /dashboard/<province>/")
def dashboard_province(ctx: BenchContext) -> Probe | Skipped:
    return _stats(f"/dashboard/{ctx.province[:6]}/", "session")


@probe("page /dashboard/<province>/ (since=<varied>: uncached)")
def dashboard_province_uncached(ctx: BenchContext) -> Probe | Skipped:
    return _stats(f"/dashboard/{ctx.province[:6]}/", "session", uncached=True)


@probe("page /dashboard/<county>/ (since=<varied>: uncached)")
def dashboard_county_uncached(ctx: BenchContext) -> Probe | Skipped:
    return _stats(f"/dashboard/{ctx.county[:6]}/", "session", uncached=True)


# --- Regular contact (contacts/) ---------------------------------------------------------
# Read from the raw veterans and visits (no rollup): the figures of a province, and the
# work-list of the village and of the township with the most priority veterans.


@probe("GET /api/v1/stats/contacts/?region=<province>")
def contact_stats_province(ctx: BenchContext) -> Probe | Skipped:
    path = f"/api/v1/stats/contacts/?region={ctx.province}"
    return _route_or_skip(path, "issue 20") or Probe(path)


def _worklist(ctx: BenchContext, level: str) -> Probe | Skipped:
    skipped = _route_or_skip("/contacts/", "issue 20")
    if skipped is not None:
        return skipped
    from centres.codes import level_of

    code = next((c for c in ctx.station_sessions if level_of(c) == level), None)
    if code is None:
        return Skipped(f"no {level} with priority veterans in the data set")
    return Probe("/contacts/", auth=f"station:{code}")


@probe("page /contacts/ (the work-list of the village with the most priority veterans)")
def worklist_village(ctx: BenchContext) -> Probe | Skipped:
    return _worklist(ctx, "village")


@probe("page /contacts/ (the work-list of the township with the most priority veterans)")
def worklist_township(ctx: BenchContext) -> Probe | Skipped:
    return _worklist(ctx, "township")


# --- Concurrent users ------------------------------------------------------------------

@load("GET /api/v1/regions/<county>/ (stand-in read under load)")
def region_detail_under_load(ctx: BenchContext) -> Load | Skipped:
    headers = ctx.headers("token")

    def make_request(user: int, number: int) -> tuple[str, str, bytes | None, dict[str, str]]:
        return ("GET", f"/api/v1/regions/{ctx.county}/", None, headers)

    return Load(make_request, note="a light read with bench/http.py's threaded client, which "
                "costs more CPU than locust's: the server and the client together")


# --- In-process timings -------------------------------------------------------------------


@timing("raw SQL: visits of the last 30 days by province (one aggregation)")
def visits_by_province(ctx: BenchContext) -> Timed | Skipped:
    sql = (
        "SELECT substr(region_id, 1, 2), count(*) FROM veterans_visit "
        "WHERE visited_at >= now() - interval '30 days' GROUP BY 1"
    )

    def run() -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return len(cursor.fetchall())

    return Timed(run, repeat=10, note="the kind of figure dashboards will read from rollups")


NATION_DASHBOARD_RAW = ("raw SQL: the national dashboard's figures from the raw rows "
                        "(visits and cases of this year by province and month)")


@timing(NATION_DASHBOARD_RAW)
def nation_dashboard_raw(ctx: BenchContext) -> Timed | Skipped:
    """What /dashboard/ would cost without rollups: two grouped scans of this year's rows."""
    visits = (
        "SELECT substr(region_id, 1, 2), date_trunc('month', visited_at AT TIME ZONE %s), "
        "count(*) FROM veterans_visit WHERE visited_at >= %s GROUP BY 1, 2"
    )
    cases = (
        "SELECT substr(received_region_id, 1, 2), "
        "date_trunc('month', received_at AT TIME ZONE %s), count(*), "
        "count(*) FILTER (WHERE status = 'open'), "
        "count(*) FILTER (WHERE status = 'open' AND deadline < now()), "
        "count(*) FILTER (WHERE status <> 'open' AND resolved_level IN ('village', 'township')) "
        "FROM cases_case WHERE received_at >= %s GROUP BY 1, 2"
    )
    from django.conf import settings

    from config.days import local_day_start

    since = local_day_start(datetime.date.today().replace(month=1, day=1))

    def run() -> int:
        with connection.cursor() as cursor:
            rows = 0
            for sql in (visits, cases):
                cursor.execute(sql, [settings.TIME_ZONE, since])
                rows += len(cursor.fetchall())
            return rows

    return Timed(run, repeat=5, note="two grouped scans of this year's visits and cases; "
                 "the page reads the same figures from the rollups")


def _case_aggregation(code: str | None) -> Timed:
    from cases.selectors import case_stats_aggregate

    def run() -> int:
        return int(case_stats_aggregate(code=code)["total"])

    return Timed(run, repeat=10, note="cases.selectors.case_stats_aggregate: the figures of "
                 "/api/v1/stats/cases/ by one aggregation over cases_case (what the rollups "
                 "replace)")


@timing("raw SQL: case statistics of <province> (one aggregation over the case table)")
def case_aggregation_province(ctx: BenchContext) -> Timed | Skipped:
    return _case_aggregation(ctx.province)


@timing("raw SQL: case statistics of the nation (one aggregation over the case table)")
def case_aggregation_nation(ctx: BenchContext) -> Timed | Skipped:
    return _case_aggregation(None)


@timing("target snapshots recomputed for every model region (one service call)")
def targets_recompute(ctx: BenchContext) -> Timed | Skipped:
    from demonstration.services import target_snapshots_recompute

    def run() -> int:
        return len(target_snapshots_recompute())

    return Timed(run, repeat=3, note="demonstration.services.target_snapshots_recompute")


@timing("target figures, per-region ORM loop (two counts per model region)")
def targets_per_region_loop(ctx: BenchContext) -> Timed | Skipped:
    """The naive way, for comparison with the grouped computation above."""
    from centres.models import within_q
    from demonstration.targets import eligible_centres, in_force_exists, model_regions

    year = datetime.date.today().year

    def run() -> int:
        regions = list(model_regions(year))
        for region in regions:
            centres = eligible_centres().filter(within_q(region.code, "region"))
            centres.count()
            centres.filter(in_force_exists(year)).count()
        return len(regions)

    return Timed(run, repeat=3, note="what the grouped computation replaces")


STATISTICS_PROBES = ("GET /api/v1/stats/cases/", "GET /api/v1/stats/targets/summary/")


# --- Side by side: the statistics API and the raw aggregation it replaces ------------

# (area, API probes, raw timing), all measured in the same run.
REPLACED = (
    ("<province>", ("GET /api/v1/stats/cases/?region=<province>",
                    "GET /api/v1/stats/cases/?region=<province>&since=<varied> (uncached)"),
     "raw SQL: case statistics of <province> (one aggregation over the case table)"),
    ("the nation", ("GET /api/v1/stats/cases/?region=000000000000 (the nation)",
                    "GET /api/v1/stats/cases/?region=000000000000&since=<varied> "
                    "(the nation, uncached)"),
     "raw SQL: case statistics of the nation (one aggregation over the case table)"),
    ("the nation", ("page /dashboard/ (the nation)",
                    "page /dashboard/ (the nation, since=<varied>: uncached)"),
     NATION_DASHBOARD_RAW),
)


def side_by_side(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each API call or page next to the raw aggregation of its figures (same run)."""
    latency = {r["name"]: r for r in results.get("latency", {}).get("rows", [])}
    timings = {r["name"]: r for r in results.get("timings", [])}
    rows = []
    for area, probes, raw_name in REPLACED:
        raw = timings.get(raw_name)
        for name in probes:
            api = latency.get(name)
            if api is None or raw is None:
                continue
            raw_p95, api_p95 = raw["p95_ms"], api["p95_ms"]
            rows.append({
                "area": area, "api": name, "api_p95_ms": api_p95,
                "api_p95_vs_static": api["p95_vs_static"], "raw": raw_name,
                "raw_p95_ms": raw_p95,
                "raw_vs_api": round(raw_p95 / api_p95, 1) if api_p95 and raw_p95 else None,
            })
    return rows


# --- The goals at scale 1.0 (issue 7), checked against what a run measured -------------

# The visit loads (locust, bench/locust_visits.py; bench.run.measure_visit_loads).
VISIT_POST = "POST /api/v1/visits/ (log a visit, Idempotency-Key), paced"
VISIT_POST_SATURATION = "POST /api/v1/visits/ (log a visit, Idempotency-Key), back to back"


# The national lists (issue 21) and the proxy shape (bench.run.measure_proxy).
NATIONAL_LISTS = (
    "GET /api/v1/veterans/ (first page, nationwide)",
    "GET /api/v1/visits/ (first page, nationwide)",
    "GET /api/v1/cases/ (first page, nationwide)",
    "GET /api/v1/regions/ (first page, nationwide)",
    "GET /api/v1/veterans/?search=王 (one character, nationwide)",
)
PROXY_STATIC = "static file through nginx"
PROXY_REVALIDATED = "GET /api/v1/stats/cases/?region=<province> through nginx, If-None-Match (304)"
PROXY_FULL = "GET /api/v1/stats/cases/?region=<province> through nginx (full answer)"


def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each goal with what this run measured, or `None` where it measured nothing."""
    rows: list[dict[str, Any]] = []

    def add(goal: str, measured: str | None, met: bool | None) -> None:
        rows.append({"goal": goal, "measured": measured, "met": met})

    generation = results.get("generation")
    if generation:
        rate, memory = generation["rows_per_second"], generation["peak_memory_mb"]
        add("generation ≥ 50,000 rows/s", f"{rate:,} rows/s", rate >= 50_000)
        add("generation peak memory ≤ 500 MB", f"{memory:,.0f} MB", memory <= 500)
    else:
        add("generation ≥ 50,000 rows/s, peak memory ≤ 500 MB", None, None)
    visit = next((r for r in results["loads"] if r["name"] == VISIT_POST), None)
    saturation = next((r for r in results["loads"] if r["name"] == VISIT_POST_SATURATION), None)
    if visit:
        add("visit POST ≥ 200 req/s with p95 ≤ 100 ms and no errors",
            f"{visit['throughput_rps']:,.0f} req/s of {visit.get('offered_rps') or 0:,.0f} "
            f"offered by {visit['users']} users, p95 {visit['p95_ms']} ms, "
            f"{visit['errors']} errors"
            + (f" (back to back: {saturation['throughput_rps']:,.0f} req/s, p95 "
               f"{saturation['p95_ms']} ms, {saturation['errors']} errors)" if saturation else ""),
            visit["throughput_rps"] >= 200 and (visit["p95_ms"] or 1e9) <= 100
            and visit["errors"] == 0)
    else:
        add("visit POST ≥ 200 req/s with p95 ≤ 100 ms and no errors", None, None)
    latency = results.get("latency", {}).get("rows", [])
    # The case statistics, their breakdown by child (stats/cases/children) and the
    # target summary answer REST clients alike: one goal for all of them.
    stats = [r for r in latency if r["name"].startswith(STATISTICS_PROBES)]
    if stats:
        worst = max(stats, key=lambda r: r["p95_ms"] or 0)
        add("statistics API p95 ≤ 100 ms and ≤ 5× a static page",
            f"p95 {worst['p95_ms']} ms, {worst['p95_vs_static']}× static ({worst['name']})",
            (worst["p95_ms"] or 1e9) <= 100 and (worst["p95_vs_static"] or 1e9) <= 5)
    else:
        add("statistics API p95 ≤ 100 ms and ≤ 5× a static page", None, None)
    boards = [r for r in latency if r["name"].startswith("page /dashboard/")]
    if boards:
        worst = max(boards, key=lambda r: r["p95_ms"] or 0)
        add("dashboards p95 ≤ 300 ms", f"p95 {worst['p95_ms']} ms ({worst['name']})",
            (worst["p95_ms"] or 1e9) <= 300)
    else:
        add("dashboards p95 ≤ 300 ms", None, None)
    mixed = results.get("mixed_load")
    if mixed:
        add("mixed scenario (locust) without errors",
            f"{mixed['requests']:,} requests in {mixed['seconds']} s, {mixed['failures']} "
            f"failures, {mixed['exceptions']} exceptions"
            + (f"; {mixed['problem']}" if mixed["problem"] else ""),
            mixed["errors"] == 0)
    else:
        add("mixed scenario (locust) without errors", None, None)
    imported = results.get("import")
    if imported:
        add("Excel import of 100,000 veterans ≤ 60 s and ≤ 500 MB (issue 3)",
            f"{imported['rows']:,} rows in {imported['seconds']} s, peak "
            f"{imported['peak_memory_mb']} MB, {imported['errors']} errors",
            imported["rows"] >= 100_000 and imported["seconds"] <= 60
            and imported["peak_memory_mb"] <= 500 and imported["errors"] == 0)
    else:
        add("Excel import of 100,000 veterans ≤ 60 s and ≤ 500 MB (issue 3)", None, None)
    national = [r for r in latency if r["name"] in NATIONAL_LISTS]
    if national:
        worst = max(national, key=lambda r: r["p95_ms"] or 0)
        add("national list pages and one-character name search p95 < 50 ms (issue 21)",
            f"p95 {worst['p95_ms']} ms ({worst['name']})", (worst["p95_ms"] or 1e9) < 50)
    else:
        add("national list pages and one-character name search p95 < 50 ms (issue 21)",
            None, None)
    proxy = {r["name"]: r for r in (results.get("proxy") or {}).get("rows", [])}
    revalidated, static = proxy.get(PROXY_REVALIDATED), proxy.get(PROXY_STATIC)
    if revalidated and static and static["p95_ms"]:
        ratio = round(revalidated["p95_ms"] / static["p95_ms"], 1)
        add("statistics through the proxy ≤ 2× a static file through the proxy (issue 21)",
            f"p95 {revalidated['p95_ms']} ms vs {static['p95_ms']} ms: {ratio}×", ratio <= 2)
    else:
        add("statistics through the proxy ≤ 2× a static file through the proxy (issue 21)",
            None, None)
    recompute = next((r for r in results.get("timings", [])
                      if r["name"].startswith("target snapshots recomputed")), None)
    if recompute:
        add("target recomputation ≤ 5 s", f"p95 {recompute['p95_ms']} ms",
            (recompute["p95_ms"] or 1e9) <= 5000)
    else:
        add("target recomputation ≤ 5 s", None, None)
    return rows
