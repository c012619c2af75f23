"""Building the rollups from the raw rows, set-based: a fixed number of grouped
queries per run of days, whatever the number of regions.

For each level, one grouped query keys the raw rows by the significant prefix
of their region code (2 digits for provinces, 4 for cities, 6 for counties, 9
for townships, 12 for villages) and by day; a prefix padded with zeros is the
region's code. A prefix whose padded code belongs to another level (the 6-digit
prefix 441900 of a township under 东莞 pads to the city 东莞 itself) is left to
that level's pass, so nothing is counted twice.

Two tables are kept this way: `DailyStat` (per region and day) and `DueStat`
(open cases per region, day received and deadline day, for "overdue").
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Model, Q, QuerySet
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone

from cases.models import Case, CaseEvent, Status
from cases.selectors import case_counters
from centres import codes
from config.days import local_day_end, local_day_start, local_zone
from dashboards import sql
from dashboards.models import COUNTERS, NATION, DailyStat, DueStat, RollupState
from veterans.models import Visit

# (region code, day[, deadline day]): the unique key of a rollup row.
Key = tuple[Any, ...]
Counts = dict[str, int]

# (prefix length, level) of each pass; None is the nation.
PASSES: tuple[tuple[int | None, str | None], ...] = (
    (None, None),
    *((codes.PREFIX_LENGTHS[level], level) for level in codes.LEVELS_TOP_DOWN),
)
STATE = "rollups"
VERSION_CACHE_KEY = "dashboards:rollup-version"
# Each refresh looks this far behind its watermark, so that a transaction that
# committed late (its rows stamped before the last refresh) is still picked up.
OVERLAP = datetime.timedelta(minutes=5)
MAX_RUNS = 30
# Rebuilds and checks work a window of days at a time, so memory stays bounded.
WINDOW_DAYS = 31
# PostgreSQL's memory for the sorts of a whole rebuild (the default, 4 MB, spills to disk).
REBUILD_WORK_MEM = "256MB"


# --- what each counter counts -------------------------------------------------

def visit_counters() -> dict[str, Count]:
    return {
        "visits": Count("id"),
        **{f"visits_{c}": Count("id", filter=Q(channel=c)) for c in Visit.Channel.values},
        **{f"visits_{p}": Count("id", filter=Q(purpose=p)) for p in Visit.Purpose.values},
    }


# The case counters: `cases.selectors.case_counters`, defined once.


def follow_up_counters() -> dict[str, Count]:
    return {
        "follow_ups": Count("id"),
        "follow_ups_satisfied": Count("id", filter=Q(extra__satisfied=True)),
    }


@dataclass(frozen=True)
class Table:
    """A rollup table: its key columns after `region_code`, and its counter columns."""

    model: type[Model]
    keys: tuple[str, ...]
    counters: tuple[str, ...]

    @property
    def db_table(self) -> str:
        return self.model._meta.db_table

    def key_of(self, row: Any) -> Key:
        return (row.region_code, *(getattr(row, name) for name in self.keys))

    def counts_of(self, row: Any) -> Counts:
        return {name: getattr(row, name) for name in self.counters}


DAILY = Table(DailyStat, ("day",), COUNTERS)
DUE = Table(DueStat, ("day", "due_day"), ("cases_open",))
TABLES = (DAILY, DUE)


@dataclass(frozen=True)
class Source:
    """A raw table, the region column it is keyed by, the time column for its day, and
    the rollup table its counters go to (with any further key, e.g. the deadline day)."""

    queryset: QuerySet[Any]
    region_field: str
    time_field: str
    counters: dict[str, Count]
    table: Table = DAILY
    extra_keys: tuple[str, ...] = ()  # time fields grouped by their local day


def sources() -> list[Source]:
    return [
        Source(Visit.objects.all(), "region_id", "visited_at", visit_counters()),
        Source(Case.objects.all(), "received_region_id", "received_at", case_counters()),
        Source(
            CaseEvent.objects.filter(kind=CaseEvent.Kind.FOLLOW_UP),
            "case__received_region_id",
            "at",
            follow_up_counters(),
        ),
        Source(
            Case.objects.filter(status=Status.OPEN),
            "received_region_id",
            "received_at",
            {"cases_open": Count("id")},
            table=DUE,
            extra_keys=("deadline",),
        ),
    ]


# --- computing -----------------------------------------------------------------


def day_runs(days: Iterable[datetime.date]) -> list[tuple[datetime.date, datetime.date]]:
    """Contiguous runs of days (first, last); too many runs merge into one span."""
    ordered = sorted(set(days))
    runs: list[tuple[datetime.date, datetime.date]] = []
    for day in ordered:
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    if len(runs) > MAX_RUNS:
        return list(windows(runs[0][0], runs[-1][1]))
    return runs


def windows(
    first: datetime.date, last: datetime.date
) -> Iterator[tuple[datetime.date, datetime.date]]:
    """[first, last] cut into windows of WINDOW_DAYS days."""
    start = first
    while start <= last:
        end = min(last, start + datetime.timedelta(days=WINDOW_DAYS - 1))
        yield start, end
        start = end + datetime.timedelta(days=1)


def _rows_in(source: Source, first: datetime.date, last: datetime.date) -> QuerySet[Any]:
    rows = source.queryset.filter(
        **{
            f"{source.time_field}__gte": local_day_start(first),
            f"{source.time_field}__lt": local_day_end(last),
        }
    )
    days = {"day": TruncDate(source.time_field, tzinfo=local_zone())}
    days |= {f"{field}_day": TruncDate(field, tzinfo=local_zone()) for field in source.extra_keys}
    return rows.annotate(**days)


def _group_keys(source: Source) -> list[str]:
    """The grouped columns after the region: the day and any further day."""
    return ["day", *(f"{field}_day" for field in source.extra_keys)]


def compute(
    *, first: datetime.date, last: datetime.date, table: Table = DAILY
) -> dict[Key, Counts]:
    """A table's counters for every region (at every level) and day in [first, last],
    from the raw rows."""
    result: dict[Key, Counts] = defaultdict(lambda: dict.fromkeys(table.counters, 0))
    for source in sources():
        if source.table is not table:
            continue
        rows = _rows_in(source, first, last)
        for length, level in PASSES:
            for row in _grouped(rows, source, length):
                code = NATION if length is None else row["key"].ljust(codes.CODE_LENGTH, "0")
                if level is not None and codes.level_of(code) != level:
                    continue
                counts = result[(code, *(row[k] for k in _group_keys(source)))]
                for name in source.counters:
                    counts[name] += row[name]
    return dict(result)


def _grouped_query(rows: QuerySet[Any], source: Source, length: int | None) -> QuerySet[Any]:
    """The rows counted per region prefix of `length` (None: the nation) and day(s)."""
    if length is None:
        grouped = rows.values(*_group_keys(source))
    else:
        grouped = rows.annotate(key=Substr(source.region_field, 1, length)).values(
            "key", *_group_keys(source)
        )
    return grouped.annotate(**source.counters).order_by()


def _grouped(rows: QuerySet[Any], source: Source, length: int | None) -> Iterator[dict[str, Any]]:
    yield from _grouped_query(rows, source, length)


# Where a region's own level starts in its code: a prefix of a pass's length pads
# to a code of that pass's level only when this part of it is not all zeros.
LEVEL_PART: dict[str, tuple[int, int]] = {
    "city": (3, 2), "county": (5, 2), "township": (7, 3), "village": (10, 3),
}


def _level_part(
    source: Source, first: datetime.date, last: datetime.date, length: int | None,
    level: str | None,
) -> sql.GroupedPart:
    """One source's grouped rows of one level (the same querysets as `compute`)."""
    rows = _rows_in(source, first, last)
    if level in LEVEL_PART:
        start, size = LEVEL_PART[level]
        rows = rows.annotate(level_part=Substr(source.region_field, start, size)).exclude(
            level_part="0" * size
        )
    return sql.GroupedPart(
        grouped=_grouped_query(rows, source, length), length=length,
        group_keys=tuple(_group_keys(source)), counters=tuple(source.counters),
    )


