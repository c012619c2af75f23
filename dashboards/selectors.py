"""Dashboard figures and statistics, read from the rollups (never raw visits or cases).

Callers resolve the region through `area_get_for_user` first, so everything
here lies inside the user's jurisdiction. "Overdue" changes with the clock, not
with a commit: open cases whose deadline fell before today are counted from the
`DueStat` rollup; the one raw read is the open cases whose deadline falls today,
before now (a short range of the partial index on the deadline of open cases).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from cases.selectors import case_figures, rate
from centres.models import Region, User
from centres.selectors import (
    ChildKeys,
    centre_counts_by_level,
    region_children_with_counts,
    region_get_for_user,
    user_root_region,
)
from dashboards import sql
from dashboards.models import (
    COUNTERS,
    NATION,
    VISIT_CHANNELS,
    VISIT_PURPOSES,
    DailyStat,
    DueStat,
    RollupState,
)
from dashboards.rollups import (
    STATE,
    VERSION_CACHE_KEY,
    rollup_version,
    rollups_refresh,
)
from demonstration.selectors import TargetSummary, target_summary

CACHE_SECONDS = 10 * 60
RollupRow = TypeVar("RollupRow", DailyStat, DueStat)


@dataclass(frozen=True)
class Period:
    """An inclusive range of days; None on either side leaves it open."""

    since: datetime.date | None = None
    until: datetime.date | None = None

    def days(self, rows: QuerySet[RollupRow]) -> QuerySet[RollupRow]:
        if self.since is not None:
            rows = rows.filter(day__gte=self.since)
        if self.until is not None:
            rows = rows.filter(day__lte=self.until)
        return rows


def area_get_for_user(*, user: User, code: str | None) -> Region | None:
    """The region a dashboard shows: the given code (404 outside), else the user's own area.

    The nation's code (zeros) names the whole country, for nationwide users only.
    """
    if code and code.strip("0"):
        return region_get_for_user(user=user, code=code)
    if code and user.region_id is not None:
        raise Http404
    return user_root_region(user)


def area_code(region: Region | None) -> str:
    return region.code if region is not None else NATION


def _rows(region: Region | None, period: Period) -> QuerySet[DailyStat]:
    return period.days(DailyStat.objects.filter(region_code=area_code(region)))


def _sums(
    region: Region | None, period: Period, now: datetime.datetime | None = None
) -> dict[str, int]:
    """Every counter of the area summed over the period, and with `now` the open cases
    whose deadline fell before its day (OVERDUE_BEFORE_TODAY): one statement."""
    return sql.area_sums(
        code=area_code(region), since=period.since, until=period.until, counters=COUNTERS,
        overdue_before=timezone.localdate(now) if now is not None else None,
    )


def _due_rows(codes: list[str], period: Period, now: datetime.datetime) -> QuerySet[DueStat]:
    """Rolled-up open cases of these regions whose deadline fell before today."""
    rows = DueStat.objects.filter(region_code__in=codes, due_day__lt=timezone.localdate(now))
    return period.days(rows)


def _due_today_count(region: Region | None, period: Period, now: datetime.datetime) -> int:
    """Open cases whose deadline fell today before now: the part no rollup can hold."""
    return sql.due_today_count(
        code=area_code(region), since=period.since, until=period.until, now=now
    )


def visit_figures(sums: Mapping[str, int], *, code: str) -> dict[str, Any]:
    return {
        "region": code,
        "total": sums["visits"],
        "by_channel": {c: sums[f"visits_{c}"] for c in VISIT_CHANNELS},
        "by_purpose": {p: sums[f"visits_{p}"] for p in VISIT_PURPOSES},
    }


def rollups_fresh_enough() -> None:
    """Refresh the rollups before reading them where no Celery beat does (development)."""
    if settings.ROLLUPS_REFRESH_ON_READ:
        rollups_refresh()


def _rolled_up(
    figure: str,
    region: Region | None,
    period: Period,
    now: datetime.datetime,
    compute: Callable[[], Any],
) -> Any:
    """A figure computed from the rollups alone, cached until they change (or the day
    does): a client polling the same statistics costs one cache read. The figure is
    kept with the rollups' version it was computed from and read in the same round
    trip as the current version; an older one is computed again. (Not the cache's
    `version=`: that needs the version before the read, a second round trip.)"""
    key = (f"dashboards:{figure}:{timezone.localdate(now)}:{area_code(region)}:"
           f"{period.since}:{period.until}")
    found = cache.get_many([VERSION_CACHE_KEY, key])
    version = found.get(VERSION_CACHE_KEY)
    if version is None:
        version = rollup_version()
    kept = found.get(key)
    if kept is not None and kept[0] == version:
        return kept[1]
    value = compute()
    cache.set(key, (version, value), CACHE_SECONDS)
    return value


def case_stats(
    *, region: Region | None, period: Period, now: datetime.datetime | None = None
) -> dict[str, Any]:
    """Case statistics of a region's subtree (None: the nation): two queries, one (the
    deadlines falling today) when the rollups' part is cached."""
    rollups_fresh_enough()
    now = now or timezone.now()
    sums = _rolled_up("cases", region, period, now, lambda: _sums(region, period, now))
    return case_figures(
        sums, overdue=sums[sql.OVERDUE_BEFORE_TODAY] + _due_today_count(region, period, now),
        code=area_code(region),
    )


