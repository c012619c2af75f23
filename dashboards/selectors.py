"""Dashboard figures and statistics, read from the rollups (never raw visits or cases).

Callers resolve the region through `area_get_for_user` first, so everything
here lies inside the user's jurisdiction. "Overdue" changes with the clock, not
with a commit: open cases whose deadline fell before today are counted from the
`DueStat` rollup; the one raw read is the open cases whose deadline falls today,
before now (a short range of the partial index on the deadline of open cases).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from cases.models import Case, Status
from centres.codes import code_range
from centres.models import Region, User
from centres.selectors import (
    ChildKeys,
    ChildRow,
    centre_counts_by_level,
    region_children_with_counts,
    region_get_for_user,
    user_root_region,
)
from config.days import local_day_end, local_day_start
from dashboards.models import (
    COUNTERS,
    LEVELS,
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
from demonstration.selectors import target_rows

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

    def received(self, cases: QuerySet[Case]) -> QuerySet[Case]:
        if self.since is not None:
            cases = cases.filter(received_at__gte=local_day_start(self.since))
        if self.until is not None:
            cases = cases.filter(received_at__lt=local_day_end(self.until))
        return cases


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


# Written once: compiling thirty Sum() expressions per call through the ORM cost
# more than the database's answer (measured: docs/scaling.md, §3).
_SUMS = ", ".join(f"sum({name})" for name in COUNTERS)


def _area_days_where(region: Region | None, period: Period) -> tuple[list[str], list[Any]]:
    """`Period.days` of one area's rollup rows, as the conditions of a written statement."""
    where: list[str] = ["region_code = %s"]
    params: list[Any] = [area_code(region)]
    if period.since is not None:
        where.append("day >= %s")
        params.append(period.since)
    if period.until is not None:
        where.append("day <= %s")
        params.append(period.until)
    return where, params


# Open cases of an area whose deadline fell before a day, from the rollups.
_OVERDUE_BEFORE_SQL = f"SELECT sum(cases_open) FROM {DueStat._meta.db_table} WHERE "  # noqa: S608
OVERDUE_BEFORE_TODAY = "overdue_before_today"


def _sums(
    region: Region | None, period: Period, now: datetime.datetime | None = None
) -> dict[str, int]:
    """Every counter of the area summed over the period, and with `now` the open cases
    whose deadline fell before its day (OVERDUE_BEFORE_TODAY): one statement."""
    where, params = _area_days_where(region, period)
    selected, names, selected_params = _SUMS, list(COUNTERS), []
    if now is not None:
        selected += f", ({_OVERDUE_BEFORE_SQL}{' AND '.join([*where, 'due_day < %s'])})"
        names.append(OVERDUE_BEFORE_TODAY)
        selected_params = [*params, timezone.localdate(now)]
    sql = (f"SELECT {selected} FROM {DailyStat._meta.db_table} "  # noqa: S608 (our names)
           f"WHERE {' AND '.join(where)}")
    with connections[router.db_for_read(DailyStat)].cursor() as cursor:
        cursor.execute(sql, [*selected_params, *params])
        figures = cursor.fetchone()
    return {name: value or 0 for name, value in zip(names, figures, strict=True)}


def _due_rows(codes: list[str], period: Period, now: datetime.datetime) -> QuerySet[DueStat]:
    """Rolled-up open cases of these regions whose deadline fell before today."""
    rows = DueStat.objects.filter(region_code__in=codes, due_day__lt=timezone.localdate(now))
    return period.days(rows)