def _insert_select(table: Table, first: datetime.date, last: datetime.date) -> None:
    """PostgreSQL: aggregate and store in the database, one INSERT … SELECT per level.

    The same grouped querysets as `compute`, so the two paths cannot drift apart (and
    `rollups_differences` compares them in the tests). The sources of a table are
    summed in the same statement and the rows inserted in key order: each row is
    written once, and a region's days lie together on disk.
    """
    table_sources = [source for source in sources() if source.table is table]
    for length, level in PASSES:
        sql.rollup_insert(
            db_table=table.db_table, key_columns=table.keys, counters=table.counters,
            parts=[_level_part(source, first, last, length, level) for source in table_sources],
        )


def _window_store(first: datetime.date, last: datetime.date) -> None:
    """Write the rollup rows of [first, last] (the window must be empty before)."""
    for table in TABLES:
        if connection.vendor == "postgresql":
            _insert_select(table, first, last)
        else:
            _store(compute(first=first, last=last, table=table), table)


@transaction.atomic
def days_recompute(*, days: Iterable[datetime.date]) -> int:
    """Replace the rollup rows of these days with a fresh computation. Idempotent.

    Returns the number of daily rows the days now have."""
    runs = day_runs(days)
    for first, last in runs:
        for table in TABLES:
            table.model._default_manager.filter(day__gte=first, day__lte=last).delete()
        _window_store(first, last)
    return sum(
        DailyStat.objects.filter(day__gte=first, day__lte=last).count() for first, last in runs
    )


def _locked_state() -> RollupState:
    RollupState.objects.get_or_create(name=STATE)
    return RollupState.objects.select_for_update().get(name=STATE)