def visit_stats(*, region: Region | None, period: Period) -> dict[str, Any]:
    """Visit statistics of a region's subtree: one query, none when cached."""
    rollups_fresh_enough()
    sums = _rolled_up("sums", region, period, timezone.now(), lambda: _sums(region, period))
    return visit_figures(sums, code=area_code(region))


# --- a region broken down: its own centre (本级), each child's subtree, the total ------

OWN, CHILD, TOTAL = "own", "child", "total"


@dataclass
class AreaFigures:
    """One line of a breakdown: the region's own centre (OWN), one child region's whole
    subtree (CHILD), or the region's whole subtree (TOTAL)."""

    kind: str
    region: Region | None  # None: the nation (its total; the nation has no centre)
    sums: dict[str, int]
    overdue: int
    centres: int

    @property
    def code(self) -> str:
        return area_code(self.region)

    @property
    def cases(self) -> dict[str, Any]:
        return case_figures(self.sums, overdue=self.overdue, code=self.code)

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.sums["follow_ups_satisfied"], self.sums["follow_ups"])


@dataclass
class Breakdown:
    """A region's figures: own + Σ rows = total, for every counter, overdue and centres."""

    region: Region | None
    period: Period
    own: AreaFigures
    rows: list[AreaFigures]
    total: AreaFigures

    @property
    def lines(self) -> list[AreaFigures]:
        """Every child, then the own centre (the nation has none), then the total: the
        order of the page's table and of the ledger."""
        own = [self.own] if self.region is not None else []
        return [*self.rows, *own, self.total]


def _rolled_up_breakdown(
    region: Region | None, period: Period, now: datetime.datetime, children: list[Region]
) -> dict[str, Any]:
    """The rolled-up part of a breakdown: the total's counters (with the open cases whose
    deadline fell before today) and each child's. Three queries."""
    codes = [child.code for child in children]
    by_child: dict[str, dict[str, int]] = {
        row["region_code"]: {name: row[name] or 0 for name in COUNTERS}
        for row in period.days(DailyStat.objects.filter(region_code__in=codes))
        .values("region_code")
        .annotate(**{name: Sum(name) for name in COUNTERS})
        .order_by()
    }
    overdue_before: dict[str, int] = {
        row["region_code"]: row["n"]
        for row in _due_rows(codes, period, now)
        .values("region_code")
        .annotate(n=Sum("cases_open"))
        .order_by()
    }
    return {"total": _sums(region, period, now), "children": by_child,
            "overdue_before": overdue_before}


def breakdown_get(
    *, region: Region | None, period: Period, now: datetime.datetime | None = None
) -> Breakdown:
    """The region's own centre, each child region and the total, for the period.

    The own centre's figures are the total less the children's (the rollups hold
    subtrees, and a region's subtree is its own centre and its children's subtrees);
    the tests check them against the raw rows of the region's own code. The rolled-up
    part is cached until the rollups change; the deadlines falling today are read
    live, in one query grouped by child.
    """
    rollups_fresh_enough()
    now = now or timezone.now()
    children = region_children_with_counts(region=region)
    rolled = _rolled_up(
        "breakdown", region, period, now,
        lambda: _rolled_up_breakdown(region, period, now, [c.region for c in children]),
    )
    keys = ChildKeys([child.region for child in children])
    due_today: dict[str, int] = {}
    due_total = 0
    for key, n in sql.due_today_by_prefix(code=area_code(region), since=period.since,
                                          until=period.until, now=now, width=keys.width):
        due_total += n
        child = keys.child_of(key)
        if child is not None:
            due_today[child.code] = due_today.get(child.code, 0) + n
    zero = dict.fromkeys(COUNTERS, 0)
    rows = [
        AreaFigures(
            kind=CHILD, region=row.region,
            sums=rolled["children"].get(row.region.code, zero),
            overdue=rolled["overdue_before"].get(row.region.code, 0)
            + due_today.get(row.region.code, 0),
            centres=row.centres_total,
        )
        for row in children
    ]
    total_sums = dict(rolled["total"])
    total = AreaFigures(
        kind=TOTAL, region=region, sums={name: total_sums[name] for name in COUNTERS},
        overdue=total_sums[sql.OVERDUE_BEFORE_TODAY] + due_total,
        centres=sum(n for _label, n in centre_counts_by_level(region=region)),
    )
    own = AreaFigures(
        kind=OWN, region=region,
        sums={name: total.sums[name] - sum(row.sums[name] for row in rows)
              for name in COUNTERS},
        overdue=total.overdue - sum(row.overdue for row in rows),
        centres=total.centres - sum(row.centres for row in rows),
    )
    return Breakdown(region=region, period=period, own=own, rows=rows, total=total)