def _due_today(
    region: Region | None, period: Period, now: datetime.datetime, *, select: str,
    group_by: str = "",
) -> list[tuple[Any, ...]]:
    """Open cases whose deadline fell today before now, the part no rollup can hold:
    `select` over them (a count, or a count by a code prefix with `group_by`).

    Written rather than built with the ORM, whose compilation of this small query
    cost more than the rest of a statistics call.
    """
    db = router.db_for_read(Case)
    connection = connections[db]
    adapt, quote = connection.ops.adapt_datetimefield_value, connection.ops.quote_name
    fields = (Case.status, Case.deadline, Case.received_region, Case.received_at)
    columns = {deferred.field.name: quote(deferred.field.column) for deferred in fields}
    where = [f"{columns['status']} = %s", f"{columns['deadline']} >= %s",
             f"{columns['deadline']} < %s"]
    params: list[Any] = [Status.OPEN, adapt(local_day_start(timezone.localdate(now))), adapt(now)]
    if region is not None:
        where.append(f"{columns['received_region']} BETWEEN %s AND %s")
        params += code_range(region.code)
    if period.since is not None:
        where.append(f"{columns['received_at']} >= %s")
        params.append(adapt(local_day_start(period.since)))
    if period.until is not None:
        where.append(f"{columns['received_at']} < %s")
        params.append(adapt(local_day_end(period.until)))
    sql = (f"SELECT {select.format(**columns)} FROM {quote(Case._meta.db_table)} "  # noqa: S608
           f"WHERE {' AND '.join(where)} {group_by}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _due_today_count(region: Region | None, period: Period, now: datetime.datetime) -> int:
    count: int = _due_today(region, period, now, select="count(*)")[0][0]
    return count


def _overdue_before_today(region: Region | None, period: Period, now: datetime.datetime) -> int:
    """Open cases of the area whose deadline fell before today, from the rollups."""
    where, params = _area_days_where(region, period)
    with connections[router.db_for_read(DueStat)].cursor() as cursor:
        cursor.execute(_OVERDUE_BEFORE_SQL + " AND ".join([*where, "due_day < %s"]),
                       [*params, timezone.localdate(now)])
        total = cursor.fetchone()[0]
    return int(total or 0)


def overdue_count(region: Region | None, period: Period, now: datetime.datetime) -> int:
    """Open cases past their deadline, received in the period: two indexed reads."""
    return _overdue_before_today(region, period, now) + _due_today_count(region, period, now)


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def case_figures(sums: dict[str, int], *, overdue: int, code: str) -> dict[str, Any]:
    """The case statistics of docs/design.md §4 from summed rollup counters."""
    finished = sums["cases_resolved"] + sums["cases_closed"]
    return {
        "region": code,
        "total": sums["cases_open"] + finished,
        "open": sums["cases_open"],
        "resolved": sums["cases_resolved"],
        "closed": sums["cases_closed"],
        "resolved_locally": sums["cases_resolved_locally"],
        "local_resolution_rate": rate(sums["cases_resolved_locally"], finished),
        "escalated": sums["cases_escalated"],
        "overdue": overdue,
        "by_resolved_level": {level: sums[f"cases_resolved_{level}"] for level in LEVELS},
    }


def visit_figures(sums: dict[str, int], *, code: str) -> dict[str, Any]:
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
    trip as the current version; an older one is computed again."""
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
        sums, overdue=sums[OVERDUE_BEFORE_TODAY] + _due_today_count(region, period, now),
        code=area_code(region),
    )


def visit_stats(*, region: Region | None, period: Period) -> dict[str, Any]:
    """Visit statistics of a region's subtree: one query, none when cached."""
    rollups_fresh_enough()
    sums = _rolled_up("sums", region, period, timezone.now(), lambda: _sums(region, period))
    return visit_figures(sums, code=area_code(region))


# --- the dashboard ----------------------------------------------------------------


@dataclass
class AreaFigures:
    """What a dashboard shows of one area: its own, and each child's in the ranking."""

    region: Region | None
    sums: dict[str, int]
    overdue: int
    centres: ChildRow | None = None

    @property
    def cases(self) -> dict[str, Any]:
        return case_figures(self.sums, overdue=self.overdue, code=area_code(self.region))

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.sums["follow_ups_satisfied"], self.sums["follow_ups"])