def _bump(state: RollupState, upto: datetime.datetime | None) -> None:
    state.version += 1
    state.upto = upto
    state.save(update_fields=["version", "upto"])
    # Readers fall back to the database until the commit publishes the new version.
    cache.delete(VERSION_CACHE_KEY)
    transaction.on_commit(lambda: cache.set(VERSION_CACHE_KEY, state.version, None))


def touched_days(since: datetime.datetime) -> set[datetime.date]:
    """The days whose rollup rows may have changed since `since`."""
    local = local_zone()
    days = {
        at.astimezone(local).date()
        for at in Visit.objects.filter(created_at__gte=since).values_list("visited_at", flat=True)
    }
    received = Case.objects.filter(created_at__gte=since).values_list("received_at", flat=True)
    moved = Case.objects.filter(
        pk__in=CaseEvent.objects.filter(at__gte=since).values("case_id")
    ).values_list("received_at", flat=True)
    days |= {at.astimezone(local).date() for at in [*received, *moved]}
    follow_ups = CaseEvent.objects.filter(kind=CaseEvent.Kind.FOLLOW_UP, at__gte=since)
    days |= {at.astimezone(local).date() for at in follow_ups.values_list("at", flat=True)}
    return days


@transaction.atomic
def rollups_refresh() -> int:
    """Bring the rollups up to date with what changed since the last refresh."""
    state = _locked_state()
    now = timezone.now()
    if state.upto is None:
        return rollups_rebuild_locked(state, now)
    days = touched_days(state.upto - OVERLAP)
    if not days:
        state.upto = now
        state.save(update_fields=["upto"])
        return 0
    written = days_recompute(days=days)
    _bump(state, now)
    return written


@transaction.atomic
def rollups_rebuild() -> int:
    """Recompute every day from the raw rows (nightly, and on first use)."""
    return rollups_rebuild_locked(_locked_state(), timezone.now())


def rollups_rebuild_locked(state: RollupState, now: datetime.datetime) -> int:
    for table in TABLES:
        table.model._default_manager.all().delete()
    span = raw_span()
    if span and connection.vendor == "postgresql":
        # The database aggregates the whole span in one pass per level and table (its
        # sorts in memory, not on disk), then the planner learns the new tables' sizes
        # (before autovacuum gets to them).
        sql.set_work_mem(REBUILD_WORK_MEM)
        _window_store(*span)
        sql.analyze([table.db_table for table in TABLES])
    else:
        for first, last in windows(*span) if span else ():
            _window_store(first, last)
    _bump(state, now)
    return DailyStat.objects.count()


def _store(computed: dict[Key, Counts], table: Table) -> int:
    rows = [
        table.model(region_code=key[0], **dict(zip(table.keys, key[1:], strict=True)), **counts)
        for key, counts in computed.items()
        if any(counts.values())
    ]
    table.model._default_manager.bulk_create(rows, batch_size=2000)
    return len(rows)


def raw_span() -> tuple[datetime.date, datetime.date] | None:
    """The first and last day that any raw row falls on."""
    local = local_zone()
    bounds: list[datetime.datetime] = []
    for source in sources():
        ordered = source.queryset.order_by(source.time_field).values_list(
            source.time_field, flat=True
        )
        first, last = ordered.first(), ordered.last()
        bounds += [b for b in (first, last) if b is not None]
    if not bounds:
        return None
    return min(bounds).astimezone(local).date(), max(bounds).astimezone(local).date()


def rollup_version() -> int:
    version = cache.get(VERSION_CACHE_KEY)
    if version is None:
        version = RollupState.objects.filter(name=STATE).values_list("version", flat=True).first()
        version = version or 0
        cache.set(VERSION_CACHE_KEY, version, None)
    return int(version)


def rollups_differences() -> list[tuple[Key, str, int, int]]:
    """(key, counter, stored, recomputed) for every counter that differs. Empty is good."""
    differences = []
    span = raw_span()
    for table in TABLES:
        zero = dict.fromkeys(table.counters, 0)
        manager = table.model._default_manager
        stray = manager.all()
        for first, last in windows(*span) if span else ():
            stray = stray.exclude(day__gte=first, day__lte=last)
            stored = {
                table.key_of(row): table.counts_of(row)
                for row in manager.filter(day__gte=first, day__lte=last)
            }
            fresh = compute(first=first, last=last, table=table)
            for key in sorted(set(stored) | set(fresh)):
                old, new = stored.get(key, zero), fresh.get(key, zero)
                differences += [
                    (key, name, old[name], new[name])
                    for name in table.counters
                    if old[name] != new[name]
                ]
        # Rows outside the span of the raw data should not exist at all.
        for row in stray:
            counts = table.counts_of(row)
            differences += [(table.key_of(row), name, counts[name], 0)
                            for name in table.counters if counts[name]]
    return differences