# How a breakdown's child regions may be ranked (highest first); cases received first.
RANKINGS: dict[str, Callable[[AreaFigures], float]] = {
    "cases": lambda line: line.cases["total"],
    "visits": lambda line: line.sums["visits"],
    "overdue": lambda line: line.overdue,
    "local": lambda line: line.cases["local_resolution_rate"] or 0,
}
DEFAULT_RANKING = "cases"


def breakdown_ranked(breakdown: Breakdown, by: str) -> Breakdown:
    """The child regions by a figure, highest first (ties in code order)."""
    key = RANKINGS.get(by, RANKINGS[DEFAULT_RANKING])
    rows = sorted(breakdown.rows, key=lambda line: (-key(line), line.code))
    return replace(breakdown, rows=rows)


def breakdown_figures(breakdown: Breakdown) -> dict[str, Any]:
    """`GET /api/v1/stats/cases/children/`: the case statistics of the own centre, each
    child region and the total."""
    def row(line: AreaFigures) -> dict[str, Any]:
        assert line.region is not None
        return {"region": line.region.code, "name": line.region.name,
                "level": line.region.level, **_without_region(line.cases)}

    return {
        "region": breakdown.total.code,
        "own": breakdown.own.cases,
        "rows": [row(line) for line in breakdown.rows],
        "total": breakdown.total.cases,
    }


def _without_region(figures: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in figures.items() if key != "region"}


# --- the dashboard ----------------------------------------------------------------


@dataclass
class Month:
    month: datetime.date
    visits: int
    cases: int
    resolved_locally: int


@dataclass
class Dashboard:
    region: Region | None
    period: Period
    breakdown: Breakdown
    centres_by_level: list[tuple[str, int]]
    months: list[Month]
    as_of: datetime.datetime | None = None  # the rollups hold every change up to here
    target: TargetSummary | None = None

    @property
    def total(self) -> AreaFigures:
        return self.breakdown.total

    @property
    def own(self) -> AreaFigures:
        return self.breakdown.own

    @property
    def children(self) -> list[AreaFigures]:
        return self.breakdown.rows


def dashboard_get(
    *, user: User, region: Region | None, period: Period, now: datetime.datetime | None = None
) -> Dashboard:
    """Everything a dashboard shows, cached (under the rollups' version) until they
    change or 10 minutes pass.

    `region` lies in the user's jurisdiction (from `area_get_for_user`), so what
    is cached depends on the region alone.
    """
    rollups_fresh_enough()
    key = f"dashboards:board:{area_code(region)}:{period.since}:{period.until}"
    version = rollup_version()
    dashboard: Dashboard | None = cache.get(key, version=version)
    if dashboard is None:
        dashboard = _dashboard_compute(
            user=user, region=region, period=period, now=now or timezone.now()
        )
        cache.set(key, dashboard, CACHE_SECONDS, version=version)
    return dashboard


def _dashboard_compute(
    *, user: User, region: Region | None, period: Period, now: datetime.datetime
) -> Dashboard:
    return Dashboard(
        region=region,
        period=period,
        breakdown=breakdown_get(region=region, period=period, now=now),
        centres_by_level=centre_counts_by_level(region=region),
        months=_months(region, period),
        as_of=RollupState.objects.filter(name=STATE).values_list("upto", flat=True).first(),
        target=target_summary(
            user=user, region=region, year=(period.until or timezone.localdate()).year
        ),
    )


def _months(region: Region | None, period: Period) -> list[Month]:
    rows = (
        _rows(region, period)
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(
            visits=Sum("visits"),
            cases_open=Sum("cases_open"),
            cases_resolved=Sum("cases_resolved"),
            cases_closed=Sum("cases_closed"),
            resolved_locally=Sum("cases_resolved_locally"),
        )
        .order_by("month")
    )
    found = {
        _month_start(row["month"]): Month(
            month=_month_start(row["month"]),
            visits=row["visits"],
            cases=row["cases_open"] + row["cases_resolved"] + row["cases_closed"],
            resolved_locally=row["resolved_locally"],
        )
        for row in rows
    }
    if period.since is None or period.until is None:
        return [found[month] for month in sorted(found)]
    # Every month of the period, the quiet ones too: a trend reads at a glance.
    months, month = [], _month_start(period.since)
    while month <= period.until:
        months.append(found.get(month, Month(month=month, visits=0, cases=0, resolved_locally=0)))
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _month_start(value: datetime.date | datetime.datetime) -> datetime.date:
    day = value.date() if isinstance(value, datetime.datetime) else value
    return day.replace(day=1)
