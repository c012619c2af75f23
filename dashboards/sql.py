"""The dashboards' written SQL, all of it: everything else is the ORM.

Why each statement is written rather than built by the ORM:
- `area_sums` and `due_today_count` / `due_today_by_prefix` run on every statistics
  call; the bench measured the ORM's compilation of these small queries costing
  more CPU than the database's answer (docs/scaling.md, "What changed to get
  here"; the runs in bench/results).
- `rollup_insert` is an `INSERT … SELECT … ON CONFLICT DO UPDATE`, which the ORM
  cannot say; it aggregates in the database instead of in Python (the rebuild's
  goal in docs/scaling.md).
- `generated_tables_empty` empties the benchmark's generated tables (millions of
  rows) with `TRUNCATE`, which the ORM cannot say either.

Each has an ORM equivalent that the tests use as the reference
(tests/dashboards/test_sql.py; `rollups.compute` for `rollup_insert`). Callers pass
values, querysets and column names, never pieces of SQL.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection as default_connection
from django.db import connections, router, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from cases.models import Case, Status
from centres import codes
from config.days import local_day_end, local_day_start
from dashboards.models import NATION, DailyStat, DueStat

OVERDUE_BEFORE_TODAY = "overdue_before_today"


def _area_days_where(
    code: str, since: datetime.date | None, until: datetime.date | None
) -> tuple[list[str], list[Any]]:
    where: list[str] = ["region_code = %s"]
    params: list[Any] = [code]
    if since is not None:
        where.append("day >= %s")
        params.append(since)
    if until is not None:
        where.append("day <= %s")
        params.append(until)
    return where, params


def area_sums(
    *, code: str, since: datetime.date | None, until: datetime.date | None,
    counters: Sequence[str], overdue_before: datetime.date | None = None,
) -> dict[str, int]:
    """Each `DailyStat` counter of one region summed over the days; with `overdue_before`
    also the rolled-up open cases whose deadline day is before it (OVERDUE_BEFORE_TODAY).

    ORM equivalent: `DailyStat.objects.filter(region_code=…, day range).aggregate(Sum…)`
    and `DueStat.objects.filter(…, due_day__lt=…).aggregate(Sum("cases_open"))`.
    """
    where, params = _area_days_where(code, since, until)
    selected = ", ".join(f"sum({name})" for name in counters)
    names, selected_params = list(counters), []
    if overdue_before is not None:
        selected += (f", (SELECT sum(cases_open) FROM {DueStat._meta.db_table} "  # noqa: S608
                     f"WHERE {' AND '.join([*where, 'due_day < %s'])})")
        names.append(OVERDUE_BEFORE_TODAY)
        selected_params = [*params, overdue_before]
    sql = (f"SELECT {selected} FROM {DailyStat._meta.db_table} "  # noqa: S608 (our names)
           f"WHERE {' AND '.join(where)}")
    with connections[router.db_for_read(DailyStat)].cursor() as cursor:
        cursor.execute(sql, [*selected_params, *params])
        figures = cursor.fetchone()
    return {name: value or 0 for name, value in zip(names, figures, strict=True)}


def _due_today(
    *, code: str | None, since: datetime.date | None, until: datetime.date | None,
    now: datetime.datetime, prefix_width: int | None,
) -> list[tuple[Any, ...]]:
    """Open cases received in the subtree of `code` (None: the nation) within the days,
    whose deadline falls today before `now`: counted, or counted by the first
    `prefix_width` digits of the received region."""
    connection = connections[router.db_for_read(Case)]
    adapt, quote = connection.ops.adapt_datetimefield_value, connection.ops.quote_name
    fields = (Case.status, Case.deadline, Case.received_region, Case.received_at)
    column = {deferred.field.name: quote(deferred.field.column) for deferred in fields}
    where = [f"{column['status']} = %s", f"{column['deadline']} >= %s",
             f"{column['deadline']} < %s"]
    params: list[Any] = [Status.OPEN, adapt(local_day_start(timezone.localdate(now))), adapt(now)]
    if code is not None and code != NATION:
        where.append(f"{column['received_region']} BETWEEN %s AND %s")
        params += codes.code_range(code)
    if since is not None:
        where.append(f"{column['received_at']} >= %s")
        params.append(adapt(local_day_start(since)))
    if until is not None:
        where.append(f"{column['received_at']} < %s")
        params.append(adapt(local_day_end(until)))
    selected, group_by = "count(*)", ""
    if prefix_width is not None:
        selected = f"substr({column['received_region']}, 1, {int(prefix_width)}), count(*)"
        group_by = "GROUP BY 1"
    sql = (f"SELECT {selected} FROM {quote(Case._meta.db_table)} "  # noqa: S608
           f"WHERE {' AND '.join(where)} {group_by}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def due_today_count(
    *, code: str | None, since: datetime.date | None, until: datetime.date | None,
    now: datetime.datetime,
) -> int:
    """ORM equivalent: `cases_received(…).filter(within_q(code, "received_region"),
    status=OPEN, deadline__gte=<today's midnight>, deadline__lt=now).count()`."""
    rows = _due_today(code=code, since=since, until=until, now=now, prefix_width=None)
    return int(rows[0][0])


def due_today_by_prefix(
    *, code: str | None, since: datetime.date | None, until: datetime.date | None,
    now: datetime.datetime, width: int,
) -> list[tuple[str, int]]:
    """`due_today_count` grouped by the first `width` digits of the received region."""
    rows = _due_today(code=code, since=since, until=until, now=now, prefix_width=width)
    return [(str(key), int(n)) for key, n in rows]


# --- storing the rollups ------------------------------------------------------------


@dataclass(frozen=True)
class GroupedPart:
    """One source's rows of one level, grouped by region prefix (None: the nation) and
    day(s): `grouped` yields `key` (the prefix), the `group_keys` and some counters."""

    grouped: QuerySet[Any]
    length: int | None
    group_keys: tuple[str, ...]
    counters: tuple[str, ...]


def _part_select(part: GroupedPart, key_columns: Sequence[str],
                 counters: Sequence[str]) -> tuple[str, list[Any]]:
    sql, params = part.grouped.query.sql_with_params()
    key = f"'{NATION}'" if part.length is None else f"rpad(g.key, {codes.CODE_LENGTH}, '0')"
    picked = ", ".join([
        *(f"g.{group} AS {column}"
          for group, column in zip(part.group_keys, key_columns, strict=True)),
        *(f"g.{name}" if name in part.counters else f"0 AS {name}" for name in counters),
    ])
    return f"SELECT {key} AS region_code, {picked} FROM ({sql}) AS g", list(params)  # noqa: S608


def rollup_insert(
    *, db_table: str, key_columns: Sequence[str], counters: Sequence[str],
    parts: Sequence[GroupedPart],
) -> None:
    """PostgreSQL: sum the grouped parts and add them to a rollup table, in key order.

    ORM equivalent: `rollups.compute` (the same grouped querysets summed in Python).
    """
    keys = ["region_code", *key_columns]
    sums = ", ".join(f"sum({name})" for name in counters)
    adds = ", ".join(f"{name} = {db_table}.{name} + EXCLUDED.{name}" for name in counters)
    selects = [_part_select(part, key_columns, counters) for part in parts]
    union = " UNION ALL ".join(sql for sql, _ in selects)
    with default_connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {db_table} ({', '.join([*keys, *counters])}) "  # noqa: S608
            f"SELECT {', '.join(keys)}, {sums} FROM ({union}) AS u "
            f"GROUP BY {', '.join(keys)} ORDER BY {', '.join(keys)} "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {adds}",
            [param for _, params in selects for param in params],
        )


def set_work_mem(size: str) -> None:
    """PostgreSQL's memory for the sorts of this transaction."""
    with default_connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [size])


def analyze(db_tables: Sequence[str]) -> None:
    with default_connection.cursor() as cursor:
        for table in db_tables:
            cursor.execute(f"ANALYZE {table}")


def generated_tables_empty(models: Sequence[type[Model]], *, regions: type[Model]) -> None:
    """Empty these tables, then the regions (unlinked from their parents first).

    ORM equivalent: `Model.objects.all().delete()` for each, children first.
    """
    q = default_connection.ops.quote_name
    tables = [q(model._meta.db_table) for model in models]
    region_table = q(regions._meta.db_table)
    with transaction.atomic(), default_connection.cursor() as cursor:
        if default_connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # Millions of rows: TRUNCATE, not DELETE. Users keep pointing at regions,
            # so the regions themselves are deleted.
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        else:
            # SQLite checks the (deferred) foreign keys at commit: any order will do.
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        cursor.execute(f"UPDATE {region_table} SET parent_id = NULL")  # noqa: S608
        cursor.execute(f"DELETE FROM {region_table}")  # noqa: S608