@dataclass
class Month:
    month: datetime.date
    visits: int
    cases: int
    resolved_locally: int


@dataclass(frozen=True)
class TargetSummary:
    """The 60% target in an area: its model regions, and how many meet it."""

    year: int
    model_regions: int
    meeting: int
    demonstration: int
    eligible: int

    @property
    def ratio(self) -> float | None:
        return rate(self.demonstration, self.eligible)

    @property
    def short(self) -> int:
        return self.model_regions - self.meeting


@dataclass
class Dashboard:
    region: Region | None
    period: Period
    own: AreaFigures
    centres_by_level: list[tuple[str, int]]
    months: list[Month]
    children: list[AreaFigures] = field(default_factory=list)
    as_of: datetime.datetime | None = None  # the rollups hold every change up to here
    target: TargetSummary | None = None


def dashboard_get(
    *, user: User, region: Region | None, period: Period, now: datetime.datetime | None = None
) -> Dashboard:
    """Everything a dashboard shows, cached until the rollups change (or 10 minutes pass).

    `region` lies in the user's jurisdiction (from `area_get_for_user`), so what
    is cached depends on the region alone.
    """
    rollups_fresh_enough()
    key = f"dashboards:{rollup_version()}:{area_code(region)}:{period.since}:{period.until}"
    dashboard: Dashboard | None = cache.get(key)
    if dashboard is None:
        dashboard = _dashboard_compute(
            user=user, region=region, period=period, now=now or timezone.now()
        )
        cache.set(key, dashboard, CACHE_SECONDS)
    return dashboard


def _target_summary(*, user: User, region: Region | None, year: int) -> TargetSummary:
    rows = target_rows(user=user, year=year, region_code=region.code if region else None)
    return TargetSummary(
        year=year,
        model_regions=len(rows),
        meeting=sum(1 for row in rows if row.meets_target),
        demonstration=sum(row.demonstration for row in rows),
        eligible=sum(row.total for row in rows),
    )


def _dashboard_compute(
    *, user: User, region: Region | None, period: Period, now: datetime.datetime
) -> Dashboard:
    own = AreaFigures(
        region=region,
        sums=_sums(region, period),
        overdue=overdue_count(region, period, now),
    )
    return Dashboard(
        region=region,
        period=period,
        own=own,
        centres_by_level=centre_counts_by_level(region=region),
        months=_months(region, period),
        children=_children(region, period, now),
        as_of=RollupState.objects.filter(name=STATE).values_list("upto", flat=True).first(),
        target=_target_summary(
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


def _children(region: Region | None, period: Period, now: datetime.datetime) -> list[AreaFigures]:
    """Each child region with its figures: five queries whatever the number of children."""
    centres = region_children_with_counts(region=region)  # the children and their centres
    if not centres:
        return []
    children = [row.region for row in centres]
    sums: dict[str, dict[str, int]] = {
        row["region_code"]: {name: row[name] or 0 for name in COUNTERS}
        for row in period.days(
            DailyStat.objects.filter(region_code__in=[c.code for c in children])
        )
        .values("region_code")
        .annotate(**{name: Sum(name) for name in COUNTERS})
        .order_by()
    }
    overdue: dict[str, int] = {
        row["region_code"]: row["n"]
        for row in _due_rows([c.code for c in children], period, now)
        .values("region_code")
        .annotate(n=Sum("cases_open"))
        .order_by()
    }
    keys = ChildKeys(children)
    for key, n in _due_today(region, period, now,
                             select=f"substr({{received_region}}, 1, {keys.width}), count(*)",
                             group_by="GROUP BY 1"):
        child = keys.child_of(key)
        if child is not None:
            overdue[child.code] = overdue.get(child.code, 0) + n
    zero = dict.fromkeys(COUNTERS, 0)
    return [
        AreaFigures(
            region=row.region,
            sums=sums.get(row.region.code, zero),
            overdue=overdue.get(row.region.code, 0),
            centres=row,
        )
        for row in centres
    ]
